package pipeline

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/apache/arrow/go/v15/arrow/array"
	"github.com/apache/arrow/go/v15/arrow/memory"
	"github.com/apache/arrow/go/v15/parquet/file"
	"github.com/apache/arrow/go/v15/parquet/pqarrow"
	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	datasetpkg "curate.dev/dataset"
	exportpkg "curate.dev/export"
	"curate.dev/internal/testutil"
)

// parquetRows reads every Parquet file of paths back with Arrow's reader
// and returns its rows, each as its columns' values joined by tabs,
// sorted.
func parquetRows(t *testing.T, paths ...string) []string {
	t.Helper()
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	var rows []string
	for _, p := range paths {
		f, err := os.Open(p)
		require.NoError(t, err)
		pf, err := file.NewParquetReader(f)
		require.NoError(t, err)
		fr, err := pqarrow.NewFileReader(pf, pqarrow.ArrowReadProperties{BatchSize: 1 << 14}, mem)
		require.NoError(t, err)
		rr, err := fr.GetRecordReader(context.Background(), nil, nil)
		require.NoError(t, err)
		for rr.Next() {
			rec := rr.Record()
			for r := range int(rec.NumRows()) {
				var sb strings.Builder
				for c := range int(rec.NumCols()) {
					sb.WriteString(rec.Column(c).ValueStr(r))
					sb.WriteByte('\t')
				}
				rows = append(rows, sb.String())
			}
		}
		if err := rr.Err(); !errors.Is(err, io.EOF) {
			require.NoError(t, err)
		}
		rr.Release()
		require.NoError(t, pf.Close())
	}
	slices.Sort(rows)
	return rows
}

func readManifest(t *testing.T, dir string) Manifest {
	t.Helper()
	js, err := os.ReadFile(filepath.Join(dir, ManifestName))
	require.NoError(t, err)
	var m Manifest
	require.NoError(t, json.Unmarshal(js, &m))
	return m
}

// TestExportLongMatchesCurate writes the long layout on Prism and reads
// every shard the manifest lists back: each holds the rows `curate export
// --layout long` writes for its file.
func TestExportLongMatchesCurate(t *testing.T) {
	dir := t.TempDir()
	files, _ := synthFiles(t, dir, 20_000)
	fs, err := Expand(context.Background(), files)
	require.NoError(t, err)
	out := filepath.Join(dir, "out")
	require.NoError(t, PrepareOut(context.Background(), out, false))
	run(t, func(s beam.Scope) { ExportLong(s, ExportOptions{Files: fs, Load: Load{Format: "auto"}, Out: out}) })

	m := readManifest(t, out)
	require.Len(t, m.Shards, len(files))
	curate := testutil.Curate(t)
	var total int64
	for _, sh := range m.Shards {
		want := filepath.Join(dir, "curate-"+filepath.Base(sh.Source))
		cmd := exec.Command(curate, "export", sh.Source, "--layout", "long", "--out", want)
		outb, err := cmd.CombinedOutput()
		require.NoError(t, err, "%s", outb)
		parts, err := filepath.Glob(filepath.Join(want, "*.parquet"))
		require.NoError(t, err)
		got := parquetRows(t, filepath.Join(out, sh.Name))
		require.Equal(t, parquetRows(t, parts...), got, sh.Source)
		assert.EqualValues(t, len(got), sh.Rows)
		total += sh.Rows
	}
	assert.Equal(t, total, m.Rows)

	// A second job refuses the folder, unless forced: then the old
	// manifest and shards go and the new ones take their place.
	err = PrepareOut(context.Background(), out, false)
	require.ErrorContains(t, err, "pass --force")
	require.NoError(t, PrepareOut(context.Background(), out, true))
	left, err := os.ReadDir(out)
	require.NoError(t, err)
	assert.Empty(t, left)

	// Someone else's file in the folder: refused, even with force, and
	// left as it was.
	notes := filepath.Join(out, "notes.txt")
	require.NoError(t, os.WriteFile(notes, []byte("mine"), 0o644))
	for _, force := range []bool{false, true} {
		err = PrepareOut(context.Background(), out, force)
		require.ErrorContains(t, err, "does not write (notes.txt)")
	}
	assert.FileExists(t, notes)
}

