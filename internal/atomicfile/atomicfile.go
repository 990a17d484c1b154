// Package atomicfile writes files so that a crash at any moment leaves
// either the old file or the complete new one, never a partial file.
//
// The new content goes to a temporary file in the same folder; Commit
// syncs it, renames it over the target and syncs the folder. Abort (or a
// Close without Commit) removes the temporary file.
package atomicfile

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// File is a pending replacement of a file.
type File struct {
	f      *os.File
	target string
	done   bool
	backup string
}

// Option configures Create.
type Option func(*File)

// WithBackup keeps the previous content of the target at path (typically
// target + ".bak") when Commit replaces it.
func WithBackup(path string) Option { return func(f *File) { f.backup = path } }

// Create starts a replacement of target. The temporary file's name starts
// with "." and the target's name and ends in ".tmp", so it never looks
// like a finished file. perm applies to a new target; an existing target's
// mode is kept.
func Create(target string, perm os.FileMode, opts ...Option) (*File, error) {
	dir, base := filepath.Split(target)
	if dir == "" {
		dir = "."
	}
	if st, err := os.Stat(target); err == nil {
		perm = st.Mode().Perm()
	}
	f, err := os.CreateTemp(dir, "."+base+".*.tmp")
	if err != nil {
		return nil, fmt.Errorf("atomicfile: %w", err)
	}
	if err := f.Chmod(perm); err != nil {
		f.Close()
		os.Remove(f.Name())
		return nil, fmt.Errorf("atomicfile: %w", err)
	}
	af := &File{f: f, target: target}
	for _, o := range opts {
		o(af)
	}
	return af, nil
}

// Write writes to the temporary file.
func (a *File) Write(p []byte) (int, error) { return a.f.Write(p) }

// Name returns the target path.
func (a *File) Name() string { return a.target }

// TempName returns the temporary file's path.
func (a *File) TempName() string { return a.f.Name() }

// Commit makes the new content the target's: fsync, (backup,) rename, fsync
// the folder. After Commit, Close does nothing.
func (a *File) Commit() error {
	if a.done {
		return errors.New("atomicfile: already closed")
	}
	a.done = true
	tmp := a.f.Name()
	if err := a.f.Sync(); err != nil {
		a.f.Close()
		os.Remove(tmp)
		return fmt.Errorf("atomicfile: sync %s: %w", tmp, err)
	}
	if err := a.f.Close(); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("atomicfile: close %s: %w", tmp, err)
	}
	if a.backup != "" {
		if err := os.Link(a.target, a.backup+".tmp"); err == nil {
			if err := os.Rename(a.backup+".tmp", a.backup); err != nil {
				os.Remove(a.backup + ".tmp")
				os.Remove(tmp)
				return fmt.Errorf("atomicfile: backup: %w", err)
			}
		} else if !errors.Is(err, os.ErrNotExist) {
			os.Remove(tmp)
			return fmt.Errorf("atomicfile: backup: %w", err)
		}
	}
	if err := os.Rename(tmp, a.target); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("atomicfile: %w", err)
	}
	return SyncDir(filepath.Dir(a.target))
}

// Abort discards the temporary file.
func (a *File) Abort() error {
	if a.done {
		return nil
	}
	a.done = true
	a.f.Close()
	return os.Remove(a.f.Name())
}

// Close aborts unless Commit was called; it lets `defer f.Close()` clean
// up on every error path.
func (a *File) Close() error { return a.Abort() }

var _ io.WriteCloser = (*File)(nil)

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
		return fmt.Errorf("atomicfile: %w", err)
	}
	return f.Commit()
}
