package export

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"

	"curate.dev/internal/atomicfile"
)

// Sink receives the files of an export. Create starts a file by its
// slash-separated relative name (such as "train-00000.parquet"); the
// export writes it and calls Close when the file's content is whole.
// Nothing written becomes visible before Commit; Abort discards every
// file created since the sink was made. Each export calls exactly one of
// Commit or Abort at the end.
type Sink interface {
	Create(ctx context.Context, name string) (io.WriteCloser, error)
	Commit(ctx context.Context) error
	Abort() error
}

// DirSink writes an export as one folder. Every file goes into a hidden
// folder beside the target (".NAME.export-PID-RANDOM"), and Commit puts
// that folder in the target's place in one rename, exchanging it with an
// earlier export when replacing (Linux renameat2 RENAME_EXCHANGE; two
// renames elsewhere). A reader therefore sees the old folder or the whole
// new one, never a mix, and an export killed at any point leaves the
// target as it was.
//
// The file [SidecarName] is not put in the folder, where a directory scan
// would take it for data, but beside it, as DIR + "_concepts.json"
// (replaced atomically right after the folder).
type DirSink struct {
	given   string // the folder as the caller named it, for messages
	target  string // the folder to create or replace (symlinks resolved)
	tmp     string
	replace bool

	mu      sync.Mutex
	files   []*sinkFile
	sidecar *atomicfile.File
	done    bool
}

// DirOption configures a [DirSink].
type DirOption func(*DirSink)

// WithReplace lets the sink replace a folder that holds an earlier
// export. Without it only a missing or empty folder is accepted. Even
// with it, a folder holding anything an export does not write (other
// files, other folders) is refused, so a mistyped --out cannot delete
// someone's work.
func WithReplace(on bool) DirOption { return func(s *DirSink) { s.replace = on } }

// SidecarPath returns where a [DirSink] for dir writes [SidecarName].
func SidecarPath(dir string) string {
	return filepath.Clean(dir) + "_concepts.json"
}

// NewDirSink checks that dir can be written (its parent folder exists
// and is writable; dir is missing, empty, or with [WithReplace] an
// earlier export) and creates the hidden folder the export is written
// to. Only dir itself is ever created. Errors name dir as given. Call it
// before any long work so a bad --out fails at once.
func NewDirSink(dir string, opts ...DirOption) (*DirSink, error) {
	s := &DirSink{given: dir}
	for _, o := range opts {
		o(s)
	}
	target, err := filepath.Abs(dir) // "." and "x/.." name a folder with a parent too
	if err != nil {
		return nil, fmt.Errorf("export: --out %s: %w", dir, err)
	}
	if fi, err := os.Lstat(target); err == nil && fi.Mode()&fs.ModeSymlink != 0 {
		// Replace the folder the link names, keep the link.
		if target, err = filepath.EvalSymlinks(target); err != nil {
			return nil, fmt.Errorf("export: --out %s: %w", dir, err)
		}
	}
	s.target = target
	parent := filepath.Dir(target)
	if parent == target {
		return nil, fmt.Errorf("export: --out %s: cannot replace the root folder", dir)
	}
	pfi, err := os.Stat(parent)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, fmt.Errorf("export: --out %s: folder %s does not exist (export creates only %s itself)", dir, filepath.Dir(filepath.Clean(dir)), filepath.Base(target))
	case err != nil:
		return nil, fmt.Errorf("export: --out %s: %w", dir, err)
	case !pfi.IsDir():
		return nil, fmt.Errorf("export: --out %s: %s is not a folder", dir, filepath.Dir(filepath.Clean(dir)))
	}
	if fi, err := os.Stat(target); err == nil {
		if !fi.IsDir() {
			return nil, fmt.Errorf("export: --out %s is a file, not a folder", dir)
		}
		ents, err := os.ReadDir(target)
		if err != nil {
			return nil, fmt.Errorf("export: --out %s: %w", dir, err)
		}
		if len(ents) > 0 {
			// A folder with anything an export does not write is refused
			// with or without --force, so the hint names --force only for
			// an earlier export.
			if name, ok := foreignEntry(target, ents); !ok {
				return nil, fmt.Errorf("export: --out %s holds %s, which no export writes; --force replaces only an earlier export (move it or pick another folder)", dir, name)
			}
			if !s.replace {
				return nil, fmt.Errorf("export: --out %s is not empty (use --force to replace the earlier export)", dir)
			}
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("export: --out %s: %w", dir, err)
	}
	cleanLeftovers(target)
	var rnd [6]byte
	rand.Read(rnd[:])
	s.tmp = filepath.Join(parent, fmt.Sprintf("%s%d-%s", tmpPrefix(target), os.Getpid(), hex.EncodeToString(rnd[:])))
	if err := os.Mkdir(s.tmp, 0o777); err != nil { // the umask applies
		if errors.Is(err, fs.ErrPermission) {
			return nil, fmt.Errorf("export: --out %s: cannot write in %s: %w", dir, filepath.Dir(filepath.Clean(dir)), fs.ErrPermission)
		}
		return nil, fmt.Errorf("export: --out %s: %w", dir, err)
	}
	return s, nil
}