// TestKilledExportLeavesNoManifest kills curate-beam as soon as its
// first shard is whole: the folder has no manifest, so no reader takes
// it for a whole export, and a forced rerun replaces what it left.
func TestKilledExportLeavesNoManifest(t *testing.T) {
	dir := t.TempDir()
	bin := buildCurateBeam(t)
	// Many files, one shard each: the job is killed long before its last.
	src, _ := synthFiles(t, dir, 5_000)
	var files []string
	for k := range 40 {
		name := filepath.Join(dir, fmt.Sprintf("copy-%02d.jsonl", k))
		b, err := os.ReadFile(src[k%3])
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(name, b, 0o644))
		files = append(files, name)
	}
	out := filepath.Join(dir, "out")
	cmd := exec.Command(bin, "export", "--input", filepath.Join(dir, "copy-*.jsonl"), "--layout", "long", "--out", out)
	cmd.Stderr = nil
	require.NoError(t, cmd.Start())
	deadline := time.Now().Add(2 * time.Minute)
	for {
		shards, _ := filepath.Glob(filepath.Join(out, "part-*.parquet"))
		if len(shards) > 0 {
			break
		}
		require.True(t, time.Now().Before(deadline), "no shard within 2 minutes")
		time.Sleep(time.Millisecond)
	}
	require.NoError(t, cmd.Process.Signal(syscall.SIGKILL))
	err := cmd.Wait()
	var exit *exec.ExitError
	require.ErrorAs(t, err, &exit, "killed, not finished")
	assert.NoFileExists(t, filepath.Join(out, ManifestName))
	shards, _ := filepath.Glob(filepath.Join(out, "part-*.parquet"))
	assert.Less(t, len(shards), len(files), "killed before the last shard")

	// A rerun is refused (the folder holds shards without a manifest)
	// unless forced; forced, it clears them, and its manifest lists its
	// own shards, one per file, and nothing else is left.
	args := []string{"export", "--input", filepath.Join(dir, "copy-*.jsonl"), "--layout", "long", "--out", out}
	b, err := exec.Command(bin, args...).CombinedOutput()
	require.Error(t, err)
	assert.Contains(t, string(b), "without a manifest (a job that did not finish); pass --force")
	b, err = exec.Command(bin, append(args, "--force")...).CombinedOutput()
	require.NoError(t, err, "%s", b)
	m := readManifest(t, out)
	require.Len(t, m.Shards, len(files))
	want := []string{ManifestName}
	for _, sh := range m.Shards {
		want = append(want, sh.Name)
	}
	ents, err := os.ReadDir(out)
	require.NoError(t, err)
	var got []string
	for _, e := range ents {
		got = append(got, e.Name())
	}
	assert.ElementsMatch(t, want, got)
}

// buildCurateBeam builds the curate-beam command into the test's folder.
func buildCurateBeam(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "curate-beam")
	cmd := exec.Command("go", "build", "-o", bin, "../cmd/curate-beam")
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s", out)
	return bin
}

// trainingRows reads training-layout Parquet files back with Arrow's
// reader: per input id, its row's columns (all but the id) joined by
// tabs, and the concept list of the files' metadata.
func trainingRows(t *testing.T, paths ...string) (map[string]string, []string) {
	t.Helper()
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	rows := map[string]string{}
	var concepts []string
	for _, p := range paths {
		f, err := os.Open(p)
		require.NoError(t, err)
		pf, err := file.NewParquetReader(f)
		require.NoError(t, err)
		for _, e := range pf.MetaData().KeyValueMetadata() {
			if e.Key == "curate.concepts" && e.Value != nil {
				var cs []string
				require.NoError(t, json.Unmarshal([]byte(*e.Value), &cs))
				if concepts != nil {
					require.Equal(t, concepts, cs, "one concept list in every file")
				}
				concepts = cs
			}
		}
		fr, err := pqarrow.NewFileReader(pf, pqarrow.ArrowReadProperties{BatchSize: 1 << 14}, mem)
		require.NoError(t, err)
		rr, err := fr.GetRecordReader(context.Background(), nil, nil)
		require.NoError(t, err)
		for rr.Next() {
			rec := rr.Record()
			for r := range int(rec.NumRows()) {
				var sb strings.Builder
				for c := 1; c < int(rec.NumCols()); c++ {
					sb.WriteString(rec.Schema().Field(c).Name + "=" + rec.Column(c).ValueStr(r) + "\t")
				}
				id := rec.Column(0).ValueStr(r)
				_, dup := rows[id]
				require.False(t, dup, "input %s twice", id)
				rows[id] = sb.String()
			}
		}
		if err := rr.Err(); !errors.Is(err, io.EOF) {
			require.NoError(t, err)
		}
		rr.Release()
		require.NoError(t, pf.Close())
	}
	return rows, concepts
}

