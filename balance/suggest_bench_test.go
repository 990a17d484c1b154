package balance_test

import (
	"bufio"
	"context"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"curate.dev/balance"
	"curate.dev/dataset"
	"curate.dev/internal/synth"
	"curate.dev/label"
)

// scaleWorld is the performance world: n inputs, 500 classes, 512-dim
// embeddings, with relations.
func scaleWorld(tb testing.TB, n int) (*synth.World, *balance.OverlapOptions) {
	w, err := synth.New(synth.Config{Seed: 1, Inputs: n, Concepts: 500, EmbeddingDim: 512, WithRelations: true})
	require.NoError(tb, err)
	h, err := label.NewHierarchy(w.Relations())
	require.NoError(tb, err)
	ov := balance.DefaultOverlapOptions()
	ov.Rules.Hierarchy = h
	return w, &ov
}

func suggestWorld(tb testing.TB, w *synth.World, ov *balance.OverlapOptions) *balance.Suggestions {
	open := func(ctx context.Context) (*dataset.Reader, error) { return w.Reader(ctx), nil }
	res, err := balance.Suggest(context.Background(), open, ov, &balance.SuggestOptions{Ratio: 1, MaxPerConcept: 1000})
	require.NoError(tb, err)
	return res
}

// BenchmarkSuggest100k runs the whole suggester (two passes over a
// generated source, no JSON) on 100k inputs × 500 classes × 512 dims.
func BenchmarkSuggest100k(b *testing.B) {
	w, ov := scaleWorld(b, 100_000)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		res := suggestWorld(b, w, ov)
		b.ReportMetric(float64(len(res.Suggestions)), "suggestions")
	}
	b.ReportMetric(float64(100_000*b.N)/b.Elapsed().Seconds(), "inputs/s")
}

// BenchmarkGenerate100k is the cost of producing the same source twice
// (the generator and the Arrow batches), to subtract from the above.
func BenchmarkGenerate100k(b *testing.B) {
	w, _ := scaleWorld(b, 100_000)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for pass := 0; pass < 2; pass++ {
			r := w.Reader(context.Background())
			for r.Next() {
			}
			require.NoError(b, r.Err())
			r.Release()
		}
	}
}

// TestSuggestScale is the full-scale run: CURATE_SUGGEST_SCALE=1000000
// go test ./balance -run TestSuggestScale -v. It logs wall time and peak
// resident memory; it asserts nothing about them.
func TestSuggestScale(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("CURATE_SUGGEST_SCALE"))
	if n <= 0 {
		t.Skip("set CURATE_SUGGEST_SCALE=<inputs> to run")
	}
	w, ov := scaleWorld(t, n)
	start := time.Now()
	res := suggestWorld(t, w, ov)
	el := time.Since(start)
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	t.Logf("inputs=%d concepts=%d dim=512 suggestions=%d passes=%d wall=%s peakRSS=%s heapSys=%dMB GOMAXPROCS=%d",
		n, len(res.Concepts), len(res.Suggestions), res.Passes, el.Round(time.Millisecond), peakRSS(), ms.HeapSys>>20, runtime.GOMAXPROCS(0))
}

// peakRSS reads the process's peak resident set from /proc (Linux).
func peakRSS() string {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return "n/a"
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			return strings.TrimSpace(v)
		}
	}
	return "n/a"
}

// BenchmarkSuggestBench200k runs the whole suggester on 200k inputs of
// the bench shape (synth.BenchConfig: 66 concepts, about 8 annotations an
// input, no embeddings, so one pass and the labels read back from the
// label.Stream), from the generator: the label work without the JSON.
func BenchmarkSuggestBench200k(b *testing.B) {
	w, err := synth.New(synth.BenchConfig(200_000))
	require.NoError(b, err)
	open := func(ctx context.Context) (*dataset.Reader, error) { return w.Reader(ctx), nil }
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		res, err := balance.Suggest(context.Background(), open, nil, &balance.SuggestOptions{Ratio: 1, MaxPerConcept: 1000})
		require.NoError(b, err)
		b.ReportMetric(float64(len(res.Suggestions)), "suggestions")
	}
	b.ReportMetric(float64(200_000*b.N)/b.Elapsed().Seconds(), "inputs/s")
}
