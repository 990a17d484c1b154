package balance_test

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"runtime/debug"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"curate.dev/balance"
	"curate.dev/dataset"
	"curate.dev/internal/synth"
	"curate.dev/label"
)

// TestSuggestStorageAgrees holds the two ways an analysis keeps its
// inputs' labels to one answer: a source without embeddings is read into
// a label.Stream (a fingerprint per input, the rest in a log spilled to a
// file), one with embeddings into a label.Set. The same inputs with
// all-zero embeddings (a column, no direction: no centroid, one pass) go
// the Set's way; suggestions, summaries and overlap figures must be the
// same. Some inputs come back on a later line with more labels, and the
// hierarchy names concepts never annotated.
func TestSuggestStorageAgrees(t *testing.T) {
	w, err := synth.New(synth.Config{Seed: 5, Inputs: 6000, WithRelations: true})
	require.NoError(t, err)
	rels := append(w.Relations(), dataset.Relation{Subject: "never-annotated", Object: w.Relations()[0].Object, Predicate: dataset.Hyponym})
	h, err := label.NewHierarchy(rels)
	require.NoError(t, err)

	rng := rand.New(rand.NewPCG(5, 1))
	var plain, zero bytes.Buffer
	var later []dataset.Input
	write := func(in *dataset.Input) {
		in.Embedding = nil
		require.NoError(t, dataset.WriteInputJSONL(&plain, in))
		in.Embedding = []float32{0, 0, 0, 0}
		require.NoError(t, dataset.WriteInputJSONL(&zero, in))
	}
	next := w.Stream()
	for {
		var in dataset.Input
		if next(&in) != nil {
			break
		}
		if n := len(in.Annotations); n > 1 && rng.IntN(10) == 0 {
			back := in
			back.Annotations = in.Annotations[n/2:]
			in.Annotations = in.Annotations[:n/2]
			later = append(later, back)
		}
		write(&in)
	}
	for i := range later {
		write(&later[i])
	}
	require.NotEmpty(t, later)

	ov := balance.DefaultOverlapOptions()
	ov.Rules.Hierarchy = h
	suggest := func(src []byte) *balance.Suggestions {
		open := func(ctx context.Context) (*dataset.Reader, error) {
			return dataset.NewReader(ctx, bytes.NewReader(src))
		}
		res, err := balance.Suggest(context.Background(), open, &ov, &balance.SuggestOptions{Ratio: 1, MaxPerConcept: 300, Seed: 3})
		require.NoError(t, err)
		return res
	}
	want := suggest(zero.Bytes())
	// A memory limit of 1 MiB leaves the Stream its least budget, 64 KiB: its
	// log (some 30 bytes an input) goes to a temporary file.
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(1 << 20))
	got := suggest(plain.Bytes())
	require.NotEmpty(t, want.Suggestions)
	assert.Positive(t, want.Warnings.ZeroEmbeddings)
	assert.Equal(t, 1, want.Passes)
	want.Warnings.ZeroEmbeddings = 0
	assert.Equal(t, want, got)

	analyze := func(src []byte) *balance.Overlap {
		r, err := dataset.NewReader(context.Background(), bytes.NewReader(src))
		require.NoError(t, err)
		defer r.Release()
		o, err := balance.AnalyzeOverlap(context.Background(), r, &ov)
		require.NoError(t, err)
		require.NoError(t, o.Close())
		return o
	}
	a, b := analyze(zero.Bytes()), analyze(plain.Bytes())
	assert.Equal(t, fmt.Sprint(a.Pairs()), fmt.Sprint(b.Pairs())) // NaN similarities: compared as printed
	assert.Equal(t, a.Report(), b.Report())
	assert.Equal(t, a.Inputs(), b.Inputs())
	assert.Equal(t, a.InferRelations(nil), b.InferRelations(nil))
}
