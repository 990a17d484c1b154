package cli

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

// parseFlags builds a command with newCmd and runs it on args, with a runF
// that only captures the options: the first of cli/cli's two test layers.
// It returns the options (nil when the command failed before its run) and
// the error.
func parseFlags[O any](t *testing.T, f *Factory, newCmd func(*Factory, func(*O) error) *cobra.Command, args string) (*O, error) {
	t.Helper()
	var got *O
	cmd := newCmd(f, func(o *O) error { got = o; return nil })
	cmd.SetArgs(strings.Fields(args))
	cmd.SetOut(&bytes.Buffer{})
	cmd.SetErr(&bytes.Buffer{})
	return got, cmd.ExecuteContext(context.Background())
}
