package export

import (
	"context"
	"encoding/json"
	"fmt"
	"io"

	"github.com/apache/arrow/go/v15/arrow/array"

	"curate.dev/label"
)

// This file writes one shard of a training export whose inputs are spread
// over many writers (a distributed job): each writer collects the labels
// of its own inputs, and every shard carries the label vector over the
// dataset's whole concept list, counted beforehand.

// LabelsOver returns the collector's label matrix with the label vector
// over concepts: the concept list of the whole dataset (sorted, as
// [Labels.Concepts] is), of which the collector's concepts are a part.
// A concept of the collector that concepts lacks is an error. The
// collector should not be used after.
func (c *LabelCollector) LabelsOver(concepts []string) (*Labels, error) {
	l := c.Labels()
	at := make(map[string]int32, len(concepts))
	for k, id := range concepts {
		if k > 0 && concepts[k-1] >= id {
			return nil, fmt.Errorf("export: concept list not sorted at %q", id)
		}
		at[id] = int32(k)
	}
	remap := make([]int32, len(l.Concepts))
	names := make([]string, len(concepts))
	for k, id := range l.Concepts {
		g, ok := at[id]
		if !ok {
			return nil, fmt.Errorf("export: concept %q is not in the concept list", id)
		}
		remap[k] = g
		names[g] = l.Names[k]
	}
	// Both lists are sorted, so each row stays in concept order.
	for i, k := range l.conc {
		l.conc[i] = remap[k]
	}
	l.Concepts, l.Names = concepts, names
	return l, nil
}

// WriteTraining writes the training layout of every input of inputs
// (records with the input_id, url, text and metadata columns of
// dataset.InputSchema) to one file on w in the configured format, with
// their labels from l (the caller closes w). With split ("": none) every
// row ends with the [ColSplit] column holding it, as in a split export.
// It returns the rows written.
func WriteTraining(ctx context.Context, w io.Writer, l *Labels, inputs array.RecordReader, split string, opts ...Option) (int64, error) {
	cfg := defaultConfig()
	for _, o := range opts {
		o(&cfg)
	}
	b := newTrainingBuilder(l, nil, &cfg)
	schema := b.schema
	var pw *partWriter
	if split != "" {
		pw = newPartWriter(nil, split, b.schema, &cfg)
		schema = pw.schema
		defer func() {
			if pw.col != nil {
				pw.col.Release()
			}
		}()
	}
	tw, err := newTableWriter(w, schema, &cfg)
	if err != nil {
		return 0, err
	}
	var rows int64
	for inputs.Next() {
		if err := ctx.Err(); err != nil {
			tw.Close()
			return rows, err
		}
		rec, _, err := b.build(inputs.Record(), nil)
		if err != nil {
			tw.Close()
			return rows, err
		}
		if pw != nil {
			withSplit := pw.withSplit(rec)
			rec.Release()
			rec = withSplit
		}
		err = tw.Write(rec)
		rows += rec.NumRows()
		rec.Release()
		if err != nil {
			tw.Close()
			return rows, fmt.Errorf("export: %w", err)
		}
	}
	if err := inputs.Err(); err != nil {
		tw.Close()
		return rows, err
	}
	if err := tw.Close(); err != nil {
		return rows, fmt.Errorf("export: %w", err)
	}
	return rows, nil
}

// WriteStatsResult writes the stats layout of a count the label core made
// elsewhere (label.Assemble over partial counts: every concept of res, in
// its order, sorted by id as [Labels.Concepts] is) to one file on w (the
// caller closes w).
func WriteStatsResult(ctx context.Context, w io.Writer, res label.Result, opts ...Option) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	cfg := defaultConfig()
	for _, o := range opts {
		o(&cfg)
	}
	l := &Labels{Concepts: make([]string, len(res.Concepts)), Names: make([]string, len(res.Concepts))}
	st := make([]ConceptStats, len(res.Concepts))
	for k, c := range res.Concepts {
		l.Concepts[k], l.Names[k], st[k] = c.ID, c.Name, StatsOf(c.Counts)
	}
	rec := statsRecord(cfg.mem, l, st)
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

// StatsOf returns the stats of one concept's label counts: unknown holds
// the implied negatives and the unknown together.
func StatsOf(k label.Counts) ConceptStats {
	return ConceptStats{
		Positives: int64(k.Positives), Negatives: int64(k.Negatives), Conflicts: int64(k.Conflicts),
		Unknown: int64(k.ImpliedNegatives + k.Unknown),
	}
}

// GroupKey returns the group an input's metadata puts it in for a split
// that keeps groups together (--group-by metadata.FIELD): the JSON text of
// the metadata object's top-level field, when it has one that is not
// null. Metadata that is not a JSON object has no group.
func GroupKey(metadata, field string) (string, bool) {
	var obj map[string]json.RawMessage
	return groupKey(&obj, metadata, field)
}

// groupKey is [GroupKey] parsing into *obj, a map kept from call to call.
func groupKey(obj *map[string]json.RawMessage, metadata, field string) (string, bool) {
	clear(*obj)
	if json.Unmarshal([]byte(metadata), obj) != nil {
		return "", false
	}
	v, ok := (*obj)[field]
	if !ok || string(v) == "null" {
		return "", false
	}
	return string(v), true // a copy
}
