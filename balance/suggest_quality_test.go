package balance_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"curate.dev/balance"
	"curate.dev/dataset"
	"curate.dev/internal/synth"
	"curate.dev/label"
)

// quality is what the hidden truth says about a set of suggested negatives.
type quality struct {
	suggested int
	trueNeg   int // truly negative
	classes   int // suggestions whose target is a class (not a parent or context)
	hard      int // of those, drawn from a class confusable with the target
	deficit   int // concepts with a deficit
	covered   int // of those, concepts that got suggestions
	possible  int // of those, concepts where a safe candidate exists in truth
}

func (q quality) precision() float64 { return ratio(q.trueNeg, q.suggested) }
func (q quality) hardness() float64  { return ratio(q.hard, q.classes) }
func (q quality) coverage() float64  { return ratio(q.covered, q.possible) }

func ratio(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

// measure scores (input, concept) negatives against w's truth.
func measure(w *synth.World, negs [][2]int, concepts []string) quality {
	var q quality
	for _, n := range negs {
		i, c := n[0], concepts[n[1]]
		q.suggested++
		if !w.Truth(i, c) {
			q.trueNeg++
		}
		if k, _ := w.Concept(c); k.Kind == synth.KindClass {
			q.classes++
			if w.Confusable(w.Primary(i), c) {
				q.hard++
			}
		}
	}
	return q
}

// qualityRun suggests negatives for world cfg and measures them and a
// baseline that picks as many random inputs without an annotation for
// the concept. The world's relations are passed only with withRels; so
// nil means the defaults.
func qualityRun(t testing.TB, cfg synth.Config, withRels bool, so *balance.SuggestOptions) (ours, random quality) {
	w, err := synth.New(cfg)
	require.NoError(t, err)
	ctx := context.Background()
	open := func(ctx context.Context) (*dataset.Reader, error) { return w.Reader(ctx), nil }
	ov := balance.DefaultOverlapOptions()
	if rels := w.Relations(); rels != nil && withRels {
		h, err := label.NewHierarchy(rels)
		require.NoError(t, err)
		ov.Rules.Hierarchy = h
	}
	res, err := balance.Suggest(ctx, open, &ov, so)
	require.NoError(t, err)

	// What each input is annotated for, to pick baseline candidates.
	annotated := map[[2]int]bool{}
	var concepts []string
	cidx := map[string]int{}
	r := w.Reader(ctx, dataset.WithInputs(false))
	all, err := dataset.ReadTables(r)
	r.Release()
	require.NoError(t, err)
	defer all.Release()
	for _, c := range w.Concepts() {
		cidx[c.ID] = len(concepts)
		concepts = append(concepts, c.ID)
	}
	for i := 0; i < w.Len(); i++ {
		var in dataset.Input
		w.Input(i, &in)
		for _, a := range in.Annotations {
			annotated[[2]int{i, cidx[a.ConceptID]}] = true
		}
	}

	var got [][2]int
	for _, s := range res.Suggestions {
		i, ok := w.InputIndex(s.InputID)
		require.True(t, ok)
		got = append(got, [2]int{i, cidx[s.ConceptID]})
	}
	ours = measure(w, got, concepts)

	// A safe, useful candidate exists in truth for a concept when an
	// unannotated input of a class confusable with it is observed positive
	// for its class.
	possible := make([]bool, len(concepts))
	byGroup := map[int][]int{} // group -> its classes and their second names
	for k, c := range w.Concepts() {
		if c.Kind == synth.KindClass {
			byGroup[c.Group] = append(byGroup[c.Group], k)
		}
	}
	for i := 0; i < w.Len(); i++ {
		p := w.Primary(i)
		if !annotated[[2]int{i, cidx[p]}] {
			continue
		}
		pc, _ := w.Concept(p)
		for _, k := range byGroup[pc.Group] {
			if !possible[k] && !annotated[[2]int{i, k}] && w.Confusable(p, concepts[k]) {
				possible[k] = true
			}
		}
	}
	rng := rand.New(rand.NewPCG(cfg.Seed, 99))
	var base [][2]int
	for _, cs := range res.Concepts {
		if cs.Deficit == 0 {
			continue
		}
		ours.deficit++
		c := cidx[cs.ConceptID]
		if possible[c] {
			ours.possible++
			if cs.Suggested > 0 {
				ours.covered++
			}
		}
		// The baseline: distinct random inputs without an annotation for c.
		seen := map[int]bool{}
		for tries := 0; len(seen) < cs.Deficit && tries < 20*cs.Deficit+100; tries++ {
			i := rng.IntN(w.Len())
			if !seen[i] && !annotated[[2]int{i, c}] {
				seen[i] = true
				base = append(base, [2]int{i, c})
			}
		}
	}
	random = measure(w, base, concepts)
	return ours, random
}

// TestSuggestQuality measures suggested negatives against the generator's
// hidden truth: precision (truly negative), hardness (from a class
// confusable with the target, over suggestions for classes) and coverage
// (classes with a deficit that got suggestions, of those where a useful
// candidate exists), beside a
// random baseline. Run with -v for the table.
func TestSuggestQuality(t *testing.T) {
	worlds := []struct {
		name string
		cfg  synth.Config
	}{
		{"default, embeddings + relations", synth.Config{Seed: 7, Inputs: 20000, EmbeddingDim: 64, WithRelations: true}},
		{"no embeddings", synth.Config{Seed: 7, Inputs: 20000, WithRelations: true}},
		{"no relations", synth.Config{Seed: 7, Inputs: 20000, EmbeddingDim: 64}},
		{"neither", synth.Config{Seed: 7, Inputs: 20000}},
		{"60 classes, embeddings + relations", synth.Config{Seed: 3, Inputs: 20000, Concepts: 60, EmbeddingDim: 64, WithRelations: true}},
		{"default, 2000 inputs", synth.Config{Seed: 11, Inputs: 2000, EmbeddingDim: 64, WithRelations: true}},
		{"default, 2000 inputs, flat", synth.Config{Seed: 11, Inputs: 2000}},
	}
	if testing.Short() {
		worlds = worlds[:1]
	}
	t.Logf("%-36s %9s %9s %9s %9s | %9s %9s", "world", "suggested", "precision", "hardness", "coverage", "rnd prec", "rnd hard")
	for _, tc := range worlds {
		t.Run(tc.name, func(t *testing.T) {
			ours, rnd := qualityRun(t, tc.cfg, true, nil)
			t.Logf("%-36s %9d %9.4f %9.4f %9s | %9.4f %9.4f", tc.name, ours.suggested, ours.precision(), ours.hardness(),
				fmt.Sprintf("%d/%d", ours.covered, ours.possible), rnd.precision(), rnd.hardness())
			require.Positive(t, ours.suggested)
			assert.GreaterOrEqual(t, ours.precision(), 0.995, "precision")
			assert.Greater(t, ours.hardness(), rnd.hardness(), "hardness above the random baseline")
		})
	}
}
