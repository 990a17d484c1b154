package atomicfile

import (
	"os"
	"path/filepath"
	"syscall"
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

func replace(t *testing.T, path, content string, opts ...Option) error {
	t.Helper()
	f, err := Create(path, 0o666, opts...)
	if err != nil {
		return err
	}
	defer f.Close()
	if _, err := f.Write([]byte(content)); err != nil {
		return err
	}
	return f.Commit()
}

func TestSymlinkWrittenThrough(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.Mkdir(filepath.Join(dir, "real"), 0o755))
	real := filepath.Join(dir, "real", "data.jsonl")
	require.NoError(t, os.WriteFile(real, []byte("old\n"), 0o640))
	link := filepath.Join(dir, "link.jsonl")
	require.NoError(t, os.Symlink("real/data.jsonl", link))

	require.NoError(t, replace(t, link, "new\n", WithLock()))
	got, err := os.ReadFile(real)
	require.NoError(t, err)
	assert.Equal(t, "new\n", string(got), "the file the link points to is replaced")
	st, err := os.Lstat(link)
	require.NoError(t, err)
	assert.True(t, st.Mode()&os.ModeSymlink != 0, "the link stays a link")
	st, err = os.Stat(real)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o640), st.Mode().Perm())
	ents, _ := os.ReadDir(filepath.Join(dir, "real"))
	assert.Len(t, ents, 1, "no temporary or lock file left")
}

func TestModeOwnerKept(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "data.jsonl")
	require.NoError(t, os.WriteFile(p, []byte("old\n"), 0o600))
	require.NoError(t, os.Chmod(p, 0o664|os.ModeSetgid))
	uid, gid := os.Getuid(), os.Getgid()
	if uid == 0 {
		uid, gid = 1234, 4321 // root may give the file to anyone: check both are kept
		require.NoError(t, os.Chown(p, uid, gid))
	}
	require.NoError(t, replace(t, p, "new\n"))
	st, err := os.Stat(p)
	require.NoError(t, err)
	assert.Equal(t, 0o664|os.ModeSetgid, st.Mode()&(os.ModePerm|os.ModeSetgid))
	s := st.Sys().(*syscall.Stat_t)
	assert.Equal(t, uid, int(s.Uid))
	assert.Equal(t, gid, int(s.Gid))
}

func TestNewFileFollowsUmask(t *testing.T) {
	old := syscall.Umask(0o077)
	defer syscall.Umask(old)
	p := filepath.Join(t.TempDir(), "new.jsonl")
	require.NoError(t, replace(t, p, "x\n"))
	st, err := os.Stat(p)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), st.Mode().Perm())
}

func TestHardLinksRefused(t *testing.T) {
	dir := t.TempDir()
	p, other := filepath.Join(dir, "data.jsonl"), filepath.Join(dir, "copy.jsonl")
	require.NoError(t, os.WriteFile(p, []byte("old\n"), 0o644))
	require.NoError(t, os.Link(p, other))
	err := replace(t, p, "new\n")
	require.ErrorIs(t, err, ErrHardLinks)
	assert.Contains(t, err.Error(), p)
	require.NoError(t, replace(t, p, "new\n", WithForce(true)))
	got, _ := os.ReadFile(p)
	assert.Equal(t, "new\n", string(got))
	got, _ = os.ReadFile(other)
	assert.Equal(t, "old\n", string(got), "the other name keeps the old content")
}

func TestChangedSinceCreate(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "data.jsonl")
	require.NoError(t, os.WriteFile(p, []byte("old\n"), 0o644))
	for name, change := range map[string]func(){
		"written in place": func() { require.NoError(t, os.WriteFile(p, []byte("edited\n"), 0o644)) },
		"replaced":         func() { require.NoError(t, WriteFile(p, []byte("edited\n"), 0o644)) },
	} {
		t.Run(name, func(t *testing.T) {
			require.NoError(t, os.WriteFile(p, []byte("old\n"), 0o644))
			f, err := Create(p, 0o666, WithLock())
			require.NoError(t, err)
			_, err = f.Write([]byte("new\n"))
			require.NoError(t, err)
			change()
			err = f.Commit()
			require.ErrorIs(t, err, ErrChanged)
			assert.Contains(t, err.Error(), p)
			assert.NotContains(t, err.Error(), ".tmp")
			got, _ := os.ReadFile(p)
			assert.Equal(t, "edited\n", string(got), "the other writer's content stays")
			ents, _ := os.ReadDir(dir)
			assert.Len(t, ents, 1)
		})
	}
}

func TestLeftoversCleaned(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "data.jsonl")
	require.NoError(t, os.WriteFile(p, []byte("old\n"), 0o644))
	left := []string{filepath.Join(dir, ".data.jsonl.0123abcd.tmp"), filepath.Join(dir, "data.jsonl.bak.tmp")}
	for _, l := range left {
		require.NoError(t, os.WriteFile(l, []byte("half"), 0o644))
	}
	other := filepath.Join(dir, ".other.jsonl.0123abcd.tmp") // another file's: not ours to remove
	require.NoError(t, os.WriteFile(other, []byte("half"), 0o644))
	f, err := Create(p, 0o666, WithLock(), WithBackup(p+".bak"))
	require.NoError(t, err)
	assert.ElementsMatch(t, left, f.Cleaned())
	_, err = f.Write([]byte("new\n"))
	require.NoError(t, err)
	require.NoError(t, f.Commit(), "a stale backup temp no longer blocks --backup")
	bak, _ := os.ReadFile(p + ".bak")
	assert.Equal(t, "old\n", string(bak))
	var names []string
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		names = append(names, e.Name())
	}
	assert.ElementsMatch(t, []string{"data.jsonl", "data.jsonl.bak", ".other.jsonl.0123abcd.tmp"}, names)
}

func TestCheckBeforeWork(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "no", "such", "x.jsonl")
	err := Check(missing, false)
	require.Error(t, err)
	assert.Contains(t, err.Error(), missing)
	assert.NotContains(t, err.Error(), ".tmp")

	if os.Geteuid() != 0 {
		p := filepath.Join(t.TempDir(), "ro.jsonl")
		require.NoError(t, os.WriteFile(p, []byte("x"), 0o444))
		require.ErrorIs(t, Check(p, false), ErrNotWritable)
	}
}
