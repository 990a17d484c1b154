package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"curate.dev/balance"
	"curate.dev/internal/atomicfile"
)

// RelationsInferOptions are the flags of `curate relations infer`.
type RelationsInferOptions struct {
	IO            *IOStreams
	Source        string
	Load          LoadOptions
	Overlap       OverlapFlags
	MinConfidence float64
	Out           string
	Force         bool
}

// NewCmdRelations builds `curate relations` and its subcommands. runF
// replaces relationsInferRun in tests.
func NewCmdRelations(f *Factory, runF func(*RelationsInferOptions) error) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "relations",
		Short: "Concept relations the data implies",
		Args:  cobra.NoArgs,
	}
	cmd.AddCommand(newCmdRelationsInfer(f, runF))
	cmd.AddCommand(newCmdRelationsPush(f, nil))
	return cmd
}

func newCmdRelationsInfer(f *Factory, runF func(*RelationsInferOptions) error) *cobra.Command {
	opts := &RelationsInferOptions{IO: f.IO}
	cmd := &cobra.Command{
		Use:   "infer SOURCE --out FILE [flags]",
		Short: "Infer likely sub-types and synonyms, with their evidence",
		Long: `infer estimates which concepts are likely kinds of others (hyponym) or other
names for them (synonym), from how often they are labelled together (a kind's
positives are often also its parent's, rarely the reverse), from one-sided
negatives (a parent's positives are marked "not wolf", a wolf's never "not
canine"), and from embeddings (a kind's positives lie inside its parent's
spread; synonyms have near-identical centroids and similar frequencies and
are never labelled together). Each relation comes with a confidence and its
evidence.

--out gets Clarifai ConceptRelation JSONL with the evidence in extra fields,
for a person to confirm, edit (delete the wrong lines) and pass back as
--relations to overlap, suggest and report; an existing FILE is kept unless
--force, since it may hold someone's edits. Pairs the --relations file
already names both concepts of are left out. curate suggest uses the same
inference, unless --no-infer, to leave these pairs out of its negatives.`,
		Example: `  curate relations infer animals.jsonl --out relations.jsonl
  curate relations infer animals.jsonl --relations confirmed.jsonl --min-confidence 0.9 --out more.jsonl`,
		Args: requireArgs(1, "SOURCE"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Source = args[0]
			if opts.Out == "" {
				return flagErrorf("relations infer: --out FILE is required (- for standard output)")
			}
			if opts.MinConfidence < 0 || opts.MinConfidence > 1 || math.IsNaN(opts.MinConfidence) {
				return flagErrorf("--min-confidence: want 0 to 1, got %v", opts.MinConfidence)
			}
			if err := opts.Overlap.validate(cmd.Flags()); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return relationsInferRun(cmd.Context(), opts)
		},
	}
	fs := cmd.Flags()
	addLoadFlags(fs, &opts.Load)
	addOverlapFlags(fs, &opts.Overlap)
	fs.Float64Var(&opts.MinConfidence, "min-confidence", balance.DefaultMinConfidence, "report relations at least this `confident` (0 to 1)")
	fs.StringVar(&opts.Out, "out", "", "write the relations as ConceptRelation JSONL to `FILE` (- for standard output)")
	fs.BoolVar(&opts.Force, "force", false, "replace an existing --out file")
	return cmd
}

// errOutExists: --out names a file that may hold someone's edits.
var errOutExists = errors.New("exists; it may hold confirmed or edited relations (use --force to replace it)")

func relationsInferRun(ctx context.Context, opts *RelationsInferOptions) error {
	if opts.Out != "-" && !opts.Force {
		if _, err := os.Stat(opts.Out); err == nil {
			return fmt.Errorf("relations infer: %s %w", opts.Out, errOutExists)
		} else if !errors.Is(err, fs.ErrNotExist) {
			return err
		}
	}
	o, err := analyzeSource(ctx, opts.IO, opts.Source, &opts.Overlap, &opts.Load)
	if err != nil {
		return err
	}
	printWarnings(opts.IO.ErrOut, o.Warnings())
	inf := balance.DefaultInferOptions()
	inf.MinConfidence = opts.MinConfidence
	rels := o.InferRelations(&inf)
	if opts.Out == "-" {
		return balance.WriteInferredRelations(opts.IO.Out, rels)
	}
	f, err := atomicfile.Create(opts.Out, 0o644)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := balance.WriteInferredRelations(f, rels); err != nil {
		return fmt.Errorf("relations infer: %s: %w", opts.Out, err)
	}
	if err := f.Commit(); err != nil {
		return fmt.Errorf("relations infer: %s: %w", opts.Out, err)
	}
	if err := writeInferredText(opts.IO, rels); err != nil {
		return err
	}
	fmt.Fprintf(opts.IO.ErrOut, "wrote %d inferred relations to %s; confirm or delete each, then pass the file as --relations\n", len(rels), opts.Out)
	return nil
}

// writeInferredText lists relations as a table (TSV when piped).
func writeInferredText(ios *IOStreams, rels []balance.InferredRelation) error {
	var w io.Writer = ios.Out
	var tw *tabwriter.Writer
	if ios.OutTTY {
		tw = tabwriter.NewWriter(ios.Out, 0, 4, 2, ' ', 0)
		w = tw
	}
	fmt.Fprintln(w, "SUBJECT\tPREDICATE\tOBJECT\tCONFIDENCE\tEVIDENCE")
	for _, r := range rels {
		fmt.Fprintf(w, "%s\t%s\t%s\t%.2f\t%s\n", r.Subject, r.Predicate, r.Object, r.Confidence, strings.Join(r.Evidence.Signals, "; "))
	}
	if tw != nil {
		return tw.Flush()
	}
	return nil
}
