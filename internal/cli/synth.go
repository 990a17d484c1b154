package cli

import (
	"context"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"curate.dev/internal/atomicfile"
	"curate.dev/internal/synth"
)

// SynthOptions are the flags of `curate synth`.
type SynthOptions struct {
	IO     *IOStreams
	Config synth.Config
	Flat   bool
	Preset string

	Out           string
	RelationsOut  string
	TruthOut      string
	CSVOut        string
	OpenImagesOut string
}

// NewCmdSynth builds `curate synth`. runF replaces synthRun in tests.
func NewCmdSynth(f *Factory, runF func(*SynthOptions) error) *cobra.Command {
	opts := &SynthOptions{IO: f.IO}
	d := synth.DefaultConfig()
	c := &opts.Config
	cmd := &cobra.Command{
		Use:   "synth --out FILE [flags]",
		Short: "Generate a synthetic dataset with a hidden ground truth",
		Long: `synth generates a deterministic synthetic world: inputs whose true classes
come in groups of similar classes (dog, wolf, husky, fox, coyote), with a
hierarchy and context concepts, of which the written data shows only part
(some positives, few negatives, some omitted values, rare conflicts). The
same flags always give byte-identical files.

--out writes Clarifai JSONL, --csv-out the long CSV form, --openimages-out an
Open Images label file, --relations-out the hierarchy as ConceptRelation
JSONL and --truth-out the hidden truth. Files are replaced atomically; "-"
writes to standard output. --classes 0 is the default world of 11 animal
and vehicle classes; a rate of -1 turns that kind of label off.`,
		Example: `  curate synth --inputs 200 --dim 8 --out animals.jsonl --relations-out relations.jsonl
  curate synth --preset bench --inputs 1000000 --out synth-1m.jsonl`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if opts.Out == "" && opts.RelationsOut == "" && opts.TruthOut == "" && opts.CSVOut == "" && opts.OpenImagesOut == "" {
				return flagErrorf("synth: nothing to write: give --out or another --*-out flag")
			}
			if c.Inputs < 1 {
				return flagErrorf("--inputs: want at least 1, got %d", c.Inputs)
			}
			if c.Concepts < 0 || (c.Concepts > 0 && c.Concepts < 3) {
				return flagErrorf("--classes: want 0 (the default world) or at least 3, got %d", c.Concepts)
			}
			if c.Contexts < 1 || c.Contexts > 64 {
				return flagErrorf("--contexts: want 1 to 64, got %d", c.Contexts)
			}
			if c.EmbeddingDim < 0 {
				return flagErrorf("--dim: want at least 0, got %d", c.EmbeddingDim)
			}
			c.WithRelations = !opts.Flat
			switch opts.Preset {
			case "default":
			case "bench":
				// The preset's values, except where a flag says otherwise.
				b := synth.BenchConfig(c.Inputs)
				b.Seed, b.EmbeddingDim, b.WithRelations = c.Seed, c.EmbeddingDim, c.WithRelations
				set := func(name string, dst *float64, v float64) {
					if !cmd.Flags().Changed(name) {
						*dst = v
					}
				}
				if !cmd.Flags().Changed("classes") && !cmd.Flags().Changed("concepts") {
					c.Concepts = b.Concepts
				}
				if !cmd.Flags().Changed("contexts") {
					c.Contexts = b.Contexts
				}
				set("parent-rate", &c.ParentRate, b.ParentRate)
				set("context-prob", &c.ContextProb, b.ContextProb)
				set("context-rate", &c.ContextRate, b.ContextRate)
			default:
				return flagErrorf("--preset: want default or bench, got %q", opts.Preset)
			}
			if err := c.Validate(); err != nil {
				return flagErrorf("%v", err)
			}
			if runF != nil {
				return runF(opts)
			}
			return synthRun(cmd.Context(), opts)
		},
	}
	fs := cmd.Flags()
	fs.Uint64Var(&c.Seed, "seed", d.Seed, "random `seed`; the same flags always give the same files")
	fs.IntVar(&c.Inputs, "inputs", d.Inputs, "number of inputs")
	fs.IntVar(&c.Concepts, "classes", 0, "number of classes, in groups of 3-8 (0: the default animal/vehicle world)")
	// --concepts names concepts (ids or names) everywhere else.
	fs.IntVar(&c.Concepts, "concepts", 0, "same as --classes")
	_ = fs.MarkDeprecated("concepts", "use --classes")
	fs.IntVar(&c.Contexts, "contexts", d.Contexts, "number of context concepts (grass, snow, indoors, ctx-04, ...)")
	fs.IntVar(&c.EmbeddingDim, "dim", 0, "embedding dimension (0: no embeddings)")
	fs.StringVar(&opts.Preset, "preset", "default", "`name` of a starting point: default (the animal world) or bench (50 classes, 16 contexts, about 8 annotations per input); other flags override it")
	fs.BoolVar(&opts.Flat, "flat", false, "no hierarchy: no parent concepts and no relations")
	fs.Float64Var(&c.PositiveRate, "positive-rate", d.PositiveRate, "probability that an input's class is labelled positive")
	fs.Float64Var(&c.OmittedRate, "omitted-rate", d.OmittedRate, "probability that a positive omits its value")
	fs.Float64Var(&c.ParentRate, "parent-rate", d.ParentRate, "probability that each true parent is labelled positive")
	fs.IntVar(&c.Synonyms, "synonyms", 0, "number of classes that also go by a second name (automobile for car)")
	fs.Float64Var(&c.ParentOnlyRate, "parent-only-rate", 0, "probability that a class positive names its direct parent instead")
	fs.Float64Var(&c.NoiseRate, "noise-rate", 0, "probability that a class positive names another class of its group (a wrong positive)")
	fs.Float64Var(&c.ContextProb, "context-prob", d.ContextProb, "probability that each context concept is true")
	fs.Float64Var(&c.ContextRate, "context-rate", d.ContextRate, "probability that a true context concept is labelled positive")
	fs.Float64Var(&c.NegativeRate, "negative-rate", d.NegativeRate, "probability that an input has an explicit (true) negative")
	fs.Float64Var(&c.SiblingNegativeShare, "sibling-share", d.SiblingNegativeShare, "share of negatives naming a similar class of the same group")
	fs.Float64Var(&c.ConflictRate, "conflict-rate", d.ConflictRate, "probability of a second annotator contradicting the class positive")
	fs.Float64Var(&c.ModelRate, "model-rate", d.ModelRate, "probability of a model annotation with scores")
	fs.Float64Var(&c.DuplicateRate, "duplicate-rate", d.DuplicateRate, "probability that an input is a near-duplicate of the previous one")
	fs.StringVar(&opts.Out, "out", "", "write the inputs as Clarifai JSONL to `FILE`")
	fs.StringVar(&opts.RelationsOut, "relations-out", "", "write the hierarchy as ConceptRelation JSONL to `FILE`")
	fs.StringVar(&opts.TruthOut, "truth-out", "", "write the hidden truth as JSONL to `FILE`")
	fs.StringVar(&opts.CSVOut, "csv-out", "", "write the annotations as long-form CSV to `FILE`")
	fs.StringVar(&opts.OpenImagesOut, "openimages-out", "", "write the annotations as an Open Images label CSV to `FILE`")
	return cmd
}

