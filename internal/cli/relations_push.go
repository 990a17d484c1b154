package cli

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"curate.dev/clarifai"
	"curate.dev/dataset"
)

// RelationsPushOptions are the flags of `curate relations push`.
type RelationsPushOptions struct {
	IO       *IOStreams
	Factory  *Factory
	File     string
	To       string
	DryRun   bool
	Clarifai ClarifaiFlags
}

func newCmdRelationsPush(f *Factory, runF func(*RelationsPushOptions) error) *cobra.Command {
	opts := &RelationsPushOptions{IO: f.IO, Factory: f}
	cmd := &cobra.Command{
		Use:   "push FILE --to clarifai://USER_ID/APP_ID [--dry-run]",
		Short: "Post confirmed concept relations to a Clarifai app",
		Long: `push posts the concept relations in FILE (ConceptRelation JSON or JSONL, such
as the file curate relations infer writes, once a person has confirmed it and
deleted the wrong lines) to a Clarifai app, with PostConceptRelations.
Relations the app already holds, in either direction, are left alone, so a
rerun posts nothing new. --dry-run lists the app's relations and prints what
would be posted, writing nothing: run it first. The key comes from
$CLARIFAI_PAT or --pat-file.`,
		Example: `  curate relations infer animals.jsonl --out relations.jsonl
  # review relations.jsonl, delete the lines that are wrong, then:
  CLARIFAI_PAT=… curate relations push relations.jsonl --to clarifai://me/animals --dry-run
  CLARIFAI_PAT=… curate relations push relations.jsonl --to clarifai://me/animals`,
		Args: requireArgs(1, "FILE"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.File = args[0]
			if opts.To == "" {
				return flagErrorf("relations push: --to clarifai://USER_ID/APP_ID is required")
			}
			if !clarifai.IsAppURL(opts.To) {
				return flagErrorf("--to: want clarifai://USER_ID/APP_ID, got %q", opts.To)
			}
			if runF != nil {
				return runF(opts)
			}
			return relationsPushRun(cmd.Context(), opts)
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&opts.To, "to", "", "the Clarifai app to post to, clarifai://`USER_ID/APP_ID`")
	fs.BoolVar(&opts.DryRun, "dry-run", false, "print what would be posted and write nothing")
	addClarifaiFlags(fs, &opts.Clarifai)
	return cmd
}

func relationsPushRun(ctx context.Context, opts *RelationsPushOptions) error {
	f, err := os.Open(opts.File)
	if err != nil {
		return err
	}
	rels, err := dataset.ReadRelations(ctx, f, filepath.Base(opts.File))
	f.Close()
	if err != nil {
		return err
	}
	c, err := dialClarifai(ctx, opts.Factory.Getenv, opts.IO.ErrOut, opts.To, opts.Clarifai)
	if err != nil {
		return err
	}
	defer c.Close()
	if opts.DryRun {
		plan, err := c.PlanRelations(ctx, rels)
		if err != nil {
			return err
		}
		fmt.Fprintf(opts.IO.Out, "would post %d relation(s) to %s (%d already there):\n", len(plan.Missing), opts.To, plan.Present)
		for _, r := range plan.Missing {
			fmt.Fprintf(opts.IO.Out, "  %s %s %s\n", r.Subject, r.Predicate, r.Object)
		}
		return nil
	}
	plan, err := c.PostRelations(ctx, rels)
	if err != nil {
		return fmt.Errorf("relations push: %w", err)
	}
	fmt.Fprintf(opts.IO.ErrOut, "%s: %d relation(s) posted, %d already there\n", opts.To, len(plan.Missing), plan.Present)
	return nil
}
