package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"
	"github.com/spf13/cobra"

	"curate.dev/balance"
	"curate.dev/dataset"
	"curate.dev/export"
	"curate.dev/internal/atomicfile"
	"curate.dev/review"
	"curate.dev/writeback"
)

// SuggestOptions are the flags of `curate suggest`.
type SuggestOptions struct {
	IO            *IOStreams
	Source        string
	Load          LoadOptions
	Overlap       OverlapFlags
	Ratio         float64
	MaxPerConcept int
	Seed          int64
	NoInfer       bool
	Out           string
	OutFormat     string // jsonl, csv or parquet, from Out's extension
	Force         bool   // replace an existing --out
	// Decisions is the decisions file of an earlier review; "" means the
	// one beside Out.
	Decisions string
}

// suggestFormat maps an output file name to its format.
func suggestFormat(path string) (string, error) {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".jsonl", ".ndjson":
		return "jsonl", nil
	case ".csv":
		return "csv", nil
	case ".parquet":
		return "parquet", nil
	}
	return "", flagErrorf("--out: want a .jsonl, .csv or .parquet file, got %q", path)
}

// NewCmdSuggest builds `curate suggest`. runF replaces suggestRun in tests.
func NewCmdSuggest(f *Factory, runF func(*SuggestOptions) error) *cobra.Command {
	opts := &SuggestOptions{IO: f.IO}
	cmd := &cobra.Command{
		Use:   "suggest SOURCE --out FILE [flags]",
		Short: "Suggest safe, hard negatives for concepts short of them",
		Long: `suggest finds, for each concept with fewer negatives than --ratio times its
positives, inputs that are safe and useful negatives: inputs positive for an
overlapping concept (similar embeddings, annotator confusions, or a sibling
in the --relations hierarchy) that is never, or more rarely than
--cooccur-threshold, seen together with it; with no annotation for the
concept; not positive for anything related to it or co-occurring with it;
and not in conflict. The hardest (closest to the concept's embedding
centroid) come first, spread across the source concepts.

Each suggestion says why. --out takes .jsonl (one suggestion per line, the
file curate apply reads after review), .csv or .parquet, written atomically.
A per-concept summary is printed. With embeddings SOURCE is read twice, so
it must be a file, not standard input.`,
		Example: `  curate suggest animals.jsonl --relations relations.jsonl --out negatives.jsonl
  curate suggest animals.jsonl --ratio 0.5 --max-per-concept 200 --seed 7 --out negatives.csv`,
		Args: requireArgs(1, "SOURCE"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Source = args[0]
			if opts.Out == "" {
				return flagErrorf("suggest: --out FILE is required")
			}
			format, err := suggestFormat(opts.Out)
			if err != nil {
				return err
			}
			opts.OutFormat = format
			if opts.Ratio <= 0 || math.IsNaN(opts.Ratio) || math.IsInf(opts.Ratio, 0) {
				return flagErrorf("--ratio: want a number above 0, got %v", opts.Ratio)
			}
			if opts.MaxPerConcept < 0 {
				return flagErrorf("--max-per-concept: want 0 (no cap) or more, got %d", opts.MaxPerConcept)
			}
			if err := opts.Overlap.validate(cmd.Flags()); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return suggestRun(cmd.Context(), opts)
		},
	}
	fs := cmd.Flags()
	addLoadFlags(fs, &opts.Load)
	addOverlapFlags(fs, &opts.Overlap)
	fs.Float64Var(&opts.Ratio, "ratio", balance.DefaultRatio, "target negatives:positives `R`atio per concept")
	fs.IntVar(&opts.MaxPerConcept, "max-per-concept", 1000, "at most `N` suggestions per concept (0: no cap)")
	fs.Int64Var(&opts.Seed, "seed", 0, "`seed` for breaking ties; the same seed gives the same suggestions")
	fs.BoolVar(&opts.NoInfer, "no-infer", false, "do not leave out concepts the data suggests are sub-types, parents or synonyms, nor inputs closer to the concept than to their own labels")
	fs.StringVar(&opts.Out, "out", "", "write suggestions to `FILE` (.jsonl, .csv or .parquet)")
	fs.BoolVar(&opts.Force, "force", false, "replace --out if it exists (it may hold a reviewer's edits)")
	fs.StringVar(&opts.Decisions, "decisions", "", "decisions `FILE` of an earlier review (default: beside --out, NAME.decisions.jsonl): rejected pairs are never suggested again, decided ones are kept")
	return cmd
}

// errStdinTwice: embeddings need a second pass that standard input cannot give.
var errStdinTwice = errors.New("suggest: the source has embeddings and is read twice; give a file, not standard input")

