package label

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/apache/arrow/go/v15/arrow/memory"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"curate.dev/dataset"
)

// TestPartialsAgreeWithStream spreads random rows over several sources
// (inputs recurring across them, bare ids, conflicts, model rows, names
// given late), reads each source into a Set of its own, merges every
// input's rows by id, counts the inputs into several Partials through
// Closers of their own, merges those and the sources' row summaries in a
// shuffled order, and compares the assembled Result with a Stream that
// read every source in order.
func TestPartialsAgreeWithStream(t *testing.T) {
	for _, tc := range []struct {
		name    string
		hier    bool
		models  bool
		sources int
	}{
		{name: "plain", sources: 4},
		{name: "relations", hier: true, sources: 5},
		{name: "models", models: true, sources: 3},
		{name: "one source", hier: true, sources: 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
			defer mem.AssertSize(t, 0)
			rng := rand.New(rand.NewPCG(11, uint64(tc.sources)))
			rules := Rules{IncludeModels: tc.models, ModelThreshold: 0.3}
			concepts := make([]string, 10)
			for k := range concepts {
				concepts[k] = fmt.Sprintf("c%d", k)
			}
			if tc.hier {
				var rels []dataset.Relation
				for k := 1; k < len(concepts)-2; k++ {
					rels = append(rels, dataset.Relation{Subject: concepts[k], Object: concepts[rng.IntN(k)], Predicate: dataset.Hyponym})
				}
				rels = append(rels, dataset.Relation{Subject: concepts[2], Object: concepts[7], Predicate: dataset.Synonym})
				rels = append(rels, dataset.Relation{Subject: concepts[3], Object: "never-annotated", Predicate: dataset.Hyponym})
				h, err := NewHierarchy(rels)
				require.NoError(t, err)
				rules.Hierarchy = h
			}
			st := NewStream(rules, &StreamOptions{TempDir: t.TempDir()})
			defer func() { assert.NoError(t, st.Close()) }()

			rows := map[string][][]IDEntry{} // per input id: one part per source
			var summaries []RowSummary
			for src := range tc.sources {
				set := NewSet(rules)
				b := dataset.NewAnnotationBuilder(mem)
				flush := func() {
					if b.Len() == 0 {
						return
					}
					rec := b.NewRecord()
					defer rec.Release()
					require.NoError(t, set.AddAnnotations(rec))
					require.NoError(t, st.AddAnnotations(rec))
				}
				for range 800 {
					id := fmt.Sprintf("in-%d", rng.IntN(2000))
					if rng.IntN(10) == 0 {
						flush()
						set.AddIDs([]string{id})
						require.NoError(t, st.AddIDs([]string{id}))
						continue
					}
					for range 1 + rng.IntN(4) {
						a := dataset.Annotation{InputID: id, ConceptID: concepts[rng.IntN(len(concepts)-1)], Value: float32(rng.IntN(2))}
						if rng.IntN(10) == 0 {
							a.AnnotatorKind = dataset.AnnotatorModel
							a.Value = rng.Float32()
						}
						if rng.IntN(5) == 0 {
							a.ConceptName = fmt.Sprintf("name %d of %s", src, a.ConceptID)
						}
						b.Append(&a)
					}
					if rng.IntN(50) == 0 {
						flush()
					}
				}
				flush()
				b.Release()
				for i := range set.NumInputs() {
					id := set.InputID(i)
					rows[id] = append(rows[id], set.IDRow(i, nil))
				}
				summaries = append(summaries, set.RowSummary(int64(src)))
			}
			want, err := st.Result()
			require.NoError(t, err)

			parts := make([]Partial, 3)
			closers := []*Closer{NewCloser(rules), NewCloser(rules), NewCloser(rules)}
			for id, r := range rows {
				k := rng.IntN(len(parts))
				closers[k].Count(&parts[k], MergeIDRows(r...))
				_ = id
			}
			rng.Shuffle(len(parts), func(i, j int) { parts[i], parts[j] = parts[j], parts[i] })
			rng.Shuffle(len(summaries), func(i, j int) { summaries[i], summaries[j] = summaries[j], summaries[i] })
			var p Partial
			var rs RowSummary
			for i := range parts {
				p.Merge(&parts[i])
			}
			for i := range summaries {
				rs.Merge(&summaries[i])
			}
			got := Assemble(rules, &p, &rs)
			require.Equal(t, want, got)
			assert.Equal(t, len(rows), got.Inputs)
			if tc.hier {
				assert.Equal(t, []string{"never-annotated"}, got.UnknownRelations)
			}
		})
	}
}

// TestMergeIDRows checks the union of an input's parts: flags of one
// concept from two parts make a conflict, and the result is by concept id.
func TestMergeIDRows(t *testing.T) {
	got := MergeIDRows(
		[]IDEntry{{"b", Positive}, {"a", Negative}},
		nil,
		[]IDEntry{{"b", Negative}, {"c", Positive}},
	)
	assert.Equal(t, []IDEntry{{"a", Negative}, {"b", Positive | Negative}, {"c", Positive}}, got)
	assert.Empty(t, MergeIDRows())
}

// TestCloserClose checks the closed labels by id against a Set's Walker
// over the same rows: a positive reaches the hypernyms, a negative the
// hyponyms, and a husky positive beside "not a dog" conflicts.
func TestCloserClose(t *testing.T) {
	h, err := NewHierarchy([]dataset.Relation{
		{Subject: "husky", Object: "dog", Predicate: dataset.Hyponym},
		{Subject: "dog", Object: "animal", Predicate: dataset.Hyponym},
	})
	require.NoError(t, err)
	rules := Rules{Hierarchy: h}
	c := NewCloser(rules)
	got := c.Close(nil, []IDEntry{{"husky", Positive}, {"dog", Negative}})
	slices.SortFunc(got, func(a, b IDEntry) int { return strings.Compare(a.Concept, b.Concept) })
	assert.Equal(t, []IDEntry{
		{"animal", Positive | ViaPositive},
		{"dog", Positive | Negative | ViaPositive},
		{"husky", Positive | Negative | ViaNegative},
	}, got)
	assert.Equal(t, []IDEntry{{"cat", Negative}}, c.Close(nil, []IDEntry{{"cat", Negative}}))
}
