package export

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"

	"curate.dev/dataset"
	"curate.dev/label"
)

// Opener starts a fresh pass over the dataset. The training and stats
// layouts read their source once, the long layout with a split twice
// (labels and splits first, rows second); inputs says whether the pass
// needs the inputs table.
type Opener func(ctx context.Context, inputs bool) (*dataset.Reader, error)

// Request says what to export.
type Request struct {
	Layout Layout
	// Splits are the requested split shares; nil writes one unsplit set.
	Splits []Fraction
	// Seed makes the split reproducible.
	Seed uint64
	// GroupField keeps inputs with the same metadata field value in one
	// split ("" for none).
	GroupField string
	// Rules read annotations as labels (package label): model scores,
	// and the relations that close the labels of the training and stats
	// layouts. The long layout writes annotations as they are, so a
	// hierarchy with it is an error.
	Rules label.Rules
}

// Plan is what the first pass learned: the label matrix and, when
// splitting, each input's split with its deviation report beside that of
// a seeded random split.
//
// A Plan from [MakePlan] keeps the whole matrix; one from [Write] keeps
// only what the export needs after its one read of the source: the
// concepts and each split's counts ([Plan.SplitStats]), not every input's
// labels ([Labels.HasRows] is false).
type Plan struct {
	Labels *Labels
	Splits []Fraction
	Assign []int8 // split index per input; nil without splits
	Report *SplitReport
	Random *SplitReport
	// RowConflicts counts the inputs of a training export that came back
	// on a later line with a url, text or metadata other than the one an
	// earlier line gave: the earlier is kept (a field an earlier line left
	// empty is taken from the later one).
	RowConflicts int64

	stats [][]ConceptStats // per split, when Labels has no rows
}

// SplitStats returns the counts of each concept over the inputs of split
// j (the index into Splits), or over every input when there are no
// splits (j = 0).
func (p *Plan) SplitStats(j int) []ConceptStats {
	if p.stats != nil {
		return slices.Clone(p.stats[j])
	}
	if p.Assign == nil {
		return CountStats(p.Labels, nil)
	}
	return CountStats(p.Labels, func(i int) bool { return int(p.Assign[i]) == j })
}

// dropRows keeps each split's counts and frees the label matrix.
func (p *Plan) dropRows() {
	stats := make([][]ConceptStats, max(1, len(p.Splits)))
	for j := range stats {
		stats[j] = p.SplitStats(j)
	}
	p.Labels.stats = CountStats(p.Labels, nil)
	p.Labels.off, p.Labels.ents = nil, nil
	p.stats = stats
}

// Result describes a finished export.
type Result struct {
	Plan  *Plan // nil for an unsplit long export
	Files []FileInfo
	Rows  int64
}

// ErrLongRelations reports relations given for the long layout, which
// writes annotations as they are: relations close the labels of the
// training and stats layouts only.
var ErrLongRelations = errors.New("export: relations apply to the training and stats layouts; the long layout writes annotations as they are")

// SidecarName is the JSON file, written beside the data files of the
// training and stats layouts, that lists the concepts in label order.
const SidecarName = "_concepts.json"

// Write writes the requested layout to sink: under "split=NAME/" folders
// when splitting, as part-NNNNN files. On any error it aborts the sink,
// so no file appears complete; on success it commits it.
func Write(ctx context.Context, open Opener, sink Sink, req Request, opts ...Option) (res *Result, err error) {
	cfg := defaultConfig()
	for _, o := range opts {
		o(&cfg)
	}
	defer func() {
		if err != nil {
			sink.Abort()
			res = nil
		}
	}()
	res = &Result{}
	if req.Layout == Long && req.Rules.Hierarchy != nil {
		return nil, ErrLongRelations
	}
	var sw *splitWriter
	switch req.Layout {
	case Long:
		// A split needs every input's labels before the first row: two
		// passes.
		if len(req.Splits) > 0 {
			if res.Plan, err = MakePlan(ctx, open, req); err != nil {
				return nil, err
			}
		}
		sw, err = exportLong(ctx, open, sink, res.Plan, &cfg)
	case Training:
		res.Plan, sw, err = exportTrainingOnce(ctx, open, sink, req, &cfg)
	case Stats:
		if res.Plan, err = statsPlan(ctx, open, req); err == nil {
			sw, err = exportStats(ctx, sink, res.Plan, &cfg)
		}
	default:
		err = fmt.Errorf("export: unknown layout %d", req.Layout)
	}
	if err != nil {
		return nil, err
	}
	res.Files = sw.Files()
	for _, f := range res.Files {
		res.Rows += f.Rows
	}
	if req.Layout != Long {
		if err := writeSidecar(ctx, sink, res.Plan, &cfg); err != nil {
			return nil, err
		}
	}
	if err := sink.Commit(ctx); err != nil {
		return nil, err
	}
	return res, nil
}

