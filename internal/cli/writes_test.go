package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// No output replaces an input of the same run.
func TestOutputNeverReplacesAnInput(t *testing.T) {
	data, rels := synthFiles(t, 0)
	dataBefore, _ := os.ReadFile(data)
	relsBefore, _ := os.ReadFile(rels)
	dir, src, sugg := applyFixture(t, applySrc, applySugg)
	suggBefore, _ := os.ReadFile(sugg)
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"suggest over its source", []string{"suggest", data, "--out", data, "--force"}, "is the source"},
		{"suggest over the relations", []string{"suggest", data, "--relations", rels, "--out", rels, "--force"}, "is the relations file"},
		{"apply --out over the suggestions", []string{"apply", src, "--suggestions", sugg, "--out", sugg}, "is the suggestions file"},
		{"apply --log over the source", []string{"apply", src, "--suggestions", sugg, "--log", src}, "is an input of the run"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, errOut := runCurate(t, tt.args...)
			assert.Equal(t, ExitError, code)
			assert.Contains(t, errOut, tt.want)
		})
	}
	for path, before := range map[string][]byte{data: dataBefore, rels: relsBefore, sugg: suggBefore} {
		got, _ := os.ReadFile(path)
		assert.Equal(t, before, got, path)
	}
	assert.ElementsMatch(t, []string{"animals.jsonl", "sugg.jsonl"}, dirNames(t, dir))
}

// suggest --out refuses to replace a file (a reviewer's edits) unless
// --force, and fails before its passes when the output cannot be written,
// naming the path as given.
func TestSuggestOutChecks(t *testing.T) {
	data, _ := synthFiles(t, 0)
	out := filepath.Join(t.TempDir(), "neg.jsonl")
	require.NoError(t, os.WriteFile(out, []byte("reviewed\n"), 0o644))
	code, _, errOut := runCurate(t, "suggest", data, "--out", out)
	assert.Equal(t, ExitError, code)
	assert.Contains(t, errOut, out+" exists")
	assert.Contains(t, errOut, "--force")
	got, _ := os.ReadFile(out)
	assert.Equal(t, "reviewed\n", string(got))
	code, _, errOut = runCurate(t, "suggest", data, "--out", out, "--force")
	require.Equal(t, ExitOK, code, errOut)

	missing := filepath.Join("no", "such", "dir", "x.jsonl")
	code, _, errOut = runCurate(t, "suggest", data, "--out", missing)
	assert.Equal(t, ExitError, code)
	assert.Contains(t, errOut, missing)
	assert.NotContains(t, errOut, ".tmp")
	assert.NotContains(t, errOut, "suggestions to", "failed before the passes")

	code, _, errOut = runCurate(t, "synth", "--inputs", "10", "--out", missing)
	assert.Equal(t, ExitError, code)
	assert.Contains(t, errOut, missing)
	code, _, errOut = runCurate(t, "synth", "--inputs", "10", "--out", out+".x", "--csv-out", out+".x")
	assert.Equal(t, ExitError, code)
	assert.True(t, strings.Contains(errOut, "two outputs"), errOut)
}
