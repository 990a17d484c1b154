// Package pipeline builds curate's batch jobs as Apache Beam pipelines,
// for data past one machine: the balance report (Report) and the exports
// (ExportLong, ExportTraining with an optional Split, ExportStats). They
// read datasets with curate's own readers
// (package dataset) and count with the label core's mergeable units
// (package label: a Set per chunk of a file, IDEntry rows merged per input
// id, a Closer and Partial counts combined across workers), so a count
// here is the count `curate report` gives for the same files.
//
// Any Beam runner runs them: Prism in-process by default, Dataflow, and
// Flink or Spark through their portable job servers. Files are named by
// globs on any filesystem Beam's Go SDK registers (local paths, gs://).
package pipeline

import (
	"bytes"
	"context"
	"encoding/gob"
	"fmt"
	"io"
	"reflect"
	"sort"
	"strings"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/io/filesystem"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/register"

	"curate.dev/balance"
	"curate.dev/dataset"
	"curate.dev/label"
)

func init() {
	register.DoFn4x1[context.Context, File, func(string, []byte), func([]byte), error](&readFn{})
	register.Emitter2[string, []byte]()
	register.Emitter1[[]byte]()
	register.DoFn3x1[string, func(*[]byte) bool, func([]byte), error](&mergeFn{})
	register.Iter1[[]byte]()
	register.DoFn3x1[string, func(*[]byte) bool, func(string, []byte), error](&mergeKeyedFn{})
	register.Combiner3[label.Partial, []byte, []byte](&countFn{})
	register.Combiner3[label.RowSummary, []byte, []byte](&summaryFn{})
	register.DoFn4x1[context.Context, []byte, []byte, func([]byte), error](&reportFn{})
	register.DoFn2x1[context.Context, []byte, error](&writeFileFn{})
	beam.RegisterCoder(reflect.TypeOf(label.Partial{}), encodePartial, decodePartial)
	beam.RegisterCoder(reflect.TypeOf(label.RowSummary{}), encodeSummary, decodeSummary)
	beam.RegisterType(reflect.TypeOf(File{}))
}

// Coders of the accumulators: named functions, one per type, as Beam
// registers coders by function name.
func encodePartial(p label.Partial) ([]byte, error)    { return gobEncode(p) }
func decodePartial(b []byte) (label.Partial, error)    { return gobDecode[label.Partial](b) }
func encodeSummary(s label.RowSummary) ([]byte, error) { return gobEncode(s) }
func decodeSummary(b []byte) (label.RowSummary, error) { return gobDecode[label.RowSummary](b) }

func gobEncode[T any](v T) ([]byte, error) {
	var b bytes.Buffer
	err := gob.NewEncoder(&b).Encode(&v)
	return b.Bytes(), err
}

func gobDecode[T any](p []byte) (T, error) {
	var v T
	err := gob.NewDecoder(bytes.NewReader(p)).Decode(&v)
	return v, err
}

// File is one dataset file of a job and its place among them: names go
// to the concept a source named first, in the order of Rank.
type File struct {
	Path string
	Rank int64
}

// Load are the loading flags of `curate report` that apply to files.
type Load struct {
	Format       string // auto, jsonl, json, csv, openimages
	StrictValues bool
	SoftValues   bool
	MaxErrors    int
}

func (l Load) options(name string) ([]dataset.Option, error) {
	f, ok := dataset.ParseFormat(l.Format)
	if !ok {
		return nil, fmt.Errorf("--format-in: unknown format %q (want auto, jsonl, json, csv or openimages)", l.Format)
	}
	maxErr := l.MaxErrors
	if maxErr < 1 {
		maxErr = 1
	}
	return []dataset.Option{
		dataset.WithName(name),
		dataset.WithFormat(f),
		dataset.WithStrictValues(l.StrictValues),
		dataset.WithSoftValues(l.SoftValues),
		dataset.WithMaxErrors(maxErr),
	}, nil
}

// Labels are the label flags: the relations file's content (JSON or
// JSONL, as `curate report --relations` reads it) and the model rules.
type Labels struct {
	Relations      []byte
	RelationsName  string
	IncludeModels  bool
	ModelThreshold float32
}

// Rules returns the label rules: relations parsed into a hierarchy.
func (l Labels) Rules(ctx context.Context) (label.Rules, error) {
	r := label.Rules{IncludeModels: l.IncludeModels, ModelThreshold: l.ModelThreshold}
	if len(l.Relations) == 0 {
		return r, nil
	}
	rels, err := dataset.ReadRelations(ctx, bytes.NewReader(l.Relations), l.RelationsName)
	if err != nil {
		return r, err
	}
	if r.Hierarchy, err = label.NewHierarchy(rels); err != nil {
		return r, fmt.Errorf("%s: %w", l.RelationsName, err)
	}
	return r, nil
}

