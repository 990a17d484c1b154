package dataset

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
)

// LineReader reads lines of at most a given length, numbering them. It is
// the line reader of every loader here (JSONL, CSV, relations, changes)
// and of anything that must split a file into lines exactly as they do.
type LineReader struct {
	br   *bufio.Reader
	max  int
	line int // number of the line last returned, 1-based
	buf  []byte
}

// NewLineReader returns a LineReader over r accepting lines of up to max
// bytes, not counting the line ending (max < 1: [DefaultMaxLineBytes]).
// r is read through a bufio.Reader (r itself when it is one).
func NewLineReader(r io.Reader, max int) *LineReader {
	if max < 1 {
		max = DefaultMaxLineBytes
	}
	br, ok := r.(*bufio.Reader)
	if !ok {
		br = bufio.NewReaderSize(r, 1<<16)
	}
	return newLineReader(br, max)
}

func newLineReader(br *bufio.Reader, max int) *LineReader {
	return &LineReader{br: br, max: max}
}

// lineReader is the loaders' name for it.
type lineReader = LineReader

// Next returns the next line as it is in the input, with its line ending
// ("\n", "\r\n", or none on a last line without one); the slice is valid
// until the next call. At the end it returns io.EOF. A line longer than
// the limit is consumed and reported as an error wrapping
// [ErrLineTooLong]; reading may go on with the next line. Any other error
// is the underlying reader's.
func (l *LineReader) Next() ([]byte, error) {
	l.buf = l.buf[:0]
	tooLong := false
	for {
		frag, err := l.br.ReadSlice('\n')
		if !tooLong {
			if len(l.buf)+len(frag) > l.max+2 { // +2 for a line ending
				tooLong = true
				l.buf = l.buf[:0]
			} else if len(l.buf) == 0 && err == nil {
				l.line++
				return l.checked(frag) // common case: no copy
			} else {
				l.buf = append(l.buf, frag...)
			}
		}
		switch {
		case err == nil:
			l.line++
			if tooLong {
				return nil, l.tooLong()
			}
			return l.checked(l.buf)
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		case errors.Is(err, io.EOF):
			if tooLong {
				l.line++
				return nil, l.tooLong()
			}
			if len(l.buf) == 0 {
				return nil, io.EOF
			}
			l.line++
			return l.checked(l.buf)
		default:
			return nil, err
		}
	}
}

// Line returns the number of the line last returned (or reported too
// long), 1-based; 0 before the first.
func (l *LineReader) Line() int { return l.line }

// next is Next without the line ending.
func (l *LineReader) next() ([]byte, error) {
	b, err := l.Next()
	return TrimEOL(b), err
}

// checked fails a complete line longer than the limit; the read loop
// allows a line ending's worth of slack while it accumulates.
func (l *LineReader) checked(b []byte) ([]byte, error) {
	if len(TrimEOL(b)) > l.max {
		return nil, l.tooLong()
	}
	return b, nil
}

func (l *LineReader) tooLong() error {
	return fmt.Errorf("%w: longer than %d bytes", ErrLineTooLong, l.max)
}

// TrimEOL returns b without its line ending ("\n" or "\r\n"), or with a
// trailing "\r" dropped when b has no "\n".
func TrimEOL(b []byte) []byte {
	b = bytes.TrimSuffix(b, []byte{'\n'})
	return bytes.TrimSuffix(b, []byte{'\r'})
}

// trimEOL is the loaders' name for it.
func trimEOL(b []byte) []byte { return TrimEOL(b) }

// isBlank reports whether a line holds only white space.
func isBlank(b []byte) bool {
	return len(bytes.TrimSpace(b)) == 0
}
