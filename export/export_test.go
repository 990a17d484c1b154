package export

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"
	"github.com/apache/arrow/go/v15/arrow/ipc"
	"github.com/apache/arrow/go/v15/arrow/memory"
	"github.com/apache/arrow/go/v15/parquet/file"
	"github.com/apache/arrow/go/v15/parquet/pqarrow"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"curate.dev/dataset"
)

var split3 = []Fraction{{"train", 0.8}, {"val", 0.1}, {"test", 0.1}}

// readParquet reads a file back with the Arrow Parquet reader.
func readParquet(t *testing.T, mem memory.Allocator, path string) (arrow.Table, map[string]string) {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	pf, err := file.NewParquetReader(f)
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

// newSink returns a DirSink for dir or stops the test.
func newSink(t *testing.T, dir string, opts ...DirOption) *DirSink {
	t.Helper()
	s, err := NewDirSink(dir, opts...)
	require.NoError(t, err)
	return s
}

// splitOfFile returns the split of a part file named SPLIT-NNNNN.EXT.
func splitOfFile(name string) string {
	split, _, _ := strings.Cut(name, "-")
	return split
}

// dataFiles lists finished files below dir (relative, slash-separated).
func dataFiles(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	require.NoError(t, filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		out = append(out, filepath.ToSlash(rel))
		return nil
	}))
	sort.Strings(out)
	return out
}

// column returns the strings of a string or dictionary column of tbl.
func stringsOf(t *testing.T, tbl arrow.Table, name string) []string {
	t.Helper()
	idx := tbl.Schema().FieldIndices(name)
	require.Len(t, idx, 1, name)
	var out []string
	for _, ch := range tbl.Column(idx[0]).Data().Chunks() {
		get, err := stringGetter(ch)
		require.NoError(t, err)
		for i := 0; i < ch.Len(); i++ {
			if ch.IsNull(i) {
				out = append(out, "")
			} else {
				out = append(out, get(i))
			}
		}
	}
	return out
}

func TestExportTrainingParquet(t *testing.T) {
	for _, mask := range []bool{false, true} {
		t.Run(map[bool]string{false: "labels", true: "targets+mask"}[mask], func(t *testing.T) {
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			w := world{inputs: 3000, concepts: 40, positives: 3, negatives: 2, conflictEvery: 50, modelEvery: 7, seed: 1}
			dir := t.TempDir()
			res, err := Write(context.Background(), w.opener(mem), newSink(t, dir),
				Request{Layout: Training, Splits: split3, Seed: 7},
				WithAllocator(mem), WithTargetsMask(mask), WithMaxRowsPerFile(1000))
			require.NoError(t, err)
			assert.Equal(t, int64(w.inputs), res.Rows)

			want := w.truth(false)
			byID := map[string]int{}
			for i, id := range want.ids {
				byID[id] = i
			}
			files := dataFiles(t, dir)
			assert.NotContains(t, files, SidecarName, "the sidecar is beside the folder, not in it")
			var sc Sidecar
			js, err := os.ReadFile(SidecarPath(dir))
			require.NoError(t, err)
			require.NoError(t, json.Unmarshal(js, &sc))
			require.Len(t, sc.Concepts, w.concepts)

			seen := map[string]string{}
			for _, name := range files {
				if !strings.HasSuffix(name, ".parquet") {
					continue
				}
				split := splitOfFile(name)
				tbl, kv := readParquet(t, mem, filepath.Join(dir, name))
				assert.LessOrEqual(t, tbl.NumRows(), int64(1000), name)
				var concepts []string
				require.NoError(t, json.Unmarshal([]byte(kv[MetaConcepts]), &concepts))
				require.Len(t, concepts, w.concepts)
				for c, sc := range sc.Concepts {
					assert.Equal(t, concepts[c], sc.ID)
				}
				wantSchema := TrainingSchema(concepts, true, mask)
				require.Equal(t, wantSchema.NumFields(), tbl.Schema().NumFields())
				for i, f := range wantSchema.Fields() {
					assert.Equal(t, f.Name, tbl.Schema().Field(i).Name)
					assert.True(t, sameShape(f.Type, tbl.Schema().Field(i).Type), "%s: %s vs %s", f.Name, f.Type, tbl.Schema().Field(i).Type)
				}
				ids := stringsOf(t, tbl, dataset.ColInputID)
				splits := stringsOf(t, tbl, ColSplit)
				urls := stringsOf(t, tbl, dataset.ColURL)
				checkTrainingRows(t, tbl, concepts, ids, want, byID, mask)
				for i, id := range ids {
					_, dup := seen[id]
					assert.False(t, dup, "input %s in two files", id)
					seen[id] = split
					assert.Equal(t, split, splits[i])
					var n int
					_, err := fmtSscan(id, &n)
					require.NoError(t, err)
					assert.Equal(t, fmt.Sprintf("https://example.com/%d.jpg", n), urls[i])
				}
				tbl.Release()
			}
			assert.Len(t, seen, w.inputs, "every input in exactly one split")
		})
	}
}

