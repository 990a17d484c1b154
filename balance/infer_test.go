package balance

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"testing"

	"github.com/apache/arrow/go/v15/arrow/memory"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"curate.dev/dataset"
	"curate.dev/label"
)

var (
	dirCar   = [4]float32{1, 0.3, 0, 0}
	dirTruck = [4]float32{0.3, 1, 0, 0}
)

// vehicles: 40 car and 40 automobile inputs (one thing, two names, never
// both on an input), 40 truck, and 40 labelled only vehicle (half cars,
// half trucks, as an annotator labelling at a coarser level does). One
// input labelled truck is a car (a wrong positive).
func vehicles() *tw {
	w := &tw{}
	for i := 0; i < 40; i++ {
		w.add(fmt.Sprintf("car%02d", i), vec(dirCar, i), "car")
		w.add(fmt.Sprintf("auto%02d", i), vec(dirCar, i), "automobile")
		w.add(fmt.Sprintf("truck%02d", i), vec(dirTruck, i), "truck")
		d := dirCar
		if i%2 == 1 {
			d = dirTruck
		}
		w.add(fmt.Sprintf("veh%02d", i), vec(d, i), "vehicle")
	}
	w.add("mislabelled", vec(dirCar, 3), "truck")
	return w
}

func relKey(r InferredRelation) string { return r.Subject + " " + string(r.Predicate) + " " + r.Object }

func TestInferRelations(t *testing.T) {
	w := vehicles()
	o := w.analyze(t, nil)
	rels := o.InferRelations(nil)
	got := map[string]InferredRelation{}
	for _, r := range rels {
		got[relKey(r)] = r
		assert.GreaterOrEqual(t, r.Confidence, DefaultMinConfidence)
		assert.NotEmpty(t, r.Evidence.Signals)
	}
	require.Contains(t, got, "automobile synonym car")
	syn := got["automobile synonym car"]
	assert.Equal(t, 0, syn.Evidence.Together)
	assert.Greater(t, syn.Evidence.Similarity, 0.999)
	assert.Contains(t, syn.Evidence.Signals[0], "near-identical centroids")
	for _, k := range []string{"car hyponym vehicle", "truck hyponym vehicle"} {
		require.Contains(t, got, k)
		assert.Contains(t, got[k].Evidence.Signals[0], "inside vehicle's spread")
	}
	for k := range got {
		assert.NotContains(t, []string{"car hyponym truck", "truck hyponym car", "car synonym truck", "automobile hyponym truck"}, k, "siblings are not related")
	}

	t.Run("a relations file that names both concepts wins", func(t *testing.T) {
		h, err := label.NewHierarchy([]dataset.Relation{
			{Subject: "car", Object: "vehicle", Predicate: dataset.Hyponym},
			{Subject: "automobile", Object: "vehicle", Predicate: dataset.Hyponym},
		})
		require.NoError(t, err)
		ov := DefaultOverlapOptions()
		ov.Rules.Hierarchy = h
		for _, r := range w.analyze(t, &ov).InferRelations(nil) {
			known := h.Known(r.Subject) && h.Known(r.Object)
			assert.False(t, known, "%s: the file already says how they relate", relKey(r))
		}
	})
	t.Run("without embeddings the evidence is the labels'", func(t *testing.T) {
		plain := &tw{}
		for _, in := range w.ins {
			in.Embedding = nil
			plain.ins = append(plain.ins, in)
		}
		for _, r := range plain.analyze(t, nil).InferRelations(nil) {
			assert.True(t, math.IsNaN(r.Evidence.Similarity))
		}
	})
}

