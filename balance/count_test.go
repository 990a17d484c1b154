package balance_test

import (
	"context"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"
	"github.com/apache/arrow/go/v15/arrow/memory"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"curate.dev/balance"
	"curate.dev/dataset"
	"curate.dev/label"
)

// a builds one annotation row: value 1 or 0 from the sign of v, explicit.
func a(input, concept string, v float32) dataset.Annotation {
	return dataset.Annotation{InputID: input, ConceptID: concept, Value: v}
}

func implicit(input, concept string) dataset.Annotation {
	x := a(input, concept, 1)
	x.Source = dataset.ValueHTTPDefault
	return x
}

func model(input, concept string, score float32) dataset.Annotation {
	x := a(input, concept, score)
	x.Annotator, x.AnnotatorKind = "general-model", dataset.AnnotatorModel
	return x
}

// count feeds each batch as one record through a Counter with a checked
// allocator and returns the report after checking its invariants.
func count(t *testing.T, batches [][]dataset.Annotation, opts ...balance.Option) *balance.Report {
	t.Helper()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	b := dataset.NewAnnotationBuilder(mem)
	defer b.Release()
	c := balance.NewCounter(opts...)
	for _, batch := range batches {
		for i := range batch {
			b.Append(&batch[i])
		}
		rec := b.NewRecord()
		err := c.Add(rec)
		rec.Release()
		require.NoError(t, err)
	}
	rep, err := c.Report()
	require.NoError(t, err)
	checkInvariants(t, rep)
	return rep
}

func checkInvariants(t *testing.T, rep *balance.Report) {
	t.Helper()
	conflicts := 0
	for _, cs := range rep.Concepts {
		sum := cs.Positives + cs.Negatives + cs.Conflicts + cs.ImpliedNegatives + cs.Unknown
		assert.Equal(t, rep.Summary.Inputs, sum, "concept %s: the five counts must add up to the inputs", cs.ConceptID)
		for _, n := range []int{cs.Positives, cs.Negatives, cs.Conflicts, cs.ImpliedNegatives, cs.Unknown} {
			assert.GreaterOrEqual(t, n, 0, "concept %s", cs.ConceptID)
		}
		conflicts += cs.Conflicts
	}
	assert.Equal(t, conflicts, rep.Summary.Conflicts)
	assert.Equal(t, len(rep.Concepts), rep.Summary.Concepts)
}

// counts are the five per-concept counts plus implicit values.
type counts struct{ pos, neg, conf, implied, unknown, implicit int }

func byConcept(rep *balance.Report) map[string]counts {
	out := map[string]counts{}
	for _, cs := range rep.Concepts {
		out[cs.ConceptID] = counts{cs.Positives, cs.Negatives, cs.Conflicts, cs.ImpliedNegatives, cs.Unknown, cs.ImplicitValues}
	}
	return out
}

