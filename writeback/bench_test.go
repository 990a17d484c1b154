package writeback_test

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"
	"github.com/apache/arrow/go/v15/arrow/memory"
	"github.com/stretchr/testify/require"

	"curate.dev/dataset"
	"curate.dev/internal/synth"
	"curate.dev/internal/testutil"
	"curate.dev/writeback"
)

// envInt reads a benchmark size from the environment.
func envInt(name string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil && n > 0 {
		return n
	}
	return def
}

// benchSource writes a synthetic JSONL source of n inputs (with a small
// embedding, so lines are about 400 bytes like real Clarifai exports) and
// returns its path.
func benchSource(b *testing.B, n int) (path string, w *synth.World) {
	b.Helper()
	cfg := synth.DefaultConfig()
	cfg.Inputs = n
	cfg.EmbeddingDim = 12
	w, err := synth.New(cfg)
	require.NoError(b, err)
	path = filepath.Join(b.TempDir(), "src.jsonl")
	f, err := os.Create(path)
	require.NoError(b, err)
	defer f.Close()
	bw := bufio.NewWriterSize(f, 1<<20)
	require.NoError(b, w.WriteJSONL(context.Background(), bw))
	require.NoError(b, bw.Flush())
	return path, w
}

// benchChanges builds k "not wolf" changes spread evenly over the inputs.
func benchChanges(b *testing.B, mem memory.Allocator, w *synth.World, k int) arrow.Table {
	rb := array.NewRecordBuilder(mem, dataset.ChangesSchema())
	defer rb.Release()
	n := w.Len()
	step := max(n/k, 1)
	for i, line := 0, int64(1); i < n && int(line) <= k; i += step {
		rb.Field(dataset.ChgInputID).(*array.StringBuilder).Append(w.InputID(i))
		rb.Field(dataset.ChgConceptID).(*array.StringBuilder).Append("wolf")
		rb.Field(dataset.ChgConceptName).(*array.StringBuilder).Append("Wolf")
		rb.Field(dataset.ChgValue).(*array.Float32Builder).Append(0)
		rb.Field(dataset.ChgScore).(*array.Float64Builder).Append(0.8)
		rb.Field(dataset.ChgSourceConceptID).(*array.StringBuilder).Append("husky")
		rb.Field(dataset.ChgReason).(*array.StringBuilder).Append("positive for husky; husky and wolf overlap")
		rb.Field(dataset.ChgAccept).(*array.BooleanBuilder).Append(true)
		rb.Field(dataset.ChgLine).(*array.Int64Builder).Append(line)
		line++
	}
	rec := rb.NewRecord()
	defer rec.Release()
	return array.NewTableFromRecords(dataset.ChangesSchema(), []arrow.Record{rec})
}

// onlyReader and onlyWriter hide ReadFrom/WriteTo so a copy goes through
// user space like apply does (no copy_file_range or sendfile).
type onlyReader struct{ io.Reader }
type onlyWriter struct{ io.Writer }

// BenchmarkApplyJSONL compares applying changes to a JSONL file with a
// plain copy of the same file, file to file. Sizes:
// CURATE_APPLY_INPUTS (default 100000) and CURATE_APPLY_CHANGES (default
// a tenth of the inputs).
func BenchmarkApplyJSONL(b *testing.B) {
	n := envInt("CURATE_APPLY_INPUTS", 100_000)
	k := envInt("CURATE_APPLY_CHANGES", n/10)
	src, w := benchSource(b, n)
	st, err := os.Stat(src)
	require.NoError(b, err)
	dst := filepath.Join(filepath.Dir(src), "dst.jsonl")

	copyFile := func(b *testing.B, userSpace bool) {
		in, err := os.Open(src)
		require.NoError(b, err)
		defer in.Close()
		out, err := os.Create(dst)
		require.NoError(b, err)
		defer out.Close()
		if userSpace {
			_, err = io.CopyBuffer(onlyWriter{out}, onlyReader{in}, make([]byte, 1<<20))
		} else {
			_, err = io.Copy(out, in)
		}
		require.NoError(b, err)
	}
	b.Run("copy", func(b *testing.B) {
		b.SetBytes(st.Size())
		c0 := testutil.CPUTime()
		for b.Loop() {
			copyFile(b, true)
		}
		testutil.ReportCPU(b, c0)
	})
	b.Run("copy_file_range", func(b *testing.B) {
		b.SetBytes(st.Size())
		c0 := testutil.CPUTime()
		for b.Loop() {
			copyFile(b, false)
		}
		testutil.ReportCPU(b, c0)
	})
	b.Run("apply", func(b *testing.B) {
		mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
		defer mem.AssertSize(b, 0)
		tbl := benchChanges(b, mem, w, k)
		defer tbl.Release()
		b.SetBytes(st.Size())
		b.ReportAllocs()
		var peak uint64
		var applyWall, copyWall, applyCPU time.Duration
		for b.Loop() {
			// A plain copy in the same iteration, outside the timer, gives
			// a ratio that holds up on a busy machine.
			b.StopTimer()
			t0 := time.Now()
			copyFile(b, true)
			copyWall += time.Since(t0)
			b.StartTimer()
			t0, c0 := time.Now(), testutil.CPUTime()
			in, err := os.Open(src)
			require.NoError(b, err)
			out, err := os.Create(dst)
			require.NoError(b, err)
			sum, err := writeback.ApplyJSONL(context.Background(), in, out, tbl, writeback.Options{})
			require.NoError(b, err)
			require.Positive(b, sum.Added)
			in.Close()
			require.NoError(b, out.Close())
			applyWall += time.Since(t0)
			applyCPU += testutil.CPUTime() - c0
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapSys)
		}
		b.ReportMetric(float64(applyCPU)/float64(time.Millisecond)/float64(b.N), "cpu-ms/op")
		b.ReportMetric(float64(applyWall)/float64(copyWall), "x-copy")
		b.ReportMetric(float64(peak)/(1<<20), "heap-sys-MB")
		b.ReportMetric(float64(tbl.NumRows()), "changes")
	})
}

// BenchmarkApplyJSONLMemory applies changes to a source held in memory
// and discards the output: the scan and merge alone, without file I/O.
func BenchmarkApplyJSONLMemory(b *testing.B) {
	n := envInt("CURATE_APPLY_INPUTS", 100_000)
	k := envInt("CURATE_APPLY_CHANGES", n/10)
	src, w := benchSource(b, n)
	data, err := os.ReadFile(src)
	require.NoError(b, err)
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(b, 0)
	tbl := benchChanges(b, mem, w, k)
	defer tbl.Release()
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	c0 := testutil.CPUTime()
	for b.Loop() {
		_, err := writeback.ApplyJSONL(context.Background(), bytes.NewReader(data), io.Discard, tbl, writeback.Options{})
		require.NoError(b, err)
	}
	testutil.ReportCPU(b, c0)
}