// TestExportTrainingMatchesCurate writes the training layout on Prism
// over three JSONL files and three CSV files of the same annotations
// (every input in several files) and reads the shards back: every input
// once, with the labels, label vector and fields `curate export --layout
// training` writes for the whole set in one file, with and without
// relations.
func TestExportTrainingMatchesCurate(t *testing.T) {
	dir := t.TempDir()
	files, relFile := synthFiles(t, dir, 20_000)
	rel, err := os.ReadFile(relFile)
	require.NoError(t, err)
	var whole []byte
	for _, f := range files[:3] {
		b, err := os.ReadFile(f)
		require.NoError(t, err)
		whole = append(whole, b...)
	}
	all := filepath.Join(dir, "all.jsonl")
	require.NoError(t, os.WriteFile(all, whole, 0o644))
	fs, err := Expand(context.Background(), files)
	require.NoError(t, err)
	curate := testutil.Curate(t)
	for _, tc := range []struct {
		name   string
		args   []string
		labels Labels
	}{
		{name: "plain"},
		{name: "relations", args: []string{"--relations", relFile}, labels: Labels{Relations: rel, RelationsName: relFile}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := filepath.Join(dir, "beam-"+tc.name)
			run(t, func(s beam.Scope) {
				ExportTraining(s, ExportOptions{Files: fs, Load: Load{Format: "auto"}, Labels: tc.labels, Out: out})
			})
			m := readManifest(t, out)
			var paths []string
			var total int64
			for _, sh := range m.Shards {
				paths = append(paths, filepath.Join(out, sh.Name))
				total += sh.Rows
			}
			got, concepts := trainingRows(t, paths...)
			assert.Equal(t, total, m.Rows)
			assert.Equal(t, concepts, m.Concepts)

			wantDir := filepath.Join(dir, "curate-"+tc.name)
			cmd := exec.Command(curate, append([]string{"export", all, "--layout", "training", "--out", wantDir}, tc.args...)...)
			b, err := cmd.CombinedOutput()
			require.NoError(t, err, "%s", b)
			parts, err := filepath.Glob(filepath.Join(wantDir, "*.parquet"))
			require.NoError(t, err)
			want, wantConcepts := trainingRows(t, parts...)
			require.Equal(t, wantConcepts, concepts)
			require.Len(t, got, len(want))
			for id, row := range want {
				require.Equal(t, row, got[id], id)
			}
			assert.EqualValues(t, 20_000, len(got))
		})
	}
}

// TestExportStatsMatchesCurate writes the stats layout on Prism over the
// six files and compares it, row for row, with `curate export --layout
// stats` of the whole set in one file, with and without relations.
func TestExportStatsMatchesCurate(t *testing.T) {
	dir := t.TempDir()
	files, relFile := synthFiles(t, dir, 20_000)
	rel, err := os.ReadFile(relFile)
	require.NoError(t, err)
	var whole []byte
	for _, f := range files[:3] {
		b, err := os.ReadFile(f)
		require.NoError(t, err)
		whole = append(whole, b...)
	}
	all := filepath.Join(dir, "all.jsonl")
	require.NoError(t, os.WriteFile(all, whole, 0o644))
	fs, err := Expand(context.Background(), files)
	require.NoError(t, err)
	curate := testutil.Curate(t)
	for _, tc := range []struct {
		name   string
		args   []string
		labels Labels
	}{
		{name: "plain"},
		{name: "relations", args: []string{"--relations", relFile}, labels: Labels{Relations: rel, RelationsName: relFile}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := filepath.Join(dir, "beam-"+tc.name)
			run(t, func(s beam.Scope) {
				ExportStats(s, ExportOptions{Files: fs, Load: Load{Format: "auto"}, Labels: tc.labels, Out: out})
			})
			m := readManifest(t, out)
			require.Len(t, m.Shards, 1)
			got, concepts := trainingRows(t, filepath.Join(out, m.Shards[0].Name))

			wantDir := filepath.Join(dir, "curate-"+tc.name)
			cmd := exec.Command(curate, append([]string{"export", all, "--layout", "stats", "--out", wantDir}, tc.args...)...)
			b, err := cmd.CombinedOutput()
			require.NoError(t, err, "%s", b)
			parts, err := filepath.Glob(filepath.Join(wantDir, "*.parquet"))
			require.NoError(t, err)
			want, wantConcepts := trainingRows(t, parts...)
			assert.Equal(t, wantConcepts, concepts)
			assert.Equal(t, m.Concepts, concepts)
			assert.Equal(t, want, got)
			assert.Len(t, got, len(concepts))
		})
	}
}

