package gonb

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func standinDir(t *testing.T) string {
	t.Helper()
	dir, err := filepath.Abs("internal/gonbui-standin")
	require.NoError(t, err)
	return dir
}

// TestEmulator checks the GoNB rules the notebook test relies on:
// declarations persist and can be replaced, %% runs main with arguments
// parsed as flags, ! runs shell commands (with line continuation) before
// the Go code, %env sets variables and prints, and what a cell prints and
// displays comes out in program order.
func TestEmulator(t *testing.T) {
	if testing.Short() {
		t.Skip("builds Go programs")
	}
	res, err := runNotebook(context.Background(), "testdata/emulator.ipynb", t.TempDir(), standinDir(t))
	require.NoError(t, err)
	byIndex := map[int]cellResult{}
	for _, r := range res {
		byIndex[r.Index] = r
	}
	require.True(t, byIndex[3].Ran)
	assert.Equal(t, []output{
		{Stdout: "42 1\n"},
		{Display: &display{Mime: "text/html", Data: "<b>hi</b>"}},
		{Stdout: "after the display\n"},
	}, byIndex[3].Outputs, "stdout and displays in program order")
	assert.False(t, byIndex[4].Ran, "a cell without %% only declares")
	assert.Equal(t, "Set: CURATE_NB_TEST=\"hello\"\n", byIndex[4].Stdout, "%env prints what it set")
	assert.Equal(t, "shell-in-testdata continued\n6 hello true [two words last] log <nil>\n", byIndex[5].Stdout,
		"the redefined double, the variable, -v parsed as a flag, a quoted argument kept whole")
	assert.Empty(t, byIndex[5].Displays)
}

// TestEmulatorGoGet: every cell runs go get, as GoNB does, so a replace
// directive naming a folder that does not exist fails the first cell with
// Go code, even one that imports nothing from the module.
func TestEmulatorGoGet(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go get")
	}
	dir := t.TempDir()
	nb := `{"cells":[
 {"cell_type":"code","metadata":{},"source":["!*go mod edit -require=curate.dev@v0.0.0-00010101000000-000000000000 -replace=curate.dev=${GONB_DIR}/no-such-folder"]},
 {"cell_type":"code","metadata":{},"source":["%%\n","fmt.Println(1)"]}
],"metadata":{},"nbformat":4,"nbformat_minor":4}`
	path := filepath.Join(dir, "wrong-replace.ipynb")
	require.NoError(t, os.WriteFile(path, []byte(nb), 0o644))
	_, err := runNotebook(context.Background(), path, t.TempDir(), standinDir(t))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "go get")
	assert.Contains(t, err.Error(), "no-such-folder")
}

func TestSplitArgs(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want []string
	}{
		{"%% -v", []string{"%%", "-v"}},
		{`%%  --name "two words"  x`, []string{"%%", "--name", "two words", "x"}},
		{`env A "say \"hi\"\tthere"`, []string{"env", "A", "say \"hi\"\tthere"}},
		{`env A ""`, []string{"env", "A", ""}},
	} {
		assert.Equal(t, tt.want, splitArgs(tt.in), tt.in)
	}
}

func TestImportName(t *testing.T) {
	tests := []struct{ spec, want string }{
		{`"fmt"`, "fmt"},
		{`"github.com/apache/arrow/go/v15/arrow/array"`, "array"},
		{`"github.com/schollz/progressbar/v3"`, "progressbar"},
		{`pq "github.com/apache/arrow/go/v15/parquet/pqarrow"`, "pq"},
		{`"github.com/mattn/go-isatty"`, "isatty"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, importName(tt.spec), tt.spec)
	}
}
