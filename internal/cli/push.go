package cli

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"curate.dev/clarifai"
)

// PushOptions are the flags of `curate push`.
type PushOptions struct {
	IO      *IOStreams
	Factory *Factory
	Target  string
	Source  string
	Load    LoadOptions
	Journal string
}

// NewCmdPush builds `curate push`. runF replaces pushRun in tests.
func NewCmdPush(f *Factory, runF func(*PushOptions) error) *cobra.Command {
	opts := &PushOptions{IO: f.IO, Factory: f}
	cmd := &cobra.Command{
		Use:   "push clarifai://USER_ID/APP_ID SOURCE [flags]",
		Short: "Write a local file's labels to a Clarifai app",
		Long: `push posts the human labels of SOURCE (any file curate reads) to a Clarifai
app as input-level annotations, every value explicit, in batches of at most
128. Model and workflow scores are not pushed. Each label gets an id derived
from input, concept and value, so rerunning a push never duplicates; with
--journal an interrupted push resumes where it stopped. Failed items are
listed with their status code and the exit status is 1.

The key comes from $CLARIFAI_PAT or --pat-file.`,
		Example: `  CLARIFAI_PAT=… curate push clarifai://me/animals labels.jsonl --journal push.journal
  curate push clarifai://me/animals labels.jsonl --endpoint 127.0.0.1:50051 --insecure`,
		Args: requireArgs(2, "the app (clarifai://USER_ID/APP_ID) and SOURCE"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) > 2 {
				return flagErrorf("push: want an app and one SOURCE, got %d arguments", len(args))
			}
			opts.Target, opts.Source = args[0], args[1]
			if _, err := clarifai.ParseApp(opts.Target); err != nil {
				return flagErrorf("%v", err)
			}
			if clarifai.IsAppURL(opts.Source) {
				return flagErrorf("push: SOURCE must be a local file, got %s", opts.Source)
			}
			if runF != nil {
				return runF(opts)
			}
			return pushRun(cmd.Context(), opts)
		},
	}
	addLoadFlags(cmd.Flags(), &opts.Load)
	cmd.Flags().StringVar(&opts.Journal, "journal", "", "record confirmed annotations in `FILE` and skip those already there")
	return cmd
}

func pushRun(ctx context.Context, opts *PushOptions) error {
	labels, models, err := readLabels(ctx, opts.IO, opts.Source, &opts.Load)
	if err != nil {
		return err
	}
	if models > 0 {
		fmt.Fprintf(opts.IO.ErrOut, "%s: %d model/workflow score(s) not pushed\n", opts.Source, models)
	}
	sum, err := pushAnnotations(ctx, opts.Factory, opts.Target, opts.Load.Clarifai, labels, opts.Journal)
	printPushSummary(opts.IO.ErrOut, opts.Target, sum)
	return err
}
