package main

import (
	"crypto/sha256"
	"encoding/json"
	"maps"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// folderState maps each file below dir (relative name) to its hash.
func folderState(t *testing.T, dir string) map[string][32]byte {
	t.Helper()
	out := map[string][32]byte{}
	require.NoError(t, filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		out[rel] = sha256.Sum256(b)
		return nil
	}))
	return out
}

// TestExportForceCrashLeavesOneExport kills "curate export --force" at
// random moments while it replaces one export by another of a different
// layout and file count. The folder must always hold exactly the old
// export or exactly the complete new one, and hidden folders of killed
// runs must be cleaned by the next run.
func TestExportForceCrashLeavesOneExport(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the binary many times")
	}
	dir := t.TempDir()
	src, _ := crashFixture(t, dir, 150_000)
	layouts := [2][]string{
		{"--layout", "training", "--split", "train=0.8,val=0.1,test=0.1", "--max-rows-per-file", "20000"},
		{"--layout", "long", "--max-rows-per-file", "150000"},
	}
	// The complete result of each layout, and how long a run takes.
	var want [2]map[string][32]byte
	var full time.Duration
	for k, args := range layouts {
		ref := filepath.Join(t.TempDir(), "ref")
		start := time.Now()
		out, err := exec.Command(curateBin, append([]string{"export", src, "--out", ref}, args...)...).CombinedOutput()
		require.NoError(t, err, "%s", out)
		full = max(full, time.Since(start))
		want[k] = folderState(t, ref)
	}
	require.Greater(t, len(want[0]), 3)
	require.NotEqual(t, len(want[0]), len(want[1]))

	out := filepath.Join(dir, "out")
	res, err := exec.Command(curateBin, append([]string{"export", src, "--out", out}, layouts[0]...)...).CombinedOutput()
	require.NoError(t, err, "%s", res)
	require.True(t, maps.Equal(want[0], folderState(t, out)), "a complete export is byte-identical to the reference run")
	cur := 0
	rng := rand.New(rand.NewPCG(3, 4))
	deadline := time.Now().Add(45 * time.Second)
	var kept, replaced int
	for iter := 0; iter < 10 && time.Now().Before(deadline); iter++ {
		next := 1 - cur
		cmd := exec.Command(curateBin, append([]string{"export", src, "--out", out, "--force"}, layouts[next]...)...)
		require.NoError(t, cmd.Start())
		time.Sleep(time.Duration(rng.Int64N(int64(full) * 3 / 2)))
		_ = cmd.Process.Signal(syscall.SIGKILL)
		_ = cmd.Wait()

		got := folderState(t, out)
		switch {
		case maps.Equal(got, want[cur]):
			kept++
		case maps.Equal(got, want[next]):
			replaced++
			cur = next
		default:
			t.Fatalf("iteration %d: %s holds %d files, neither the old export (%d) nor the new one (%d)", iter, out, len(got), len(want[cur]), len(want[next]))
		}
		if b, err := os.ReadFile(out + "_concepts.json"); err == nil {
			var sc map[string]any
			assert.NoError(t, json.Unmarshal(b, &sc), "iteration %d: the sidecar is whole JSON", iter)
		}
		ents, err := os.ReadDir(dir)
		require.NoError(t, err)
		hidden := 0
		for _, e := range ents {
			if strings.HasPrefix(e.Name(), ".out.export-") {
				hidden++
			} else if strings.HasPrefix(e.Name(), ".") {
				t.Errorf("iteration %d: unexpected %s", iter, e.Name())
			}
		}
		assert.LessOrEqual(t, hidden, 1, "iteration %d: each run cleans what killed runs left", iter)
	}
	t.Logf("kept the old export %d times, replaced it %d times", kept, replaced)
	assert.Positive(t, kept+replaced)

	// A run to completion leaves nothing hidden behind.
	res, err = exec.Command(curateBin, append([]string{"export", src, "--out", out, "--force"}, layouts[1-cur]...)...).CombinedOutput()
	require.NoError(t, err, "%s", res)
	assert.True(t, maps.Equal(want[1-cur], folderState(t, out)))
	ents, err := os.ReadDir(dir)
	require.NoError(t, err)
	for _, e := range ents {
		assert.False(t, strings.HasPrefix(e.Name(), "."), "left behind: %s", e.Name())
	}
}
