package cli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"curate.dev/clarifai"
	"curate.dev/dataset"
)

// PullOptions are the flags of `curate pull`.
type PullOptions struct {
	IO            *IOStreams
	Getenv        func(string) string
	App           string
	Out           string
	RelationsOut  string
	IncludeModels bool
	Timeout       time.Duration
	Conn          ClarifaiFlags
}

// NewCmdPull builds `curate pull`. runF replaces pullRun in tests.
func NewCmdPull(f *Factory, runF func(*PullOptions) error) *cobra.Command {
	opts := &PullOptions{IO: f.IO, Getenv: f.Getenv}
	cmd := &cobra.Command{
		Use:   "pull clarifai://USER_ID/APP_ID --out FILE [flags]",
		Short: "Download a Clarifai app's inputs and annotations as JSONL",
		Long: `pull lists every input of a Clarifai app with all its annotations and
writes them as curate's JSONL (the Clarifai HTTP shape, one input per line),
every concept value explicit: a negative is written "value":0, never left
out, so the HTTP rule that an omitted value is a positive cannot flip it.
Over gRPC an absent value is a negative, and is read as one.

Annotations made by models and workflows carry scores, not labels; they are
left out unless --include-models, which keeps them with their model id in
the "annotations" array. --relations-out writes the app's concept relations
as ConceptRelation JSONL. Files are replaced atomically; "-" is standard
output.

The key comes from $CLARIFAI_PAT or --pat-file.`,
		Example: `  CLARIFAI_PAT=… curate pull clarifai://me/animals --out animals.jsonl --relations-out relations.jsonl
  curate pull clarifai://me/animals --out - --endpoint 127.0.0.1:50051 --insecure`,
		Args: requireArgs(1, "the app (clarifai://USER_ID/APP_ID)"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) > 1 {
				return flagErrorf("pull: want one app, got %d arguments", len(args))
			}
			opts.App = args[0]
			if _, err := clarifai.ParseApp(opts.App); err != nil {
				return flagErrorf("%v", err)
			}
			if opts.Out == "" {
				return flagErrorf("pull: --out is required")
			}
			if runF != nil {
				return runF(opts)
			}
			return pullRun(cmd.Context(), opts)
		},
	}
	fs := cmd.Flags()
	fs.StringVarP(&opts.Out, "out", "o", "", "write the inputs and annotations as JSONL to `FILE` (\"-\": standard output)")
	fs.StringVar(&opts.RelationsOut, "relations-out", "", "write the concept relations as JSONL to `FILE`")
	fs.BoolVar(&opts.IncludeModels, "include-models", false, "keep annotations made by models and workflows (scores) too")
	fs.DurationVar(&opts.Timeout, "timeout", 0, "give up after `D` in all (0: no limit)")
	addClarifaiFlags(fs, &opts.Conn)
	return cmd
}

func pullRun(ctx context.Context, opts *PullOptions) error {
	if err := checkOutputs("pull", opts.Out, opts.RelationsOut); err != nil {
		return err
	}
	ctx, cancel, timedOut := withTimeout(ctx, opts.Timeout)
	defer cancel()
	return timedOut(pull(ctx, opts))
}

func pull(ctx context.Context, opts *PullOptions) error {
	c, err := connectClarifai(ctx, &Factory{IO: opts.IO, Getenv: opts.Getenv}, opts.App, opts.Conn)
	if err != nil {
		return err
	}
	defer c.Close()
	popts := clarifai.PullOptions{IncludeModels: opts.IncludeModels}
	if opts.IO.ErrTTY {
		bar := pullBar(opts.IO, opts.App)
		defer bar.Close()
		popts.Progress = func(n int64) { bar.Set64(n) }
	}
	p := c.Pull(ctx, popts)
	defer p.Close()
	err = writeBuffered(ctx, opts.IO, opts.Out, func(w io.Writer) error {
		for {
			var in dataset.Input
			err := p.Next(&in)
			if errors.Is(err, io.EOF) {
				return nil
			}
			if err != nil {
				return err
			}
			if err := dataset.WriteInputJSONL(w, &in); err != nil {
				return err
			}
		}
	})
	if err != nil {
		return err
	}
	crossCheckCounts(ctx, opts.IO.ErrOut, opts.App, c, p)
	st := p.Stats()
	fmt.Fprintf(opts.IO.ErrOut, "%s: %d inputs, %d annotations", opts.App, st.Inputs, st.Annotations)
	if st.ModelLeftOut > 0 {
		fmt.Fprintf(opts.IO.ErrOut, " (%d model and workflow score(s) left out; --include-models keeps them)", st.ModelLeftOut)
	}
	fmt.Fprintln(opts.IO.ErrOut)
	if opts.RelationsOut == "" {
		return nil
	}
	rels, err := c.Relations(ctx)
	if err != nil {
		return err
	}
	err = writeBuffered(ctx, opts.IO, opts.RelationsOut, func(w io.Writer) error {
		for _, r := range rels {
			if err := dataset.WriteRelationJSONL(w, r); err != nil {
				return err
			}
		}
		return nil
	})
	if err == nil {
		fmt.Fprintf(opts.IO.ErrOut, "%s: %d concept relations\n", opts.App, len(rels))
	}
	return err
}

// writeBuffered writes path atomically ("-": standard output) through a
// buffer.
func writeBuffered(ctx context.Context, ios *IOStreams, path string, write func(io.Writer) error) error {
	_, err := writeOutput(ctx, ios, path, func(_ context.Context, w io.Writer) error {
		bw := bufio.NewWriterSize(w, 1<<20)
		if err := write(bw); err != nil {
			return err
		}
		return bw.Flush()
	})
	return err
}