func tmpPrefix(target string) string { return "." + filepath.Base(target) + ".export-" }

// cleanLeftovers removes the hidden folders of exports to target whose
// process is gone (killed runs).
func cleanLeftovers(target string) {
	parent, prefix := filepath.Dir(target), tmpPrefix(target)
	ents, err := os.ReadDir(parent)
	if err != nil {
		return
	}
	for _, e := range ents {
		rest, ok := strings.CutPrefix(e.Name(), prefix)
		if !ok || !e.IsDir() {
			continue
		}
		pidStr, _, _ := strings.Cut(rest, "-")
		pid, err := strconv.Atoi(pidStr)
		if err != nil || pid == os.Getpid() || processAlive(pid) {
			continue
		}
		os.RemoveAll(filepath.Join(parent, e.Name()))
	}
}

func processAlive(pid int) bool {
	p, err := os.FindProcess(pid)
	if err != nil {
		return false
	}
	err = p.Signal(syscall.Signal(0))
	return err == nil || errors.Is(err, syscall.EPERM)
}

// foreignEntry reports the first entry of an existing folder that no
// export writes (data files, and the split=NAME folders and concepts.json
// of earlier versions), and false then.
func foreignEntry(dir string, ents []fs.DirEntry) (string, bool) {
	for _, e := range ents {
		name := e.Name()
		if e.IsDir() {
			if !strings.HasPrefix(name, "split=") {
				return filepath.Join(dir, name) + "/", false
			}
			sub, err := os.ReadDir(filepath.Join(dir, name))
			if err != nil {
				return filepath.Join(dir, name) + "/", false
			}
			for _, f := range sub {
				if f.IsDir() || !exportFileName(f.Name()) {
					return filepath.Join(dir, name, f.Name()), false
				}
			}
			continue
		}
		if !exportFileName(name) && name != "concepts.json" {
			return filepath.Join(dir, name), false
		}
	}
	return "", true
}

func exportFileName(name string) bool {
	for _, ext := range formatExts {
		if strings.HasSuffix(name, ext) {
			return true
		}
	}
	return false
}

type sinkFile struct {
	f      *os.File
	name   string
	closed bool
}

func (f *sinkFile) Write(p []byte) (int, error) { return f.f.Write(p) }

// Close syncs and closes the file; it stays in the hidden folder until
// the sink commits.
func (f *sinkFile) Close() error {
	if f.closed {
		return nil
	}
	f.closed = true
	err := f.f.Sync()
	if cerr := f.f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("export: %s: %w", f.name, err)
	}
	return nil
}