func TestCounterCounts(t *testing.T) {
	tests := []struct {
		name        string
		batches     [][]dataset.Annotation
		opts        []balance.Option
		want        map[string]counts
		inputs      int
		annotations int
		excluded    int
	}{
		{
			name: "positives negatives implied unknown",
			batches: [][]dataset.Annotation{{
				a("in1", "dog", 1), a("in1", "cat", 0),
				a("in2", "dog", 1),
				a("in3", "cat", 0),
				a("in4", "wolf", 1),
			}},
			// inputs with a positive: in1, in2, in4
			want: map[string]counts{
				"dog":  {pos: 2, implied: 1, unknown: 1},
				"cat":  {neg: 2, implied: 2},
				"wolf": {pos: 1, implied: 2, unknown: 1},
			},
			inputs: 4, annotations: 5,
		},
		{
			name: "conflicts and repeated annotations",
			batches: [][]dataset.Annotation{{
				a("in1", "dog", 1), a("in1", "dog", 0), // two annotators disagree
				a("in2", "dog", 1), a("in2", "dog", 1), // agree: one positive
				a("in3", "dog", 0), a("in3", "dog", 0),
			}},
			want:   map[string]counts{"dog": {pos: 1, neg: 1, conf: 1}},
			inputs: 3, annotations: 6,
		},
		{
			name: "rows of an input spread over batches",
			batches: [][]dataset.Annotation{
				{a("in1", "dog", 1), a("in2", "cat", 0)},
				{a("in2", "dog", 1), a("in1", "dog", 0)},
				{a("in1", "cat", 1), a("in3", "cat", 1)},
			},
			want: map[string]counts{
				"dog": {pos: 1, conf: 1, implied: 1},
				"cat": {pos: 2, neg: 1},
			},
			inputs: 3, annotations: 6,
		},
		{
			name: "implicit values",
			batches: [][]dataset.Annotation{{
				implicit("in1", "dog"), a("in1", "cat", 0),
				implicit("in2", "dog"),
			}},
			want: map[string]counts{
				"dog": {pos: 2, implicit: 2},
				"cat": {neg: 1, implied: 1},
			},
			inputs: 2, annotations: 3,
		},
		{
			name: "model annotations left out",
			batches: [][]dataset.Annotation{{
				a("in1", "dog", 1), model("in1", "cat", 0.9),
				model("in2", "dog", 0.8), // in2 exists but nothing about it is known
			}},
			want: map[string]counts{
				"dog": {pos: 1, unknown: 1},
			},
			inputs: 2, annotations: 1, excluded: 2,
		},
		{
			name: "model annotations counted above the threshold",
			batches: [][]dataset.Annotation{{
				a("in1", "dog", 1), model("in1", "cat", 0.9),
				model("in2", "dog", 0.65), model("in2", "cat", 0.75),
			}},
			opts: []balance.Option{balance.WithModels(0.7)},
			want: map[string]counts{
				"dog": {pos: 1, neg: 1},
				"cat": {pos: 2},
			},
			inputs: 2, annotations: 4,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep := count(t, tt.batches, tt.opts...)
			assert.Equal(t, tt.want, byConcept(rep))
			assert.Equal(t, tt.inputs, rep.Summary.Inputs, "inputs")
			assert.Equal(t, tt.annotations, rep.Summary.Annotations, "annotations")
			assert.Equal(t, tt.excluded, rep.Summary.ModelsExcluded, "models excluded")
		})
	}
}

func TestCounterConceptNames(t *testing.T) {
	x := a("in1", "dog", 1)
	y := a("in2", "dog", 1)
	y.ConceptName = "Dog"
	rep := count(t, [][]dataset.Annotation{{x}, {y}})
	require.Len(t, rep.Concepts, 1)
	assert.Equal(t, "Dog", rep.Concepts[0].ConceptName, "the first name seen, even after rows without one")
}

// TestCounterOrderIndependent checks that CSV-style rows in any order and
// any batching count the same as rows grouped by input, on enough inputs
// to make the per-input state move and compact.
func TestCounterOrderIndependent(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	concepts := []string{"dog", "wolf", "husky", "fox", "cat", "lynx", "grass"}
	var rows []dataset.Annotation
	for i := range 3000 {
		id := "in" + itoa(i)
		for _, c := range concepts {
			if rng.IntN(3) == 0 {
				continue
			}
			rows = append(rows, a(id, c, float32(rng.IntN(2))))
			if rng.IntN(20) == 0 { // a second annotator, sometimes disagreeing
				rows = append(rows, a(id, c, float32(rng.IntN(2))))
			}
		}
	}
	grouped := count(t, [][]dataset.Annotation{rows})

	shuffled := append([]dataset.Annotation(nil), rows...)
	rng.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
	var batches [][]dataset.Annotation
	for len(shuffled) > 0 {
		n := min(len(shuffled), 1+rng.IntN(700))
		batches = append(batches, shuffled[:n])
		shuffled = shuffled[n:]
	}
	scattered := count(t, batches)
	assert.Equal(t, grouped, scattered)
	assert.Greater(t, grouped.Summary.Conflicts, 0, "the fixture should contain conflicts")
}

func itoa(i int) string {
	const digits = "0123456789"
	if i == 0 {
		return "0"
	}
	var b []byte
	for ; i > 0; i /= 10 {
		b = append([]byte{digits[i%10]}, b...)
	}
	return string(b)
}

