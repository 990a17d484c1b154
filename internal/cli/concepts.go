package cli

import (
	"fmt"
	"iter"
	"strings"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"

	"curate.dev/dataset"
)

// selectConcepts resolves --concepts, given as ids or names, to the ids of
// the concepts in known (pairs of id and name; the name may be empty), the
// way "curate report --concepts" matches them: a word selects the concepts
// whose id or name it is. A word that selects nothing is an error naming
// where the concepts were looked for, since a typo would otherwise select
// nothing and change nothing in silence. The ids come back in known's
// order, each once.
func selectConcepts(given []string, known iter.Seq2[string, string], where string) ([]string, error) {
	if len(given) == 0 {
		return nil, nil
	}
	matched := make(map[string]bool, len(given))
	for _, g := range given {
		matched[g] = false
	}
	var ids []string
	seen := map[string]bool{}
	for id, name := range known {
		hit := false
		for _, key := range []string{id, name} {
			if _, ok := matched[key]; ok && key != "" {
				matched[key], hit = true, true
			}
		}
		if hit && !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	var missing []string
	for _, g := range given {
		if !matched[g] {
			missing = append(missing, g)
		}
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("--concepts: no concept %s in %s", strings.Join(quoteAll(missing), ", "), where)
	}
	return ids, nil
}

// changeConcepts yields the concept id and name of every row of a changes
// table (dataset.ChangesSchema).
func changeConcepts(t arrow.Table) iter.Seq2[string, string] {
	return func(yield func(string, string) bool) {
		ids, names := t.Column(dataset.ChgConceptID).Data().Chunks(), t.Column(dataset.ChgConceptName).Data().Chunks()
		for k := range ids {
			id, name := ids[k].(*array.String), names[k].(*array.String)
			for i := 0; i < id.Len(); i++ {
				n := ""
				if name.IsValid(i) {
					n = name.Value(i)
				}
				if !yield(id.Value(i), n) {
					return
				}
			}
		}
	}
}

// annotationConcepts yields the concept id and name of every annotation.
func annotationConcepts(anns []dataset.Annotation) iter.Seq2[string, string] {
	return func(yield func(string, string) bool) {
		for _, a := range anns {
			if !yield(a.ConceptID, a.ConceptName) {
				return
			}
		}
	}
}

// keepConcepts keeps the annotations of the concepts --concepts selects
// (all when given is empty), looked up in anns itself.
func keepConcepts(anns []dataset.Annotation, given []string, where string) ([]dataset.Annotation, error) {
	ids, err := selectConcepts(given, annotationConcepts(anns), where)
	if err != nil || ids == nil {
		return anns, err
	}
	keep := make(map[string]bool, len(ids))
	for _, id := range ids {
		keep[id] = true
	}
	out := anns[:0:0]
	for _, a := range anns {
		if keep[a.ConceptID] {
			out = append(out, a)
		}
	}
	return out, nil
}
