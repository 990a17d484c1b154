package label

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"
	"github.com/apache/arrow/go/v15/arrow/memory"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"curate.dev/dataset"
)

// TestSpoolAgreesWithSet feeds the same random batches (input rows, each
// followed by its annotations, as a JSON source gives them; or input rows
// at first sight only and annotations scattered, as a CSV does) to a Spool
// and a Set and compares every input the Spool hands back, twice: its id
// in order of first sight, its closed labels and the row of its first
// input record. Cases spill to a file many times and make fingerprints
// collide, so that new inputs take the path of repeats.
func TestSpoolAgreesWithSet(t *testing.T) {
	for _, tc := range []struct {
		name    string
		inputs  int
		repeat  float64
		hier    bool
		csv     bool
		budget  int
		collide bool
	}{
		{name: "no repeats", inputs: 3000, budget: 1 << 20},
		{name: "repeats", inputs: 3000, repeat: 0.2, budget: 1 << 20},
		{name: "repeats spilled", inputs: 5000, repeat: 0.1, budget: 512},
		{name: "relations spilled", inputs: 5000, repeat: 0.15, hier: true, budget: 700},
		{name: "csv order", inputs: 2000, repeat: 0.5, csv: true, budget: 900},
		{name: "collisions", inputs: 3000, repeat: 0.2, hier: true, budget: 600, collide: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.collide {
				old := spoolFingerprint
				spoolFingerprint = func(id string) uint32 { return fingerprint(id)%64 + 1 }
				defer func() { spoolFingerprint = old }()
			}
			mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
			defer mem.AssertSize(t, 0)
			rng := rand.New(rand.NewPCG(3, uint64(tc.inputs)))
			var rules Rules
			concepts := make([]string, 12)
			for k := range concepts {
				concepts[k] = fmt.Sprintf("c%d", k)
			}
			if tc.hier {
				var rels []dataset.Relation
				for k := 1; k < len(concepts)-2; k++ {
					rels = append(rels, dataset.Relation{Subject: concepts[k], Object: concepts[rng.IntN(k)], Predicate: dataset.Hyponym})
				}
				h, err := NewHierarchy(rels)
				require.NoError(t, err)
				rules.Hierarchy = h
			}
			set := NewSet(rules)
			sp := NewSpool(rules, &StreamOptions{MemoryBudget: tc.budget, TempDir: t.TempDir()})
			defer func() { assert.NoError(t, sp.Close()) }()

			ab := dataset.NewAnnotationBuilder(mem)
			defer ab.Release()
			ib := dataset.NewInputBuilder(mem, 0)
			defer ib.Release()
			firstURL := map[string]string{}
			rowOf := func(in arrow.Record) RowFunc {
				urls := in.Column(in.Schema().FieldIndices(dataset.ColURL)[0]).(*array.String)
				return func(dst []byte, i int) []byte { return append(dst, urls.Value(i)...) }
			}
			flush := func() {
				ann, in := ab.NewRecord(), ib.NewRecord()
				defer ann.Release()
				defer in.Release()
				require.NoError(t, set.AddInputs(in))
				require.NoError(t, set.AddAnnotations(ann))
				require.NoError(t, sp.Add(ann, in, rowOf(in)))
			}
			seen := map[string]bool{}
			next := 0
			for run := 0; next < tc.inputs; run++ {
				in := next
				if next > 0 && rng.Float64() < tc.repeat {
					in = rng.IntN(next)
				} else {
					next++
				}
				id := fmt.Sprintf("in-%d", in)
				if !tc.csv || !seen[id] {
					url := fmt.Sprintf("u%d-%d", in, run)
					require.NoError(t, ib.Append(&dataset.Input{ID: id, URL: url}))
					if _, ok := firstURL[id]; !ok {
						firstURL[id] = url
					}
					seen[id] = true
				}
				if rng.IntN(8) > 0 { // else an input row without annotations
					for range 1 + rng.IntN(4) {
						a := dataset.Annotation{InputID: id, ConceptID: concepts[rng.IntN(len(concepts)-1)], Value: float32(rng.IntN(2))}
						if rng.IntN(20) == 0 {
							a.AnnotatorKind = dataset.AnnotatorModel
							a.Value = rng.Float32()
						}
						if rng.IntN(3) == 0 {
							a.ConceptName = "name of " + a.ConceptID
						}
						ab.Append(&a)
					}
				}
				if rng.IntN(40) == 0 {
					flush()
				}
			}
			flush()
			require.NoError(t, sp.Finish())

			// The Set's rows in the Spool's numbering, sorted.
			w := set.Walker()
			want := make([][]Entry, set.NumInputs())
			for i := range want {
				for _, e := range w.Row(i) {
					k, ok := sp.concepts.conceptIDs[set.ConceptID(int(e.Concept))]
					require.True(t, ok)
					want[i] = append(want[i], Entry{Concept: k, Flags: e.Flags})
				}
				slices.SortFunc(want[i], func(a, b Entry) int { return int(a.Concept - b.Concept) })
			}
			require.Equal(t, set.NumConcepts(), sp.NumConcepts())
			for pass := range 2 {
				i := 0
				require.NoError(t, sp.Each(func(id, row []byte, labels []Entry) error {
					require.Less(t, i, set.NumInputs(), "more inputs than the Set")
					require.Equal(t, set.InputID(i), string(id), "input %d, pass %d", i, pass)
					got := append([]Entry(nil), labels...)
					slices.SortFunc(got, func(a, b Entry) int { return int(a.Concept - b.Concept) })
					require.Equal(t, want[i], got, "labels of %s", id)
					require.Equal(t, firstURL[string(id)], string(row), "row of %s", id)
					i++
					return nil
				}))
				require.Equal(t, set.NumInputs(), i)
				res, err := sp.Result()
				require.NoError(t, err)
				require.Equal(t, set.Result(), res)
			}
			if tc.budget < 1000 {
				assert.NotNil(t, sp.log.f, "spilled")
			}
			if tc.repeat > 0 {
				assert.Positive(t, sp.rep.NumInputs())
			}
		})
	}
}
