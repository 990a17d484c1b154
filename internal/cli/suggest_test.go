package cli

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apache/arrow/go/v15/parquet/file"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"curate.dev/dataset"
	"curate.dev/internal/synth"
)

// synthFiles writes a small synthetic world and its relations to dir.
func synthFiles(t *testing.T, dim int) (data, rels string) {
	t.Helper()
	w, err := synth.New(synth.Config{Seed: 5, Inputs: 1500, EmbeddingDim: dim, WithRelations: true})
	require.NoError(t, err)
	dir := t.TempDir()
	data, rels = filepath.Join(dir, "animals.jsonl"), filepath.Join(dir, "relations.jsonl")
	for path, write := range map[string]func(context.Context, *os.File) error{
		data: func(ctx context.Context, f *os.File) error { return w.WriteJSONL(ctx, f) },
		rels: func(ctx context.Context, f *os.File) error { return w.WriteRelations(ctx, f) },
	} {
		f, err := os.Create(path)
		require.NoError(t, err)
		require.NoError(t, write(context.Background(), f))
		require.NoError(t, f.Close())
	}
	return data, rels
}

func TestSuggestFlags(t *testing.T) {
	tests := []struct {
		name    string
		args    string
		want    SuggestOptions
		wantErr string
	}{
		{name: "defaults", args: "data.jsonl --out s.jsonl",
			want: SuggestOptions{Source: "data.jsonl", Out: "s.jsonl", OutFormat: "jsonl", Ratio: 1, MaxPerConcept: 1000,
				Overlap: OverlapFlags{CooccurThreshold: 0.01, MinSupport: 20, MinSimilarity: 0.5, Labels: LabelFlags{ModelThreshold: 0.5}}}},
		{name: "all flags", args: "d.csv --relations r.jsonl --ratio 0.5 --max-per-concept 3 --seed 9 --cooccur-threshold 0.02 --min-support 5 --min-similarity 0.7 --no-infer --out x.CSV",
			want: SuggestOptions{Source: "d.csv", Out: "x.CSV", OutFormat: "csv", Ratio: 0.5, MaxPerConcept: 3, Seed: 9, NoInfer: true,
				Overlap: OverlapFlags{CooccurThreshold: 0.02, MinSupport: 5, MinSimilarity: 0.7, Labels: LabelFlags{Relations: "r.jsonl", ModelThreshold: 0.5}}}},
		{name: "parquet by extension", args: "d.jsonl --out x.parquet",
			want: SuggestOptions{Source: "d.jsonl", Out: "x.parquet", OutFormat: "parquet", Ratio: 1, MaxPerConcept: 1000,
				Overlap: OverlapFlags{CooccurThreshold: 0.01, MinSupport: 20, MinSimilarity: 0.5, Labels: LabelFlags{ModelThreshold: 0.5}}}},
		{name: "no out", args: "d.jsonl", wantErr: "--out FILE is required"},
		{name: "bad extension", args: "d.jsonl --out x.txt", wantErr: "want a .jsonl, .csv or .parquet file"},
		{name: "bad ratio", args: "d.jsonl --out x.jsonl --ratio 0", wantErr: "--ratio"},
		{name: "bad threshold", args: "d.jsonl --out x.jsonl --cooccur-threshold 2", wantErr: "--cooccur-threshold"},
		{name: "bad support", args: "d.jsonl --out x.jsonl --min-support 0", wantErr: "--min-support"},
		{name: "no source", args: "--out x.jsonl", wantErr: "missing SOURCE"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ios, _, _, _ := Test()
			got, err := parseFlags(t, &Factory{IO: ios}, NewCmdSuggest, tt.args)
			if tt.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.wantErr)
				return
			}
			require.NoError(t, err)
			got.IO = nil
			tt.want.Load = got.Load
			assert.Equal(t, tt.want, *got)
		})
	}
}

func TestSuggestRun(t *testing.T) {
	data, rels := synthFiles(t, 8)
	out := filepath.Join(t.TempDir(), "neg.jsonl")
	ios, _, stdout, stderr := Test()
	code := Run(context.Background(), &Factory{IO: ios}, []string{"suggest", data, "--relations", rels, "--max-per-concept", "20", "--out", out})
	require.Equal(t, ExitOK, code, stderr.String())
	assert.Contains(t, stdout.String(), "CONCEPT\tPOSITIVES\tNEGATIVES\tWANTED\tDEFICIT\tCANDIDATES\tSUGGESTED\tSOURCES\n")
	assert.Regexp(t, `(?m)^wolf\t\d+\t\d+\t\d+\t\d+\t\d+\t20\t`, stdout.String())
	assert.Contains(t, stderr.String(), "(2 pass(es) over ")

	f, err := os.Open(out)
	require.NoError(t, err)
	defer f.Close()
	sc := bufio.NewScanner(f)
	n := 0
	require.True(t, sc.Scan())
	var head struct {
		Source map[string]any `json:"curate_source"`
	}
	require.NoError(t, json.Unmarshal(sc.Bytes(), &head))
	assert.Equal(t, data, head.Source["name"], "the first line records the source")
	assert.Equal(t, 1500.0, head.Source["inputs"])
	for sc.Scan() {
		var m map[string]any
		require.NoError(t, json.Unmarshal(sc.Bytes(), &m))
		assert.Equal(t, 0.0, m["value"], "value is always explicit")
		for _, k := range []string{"input_id", "concept_id", "score", "source_concept_id", "reason"} {
			assert.Contains(t, m, k)
		}
		n++
	}
	assert.Positive(t, n)

	// Standard input cannot be read twice when there are embeddings.
	src, err := os.ReadFile(data)
	require.NoError(t, err)
	ios, stdin, _, stderr := Test()
	stdin.Write(src)
	code = Run(context.Background(), &Factory{IO: ios}, []string{"suggest", "-", "--out", out, "--force"})
	assert.Equal(t, ExitError, code)
	assert.Contains(t, stderr.String(), "give a file, not standard input")

	// A cycle in the relations is an error, and the old output stays.
	cyc := filepath.Join(t.TempDir(), "cyc.jsonl")
	require.NoError(t, os.WriteFile(cyc, []byte(`{"subject_concept":{"id":"a"},"object_concept":{"id":"b"},"predicate":"hyponym"}
{"subject_concept":{"id":"b"},"object_concept":{"id":"a"},"predicate":"hyponym"}
`), 0o644))
	before, _ := os.ReadFile(out)
	ios, _, _, stderr = Test()
	code = Run(context.Background(), &Factory{IO: ios}, []string{"suggest", data, "--relations", cyc, "--out", out, "--force"})
	assert.Equal(t, ExitError, code)
	assert.Contains(t, stderr.String(), "cycle")
	after, _ := os.ReadFile(out)
	assert.Equal(t, before, after)
}

