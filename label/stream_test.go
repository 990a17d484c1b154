package label

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/apache/arrow/go/v15/arrow/memory"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"curate.dev/dataset"
)

// TestStreamAgreesWithSet feeds the same random batches to a Stream and a
// Set and compares their Results: inputs that repeat in the same batch,
// in later batches and as bare ids, conflicts, model rows, relations, a
// memory budget small enough to spill to a file many times, and a Result
// taken midway (the Stream goes on counting).
func TestStreamAgreesWithSet(t *testing.T) {
	for _, tc := range []struct {
		name    string
		inputs  int
		repeat  float64 // share of runs that are an input seen before
		hier    bool
		budget  int
		idBytes int
	}{
		{name: "no repeats", inputs: 3000, budget: 1 << 20},
		{name: "repeats", inputs: 3000, repeat: 0.2, budget: 1 << 20},
		{name: "repeats spilled", inputs: 5000, repeat: 0.1, budget: 512},
		{name: "relations spilled", inputs: 5000, repeat: 0.15, hier: true, budget: 700},
		{name: "scattered rows", inputs: 300, repeat: 0.9, hier: true, budget: 100},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
			defer mem.AssertSize(t, 0)
			rng := rand.New(rand.NewPCG(7, uint64(tc.inputs)))
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
				rels = append(rels, dataset.Relation{Subject: concepts[3], Object: "never-annotated", Predicate: dataset.Hyponym})
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
			for run := 0; next < tc.inputs; run++ {
				in := next
				if next > 0 && rng.Float64() < tc.repeat {
					in = rng.IntN(next)
				} else {
					next++
				}
				id := fmt.Sprintf("in-%d", in)
				switch rng.IntN(10) {
				case 0: // a bare id
					set.AddIDs([]string{id})
					require.NoError(t, st.AddIDs([]string{id}))
					continue
				}
				for range 1 + rng.IntN(4) {
					a := dataset.Annotation{InputID: id, ConceptID: concepts[rng.IntN(len(concepts)-1)], Value: float32(rng.IntN(2))}
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
				if run == tc.inputs/2 {
					flush()
					got, err := st.Result()
					require.NoError(t, err)
					assert.Equal(t, set.Result(), got, "midway")
				}
			}
			flush()
			got, err := st.Result()
			require.NoError(t, err)
			want := set.Result()
			require.Equal(t, want, got)
			again, err := st.Result()
			require.NoError(t, err)
			assert.Equal(t, want, again, "a second Result")
			if tc.budget < 1000 {
				assert.NotNil(t, st.log.f, "spilled")
			}
			if tc.repeat > 0 {
				assert.Positive(t, st.rep.NumInputs())
			}
			assert.Equal(t, tc.inputs, want.Inputs)
		})
	}
}

// TestStreamFingerprintCollision gives two different ids one fingerprint
// (the fingerprint set holds a single value): the second must count as an
// input of its own, the exact id deciding.
func TestStreamFingerprintCollision(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	set := NewSet(Rules{})
	st := NewStream(Rules{}, nil)
	defer st.Close()
	b := dataset.NewAnnotationBuilder(mem)
	defer b.Release()
	for _, a := range []dataset.Annotation{
		{InputID: "a", ConceptID: "x", Value: 1},
		{InputID: "b", ConceptID: "x", Value: 0},
		{InputID: "a", ConceptID: "x", Value: 0},
		{InputID: "c", ConceptID: "y", Value: 1},
	} {
		b.Append(&a)
	}
	rec := b.NewRecord()
	defer rec.Release()
	require.NoError(t, set.AddAnnotations(rec))
	// Every id's fingerprint is taken to be seen after the first input:
	// b and c go the way of repeats, a's first run is in the log.
	st.seen.insert(fingerprint("b"))
	st.seen.insert(fingerprint("c"))
	require.NoError(t, st.AddAnnotations(rec))
	got, err := st.Result()
	require.NoError(t, err)
	assert.Equal(t, set.Result(), got)
	assert.Equal(t, 3, got.Inputs)
	assert.Equal(t, 1, got.Concepts[0].Conflicts)
}

// TestStreamEmptyRecords: an empty record, before any other and between
// others, counts nothing and does not fail (a reader may hand one over
// for a source or a block without annotations).
func TestStreamEmptyRecords(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	st := NewStream(Rules{}, &StreamOptions{TempDir: t.TempDir()})
	defer func() { assert.NoError(t, st.Close()) }()
	set := NewSet(Rules{})
	b := dataset.NewAnnotationBuilder(mem)
	defer b.Release()
	add := func(rows ...dataset.Annotation) {
		for _, a := range rows {
			b.Append(&a)
		}
		rec := b.NewRecord()
		defer rec.Release()
		require.NoError(t, st.AddAnnotations(rec))
		require.NoError(t, set.AddAnnotations(rec))
	}
	add()
	add(dataset.Annotation{InputID: "a", ConceptID: "dog", Value: 1}, dataset.Annotation{InputID: "b", ConceptID: "dog", Value: 0})
	add()
	add(dataset.Annotation{InputID: "a", ConceptID: "cat", Value: 1})
	got, err := st.Result()
	require.NoError(t, err)
	assert.Equal(t, 2, got.Inputs)
	assert.Equal(t, 3, got.Totals.Annotations)
	assert.Equal(t, set.Result(), got)
}