// checkOut fails before any work when --out would replace an input of
// the run or someone's edits, or cannot be written. An --out that was
// reviewed (its decisions file has decisions) is merged with the review,
// not lost, and may be replaced.
func (opts *SuggestOptions) checkOut(ctx context.Context) error {
	for _, in := range []struct{ what, path string }{{"the source", opts.Source}, {"the relations file", opts.Overlap.Labels.Relations}} {
		if in.path != "" && sameFile(opts.Out, in.path) {
			return fmt.Errorf("suggest: --out %s is %s; name another file", opts.Out, in.what)
		}
	}
	force := opts.Force
	if !force {
		ds, err := review.ReadDecisionsFile(ctx, opts.decisionsPath())
		if err != nil {
			return fmt.Errorf("suggest: %w", err)
		}
		force = len(ds) > 0
	}
	if _, err := os.Lstat(opts.Out); err == nil && !force {
		return fmt.Errorf("suggest: %s exists (a reviewer may have edited it); --force replaces it", opts.Out)
	}
	if err := atomicfile.Check(opts.Out, force); err != nil {
		return fmt.Errorf("suggest: %w%s", err, forceHint(err))
	}
	return nil
}

func suggestRun(ctx context.Context, opts *SuggestOptions) error {
	if err := opts.checkOut(ctx); err != nil {
		return err
	}
	ov, err := opts.Overlap.options(ctx)
	if err != nil {
		return err
	}
	// Suggest releases each reader it opens; the extra reference taken
	// here keeps the file open until the deferred Close.
	var opened []*source
	defer func() {
		for _, s := range opened {
			s.Close()
		}
	}()
	open := func(ctx context.Context) (*dataset.Reader, error) {
		if len(opened) > 0 && opts.Source == "-" {
			return nil, errStdinTwice
		}
		// Embeddings take a second pass, known only once the first
		// has seen them: "pass 1", then "pass 2/2".
		opts.Load.pass = passLabel(len(opened)+1, len(opened)+1)
		if len(opened) == 0 {
			opts.Load.pass = passLabel(1, 0)
		}
		src, err := openSource(ctx, opts.IO, opts.Source, &opts.Load)
		if err != nil {
			return nil, err
		}
		src.Reader.Retain()
		opened = append(opened, src)
		return src.Reader, nil
	}
	sopts := &balance.SuggestOptions{Ratio: opts.Ratio, MaxPerConcept: opts.MaxPerConcept, Seed: opts.Seed,
		NoInferredVetoes: opts.NoInfer, NoMargin: opts.NoInfer}
	kept, err := reviewedSuggestions(ctx, opts, sopts)
	if err != nil {
		return err
	}
	res, err := balance.Suggest(ctx, open, ov, sopts)
	if err != nil {
		return err
	}
	res.Suggestions = append(kept, res.Suggestions...)
	printWarnings(opts.IO.ErrOut, res.Warnings)
	if opts.Source != "-" {
		src, err := openSource(ctx, opts.IO, opts.Source, &opts.Load, dataset.WithEmbeddingDim(-1))
		if err != nil {
			return err
		}
		err = res.AddMedia(ctx, src.Reader)
		src.Close()
		if err != nil {
			return fmt.Errorf("suggest: %w", err)
		}
	}
	var from *writeback.Source
	if opts.OutFormat == "jsonl" && opts.Source != "-" {
		// Record the source, so apply can tell a suggestions file made
		// from another dataset.
		s, err := fingerprint(ctx, opts.Source)
		if err != nil {
			return fmt.Errorf("suggest: %w", err)
		}
		from = &s
	}
	f, err := atomicfile.Create(opts.Out, 0o666, atomicfile.WithLock(), atomicfile.WithForce(opts.Force || sopts.Exclude != nil))
	if err != nil {
		return fmt.Errorf("suggest: %w", err)
	}
	defer f.Close()
	switch opts.OutFormat {
	case "csv":
		err = res.WriteCSV(f)
	case "parquet":
		err = writeSuggestionsParquet(ctx, f, res)
	default:
		if from != nil {
			err = writeback.WriteSource(f, *from)
		}
		if err == nil {
			err = res.WriteJSONL(f)
		}
	}
	if err == nil {
		err = f.Commit()
	}
	if err != nil {
		return fmt.Errorf("suggest: %w", err)
	}
	if err := writeSuggestSummary(opts.IO, res); err != nil {
		return err
	}
	printInferNote(opts.IO.ErrOut, res)
	fmt.Fprintf(opts.IO.ErrOut, "wrote %d suggestions to %s (%d pass(es) over %s)\n", len(res.Suggestions), opts.Out, res.Passes, opts.Source)
	return nil
}

// fingerprint reads the source file as apply will and returns its
// writeback.Source.
func fingerprint(ctx context.Context, path string) (writeback.Source, error) {
	f, err := os.Open(path)
	if err != nil {
		return writeback.Source{}, err
	}
	defer f.Close()
	s, err := writeback.Fingerprint(ctx, f, filepath.Base(path))
	s.Name = path
	return s, err
}

// printInferNote says what the inferred relations and the margin left out.
func printInferNote(w io.Writer, res *balance.Suggestions) {
	if res.LeftOut > 0 {
		fmt.Fprintf(w, "%d pairs left out as likely sub-types or synonyms; see `curate relations infer`\n", res.LeftOut)
	}
	margin := 0
	for _, c := range res.Concepts {
		margin += c.Margin
	}
	if margin > 0 {
		fmt.Fprintf(w, "%d candidates left out as closer to the concept than to their own labels (likely unlabelled positives)\n", margin)
	}
}

