package pipeline

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"curate.dev/beam/third_party/prism"
	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	_ "github.com/apache/beam/sdks/v2/go/pkg/beam/io/filesystem/local"
	"github.com/klauspost/compress/zstd"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"curate.dev/balance"
	"curate.dev/internal/synth"
	"curate.dev/internal/testutil"
)

func TestMain(m *testing.M) {
	flag.Parse()
	beam.Init()
	code := m.Run()
	testutil.RemoveCurate()
	os.Exit(code)
}

// testInputs is the size of the synthetic set the report's test spreads
// over files.
const testInputs = 100_000

// synthFiles writes a synthetic set of n inputs (curate's benchmark shape,
// about 8 annotations per input) spread over several files: the JSONL
// form cut into three files by lines, and the CSV form of the same
// annotations dealt over three more files in runs of seven rows, so that
// every input is in a JSONL file and most are in several CSV files too.
// It returns the files in order and the relations file.
func synthFiles(t testing.TB, dir string, n int) (files []string, relations string) {
	t.Helper()
	w, err := synth.New(synth.BenchConfig(n))
	require.NoError(t, err)
	ctx := context.Background()
	var js, csv, rel bytes.Buffer
	require.NoError(t, w.WriteJSONL(ctx, &js))
	require.NoError(t, w.WriteCSV(ctx, &csv))
	require.NoError(t, w.WriteRelations(ctx, &rel))
	relations = filepath.Join(dir, "relations.jsonl")
	require.NoError(t, os.WriteFile(relations, rel.Bytes(), 0o644))

	lines := strings.SplitAfter(js.String(), "\n")
	for k := range 3 {
		name := filepath.Join(dir, fmt.Sprintf("part-%d.jsonl", k))
		require.NoError(t, os.WriteFile(name, []byte(strings.Join(lines[k*len(lines)/3:(k+1)*len(lines)/3], "")), 0o644))
		files = append(files, name)
	}
	rows := strings.SplitAfter(strings.TrimSuffix(csv.String(), "\n"), "\n")
	parts := make([]strings.Builder, 3)
	for k := range parts {
		parts[k].WriteString(rows[0])
	}
	for i, r := range rows[1:] {
		parts[i/7%3].WriteString(strings.TrimSuffix(r, "\n") + "\n")
	}
	for k := range parts {
		name := filepath.Join(dir, fmt.Sprintf("rows-%d.csv", k))
		require.NoError(t, os.WriteFile(name, []byte(parts[k].String()), 0o644))
		files = append(files, name)
	}
	return files, relations
}

// run runs a pipeline on Prism in this process.
func run(t testing.TB, build func(s beam.Scope)) {
	t.Helper()
	p, s := beam.NewPipelineWithRoot()
	build(s)
	_, err := prism.Execute(context.Background(), p)
	require.NoError(t, err)
}

// TestReportMatchesCurate runs the report on Prism over the files and
// compares it, byte for byte and field for field, with what `curate
// report --format json` writes for the same files: without relations,
// with them, and counting model scores.
func TestReportMatchesCurate(t *testing.T) {
	dir := t.TempDir()
	files, relFile := synthFiles(t, dir, testInputs)
	rel, err := os.ReadFile(relFile)
	require.NoError(t, err)
	curate := testutil.Curate(t)
	// Chunks of 7,000 inputs: every file is read in several, so inputs
	// span chunks as well as files, and names come from the earliest chunk.
	defer func(n int) { chunkInputs = n }(chunkInputs)
	chunkInputs = 7_000
	for _, tc := range []struct {
		name   string
		args   []string
		labels Labels
	}{
		{name: "plain"},
		{name: "relations", args: []string{"--relations", relFile}, labels: Labels{Relations: rel, RelationsName: relFile}},
		{name: "models", args: []string{"--include-models", "--model-threshold", "0.6"}, labels: Labels{IncludeModels: true, ModelThreshold: 0.6}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cmd := exec.Command(curate, append(append([]string{"report", "--format", "json"}, tc.args...), files...)...)
			want, err := cmd.Output()
			require.NoError(t, err)

			// The globs name the files in the order curate was given them.
			fs, err := Expand(context.Background(), []string{filepath.Join(dir, "part-*.jsonl"), filepath.Join(dir, "rows-*.csv")})
			require.NoError(t, err)
			require.Len(t, fs, len(files))
			out := filepath.Join(dir, tc.name+".json")
			run(t, func(s beam.Scope) {
				Report(s, ReportOptions{Files: fs, Load: Load{Format: "auto", MaxErrors: 1}, Labels: tc.labels, Output: out,
					Thresholds: balance.DefaultThresholds()})
			})
			got, err := os.ReadFile(out)
			require.NoError(t, err)

			var wantRep, gotRep map[string]any
			require.NoError(t, json.Unmarshal(want, &wantRep))
			require.NoError(t, json.Unmarshal(got, &gotRep))
			assert.Equal(t, wantRep, gotRep)
			assert.Equal(t, string(want), string(got))
			summary := gotRep["summary"].(map[string]any)
			assert.EqualValues(t, testInputs, summary["inputs"])
			if tc.labels.Relations != nil {
				assert.Positive(t, summary["propagated_positives"])
			}
		})
	}
}

// TestReportCompressed: gzip and zstd files (recognised by their magic
// bytes, as curate reads them) give the report of the plain files.
func TestReportCompressed(t *testing.T) {
	dir := t.TempDir()
	files, _ := synthFiles(t, dir, 5_000)
	curate := testutil.Curate(t)
	want, err := exec.Command(curate, append([]string{"report", "--format", "json"}, files...)...).Output()
	require.NoError(t, err)

	zdir := filepath.Join(dir, "z")
	require.NoError(t, os.Mkdir(zdir, 0o755))
	var fs []File
	for k, f := range files {
		b, err := os.ReadFile(f)
		require.NoError(t, err)
		var buf bytes.Buffer
		name := filepath.Join(zdir, fmt.Sprintf("%d-%s", k, filepath.Base(f)))
		if k%2 == 0 {
			w := gzip.NewWriter(&buf)
			_, err = w.Write(b)
			require.NoError(t, err)
			require.NoError(t, w.Close())
			name += ".gz"
		} else {
			w, err := zstd.NewWriter(&buf)
			require.NoError(t, err)
			_, err = w.Write(b)
			require.NoError(t, err)
			require.NoError(t, w.Close())
			name += ".zst"
		}
		require.NoError(t, os.WriteFile(name, buf.Bytes(), 0o644))
		got, err := Expand(context.Background(), []string{name})
		require.NoError(t, err)
		fs = append(fs, got...)
	}
	out := filepath.Join(dir, "report.json")
	run(t, func(s beam.Scope) {
		Report(s, ReportOptions{Files: fs, Load: Load{Format: "auto", MaxErrors: 1}, Output: out, Thresholds: balance.DefaultThresholds()})
	})
	got, err := os.ReadFile(out)
	require.NoError(t, err)
	assert.Equal(t, string(want), string(got))
}
