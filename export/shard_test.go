package export

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"
	"github.com/apache/arrow/go/v15/arrow/memory"
	"github.com/apache/arrow/go/v15/parquet/file"
	"github.com/apache/arrow/go/v15/parquet/pqarrow"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"curate.dev/dataset"
	"curate.dev/label"
)

// tableRows returns a table's rows keyed by their first column, each the
// other columns' values joined by tabs.
func tableRows(t *testing.T, tbl arrow.Table) map[string]string {
	t.Helper()
	out := map[string]string{}
	tr := array.NewTableReader(tbl, 0)
	defer tr.Release()
	for tr.Next() {
		rec := tr.Record()
		for r := range int(rec.NumRows()) {
			var sb strings.Builder
			for c := 1; c < int(rec.NumCols()); c++ {
				sb.WriteString(rec.Column(c).ValueStr(r) + "\t")
			}
			out[rec.Column(0).ValueStr(r)] = sb.String()
		}
	}
	return out
}

func readParquetBytes(t *testing.T, mem memory.Allocator, b []byte) (arrow.Table, map[string]string) {
	t.Helper()
	pf, err := file.NewParquetReader(bytes.NewReader(b))
	require.NoError(t, err)
	defer pf.Close()
	kv := map[string]string{}
	for _, e := range pf.MetaData().KeyValueMetadata() {
		if e.Value != nil {
			kv[e.Key] = *e.Value
		}
	}
	fr, err := pqarrow.NewFileReader(pf, pqarrow.ArrowReadProperties{BatchSize: 1 << 14}, mem)
	require.NoError(t, err)
	tbl, err := fr.ReadTable(context.Background())
	require.NoError(t, err)
	return tbl, kv
}

// TestTrainingShards closes every input's labels through the label core
// (a Set's merged rows by id, a label.Closer), deals the inputs to three
// shards (as workers of a distributed job hold disjoint inputs), writes
// each over the whole concept list, one with a split column, and checks
// that the shards together hold, input for input, the rows of one
// training export, with and without relations.
func TestTrainingShards(t *testing.T) {
	for _, hier := range []bool{false, true} {
		t.Run(map[bool]string{false: "plain", true: "relations"}[hier], func(t *testing.T) {
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			w := world{inputs: 3000, concepts: 30, positives: 3, negatives: 2, conflictEvery: 40, modelEvery: 7, seed: 3}
			var rules label.Rules
			if hier {
				var rels []dataset.Relation
				for c := 1; c < 12; c++ {
					rels = append(rels, dataset.Relation{Subject: w.conceptID(c), Object: w.conceptID(c / 3), Predicate: dataset.Hyponym})
				}
				h, err := label.NewHierarchy(rels)
				require.NoError(t, err)
				rules.Hierarchy = h
			}
			dir := filepath.Join(t.TempDir(), "whole")
			_, err := Write(context.Background(), w.opener(mem), newSink(t, dir), Request{Layout: Training, Rules: rules}, WithAllocator(mem))
			require.NoError(t, err)
			var want map[string]string
			var concepts []string
			for _, name := range dataFiles(t, dir) {
				tbl, kv := readParquet(t, mem, filepath.Join(dir, name))
				want = tableRows(t, tbl)
				concepts = conceptList(t, kv)
				tbl.Release()
			}
			require.Len(t, want, w.inputs)

			// Every input's fields and merged rows, read once.
			ctx := context.Background()
			r, err := w.opener(mem)(ctx, true)
			require.NoError(t, err)
			set := label.NewSet(rules)
			fields := map[string][3]string{}
			for r.Next() {
				in := r.Inputs()
				require.NoError(t, set.AddInputs(in))
				require.NoError(t, set.AddAnnotations(r.Annotations()))
				set.AddIDs(r.UnannotatedIDs())
				col := func(name string) *array.String {
					return in.Column(in.Schema().FieldIndices(name)[0]).(*array.String)
				}
				ids, url, text, meta := col(dataset.ColInputID), col(dataset.ColURL), col(dataset.ColText), col(dataset.ColMetadata)
				for k := range ids.Len() {
					fields[ids.Value(k)] = [3]string{url.Value(k), text.Value(k), meta.Value(k)}
				}
			}
			require.NoError(t, r.Err())
			r.Release()
			closer := label.NewCloser(rules)
			shards := make([][]TrainingInput, 3)
			for i := range set.NumInputs() {
				id := set.InputID(i)
				f := fields[id]
				in := TrainingInput{ID: id, URL: f[0], Text: f[1], Metadata: f[2], Labels: closer.Close(nil, set.IDRow(i, nil))}
				shards[i%3] = append(shards[i%3], in)
			}

			got := map[string]string{}
			for k, shard := range shards {
				split := ""
				if k == 2 {
					split = "val"
				}
				var buf bytes.Buffer
				rows, err := WriteTraining(ctx, &buf, concepts, shard, split, WithAllocator(mem))
				require.NoError(t, err)
				tbl, kv := readParquetBytes(t, mem, buf.Bytes())
				assert.Equal(t, concepts, conceptList(t, kv), "the whole concept list in every shard")
				rowsOf := tableRows(t, tbl)
				tbl.Release()
				assert.EqualValues(t, len(shard), rows)
				for id, row := range rowsOf {
					if split != "" {
						cut, ok := strings.CutSuffix(row, split+"\t")
						require.True(t, ok, "a split column: %s", row)
						row = cut
					}
					got[id] = row
				}
			}
			assert.Equal(t, want, got)

			_, err = WriteTraining(ctx, io.Discard, []string{"b", "a"}, nil, "")
			assert.ErrorContains(t, err, "not sorted")
		})
	}
}

