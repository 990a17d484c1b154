package review

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"

	"curate.dev/balance"
	"curate.dev/dataset"
	"curate.dev/label"
)

// maxText caps the text of a text input kept for its card.
const maxText = 2000

// inputInfo is what a card shows about the input a suggestion is for.
type inputInfo struct {
	found     bool
	kind      string
	url       string
	text      string
	positives []int32 // concepts (index into the suggestions' concepts) the input is positive for
}

// sourceInfo is what the review keeps from one pass over the source: the
// balance report and, for the inputs that have suggestions only, their
// media and current positives.
type sourceInfo struct {
	report *balance.Report
	inputs []inputInfo // by suggestions' input index
	names  map[string]string
	// missing counts suggested inputs absent from the source.
	missing int
}

// readSource reads the source once. Memory is the balance counter's plus
// a few strings per suggested input: inputs without suggestions are
// looked at and dropped.
func readSource(ctx context.Context, r *dataset.Reader, s *suggestions, rules label.Rules) (*sourceInfo, error) {
	info := &sourceInfo{inputs: make([]inputInfo, len(s.inputIDs)), names: map[string]string{}}
	counter := balance.NewCounter(balance.WithRules(rules))
	defer counter.Close()
	for r.Next() {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		ann := r.Annotations()
		if err := counter.Add(ann); err != nil {
			return nil, err
		}
		if err := info.addAnnotations(ann, s, rules); err != nil {
			return nil, err
		}
		if inp := r.Inputs(); inp != nil {
			info.addInputs(inp, s)
		}
	}
	if err := r.Err(); err != nil {
		return nil, err
	}
	rep, err := counter.Report()
	if err != nil {
		return nil, err
	}
	info.report = rep
	for i := range info.inputs {
		if !info.inputs[i].found {
			info.missing++
		}
	}
	return info, nil
}

func dictStrings(col arrow.Array) (*array.Dictionary, *array.String) {
	d, ok := col.(*array.Dictionary)
	if !ok {
		return nil, nil
	}
	v, _ := d.Dictionary().(*array.String)
	return d, v
}

// str reads row i of a string or dictionary column.
func str(col arrow.Array, i int) string {
	if col.IsNull(i) {
		return ""
	}
	switch c := col.(type) {
	case *array.Dictionary:
		return c.Dictionary().(*array.String).Value(c.GetValueIndex(i))
	case *array.String:
		return c.Value(i)
	}
	return ""
}

func (info *sourceInfo) addAnnotations(rec arrow.Record, s *suggestions, rules label.Rules) error {
	if !rec.Schema().Equal(dataset.AnnotationSchema()) {
		return fmt.Errorf("review: annotations record of another schema: %w", dataset.ErrShape)
	}
	ids, idv := dictStrings(dataset.Column(rec, dataset.ColInputID))
	cs, cv := dictStrings(dataset.Column(rec, dataset.ColConceptID))
	if idv == nil || cv == nil {
		return fmt.Errorf("review: annotations record without dictionary ids: %w", dataset.ErrShape)
	}
	names := dataset.Column(rec, dataset.ColConceptName)
	kinds := dataset.Column(rec, dataset.ColAnnotatorKind)
	vals := dataset.Column(rec, dataset.ColValue).(*array.Float32)
	// Map each dictionary entry once per batch.
	inMap := make([]int32, idv.Len())
	for j := range inMap {
		inMap[j] = -1
		if k, ok := s.inputIdx[idv.Value(j)]; ok {
			inMap[j] = k
		}
	}
	for i := 0; i < int(rec.NumRows()); i++ {
		c := cv.Value(cs.GetValueIndex(i))
		if n := str(names, i); n != "" {
			if _, ok := info.names[c]; !ok {
				info.names[strings.Clone(c)] = strings.Clone(n)
			}
		}
		in := inMap[ids.GetValueIndex(i)]
		if in < 0 {
			continue
		}
		info.inputs[in].found = true
		kind, _ := dataset.ParseAnnotatorKind(str(kinds, i))
		if rules.Classify(vals.Value(i), kind) != label.Positive {
			continue
		}
		ci := s.conceptIndex(c)
		p := info.inputs[in].positives
		dup := false
		for _, x := range p {
			dup = dup || x == ci
		}
		if !dup {
			info.inputs[in].positives = append(p, ci)
		}
	}
	return nil
}

func (info *sourceInfo) addInputs(rec arrow.Record, s *suggestions) {
	ids := dataset.Column(rec, dataset.ColInputID).(*array.String)
	kinds := dataset.Column(rec, dataset.ColKind)
	urls := dataset.Column(rec, dataset.ColURL)
	texts := dataset.Column(rec, dataset.ColText)
	for i := 0; i < ids.Len(); i++ {
		in, ok := s.inputIdx[ids.Value(i)]
		if !ok {
			continue
		}
		ii := &info.inputs[in]
		ii.found = true
		ii.kind = strings.Clone(str(kinds, i))
		ii.url = strings.Clone(str(urls, i))
		ii.text = clip(str(texts, i), maxText)
	}
}

// clip copies at most n bytes of s, cut at a rune boundary.
func clip(s string, n int) string {
	if len(s) <= n {
		return strings.Clone(s)
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return strings.Clone(s[:n]) + "…"
}

// mediaOrigin returns the origin (scheme://host[:port]) of an http(s) URL,
// or "" for anything else (which the page will not load).
func mediaOrigin(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return ""
	}
	return u.Scheme + "://" + u.Host
}
