package review

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// Decision is a reviewer's verdict on one suggestion.
type Decision uint8

const (
	// Unreviewed: no verdict (or the verdict was undone).
	Unreviewed Decision = iota
	// Accept: apply the suggested negative.
	Accept
	// Reject: never apply it, and never suggest the pair again.
	Reject
	// Positive: the input is the concept after all; apply a positive.
	Positive
)

var decisionNames = [...]string{"", "accept", "reject", "positive"}

// String returns the name written to the decisions file ("" for
// [Unreviewed]).
func (d Decision) String() string {
	if int(d) < len(decisionNames) {
		return decisionNames[d]
	}
	return "unknown"
}

// ParseDecision is the inverse of [Decision.String]; "unreviewed" also
// reads as [Unreviewed].
func ParseDecision(s string) (Decision, bool) {
	if s == "unreviewed" {
		return Unreviewed, true
	}
	for i, n := range decisionNames {
		if n == s {
			return Decision(i), true
		}
	}
	return 0, false
}

// MarshalText writes the decision's name.
func (d Decision) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText reads a name written by MarshalText.
func (d *Decision) UnmarshalText(b []byte) error {
	v, ok := ParseDecision(string(b))
	if !ok {
		return fmt.Errorf("want accept, reject, positive or \"\", got %q", b)
	}
	*d = v
	return nil
}

// Key names a suggestion: an (input, concept) pair.
type Key struct {
	InputID   string
	ConceptID string
}

// Entry is one line of a decisions file.
type Entry struct {
	InputID   string    `json:"input_id"`
	ConceptID string    `json:"concept_id"`
	Decision  Decision  `json:"decision"`
	Time      time.Time `json:"time,omitzero"`
}

// Decisions maps each reviewed pair to its latest verdict. Pairs whose
// latest verdict is [Unreviewed] are absent.
type Decisions map[Key]Decision

// Count returns how many pairs have decision d.
func (ds Decisions) Count(d Decision) int {
	n := 0
	for _, v := range ds {
		if v == d {
			n++
		}
	}
	return n
}

// DecisionsPath returns the decisions file that belongs to a suggestions
// file: neg.jsonl -> neg.decisions.jsonl (any extension is replaced).
func DecisionsPath(suggestions string) string {
	dir, base := filepath.Split(suggestions)
	if ext := filepath.Ext(base); ext != "" && ext != base {
		base = strings.TrimSuffix(base, ext)
	}
	return filepath.Join(dir, base+".decisions.jsonl")
}

// ErrDecisions marks a decisions file that cannot be read.
var ErrDecisions = errors.New("bad decisions file")

// ReadDecisions reads a decisions file: JSONL, one [Entry] per line, the
// last line for a pair wins. A last line without its newline is a write
// that a crash cut short and is ignored (its decision was never
// acknowledged); any other bad line is an error naming name and the line.
func ReadDecisions(ctx context.Context, r io.Reader, name string) (Decisions, error) {
	ds := Decisions{}
	_, err := readEntries(ctx, r, name, func(e Entry) { ds.set(e) })
	return ds, err
}

func (ds Decisions) set(e Entry) {
	k := Key{e.InputID, e.ConceptID}
	if e.Decision == Unreviewed {
		delete(ds, k)
		return
	}
	ds[k] = e.Decision
}

// ReadDecisionsFile reads the decisions file at path; a missing file is no
// decisions, not an error.
func ReadDecisionsFile(ctx context.Context, path string) (Decisions, error) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return Decisions{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("review: %w", err)
	}
	defer f.Close()
	return ReadDecisions(ctx, f, path)
}

// readEntries calls fn for each complete line and returns the number of
// bytes up to and including the last complete line.
func readEntries(ctx context.Context, r io.Reader, name string, fn func(Entry)) (int64, error) {
	br := bufio.NewReaderSize(r, 1<<16)
	var good int64
	for n := 1; ; n++ {
		if n%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return good, err
			}
		}
		line, err := br.ReadBytes('\n')
		if errors.Is(err, io.EOF) {
			return good, nil // a torn last line (or none) is dropped
		}
		if err != nil {
			return good, fmt.Errorf("review: %s: %w", name, err)
		}
		good += int64(len(line))
		line = bytes.TrimSpace(line)
		if len(line) == 0 {
			continue
		}
		var e Entry
		if err := json.Unmarshal(line, &e); err != nil {
			return good, fmt.Errorf("review: %s:%d: %w: %v", name, n, ErrDecisions, err)
		}
		if e.InputID == "" || e.ConceptID == "" {
			return good, fmt.Errorf("review: %s:%d: %w: field \"input_id\" and \"concept_id\" are required", name, n, ErrDecisions)
		}
		fn(e)
	}
}

// Log is an open decisions file that decisions are appended to. Every
// Append is one write followed by fsync: once it returns, the decisions
// survive a crash of the process or the machine.
type Log struct {
	mu   sync.Mutex
	f    *os.File
	path string
}

// OpenLog opens (or creates) the decisions file at path for appending and
// returns the decisions it already holds. A torn last line left by a
// crash is cut off first, so the next entry starts on a line of its own.
func OpenLog(ctx context.Context, path string) (*Log, Decisions, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, nil, fmt.Errorf("review: %w", err)
	}
	ds := Decisions{}
	good, err := readEntries(ctx, f, path, func(e Entry) { ds.set(e) })
	if err == nil {
		var st os.FileInfo
		if st, err = f.Stat(); err == nil && st.Size() != good {
			err = f.Truncate(good)
		}
	}
	if err == nil {
		_, err = f.Seek(good, io.SeekStart)
	}
	if err == nil && good == 0 {
		err = syncDir(filepath.Dir(path)) // the new file's name is durable too
	}
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	return &Log{f: f, path: path}, ds, nil
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, os.ErrInvalid) {
		return err
	}
	return nil
}

// Path returns the file's path.
func (l *Log) Path() string { return l.path }

// Append writes entries and syncs the file. Entries without a Time get
// the current time.
func (l *Log) Append(entries []Entry) error {
	if len(entries) == 0 {
		return nil
	}
	var buf bytes.Buffer
	now := time.Now().UTC().Truncate(time.Millisecond)
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	for _, e := range entries {
		if e.Time.IsZero() {
			e.Time = now
		}
		if err := enc.Encode(e); err != nil {
			return err
		}
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.f == nil {
		return fmt.Errorf("review: %s: log is closed", l.path)
	}
	if _, err := l.f.Write(buf.Bytes()); err != nil {
		return fmt.Errorf("review: %s: %w", l.path, err)
	}
	if err := l.f.Sync(); err != nil {
		return fmt.Errorf("review: %s: %w", l.path, err)
	}
	return nil
}

// Close closes the file.
func (l *Log) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.f == nil {
		return nil
	}
	err := l.f.Close()
	l.f = nil
	return err
}
