// Command curate-beam runs curate's batch jobs as Apache Beam pipelines:
// on the Prism runner in this process by default, on Dataflow with
// --runner dataflow, on Flink or Spark with --runner universal and a job
// server's --endpoint. See the README's "Beyond one machine".
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/io/filesystem"
	_ "github.com/apache/beam/sdks/v2/go/pkg/beam/io/filesystem/gcs"
	_ "github.com/apache/beam/sdks/v2/go/pkg/beam/io/filesystem/local"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/options/jobopts"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/runners"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/x/beamx"

	"curate.dev/balance"
	"curate.dev/beam/pipeline"
	"curate.dev/beam/third_party/prism"
	"curate.dev/export"
)

// globs is a repeatable --input flag.
type globs []string

func (g *globs) String() string     { return strings.Join(*g, ",") }
func (g *globs) Set(v string) error { *g = append(*g, v); return nil }

var (
	inputs         globs
	relations      = flag.String("relations", "", "concept relations `FILE` (Clarifai ConceptRelation JSON/JSONL)")
	includeModels  = flag.Bool("include-models", false, "count model and workflow scores as labels, split by --model-threshold")
	modelThreshold = flag.Float64("model-threshold", balance.DefaultModelThreshold, "with --include-models: a model score of at least `X` is a positive")
	formatIn       = flag.String("format-in", "auto", "input format: auto, jsonl, json, csv, openimages")
	strictValues   = flag.Bool("strict-values", false, "treat an omitted concept value as an error instead of Clarifai's HTTP default (positive)")
	softValues     = flag.Bool("soft-values", false, "accept values between 0 and 1 (otherwise only 0 and 1)")
	maxErrors      = flag.Int("max-errors", 1, "collect up to `N` bad records per file and report them all before failing")
	ratio          = flag.Float64("ratio", balance.DefaultTargetRatio, "target negatives:positives `ratio`; below it a concept has few-negatives")
	minPositives   = flag.Int("min-positives", balance.DefaultMinPositives, "fewest positives a concept needs (`N`); below it few-positives")
	output         = flag.String("output", "", "report: the JSON report's `FILE` (local or object storage)")
	outDir         = flag.String("out", "", "export: the output `DIR` (local or object storage)")
	layout         = flag.String("layout", "training", "export: layout, long, training or stats")
	force          = flag.Bool("force", false, "replace an existing --output file or --out folder")
	splitSpec      = flag.String("split", "", "export --layout training: split `shares`, e.g. train=0.8,val=0.1,test=0.1 (rarest-label buckets; see the README)")
	seed           = flag.Uint64("seed", 1, "seed for the split")
	groupBy        = flag.String("group-by", "", "with --split: keep inputs with the same `metadata.FIELD` value in one split")
)

func init() {
	flag.Var(&inputs, "input", "dataset files, a `GLOB` (repeatable): JSONL, JSON, CSV or Open Images CSV, local or gs://")
}

const usage = `usage: curate-beam COMMAND [flags]

Commands:
  report   the balance report as JSON (what curate report --format json writes)
  export   Parquet shards and a manifest (--layout long, training or stats)

Runners: Prism in this process by default; --runner dataflow with --project,
--region and --staging_location; --runner universal --endpoint HOST:PORT for
a Flink or Spark job server. Flags:
`

