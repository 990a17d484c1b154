package export

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"

	"curate.dev/label"
)

// This file writes the shards of an export whose inputs are spread over
// many writers (a distributed job): each writer holds its own inputs'
// labels, closed by the label core elsewhere, and every shard carries the
// label vector over the dataset's whole concept list, counted beforehand.

// TrainingInput is one input's row of a training shard.
type TrainingInput struct {
	ID                  string
	URL, Text, Metadata string // "" for none (null)
	// Labels are the input's labels after the closure, by concept id
	// (label.Closer.Close); concepts not in the shard's concept list are
	// left out.
	Labels []label.IDEntry
}

// WriteTraining writes the training layout of inputs to one file on w in
// the configured format (the caller closes w), with the label vector over
// concepts: the concept list of the whole dataset, sorted, as
// [Labels.Concepts] is. With split ("": none) every row ends with the
// [ColSplit] column holding it, as in a split export. It returns the rows
// written.
func WriteTraining(ctx context.Context, w io.Writer, concepts []string, inputs []TrainingInput, split string, opts ...Option) (int64, error) {
	cfg := defaultConfig()
	for _, o := range opts {
		o(&cfg)
	}
	at := make(map[string]int32, len(concepts))
	renum := make([]int32, len(concepts))
	for k, id := range concepts {
		if k > 0 && concepts[k-1] >= id {
			return 0, fmt.Errorf("export: concept list not sorted at %q", id)
		}
		at[id] = int32(k)
		renum[k] = int32(k)
	}
	b := newTrainingBuilder(&Labels{Concepts: concepts, Names: make([]string, len(concepts))}, nil, &cfg)
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
	rb := b.rows(renum)
	var rows int64
	flush := func() error {
		rec, _ := rb.finish()
		if pw != nil {
			withSplit := pw.withSplit(rec)
			rec.Release()
			rec = withSplit
		}
		defer rec.Release()
		rows += rec.NumRows()
		if err := tw.Write(rec); err != nil {
			return fmt.Errorf("export: %w", err)
		}
		return nil
	}
	var ents []label.Entry
	var row []byte
	for _, in := range inputs {
		if err := ctx.Err(); err != nil {
			tw.Close()
			return rows, err
		}
		ents = ents[:0]
		for _, e := range in.Labels {
			if k, ok := at[e.Concept]; ok {
				ents = append(ents, label.Entry{Concept: k, Flags: e.Flags})
			}
		}
		row = row[:0]
		for _, f := range [3]string{in.URL, in.Text, in.Metadata} {
			// The spooled row's form (rowEncoder): length+1, 0 for null.
			if f == "" {
				row = append(row, 0)
				continue
			}
			row = binary.AppendUvarint(row, uint64(len(f))+1)
			row = append(row, f...)
		}
		if err := rb.add([]byte(in.ID), row, ents, 0); err != nil {
			tw.Close()
			return rows, err
		}
		if rb.n >= 1<<14 {
			if err := flush(); err != nil {
				tw.Close()
				return rows, err
			}
		}
	}
	if rb.n > 0 {
		if err := flush(); err != nil {
			tw.Close()
			return rows, err
		}
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
	for k, c := range res.Concepts {
		l.Concepts[k], l.Names[k] = c.ID, c.Name
	}
	rec := statsRecord(cfg.mem, l, resultStats(res, l.Concepts))
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
	return groupKey([]byte(metadata), field, &obj)
}