func synthRun(ctx context.Context, opts *SynthOptions) error {
	if err := checkOutputs("synth", opts.Out, opts.RelationsOut, opts.TruthOut, opts.CSVOut, opts.OpenImagesOut); err != nil {
		return err
	}
	w, err := synth.New(opts.Config)
	if err != nil {
		return err
	}
	outputs := []struct {
		path  string
		write func(context.Context, io.Writer) error
	}{
		{opts.Out, w.WriteJSONL},
		{opts.RelationsOut, w.WriteRelations},
		{opts.TruthOut, w.WriteTruth},
		{opts.CSVOut, w.WriteCSV},
		{opts.OpenImagesOut, w.WriteOpenImages},
	}
	for _, o := range outputs {
		if o.path == "" {
			continue
		}
		n, err := writeOutput(ctx, opts.IO, o.path, o.write)
		if err != nil {
			return fmt.Errorf("synth: %w", err)
		}
		fmt.Fprintf(opts.IO.ErrOut, "wrote %s (%d bytes)\n", o.path, n)
	}
	return nil
}

// writeOutput writes to path atomically, or to standard output for "-".
func writeOutput(ctx context.Context, ios *IOStreams, path string, write func(context.Context, io.Writer) error) (int64, error) {
	if path == "-" {
		cw := &countingWriter{w: ios.Out}
		return cw.n, write(ctx, cw)
	}
	f, err := atomicfile.Create(path, 0o666, atomicfile.WithLock())
	if err != nil {
		return 0, err
	}
	defer f.Close()
	cw := &countingWriter{w: f}
	if err := write(ctx, cw); err != nil {
		return cw.n, fmt.Errorf("%s: %w", path, err)
	}
	return cw.n, f.Commit()
}

// checkOutputs fails, before a command does its work, when one of its
// output files cannot be written or two name the same file. "-" (standard
// output) and "" (not asked for) are skipped.
func checkOutputs(cmd string, paths ...string) error {
	var seen []string
	for _, p := range paths {
		if p == "" || p == "-" {
			continue
		}
		for _, q := range seen {
			if p == q || sameFile(p, q) {
				return fmt.Errorf("%s: %s is named as two outputs", cmd, p)
			}
		}
		seen = append(seen, p)
		if err := atomicfile.Check(p, false); err != nil {
			return fmt.Errorf("%s: %w", cmd, err)
		}
	}
	return nil
}

type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}
