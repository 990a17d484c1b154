package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"curate.dev/clarifai"
	"curate.dev/dataset"
	"curate.dev/export"
)

// ExportOptions are the flags and streams of `curate export`.
type ExportOptions struct {
	IO   *IOStreams
	Load LoadOptions

	Source         string
	Out            string
	Layout         string
	Split          string
	Seed           uint64
	GroupBy        string
	Format         string
	Compression    string
	MaxRowsPerFile int64
	TargetsMask    bool
	Labels         LabelFlags
	Force          bool
}

// NewCmdExport builds `curate export`; runF replaces the run in tests.
func NewCmdExport(f *Factory, runF func(*ExportOptions) error) *cobra.Command {
	opts := &ExportOptions{IO: f.IO}
	cmd := &cobra.Command{
		Use:   "export SOURCE --out DIR",
		Short: "Write training-ready Parquet (or Arrow/CSV), split by multi-label stratification",
		Long: `Export the dataset in one of three layouts:

  long      one row per annotation
  training  one row per input: positives, negatives and a label vector over
            the concept list (1 present, 0 absent, -1 unknown), or
            targets+mask with --targets-mask
  stats     one row per concept: positives, negatives, unknown, conflicts,
            pos_weight (negatives/positives) and balanced class weights

With --split the inputs are divided by iterative stratification so every
concept keeps its share in each split; --group-by metadata.FIELD keeps inputs
sharing that metadata value in one split. Files go to DIR/NAME-NNNNN.* (one
name per split, DIR/part-NNNNN.* without --split); with --split every row
carries a split column. The training and stats layouts also write the concept order to
DIR_concepts.json beside the folder (it is in each file's metadata too).

DIR's parent folder must exist; DIR is created. The export is written to a
hidden folder beside DIR and takes DIR's place only when it is complete, so
readers never see half an export. --force replaces an earlier export whole
(no stale part files remain); a folder holding anything else is refused.

The deviation report compares each concept's share per split with the
target, beside a random split. Model and workflow annotations are left out of
labels unless --include-models. A concept with no positive or no negative
gets pos_weight 1 and one_class = true in the stats layout.
With --relations the training and stats layouts carry the same closure as
"curate report --relations": a positive also counts for hypernyms and
synonyms, a negative for hyponyms and synonyms. The long layout writes the
annotations as they are and takes no --relations.`,
		Example: `  curate export data.jsonl --out out --layout training --split train=0.8,val=0.1,test=0.1 --seed 7
  curate export data.jsonl --out out --layout long --format csv
  curate export data.jsonl --out stats --layout stats --split train=0.9,test=0.1 --group-by metadata.album`,
		Args: requireArgs(1, "SOURCE"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Source = args[0]
			if len(args) > 1 {
				return flagErrorf("export: one SOURCE expected, got %d", len(args))
			}
			if opts.Out == "" {
				return flagErrorf("export: --out DIR is required")
			}
			if err := opts.Labels.validate(cmd.Flags()); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return exportRun(cmd.Context(), opts)
		},
	}
	fs := cmd.Flags()
	addLoadFlags(fs, &opts.Load)
	fs.StringVar(&opts.Out, "out", "", "output `DIR` (must be empty or absent unless --force)")
	fs.StringVar(&opts.Layout, "layout", "training", "layout: long, training or stats")
	fs.StringVar(&opts.Split, "split", "", "split shares, e.g. `train=0.8,val=0.1,test=0.1` (none: one unsplit set)")
	fs.Uint64Var(&opts.Seed, "seed", 1, "seed for the split")
	fs.StringVar(&opts.GroupBy, "group-by", "", "keep inputs with the same `metadata.FIELD` value in one split")
	fs.StringVar(&opts.Format, "format", "parquet", "file format: parquet, arrow or csv")
	fs.StringVar(&opts.Compression, "compression", "zstd", "compression: zstd, snappy or none")
	fs.Int64Var(&opts.MaxRowsPerFile, "max-rows-per-file", 0, "start a new part file after `N` rows (0: one file per split)")
	fs.BoolVar(&opts.TargetsMask, "targets-mask", false, "training layout: float32 targets and mask instead of an int8 label vector")
	addLabelFlags(fs, &opts.Labels)
	fs.BoolVar(&opts.Labels.IncludeModels, "keep-model", false, "same as --include-models")
	_ = fs.MarkDeprecated("keep-model", "use --include-models")
	fs.BoolVar(&opts.Force, "force", false, "replace an earlier export in --out")
	return cmd
}

