package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"curate.dev/balance"
	"curate.dev/label"
)

// OverlapFlags are the overlap tuning flags `overlap` and `suggest` share.
type OverlapFlags struct {
	CooccurThreshold float64
	MinSupport       int
	MinSimilarity    float64
	Labels           LabelFlags
}

func addOverlapFlags(fs *pflag.FlagSet, o *OverlapFlags) {
	addLabelFlags(fs, &o.Labels)
	d := balance.DefaultOverlapOptions()
	fs.Float64Var(&o.CooccurThreshold, "cooccur-threshold", d.CooccurThreshold, "share `X` of one concept's positives also positive for another above which the pair co-occurs (never negatives for each other)")
	fs.IntVar(&o.MinSupport, "min-support", d.MinSupport, "positives a concept needs before \"rarely seen together\" is trusted")
	fs.Float64Var(&o.MinSimilarity, "min-similarity", d.MinSimilarity, "embedding centroid cosine similarity at which two concepts overlap")
}

func (o *OverlapFlags) validate(fs *pflag.FlagSet) error {
	if err := o.Labels.validate(fs); err != nil {
		return err
	}
	if o.CooccurThreshold < 0 || o.CooccurThreshold > 1 || math.IsNaN(o.CooccurThreshold) {
		return flagErrorf("--cooccur-threshold: want 0 to 1, got %v", o.CooccurThreshold)
	}
	if o.MinSupport < 1 {
		return flagErrorf("--min-support: want at least 1, got %d", o.MinSupport)
	}
	if o.MinSimilarity < -1 || o.MinSimilarity > 1 || math.IsNaN(o.MinSimilarity) {
		return flagErrorf("--min-similarity: want -1 to 1, got %v", o.MinSimilarity)
	}
	return nil
}

// options builds the library options, reading --relations.
func (o *OverlapFlags) options(ctx context.Context) (*balance.OverlapOptions, error) {
	rules, err := o.Labels.rules(ctx)
	if err != nil {
		return nil, err
	}
	return &balance.OverlapOptions{Rules: rules, CooccurThreshold: o.CooccurThreshold, MinSupport: o.MinSupport, MinSimilarity: o.MinSimilarity}, nil
}

// OverlapOptions are the flags of `curate overlap`.
type OverlapOptions struct {
	IO       *IOStreams
	Source   string
	Load     LoadOptions
	Overlap  OverlapFlags
	Top      int
	Verdicts []balance.Verdict
	Format   string
}

// NewCmdOverlap builds `curate overlap`. runF replaces overlapRun in tests.
func NewCmdOverlap(f *Factory, runF func(*OverlapOptions) error) *cobra.Command {
	opts := &OverlapOptions{IO: f.IO}
	var verdicts []string
	cmd := &cobra.Command{
		Use:   "overlap SOURCE [flags]",
		Short: "Show which concepts overlap, co-occur, are related or exclusive",
		Long: `overlap reads SOURCE once and compares every pair of concepts by the
signals the data offers: cosine similarity of the embedding centroids of
their positives, explicit confusions (negatives for one on inputs positive
for the other, counted when above chance), siblings in the --relations
hierarchy, and how often their positives appear on the same inputs.

Each pair gets a verdict: related (same concept, synonym, or one a kind of
the other), co-occurring (seen together more than --cooccur-threshold),
overlapping (similar but never or rarely together: the source of hard
negatives) or exclusive. The pairs are printed overlapping first, then
co-occurring, related and exclusive, each by overlap score (--verdict keeps
only some verdicts; --top 0 prints them all), as a table, JSON, or a
self-contained HTML heatmap.`,
		Example: `  curate overlap animals.jsonl --relations relations.jsonl
  curate overlap animals.jsonl --verdict overlapping --top 0
  curate overlap animals.jsonl --format html > overlap.html`,
		Args: requireArgs(1, "SOURCE"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Source = args[0]
			switch opts.Format {
			case "text", "json", "html":
			default:
				return flagErrorf("--format: want text, json or html, got %q", opts.Format)
			}
			if opts.Top < 0 {
				return flagErrorf("--top: want at least 0, got %d", opts.Top)
			}
			var err error
			if opts.Verdicts, err = parseVerdicts(verdicts); err != nil {
				return err
			}
			if err := opts.Overlap.validate(cmd.Flags()); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return overlapRun(cmd.Context(), opts)
		},
	}
	fs := cmd.Flags()
	addLoadFlags(fs, &opts.Load)
	addOverlapFlags(fs, &opts.Overlap)
	fs.IntVar(&opts.Top, "top", 20, "print the first `N` pairs (0: all)")
	fs.StringSliceVar(&verdicts, "verdict", nil, "show only pairs with these `verdicts` (comma-separated: overlapping, co-occurring, related, exclusive)")
	fs.StringVar(&opts.Format, "format", "text", "output format: text, json or html")
	return cmd
}

