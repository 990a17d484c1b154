package synth

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"curate.dev/dataset"
)

// TestSynonymsParentOnlyNoise checks the label patterns that hide a
// world's relations: second names, parents labelled instead of their
// kinds, and wrong positives.
func TestSynonymsParentOnlyNoise(t *testing.T) {
	cfg := Config{Seed: 4, Inputs: 20000, WithRelations: true, Synonyms: 2, ParentRate: Off, ParentOnlyRate: 0.2, NoiseRate: 0.05}
	w, err := New(cfg)
	require.NoError(t, err)

	auto, ok := w.Concept("automobile")
	require.True(t, ok)
	assert.Equal(t, "car", auto.SynonymOf)
	assert.Equal(t, KindClass, auto.Kind)
	_, ok = w.Concept("lorry")
	require.True(t, ok)
	_, ok = w.Concept("kitty")
	assert.False(t, ok, "two synonyms asked for")
	assert.Contains(t, w.Relations(), dataset.Relation{Subject: "automobile", Object: "car", Predicate: dataset.Synonym})
	assert.False(t, w.Confusable("car", "automobile"), "one thing")
	assert.True(t, w.Confusable("automobile", "truck"))

	var carInputs, byCar, byAuto, parentOnly, withParent, kindsWithParent, labelled, wrong int
	for i := 0; i < w.Len(); i++ {
		assert.Equal(t, w.Truth(i, "car"), w.Truth(i, "automobile"))
		var in dataset.Input
		w.Input(i, &in)
		pos := map[string]bool{}
		reviewed := false
		for _, a := range in.Annotations {
			reviewed = reviewed || a.Annotator == ReviewerID
			if a.Value == 1 && a.Annotator == "" {
				pos[a.ConceptID] = true
				assert.True(t, w.Truth(i, a.ConceptID) || w.Confusable(a.ConceptID, w.Primary(i)), "%s on %s is true or a wrong sibling", a.ConceptID, in.ID)
			}
		}
		p := w.Primary(i)
		pc, _ := w.Concept(p)
		if p == "car" {
			carInputs++
			assert.False(t, pos["car"] && pos["automobile"], "never both names on %s", in.ID)
			if pos["car"] {
				byCar++
			}
			if pos["automobile"] {
				byAuto++
			}
		}
		if pc.Parent != "" {
			kindsWithParent++
			if pos[pc.Parent] {
				parentOnly++
				if pos[p] && !reviewed { // a conflict re-adds the primary class
					withParent++
				}
			}
		}
		for c := range pos {
			if k, _ := w.Concept(c); k.Kind == KindClass {
				labelled++
				if !w.Truth(i, c) {
					wrong++
				}
			}
		}
	}
	require.Positive(t, carInputs)
	assert.InDelta(t, 0.5, float64(byCar)/float64(byCar+byAuto), 0.05, "either name, half the time each")
	assert.Zero(t, withParent, "with ParentRate off, a parent is never labelled beside its kind")
	assert.InDelta(t, 0.2*0.85*(1-0.05), float64(parentOnly)/float64(kindsWithParent), 0.03, "parent instead of the kind")
	assert.InDelta(t, 0.05, float64(wrong)/float64(labelled), 0.015, "wrong positives")
}
