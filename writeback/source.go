package writeback

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strconv"

	"github.com/apache/arrow/go/v15/arrow"

	"curate.dev/dataset"
)

// Source identifies the file a suggestions file was made from, cheaply
// enough to check on every apply: its name, its size, and a fingerprint of
// its input ids. Write-back edits annotations, never ids, so the id
// fingerprint survives an apply while the size does not.
type Source struct {
	Name string `json:"name"`
	Size int64  `json:"size"`
	// Inputs counts the input records: lines of a JSONL file, distinct
	// input ids of a CSV file.
	Inputs int64 `json:"inputs"`
	// IDs is an order-independent hash (FNV-1a, summed) of their ids.
	IDs string `json:"ids"`
}

// sourceKey is the key of the suggestions file's first line that records
// its source, and of the changes table's schema metadata.
const sourceKey = "curate_source"

// Same reports whether s and o are the same source as far as the
// fingerprint tells: the same input ids. Names and sizes may differ (a
// copy, an applied file).
func (s Source) Same(o Source) bool { return s.Inputs == o.Inputs && s.IDs == o.IDs }

func (s Source) String() string {
	return fmt.Sprintf("%s (%d inputs, %d bytes)", s.Name, s.Inputs, s.Size)
}

// WriteSource writes the line that records a suggestions file's source;
// it goes first, before the suggestions. [ReadChanges] reads it back into
// the table ([SourceOf]).
func WriteSource(w io.Writer, s Source) error {
	b, err := json.Marshal(map[string]Source{sourceKey: s})
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}

// SourceOf returns the source recorded in a changes table read by
// [ReadChanges]; ok is false when the file recorded none.
func SourceOf(changes arrow.Table) (s Source, ok bool) {
	if changes == nil {
		return s, false
	}
	md := changes.Schema().Metadata()
	v, found := md.GetValue(sourceKey)
	if !found {
		return s, false
	}
	return s, json.Unmarshal([]byte(v), &s) == nil
}

// readSourceLine recognises the source line: an object whose only key is
// curate_source.
func readSourceLine(line []byte) (*Source, error) {
	if !bytes.Contains(line, []byte(sourceKey)) {
		return nil, nil
	}
	var m map[string]json.RawMessage
	if json.Unmarshal(line, &m) != nil || len(m) != 1 || m[sourceKey] == nil {
		return nil, nil
	}
	var s Source
	if err := json.Unmarshal(m[sourceKey], &s); err != nil {
		return nil, &fieldError{sourceKey, fmt.Errorf("%w: %v", dataset.ErrShape, err)}
	}
	return &s, nil
}

func withSource(schema *arrow.Schema, s *Source) *arrow.Schema {
	if s == nil {
		return schema
	}
	b, _ := json.Marshal(s)
	md := arrow.NewMetadata([]string{sourceKey}, []string{string(b)})
	return arrow.NewSchema(schema.Fields(), &md)
}

// Fingerprint reads a source as write-back does and returns its
// [Source]; name is used for the record and in errors.
func Fingerprint(ctx context.Context, r io.Reader, name string) (Source, error) {
	cr := &countReader{r: r}
	sum, err := Apply(ctx, cr, io.Discard, nil, Options{Name: name})
	if err != nil {
		return Source{}, err
	}
	s := sum.Source
	s.Size = cr.n
	return s, nil
}

type countReader struct {
	r io.Reader
	n int64
}

func (c *countReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// idSum is the order-independent fingerprint of a multiset of ids.
type idSum struct {
	n   int64
	sum uint64
}

func (s *idSum) add(id []byte) {
	s.n++
	s.sum += fnv64a(id)
}

func (s *idSum) merge(o idSum) {
	s.n += o.n
	s.sum += o.sum
}

func (s idSum) source(name string) Source {
	return Source{Name: name, Inputs: s.n, IDs: strconv.FormatUint(s.sum, 16)}
}

func fnv64a(b []byte) uint64 {
	h := uint64(14695981039346656037)
	for _, c := range b {
		h ^= uint64(c)
		h *= 1099511628211
	}
	// Spread the bits so sums of similar ids do not cancel.
	h ^= h >> 33
	h *= 0xff51afd7ed558ccd
	h ^= h >> 33
	return h
}
