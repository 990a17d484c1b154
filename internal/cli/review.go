package cli

import (
	"context"
	"fmt"
	"os/exec"
	"runtime"
	"time"

	"github.com/spf13/cobra"

	"curate.dev/balance"
	"curate.dev/dataset"
	"curate.dev/review"
)

// ReviewOptions are the flags of `curate review`.
type ReviewOptions struct {
	IO          *IOStreams
	Source      string
	Load        LoadOptions
	Labels      LabelFlags
	Suggestions string
	Decisions   string
	Ratio       float64
	Addr        string
	AllowRemote bool
	Open        bool
	// OpenBrowser opens a URL in the user's browser; nil means the
	// system's opener (xdg-open, open, or start).
	OpenBrowser func(url string) error
	// Started, when set, is called with the page's URL once it serves.
	Started func(url string)
}

// NewCmdReview builds `curate review`. runF replaces reviewRun in tests.
func NewCmdReview(f *Factory, runF func(*ReviewOptions) error) *cobra.Command {
	opts := &ReviewOptions{IO: f.IO}
	cmd := &cobra.Command{
		Use:   "review SOURCE --suggestions FILE [flags]",
		Short: "Review suggestions in a local web page: accept, reject or flip each one",
		Long: `review serves a page on which suggestions (the .jsonl file curate suggest
wrote) are reviewed: a grid of the inputs' images or texts, or one at a time,
with the keyboard (a accept, r reject, p "it is the concept", u undo, j/k
next/previous) and bulk actions; filters by concept, source concept, score
and decision; and each concept's balance before and after the decisions.

Every decision is appended to the decisions file beside the suggestions
(neg.jsonl -> neg.decisions.jsonl, or --decisions FILE) and synced before
the page shows it saved, so stopping the server at any moment loses
nothing; running review again resumes. curate apply then writes exactly
the accepted suggestions (and the flips to positive), and curate suggest
never proposes a rejected pair again.

The page listens on 127.0.0.1 with a random token in the printed URL; it
runs until interrupted (Ctrl-C). SOURCE is the dataset the suggestions are
for (a file or clarifai://USER_ID/APP_ID).`,
		Example: `  curate suggest animals.jsonl --relations relations.jsonl --out neg.jsonl
  curate review animals.jsonl --relations relations.jsonl --suggestions neg.jsonl --open
  curate apply animals.jsonl --suggestions neg.jsonl`,
		Args: requireArgs(1, "SOURCE"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Source = args[0]
			if opts.Suggestions == "" {
				return flagErrorf("review: --suggestions FILE is required")
			}
			if opts.Source == "-" {
				return flagErrorf("review: SOURCE must be a file or an app, not standard input")
			}
			if !opts.AllowRemote && !review.IsLoopback(opts.Addr) {
				return flagErrorf("--addr %s is not loopback: anyone who can reach it and learns the URL can decide; pass --allow-remote to mean it", opts.Addr)
			}
			if err := opts.Labels.validate(cmd.Flags()); err != nil {
				return err
			}
			if opts.Ratio <= 0 {
				return flagErrorf("--ratio: want a number above 0, got %v", opts.Ratio)
			}
			if runF != nil {
				return runF(opts)
			}
			return reviewRun(cmd.Context(), opts)
		},
	}
	fs := cmd.Flags()
	addLabelFlags(fs, &opts.Labels)
	addLoadFlags(fs, &opts.Load)
	fs.StringVar(&opts.Suggestions, "suggestions", "", "the suggestions `FILE` to review (.jsonl, from curate suggest)")
	fs.StringVar(&opts.Decisions, "decisions", "", "decisions `FILE` (default: beside the suggestions, NAME.decisions.jsonl)")
	fs.Float64Var(&opts.Ratio, "ratio", balance.DefaultRatio, "target negatives:positives `R`atio shown per concept")
	fs.StringVar(&opts.Addr, "addr", "127.0.0.1:0", "listen on `HOST:PORT` (port 0: any free port)")
	fs.BoolVar(&opts.AllowRemote, "allow-remote", false, "allow an --addr beyond loopback")
	fs.BoolVar(&opts.Open, "open", false, "open the page in the default browser")
	return cmd
}

func reviewRun(ctx context.Context, opts *ReviewOptions) error {
	rules, err := opts.Labels.rules(ctx)
	if err != nil {
		return fmt.Errorf("review: %w", err)
	}
	// review.Open copies every string it keeps, so buffers may be reused.
	src, err := openSource(ctx, opts.IO, opts.Source, &opts.Load, dataset.WithEmbeddingDim(-1), dataset.WithReuseBuffers(true))
	if err != nil {
		return err
	}
	sess, err := review.Open(ctx, opts.Suggestions, src.Reader, &review.Options{Decisions: opts.Decisions, Rules: rules, Ratio: opts.Ratio})
	src.Close()
	if err != nil {
		return err
	}
	defer sess.Close()
	srv, err := review.Start(ctx, sess, &review.ServerOptions{Addr: opts.Addr, AllowRemote: opts.AllowRemote})
	if err != nil {
		return err
	}
	defer srv.Close()
	if !review.IsLoopback(opts.Addr) {
		fmt.Fprintf(opts.IO.ErrOut, "warning: serving on %s, beyond loopback: anyone who can reach it and has the URL can decide\n", opts.Addr)
	}
	ds := sess.Decisions()
	fmt.Fprintf(opts.IO.ErrOut, "reviewing %d suggestions from %s (%d decided so far; decisions go to %s)\n",
		sess.Len(), opts.Suggestions, len(ds), sess.DecisionsPath())
	if n := sess.Missing(); n > 0 {
		fmt.Fprintf(opts.IO.ErrOut, "warning: %d suggested input(s) are not in %s\n", n, opts.Source)
	}
	fmt.Fprintf(opts.IO.Out, "%s\n", srv.URL())
	fmt.Fprintln(opts.IO.ErrOut, "press Ctrl-C to stop; every decision is already saved")
	if opts.Started != nil {
		opts.Started(srv.URL())
	}
	if opts.Open {
		open := opts.OpenBrowser
		if open == nil {
			open = openBrowser
		}
		if err := open(srv.URL()); err != nil {
			fmt.Fprintf(opts.IO.ErrOut, "warning: could not open a browser (%v); open the URL above\n", err)
		}
	}
	<-ctx.Done()
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return srv.Shutdown(sctx)
}

// openBrowser starts the system's URL opener without waiting for it.
func openBrowser(url string) error {
	var cmd *exec.Cmd
	switch runtime.GOOS {
	case "darwin":
		cmd = exec.Command("open", url)
	case "windows":
		cmd = exec.Command("rundll32", "url.dll,FileProtocolHandler", url)
	default:
		cmd = exec.Command("xdg-open", url)
	}
	if err := cmd.Start(); err != nil {
		return err
	}
	go cmd.Wait()
	return nil
}
