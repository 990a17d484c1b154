package writeback

import (
	"bytes"
	"errors"
	"fmt"

	"curate.dev/dataset"
)

// Sentinel causes of write-back errors; test them with errors.Is.
var (
	// ErrUnknownInput: a change names an input id the source does not hold.
	ErrUnknownInput = errors.New("input not in the source")
	// ErrConflict: two changes, or a change and the source, disagree.
	ErrConflict = errors.New("conflicting annotations")
	// ErrUnsafeEdit: a line can be edited only in a way the loader would
	// read differently from what was meant (a repeated or case-folded
	// key); it is left to the user.
	ErrUnsafeEdit = errors.New("cannot edit the line safely")
)

// fieldError is a problem at a field of the line being read; toParseError
// places it in its file and line.
type fieldError struct {
	field string
	err   error
}

func (e *fieldError) Error() string { return e.field + ": " + e.err.Error() }
func (e *fieldError) Unwrap() error { return e.err }

func toParseError(name string, line int, err error) *dataset.ParseError {
	var fe *fieldError
	if errors.As(err, &fe) {
		return &dataset.ParseError{File: name, Line: line, Field: fe.field, Err: fe.err}
	}
	var pe *dataset.ParseError
	if errors.As(err, &pe) && pe.File == "" && pe.Line == 0 {
		return &dataset.ParseError{File: name, Line: line, Field: pe.Field, Err: pe.Err}
	}
	return &dataset.ParseError{File: name, Line: line, Err: err}
}

func valueError(want, got string) error {
	return fmt.Errorf("%w: want %s, got %s", dataset.ErrValue, want, got)
}

func isBlank(b []byte) bool { return len(bytes.TrimSpace(b)) == 0 }

// noSpan marks a member or value not found.
var noSpan = dataset.JSONSpan{Start: -1, End: -1}