func writeSuggestSummary(ios *IOStreams, res *balance.Suggestions) error {
	var w io.Writer = ios.Out
	var tw *tabwriter.Writer
	if ios.OutTTY {
		tw = tabwriter.NewWriter(ios.Out, 0, 4, 2, ' ', 0)
		w = tw
	}
	fmt.Fprintln(w, "CONCEPT\tPOSITIVES\tNEGATIVES\tWANTED\tDEFICIT\tCANDIDATES\tSUGGESTED\tSOURCES")
	for _, c := range res.Concepts {
		srcs := "-"
		if len(c.Sources) > 0 {
			srcs = strings.Join(c.Sources[:min(len(c.Sources), 4)], ",")
			if len(c.Sources) > 4 {
				srcs += fmt.Sprintf(",+%d", len(c.Sources)-4)
			}
		}
		fmt.Fprintf(w, "%s\t%d\t%d\t%d\t%d\t%d\t%d\t%s\n", c.ConceptID, c.Positives, c.Negatives, c.Wanted, c.Deficit, c.Candidates, c.Suggested, srcs)
	}
	if tw != nil {
		return tw.Flush()
	}
	return nil
}

// writeSuggestionsParquet writes the suggestions table as Parquet (zstd).
func writeSuggestionsParquet(ctx context.Context, w io.Writer, res *balance.Suggestions) error {
	rec := res.Record(nil)
	defer rec.Release()
	rr, err := array.NewRecordReader(rec.Schema(), []arrow.Record{rec})
	if err != nil {
		return err
	}
	defer rr.Release()
	_, err = export.WriteRecords(ctx, w, rr)
	return err
}

// reviewedSuggestions merges an earlier review: a rejected pair is never
// suggested again, and the lines of the earlier suggestions file (--out)
// that were accepted or flipped to positive are returned, to be written
// again as they were; accepted ones count toward their concept's deficit.
func reviewedSuggestions(ctx context.Context, opts *SuggestOptions, sopts *balance.SuggestOptions) ([]balance.Suggestion, error) {
	path := opts.decisionsPath()
	ds, err := review.ReadDecisionsFile(ctx, path)
	if err != nil || len(ds) == 0 {
		return nil, err
	}
	// Rejected pairs never come back; decided pairs with a line to keep
	// are kept as they were. A decided pair without a line (the earlier
	// file is gone) may be suggested afresh, its decision still standing.
	sopts.Exclude = make(map[balance.SuggestionKey]bool, len(ds))
	for k, d := range ds {
		if d == review.Reject {
			sopts.Exclude[balance.SuggestionKey{InputID: k.InputID, ConceptID: k.ConceptID}] = true
		}
	}
	var kept []balance.Suggestion
	if _, err := os.Stat(opts.Out); err == nil {
		tbl, err := readSuggestions(ctx, opts.Out)
		if err != nil {
			return nil, fmt.Errorf("suggest: the earlier suggestions: %w", err)
		}
		defer tbl.Release()
		sopts.Kept = map[string]int{}
		tr := array.NewTableReader(tbl, 0)
		defer tr.Release()
		for tr.Next() {
			rec := tr.Record()
			ids := rec.Column(dataset.ChgInputID).(*array.String)
			cs := rec.Column(dataset.ChgConceptID).(*array.String)
			vals := rec.Column(dataset.ChgValue).(*array.Float32)
			scores := rec.Column(dataset.ChgScore).(*array.Float64)
			srcs := rec.Column(dataset.ChgSourceConceptID).(*array.String)
			why := rec.Column(dataset.ChgReason).(*array.String)
			for i := 0; i < int(rec.NumRows()); i++ {
				d := ds[review.Key{InputID: ids.Value(i), ConceptID: cs.Value(i)}]
				if d != review.Accept && d != review.Positive {
					continue
				}
				sopts.Exclude[balance.SuggestionKey{InputID: ids.Value(i), ConceptID: cs.Value(i)}] = true
				kept = append(kept, balance.Suggestion{InputID: strings.Clone(ids.Value(i)), ConceptID: strings.Clone(cs.Value(i)),
					Value: vals.Value(i), Score: scores.Value(i), SourceConceptID: strings.Clone(srcs.Value(i)), Reason: strings.Clone(why.Value(i))})
				if d == review.Accept {
					sopts.Kept[cs.Value(i)]++
				}
			}
		}
		if err := tr.Err(); err != nil {
			return nil, err
		}
	}
	fmt.Fprintf(opts.IO.ErrOut, "review in %s: keeping %d decided suggestion(s), never suggesting the %d rejected pair(s) again\n",
		path, len(kept), ds.Count(review.Reject))
	return kept, nil
}

// decisionsPath is --decisions, or the decisions file beside --out.
func (opts *SuggestOptions) decisionsPath() string {
	if opts.Decisions != "" {
		return opts.Decisions
	}
	return review.DecisionsPath(opts.Out)
}