// conceptList reads the concept list from a file's metadata.
func conceptList(t *testing.T, kv map[string]string) []string {
	t.Helper()
	var cs []string
	require.NoError(t, json.Unmarshal([]byte(kv[MetaConcepts]), &cs))
	return cs
}

// TestWriteStatsResult writes the stats of the label core's count of a
// dataset and compares them with the stats export of the same data.
func TestWriteStatsResult(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	w := world{inputs: 2000, concepts: 20, positives: 3, negatives: 2, conflictEvery: 30, seed: 8}
	dir := filepath.Join(t.TempDir(), "stats")
	_, err := Write(context.Background(), w.opener(mem), newSink(t, dir), Request{Layout: Stats}, WithAllocator(mem))
	require.NoError(t, err)
	files := dataFiles(t, dir)
	require.Len(t, files, 1)
	tbl, _ := readParquet(t, mem, filepath.Join(dir, files[0]))
	want := tableRows(t, tbl)
	tbl.Release()

	set := label.NewSet(label.Rules{})
	r, err := w.opener(mem)(context.Background(), false)
	require.NoError(t, err)
	for r.Next() {
		require.NoError(t, set.AddAnnotations(r.Annotations()))
		set.AddIDs(r.UnannotatedIDs())
	}
	require.NoError(t, r.Err())
	set.AddIDs(r.UnannotatedIDs())
	r.Release()
	var buf bytes.Buffer
	require.NoError(t, WriteStatsResult(context.Background(), &buf, set.Result(), WithAllocator(mem)))
	tbl, _ = readParquetBytes(t, mem, buf.Bytes())
	got := tableRows(t, tbl)
	tbl.Release()
	assert.Equal(t, want, got)
	assert.Len(t, got, w.concepts)
}

// TestGroupKey checks the group a metadata object gives: the field's JSON
// text; none without the field, for null, or for metadata that is not an
// object.
func TestGroupKey(t *testing.T) {
	for _, tc := range []struct {
		meta, want string
		ok         bool
	}{
		{`{"album":"a1","x":2}`, `"a1"`, true},
		{`{"album":7}`, `7`, true},
		{`{"album":{"id":1}}`, `{"id":1}`, true},
		{`{"album":null}`, "", false},
		{`{"other":"a1"}`, "", false},
		{`[1,2]`, "", false},
		{``, "", false},
	} {
		got, ok := GroupKey(tc.meta, "album")
		assert.Equal(t, tc.ok, ok, tc.meta)
		assert.Equal(t, tc.want, got, tc.meta)
	}
}
