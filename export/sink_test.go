package export

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestDirSink(t *testing.T) {
	ctx := context.Background()
	t.Run("commit publishes closed files", func(t *testing.T) {
		dir := t.TempDir()
		s := newSink(t, dir)
		f, err := s.Create(ctx, "train-00000.csv")
		require.NoError(t, err)
		_, err = f.Write([]byte("a\n"))
		require.NoError(t, err)
		require.NoError(t, f.Close())
		assert.Empty(t, visible(t, dir), "nothing visible before Commit")
		require.NoError(t, s.Commit(ctx))
		assert.Equal(t, []string{"train-00000.csv"}, dataFiles(t, dir))
	})
	t.Run("unfinished file fails commit and leaves nothing", func(t *testing.T) {
		dir := t.TempDir()
		s := newSink(t, dir)
		a, err := s.Create(ctx, "a.csv")
		require.NoError(t, err)
		require.NoError(t, a.Close())
		_, err = s.Create(ctx, "b.csv")
		require.NoError(t, err)
		assert.Error(t, s.Commit(ctx))
		assert.Empty(t, dataFiles(t, dir))
	})
	t.Run("abort removes temporary files", func(t *testing.T) {
		dir := t.TempDir()
		s := newSink(t, dir)
		f, err := s.Create(ctx, "x/y.parquet")
		require.NoError(t, err)
		f.Write([]byte("partial"))
		require.NoError(t, s.Abort())
		assert.Empty(t, dataFiles(t, dir))
	})
	for _, name := range []string{"../escape.csv", "/abs.csv"} {
		t.Run("rejects "+name, func(t *testing.T) {
			_, err := newSink(t, t.TempDir()).Create(ctx, name)
			assert.Error(t, err)
		})
	}
}

// visible lists files whose names do not start with "." (the temporary
// names atomicfile uses).
func visible(t *testing.T, dir string) []string {
	var out []string
	for _, f := range dataFiles(t, dir) {
		if base := filepath.Base(f); base[0] != '.' {
			out = append(out, f)
		}
	}
	return out
}

// TestDirSinkCurrentFolder: "." names the working folder, replaced in
// its parent like any other.
func TestDirSinkCurrentFolder(t *testing.T) {
	ctx := context.Background()
	parent := t.TempDir()
	dir := filepath.Join(parent, "out")
	require.NoError(t, os.Mkdir(dir, 0o755))
	t.Chdir(dir)
	s := newSink(t, ".")
	f, err := s.Create(ctx, "part-00000.csv")
	require.NoError(t, err)
	require.NoError(t, f.Close())
	require.NoError(t, s.Commit(ctx))
	assert.Equal(t, []string{"part-00000.csv"}, dataFiles(t, dir))
	_, err = NewDirSink("/")
	assert.ErrorContains(t, err, "root folder")
}
