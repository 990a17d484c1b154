package dataset

import (
	"bytes"
	"errors"
	"fmt"
	"io"
)

// Errors of the CSV grammar, wrapped with [ErrSyntax]; the wording is
// encoding/csv's.
var (
	errBareQuote = errors.New(`bare " in non-quoted-field`)
	errQuote     = errors.New(`extraneous or missing " in quoted-field`)
)

// csvScanner reads CSV records by the grammar of encoding/csv's Reader
// (comma-separated; a field in double quotes may hold commas, line breaks
// and doubled quotes; a quote elsewhere is an error; empty lines are
// skipped), and keeps each record's bytes as they are in the file, so a
// record can be copied or edited in place. It is the CSV loader's grammar,
// with lines read by the loaders' [LineReader]; a differential fuzz target
// holds it to encoding/csv, which [NewCSVReader] gives editors. Scan it like
// a bufio.Scanner.
//
// A record that breaks the grammar, or a line over the limit, is reported
// by Err as an error wrapping [ErrSyntax] (or [ErrLineTooLong]) with Line
// on the offending line; calling Scan again goes on
// with the next line. Any other error ends the scan.
type csvScanner struct {
	lines  *LineReader
	raw    []byte
	fields []string
	spans  []int // start, end of each field in raw
	start  int   // line where the record starts
	line   int   // line of the error, when there is one
	err    error
	done   bool
	field  []byte
}

func newCSVScanner(lines *LineReader) *csvScanner { return &csvScanner{lines: lines} }

// Scan reads the next record. It returns false at the end, or on an error
// (see Err).
func (s *csvScanner) Scan() bool {
	if s.done {
		return false
	}
	s.err = nil
	s.raw, s.fields, s.spans = s.raw[:0], s.fields[:0], s.spans[:0]
	var line []byte
	for {
		var err error
		line, err = s.lines.Next()
		if err != nil {
			return s.fail(err)
		}
		if len(TrimEOL(line)) > 0 {
			break
		}
		// An empty line ("\n", "\r\n"; a lone "\r" at the end) is skipped.
	}
	s.start = s.lines.Line()
	s.raw = append(s.raw, line...)
	pos := 0 // in raw
	for {
		body := s.rawBody()
		if pos < len(body) && body[pos] == '"' {
			// A quoted field: up to the quote that closes it, across lines.
			fieldStart := pos
			s.field = s.field[:0]
			qline := s.lines.Line() // the last line that added to the field
			pos++
			for {
				body = s.rawBody()
				i := bytes.IndexByte(body[pos:], '"')
				if i < 0 {
					// The field goes on past this line (or ends without its quote).
					s.field = append(s.field, body[pos:]...)
					if !bytes.HasSuffix(s.raw, []byte{'\n'}) { // the end of the input
						return s.syntax(errQuote, qline)
					}
					s.field = append(s.field, '\n') // "\r\n" reads as "\n"
					next, err := s.lines.Next()
					if errors.Is(err, io.EOF) {
						return s.syntax(errQuote, qline)
					}
					if err != nil {
						return s.fail(err)
					}
					if len(next) > 0 && string(next) != "\r" {
						qline = s.lines.Line()
					}
					pos = len(s.raw)
					s.raw = append(s.raw, next...)
					continue
				}
				s.field = append(s.field, body[pos:pos+i]...)
				pos += i + 1
				switch {
				case pos < len(body) && body[pos] == '"': // a doubled quote
					s.field = append(s.field, '"')
					pos++
					continue
				case pos < len(body) && body[pos] == ',':
					s.add(string(s.field), fieldStart, pos)
					pos++
				case pos == len(body):
					s.add(string(s.field), fieldStart, pos)
					return true
				default:
					return s.syntax(errQuote, s.lines.Line())
				}
				break
			}
			continue
		}
		// An unquoted field: up to the next comma or the end of the line.
		end := len(body)
		if i := bytes.IndexByte(body[pos:], ','); i >= 0 {
			end = pos + i
		}
		if bytes.IndexByte(body[pos:end], '"') >= 0 {
			return s.syntax(errBareQuote, s.lines.Line())
		}
		s.add(string(body[pos:end]), pos, end)
		if end == len(body) {
			return true
		}
		pos = end + 1
	}
}

// rawBody returns raw without the line ending of its last line, as
// encoding/csv sees it.
func (s *csvScanner) rawBody() []byte { return TrimEOL(s.raw) }

func (s *csvScanner) add(f string, start, end int) {
	s.fields = append(s.fields, f)
	s.spans = append(s.spans, start, end)
}

func (s *csvScanner) syntax(err error, line int) bool {
	s.err, s.line = fmt.Errorf("%w: %v", ErrSyntax, err), line
	s.fields, s.spans = s.fields[:0], s.spans[:0]
	return false
}

func (s *csvScanner) fail(err error) bool {
	if errors.Is(err, ErrLineTooLong) {
		s.err, s.line = err, s.lines.Line()
		return false
	}
	s.done = true
	if !errors.Is(err, io.EOF) {
		s.err = err
	}
	return false
}

// Fields returns the current record's fields, decoded: quotes removed,
// doubled quotes single, a line break inside quotes as "\n". The slice is
// valid until the next Scan; the strings are the caller's.
func (s *csvScanner) Fields() []string { return s.fields }

// Raw returns the current record's bytes as they are in the input, line
// endings included; valid until the next Scan.
func (s *csvScanner) Raw() []byte { return s.raw }

// Span returns where field i lies in Raw, quotes included:
// Raw()[start:end].
func (s *csvScanner) Span(i int) (start, end int) { return s.spans[2*i], s.spans[2*i+1] }

// Line returns the line where the current record starts or, after an
// error, the line of the error; 1-based.
func (s *csvScanner) Line() int {
	if s.err != nil {
		return s.line
	}
	return s.start
}

// Err returns the error that stopped the last Scan; nil at the end of
// the input.
func (s *csvScanner) Err() error { return s.err }
