package dataset

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
)

// lineReader yields lines of any length up to a limit, counting them.
type lineReader struct {
	br   *bufio.Reader
	max  int
	line int // number of the line last returned, 1-based
	buf  []byte
}

func newLineReader(br *bufio.Reader, max int) *lineReader {
	return &lineReader{br: br, max: max}
}

// next returns the next line without its line ending; the slice is valid
// until the next call. At the end it returns io.EOF. A line longer than
// the limit is consumed and reported as ErrLineTooLong.
func (l *lineReader) next() ([]byte, error) {
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
				return l.checked(trimEOL(frag)) // common case: no copy
			} else {
				l.buf = append(l.buf, frag...)
			}
		}
		switch {
		case err == nil:
			l.line++
			if tooLong {
				return nil, fmt.Errorf("%w: longer than %d bytes", ErrLineTooLong, l.max)
			}
			return l.checked(trimEOL(l.buf))
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		case errors.Is(err, io.EOF):
			if tooLong {
				l.line++
				return nil, fmt.Errorf("%w: longer than %d bytes", ErrLineTooLong, l.max)
			}
			if len(l.buf) == 0 {
				return nil, io.EOF
			}
			l.line++
			return l.checked(trimEOL(l.buf))
		default:
			return nil, err
		}
	}
}

func trimEOL(b []byte) []byte {
	b = bytes.TrimSuffix(b, []byte{'\n'})
	return bytes.TrimSuffix(b, []byte{'\r'})
}

// isBlank reports whether a line holds only white space.
func isBlank(b []byte) bool {
	return len(bytes.TrimSpace(b)) == 0
}