// Expand lists the files the globs name, each glob's matches sorted, in
// the order of the globs: a file named twice is read once, at its first
// place. A glob that matches nothing is an error.
func Expand(ctx context.Context, globs []string) ([]File, error) {
	var out []File
	seen := map[string]bool{}
	for _, g := range globs {
		fs, err := filesystem.New(ctx, g)
		if err != nil {
			return nil, err
		}
		names, err := fs.List(ctx, g)
		fs.Close()
		if err != nil {
			return nil, fmt.Errorf("--input %s: %w", g, err)
		}
		if len(names) == 0 {
			return nil, fmt.Errorf("--input %s: no file matches", g)
		}
		sort.Strings(names)
		for _, n := range names {
			if !seen[n] {
				seen[n] = true
				out = append(out, File{Path: n, Rank: int64(len(out)) << 32})
			}
		}
	}
	return out, nil
}

// chunkInputs bounds a reading worker's memory: a file's inputs are held
// in a label.Set this many at a time, then sent on. An input that spans
// chunks or files is merged after the group-by. (A variable so that the
// tests can make chunks small.)
var chunkInputs = 1 << 18

// readFn reads one dataset file with curate's readers and emits, per
// distinct input of each chunk, its labels as annotated (KV input id,
// packed value: see [Packed]), and per chunk what its rows said (a
// RowSummary). With Fields, the packed value also holds the input's url,
// text and metadata, for the training layout.
type readFn struct {
	Load   Load
	Labels Labels
	Fields bool
	rules  label.Rules
}

func (f *readFn) Setup(ctx context.Context) error {
	var err error
	f.rules, err = f.Labels.Rules(ctx)
	return err
}