func main() {
	flag.Usage = func() {
		fmt.Fprint(flag.CommandLine.Output(), usage)
		flag.PrintDefaults()
	}
	cmd := ""
	args := os.Args[1:]
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		cmd, args = args[0], args[1:]
	}
	if err := flag.CommandLine.Parse(args); err != nil {
		os.Exit(2)
	}
	// A worker started by a runner (--worker) never returns from Init.
	beam.Init()
	if err := run(context.Background(), cmd); err != nil {
		fmt.Fprintf(os.Stderr, "curate-beam: %v\n", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, cmd string) error {
	switch cmd {
	case "report", "export":
	case "":
		flag.Usage()
		return fmt.Errorf("want a command: report or export")
	default:
		flag.Usage()
		return fmt.Errorf("unknown command %q (want report or export)", cmd)
	}
	if flag.NArg() > 0 {
		return fmt.Errorf("%s: unexpected argument %q; name files with --input GLOB", cmd, flag.Arg(0))
	}
	if len(inputs) == 0 {
		return fmt.Errorf("%s: want at least one --input GLOB", cmd)
	}
	labels, err := readLabels(ctx)
	if err != nil {
		return err
	}
	if _, err := labels.Rules(ctx); err != nil {
		return err
	}
	load := pipeline.Load{Format: *formatIn, StrictValues: *strictValues, SoftValues: *softValues, MaxErrors: *maxErrors}
	if *maxErrors < 1 {
		return fmt.Errorf("--max-errors: want at least 1, got %d", *maxErrors)
	}
	files, err := pipeline.Expand(ctx, inputs)
	if err != nil {
		return err
	}
	p, s := beam.NewPipelineWithRoot()
	switch cmd {
	case "report":
		if *output == "" {
			return fmt.Errorf("report: want --output FILE")
		}
		if *ratio <= 0 {
			return fmt.Errorf("--ratio: want a number above 0, got %g", *ratio)
		}
		if *minPositives < 0 {
			return fmt.Errorf("--min-positives: want at least 0, got %d", *minPositives)
		}
		if err := refuseExisting(ctx, *output); err != nil {
			return err
		}
		pipeline.Report(s, pipeline.ReportOptions{
			Files: files, Load: load, Labels: labels, Output: *output,
			Thresholds: balance.Thresholds{TargetRatio: *ratio, MinPositives: *minPositives},
		})
	case "export":
		if *outDir == "" {
			return fmt.Errorf("export: want --out DIR")
		}
		eo := pipeline.ExportOptions{Files: files, Load: load, Labels: labels, Out: *outDir, Seed: *seed}
		if *groupBy != "" {
			field, ok := strings.CutPrefix(*groupBy, "metadata.")
			if !ok || field == "" {
				return fmt.Errorf("--group-by: want metadata.FIELD, got %q", *groupBy)
			}
			if *splitSpec == "" {
				return fmt.Errorf("export: --group-by needs --split")
			}
			eo.GroupField = field
		}
		if *splitSpec != "" {
			if *layout != "training" {
				return fmt.Errorf("export: --split applies to --layout training in curate-beam")
			}
			if eo.Splits, err = export.ParseSplit(*splitSpec); err != nil {
				return fmt.Errorf("--split: %w", err)
			}
		}
		switch *layout {
		case "long":
			if len(labels.Relations) > 0 {
				return fmt.Errorf("export: relations apply to the training and stats layouts; the long layout writes annotations as they are")
			}
			if err := pipeline.PrepareOut(ctx, *outDir, *force); err != nil {
				return err
			}
			pipeline.ExportLong(s, eo)
		case "training":
			if err := pipeline.PrepareOut(ctx, *outDir, *force); err != nil {
				return err
			}
			pipeline.ExportTraining(s, eo)
		case "stats":
			if err := pipeline.PrepareOut(ctx, *outDir, *force); err != nil {
				return err
			}
			pipeline.ExportStats(s, eo)
		default:
			return fmt.Errorf("export: --layout %s: want long, training or stats", *layout)
		}
	}
	local, err := runPipeline(ctx, p)
	if err != nil || !local {
		return err
	}
	// On Prism in this process the job is over: a job whose files hold
	// no records ends without writing anything; say so rather than exit
	// as if it had written a report or an export.
	want := *output
	if cmd == "export" {
		want = *outDir + "/" + pipeline.ManifestName
	}
	fs, err := filesystem.New(ctx, want)
	if err != nil {
		return err
	}
	defer fs.Close()
	if _, err := fs.Size(ctx, want); err != nil {
		return fmt.Errorf("%s: the files hold no records, so there is nothing to write (%s not written)", cmd, want)
	}
	return nil
}

// runPipeline runs p on the runner --runner names: Prism by default, in
// this process and on loopback only (third_party/prism); any other runner
// as Beam runs it ("direct", Beam's deprecated name for Prism, gets the
// same loopback Prism). local says the job ran to its end here.
func runPipeline(ctx context.Context, p *beam.Pipeline) (local bool, err error) {
	switch *runners.Runner {
	case "", "prism", "PrismRunner", "direct", "DirectRunner":
		local := *jobopts.Endpoint == "" // else a job server elsewhere
		_, err := prism.Execute(ctx, p)
		return local, err
	}
	return false, beamx.Run(ctx, p)
}

// readLabels reads the relations file in the launching process: workers
// get its content with the pipeline, wherever they run.
func readLabels(ctx context.Context) (pipeline.Labels, error) {
	if *modelThreshold < 0 || *modelThreshold > 1 {
		return pipeline.Labels{}, fmt.Errorf("--model-threshold: want a score from 0 to 1, got %g", *modelThreshold)
	}
	thresholdSet := false
	flag.Visit(func(f *flag.Flag) { thresholdSet = thresholdSet || f.Name == "model-threshold" })
	if thresholdSet && !*includeModels {
		return pipeline.Labels{}, fmt.Errorf("--model-threshold needs --include-models")
	}
	l := pipeline.Labels{IncludeModels: *includeModels, ModelThreshold: float32(*modelThreshold), RelationsName: *relations}
	if *relations == "" {
		return l, nil
	}
	b, err := readAll(ctx, *relations)
	if err != nil {
		return l, fmt.Errorf("--relations: %w", err)
	}
	l.Relations = b
	return l, nil
}

func readAll(ctx context.Context, path string) ([]byte, error) {
	fs, err := filesystem.New(ctx, path)
	if err != nil {
		return nil, err
	}
	defer fs.Close()
	r, err := fs.OpenRead(ctx, path)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	return io.ReadAll(r)
}

// refuseExisting refuses to overwrite a file unless --force.
func refuseExisting(ctx context.Context, path string) error {
	if *force {
		return nil
	}
	fs, err := filesystem.New(ctx, path)
	if err != nil {
		return err
	}
	defer fs.Close()
	if _, err := fs.Size(ctx, path); err == nil {
		return fmt.Errorf("%s exists; pass --force to replace it", path)
	}
	return nil
}