func TestSuggestCSVNoEmbeddingsFromStdin(t *testing.T) {
	data, _ := synthFiles(t, 0)
	src, err := os.ReadFile(data)
	require.NoError(t, err)
	out := filepath.Join(t.TempDir(), "neg.csv")
	ios, stdin, _, stderr := Test()
	stdin.Write(src)
	code := Run(context.Background(), &Factory{IO: ios}, []string{"suggest", "-", "--out", out, "--max-per-concept", "5"})
	require.Equal(t, ExitOK, code, stderr.String())
	b, err := os.ReadFile(out)
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(string(b), "input_id,concept_id,value,score,source_concept_id,reason,url,text\n"))
	assert.Contains(t, stderr.String(), "(1 pass(es) over -)")
}

func TestOverlapRun(t *testing.T) {
	data, rels := synthFiles(t, 8)
	for _, tc := range []struct {
		format string
		check  func(t *testing.T, out string)
	}{
		{"text", func(t *testing.T, out string) {
			assert.True(t, strings.HasPrefix(out, "A\tB\tVERDICT\tSCORE\tSIMILARITY\tCONFUSIONS\tSIBLINGS\tTOGETHER\tPOS_A\tPOS_B\n"))
			assert.Equal(t, 6, strings.Count(out, "\n"), "header + --top 5")
		}},
		{"json", func(t *testing.T, out string) {
			var doc struct {
				Pairs []struct{ A, B, Verdict string }
			}
			require.NoError(t, json.Unmarshal([]byte(out), &doc))
			assert.Len(t, doc.Pairs, 5)
		}},
		{"html", func(t *testing.T, out string) {
			assert.True(t, strings.HasPrefix(out, "<!DOCTYPE html>"))
			assert.NotContains(t, out, "<script")
			assert.NotContains(t, out, "http")
			assert.Contains(t, out, "overlapping")
			assert.Contains(t, out, "Source: "+filepath.Base(data)+".", "the source by its name")
			assert.NotContains(t, out, filepath.Dir(data), "no path of the user's machine")
		}},
	} {
		t.Run(tc.format, func(t *testing.T) {
			ios, _, stdout, stderr := Test()
			code := Run(context.Background(), &Factory{IO: ios}, []string{"overlap", data, "--relations", rels, "--top", "5", "--format", tc.format})
			require.Equal(t, ExitOK, code, stderr.String())
			tc.check(t, stdout.String())
		})
	}
	ios, _, _, stderr := Test()
	assert.Equal(t, ExitUsage, Run(context.Background(), &Factory{IO: ios}, []string{"overlap", data, "--format", "xml"}))
	assert.Contains(t, stderr.String(), "--format")
}

// A .parquet --out holds the same suggestions as JSONL, readable by the
// Arrow Parquet reader.
func TestSuggestParquet(t *testing.T) {
	data, rels := synthFiles(t, 8)
	dir := t.TempDir()
	counts := map[string]int64{}
	for _, name := range []string{"neg.jsonl", "neg.parquet"} {
		ios, _, _, stderr := Test()
		code := Run(context.Background(), &Factory{IO: ios}, []string{"suggest", data, "--relations", rels, "--max-per-concept", "7", "--out", filepath.Join(dir, name)})
		require.Equal(t, ExitOK, code, stderr.String())
	}
	b, err := os.ReadFile(filepath.Join(dir, "neg.jsonl"))
	require.NoError(t, err)
	counts["jsonl"] = int64(bytes.Count(b, []byte("\n"))) - 1 // the source line

	f, err := os.Open(filepath.Join(dir, "neg.parquet"))
	require.NoError(t, err)
	defer f.Close()
	pf, err := file.NewParquetReader(f)
	require.NoError(t, err)
	defer pf.Close()
	counts["parquet"] = pf.NumRows()
	assert.Positive(t, counts["jsonl"])
	assert.Equal(t, counts["jsonl"], counts["parquet"])
	names := []string{}
	for i := 0; i < pf.MetaData().Schema.NumColumns(); i++ {
		names = append(names, pf.MetaData().Schema.Column(i).Name())
	}
	want := []string{}
	for _, f := range dataset.ChangesSchema().Fields() {
		want = append(want, f.Name)
	}
	assert.Equal(t, want, names, "the suggestions table is the changes table apply reads")
}