// request validates the flags into an export request and options.
func (o *ExportOptions) request() (export.Request, []export.Option, error) {
	var req export.Request
	layout, ok := export.ParseLayout(o.Layout)
	if !ok {
		return req, nil, flagErrorf("--layout: unknown layout %q (want long, training or stats)", o.Layout)
	}
	req.Layout, req.Seed = layout, o.Seed
	if o.Split != "" {
		splits, err := export.ParseSplit(o.Split)
		if err != nil {
			return req, nil, flagErrorf("--split: %v", err)
		}
		req.Splits = splits
	}
	if o.GroupBy != "" {
		field, ok := strings.CutPrefix(o.GroupBy, "metadata.")
		if !ok || field == "" {
			return req, nil, flagErrorf("--group-by: want metadata.FIELD, got %q", o.GroupBy)
		}
		if o.Split == "" {
			return req, nil, flagErrorf("--group-by needs --split")
		}
		req.GroupField = field
	}
	format, ok := export.ParseFormat(o.Format)
	if !ok {
		return req, nil, flagErrorf("--format: unknown format %q (want parquet, arrow or csv)", o.Format)
	}
	comp, ok := export.ParseCompression(o.Compression)
	if !ok {
		return req, nil, flagErrorf("--compression: unknown codec %q (want zstd, snappy or none)", o.Compression)
	}
	if format == export.Arrow && comp == export.Snappy {
		return req, nil, flagErrorf("--compression: Arrow IPC has no snappy; use zstd or none")
	}
	if o.MaxRowsPerFile < 0 {
		return req, nil, flagErrorf("--max-rows-per-file: want 0 or more, got %d", o.MaxRowsPerFile)
	}
	opts := []export.Option{
		export.WithFormat(format), export.WithCompression(comp),
		export.WithMaxRowsPerFile(o.MaxRowsPerFile), export.WithTargetsMask(o.TargetsMask),
	}
	return req, opts, nil
}

func exportRun(ctx context.Context, o *ExportOptions) error {
	req, xopts, err := o.request()
	if err != nil {
		return err
	}
	if _, err := o.Load.readerOptions(o.Source); err != nil {
		return err
	}
	// The training and stats layouts read SOURCE once (so standard input
	// works); a split of the long layout reads it twice (labels and splits
	// first, rows second).
	twoPass := req.Layout == export.Long && len(req.Splits) > 0
	if o.Source == "-" && twoPass {
		return flagErrorf("export: the long layout with --split reads SOURCE twice; standard input cannot be used")
	}
	if req.Layout == export.Long && o.Labels.Relations != "" {
		return flagErrorf("export: --relations applies to the training and stats layouts; the long layout writes annotations as they are")
	}
	if o.Source != "-" && !clarifai.IsAppURL(o.Source) {
		if _, err := os.Stat(o.Source); err != nil {
			return fmt.Errorf("export: %w", err)
		}
	}
	// The output folder is checked (and its hidden twin made) before
	// anything is read.
	sink, err := export.NewDirSink(o.Out, export.WithReplace(o.Force))
	if err != nil {
		return err
	}
	committed := false
	defer func() {
		if !committed {
			sink.Abort()
		}
	}()
	if req.Rules, err = o.Labels.rules(ctx); err != nil {
		return err
	}
	var open []*source
	defer func() {
		for _, s := range open {
			s.Close()
		}
	}()
	opener := func(ctx context.Context, inputs bool) (*dataset.Reader, error) {
		if twoPass {
			o.Load.pass = passLabel(len(open)+1, 2)
		}
		src, err := openSource(ctx, o.IO, o.Source, &o.Load, dataset.WithInputs(inputs))
		if err != nil {
			return nil, err
		}
		open = append(open, src)
		// The export releases the reader; the file is closed at the end.
		src.Reader.Retain()
		return src.Reader, nil
	}
	res, err := export.Write(ctx, opener, sink, req, xopts...)
	if err != nil {
		return err
	}
	committed = true
	fmt.Fprintf(o.IO.ErrOut, "wrote %d rows in %d files to %s\n", res.Rows, len(res.Files), o.Out)
	if req.Layout != export.Long {
		warnOneClass(o.IO, res.Plan)
	}
	if res.Plan != nil && res.Plan.RowConflicts > 0 {
		fmt.Fprintf(o.IO.ErrOut, "warning: %d input(s) came back on a later line with a different url, text or metadata; the first line's is kept\n", res.Plan.RowConflicts)
	}
	if res.Plan != nil && res.Plan.Labels.Excluded > 0 {
		fmt.Fprintf(o.IO.ErrOut, "left out %d model and workflow score(s); --include-models counts them\n", res.Plan.Labels.Excluded)
	}
	if res.Plan != nil && res.Plan.Report != nil {
		return printSplitReport(o.IO, res.Plan)
	}
	return nil
}

