// Package atomicfile replaces files so that no one's work is lost: a crash
// at any moment leaves either the old file or the complete new one, never
// a partial file, and a replacement never gets around what the user could
// do to the file directly.
//
// The new content goes to a hidden temporary file in the target's folder;
// Commit syncs it, renames it over the target and syncs the folder. Abort
// (or a Close without Commit) removes the temporary file. Beyond that:
//
//   - A symbolic link is written through: the file it points to is
//     replaced in its own folder and the link is kept.
//   - An existing file keeps its mode (setuid, setgid and sticky bits
//     included) and, where the process may set them, its owner and group.
//     A new file gets perm as the umask allows.
//   - A file the user could not write directly (read-only, or another
//     user's) is refused ([ErrNotWritable]), and so is a file with several
//     hard links ([ErrHardLinks]) unless [WithForce]: replacing it would
//     split it from its other names.
//   - [WithLock] serialises writers: an advisory lock on a file beside the
//     target (".NAME.lock", removed again) is held from Create to Commit
//     or Abort, so take it before reading a file that is to be replaced. Under the lock
//     the leftovers of killed runs (".NAME.*.tmp", a stale "BACKUP.tmp")
//     are removed ([File.Cleaned]).
//   - Commit fails with [ErrChanged], and changes nothing, when the target
//     changed since Create (size, modification time, or the file itself):
//     another program, an editor say, wrote it in the meantime.
//
// Errors name the target as the caller gave it, never the temporary file.
package atomicfile

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
)

// Sentinel causes; test them with errors.Is.
var (
	// ErrChanged: the target changed between Create and Commit.
	ErrChanged = errors.New("changed since it was read")
	// ErrNotWritable: the user could not write the target directly.
	ErrNotWritable = errors.New("not writable")
	// ErrHardLinks: the target has other names (hard links).
	ErrHardLinks = errors.New("has several hard links")
)

// File is a pending replacement of a file.
type File struct {
	f        *os.File
	target   string // as the caller named it
	real     string // the file replaced: target with symbolic links resolved
	done     bool
	backup   string
	force    bool
	lock     bool
	lockF    *os.File
	lockPath string
	before   *identity // the target when Create ran; nil when it did not exist
	cleaned  []string
}

// Option configures Create.
type Option func(*File)

// WithBackup keeps the previous content of the target at path (typically
// target + ".bak") when Commit replaces it.
func WithBackup(path string) Option { return func(f *File) { f.backup = path } }

// WithForce replaces a file that has several hard links (its other names
// keep the old content).
func WithForce(force bool) Option { return func(f *File) { f.force = force } }

// WithLock holds an advisory lock beside the target until Commit or
// Abort, waiting for another holder, and removes leftovers of killed runs
// under it.
func WithLock() Option { return func(f *File) { f.lock = true } }

// identity is what tells a file changed.
type identity struct {
	dev, ino uint64
	size     int64
	mtime    int64
}

func identify(st os.FileInfo) *identity {
	id := &identity{size: st.Size(), mtime: st.ModTime().UnixNano()}
	if s, ok := st.Sys().(*syscall.Stat_t); ok {
		id.dev, id.ino = uint64(s.Dev), s.Ino
	}
	return id
}

