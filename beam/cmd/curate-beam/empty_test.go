package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestEmptySource: files that hold no records end the job with an error
// that says so, and nothing written, instead of a silent exit 0 with no
// report or manifest.
func TestEmptySource(t *testing.T) {
	dir := t.TempDir()
	bin := filepath.Join(dir, "curate-beam")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	require.NoError(t, err, "%s", out)
	empty := filepath.Join(dir, "empty.jsonl")
	require.NoError(t, os.WriteFile(empty, nil, 0o644))
	for _, args := range [][]string{
		{"report", "--input", empty, "--output", filepath.Join(dir, "r.json")},
		{"export", "--input", empty, "--layout", "training", "--out", filepath.Join(dir, "tr")},
	} {
		cmd := exec.Command(bin, args...)
		out, err := cmd.CombinedOutput()
		var ee *exec.ExitError
		require.ErrorAs(t, err, &ee, "%s", out)
		assert.Equal(t, 1, ee.ExitCode())
		assert.Contains(t, string(out), "the files hold no records, so there is nothing to write")
	}
	_, err = os.Stat(filepath.Join(dir, "r.json"))
	assert.True(t, os.IsNotExist(err))
	_, err = os.Stat(filepath.Join(dir, "tr", "_manifest.json"))
	assert.True(t, os.IsNotExist(err))
}
