package label

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/apache/arrow/go/v15/arrow/memory"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"curate.dev/dataset"
)

// TestInputsAgree feeds the same random batches to a Set and a Stream and
// reads both back with Inputs: the same concepts in the same numbering,
// the same relations, and every input once with the same closed entries,
// also when the Stream spilled to a file, when inputs come back and when
// the relations name concepts annotated late or never.
func TestInputsAgree(t *testing.T) {
	for _, tc := range []struct {
		name   string
		inputs int
		repeat float64
		hier   bool
		budget int
	}{
		{name: "no repeats", inputs: 2000, budget: 1 << 20},
		{name: "repeats", inputs: 2000, repeat: 0.2, budget: 1 << 20},
		{name: "repeats spilled", inputs: 4000, repeat: 0.1, budget: 512},
		{name: "relations spilled", inputs: 4000, repeat: 0.15, hier: true, budget: 700},
		{name: "scattered rows", inputs: 300, repeat: 0.9, hier: true, budget: 100},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
			defer mem.AssertSize(t, 0)
			rng := rand.New(rand.NewPCG(11, uint64(tc.inputs)))
			concepts := make([]string, 14)
			for k := range concepts {
				concepts[k] = fmt.Sprintf("c%02d", len(concepts)-k) // ids not in first-sight order
			}
			var rules Rules
			if tc.hier {
				var rels []dataset.Relation
				for k := 1; k < len(concepts)-2; k++ {
					rels = append(rels, dataset.Relation{Subject: concepts[k], Object: concepts[rng.IntN(k)], Predicate: dataset.Hyponym})
				}
				rels = append(rels,
					dataset.Relation{Subject: concepts[3], Object: "never-annotated", Predicate: dataset.Hyponym},
					dataset.Relation{Subject: concepts[5], Object: concepts[6], Predicate: dataset.Synonym})
				h, err := NewHierarchy(rels)
				require.NoError(t, err)
				rules.Hierarchy = h
			}
			set := NewSet(rules)
			st := NewStream(rules, &StreamOptions{MemoryBudget: tc.budget, TempDir: t.TempDir()})
			defer func() { assert.NoError(t, st.Close()) }()
			b := dataset.NewAnnotationBuilder(mem)
			defer b.Release()
			flush := func() {
				rec := b.NewRecord()
				defer rec.Release()
				require.NoError(t, set.AddAnnotations(rec))
				require.NoError(t, st.AddAnnotations(rec))
			}
			next := 0
			for next < tc.inputs {
				in := next
				if next > 0 && rng.Float64() < tc.repeat {
					in = rng.IntN(next)
				} else {
					next++
				}
				id := fmt.Sprintf("in-%d", in)
				if rng.IntN(10) == 0 {
					set.AddIDs([]string{id})
					require.NoError(t, st.AddIDs([]string{id}))
					continue
				}
				// Concepts late in the list are rare: they are first
				// counted late, after concepts the hierarchy numbers
				// later in the Stream.
				for range 1 + rng.IntN(4) {
					k := min(int(rng.ExpFloat64()*3), len(concepts)-1)
					a := dataset.Annotation{InputID: id, ConceptID: concepts[k], Value: float32(rng.IntN(2))}
					if rng.IntN(20) == 0 {
						a.AnnotatorKind = dataset.AnnotatorModel
						a.Value = rng.Float32()
					}
					if rng.IntN(3) == 0 {
						a.ConceptName = "name of " + a.ConceptID
					}
					b.Append(&a)
				}
				if rng.IntN(40) == 0 {
					flush()
				}
			}
			flush()
			_, err := st.Result() // merges the repeats once already: reading back merges again
			require.NoError(t, err)

			want, got := set.Inputs(), st.Inputs()
			require.Equal(t, want.NumConcepts(), got.NumConcepts())
			for k := range want.NumConcepts() {
				assert.Equal(t, want.ConceptID(k), got.ConceptID(k), "concept %d", k)
				assert.Equal(t, want.ConceptName(k), got.ConceptName(k), "concept %d", k)
				assert.Equal(t, want.Up(k), got.Up(k), "concept %d", k)
			}
			rows := func(in *Inputs) map[string][]Entry {
				m := map[string][]Entry{}
				require.NoError(t, in.Each(func(id []byte, row []Entry) {
					_, dup := m[string(id)]
					assert.False(t, dup, "input %s given twice", id)
					if len(row) == 0 {
						row = nil // empty either way
					}
					row = slices.Clone(row)
					slices.SortFunc(row, func(a, b Entry) int { return int(a.Concept - b.Concept) })
					m[string(id)] = row
				}))
				return m
			}
			wantRows := rows(want)
			require.Len(t, wantRows, set.NumInputs())
			assert.Equal(t, wantRows, rows(got))
			assert.Equal(t, wantRows, rows(got), "read back twice")
			if tc.budget < 1000 {
				assert.NotNil(t, st.log.f, "spilled")
			}
			if tc.repeat > 0 {
				assert.Positive(t, st.rep.NumInputs())
			}
		})
	}
}

// TestInputsFingerprintCollision: two ids of one fingerprint stay two
// inputs when read back, and the one that came back is given once, merged.
func TestInputsFingerprintCollision(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	st := NewStream(Rules{}, nil)
	defer st.Close()
	b := dataset.NewAnnotationBuilder(mem)
	defer b.Release()
	for _, a := range []dataset.Annotation{
		{InputID: "a", ConceptID: "x", Value: 1},
		{InputID: "b", ConceptID: "x", Value: 0},
		{InputID: "a", ConceptID: "y", Value: 0},
		{InputID: "c", ConceptID: "y", Value: 1},
	} {
		b.Append(&a)
	}
	rec := b.NewRecord()
	defer rec.Release()
	st.seen.insert(fingerprint("b"))
	st.seen.insert(fingerprint("c"))
	require.NoError(t, st.AddAnnotations(rec))
	got := map[string][]Entry{}
	require.NoError(t, st.Inputs().Each(func(id []byte, row []Entry) {
		row = slices.Clone(row)
		slices.SortFunc(row, func(a, b Entry) int { return int(a.Concept - b.Concept) })
		got[string(id)] = row
	}))
	assert.Equal(t, map[string][]Entry{
		"a": {{Concept: 0, Flags: Positive}, {Concept: 1, Flags: Negative}},
		"b": {{Concept: 0, Flags: Negative}},
		"c": {{Concept: 1, Flags: Positive}},
	}, got)
}