// MakePlan reads the dataset once, collects its labels and, when req has
// splits, stratifies them.
func MakePlan(ctx context.Context, open Opener, req Request) (*Plan, error) {
	copts := []CollectOption{WithRules(req.Rules)}
	if req.GroupField != "" {
		copts = append(copts, WithGroupField(req.GroupField))
	}
	col := NewLabelCollector(copts...)
	r, err := open(ctx, true)
	if err != nil {
		return nil, err
	}
	defer r.Release()
	// The inputs table lists the inputs without annotations where they
	// are in the file; the reader's list of them may run ahead of the
	// batch, so it would number them early.
	withInputs := false
	for r.Next() {
		if in := r.Inputs(); in != nil {
			withInputs = true
			if err := col.AddInputs(in); err != nil {
				return nil, err
			}
		}
		if err := col.AddAnnotations(r.Annotations()); err != nil {
			return nil, err
		}
		if bare := r.UnannotatedIDs(); !withInputs {
			col.AddIDs(bare)
		}
	}
	if err := r.Err(); err != nil {
		return nil, err
	}
	if bare := r.UnannotatedIDs(); !withInputs {
		col.AddIDs(bare)
	}
	p := &Plan{Labels: col.Labels(), Splits: req.Splits}
	if len(req.Splits) > 0 {
		p.Assign = Stratify(p.Labels, req.Splits, req.Seed)
		p.Report = NewSplitReport(p.Labels, req.Splits, p.Assign)
		p.Random = NewSplitReport(p.Labels, req.Splits, RandomSplit(p.Labels, req.Splits, req.Seed))
	}
	return p, nil
}

func exportLong(ctx context.Context, open Opener, sink Sink, plan *Plan, cfg *config) (_ *splitWriter, err error) {
	r, err := open(ctx, false)
	if err != nil {
		return nil, err
	}
	defer r.Release()
	var splits []Fraction
	if plan != nil {
		splits = plan.Splits
	}
	sw := newSplitWriter(sink, splits, dataset.AnnotationSchema(), cfg)
	defer func() {
		if err != nil {
			sw.abort()
		}
	}()
	var cache dictCache
	for r.Next() {
		rec := r.Annotations()
		var splitOf func(int) int8
		if plan != nil && plan.Assign != nil {
			if splitOf, err = rowSplits(rec, plan, &cache); err != nil {
				return nil, err
			}
		}
		if err := sw.Write(ctx, rec, splitOf); err != nil {
			return nil, err
		}
	}
	if err := r.Err(); err != nil {
		return nil, err
	}
	return sw, sw.Close(ctx)
}

// rowSplits maps each annotation row to its input's split.
func rowSplits(rec arrow.Record, plan *Plan, cache *dictCache) (func(int) int8, error) {
	var missing string
	col := dataset.Column(rec, dataset.ColInputID)
	if col == nil {
		return nil, fmt.Errorf("export: annotations record lacks %s", dataset.ColInputID)
	}
	of, err := cache.indexer(col, func(id string) int32 {
		i, ok := plan.Labels.Index(id)
		if !ok {
			missing = id
			return 0
		}
		return int32(i)
	})
	if err != nil {
		return nil, err
	}
	n := int(rec.NumRows())
	splits := make([]int8, n)
	for i := 0; i < n; i++ {
		splits[i] = plan.Assign[of(i)]
	}
	if missing != "" {
		return nil, fmt.Errorf("export: input %q was not seen in the first pass (did the source change?)", missing)
	}
	return func(i int) int8 { return splits[i] }, nil
}