// warnOneClass says how many concepts have no positive or no negative
// (in some split, when splitting): their class weights are the neutral 1.
func warnOneClass(ios *IOStreams, p *export.Plan) {
	n, where := 0, ""
	if p.Assign == nil {
		for _, s := range p.SplitStats(0) {
			if s.OneClass() {
				n++
			}
		}
	} else {
		one := make([]bool, len(p.Labels.Concepts))
		for j := range p.Splits {
			for c, s := range p.SplitStats(j) {
				one[c] = one[c] || s.OneClass()
			}
		}
		for _, b := range one {
			if b {
				n++
			}
		}
		where = " in at least one split"
	}
	if n > 0 {
		fmt.Fprintf(ios.ErrOut, "warning: %d of %d concepts have no positive or no negative%s: their pos_weight and class weights are 1 (one_class = true in the stats layout)\n", n, len(p.Labels.Concepts), where)
	}
}

// printSplitReport prints each split's size and each concept's deviation
// from its target share, stratified beside random; aligned on a terminal,
// TSV otherwise.
func printSplitReport(ios *IOStreams, p *export.Plan) error {
	var w io.Writer = ios.Out
	var tw *tabwriter.Writer
	if ios.OutTTY {
		tw = tabwriter.NewWriter(ios.Out, 0, 4, 2, ' ', tabwriter.AlignRight)
		w = tw
	}
	r, rnd := p.Report, p.Random
	fmt.Fprintf(w, "split\ttarget\tinputs\tshare\t\n")
	total := int64(0)
	for _, n := range r.Inputs {
		total += n
	}
	for j, s := range p.Splits {
		share := 0.0
		if total > 0 {
			share = float64(r.Inputs[j]) / float64(total)
		}
		fmt.Fprintf(w, "%s\t%.3f\t%d\t%.3f\t\n", s.Name, s.Share, r.Inputs[j], share)
	}
	fmt.Fprintf(w, "\nconcept\tpositives\t")
	for _, s := range p.Splits {
		fmt.Fprintf(w, "%s dev\t%s random\t", s.Name, s.Name)
	}
	fmt.Fprintln(w)
	for c, id := range r.Concepts {
		fmt.Fprintf(w, "%s\t%d\t", id, r.Positives[c])
		for j := range p.Splits {
			fmt.Fprintf(w, "%+.4f\t%+.4f\t", r.Deviation[c][j], rnd.Deviation[c][j])
		}
		fmt.Fprintln(w)
	}
	fmt.Fprintf(w, "\nmean |deviation|\tstratified %.4f\trandom %.4f\t\n", r.MeanAbsDeviation(), rnd.MeanAbsDeviation())
	fmt.Fprintf(w, "max |deviation|\tstratified %.4f\trandom %.4f\t\n", r.MaxAbsDeviation(), rnd.MaxAbsDeviation())
	if tw != nil {
		return tw.Flush()
	}
	return nil
}
