package balance_test

import (
	"context"
	"os"
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"curate.dev/balance"
	"curate.dev/dataset"
	"curate.dev/internal/synth"
)

// analyzeHard analyses a hard world (parents labelled instead of their
// kinds, synonyms) without its relations.
func analyzeHard(tb testing.TB, inputs, concepts, dim int) *balance.Overlap {
	w, err := synth.New(hardWorld(1, inputs, concepts, dim))
	require.NoError(tb, err)
	r := w.Reader(context.Background())
	defer r.Release()
	o, err := balance.AnalyzeOverlap(context.Background(), r, nil)
	require.NoError(tb, err)
	return o
}

// BenchmarkInferRelations times the inference alone, after the pass that
// feeds it: every pair of concepts, with 512-dim centroids.
func BenchmarkInferRelations(b *testing.B) {
	for _, tc := range []struct {
		name                  string
		inputs, concepts, dim int
	}{
		{"500 classes x 512 dims", 50_000, 500, 512},
		{"2000 classes x 512 dims", 50_000, 2000, 512},
	} {
		b.Run(tc.name, func(b *testing.B) {
			o := analyzeHard(b, tc.inputs, tc.concepts, tc.dim)
			b.ResetTimer()
			var n int
			for i := 0; i < b.N; i++ {
				n = len(o.InferRelations(nil))
			}
			b.ReportMetric(float64(n), "relations")
			b.ReportMetric(float64(len(o.Concepts())), "concepts")
		})
	}
}

// TestInferScale is the full-scale run of suggest without a relations
// file on a hard world: CURATE_INFER_SCALE=1000000 go test ./balance -run
// TestInferScale -v. It logs the inference's own time, the whole run's
// wall time and peak resident memory; it asserts nothing about them.
func TestInferScale(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("CURATE_INFER_SCALE"))
	if n <= 0 {
		t.Skip("set CURATE_INFER_SCALE=<inputs> to run")
	}
	w, err := synth.New(hardWorld(1, n, 500, 512))
	require.NoError(t, err)
	open := func(ctx context.Context) (*dataset.Reader, error) { return w.Reader(ctx), nil }
	start := time.Now()
	r, _ := open(context.Background())
	o, err := balance.AnalyzeOverlap(context.Background(), r, nil)
	r.Release()
	require.NoError(t, err)
	pass := time.Since(start)
	start = time.Now()
	rels := o.InferRelations(nil)
	infer := time.Since(start)
	start = time.Now()
	res, err := o.Suggest(context.Background(), open, &balance.SuggestOptions{Ratio: 1, MaxPerConcept: 1000})
	require.NoError(t, err)
	rest := time.Since(start)
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	t.Logf("inputs=%d concepts=%d dim=512 relations=%d leftOut=%d suggestions=%d firstPass=%s infer=%s suggest(infer+second pass)=%s total=%s peakRSS=%s",
		n, len(res.Concepts), len(rels), res.LeftOut, len(res.Suggestions), pass.Round(time.Millisecond), infer.Round(time.Millisecond),
		rest.Round(time.Millisecond), (pass + rest).Round(time.Millisecond), peakRSS())
}
