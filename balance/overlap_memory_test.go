package balance_test

import (
	"context"
	"runtime"
	"runtime/debug"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"curate.dev/balance"
	"curate.dev/internal/synth"
)

// TestOverlapMemoryPerInput holds the analysis of a source without
// embeddings to the memory design in the package docs: what it keeps
// alive after the pass grows by the label.Stream's fingerprint per input
// (4 bytes a slot, the set at most 3/4 full), not by the inputs' ids and
// labels as a label.Set's 90 or so bytes would. Measured as the live heap
// the analysis holds at two sizes, with a memory limit that makes the
// Stream spill its log to a file past 1 MiB at both sizes, as it does
// past 16 MiB without one.
func TestOverlapMemoryPerInput(t *testing.T) {
	if testing.Short() {
		t.Skip("generates 500k inputs")
	}
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(16 << 20))
	held := func(n int) int64 {
		w, err := synth.New(synth.BenchConfig(n))
		require.NoError(t, err)
		r := w.Reader(context.Background())
		o, err := balance.AnalyzeOverlap(context.Background(), r, nil)
		r.Release()
		require.NoError(t, err)
		require.Equal(t, n, o.Report().Summary.Inputs)
		var with, without runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&with)
		require.NoError(t, o.Close())
		o = nil
		runtime.GC()
		runtime.ReadMemStats(&without)
		runtime.KeepAlive(w)
		return int64(with.HeapAlloc) - int64(without.HeapAlloc)
	}
	small, large := held(100_000), held(500_000)
	perInput := float64(large-small) / 400_000
	t.Logf("the analysis holds %d B at 100k inputs, %d B at 500k: %.1f B per input", small, large, perInput)
	assert.Less(t, perInput, 24.0)
}
