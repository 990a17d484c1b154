package cli

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"curate.dev/balance"
	"curate.dev/dataset"
)

// ReportOptions are the flags and arguments of `curate report`.
type ReportOptions struct {
	IO      *IOStreams
	Sources []string
	Load    LoadOptions

	Format       balance.Format
	Sort         balance.SortKey
	Top          int
	Concepts     []string
	FailOn       []balance.Status
	Ratio        float64
	MinPositives int
	Labels       LabelFlags
	// Wide keeps every column of the text table on a terminal narrower
	// than the table.
	Wide bool
	// ChartScale is the HTML report's chart axis ("" for the default).
	ChartScale balance.ChartScale
}

// NewCmdReport builds `curate report`. runF replaces reportRun in tests.
func NewCmdReport(f *Factory, runF func(*ReportOptions) error) *cobra.Command {
	opts := &ReportOptions{IO: f.IO}
	var format, sortKey, chartScale string
	var jsonOut bool
	var failOn []string
	cmd := &cobra.Command{
		Use:   "report SOURCE... [flags]",
		Short: "Report the balance of positives to negatives per concept",
		Long: `report counts, for each concept and over distinct inputs, the positives,
negatives, conflicts (an input with both), implied negatives (no annotation
for the concept but a positive for another, which Clarifai's training treats
as a negative) and unknowns; these five add up to the number of inputs. It
also counts implicit values (omitted in the source), the negatives:positives
ratio and a status:

  conflicting    some input has both a positive and a negative
  few-positives  fewer positives than --min-positives
  no-negatives   not a single negative
  few-negatives  negatives:positives below --ratio
  ok             none of the above

A concept gets the first status that applies, in this order. Several
SOURCEs are counted together ("-" is standard input); an input that appears
in more than one is one input. With --relations, a positive for a concept
also counts for its hypernyms and a negative for its hyponyms (the Open
Images convention). Model and workflow annotations are scores, not labels:
they are left out unless --include-models.

Text is an aligned table on a terminal and tab-separated when piped. A
table wider than the terminal leaves out the least needed columns (the
counts of implicit values, unknowns, implied negatives, relation-propagated
counts, conflicts, then names) and says which; --wide keeps them all.
--concepts naming a concept that is not in the data is an error. --fail-on
exits with status 1 after writing the report when a concept selected by
--concepts (all by default, including those --top leaves out) has one of
the given statuses.`,
		Example: `  curate report examples/animals.jsonl --relations examples/relations.jsonl
  curate report labels.csv more.jsonl --sort ratio --top 10
  curate report data.jsonl --format html > report.html
  curate report data.jsonl --format html --chart-scale log > report.html
  curate report data.jsonl --json --fail-on conflicting,no-negatives`,
		Args: requireArgs(1, "SOURCE"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Sources = args
			if jsonOut {
				if cmd.Flags().Changed("format") && format != balance.FormatJSON.String() {
					return flagErrorf("--json and --format %s disagree", format)
				}
				format = balance.FormatJSON.String()
			}
			var ok bool
			if opts.Format, ok = balance.ParseFormat(format); !ok {
				return flagErrorf("--format: unknown format %q (want text, tsv, markdown, json, csv or html)", format)
			}
			if cmd.Flags().Changed("chart-scale") {
				if opts.Format != balance.FormatHTML {
					return flagErrorf("--chart-scale draws the chart of --format html")
				}
				sc, err := balance.ParseChartScale(chartScale)
				if err != nil {
					return flagErrorf("--chart-scale: unknown scale %q (want linear, log or ratio)", chartScale)
				}
				opts.ChartScale = sc
			}
			opts.Sort = balance.SortKey(sortKey)
			if !slices.Contains(balance.SortKeys, opts.Sort) {
				return flagErrorf("--sort: unknown key %q (want name, positives, negatives, ratio or status)", sortKey)
			}
			if opts.Top < 0 {
				return flagErrorf("--top: want at least 0, got %d", opts.Top)
			}
			opts.FailOn = nil
			for _, s := range failOn {
				st, ok := balance.ParseStatus(strings.TrimSpace(s))
				if !ok {
					return flagErrorf("--fail-on: unknown status %q (want conflicting, few-positives, no-negatives, few-negatives or ok)", s)
				}
				opts.FailOn = append(opts.FailOn, st)
			}
			if opts.Ratio <= 0 {
				return flagErrorf("--ratio: want a number above 0, got %g", opts.Ratio)
			}
			if opts.MinPositives < 0 {
				return flagErrorf("--min-positives: want at least 0, got %d", opts.MinPositives)
			}
			if err := opts.Labels.validate(cmd.Flags()); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return reportRun(cmd.Context(), opts)
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&format, "format", balance.FormatText.String(), "output `format`: text, tsv, markdown, json, csv or html")
	fs.BoolVar(&jsonOut, "json", false, "same as --format json")
	fs.StringVar(&chartScale, "chart-scale", string(balance.ScaleLinear), "the HTML chart's `scale`: linear, log (for a few large concepts beside many small ones) or ratio (negatives per positive)")
	fs.BoolVar(&opts.Wide, "wide", false, "on a terminal, show every column even if the table is wider than the window")
	fs.StringVar(&sortKey, "sort", string(balance.SortName), "order concepts by `key`: name (numbers in order: Context 4 before Context 10), positives, negatives, ratio or status")
	fs.IntVar(&opts.Top, "top", 0, "show only the first `N` concepts after sorting (0: all)")
	fs.StringSliceVar(&opts.Concepts, "concepts", nil, "report only these concepts (`ids or names`, comma-separated)")
	fs.StringSliceVar(&failOn, "fail-on", nil, "exit 1 if a reported concept has one of these `statuses` (comma-separated)")
	fs.Float64Var(&opts.Ratio, "ratio", balance.DefaultTargetRatio, "target negatives:positives `ratio`; below it a concept has few-negatives")
	fs.IntVar(&opts.MinPositives, "min-positives", balance.DefaultMinPositives, "fewest positives a concept needs (`N`); below it few-positives")
	addLabelFlags(fs, &opts.Labels)
	addLoadFlags(fs, &opts.Load)
	return cmd
}

// reportRun counts every source and writes the report.
func reportRun(ctx context.Context, opts *ReportOptions) error {
	rules, err := opts.Labels.rules(ctx)
	if err != nil {
		return fmt.Errorf("report: %w", err)
	}
	bopts := []balance.Option{
		balance.WithTargetRatio(opts.Ratio),
		balance.WithMinPositives(opts.MinPositives),
		balance.WithRules(rules),
	}
	c := balance.NewCounter(bopts...)
	defer c.Close()
	for _, path := range opts.Sources {
		if err := countSource(ctx, opts, path, c); err != nil {
			return err
		}
	}
	rep, err := c.Report()
	if err != nil {
		return fmt.Errorf("report: %w", err)
	}

	if len(opts.Concepts) > 0 {
		var missing []string
		rep, missing = rep.Select(opts.Concepts)
		if len(missing) > 0 {
			return fmt.Errorf("report: --concepts: no concept %s in the data", strings.Join(quoteAll(missing), ", "))
		}
	}
	rep, err = rep.Sorted(opts.Sort)
	if err != nil {
		return err
	}
	failing := rep.ConceptsWith(opts.FailOn...)
	rep = rep.Top(opts.Top)

	format := opts.Format
	if format == balance.FormatText && !opts.IO.OutTTY {
		format = balance.FormatTSV
	}
	if format == balance.FormatText {
		width := opts.IO.Width
		if opts.Wide {
			width = 0
		}
		hidden, err := rep.WriteTextFit(opts.IO.Out, width)
		if err != nil {
			return fmt.Errorf("report: %w", err)
		}
		if len(hidden) > 0 {
			fmt.Fprintf(opts.IO.ErrOut, "curate: %s left out to fit %d columns; --wide shows them\n", strings.Join(hidden, ", "), width)
		}
	} else if format == balance.FormatHTML && opts.ChartScale != "" {
		if err := rep.WriteHTML(opts.IO.Out, balance.WithChartScale(opts.ChartScale)); err != nil {
			return fmt.Errorf("report: %w", err)
		}
	} else if err := rep.Write(opts.IO.Out, format); err != nil {
		return fmt.Errorf("report: %w", err)
	}
	switch format {
	case balance.FormatText, balance.FormatMarkdown, balance.FormatHTML:
		// the rendering shows the warnings
	default:
		for _, w := range rep.Warnings {
			fmt.Fprintf(opts.IO.ErrOut, "curate: warning: %s\n", w)
		}
		if n := rep.Summary.ModelsExcluded; n > 0 {
			fmt.Fprintf(opts.IO.ErrOut, "curate: %d model and workflow score(s) left out; --include-models counts them\n", n)
		}
	}
	if len(failing) > 0 {
		return &exitError{Code: ExitError, Err: fmt.Errorf("report: %d concept(s) with status %s: %s",
			len(failing), joinStatuses(opts.FailOn), strings.Join(failing, ", "))}
	}
	return nil
}

// countSource adds one source's annotations to c.
func countSource(ctx context.Context, opts *ReportOptions, path string, c *balance.Counter) error {
	// The Counter copies every string it keeps, so buffers may be reused.
	src, err := openSource(ctx, opts.IO, path, &opts.Load, dataset.WithInputs(false), dataset.WithEmbeddingDim(-1), dataset.WithReuseBuffers(true))
	if err != nil {
		return err
	}
	defer src.Close()
	for src.Next() {
		if err := c.Add(src.Annotations()); err != nil {
			return fmt.Errorf("report: %s: %w", path, err)
		}
		if err := c.AddIDs(src.UnannotatedIDs()); err != nil {
			return fmt.Errorf("report: %w", err)
		}
	}
	if err := src.Err(); err != nil {
		return err
	}
	if err := c.AddIDs(src.UnannotatedIDs()); err != nil {
		return fmt.Errorf("report: %w", err)
	}
	return nil
}

func joinStatuses(ss []balance.Status) string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = string(s)
	}
	return strings.Join(out, " or ")
}

func quoteAll(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = fmt.Sprintf("%q", s)
	}
	return out
}
