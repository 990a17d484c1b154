package atomicfile

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCommitReplacesAndAbortKeeps(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "data.jsonl")
	require.NoError(t, os.WriteFile(p, []byte("old\n"), 0o640))

	f, err := Create(p, 0o600)
	require.NoError(t, err)
	_, err = f.Write([]byte("half"))
	require.NoError(t, err)
	require.NoError(t, f.Close()) // no Commit: the old file stays, no temp left
	got, _ := os.ReadFile(p)
	assert.Equal(t, "old\n", string(got))
	entries, _ := os.ReadDir(dir)
	assert.Len(t, entries, 1)

	f, err = Create(p, 0o600, WithBackup(p+".bak"))
	require.NoError(t, err)
	_, err = f.Write([]byte("new\n"))
	require.NoError(t, err)
	require.NoError(t, f.Commit())
	got, _ = os.ReadFile(p)
	assert.Equal(t, "new\n", string(got))
	bak, _ := os.ReadFile(p + ".bak")
	assert.Equal(t, "old\n", string(bak))
	st, _ := os.Stat(p)
	assert.Equal(t, os.FileMode(0o640), st.Mode().Perm(), "an existing file's mode is kept")
	entries, _ = os.ReadDir(dir)
	assert.Len(t, entries, 2)
}
