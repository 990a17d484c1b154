package export

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"curate.dev/internal/atomicfile"
)

// Sink receives the files of an export. Create starts a file by its
// slash-separated relative name (such as "split=train/part-00000.parquet");
// the export writes it and calls Close when the file's content is whole.
// Nothing written becomes visible as a finished file before Commit; Abort
// discards every file created since the sink was made. Each export calls
// exactly one of Commit or Abort at the end.
type Sink interface {
	Create(ctx context.Context, name string) (io.WriteCloser, error)
	Commit(ctx context.Context) error
	Abort() error
}

// DirSink writes files under a folder. Each file goes to a temporary name
// (".NAME.*.tmp", created with internal/atomicfile) and is renamed to its
// final name only at Commit, so an export that fails midway leaves no
// file that looks complete.
type DirSink struct {
	dir     string
	mu      sync.Mutex
	pending []*pendingFile
	dirs    map[string]bool
}

// NewDirSink returns a sink writing under dir, which is created if needed.
func NewDirSink(dir string) *DirSink { return &DirSink{dir: dir, dirs: map[string]bool{}} }

type pendingFile struct {
	*atomicfile.File
	closed bool
}

// Close marks the file whole; it stays under its temporary name until
// the sink commits.
func (p *pendingFile) Close() error { p.closed = true; return nil }

// Create starts the file name below the sink's folder.
func (s *DirSink) Create(ctx context.Context, name string) (io.WriteCloser, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	clean := filepath.FromSlash(name)
	if filepath.IsAbs(clean) || strings.HasPrefix(filepath.Clean(clean), "..") {
		return nil, fmt.Errorf("export: file name %q leaves the output folder", name)
	}
	path := filepath.Join(s.dir, clean)
	parent := filepath.Dir(path)
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.dirs[parent] {
		if err := os.MkdirAll(parent, 0o755); err != nil {
			return nil, fmt.Errorf("export: %w", err)
		}
		s.dirs[parent] = true
	}
	f, err := atomicfile.Create(path, 0o644)
	if err != nil {
		return nil, fmt.Errorf("export: %w", err)
	}
	p := &pendingFile{File: f}
	s.pending = append(s.pending, p)
	return p, nil
}

// Commit renames every closed file to its final name (each rename synced).
// A file never closed is discarded and makes Commit fail.
func (s *DirSink) Commit(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, p := range s.pending {
		if !p.closed {
			s.abortLocked()
			return fmt.Errorf("export: %s was not finished", p.Name())
		}
	}
	var first error
	for _, p := range s.pending {
		if first != nil || ctx.Err() != nil {
			if first == nil {
				first = ctx.Err()
			}
			p.Abort()
			continue
		}
		if err := p.Commit(); err != nil {
			first = fmt.Errorf("export: %w", err)
		}
	}
	s.pending = nil
	return first
}

// Abort removes every temporary file not yet committed.
func (s *DirSink) Abort() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.abortLocked()
}

func (s *DirSink) abortLocked() error {
	var errs []error
	for _, p := range s.pending {
		if err := p.Abort(); err != nil && !errors.Is(err, os.ErrNotExist) {
			errs = append(errs, err)
		}
	}
	s.pending = nil
	return errors.Join(errs...)
}

var _ Sink = (*DirSink)(nil)
