package gonb

import (
	"context"
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
// declarations persist and can be replaced, %% runs main with arguments,
// ! runs shell commands (with line continuation), %env sets variables,
// and displays are recorded.
func TestEmulator(t *testing.T) {
	if testing.Short() {
		t.Skip("builds Go programs")
	}
	res, err := runNotebook(context.Background(), "testdata/emulator.ipynb", t.TempDir(), standinDir(t))
	require.NoError(t, err)
	var ran []cellResult
	for _, r := range res {
		if r.Ran {
			ran = append(ran, r)
		}
	}
	require.Len(t, ran, 2)
	assert.Equal(t, "42 1\n", ran[0].Stdout)
	require.Len(t, ran[0].Displays, 1)
	assert.Equal(t, display{Mime: "text/html", Data: "<b>hi</b>"}, ran[0].Displays[0])
	assert.Equal(t, "shell-in-testdata continued\n6 hello [-v]\n", ran[1].Stdout)
	assert.Empty(t, ran[1].Displays)
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
