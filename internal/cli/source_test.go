package cli

import (
	"bytes"
	"compress/gzip"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/klauspost/compress/zstd"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func gzipped(t *testing.T, parts ...string) []byte {
	t.Helper()
	var b bytes.Buffer
	for _, p := range parts { // several members, as `cat a.gz b.gz` makes
		w := gzip.NewWriter(&b)
		_, err := w.Write([]byte(p))
		require.NoError(t, err)
		require.NoError(t, w.Close())
	}
	return b.Bytes()
}

func zstded(t *testing.T, s string) []byte {
	t.Helper()
	var b bytes.Buffer
	w, err := zstd.NewWriter(&b)
	require.NoError(t, err)
	_, err = w.Write([]byte(s))
	require.NoError(t, err)
	require.NoError(t, w.Close())
	return b.Bytes()
}

// TestReportCompressedSources reads the same data plain, gzip-compressed
// and zstd-compressed, from files whatever their names and from standard
// input: the reports are identical.
func TestReportCompressedSources(t *testing.T) {
	dir := t.TempDir()
	half := len(reportData) / 2
	for len(reportData) > half && reportData[half-1] != '\n' {
		half++
	}
	files := map[string][]byte{
		"data.jsonl":        []byte(reportData),
		"data.jsonl.gz":     gzipped(t, reportData),
		"two-members.gz":    gzipped(t, reportData[:half], reportData[half:]),
		"data.jsonl.zst":    zstded(t, reportData),
		"no-extension":      zstded(t, reportData),
		"labels.csv.gz":     gzipped(t, reportCSV),
		"relations.json.gz": gzipped(t, reportRelations),
	}
	for name, b := range files {
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), b, 0o644))
	}
	report := func(stdin []byte, args ...string) string {
		t.Helper()
		f, ios, out, errOut := testFactory()
		if stdin != nil {
			ios.In = bytes.NewReader(stdin)
		}
		code := Run(context.Background(), f, append([]string{"report", "--format", "json"}, args...))
		require.Equal(t, ExitOK, code, errOut.String())
		return out.String()
	}
	at := func(name string) string { return filepath.Join(dir, name) }
	want := report(nil, at("data.jsonl"))
	for _, name := range []string{"data.jsonl.gz", "two-members.gz", "data.jsonl.zst", "no-extension"} {
		assert.Equal(t, want, report(nil, at(name)), name)
	}
	assert.Equal(t, want, report(files["data.jsonl.gz"], "-"), "gzip on stdin")
	assert.Equal(t, want, report(files["data.jsonl.zst"], "-"), "zstd on stdin")
	require.NoError(t, os.WriteFile(at("labels.csv"), []byte(reportCSV), 0o644))
	assert.Equal(t, report(nil, at("labels.csv")), report(nil, at("labels.csv.gz")), "CSV")
	require.NoError(t, os.WriteFile(at("rel.json"), []byte(reportRelations), 0o644))
	assert.Equal(t, report(nil, at("data.jsonl"), "--relations", at("rel.json")),
		report(nil, at("data.jsonl"), "--relations", at("relations.json.gz")), "relations")
}

// TestSourceErrors runs as a user does, from a folder with relative
// paths: every message names the source exactly as it was given.
func TestSourceErrors(t *testing.T) {
	dir := t.TempDir()
	full := gzipped(t, reportData)
	for name, body := range map[string]string{
		"a/labels.csv":     "input_id,concept_id,value\nx,dog,1\n",
		"b/labels.csv":     "input_id,concept_id,value\nx,dog,1\ny,dog,2\n",
		"rel.jsonl":        `{"subject_concept":{"id":"husky"},"object_concept":{"id":"dog"},"predicate":"hyponym"}` + "\n",
		"neg.jsonl":        `{"input_id":"in-1","concept_id":"wolf","value":0,"score":0.4,"reason":"often with dog"}` + "\n",
		"truncated.gz":     string(full[:len(full)/2]),
		"corrupt.jsonl.gz": string(append([]byte{0x1f, 0x8b}, "not really gzip"...)),
	} {
		p := filepath.Join(dir, name)
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte(body), 0o644))
	}
	t.Chdir(dir)
	for _, tc := range []struct {
		name string
		args []string
		want string // the whole of stderr
	}{
		{"folder", []string{"a"}, "curate: a is a folder; want a dataset file\n"},
		{"folder with a slash", []string{"./a/"}, "curate: ./a/ is a folder; want a dataset file\n"},
		{"path as given", []string{"b/labels.csv"}, "curate: dataset: b/labels.csv:3: field \"value\": want 0 or 1, got \"2\"\n"},
		{"relations as SOURCE", []string{"rel.jsonl"}, "curate: dataset: rel.jsonl: not a dataset: a file of concept relations " +
			"(subject_concept, predicate, object_concept); pass it with --relations FILE next to a dataset\n"},
		{"suggestions as SOURCE", []string{"neg.jsonl"}, "curate: dataset: neg.jsonl: not a dataset: a file of suggestions " +
			"(input_id, concept_id, value per line); review it, then write it back with curate apply SOURCE FILE\n"},
		{"relations a folder", []string{"a/labels.csv", "--relations", "b"}, "curate: report: --relations: b is a folder; want a relations file\n"},
		{"truncated gzip", []string{"truncated.gz"}, "curate: truncated.gz: the gzip stream ends early (a truncated file?)\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, _, _, errOut := testFactory()
			code := Run(context.Background(), f, append([]string{"report"}, tc.args...))
			assert.Equal(t, ExitError, code)
			assert.Equal(t, tc.want, errOut.String())
		})
	}
	t.Run("corrupt gzip", func(t *testing.T) {
		f, _, _, errOut := testFactory()
		code := Run(context.Background(), f, []string{"report", "corrupt.jsonl.gz"})
		assert.Equal(t, ExitError, code)
		assert.Contains(t, errOut.String(), "curate: corrupt.jsonl.gz: ")
		assert.Contains(t, errOut.String(), "gzip")
	})
}
