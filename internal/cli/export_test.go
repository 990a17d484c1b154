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
			[]string{"test-00000.parquet", "train-00000.parquet", "val-00000.parquet"}},
		{"long csv", "--layout long --format csv --max-rows-per-file 500",
			[]string{"part-00000.csv", "part-00001.csv", "part-00002.csv"}}, // 1080 rows
		{"stats", "--layout stats", []string{"part-00000.parquet"}},
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
			if tc.name == "long csv" {
				assert.NoFileExists(t, out+"_concepts.json")
			} else {
				assert.FileExists(t, out+"_concepts.json", "the concept order beside the folder")
			}
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

// leftovers lists the entries beside out other than out and its sidecar.
func leftovers(t *testing.T, out string) []string {
	t.Helper()
	ents, err := os.ReadDir(filepath.Dir(out))
	require.NoError(t, err)
	var names []string
	for _, e := range ents {
		if n := e.Name(); n != filepath.Base(out) && n != filepath.Base(out)+"_concepts.json" {
			names = append(names, n)
		}
	}
	return names
}

func runExport(t *testing.T, args ...string) (ExitCode, string) {
	t.Helper()
	ios, _, _, stderr := Test()
	code := Run(context.Background(), &Factory{IO: ios, Getenv: func(string) string { return "" }}, append([]string{"export"}, args...))
	return code, stderr.String()
}

// TestExportForceReplacesWhole: an export with --force over an earlier
// one leaves exactly the new export's files, whatever the earlier one
// wrote (more part files, other splits, a sidecar the new layout has not).
func TestExportForceReplacesWhole(t *testing.T) {
	src := writeJSONL(t, 300)
	out := filepath.Join(t.TempDir(), "out")
	code, errs := runExport(t, src, "--out", out, "--layout", "training", "--split", "train=0.5,val=0.25,test=0.25", "--max-rows-per-file", "40")
	require.Equal(t, ExitOK, code, errs)
	require.NoError(t, os.Chmod(out, 0o750))
	before, err := os.ReadDir(out)
	require.NoError(t, err)
	require.Greater(t, len(before), 3)

	code, errs = runExport(t, src, "--out", out, "--layout", "long", "--force")
	require.Equal(t, ExitOK, code, errs)
	after, err := os.ReadDir(out)
	require.NoError(t, err)
	var names []string
	for _, e := range after {
		names = append(names, e.Name())
	}
	assert.Equal(t, []string{"part-00000.parquet"}, names, "only the new export's files")
	assert.NoFileExists(t, out+"_concepts.json", "the earlier concept list no longer describes the folder")
	assert.Empty(t, leftovers(t, out), "no hidden folder remains")
	st, err := os.Stat(out)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o750), st.Mode().Perm(), "the folder keeps its mode")

	// A symlinked --out: the folder it names is replaced, the link stays.
	link := filepath.Join(t.TempDir(), "link")
	require.NoError(t, os.Symlink(out, link))
	code, errs = runExport(t, src, "--out", link, "--layout", "stats", "--force")
	require.Equal(t, ExitOK, code, errs)
	fi, err := os.Lstat(link)
	require.NoError(t, err)
	assert.True(t, fi.Mode()&os.ModeSymlink != 0, "the link is kept")
	assert.FileExists(t, filepath.Join(out, "part-00000.parquet"))
	assert.FileExists(t, out+"_concepts.json")
}