// Create starts the file name inside the export's folder ([SidecarName]
// goes beside it).
func (s *DirSink) Create(ctx context.Context, name string) (io.WriteCloser, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.done {
		return nil, errors.New("export: sink already committed or aborted")
	}
	if name == SidecarName {
		f, err := atomicfile.Create(SidecarPath(s.target), 0o644)
		if err != nil {
			return nil, fmt.Errorf("export: %s: %w", SidecarPath(s.given), err)
		}
		s.sidecar = f
		return nopCloser{f}, nil
	}
	clean := filepath.FromSlash(name)
	if filepath.IsAbs(clean) || !filepath.IsLocal(clean) {
		return nil, fmt.Errorf("export: file name %q leaves the output folder", name)
	}
	path := filepath.Join(s.tmp, clean)
	if err := os.MkdirAll(filepath.Dir(path), 0o777); err != nil {
		return nil, fmt.Errorf("export: %s: %w", filepath.Join(s.given, clean), err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o666)
	if err != nil {
		return nil, fmt.Errorf("export: %s: %w", filepath.Join(s.given, clean), err)
	}
	sf := &sinkFile{f: f, name: filepath.Join(s.given, clean)}
	s.files = append(s.files, sf)
	return sf, nil
}

type nopCloser struct{ io.Writer }

func (nopCloser) Close() error { return nil }

// Commit puts the finished folder in the target's place (and the sidecar
// beside it). A file never closed makes Commit fail and leaves the target
// as it was.
func (s *DirSink) Commit(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.done {
		return errors.New("export: sink already committed or aborted")
	}
	for _, f := range s.files {
		if !f.closed {
			s.abortLocked()
			return fmt.Errorf("export: %s was not finished", f.name)
		}
	}
	if err := ctx.Err(); err != nil {
		s.abortLocked()
		return err
	}
	if err := atomicfile.SyncDir(s.tmp); err != nil {
		s.abortLocked()
		return fmt.Errorf("export: %w", err)
	}
	old, err := s.swapLocked()
	if err != nil {
		s.abortLocked()
		return fmt.Errorf("export: --out %s: %w", s.given, err)
	}
	s.done = true
	atomicfile.SyncDir(filepath.Dir(s.target))
	if old != "" {
		os.RemoveAll(old)
	}
	if s.sidecar != nil {
		if err := s.sidecar.Commit(); err != nil {
			return fmt.Errorf("export: %s: %w", SidecarPath(s.given), err)
		}
	} else if err := os.Remove(SidecarPath(s.target)); err == nil {
		// An earlier export's concept list no longer describes the folder.
		atomicfile.SyncDir(filepath.Dir(s.target))
	}
	return nil
}

// swapLocked moves the hidden folder to the target and returns the path
// now holding the earlier export ("" when there was none).
func (s *DirSink) swapLocked() (string, error) {
	fi, err := os.Stat(s.target)
	if errors.Is(err, fs.ErrNotExist) {
		return "", os.Rename(s.tmp, s.target)
	}
	if err != nil {
		return "", err
	}
	empty := false
	if fi.IsDir() {
		ents, err := os.ReadDir(s.target)
		empty = err == nil && len(ents) == 0
	}
	if !s.replace && !empty {
		return "", fmt.Errorf("%s appeared during the export (use --force to replace it)", s.given)
	}
	os.Chmod(s.tmp, fi.Mode().Perm()) // keep the folder's mode
	if err := exchange(s.tmp, s.target); err == nil {
		return s.tmp, nil
	}
	if empty {
		if err := os.Remove(s.target); err != nil {
			return "", err
		}
		return "", os.Rename(s.tmp, s.target)
	}
	// No atomic exchange here: move the old folder aside first.
	aside := s.tmp + ".old"
	if err := os.Rename(s.target, aside); err != nil {
		return "", err
	}
	if err := os.Rename(s.tmp, s.target); err != nil {
		os.Rename(aside, s.target)
		return "", err
	}
	return aside, nil
}

// Abort removes the hidden folder and the pending sidecar.
func (s *DirSink) Abort() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.done {
		return nil
	}
	return s.abortLocked()
}

func (s *DirSink) abortLocked() error {
	s.done = true
	for _, f := range s.files {
		if !f.closed {
			f.closed = true
			f.f.Close()
		}
	}
	var errs []error
	if s.sidecar != nil {
		if err := s.sidecar.Abort(); err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, err)
		}
	}
	if err := os.RemoveAll(s.tmp); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

var _ Sink = (*DirSink)(nil)