// analyzeSource reads the --relations and label flags, opens path and
// analyses its overlap in one pass (overlap, relations infer).
func analyzeSource(ctx context.Context, ios *IOStreams, path string, of *OverlapFlags, load *LoadOptions) (*balance.Overlap, error) {
	ov, err := of.options(ctx)
	if err != nil {
		return nil, err
	}
	src, err := openSource(ctx, ios, path, load)
	if err != nil {
		return nil, err
	}
	o, err := balance.AnalyzeOverlap(ctx, src.Reader, ov)
	if cerr := src.Close(); err == nil && cerr != nil {
		err = cerr
	}
	if err == nil {
		// The pairs and inferred relations need no input again: the
		// labels read back for suggestions go at once.
		err = o.Close()
	}
	return o, err
}

func overlapRun(ctx context.Context, opts *OverlapOptions) error {
	o, err := analyzeSource(ctx, opts.IO, opts.Source, &opts.Overlap, &opts.Load)
	if err != nil {
		return err
	}
	pairs := selectPairs(o.Pairs(), opts.Verdicts, opts.Top)
	printWarnings(opts.IO.ErrOut, o.Warnings())
	inferred := o.InferRelations(nil)
	switch opts.Format {
	case "json":
		return writeOverlapJSON(opts.IO.Out, o, pairs, inferred)
	case "html":
		return writeOverlapHTML(opts.IO.Out, opts.Source, pairs)
	}
	if err := writeOverlapText(opts.IO, pairs); err != nil {
		return err
	}
	if len(inferred) > 0 {
		fmt.Fprintf(opts.IO.Out, "\ninferred relations (not in --relations; suggest leaves these pairs out; see curate relations infer):\n")
		return writeInferredText(opts.IO, inferred)
	}
	return nil
}

// printWarnings reports skipped bad input on w.
func printWarnings(w io.Writer, wn balance.Warnings) {
	if wn.NaNEmbeddings > 0 {
		fmt.Fprintf(w, "warning: %d embeddings with NaN or Inf values skipped\n", wn.NaNEmbeddings)
	}
	if wn.ZeroEmbeddings > 0 {
		fmt.Fprintf(w, "warning: %d all-zero embeddings skipped\n", wn.ZeroEmbeddings)
	}
	if wn.SoftValues > 0 {
		fmt.Fprintf(w, "warning: %d annotations with values between 0 and 1: positive from %.1f on, negative below\n", wn.SoftValues, label.SoftThreshold)
	}
	if n := len(wn.UnknownRelationConcepts); n > 0 {
		show := wn.UnknownRelationConcepts[:min(n, 5)]
		more := ""
		if n > 5 {
			more = ", ..."
		}
		fmt.Fprintf(w, "warning: %d concepts in the relations are never annotated in the data (%s%s)\n", n, strings.Join(show, ", "), more)
	}
}

func fmtSim(x float64) string {
	if math.IsNaN(x) {
		return "-"
	}
	return fmt.Sprintf("%.2f", x)
}