// TestExportChecksOutFirst: a bad --out fails before the source is read,
// naming the path as given, and creates nothing.
func TestExportChecksOutFirst(t *testing.T) {
	src := writeJSONL(t, 30)
	base := t.TempDir()
	foreign := filepath.Join(base, "notes")
	require.NoError(t, os.MkdirAll(foreign, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(foreign, "todo.txt"), []byte("mine"), 0o644))
	file := filepath.Join(base, "file")
	require.NoError(t, os.WriteFile(file, nil, 0o644))
	earlier := filepath.Join(base, "earlier")
	require.NoError(t, os.MkdirAll(earlier, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(earlier, "part-00000.parquet"), []byte("PAR1"), 0o644))
	for _, tc := range []struct {
		name, out string
		force     bool
		want      string
	}{
		{"missing parent", filepath.Join(base, "missing", "dir", "out"), false, "folder " + filepath.Join(base, "missing", "dir") + " does not exist"},
		{"out is a file", file, true, file + " is a file"},
		{"an earlier export", earlier, false, earlier + " is not empty (use --force to replace the earlier export)"},
		{"foreign file", foreign, false, filepath.Join(foreign, "todo.txt") + ", which no export writes; --force replaces only an earlier export"},
		{"foreign file under --force", foreign, true, filepath.Join(foreign, "todo.txt") + ", which no export writes"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := []string{src, "--out", tc.out, "--relations", filepath.Join(base, "no-such-relations.jsonl")}
			if tc.force {
				args = append(args, "--force")
			}
			code, errs := runExport(t, args...)
			assert.Equal(t, ExitError, code)
			assert.Contains(t, errs, tc.want)
			assert.NotContains(t, errs, "no-such-relations", "checked before anything is read")
			assert.NotContains(t, errs, ".export-", "no internal name")
			assert.NoDirExists(t, filepath.Join(base, "missing"))
			b, err := os.ReadFile(filepath.Join(foreign, "todo.txt"))
			require.NoError(t, err)
			assert.Equal(t, "mine", string(b))
			ents, err := os.ReadDir(base)
			require.NoError(t, err)
			assert.Len(t, ents, 3, "nothing created beside")
		})
	}
	if os.Geteuid() == 0 {
		t.Log("running as root: the unwritable-folder case needs an unprivileged user")
		return
	}
	ro := filepath.Join(base, "ro")
	require.NoError(t, os.Mkdir(ro, 0o555))
	code, errs := runExport(t, src, "--out", filepath.Join(ro, "out"))
	assert.Equal(t, ExitError, code)
	assert.Contains(t, errs, "cannot write in "+ro)
}

// TestReadmeExportCommands runs every command of the README's export
// section on a generated file, each into a fresh folder.
func TestReadmeExportCommands(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	require.NoError(t, err)
	_, section, ok := strings.Cut(string(b), "\n## Exporting for training\n")
	require.True(t, ok, "the README has an export section")
	section, _, _ = strings.Cut(section, "\n## ")
	_, block, ok := strings.Cut(section, "```sh\n")
	require.True(t, ok)
	block, _, _ = strings.Cut(block, "```")
	src := writeJSONL(t, 300)
	n := 0
	for _, line := range strings.Split(strings.TrimSpace(block), "\n") {
		args := strings.Fields(line)
		require.Equal(t, []string{"curate", "export"}, args[:2], line)
		for i, a := range args {
			switch {
			case a == "data.jsonl":
				args[i] = src
			case i > 0 && args[i-1] == "--out":
				args[i] = filepath.Join(t.TempDir(), a)
			}
		}
		code, errs := runExport(t, args[2:]...)
		assert.Equal(t, ExitOK, code, "%s\n%s", line, errs)
		n++
	}
	assert.GreaterOrEqual(t, n, 4)
}

