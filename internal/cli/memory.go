package cli

import (
	"fmt"
	"runtime/debug"

	"github.com/dustin/go-humanize"
	"github.com/spf13/cobra"
)

// addMemoryFlag adds --memory-limit SIZE to every command: the Go
// runtime's soft memory limit (the GOMEMLIMIT convention; the flag wins
// over the variable). The garbage collector works harder as the heap nears
// it, and the passes whose state grows with the inputs (the report's
// label.Stream) keep less in memory and spill more to a temporary file.
func addMemoryFlag(root *cobra.Command) {
	var limit string
	root.PersistentFlags().StringVar(&limit, "memory-limit", "", "soft memory `SIZE` (e.g. 2GiB, 500MB; default: GOMEMLIMIT, else none)")
	prev := root.PersistentPreRunE
	root.PersistentPreRunE = func(cmd *cobra.Command, args []string) error {
		if limit != "" {
			n, err := humanize.ParseBytes(limit)
			if err != nil || n == 0 || n > 1<<62 {
				return &FlagError{Err: fmt.Errorf("--memory-limit: want a size such as 2GiB or 500MB, got %q", limit)}
			}
			debug.SetMemoryLimit(int64(n))
		}
		if prev != nil {
			return prev(cmd, args)
		}
		return nil
	}
}