// checkTrainingRows compares label columns with the generated truth.
func checkTrainingRows(t *testing.T, tbl arrow.Table, concepts, ids []string, want *truth, byID map[string]int, mask bool) {
	t.Helper()
	listCol := func(name string) [][]string {
		ch := tbl.Column(tbl.Schema().FieldIndices(name)[0]).Data().Chunks()
		var out [][]string
		for _, c := range ch {
			l := c.(*array.List)
			vals := l.ListValues().(*array.String)
			for i := 0; i < l.Len(); i++ {
				s, e := l.ValueOffsets(i)
				row := []string{}
				for k := s; k < e; k++ {
					row = append(row, vals.Value(int(k)))
				}
				out = append(out, row)
			}
		}
		return out
	}
	pos, neg := listCol(ColPositives), listCol(ColNegatives)
	vec := func(name string) []float64 {
		var out []float64
		for _, c := range tbl.Column(tbl.Schema().FieldIndices(name)[0]).Data().Chunks() {
			l := c.(*array.List)
			for i := 0; i < l.Len(); i++ {
				s, e := l.ValueOffsets(i)
				for k := s; k < e; k++ {
					switch v := l.ListValues().(type) {
					case *array.Int8:
						out = append(out, float64(v.Value(int(k))))
					case *array.Float32:
						out = append(out, float64(v.Value(int(k))))
					}
				}
			}
		}
		return out
	}
	var labels, targets, masks []float64
	if mask {
		targets, masks = vec(ColTargets), vec(ColMask)
	} else {
		labels = vec(ColLabels)
	}
	n := len(concepts)
	for r, id := range ids {
		st := want.states[byID[id]]
		var wantPos, wantNeg []string
		for c, cid := range concepts {
			s, ok := st[cid]
			if !ok {
				s = Unknown
			}
			switch s {
			case Present:
				wantPos = append(wantPos, cid)
			case Absent:
				wantNeg = append(wantNeg, cid)
			}
			if mask {
				assert.Equal(t, map[State]float64{Present: 1, Absent: 0, Unknown: 0}[s], targets[r*n+c], "%s %s target", id, cid)
				assert.Equal(t, map[State]float64{Present: 1, Absent: 1, Unknown: 0}[s], masks[r*n+c], "%s %s mask", id, cid)
			} else {
				assert.Equal(t, float64(s), labels[r*n+c], "%s %s", id, cid)
			}
		}
		assert.ElementsMatch(t, wantPos, pos[r], id)
		assert.ElementsMatch(t, wantNeg, neg[r], id)
	}
}

func TestExportLongParquet(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	w := world{inputs: 2000, concepts: 30, positives: 3, negatives: 2, modelEvery: 5, groupSize: 4, seed: 2}
	var wantRows int
	type key struct{ in, c string }
	wantVal := map[key][]float32{}
	w.each(func(in *dataset.Input) error {
		wantRows += len(in.Annotations)
		for _, a := range in.Annotations {
			wantVal[key{in.ID, a.ConceptID}] = append(wantVal[key{in.ID, a.ConceptID}], a.Value)
		}
		return nil
	})
	dir := t.TempDir()
	res, err := Write(context.Background(), w.opener(mem), newSink(t, dir),
		Request{Layout: Long, Splits: split3, Seed: 3, GroupField: "group"}, WithAllocator(mem))
	require.NoError(t, err)
	assert.Equal(t, int64(wantRows), res.Rows)
	groupSplit := map[string]string{}
	var got int64
	for _, name := range dataFiles(t, dir) {
		tbl, _ := readParquet(t, mem, filepath.Join(dir, name))
		split := splitOfFile(name)
		want := dataset.AnnotationSchema()
		require.Equal(t, want.NumFields()+1, tbl.Schema().NumFields(), "the annotation columns and split")
		assert.Equal(t, ColSplit, tbl.Schema().Field(want.NumFields()).Name)
		assert.Equal(t, arrow.BinaryTypes.String, tbl.Schema().Field(want.NumFields()).Type)
		for _, s := range stringsOf(t, tbl, ColSplit) {
			require.Equal(t, split, s, name)
		}
		for i, f := range want.Fields() {
			got := tbl.Schema().Field(i)
			assert.Equal(t, f.Name, got.Name)
			assert.Equal(t, f.Nullable, got.Nullable, f.Name)
			assert.True(t, arrow.TypeEqual(denseSchema(want).Field(i).Type, got.Type), "%s: %s", f.Name, got.Type)
		}
		ids, cs := stringsOf(t, tbl, dataset.ColInputID), stringsOf(t, tbl, dataset.ColConceptID)
		vals := tbl.Column(tbl.Schema().FieldIndices(dataset.ColValue)[0]).Data().Chunks()
		r := 0
		for _, ch := range vals {
			for _, v := range ch.(*array.Float32).Float32Values() {
				k := key{ids[r], cs[r]}
				assert.Contains(t, wantVal[k], v, "%v", k)
				var n int
				_, err := fmtSscan(ids[r], &n)
				require.NoError(t, err)
				g := groupOf(n, w.groupSize)
				if s, ok := groupSplit[g]; ok {
					assert.Equal(t, s, split, "group %s split apart", g)
				}
				groupSplit[g] = split
				r++
			}
		}
		got += tbl.NumRows()
		tbl.Release()
	}
	assert.Equal(t, int64(wantRows), got)
}