// TestExportTrainingFromStdin: the training and stats layouts read their
// source once, so standard input works; an input on two lines is one row.
// A split of the long layout needs two reads and refuses it.
func TestExportTrainingFromStdin(t *testing.T) {
	src := `{"id":"a","data":{"image":{"url":"https://x/a.jpg"},"concepts":[{"id":"cat","value":1}]}}
{"id":"b","data":{"concepts":[{"id":"dog","value":0}]}}
{"id":"a","data":{"concepts":[{"id":"dog","value":1}]}}
`
	for _, layout := range []string{"training", "stats"} {
		t.Run(layout, func(t *testing.T) {
			ios, in, _, errOut := Test()
			in.WriteString(src)
			out := filepath.Join(t.TempDir(), "o")
			code := Run(context.Background(), &Factory{IO: ios, Getenv: func(string) string { return "" }}, []string{"export", "-", "--out", out, "--layout", layout, "--format", "csv"})
			require.Equal(t, ExitOK, code, errOut.String())
			b, err := os.ReadFile(filepath.Join(out, "part-00000.csv"))
			require.NoError(t, err)
			lines := strings.Split(strings.TrimSpace(string(b)), "\n")
			require.Len(t, lines, 3, string(b)) // a header and two inputs, or two concepts
			if layout == "training" {
				assert.True(t, strings.HasPrefix(lines[1], "a,https://x/a.jpg,"), lines[1])
				assert.Contains(t, lines[1], `"[""cat"",""dog""]"`, "a's two lines merged")
				assert.True(t, strings.HasPrefix(lines[2], "b,"), lines[2])
			}
		})
	}
	ios, in, _, errOut := Test()
	in.WriteString(src)
	code := Run(context.Background(), &Factory{IO: ios, Getenv: func(string) string { return "" }}, []string{"export", "-", "--out", filepath.Join(t.TempDir(), "o"), "--layout", "long", "--split", "train=0.5,test=0.5"})
	assert.Equal(t, ExitUsage, code)
	assert.Contains(t, errOut.String(), "reads SOURCE twice")
}

// TestExportTrainingMergesRows: an input that comes back on a later line
// gets the url and metadata its first line left out, and a url that
// differs between lines keeps the first and is warned about; both come
// back 3,000 lines later, after their first lines were logged. With and
// without a split.
func TestExportTrainingMergesRows(t *testing.T) {
	var src strings.Builder
	src.WriteString(`{"id":"a","data":{"concepts":[{"id":"dog","value":1}]}}` + "\n")
	src.WriteString(`{"id":"b","data":{"image":{"url":"https://x/b1.jpg"},"concepts":[{"id":"dog","value":1}]}}` + "\n")
	for i := range 3000 { // other inputs between the lines
		fmt.Fprintf(&src, `{"id":"f%d","data":{"image":{"url":"https://x/f%d.jpg"},"concepts":[{"id":"cat","value":%d}]}}`+"\n", i, i, i%2)
	}
	src.WriteString(`{"id":"a","data":{"image":{"url":"https://x/a.jpg"},"metadata":{"k":1},"concepts":[{"id":"cat","value":0}]}}` + "\n")
	src.WriteString(`{"id":"b","data":{"image":{"url":"https://x/b2.jpg"},"metadata":{"k":2},"concepts":[{"id":"cat","value":1}]}}` + "\n")
	dir := writeFiles(t, map[string]string{"data.jsonl": src.String()})
	for _, split := range [][]string{nil, {"--split", "train=0.5,test=0.5"}} {
		out := filepath.Join(t.TempDir(), "o")
		code, stderr := runExport(t, append([]string{filepath.Join(dir, "data.jsonl"), "--out", out, "--layout", "training", "--format", "csv"}, split...)...)
		require.Equal(t, ExitOK, code, stderr)
		assert.Contains(t, stderr, "warning: 1 input(s) came back on a later line with a different url, text or metadata")
		rows := map[string]string{}
		ents, err := os.ReadDir(out)
		require.NoError(t, err)
		for _, e := range ents {
			b, err := os.ReadFile(filepath.Join(out, e.Name()))
			require.NoError(t, err)
			for _, l := range strings.Split(strings.TrimSpace(string(b)), "\n")[1:] {
				id, _, _ := strings.Cut(l, ",")
				_, dup := rows[id]
				assert.False(t, dup, "input %s written twice", id)
				rows[id] = l
			}
		}
		assert.Len(t, rows, 3002)
		assert.True(t, strings.HasPrefix(rows["a"], `a,https://x/a.jpg,,"{""k"":1}","[""dog""]","[""cat""]"`), rows["a"])
		assert.True(t, strings.HasPrefix(rows["b"], `b,https://x/b1.jpg,,"{""k"":2}","[""cat"",""dog""]"`), rows["b"])
	}
}
