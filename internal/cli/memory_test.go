package cli

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestReportMemoryLimit counts a file whose inputs come back on later
// lines with and without a memory limit small enough that the report
// spills to a temporary file: the same report, and nothing left in the
// temporary folder.
func TestReportMemoryLimit(t *testing.T) {
	prev := debug.SetMemoryLimit(-1)
	t.Cleanup(func() { debug.SetMemoryLimit(prev) })
	var b strings.Builder
	for i := range 30_000 {
		fmt.Fprintf(&b, `{"id":"in-%d","data":{"concepts":[{"id":"c%d","value":1},{"id":"c%d","value":0}]}}`+"\n", i, i%7, (i+3)%7)
	}
	for i := 0; i < 30_000; i += 97 { // back again: one more label, some conflicting
		fmt.Fprintf(&b, `{"id":"in-%d","data":{"concepts":[{"id":"c%d","value":0}]}}`+"\n", i, i%5)
	}
	dir := writeFiles(t, map[string]string{"data.jsonl": b.String()})
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	report := func(args ...string) string {
		f, _, out, errOut := testFactory()
		code := Run(context.Background(), f, append([]string{"report", filepath.Join(dir, "data.jsonl"), "--format", "json"}, args...))
		require.Equal(t, ExitOK, code, errOut.String())
		return out.String()
	}
	want := report()
	got := report("--memory-limit", "1MiB") // a 64 KiB budget: about 2,000 inputs
	assert.Equal(t, int64(1<<20), debug.SetMemoryLimit(-1))
	debug.SetMemoryLimit(prev)
	assert.Equal(t, want, got)
	assert.Contains(t, want, `"inputs":30000,`)
	left, err := os.ReadDir(tmp)
	require.NoError(t, err)
	assert.Empty(t, left, "temporary files left behind")

	f, _, _, errOut := testFactory()
	code := Run(context.Background(), f, []string{"report", filepath.Join(dir, "data.jsonl"), "--memory-limit", "lots"})
	assert.Equal(t, ExitUsage, code)
	assert.Contains(t, errOut.String(), `--memory-limit: want a size such as 2GiB or 500MB, got "lots"`)
}

// TestExportMemoryLimit: the training export spools its inputs to a
// temporary file; with a memory limit it keeps less of it in memory and
// writes the same rows, and no file is left behind either way.
func TestExportMemoryLimit(t *testing.T) {
	prev := debug.SetMemoryLimit(-1)
	t.Cleanup(func() { debug.SetMemoryLimit(prev) })
	var b strings.Builder
	for i := range 20_000 {
		fmt.Fprintf(&b, `{"id":"in-%d","data":{"image":{"url":"https://x/%d.jpg"},"concepts":[{"id":"c%d","value":1},{"id":"c%d","value":0}]}}`+"\n", i, i, i%7, (i+3)%7)
	}
	for i := 0; i < 20_000; i += 89 { // back again, one more label
		fmt.Fprintf(&b, `{"id":"in-%d","data":{"concepts":[{"id":"c%d","value":1}]}}`+"\n", i, (i+5)%7)
	}
	dir := writeFiles(t, map[string]string{"data.jsonl": b.String()})
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	export := func(args ...string) string {
		f, _, _, errOut := testFactory()
		out := filepath.Join(t.TempDir(), "o")
		code := Run(context.Background(), f, append([]string{"export", filepath.Join(dir, "data.jsonl"), "--out", out, "--layout", "training", "--format", "csv"}, args...))
		require.Equal(t, ExitOK, code, errOut.String())
		csv, err := os.ReadFile(filepath.Join(out, "part-00000.csv"))
		require.NoError(t, err)
		return string(csv)
	}
	want := export()
	got := export("--memory-limit", "1MiB")
	debug.SetMemoryLimit(prev)
	assert.Equal(t, want, got)
	assert.Equal(t, 20_001, strings.Count(want, "\n"), "a header and one row per input")
	assert.Contains(t, want, "\nin-89,https://x/89.jpg,")
	left, err := os.ReadDir(tmp)
	require.NoError(t, err)
	assert.Empty(t, left, "temporary files left behind")
}
