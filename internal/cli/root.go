// Package cli implements the curate command line: one file per command,
// each parsing flags into an options struct and calling the library.
package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"
)

// ExitCode is the process exit status.
type ExitCode int

const (
	ExitOK    ExitCode = 0 // success
	ExitError ExitCode = 1 // the job failed (bad data, I/O, a --fail-on status)
	ExitUsage ExitCode = 2 // the command line was wrong
)

// FlagError is a mistake on the command line; it exits with ExitUsage and
// prints the error and where to find the usage (not the whole help, which
// would scroll the one useful line away).
type FlagError struct{ Err error }

func (e *FlagError) Error() string { return e.Err.Error() }
func (e *FlagError) Unwrap() error { return e.Err }

func flagErrorf(format string, a ...any) error {
	return &FlagError{Err: fmt.Errorf(format, a...)}
}

// ExitError carries an exit code for a failure that has already been
// explained to the user (for example a report whose --fail-on matched).
type exitError struct {
	Code ExitCode
	Err  error
}

func (e *exitError) Error() string { return e.Err.Error() }
func (e *exitError) Unwrap() error { return e.Err }

// Factory holds what commands share: the streams and the environment.
type Factory struct {
	IO *IOStreams
	// Getenv reads the environment (os.Getenv outside tests).
	Getenv func(string) string
}

// NewRootCmd builds the command tree.
func NewRootCmd(f *Factory) *cobra.Command {
	root := &cobra.Command{
		Use:   "curate",
		Short: "Curate classifier training data: balance, negatives, write-back, export",
		Long: `curate loads inputs and their concept annotations (Clarifai JSON/JSONL,
CSV, Open Images labels, or a Clarifai app), reports the balance of positives
to negatives per concept, suggests negatives for overlapping classes, writes
the chosen annotations back and exports training-ready Parquet.`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetIn(f.IO.In)
	root.SetOut(f.IO.Out)
	root.SetErr(f.IO.ErrOut)
	root.SetFlagErrorFunc(flagParseError)
	addProfileFlag(root)
	addMemoryFlag(root)
	root.AddCommand(
		NewCmdReport(f, nil),
		NewCmdOverlap(f, nil),
		NewCmdSuggest(f, nil),
		NewCmdRelations(f, nil),
		NewCmdReview(f, nil),
		NewCmdApply(f, nil),
		NewCmdExport(f, nil),
		NewCmdPull(f, nil),
		NewCmdPush(f, nil),
		NewCmdSynth(f, nil),
	)
	return root
}

// Main runs curate with the process's arguments and streams.
func Main() ExitCode {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	f := &Factory{IO: System(), Getenv: os.Getenv}
	return Run(ctx, f, os.Args[1:])
}

// Run executes one command line and reports errors on f.IO.ErrOut.
func Run(ctx context.Context, f *Factory, args []string) ExitCode {
	root := NewRootCmd(f)
	root.SetArgs(args)
	cmd, err := root.ExecuteContextC(ctx)
	if err == nil {
		return ExitOK
	}
	var fe *FlagError
	var ee *exitError
	switch {
	case errors.As(err, &fe) || isCobraUsageError(err):
		fmt.Fprintf(f.IO.ErrOut, "curate: %v\n%s\n", err, usageHint(cmd))
		return ExitUsage
	case errors.As(err, &ee):
		if ee.Err != nil {
			fmt.Fprintf(f.IO.ErrOut, "curate: %v\n", ee.Err)
		}
		return ee.Code
	}
	fmt.Fprintf(f.IO.ErrOut, "curate: %v\n", err)
	return ExitError
}
