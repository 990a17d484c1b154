package pipeline

import (
	"context"
	"io"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/register"

	"curate.dev/export"
	"curate.dev/label"
)

func init() {
	register.DoFn4x1[context.Context, []byte, []byte, func(Shard), error](&statsFn{})
}

// ExportStats adds the stats layout to the pipeline: the per-concept
// counts of the report (the same combiner), written as one Parquet file
// through package export, then the manifest.
func ExportStats(s beam.Scope, opts ExportOptions) {
	s = s.Scope("export-stats")
	rows, sums := Grouped(s, opts.Files, opts.Load, opts.Labels)
	partial := beam.Combine(s, &countFn{Labels: opts.Labels}, rows)
	summary := beam.Combine(s, summaryFn{}, sums)
	shard := beam.ParDo(s, &statsFn{Labels: opts.Labels, Out: opts.Out}, partial, beam.SideInput{Input: summary})
	all := beam.Combine(s, &shardsFn{}, shard)
	concepts := beam.ParDo(s, conceptsFn{}, summary)
	beam.ParDo0(s, &manifestFn{Out: opts.Out, Layout: "stats"}, all, beam.SideInput{Input: concepts})
}

// statsFn writes the stats file of the merged count.
type statsFn struct {
	Labels Labels
	Out    string
}

func (f *statsFn) ProcessElement(ctx context.Context, partial, summary []byte, emit func(Shard)) error {
	rules, err := f.Labels.Rules(ctx)
	if err != nil {
		return err
	}
	p, err := decodePartial(partial)
	if err != nil {
		return err
	}
	rs, err := decodeSummary(summary)
	if err != nil {
		return err
	}
	res := label.Assemble(rules, &p, &rs)
	const name = "part-00000.parquet"
	err = WriteWhole(ctx, joinPath(f.Out, name), func(w io.Writer) error {
		return export.WriteStatsResult(ctx, w, res, export.WithFormat(export.Parquet))
	})
	if err != nil {
		return err
	}
	emit(Shard{Name: name, Rows: int64(len(res.Concepts))})
	return nil
}
