package dataset

import (
	"errors"
	"fmt"
	"strings"
)

// Sentinel causes wrapped by [ParseError]; test them with errors.Is.
var (
	// ErrLineTooLong: a line exceeds the reader's limit (see [WithMaxLineBytes]).
	ErrLineTooLong = errors.New("line too long")
	// ErrValue: a concept value is not 0 or 1 (or, with soft values, not in [0,1]).
	ErrValue = errors.New("invalid value")
	// ErrImplicitValue: a value was omitted and [WithStrictValues] is set.
	ErrImplicitValue = errors.New("value omitted")
	// ErrSyntax: the record is not well-formed for its format.
	ErrSyntax = errors.New("syntax error")
	// ErrShape: a field holds the wrong kind of value (a string for an
	// object, say) or a required field is missing.
	ErrShape = errors.New("unexpected shape")
	// ErrFormat: the file's format could not be recognised.
	ErrFormat = errors.New("unrecognised format")
	// ErrID: an id cannot be one: only white space, invalid UTF-8, or (in
	// JSON) a lone UTF-16 surrogate, any of which would make two distinct
	// ids load as one.
	ErrID = errors.New("invalid id")
	// ErrStatus: a Clarifai response reports that the request failed.
	ErrStatus = errors.New("failed response")
	// ErrNotDataset: the file is of another kind curate reads, passed
	// where a dataset is expected; [ErrRelationsFile] and
	// [ErrSuggestionsFile] say which, and match ErrNotDataset.
	ErrNotDataset = errors.New("not a dataset")
	// ErrRelationsFile: the file holds concept relations ([ReadRelations]).
	ErrRelationsFile = fmt.Errorf("%w: a file of concept relations", ErrNotDataset)
	// ErrSuggestionsFile: the file holds suggestions or changes ([ReadChanges]).
	ErrSuggestionsFile = fmt.Errorf("%w: a file of suggestions", ErrNotDataset)
)

// ParseError is a problem at a position in an input file. Line is 1-based;
// Field names the offending field (a JSON path such as
// "data.concepts[1].value", or a CSV column) and may be empty.
type ParseError struct {
	File  string
	Line  int
	Field string
	Err   error
}

func (e *ParseError) Error() string {
	var b strings.Builder
	b.WriteString("dataset: ")
	file := e.File
	if file == "" {
		file = "<input>"
	}
	b.WriteString(file)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
	}
	b.WriteString(": ")
	if e.Field != "" {
		fmt.Fprintf(&b, "field %q: ", e.Field)
	}
	b.WriteString(e.Err.Error())
	return b.String()
}

func (e *ParseError) Unwrap() error { return e.Err }

// ErrorList holds several problems collected under [WithMaxErrors]. Its
// Error lists each on its own line; errors.Is and errors.As see every one.
type ErrorList struct {
	Errs []error
	// Truncated is true when reading stopped because the limit was reached.
	Truncated bool
}

func (l *ErrorList) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "dataset: %d problem(s)", len(l.Errs))
	if l.Truncated {
		b.WriteString(" (stopped at the limit)")
	}
	for _, e := range l.Errs {
		b.WriteString("\n  ")
		b.WriteString(e.Error())
	}
	return b.String()
}

func (l *ErrorList) Unwrap() []error { return l.Errs }

// valueError formats a bad value the way users read it; it matches
// [ErrValue] under errors.Is.
func valueError(want string, got string) error {
	return &valueErr{"want " + want + ", got " + got}
}

type valueErr struct{ msg string }

func (e *valueErr) Error() string        { return e.msg }
func (e *valueErr) Is(target error) bool { return target == ErrValue }