func exportStats(ctx context.Context, sink Sink, plan *Plan, cfg *config) (_ *splitWriter, err error) {
	sw := newSplitWriter(sink, plan.Splits, StatsSchema(plan.Labels.Concepts), cfg)
	defer func() {
		if err != nil {
			sw.abort()
		}
	}()
	for j := range max(1, len(plan.Splits)) {
		rec := statsRecord(cfg.mem, plan.Labels, plan.SplitStats(j))
		err := sw.Write(ctx, rec, func(int) int8 { return int8(j) })
		rec.Release()
		if err != nil {
			return nil, err
		}
	}
	return sw, sw.Close(ctx)
}

// Sidecar is the content of [SidecarName].
type Sidecar struct {
	Concepts []SidecarConcept `json:"concepts"`
	Encoding string           `json:"label_encoding"`
	Splits   []SidecarSplit   `json:"splits,omitempty"`
}

// SidecarConcept is one concept in label order.
type SidecarConcept struct {
	ID   string `json:"id"`
	Name string `json:"name,omitempty"`
}

// SidecarSplit is one split with its target share and input count.
type SidecarSplit struct {
	Name   string  `json:"name"`
	Share  float64 `json:"share"`
	Inputs int64   `json:"inputs"`
}

func writeSidecar(ctx context.Context, sink Sink, plan *Plan, cfg *config) error {
	sc := Sidecar{Encoding: encodingLabels, Concepts: []SidecarConcept{}}
	if cfg.targetsMask {
		sc.Encoding = encodingTargetsMask
	}
	for c, id := range plan.Labels.Concepts {
		sc.Concepts = append(sc.Concepts, SidecarConcept{id, plan.Labels.Names[c]})
	}
	if plan.Report != nil {
		for j, s := range plan.Splits {
			sc.Splits = append(sc.Splits, SidecarSplit{s.Name, s.Share, plan.Report.Inputs[j]})
		}
	}
	f, err := sink.Create(ctx, SidecarName)
	if err != nil {
		return err
	}
	enc := json.NewEncoder(f)
	enc.SetIndent("", "  ")
	if err := enc.Encode(sc); err != nil {
		return fmt.Errorf("export: %s: %w", SidecarName, err)
	}
	return f.Close()
}

// WriteRecords writes every record of rr, whatever its schema (a
// suggestions table, say), to one file on w in the configured format (the
// caller closes w). It returns the number of rows written.
func WriteRecords(ctx context.Context, w io.Writer, anns array.RecordReader, opts ...Option) (int64, error) {
	cfg := defaultConfig()
	for _, o := range opts {
		o(&cfg)
	}
	tw, err := newTableWriter(w, anns.Schema(), &cfg)
	if err != nil {
		return 0, err
	}
	var rows int64
	for anns.Next() {
		if err := ctx.Err(); err != nil {
			tw.Close()
			return rows, err
		}
		rec := anns.Record()
		if err := tw.Write(rec); err != nil {
			tw.Close()
			return rows, fmt.Errorf("export: %w", err)
		}
		rows += rec.NumRows()
	}
	if err := anns.Err(); err != nil {
		tw.Close()
		return rows, err
	}
	if err := tw.Close(); err != nil {
		return rows, fmt.Errorf("export: %w", err)
	}
	return rows, nil
}

// WriteStats writes the stats layout over all of l's inputs to one file
// on w (the caller closes w).
func WriteStats(ctx context.Context, w io.Writer, l *Labels, opts ...Option) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	cfg := defaultConfig()
	for _, o := range opts {
		o(&cfg)
	}
	rec := statsRecord(cfg.mem, l, CountStats(l, nil))
	defer rec.Release()
	tw, err := newTableWriter(w, rec.Schema(), &cfg)
	if err != nil {
		return err
	}
	if err := tw.Write(rec); err != nil {
		tw.Close()
		return fmt.Errorf("export: %w", err)
	}
	if err := tw.Close(); err != nil {
		return fmt.Errorf("export: %w", err)
	}
	return nil
}
