package cli

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A usage error prints the error and where the help is: two lines, not the
// whole help, with no Go parser wording and one "curate:" prefix.
func TestUsageErrors(t *testing.T) {
	tests := []struct {
		name string
		args string
		want string
	}{
		{name: "missing source", args: "report", want: "curate: missing SOURCE\nRun 'curate report --help' for usage.\n"},
		{name: "not a number", args: "report a.jsonl --ratio abc", want: "curate: --ratio: want a number, got \"abc\"\nRun 'curate report --help' for usage.\n"},
		{name: "not a whole number", args: "overlap a.jsonl --top 1.5", want: "curate: --top: want a whole number, got \"1.5\"\nRun 'curate overlap --help' for usage.\n"},
		{name: "not a seed", args: "export a.jsonl --out o --seed -1", want: "curate: --seed: want a whole number from 0 up, got \"-1\"\nRun 'curate export --help' for usage.\n"},
		{name: "not a bool", args: "report a.jsonl --json=maybe", want: "curate: --json: want true or false, got \"maybe\"\nRun 'curate report --help' for usage.\n"},
		{name: "unknown flag", args: "suggest a.jsonl --nope", want: "curate: unknown flag: --nope\nRun 'curate suggest --help' for usage.\n"},
		{name: "flag without value", args: "report a.jsonl --top", want: "curate: flag needs an argument: --top\nRun 'curate report --help' for usage.\n"},
		{name: "unknown command", args: "reprot a.jsonl", want: "curate: unknown command \"reprot\" for \"curate\"\n\nDid you mean this?\n\treport\n\nRun 'curate --help' for usage.\n"},
		{name: "validation in the command", args: "report a.jsonl --sort size", want: "curate: --sort: unknown key \"size\" (want name, positives, negatives, ratio or status)\nRun 'curate report --help' for usage.\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ios, _, out, errOut := Test()
			code := Run(context.Background(), &Factory{IO: ios, Getenv: func(string) string { return "" }}, strings.Fields(tt.args))
			assert.Equal(t, ExitUsage, code)
			assert.Equal(t, tt.want, errOut.String())
			assert.Empty(t, out.String())
		})
	}
}

// TestProfileFlags: --cpuprofile and --memprofile write gzip-compressed
// pprof profiles that go tool pprof reads.
func TestProfileFlags(t *testing.T) {
	dir := writeFiles(t, map[string]string{"data.jsonl": `{"id":"a","data":{"concepts":[{"id":"dog","value":1}]}}` + "\n"})
	cpu, heap := filepath.Join(dir, "cpu.prof"), filepath.Join(dir, "mem.prof")
	f, _, out, errOut := testFactory()
	code := Run(context.Background(), f, []string{"report", filepath.Join(dir, "data.jsonl"), "--cpuprofile", cpu, "--memprofile", heap})
	require.Equal(t, ExitOK, code, errOut.String())
	assert.Contains(t, out.String(), "dog")
	for _, p := range []string{cpu, heap} {
		b, err := os.ReadFile(p)
		require.NoError(t, err)
		require.Greater(t, len(b), 2, p)
		assert.Equal(t, []byte{0x1f, 0x8b}, b[:2], "%s is not a gzip-compressed profile", p)
	}
}