func TestCounterHierarchy(t *testing.T) {
	h, err := label.NewHierarchy([]dataset.Relation{
		{Subject: "husky", Object: "dog", Predicate: dataset.Hyponym},
		{Subject: "dog", Object: "animal", Predicate: dataset.Hyponym},
		{Subject: "animal", Object: "cat", Predicate: dataset.Hypernym},
		{Subject: "doggo", Object: "dog", Predicate: dataset.Synonym},       // never appears
		{Subject: "dinosaur", Object: "animal", Predicate: dataset.Hyponym}, // never appears
	})
	require.NoError(t, err)
	batches := [][]dataset.Annotation{{
		a("in1", "husky", 1),                     // dog and animal positive through relations
		a("in2", "animal", 0),                    // dog, husky and cat negative through relations
		a("in3", "dog", 0), a("in3", "husky", 1), // "not a dog" and "a husky" contradict: both conflict
		a("in4", "dog", 1), a("in4", "animal", 1), // already positive: nothing propagated
		a("in5", "cat", 1), // animal positive
	}}
	rep := count(t, batches, balance.WithHierarchy(h))
	// inputs with a positive: in1, in3, in4, in5
	assert.Equal(t, map[string]counts{
		"husky":  {pos: 1, neg: 1, conf: 1, implied: 2}, // in1 | in2 | in3 | in4 in5
		"dog":    {pos: 2, neg: 1, conf: 1, implied: 1}, // in1 in4 | in2 | in3 | in5
		"animal": {pos: 4, neg: 1},                      // in1 in3 in4 in5 | in2
		"cat":    {pos: 1, neg: 1, implied: 3},          // in5 | in2 | in1 in3 in4
	}, byConcept(rep))

	prop := map[string][2]int{}
	for _, cs := range rep.Concepts {
		prop[cs.ConceptID] = [2]int{cs.PropagatedPositives, cs.PropagatedNegatives}
	}
	assert.Equal(t, map[string][2]int{
		"husky":  {0, 2}, // in2 in3
		"dog":    {2, 1}, // in1 in3 | in2
		"animal": {3, 0}, // in1 in3 in5
		"cat":    {0, 1}, // in2
	}, prop)
	assert.Equal(t, 5, rep.Summary.PropagatedPositives)
	assert.Equal(t, 4, rep.Summary.PropagatedNegatives)
	assert.Equal(t, 2, rep.Summary.UnknownRelationConcepts)
	require.Len(t, rep.Warnings, 1)
	assert.Contains(t, rep.Warnings[0], "2 concepts that never appear")
	assert.Contains(t, rep.Warnings[0], "dinosaur, doggo")

	plain := count(t, batches)
	assert.Zero(t, plain.Summary.PropagatedPositives+plain.Summary.PropagatedNegatives)
	assert.Equal(t, counts{pos: 2, implied: 2, unknown: 1}, byConcept(plain)["husky"])
}

func TestStatus(t *testing.T) {
	th := balance.Thresholds{TargetRatio: 0.5, MinPositives: 10}
	tests := []struct {
		name string
		cs   balance.ConceptStats
		want balance.Status
	}{
		{"ok", balance.ConceptStats{Positives: 10, Negatives: 5, Ratio: 0.5}, balance.StatusOK},
		{"few negatives", balance.ConceptStats{Positives: 10, Negatives: 4, Ratio: 0.4}, balance.StatusFewNegatives},
		{"no negatives", balance.ConceptStats{Positives: 10, ImpliedNegatives: 50}, balance.StatusNoNegatives},
		{"few positives beats no negatives", balance.ConceptStats{Positives: 9}, balance.StatusFewPositives},
		{"no positives at a zero minimum", balance.ConceptStats{Negatives: 3}, balance.StatusFewPositives},
		{"conflicts beat everything", balance.ConceptStats{Positives: 1, Conflicts: 1}, balance.StatusConflicting},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, th.Status(&tt.cs))
		})
	}
	zero := balance.Thresholds{}
	assert.Equal(t, balance.StatusFewPositives, zero.Status(&balance.ConceptStats{Negatives: 3}))
}