func writeOverlapText(ios *IOStreams, pairs []balance.Pair) error {
	sep := "\t"
	var w io.Writer = ios.Out
	var tw *tabwriter.Writer
	if ios.OutTTY {
		tw = tabwriter.NewWriter(ios.Out, 0, 4, 2, ' ', 0)
		w = tw
	}
	fmt.Fprintln(w, strings.Join([]string{"A", "B", "VERDICT", "SCORE", "SIMILARITY", "CONFUSIONS", "SIBLINGS", "TOGETHER", "POS_A", "POS_B"}, sep))
	for _, p := range pairs {
		sib := "-"
		if p.Siblings {
			sib = "yes"
			if p.CommonParent != "" {
				sib = "under " + p.CommonParent
			}
		}
		conf := fmt.Sprintf("%d", p.Confusions())
		if p.Confusions() > 0 {
			conf += fmt.Sprintf(" (lift %.1f)", p.ConfusionLift)
		}
		fmt.Fprintln(w, strings.Join([]string{p.A, p.B, string(p.Verdict), fmt.Sprintf("%.2f", p.Score), fmtSim(p.Similarity),
			conf, sib, fmt.Sprint(p.Together), fmt.Sprint(p.PositivesA), fmt.Sprint(p.PositivesB)}, sep))
	}
	if tw != nil {
		return tw.Flush()
	}
	return nil
}

type jsonPair struct {
	A             string   `json:"a"`
	B             string   `json:"b"`
	Verdict       string   `json:"verdict"`
	Score         float64  `json:"score"`
	Similarity    *float64 `json:"similarity"`
	ConfusionsAB  int      `json:"confusions_ab"`
	ConfusionsBA  int      `json:"confusions_ba"`
	ConfusionLift float64  `json:"confusion_lift"`
	Siblings      bool     `json:"siblings"`
	CommonParent  string   `json:"common_parent,omitempty"`
	Together      int      `json:"together"`
	PositivesA    int      `json:"positives_a"`
	PositivesB    int      `json:"positives_b"`
}

func round4(x float64) float64 { return math.Round(x*1e4) / 1e4 }

type jsonRelation struct {
	Subject    string   `json:"subject"`
	Predicate  string   `json:"predicate"`
	Object     string   `json:"object"`
	Confidence float64  `json:"confidence"`
	Signals    []string `json:"signals"`
}

func writeOverlapJSON(w io.Writer, o *balance.Overlap, pairs []balance.Pair, inferred []balance.InferredRelation) error {
	out := struct {
		Inputs   int              `json:"inputs"`
		Concepts int              `json:"concepts"`
		Pairs    []jsonPair       `json:"pairs"`
		Inferred []jsonRelation   `json:"inferred_relations"`
		Warnings balance.Warnings `json:"warnings"`
	}{Inputs: o.Inputs(), Concepts: len(o.Concepts()), Pairs: []jsonPair{}, Inferred: []jsonRelation{}, Warnings: o.Warnings()}
	for _, r := range inferred {
		out.Inferred = append(out.Inferred, jsonRelation{Subject: r.Subject, Predicate: string(r.Predicate), Object: r.Object, Confidence: r.Confidence, Signals: r.Evidence.Signals})
	}
	for _, p := range pairs {
		jp := jsonPair{A: p.A, B: p.B, Verdict: string(p.Verdict), Score: round4(p.Score), ConfusionsAB: p.ConfusionsAB, ConfusionsBA: p.ConfusionsBA,
			ConfusionLift: round4(p.ConfusionLift), Siblings: p.Siblings, CommonParent: p.CommonParent, Together: p.Together, PositivesA: p.PositivesA, PositivesB: p.PositivesB}
		if !math.IsNaN(p.Similarity) {
			s := round4(p.Similarity)
			jp.Similarity = &s
		}
		out.Pairs = append(out.Pairs, jp)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

// writeOverlapHTML writes a self-contained heatmap page (no scripts, no
// external resources) of the concepts in pairs. The page names the source
// by its base name or app, never by a path of the user's machine.
func writeOverlapHTML(w io.Writer, source string, pairs []balance.Pair) error {
	name := source
	if !strings.Contains(source, "://") && source != "-" {
		name = filepath.Base(source)
	}
	return balance.WriteOverlapPage(w, name, pairs)
}