// Create starts a replacement of target. perm applies, less the umask, to
// a new target; an existing one keeps its mode, owner and group.
func Create(target string, perm os.FileMode, opts ...Option) (*File, error) {
	af := &File{target: target, real: target}
	for _, o := range opts {
		o(af)
	}
	if r, err := filepath.EvalSymlinks(target); err == nil {
		af.real = r
	} else if l, lerr := os.Readlink(target); lerr == nil {
		// A dangling link: create the file it names.
		if !filepath.IsAbs(l) {
			l = filepath.Join(filepath.Dir(target), l)
		}
		af.real = l
	}
	dir, base := filepath.Split(af.real)
	if dir == "" {
		dir = "."
	}
	if err := writableDir(dir); err != nil {
		return nil, af.errorf("%w", err)
	}
	if af.lock {
		if err := af.takeLock(dir, base); err != nil {
			return nil, err
		}
	}
	fail := func(err error) (*File, error) {
		af.unlock()
		return nil, err
	}
	st, err := os.Stat(af.real)
	switch {
	case err == nil:
		if !st.Mode().IsRegular() {
			return fail(af.errorf("not a regular file"))
		}
		if syscall.Access(af.real, 2) != nil { // W_OK
			return fail(af.errorf("%w: you could not write it yourself (mode %v, owner uid %d); curate does not replace it", ErrNotWritable, st.Mode().Perm(), owner(st)))
		}
		if s, ok := st.Sys().(*syscall.Stat_t); ok && s.Nlink > 1 && !af.force {
			return fail(af.errorf("%w (%d names): replacing it would split it from the others", ErrHardLinks, s.Nlink))
		}
		af.before = identify(st)
	case !errors.Is(err, os.ErrNotExist):
		return fail(af.errorf("%v", unwrapPath(err)))
	}
	if af.lock {
		af.cleanLeftovers(dir, base)
	}
	f, err := createTemp(dir, base, perm)
	if err != nil {
		return fail(af.errorf("%v", unwrapPath(err)))
	}
	af.f = f
	if st != nil && af.before != nil {
		// Owner and group first: chown clears setuid and setgid bits.
		if s, ok := st.Sys().(*syscall.Stat_t); ok {
			if f.Chown(int(s.Uid), int(s.Gid)) != nil {
				_ = f.Chown(-1, int(s.Gid)) // a group the user is in
			}
		}
		if err := f.Chmod(st.Mode() & (os.ModePerm | os.ModeSetuid | os.ModeSetgid | os.ModeSticky)); err != nil {
			af.Abort()
			return nil, af.errorf("%v", unwrapPath(err))
		}
	}
	return af, nil
}

func createTemp(dir, base string, perm os.FileMode) (*os.File, error) {
	for range 100 {
		var b [6]byte
		_, _ = rand.Read(b[:])
		name := filepath.Join(dir, "."+base+"."+hex.EncodeToString(b[:])+".tmp")
		f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE|os.O_EXCL, perm) // the umask applies
		if !errors.Is(err, os.ErrExist) {
			return f, err
		}
	}
	return nil, errors.New("cannot pick a temporary name")
}

// takeLock locks the file ".NAME.lock" beside the target, waiting for a
// holder. The holder removes the lock file before it lets go, so a waiter
// that then gets the lock checks it still holds the file of that name,
// and tries again if not: no lock file stays behind.
func (a *File) takeLock(dir, base string) error {
	path := filepath.Join(dir, "."+base+".lock")
	for {
		lf, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o666)
		if err != nil {
			return a.errorf("lock: %v", unwrapPath(err))
		}
		if err := syscall.Flock(int(lf.Fd()), syscall.LOCK_EX); err != nil {
			lf.Close()
			return a.errorf("lock: %v", err)
		}
		held, err1 := lf.Stat()
		named, err2 := os.Stat(path)
		if err1 == nil && err2 == nil && os.SameFile(held, named) {
			a.lockF, a.lockPath = lf, path
			return nil
		}
		lf.Close()
	}
}

func (a *File) unlock() {
	if a.lockF != nil {
		os.Remove(a.lockPath)
		a.lockF.Close() // releases the lock
		a.lockF = nil
	}
}

// cleanLeftovers removes what killed runs left: their temporary files
// and a half-made backup. Only a writer holding the lock makes them, so
// under the lock every one is a leftover.
func (a *File) cleanLeftovers(dir, base string) {
	names, _ := filepath.Glob(filepath.Join(dir, "."+globEscape(base)+".*.tmp"))
	if a.backup != "" {
		if _, err := os.Lstat(a.backup + ".tmp"); err == nil {
			names = append(names, a.backup+".tmp")
		}
	}
	for _, n := range names {
		if os.Remove(n) == nil {
			a.cleaned = append(a.cleaned, n)
		}
	}
}