func TestCounterThresholdOptions(t *testing.T) {
	var rows []dataset.Annotation
	for i := range 4 {
		rows = append(rows, a("p"+itoa(i), "dog", 1))
	}
	rows = append(rows, a("n0", "dog", 0))
	def := count(t, [][]dataset.Annotation{rows})
	assert.Equal(t, balance.StatusFewPositives, def.Concepts[0].Status)
	assert.InDelta(t, 0.25, def.Concepts[0].Ratio, 1e-9)

	low := count(t, [][]dataset.Annotation{rows}, balance.WithMinPositives(4))
	assert.Equal(t, balance.StatusFewNegatives, low.Concepts[0].Status)
	ok := count(t, [][]dataset.Annotation{rows}, balance.WithMinPositives(4), balance.WithTargetRatio(0.25))
	assert.Equal(t, balance.StatusOK, ok.Concepts[0].Status)
	assert.Equal(t, balance.Thresholds{TargetRatio: 0.25, MinPositives: 4}, ok.Thresholds)
}

func TestCounterSchemaError(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	schema := arrow.NewSchema([]arrow.Field{{Name: "input_id", Type: arrow.BinaryTypes.String}}, nil)
	rec, _, err := array.RecordFromJSON(mem, schema, strings.NewReader(`[{"input_id":"a"}]`))
	require.NoError(t, err)
	defer rec.Release()
	err = balance.NewCounter().Add(rec)
	assert.ErrorIs(t, err, balance.ErrSchema)
	assert.Contains(t, err.Error(), `"input_id"`)
}

func TestComputeCancelled(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	b := dataset.NewAnnotationBuilder(mem)
	defer b.Release()
	x := a("in1", "dog", 1)
	b.Append(&x)
	rec := b.NewRecord()
	defer rec.Release()
	rr, err := array.NewRecordReader(dataset.AnnotationSchema(), []arrow.Record{rec})
	require.NoError(t, err)
	defer rr.Release()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = balance.Compute(ctx, rr)
	assert.ErrorIs(t, err, context.Canceled)
}

func TestCounterReportMidway(t *testing.T) {
	first := []dataset.Annotation{a("in1", "dog", 1), a("in2", "cat", 0)}
	second := []dataset.Annotation{a("in2", "dog", 1), a("in1", "dog", 0)}
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	b := dataset.NewAnnotationBuilder(mem)
	defer b.Release()
	c := balance.NewCounter()
	add := func(rows []dataset.Annotation) {
		for i := range rows {
			b.Append(&rows[i])
		}
		rec := b.NewRecord()
		defer rec.Release()
		require.NoError(t, c.Add(rec))
	}
	add(first)
	mid, err := c.Report()
	require.NoError(t, err)
	assert.Equal(t, counts{pos: 1, unknown: 1}, byConcept(mid)["dog"])
	add(second)
	end, err := c.Report()
	require.NoError(t, err)
	checkInvariants(t, end)
	assert.Equal(t, byConcept(count(t, [][]dataset.Annotation{first, second})), byConcept(end))
	assert.Equal(t, counts{pos: 1, conf: 1}, byConcept(end)["dog"])
}

func TestEmptyReportRenders(t *testing.T) {
	rep := count(t, nil)
	assert.Zero(t, rep.Summary.Inputs)
	for _, f := range balance.Formats {
		var buf strings.Builder
		require.NoError(t, rep.Write(&buf, f), f)
		assert.NotEmpty(t, buf.String(), f)
	}
}

func TestCounterAddIDs(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	b := dataset.NewAnnotationBuilder(mem)
	defer b.Release()
	b.Append(&dataset.Annotation{InputID: "a", ConceptID: "dog", Value: 1})
	b.Append(&dataset.Annotation{InputID: "b", ConceptID: "dog", Value: 0})
	rec := b.NewRecord()
	defer rec.Release()
	c := balance.NewCounter()
	require.NoError(t, c.Add(rec))
	require.NoError(t, c.AddIDs([]string{"c", "d", "e", "c"}))
	require.NoError(t, c.AddIDs([]string{"a"})) // annotated already: the same input
	rep, err := c.Report()
	require.NoError(t, err)
	assert.Equal(t, 5, rep.Summary.Inputs, "a, b and three distinct bare inputs")
	require.Len(t, rep.Concepts, 1)
	dog := rep.Concepts[0]
	assert.Equal(t, 1, dog.Positives)
	assert.Equal(t, 1, dog.Negatives)
	assert.Equal(t, 3, dog.Unknown, "inputs with no annotation are unknown for every concept")
}
