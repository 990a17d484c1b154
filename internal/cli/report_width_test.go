package cli

import (
	"context"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// On a terminal the text table fits the window by leaving out the least
// needed columns, and says so; --wide keeps them; piped output is TSV
// with every column whatever the width.
func TestReportFitsTerminal(t *testing.T) {
	_, file, _, _ := runtime.Caller(0)
	root := filepath.Join(filepath.Dir(file), "..", "..")
	args := []string{"report", filepath.Join(root, "examples", "animals.jsonl"), "--relations", filepath.Join(root, "examples", "relations.jsonl")}
	run := func(tty bool, width int, extra ...string) (string, string) {
		t.Helper()
		f, ios, out, errOut := testFactory()
		ios.OutTTY, ios.Width = tty, width
		code := Run(context.Background(), f, append(args, extra...))
		require.Equal(t, ExitOK, code, errOut.String())
		return out.String(), errOut.String()
	}
	table := func(out string) []string { return strings.Split(strings.SplitN(out, "\n\n", 2)[0], "\n") }

	wide, errWide := run(true, 0)
	assert.NotContains(t, errWide, "--wide")
	for _, col := range []string{"CONCEPT", "NAME", "POSITIVES", "NEGATIVES", "CONFLICTS", "IMPLIED NEG", "UNKNOWN", "IMPLICIT", "RATIO", "STATUS", "+POS VIA REL", "+NEG VIA REL"} {
		require.Contains(t, table(wide)[0], col, "every column with no width limit")
	}

	for _, width := range []int{80, 100, 60} {
		out, errOut := run(true, width)
		for _, line := range table(out) {
			assert.LessOrEqual(t, utf8.RuneCountInString(line), width, "%d columns: %q", width, line)
		}
		head := table(out)[0]
		for _, col := range []string{"CONCEPT", "POSITIVES", "NEGATIVES", "RATIO", "STATUS"} {
			assert.Contains(t, head, col, "always shown")
		}
		assert.Contains(t, errOut, "left out to fit")
		assert.Contains(t, errOut, "--wide shows them")
		assert.Equal(t, strings.SplitN(wide, "\n\n", 2)[1], strings.SplitN(out, "\n\n", 2)[1], "the same summary")
	}
	out80, err80 := run(true, 80)
	assert.Equal(t, "CONCEPT  NAME     POSITIVES  NEGATIVES  CONFLICTS  RATIO  STATUS", table(out80)[0])
	assert.Contains(t, err80, "curate: IMPLICIT, UNKNOWN, +NEG VIA REL, +POS VIA REL, IMPLIED NEG left out to fit 80 columns")

	forced, errForced := run(true, 80, "--wide")
	assert.Equal(t, wide, forced)
	assert.NotContains(t, errForced, "left out to fit")

	piped, errPiped := run(false, 0)
	assert.Len(t, strings.Split(strings.SplitN(piped, "\n", 2)[0], "\t"), 12, "TSV keeps every column")
	assert.NotContains(t, errPiped, "left out to fit")
}
