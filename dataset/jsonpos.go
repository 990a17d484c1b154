package dataset

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strconv"
	"strings"
)

// This file finds positions inside JSON: the line of a bad field within a
// pretty-printed input, and the checks at the end of a JSON array.

var bom = []byte("\xef\xbb\xbf")

// jsonTypeName names a Go type the way a JSON user reads it.
func jsonTypeName(t reflect.Type) string {
	if t == nil {
		return "a value"
	}
	switch t.Kind() {
	case reflect.Struct, reflect.Map:
		return "an object"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.String:
		return "a string"
	case reflect.Float32, reflect.Float64, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "a number"
	case reflect.Bool:
		return "a boolean"
	case reflect.Pointer:
		return jsonTypeName(t.Elem())
	}
	return t.String()
}

// errLineOffset returns how many lines after the start of raw (one input
// object) the problem err reports lies: 0 on a single-line input or when
// the spot cannot be found.
// into is a fresh value of the type raw decodes into.
func errLineOffset(raw []byte, err error, into any) int {
	var fe *fieldError
	if !errors.As(err, &fe) {
		return 0
	}
	off := -1
	var te *json.UnmarshalTypeError
	if e := json.Unmarshal(raw, into); errors.As(e, &te) {
		// The offset is just past the bad value; step back onto it.
		off = int(te.Offset) - 1
	} else if fe.field != "" {
		off = locate(raw, fe.field)
	}
	if off <= 0 || off > len(raw) {
		return 0
	}
	return bytes.Count(raw[:off], []byte{'\n'})
}

// locate returns the offset in raw of the value at path (such as
// "annotations[0].data.concepts[1].value"), or -1. Keys match as
// encoding/json matches them to fields: case-insensitively, the last
// match winning.
func locate(raw []byte, path string) int {
	off := 0
	for _, seg := range strings.Split(path, ".") {
		name, idx := seg, []int(nil)
		if i := strings.IndexByte(seg, '['); i >= 0 {
			name = seg[:i]
			for _, p := range strings.Split(seg[i+1:], "[") {
				n, err := strconv.Atoi(strings.TrimSuffix(p, "]"))
				if err != nil {
					return -1
				}
				idx = append(idx, n)
			}
		}
		if name != "" {
			if off = seekKey(raw, off, name); off < 0 {
				return -1
			}
		}
		for _, n := range idx {
			if off = seekIndex(raw, off, n); off < 0 {
				return -1
			}
		}
	}
	return skipSpace(raw, off)
}

// skipSpace returns the offset of the first byte at or after off that is
// not white space or a separator.
func skipSpace(raw []byte, off int) int {
	for off < len(raw) && strings.IndexByte(" \t\r\n:,", raw[off]) >= 0 {
		off++
	}
	return off
}

// seekKey returns the offset of the value of key in the object at
// raw[off:], or -1.
func seekKey(raw []byte, off int, key string) int {
	off = skipSpace(raw, off)
	dec := json.NewDecoder(bytes.NewReader(raw[off:]))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return -1
	}
	found := -1
	for dec.More() {
		k, err := dec.Token()
		if err != nil {
			return found
		}
		if s, _ := k.(string); strings.EqualFold(s, key) {
			found = off + int(dec.InputOffset())
		}
		var skip json.RawMessage
		if dec.Decode(&skip) != nil {
			return found
		}
	}
	return found
}

// seekIndex returns the offset of element n of the array at raw[off:], or
// -1.
func seekIndex(raw []byte, off int, n int) int {
	off = skipSpace(raw, off)
	dec := json.NewDecoder(bytes.NewReader(raw[off:]))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('[') {
		return -1
	}
	for ; n > 0; n-- {
		var skip json.RawMessage
		if !dec.More() || dec.Decode(&skip) != nil {
			return -1
		}
	}
	if !dec.More() {
		return -1
	}
	return off + int(dec.InputOffset())
}

// finish checks what follows the last element: the closing bracket, the
// rest of a response object, then the end of the input. It returns io.EOF
// when all is well.
func (d *jsonDecoder) finish() error {
	if _, err := d.dec.Token(); err != nil { // the ']'
		return d.endError(err)
	}
	if d.object {
		// Any other member naming a list is an error: it would be dropped.
		if _, err := d.members(d.lists); err != nil {
			return err
		}
	}
	return d.finishStream()
}

// finishStream checks that nothing follows the top-level value.
func (d *jsonDecoder) finishStream() error {
	tok, err := d.dec.Token()
	if errors.Is(err, io.EOF) {
		return io.EOF
	}
	if err == nil {
		return d.errAt(fmt.Errorf("%w: unexpected %v after the inputs", ErrSyntax, tok))
	}
	return d.endError(err)
}

func (d *jsonDecoder) endError(err error) error {
	if errors.Is(err, io.EOF) {
		err = io.ErrUnexpectedEOF
	}
	if !isInputError(err) {
		return err // a read failure ends the stream as it is
	}
	if errors.Is(err, ErrLineTooLong) {
		return &ParseError{File: d.cfg.name, Line: d.t.lineAt(d.dec.InputOffset()), Err: err}
	}
	return d.errAt(fmt.Errorf("%w: %v", ErrSyntax, err))
}

// streamError reports a failure to read the element that starts on line.
// A syntax error is placed on its own line by scanning the element again.
func (d *jsonDecoder) streamError(line int, err error) error {
	if errors.Is(err, ErrLineTooLong) {
		return &ParseError{File: d.cfg.name, Line: line, Err: err}
	}
	if errors.Is(err, io.EOF) {
		err = io.ErrUnexpectedEOF
	}
	if !isInputError(err) {
		return err
	}
	var se *json.SyntaxError
	if errors.As(err, &se) {
		elem := bytes.TrimLeft(d.t.hist, " \t\r\n,")
		var raw json.RawMessage
		if e := json.NewDecoder(bytes.NewReader(elem)).Decode(&raw); errors.As(e, &se) {
			off := min(int(se.Offset), len(elem))
			line += bytes.Count(elem[:off], []byte{'\n'})
		}
	}
	return &ParseError{File: d.cfg.name, Line: line, Err: fmt.Errorf("%w: %v", ErrSyntax, err)}
}

// lineReporter is implemented by decoders that know the line of the record
// they decoded last.
type lineReporter interface {
	lastLine() int
}

func (d *jsonlDecoder) lastLine() int { return d.lines.line }
func (d *jsonDecoder) lastLine() int  { return d.line }
func (d *csvDecoder) lastLine() int   { return d.line }

// lastLine returns the line of the record decoded last, or 0.
func (r *Reader) lastLine() int {
	if lr, ok := r.dec.(lineReporter); ok {
		return lr.lastLine()
	}
	return 0
}

// trackerReadSize is the most a lineTracker reads at once.
const trackerReadSize = 64 << 10

// isInputError reports whether a json.Decoder error is the input's fault
// rather than a failure to read it.
func isInputError(err error) bool {
	var se *json.SyntaxError
	return errors.As(err, &se) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, ErrLineTooLong)
}