func (f *readFn) ProcessElement(ctx context.Context, file File, emit func(string, []byte), emitSummary func([]byte)) error {
	src, done, err := openSource(ctx, file.Path)
	if err != nil {
		return err
	}
	defer done()
	opts, err := f.Load.options(file.Path)
	if err != nil {
		return err
	}
	// The Set copies every string it keeps, so buffers may be reused.
	opts = append(opts, dataset.WithInputs(f.Fields), dataset.WithEmbeddingDim(-1), dataset.WithReuseBuffers(!f.Fields))
	r, err := dataset.NewReader(ctx, src, opts...)
	if err != nil {
		return err
	}
	defer r.Release()
	rank := file.Rank
	set := label.NewSet(f.rules)
	fields := map[string]Fields{}
	var p Packed
	var buf []byte
	flush := func() error {
		for i := range set.NumInputs() {
			id := set.InputID(i)
			p.Row = set.IDRow(i, p.Row[:0])
			p.Fields, p.HasFields = fields[id], f.Fields
			p.Fields.Rank = rank
			buf = p.Append(buf[:0])
			emit(id, append([]byte(nil), buf...))
		}
		sum, err := gobEncode(set.RowSummary(rank))
		if err != nil {
			return err
		}
		emitSummary(sum)
		rank++
		set = label.NewSet(f.rules)
		clear(fields)
		return nil
	}
	for r.Next() {
		if f.Fields {
			if err := addFields(set, fields, r.Inputs()); err != nil {
				return fmt.Errorf("%s: %w", file.Path, err)
			}
		}
		if err := set.AddAnnotations(r.Annotations()); err != nil {
			return fmt.Errorf("%s: %w", file.Path, err)
		}
		set.AddIDs(r.UnannotatedIDs())
		if set.NumInputs() >= chunkInputs {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	if err := r.Err(); err != nil {
		return err
	}
	set.AddIDs(r.UnannotatedIDs())
	return flush()
}

// addFields registers the inputs of an inputs record in set and keeps
// the first url, text and metadata each has.
func addFields(set *label.Set, fields map[string]Fields, rec arrow.Record) error {
	if rec == nil {
		return nil
	}
	col := func(name string) (*array.String, error) {
		idx := rec.Schema().FieldIndices(name)
		if len(idx) == 0 {
			return nil, fmt.Errorf("inputs record lacks %s", name)
		}
		c, ok := rec.Column(idx[0]).(*array.String)
		if !ok {
			return nil, fmt.Errorf("inputs column %s is %s, want utf8", name, rec.Column(idx[0]).DataType())
		}
		return c, nil
	}
	var cols [4]*array.String
	for k, name := range []string{dataset.ColInputID, dataset.ColURL, dataset.ColText, dataset.ColMetadata} {
		c, err := col(name)
		if err != nil {
			return err
		}
		cols[k] = c
	}
	for i := range int(rec.NumRows()) {
		id := cols[0].Value(i)
		set.Input(id)
		// As curate export does: each field is the first line's, filled
		// from a later line where the earlier left it empty.
		if f, ok := fields[id]; ok {
			fillFields(&f, Fields{URL: cols[1].Value(i), Text: cols[2].Value(i), Metadata: cols[3].Value(i)})
			fields[id] = f
			continue
		}
		fields[strings.Clone(id)] = Fields{URL: strings.Clone(cols[1].Value(i)), Text: strings.Clone(cols[2].Value(i)), Metadata: strings.Clone(cols[3].Value(i))}
	}
	return nil
}

// mergeFn merges the rows an input has in every chunk and file into one
// (label.MergeIDRows), keeping the fields of the earliest file that has
// any, and emits it packed.
type mergeFn struct{}

func (mergeFn) ProcessElement(id string, parts func(*[]byte) bool, emit func([]byte)) error {
	out, err := mergeParts(id, parts)
	if err != nil {
		return err
	}
	emit(out.Append(nil))
	return nil
}

// mergeKeyedFn is mergeFn keeping the input id as the key.
type mergeKeyedFn struct{}

func (mergeKeyedFn) ProcessElement(id string, parts func(*[]byte) bool, emit func(string, []byte)) error {
	out, err := mergeParts(id, parts)
	if err != nil {
		return err
	}
	emit(id, out.Append(nil))
	return nil
}

func mergeParts(id string, parts func(*[]byte) bool) (Packed, error) {
	var all [][]label.IDEntry
	var out Packed
	var b []byte
	var fs []Fields
	for parts(&b) {
		var p Packed
		if err := p.Unpack(b); err != nil {
			return out, fmt.Errorf("input %q: %w", id, err)
		}
		all = append(all, p.Row)
		if p.HasFields {
			out.HasFields = true
			fs = append(fs, p.Fields)
		}
	}
	// Each field from the earliest chunk that gives it (curate export's
	// rule: the first line's, filled from later lines where it is empty).
	sort.SliceStable(fs, func(i, j int) bool { return fs[i].Rank < fs[j].Rank })
	for i, f := range fs {
		if i == 0 {
			out.Fields = f
			continue
		}
		fillFields(&out.Fields, f)
	}
	if len(all) == 1 {
		out.Row = all[0] // one part: already one entry per concept
	} else {
		out.Row = label.MergeIDRows(all...)
	}
	return out, nil
}

// countFn counts distinct inputs' merged rows into a label.Partial: its
// accumulators merge, so the count runs on every worker and only
// per-concept sums cross the shuffle.
type countFn struct {
	Labels Labels
	closer *label.Closer
	in     Packed
}

func (f *countFn) Setup(ctx context.Context) error {
	rules, err := f.Labels.Rules(ctx)
	if err != nil {
		return err
	}
	f.closer = label.NewCloser(rules)
	return nil
}

func (f *countFn) CreateAccumulator() label.Partial { return label.Partial{} }

func (f *countFn) AddInput(p label.Partial, packed []byte) (label.Partial, error) {
	if err := f.in.Unpack(packed); err != nil {
		return p, err
	}
	f.closer.Count(&p, f.in.Row)
	return p, nil
}

func (f *countFn) MergeAccumulators(a, b label.Partial) label.Partial {
	a.Merge(&b)
	return a
}

func (f *countFn) ExtractOutput(p label.Partial) ([]byte, error) { return gobEncode(p) }

// summaryFn merges the chunks' row summaries.
type summaryFn struct{}

func (summaryFn) CreateAccumulator() label.RowSummary { return label.RowSummary{} }

func (summaryFn) AddInput(a label.RowSummary, p []byte) (label.RowSummary, error) {
	s, err := gobDecode[label.RowSummary](p)
	if err != nil {
		return a, err
	}
	a.Merge(&s)
	return a, nil
}

func (summaryFn) MergeAccumulators(a, b label.RowSummary) label.RowSummary {
	a.Merge(&b)
	return a
}

func (summaryFn) ExtractOutput(a label.RowSummary) ([]byte, error) { return gobEncode(a) }

// ReportOptions are what `curate-beam report` counts and how.
type ReportOptions struct {
	Files      []File
	Load       Load
	Labels     Labels
	Thresholds balance.Thresholds
	Output     string // the JSON report's path
}

// Grouped reads the files and returns one packed row per distinct input
// (its labels merged across chunks and files), with the row summaries of
// every chunk: the first stages every job shares.
func Grouped(s beam.Scope, files []File, load Load, labels Labels) (rows, summaries beam.PCollection) {
	fc := beam.Reshuffle(s, beam.CreateList(s, files))
	kv, sums := beam.ParDo2(s, &readFn{Load: load, Labels: labels}, fc)
	return beam.ParDo(s, mergeFn{}, beam.GroupByKey(s, kv)), sums
}

// GroupedInputs is Grouped keyed by input id, each packed value with the
// input's fields (url, text, metadata), for the training layout.
func GroupedInputs(s beam.Scope, files []File, load Load, labels Labels) (rows, summaries beam.PCollection) {
	fc := beam.Reshuffle(s, beam.CreateList(s, files))
	kv, sums := beam.ParDo2(s, &readFn{Load: load, Labels: labels, Fields: true}, fc)
	return beam.ParDo(s, mergeKeyedFn{}, beam.GroupByKey(s, kv)), sums
}

// Report adds the balance report to the pipeline: it writes opts.Output
// with the JSON of `curate report --format json`.
func Report(s beam.Scope, opts ReportOptions) {
	s = s.Scope("report")
	rows, sums := Grouped(s, opts.Files, opts.Load, opts.Labels)
	partial := beam.Combine(s, &countFn{Labels: opts.Labels}, rows)
	summary := beam.Combine(s, summaryFn{}, sums)
	js := beam.ParDo(s, &reportFn{Labels: opts.Labels, Thresholds: opts.Thresholds}, partial, beam.SideInput{Input: summary})
	beam.ParDo0(s, &writeFileFn{Path: opts.Output}, js)
}

// reportFn assembles the report from the merged partial count and row
// summary, and renders it as `curate report --format json` does.
type reportFn struct {
	Labels     Labels
	Thresholds balance.Thresholds
}

func (f *reportFn) ProcessElement(ctx context.Context, partial, summary []byte, emit func([]byte)) error {
	rules, err := f.Labels.Rules(ctx)
	if err != nil {
		return err
	}
	p, err := gobDecode[label.Partial](partial)
	if err != nil {
		return err
	}
	rs, err := gobDecode[label.RowSummary](summary)
	if err != nil {
		return err
	}
	rep := balance.NewReport(rules, label.Assemble(rules, &p, &rs), f.Thresholds)
	if rep, err = rep.Sorted(balance.SortName); err != nil {
		return err
	}
	var b bytes.Buffer
	if err := rep.Write(&b, balance.FormatJSON); err != nil {
		return err
	}
	emit(b.Bytes())
	return nil
}

// writeFileFn writes its element to Path whole: a temporary name beside
// it, then the final one (where the filesystem can rename; object stores
// make an object visible only once it is closed).
type writeFileFn struct{ Path string }

func (f *writeFileFn) ProcessElement(ctx context.Context, data []byte) error {
	return WriteWhole(ctx, f.Path, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
}

// WriteWhole writes path through write, under a temporary name first
// when the filesystem renames, so that no reader sees half a file.
func WriteWhole(ctx context.Context, path string, write func(io.Writer) error) error {
	fs, err := filesystem.New(ctx, path)
	if err != nil {
		return err
	}
	defer fs.Close()
	ren, canRename := fs.(filesystem.Renamer)
	tmp := path
	if canRename {
		tmp = tempName(path)
	}
	w, err := fs.OpenWrite(ctx, tmp)
	if err != nil {
		return err
	}
	if err := write(w); err != nil {
		w.Close()
		removeQuietly(ctx, fs, tmp)
		return err
	}
	if err := w.Close(); err != nil {
		removeQuietly(ctx, fs, tmp)
		return err
	}
	if canRename {
		if err := ren.Rename(ctx, tmp, path); err != nil {
			removeQuietly(ctx, fs, tmp)
			return err
		}
	}
	return nil
}

func removeQuietly(ctx context.Context, fs filesystem.Interface, path string) {
	if rm, ok := fs.(filesystem.Remover); ok {
		rm.Remove(ctx, path)
	}
}

// fillFields sets each of dst's empty fields to src's, copied.
func fillFields(dst *Fields, src Fields) {
	if dst.URL == "" && src.URL != "" {
		dst.URL = strings.Clone(src.URL)
	}
	if dst.Text == "" && src.Text != "" {
		dst.Text = strings.Clone(src.Text)
	}
	if dst.Metadata == "" && src.Metadata != "" {
		dst.Metadata = strings.Clone(src.Metadata)
	}
}
