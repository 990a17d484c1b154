package cli

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestNewCmdExportFlags(t *testing.T) {
	for _, tc := range []struct {
		name    string
		args    string
		want    ExportOptions
		wantErr string
	}{
		{
			name: "training split",
			args: "data.jsonl --out o --layout training --split train=0.8,val=0.1,test=0.1 --seed 7 --group-by metadata.album",
			want: ExportOptions{Source: "data.jsonl", Out: "o", Layout: "training", Split: "train=0.8,val=0.1,test=0.1", Seed: 7, Labels: LabelFlags{ModelThreshold: 0.5},
				GroupBy: "metadata.album", Format: "parquet", Compression: "zstd"},
		},
		{
			name: "long csv capped",
			args: "d.csv --out o --layout long --format csv --compression none --max-rows-per-file 100",
			want: ExportOptions{Source: "d.csv", Out: "o", Layout: "long", Seed: 1, Format: "csv", Compression: "none", MaxRowsPerFile: 100, Labels: LabelFlags{ModelThreshold: 0.5}},
		},
		{name: "no out", args: "d.jsonl", wantErr: "--out"},
		{name: "no source", args: "--out o", wantErr: "SOURCE"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ios, _, _, _ := Test()
			got, err := parseFlags(t, &Factory{IO: ios}, NewCmdExport, tc.args)
			if tc.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tc.wantErr)
				return
			}
			require.NoError(t, err)
			require.NotNil(t, got)
			got.IO, got.Load = nil, LoadOptions{}
			assert.Equal(t, tc.want, *got)
		})
	}
}

func TestExportRequestErrors(t *testing.T) {
	for _, tc := range []struct{ name, flag string }{
		{"layout", "--layout=wide"},
		{"split", "--split=train=0.5"},
		{"group without split", "--group-by=metadata.a"},
		{"group field", "--split=a=1 --group-by=album"},
		{"format", "--format=xlsx"},
		{"compression", "--compression=gzip"},
		{"arrow snappy", "--format=arrow --compression=snappy"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ios, _, _, errOut := Test()
			args := append([]string{"export", "x.jsonl", "--out", t.TempDir()}, strings.Fields(tc.flag)...)
			code := Run(context.Background(), &Factory{IO: ios, Getenv: func(string) string { return "" }}, args)
			assert.Equal(t, ExitUsage, code, errOut.String())
		})
	}
}

func writeJSONL(t *testing.T, n int) string {
	t.Helper()
	var b strings.Builder
	for i := 0; i < n; i++ {
		album := i / 3
		fmt.Fprintf(&b, `{"id":"in%d","data":{"image":{"url":"https://x/%d.jpg"},"metadata":{"album":"a%d"},"concepts":[`, i, i, album)
		var cs []string
		for c := 0; c < 6; c++ {
			switch (i*7 + c*3) % 5 {
			case 0, 1:
				cs = append(cs, fmt.Sprintf(`{"id":"c%d","name":"concept %d","value":1}`, c, c))
			case 2:
				cs = append(cs, fmt.Sprintf(`{"id":"c%d","value":0}`, c))
			}
		}
		b.WriteString(strings.Join(cs, ","))
		b.WriteString("]}}\n")
	}
	path := filepath.Join(t.TempDir(), "data.jsonl")
	require.NoError(t, os.WriteFile(path, []byte(b.String()), 0o644))
	return path
}

func TestExportRun(t *testing.T) {
	src := writeJSONL(t, 300)
	for _, tc := range []struct {
		name      string
		args      string
		wantFiles []string
	}{
		{"training", "--layout training --split train=0.8,val=0.1,test=0.1 --seed 7 --group-by metadata.album",
			[]string{"concepts.json", "split=test/part-00000.parquet", "split=train/part-00000.parquet", "split=val/part-00000.parquet"}},
		{"long csv", "--layout long --format csv --max-rows-per-file 500",
			[]string{"part-00000.csv", "part-00001.csv", "part-00002.csv"}}, // 1080 rows
		{"stats", "--layout stats", []string{"concepts.json", "part-00000.parquet"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "out")
			ios, _, stdout, stderr := Test()
			args := append([]string{"export", src, "--out", out}, strings.Fields(tc.args)...)
			code := Run(context.Background(), &Factory{IO: ios, Getenv: func(string) string { return "" }}, args)
			require.Equal(t, ExitOK, code, stderr.String())
			var files []string
			filepath.WalkDir(out, func(p string, d os.DirEntry, err error) error {
				if err == nil && !d.IsDir() {
					rel, _ := filepath.Rel(out, p)
					files = append(files, filepath.ToSlash(rel))
				}
				return nil
			})
			sort.Strings(files)
			assert.Equal(t, tc.wantFiles, files)
			assert.Contains(t, stderr.String(), "wrote ")
			if strings.Contains(tc.args, "--split") {
				assert.Contains(t, stdout.String(), "mean |deviation|")
				assert.Contains(t, stdout.String(), "c0\t")
			}
			// A second run into the same folder is refused without --force.
			ios2, _, _, stderr2 := Test()
			code = Run(context.Background(), &Factory{IO: ios2}, args)
			assert.Equal(t, ExitError, code)
			assert.Contains(t, stderr2.String(), "not empty")
		})
	}
}