func TestSuggestInferredVetoes(t *testing.T) {
	w := vehicles()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	res, err := Suggest(context.Background(), w.opener(mem), nil, nil)
	require.NoError(t, err)
	require.NotEmpty(t, res.Suggestions)
	related := func(a, b string) bool {
		pair := map[[2]string]bool{{"car", "automobile"}: true, {"automobile", "car"}: true}
		return pair[[2]string{a, b}] || a == "vehicle" || b == "vehicle"
	}
	for _, s := range res.Suggestions {
		assert.False(t, related(s.ConceptID, s.SourceConceptID), "not %s drawn from %s: they are likely one, or kinds", s.ConceptID, s.SourceConceptID)
		assert.NotEqual(t, "mislabelled", s.InputID, "a truck positive that sits on the car centroid is a likely car")
	}
	car := conceptSummary(res, "car")
	assert.Equal(t, []string{"automobile", "vehicle"}, car.LeftOut)
	assert.Equal(t, 1, car.Margin, "the mislabelled input")
	assert.Positive(t, car.Suggested)
	assert.Positive(t, res.LeftOut)
	assert.NotEmpty(t, res.Inferred)
	for _, s := range res.Suggestions {
		if s.ConceptID == "car" {
			assert.Contains(t, s.Reason, "not drawn from automobile, vehicle: likely sub-types, parents or synonyms (see curate relations infer)")
		}
	}

	off, err := Suggest(context.Background(), w.opener(mem), nil, &SuggestOptions{Ratio: DefaultRatio, NoInferredVetoes: true, NoMargin: true})
	require.NoError(t, err)
	fromSynonym := false
	for _, s := range off.Suggestions {
		fromSynonym = fromSynonym || (s.ConceptID == "car" && s.SourceConceptID == "automobile")
	}
	assert.True(t, fromSynonym, "without the vetoes, automobiles become car negatives")
	assert.Zero(t, off.LeftOut)
	assert.Empty(t, off.Inferred)

	noMargin, err := Suggest(context.Background(), w.opener(mem), nil, &SuggestOptions{Ratio: DefaultRatio, NoMargin: true})
	require.NoError(t, err)
	require.NotEmpty(t, noMargin.Suggestions)
	first := Suggestion{}
	for _, s := range noMargin.Suggestions {
		if s.ConceptID == "car" {
			first = s
			break
		}
	}
	assert.Equal(t, "mislabelled", first.InputID, "without the margin, the mislabelled input is the hardest car negative")
	assert.Zero(t, conceptSummary(noMargin, "car").Margin)
}

func TestInferredAcyclic(t *testing.T) {
	r := func(s, p, o string, c float64) InferredRelation {
		return InferredRelation{Subject: s, Object: o, Predicate: dataset.Predicate(p), Confidence: c}
	}
	in := []InferredRelation{
		r("a", "hyponym", "b", 0.9),
		r("b", "hyponym", "c", 0.8),
		r("c", "hyponym", "a", 0.7), // closes a cycle: dropped
		r("x", "synonym", "y", 0.7),
		r("y", "hyponym", "x", 0.6), // a kind of its own synonym: dropped
		r("d", "synonym", "a", 0.5),
		r("c", "hyponym", "d", 0.4), // d names a, which is under c: dropped
	}
	var got []string
	for _, x := range acyclic(in) {
		got = append(got, relKey(x))
	}
	assert.Equal(t, []string{"a hyponym b", "b hyponym c", "x synonym y", "d synonym a"}, got)
	var rels []dataset.Relation
	for _, x := range acyclic(in) {
		rels = append(rels, x.Relation())
	}
	_, err := label.NewHierarchy(rels)
	assert.NoError(t, err)
}

func TestWriteInferredRelations(t *testing.T) {
	rels := []InferredRelation{
		{Subject: "wolf", Object: "canine", Predicate: dataset.Hyponym, Confidence: 0.97, Evidence: Evidence{
			Signals: []string{"12 canine positives marked not wolf"}, NotSubjectOnObject: 12,
			Similarity: math.NaN(), SubjectSpread: math.NaN(), ObjectSpread: math.NaN(), SubjectInObject: math.NaN(), NegativeProfile: math.NaN()}},
		{Subject: "automobile", Object: "car", Predicate: dataset.Synonym, Confidence: 0.9, Evidence: Evidence{Similarity: 0.9999, SubjectSpread: 0.99, ObjectSpread: 0.99, SubjectInObject: 0.99, NegativeProfile: math.NaN()}},
	}
	var b bytes.Buffer
	require.NoError(t, WriteInferredRelations(&b, rels))
	assert.Contains(t, b.String(), `{"subject_concept":{"id":"wolf"},"object_concept":{"id":"canine"},"predicate":"hyponym","inferred":true,"confidence":0.97,`)
	assert.Contains(t, b.String(), `"similarity":null`)
	assert.Contains(t, b.String(), `"similarity":0.9999`)
	back, err := dataset.ReadRelations(context.Background(), &b, "relations.jsonl")
	require.NoError(t, err)
	assert.Equal(t, Relations(rels), back)
}