// TestSplitAtScale splits the training layout on Prism by rarest-label
// buckets and measures the split as `curate export --split` measures its
// own (export.NewSplitReport: each concept's share of positives per split
// against the target), beside iterative stratification and a seeded
// random split of the same inputs, one machine's; by inputs and keeping
// the groups of metadata.group_key (synth's near-duplicate scenes)
// together. Every input is in one split, every group in one, the splits'
// sizes are the shares to within a unit per bucket, and the deviation is
// far below a random split's.
func TestSplitAtScale(t *testing.T) {
	dir := t.TempDir()
	files, _ := synthFiles(t, dir, 20_000)
	fs, err := Expand(context.Background(), files[:3])
	require.NoError(t, err)
	splits, err := exportpkg.ParseSplit("train=0.8,val=0.1,test=0.1")
	require.NoError(t, err)
	for _, group := range []string{"", "group_key"} {
		t.Run("group="+group, func(t *testing.T) {
			out := filepath.Join(dir, "split-"+group)
			run(t, func(s beam.Scope) {
				ExportTraining(s, ExportOptions{Files: fs, Load: Load{Format: "auto"}, Out: out, Splits: splits, Seed: 7, GroupField: group})
			})
			m := readManifest(t, out)
			var paths []string
			for _, sh := range m.Shards {
				require.True(t, strings.HasPrefix(sh.Name, sh.Split+"-"), sh.Name)
				paths = append(paths, filepath.Join(out, sh.Name))
			}
			rows, _ := trainingRows(t, paths...)
			splitOf := map[string]int8{}
			for id, row := range rows {
				i := strings.LastIndex(row, "split=")
				require.GreaterOrEqual(t, i, 0, "a split column")
				name := strings.TrimSuffix(row[i+len("split="):], "\t")
				j := slices.IndexFunc(splits, func(f exportpkg.Fraction) bool { return f.Name == name })
				require.GreaterOrEqual(t, j, 0, name)
				splitOf[id] = int8(j)
			}

			// The label matrix of the same inputs, on one machine.
			var copts []exportpkg.CollectOption
			if group != "" {
				copts = append(copts, exportpkg.WithGroupField(group))
			}
			col := exportpkg.NewLabelCollector(copts...)
			groupOf := map[string]string{}
			for _, f := range files[:3] {
				fh, err := os.Open(f)
				require.NoError(t, err)
				r, err := datasetpkg.NewReader(context.Background(), fh, datasetpkg.WithInputs(true))
				require.NoError(t, err)
				for r.Next() {
					in := r.Inputs()
					require.NoError(t, col.AddInputs(in))
					require.NoError(t, col.AddAnnotations(r.Annotations()))
					col.AddIDs(r.UnannotatedIDs())
					ids := in.Column(in.Schema().FieldIndices(datasetpkg.ColInputID)[0]).(*array.String)
					meta := in.Column(in.Schema().FieldIndices(datasetpkg.ColMetadata)[0]).(*array.String)
					for k := range ids.Len() {
						if g, ok := exportpkg.GroupKey(meta.Value(k), "group_key"); ok {
							groupOf[ids.Value(k)] = g
						}
					}
				}
				require.NoError(t, r.Err())
				r.Release()
				fh.Close()
			}
			l := col.Labels()
			require.Equal(t, l.NumInputs(), len(splitOf), "every input in one split")
			assign := make([]int8, l.NumInputs())
			for i := range assign {
				j, ok := splitOf[l.InputID(i)]
				require.True(t, ok, l.InputID(i))
				assign[i] = j
			}
			if group != "" {
				splitOfGroup := map[string]int8{}
				for id, g := range groupOf {
					if j, ok := splitOfGroup[g]; ok {
						require.Equal(t, j, splitOf[id], "group %s in one split", g)
					}
					splitOfGroup[g] = splitOf[id]
				}
				require.Less(t, len(splitOfGroup), len(groupOf), "some groups of several inputs")
			}
			beamRep := exportpkg.NewSplitReport(l, splits, assign)
			strat := exportpkg.NewSplitReport(l, splits, exportpkg.Stratify(l, splits, 7))
			random := exportpkg.NewSplitReport(l, splits, exportpkg.RandomSplit(l, splits, 7))
			t.Logf("mean |deviation|: buckets %.4f, iterative stratification %.4f, random %.4f", beamRep.MeanAbsDeviation(), strat.MeanAbsDeviation(), random.MeanAbsDeviation())
			t.Logf("max |deviation|: buckets %.4f, iterative stratification %.4f, random %.4f", beamRep.MaxAbsDeviation(), strat.MaxAbsDeviation(), random.MaxAbsDeviation())
			t.Logf("inputs per split: buckets %v, iterative stratification %v, random %v", beamRep.Inputs, strat.Inputs, random.Inputs)
			// A bucket's shares are off by at most its largest unit per split.
			slack := float64(len(l.Concepts)+1) * 8
			for j, f := range splits {
				assert.InDelta(t, f.Share*float64(l.NumInputs()), float64(beamRep.Inputs[j]), slack, f.Name)
			}
			assert.Less(t, beamRep.MeanAbsDeviation(), random.MeanAbsDeviation()/2)
		})
	}
}
