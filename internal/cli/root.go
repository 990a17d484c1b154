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
	// ExitInterrupted is 128+SIGINT, the shell's status for a command
	// stopped by Ctrl-C; SIGTERM gives 128+15.
	ExitInterrupted ExitCode = 130
)

// signalError is why the run's context was cancelled: a signal.
type signalError struct{ sig syscall.Signal }

func (e *signalError) Error() string {
	if e.sig == syscall.SIGTERM {
		return "terminated"
	}
	return "interrupted"
}

func (e *signalError) code() ExitCode { return ExitCode(128 + int(e.sig)) }

// notifySignals returns a context cancelled, with a *signalError cause,
// at the first SIGINT or SIGTERM. After that first signal the default
// handling is restored, so a second Ctrl-C stops the process at once
// should the cleanup hang.
func notifySignals(parent context.Context) (context.Context, func()) {
	ctx, cancel := context.WithCancelCause(parent)
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, os.Interrupt, syscall.SIGTERM)
	go func() {
		select {
		case s := <-ch:
			signal.Stop(ch)
			sig, _ := s.(syscall.Signal)
			cancel(&signalError{sig: sig})
		case <-ctx.Done():
		}
	}()
	return ctx, func() { signal.Stop(ch); cancel(nil) }
}

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
		Version:       version(nil),
	}
	root.SetVersionTemplate("curate {{.Version}}\n")
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
	ctx, stop := notifySignals(context.Background())
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
	var se *signalError
	switch {
	case ctx.Err() != nil && errors.As(context.Cause(ctx), &se):
		// Whatever the command made of the cancellation ("context
		// canceled" somewhere down), the user stopped it; its cleanup
		// (temporary files, locks) has run by now.
		fmt.Fprintf(f.IO.ErrOut, "curate: %v\n", se)
		return se.code()
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