func TestExportStatsCountsConflicts(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	w := world{inputs: 500, concepts: 12, positives: 2, negatives: 2, conflictEvery: 9, modelEvery: 3, seed: 4}
	dir := t.TempDir()
	_, err := Write(context.Background(), w.opener(mem), newSink(t, dir), Request{Layout: Stats}, WithAllocator(mem))
	require.NoError(t, err)
	assert.Equal(t, []string{"part-00000.parquet"}, dataFiles(t, dir))
	assert.FileExists(t, SidecarPath(dir))
	tbl, _ := readParquet(t, mem, filepath.Join(dir, "part-00000.parquet"))
	defer tbl.Release()
	require.Equal(t, int64(w.concepts), tbl.NumRows())
	require.True(t, tbl.Schema().Equal(StatsSchema(nil)) || tbl.Schema().NumFields() == StatsSchema(nil).NumFields())

	want := w.truth(false)
	ids := stringsOf(t, tbl, dataset.ColConceptID)
	int64s := func(name string) []int64 {
		return tbl.Column(tbl.Schema().FieldIndices(name)[0]).Data().Chunk(0).(*array.Int64).Int64Values()
	}
	pos, neg, unk, conf := int64s(ColPositives), int64s(ColNegatives), int64s(ColUnknown), int64s(ColConflicts)
	pw := tbl.Column(tbl.Schema().FieldIndices(ColPosWeight)[0]).Data().Chunk(0).(*array.Float64)
	oneClass := tbl.Column(tbl.Schema().FieldIndices(ColOneClass)[0]).Data().Chunk(0).(*array.Boolean)
	var anyConflict bool
	for r, cid := range ids {
		var p, n, c int64
		for i := range want.ids {
			switch s, ok := want.states[i][cid]; {
			case want.conf[i][cid]:
				c++
			case ok && s == Present:
				p++
			case ok && s == Absent:
				n++
			}
		}
		anyConflict = anyConflict || c > 0
		assert.Equal(t, p, pos[r], cid)
		assert.Equal(t, n, neg[r], cid)
		assert.Equal(t, c, conf[r], cid)
		assert.Equal(t, int64(w.inputs)-p-n-c, unk[r], cid, "unknown: no label for the concept (a conflict is counted apart)")
		assert.False(t, pw.IsNull(r), cid)
		if p > 0 && n > 0 {
			assert.InDelta(t, float64(n)/float64(p), pw.Value(r), 1e-12, cid)
		} else {
			assert.Equal(t, 1.0, pw.Value(r), "%s: one class gets the neutral weight", cid)
		}
		assert.Equal(t, p == 0 || n == 0, oneClass.Value(r), cid)
	}
	assert.True(t, anyConflict, "the fixture must contain conflicts")
}

// failingSink wraps a DirSink and fails a write after limit bytes.
type failingSink struct {
	*DirSink
	limit   int
	written int
}

var errInjected = errors.New("disk full (injected)")

func (s *failingSink) Create(ctx context.Context, name string) (io.WriteCloser, error) {
	f, err := s.DirSink.Create(ctx, name)
	if err != nil {
		return nil, err
	}
	return &failingFile{WriteCloser: f, s: s}, nil
}

type failingFile struct {
	io.WriteCloser
	s *failingSink
}

func (f *failingFile) Write(p []byte) (int, error) {
	if f.s.written+len(p) > f.s.limit {
		return 0, errInjected
	}
	f.s.written += len(p)
	return f.WriteCloser.Write(p)
}

