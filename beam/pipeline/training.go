package pipeline

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"slices"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/register"

	"curate.dev/export"
	"curate.dev/label"
)

func init() {
	register.DoFn2x1[[]byte, func([]byte), error](&conceptsFn{})
	register.DoFn5x1[context.Context, string, []byte, []byte, func(Shard), error](&trainingFn{})
	register.DoFn3x1[context.Context, []Shard, []byte, error](&manifestFn{})
}

// shardRows is how many inputs a training shard holds at most: a bundle
// of more inputs writes several shards.
const shardRows = 1 << 18

// ExportTraining adds the training layout to the pipeline: a first stage
// counts the dataset's concept list (the concepts with a counted
// annotation, sorted: the label-vector order of `curate export`), passed
// on as a side input; every bundle of grouped inputs writes its own
// Parquet shards through package export (a temporary name, then the final
// one); the manifest, with the concept list, comes last.
func ExportTraining(s beam.Scope, opts ExportOptions) {
	s = s.Scope("export-training")
	rows, sums := GroupedInputs(s, opts.Files, opts.Load, opts.Labels)
	concepts := beam.ParDo(s, conceptsFn{}, beam.Combine(s, summaryFn{}, sums))
	var names []string
	if len(opts.Splits) > 0 {
		rows = Split(s, rows, opts.Labels, opts.Splits, opts.Seed, opts.GroupField)
		for _, f := range opts.Splits {
			names = append(names, f.Name)
		}
	}
	shards := beam.ParDo(s, &trainingFn{Labels: opts.Labels, Out: opts.Out, Splits: names}, rows, beam.SideInput{Input: concepts})
	all := beam.Combine(s, &shardsFn{}, shards)
	beam.ParDo0(s, &manifestFn{Out: opts.Out, Layout: "training"}, all, beam.SideInput{Input: concepts})
}

// conceptsFn turns the merged row summary into the concept list, as JSON.
type conceptsFn struct{}

func (conceptsFn) ProcessElement(summary []byte, emit func([]byte)) error {
	rs, err := decodeSummary(summary)
	if err != nil {
		return err
	}
	ids := make([]string, 0, len(rs.Concepts))
	for id := range rs.Concepts {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	emit(jsonOf(ids))
	return nil
}

func jsonOf(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // only slices of strings and plain structs come here
	}
	return b
}

// trainingFn gathers a bundle's inputs and writes them as training
// shards: their labels closed by a label.Closer, the rows built by
// package export over the whole concept list.
type trainingFn struct {
	Labels Labels
	Out    string
	Splits []string // split names; none: one unsplit set

	rules    label.Rules
	closer   *label.Closer
	concepts []string
	batches  map[int8]*batch // per split (0 without splits)
}

// batch is the inputs of one split a bundle has gathered.
type batch struct {
	ids []string
	in  []Packed
}

func (f *trainingFn) Setup(ctx context.Context) error {
	var err error
	f.rules, err = f.Labels.Rules(ctx)
	f.batches = map[int8]*batch{}
	return err
}

func (f *trainingFn) ProcessElement(ctx context.Context, id string, packed []byte, concepts []byte, emit func(Shard)) error {
	if f.concepts == nil {
		if err := json.Unmarshal(concepts, &f.concepts); err != nil {
			return err
		}
		if f.concepts == nil {
			f.concepts = []string{}
		}
	}
	var p Packed
	if err := p.Unpack(packed); err != nil {
		return fmt.Errorf("input %q: %w", id, err)
	}
	if len(f.Splits) > 0 && (!p.HasSplit || int(p.Split) >= len(f.Splits)) {
		return fmt.Errorf("input %q: no split assigned", id)
	}
	b := f.batches[p.Split]
	if b == nil {
		b = &batch{}
		f.batches[p.Split] = b
	}
	b.ids, b.in = append(b.ids, id), append(b.in, p)
	if len(b.ids) >= shardRows {
		return f.flush(ctx, p.Split, b, emit)
	}
	return nil
}

func (f *trainingFn) FinishBundle(ctx context.Context, _ []byte, emit func(Shard)) error {
	for j, b := range f.batches {
		if len(b.ids) > 0 {
			if err := f.flush(ctx, j, b, emit); err != nil {
				return err
			}
		}
	}
	return nil
}

// flush writes the gathered inputs as one shard.
func (f *trainingFn) flush(ctx context.Context, j int8, b *batch, emit func(Shard)) error {
	defer func() { b.ids, b.in = b.ids[:0], b.in[:0] }()
	split, base := "", "part"
	if len(f.Splits) > 0 {
		split, base = f.Splits[j], f.Splits[j]
	}
	// The merged rows are closed by the label core; model scores were
	// read into labels (or left out) when the files were read.
	if f.closer == nil {
		f.closer = label.NewCloser(f.rules)
	}
	inputs := make([]export.TrainingInput, len(b.ids))
	for i, id := range b.ids {
		p := &b.in[i]
		inputs[i] = export.TrainingInput{ID: id, URL: p.Fields.URL, Text: p.Fields.Text, Metadata: p.Fields.Metadata,
			Labels: f.closer.Close(nil, p.Row)}
	}
	var rnd [8]byte
	rand.Read(rnd[:])
	name := fmt.Sprintf("%s-%s.parquet", base, hex.EncodeToString(rnd[:]))
	var rows int64
	err := WriteWhole(ctx, joinPath(f.Out, name), func(w io.Writer) error {
		var err error
		rows, err = export.WriteTraining(ctx, w, f.concepts, inputs, split, export.WithFormat(export.Parquet))
		return err
	})
	if err != nil {
		return err
	}
	emit(Shard{Name: name, Rows: rows, Split: split})
	return nil
}