func globEscape(s string) string {
	r := strings.NewReplacer(`*`, `\*`, `?`, `\?`, `[`, `\[`, `\`, `\\`)
	return r.Replace(s)
}

// Cleaned lists the leftovers of killed runs that Create removed.
func (a *File) Cleaned() []string { return a.cleaned }

// Write writes to the temporary file.
func (a *File) Write(p []byte) (int, error) {
	n, err := a.f.Write(p)
	if err != nil {
		err = a.errorf("write: %v", unwrapPath(err))
	}
	return n, err
}

// Name returns the target as the caller named it.
func (a *File) Name() string { return a.target }

// TempName returns the temporary file's path.
func (a *File) TempName() string { return a.f.Name() }

// Unchanged reports, as an error wrapping [ErrChanged], whether the target
// changed since Create.
func (a *File) Unchanged() error {
	st, err := os.Stat(a.real)
	switch {
	case err != nil && errors.Is(err, os.ErrNotExist):
		if a.before != nil {
			return a.errorf("%w: it was removed", ErrChanged)
		}
		return nil
	case err != nil:
		return a.errorf("%v", unwrapPath(err))
	case a.before == nil:
		return a.errorf("%w: another program created it", ErrChanged)
	}
	if *identify(st) != *a.before {
		return a.errorf("%w: another program wrote it meanwhile; nothing was changed, run again", ErrChanged)
	}
	return nil
}

// Commit makes the new content the target's: check the target is as it
// was, fsync, (backup,) rename, fsync the folder, unlock. After Commit,
// Close does nothing.
func (a *File) Commit() error {
	if a.done {
		return errors.New("atomicfile: already closed")
	}
	a.done = true
	defer a.unlock()
	tmp := a.f.Name()
	if err := a.f.Sync(); err != nil {
		a.f.Close()
		os.Remove(tmp)
		return a.errorf("sync: %v", unwrapPath(err))
	}
	if err := a.f.Close(); err != nil {
		os.Remove(tmp)
		return a.errorf("close: %v", unwrapPath(err))
	}
	if err := a.Unchanged(); err != nil {
		os.Remove(tmp)
		return err
	}
	if a.backup != "" {
		os.Remove(a.backup + ".tmp") // a leftover would block the link
		if err := os.Link(a.real, a.backup+".tmp"); err == nil {
			if err := os.Rename(a.backup+".tmp", a.backup); err != nil {
				os.Remove(a.backup + ".tmp")
				os.Remove(tmp)
				return a.errorf("backup: %v", unwrapPath(err))
			}
		} else if !errors.Is(err, os.ErrNotExist) {
			os.Remove(tmp)
			return a.errorf("backup: %v", unwrapPath(err))
		}
	}
	if err := os.Rename(tmp, a.real); err != nil {
		os.Remove(tmp)
		return a.errorf("%v", unwrapPath(err))
	}
	return SyncDir(filepath.Dir(a.real))
}

// Abort discards the temporary file and releases the lock.
func (a *File) Abort() error {
	if a.done {
		return nil
	}
	a.done = true
	defer a.unlock()
	a.f.Close()
	return os.Remove(a.f.Name())
}

// Close aborts unless Commit was called; it lets `defer f.Close()` clean
// up on every error path.
func (a *File) Close() error { return a.Abort() }

var _ io.WriteCloser = (*File)(nil)

func (a *File) errorf(format string, args ...any) error {
	return fmt.Errorf("%s: "+format, append([]any{a.target}, args...)...)
}

// unwrapPath drops an *os.PathError's path (possibly the temporary name),
// keeping its operation and cause.
func unwrapPath(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return fmt.Errorf("%s: %w", pe.Op, pe.Err)
	}
	return err
}

func owner(st os.FileInfo) int {
	if s, ok := st.Sys().(*syscall.Stat_t); ok {
		return int(s.Uid)
	}
	return -1
}

// writableDir checks the folder exists and the user may create files in it.
func writableDir(dir string) error {
	st, err := os.Stat(dir)
	if err != nil {
		return fmt.Errorf("folder %s: %w", dir, unwrapPath(err))
	}
	if !st.IsDir() {
		return fmt.Errorf("%s is not a folder", dir)
	}
	if syscall.Access(dir, 2|1) != nil { // W_OK|X_OK
		return fmt.Errorf("%w: cannot create files in %s", ErrNotWritable, dir)
	}
	return nil
}

// Check reports whether target could be replaced (its folder exists and
// is writable, the file is writable and has one name unless force),
// without writing anything: commands call it before a long pass.
func Check(target string, force bool) error {
	f, err := Create(target, 0o600, WithForce(force))
	if err != nil {
		return err
	}
	return f.Abort()
}

// SyncDir fsyncs a folder so a rename in it is durable.
func SyncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("atomicfile: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("atomicfile: sync %s: %w", dir, err)
	}
	return nil
}

// WriteFile writes data to path atomically.
func WriteFile(path string, data []byte, perm os.FileMode) error {
	f, err := Create(path, perm)
	if err != nil {
		return err
	}
	defer f.Close()
	if _, err := f.Write(data); err != nil {
		return err
	}
	return f.Commit()
}