func TestExportFailureLeavesNoFile(t *testing.T) {
	w := world{inputs: 4000, concepts: 20, positives: 3, negatives: 2, seed: 5}
	for _, tc := range []struct {
		name   string
		layout Layout
		format Format
		limit  int
	}{
		{"long parquet, second file", Long, Parquet, 60_000},
		{"training parquet", Training, Parquet, 30_000},
		{"training csv", Training, CSV, 100_000},
		{"long arrow", Long, Arrow, 50_000},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			dir := t.TempDir()
			sink := &failingSink{DirSink: newSink(t, dir), limit: tc.limit}
			_, err := Write(context.Background(), w.opener(mem), sink,
				Request{Layout: tc.layout, Splits: split3, Seed: 1},
				WithAllocator(mem), WithFormat(tc.format), WithMaxRowsPerFile(500), WithRowGroupRows(200))
			require.Error(t, err)
			assert.ErrorIs(t, err, errInjected)
			assert.Empty(t, dataFiles(t, dir), "no file may appear in the folder")
			ents, err := os.ReadDir(filepath.Dir(dir))
			require.NoError(t, err)
			require.Len(t, ents, 1, "no hidden folder or sidecar may remain beside it")
			assert.Equal(t, filepath.Base(dir), ents[0].Name())
		})
	}
}

func TestExportFormats(t *testing.T) {
	w := world{inputs: 700, concepts: 15, positives: 2, negatives: 2, seed: 6}
	for _, tc := range []struct {
		name   string
		layout Layout
		format Format
		comp   Compression
	}{
		{"long arrow zstd", Long, Arrow, Zstd},
		{"training arrow none", Training, Arrow, Uncompressed},
		{"long csv", Long, CSV, Zstd},
		{"training csv", Training, CSV, Zstd},
		{"stats csv", Stats, CSV, Zstd},
		{"long parquet snappy", Long, Parquet, Snappy},
		{"training parquet none", Training, Parquet, Uncompressed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			dir := t.TempDir()
			res, err := Write(context.Background(), w.opener(mem), newSink(t, dir),
				Request{Layout: tc.layout, Splits: split3, Seed: 1},
				WithAllocator(mem), WithFormat(tc.format), WithCompression(tc.comp))
			require.NoError(t, err)
			var rows int64
			for _, f := range res.Files {
				path := filepath.Join(dir, filepath.FromSlash(f.Name))
				require.True(t, strings.HasSuffix(f.Name, tc.format.Ext()))
				switch tc.format {
				case Arrow:
					fh, err := os.Open(path)
					require.NoError(t, err)
					r, err := ipc.NewFileReader(fh, ipc.WithAllocator(mem))
					require.NoError(t, err)
					for i := 0; i < r.NumRecords(); i++ {
						rec, err := r.Record(i)
						require.NoError(t, err)
						rows += rec.NumRows()
					}
					r.Close()
					fh.Close()
				case CSV:
					b, err := os.ReadFile(path)
					require.NoError(t, err)
					recs, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
					require.NoError(t, err)
					require.NotEmpty(t, recs)
					rows += int64(len(recs) - 1)
					if tc.layout == Training && len(recs) > 1 {
						var labels []int
						col := slices.Index(recs[0], ColLabels)
						require.GreaterOrEqual(t, col, 0, "labels column")
						require.NoError(t, json.Unmarshal([]byte(recs[1][col]), &labels))
						assert.Len(t, labels, w.concepts)
					}
				case Parquet:
					tbl, _ := readParquet(t, mem, path)
					rows += tbl.NumRows()
					tbl.Release()
				}
				assert.Equal(t, f.Rows, rows-sumBefore(res.Files, f), f.Name)
			}
			assert.Equal(t, res.Rows, rows)
		})
	}
}

func sumBefore(files []FileInfo, f FileInfo) int64 {
	var n int64
	for _, g := range files {
		if g == f {
			return n
		}
		n += g.Rows
	}
	return n
}

func TestWriteLongToWriter(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	w := world{inputs: 300, concepts: 10, positives: 2, negatives: 1, seed: 8}
	r, err := w.opener(mem)(context.Background(), false)
	require.NoError(t, err)
	ar := r.AnnotationReader()
	r.Release()
	defer ar.Release()
	var buf bytes.Buffer
	n, err := WriteRecords(context.Background(), &buf, ar, WithAllocator(mem))
	require.NoError(t, err)
	fr, err := file.NewParquetReader(bytes.NewReader(buf.Bytes()))
	require.NoError(t, err)
	defer fr.Close()
	assert.Equal(t, n, fr.NumRows())
}

// sameShape compares types ignoring list element names and nullability,
// which v15's Parquet round trip does not keep.
func sameShape(a, b arrow.DataType) bool {
	switch a := a.(type) {
	case *arrow.ListType:
		bl, ok := b.(*arrow.ListType)
		return ok && sameShape(a.Elem(), bl.Elem())
	case *arrow.FixedSizeListType:
		bl, ok := b.(*arrow.FixedSizeListType)
		return ok && a.Len() == bl.Len() && sameShape(a.Elem(), bl.Elem())
	}
	return arrow.TypeEqual(a, b)
}
