package dataset

import (
	"bufio"
	"errors"
	"io"
)

// lineGuard feeds encoding/csv whole lines of at most the configured
// length. encoding/csv has no limit of its own and would buffer a line of
// any size; the guard consumes an over-long line and fails the read with a
// *ParseError naming it, after which reading goes on with the next line.
type lineGuard struct {
	lines *lineReader
	name  string
	buf   []byte
	rest  []byte // the part of the current line not yet handed out
}

func newLineGuard(br *bufio.Reader, cfg *config) *lineGuard {
	return &lineGuard{lines: newLineReader(br, cfg.maxLineBytes), name: cfg.name}
}

func (g *lineGuard) Read(p []byte) (int, error) {
	for len(g.rest) == 0 {
		line, err := g.lines.next()
		if errors.Is(err, ErrLineTooLong) {
			return 0, &ParseError{File: g.name, Line: g.lines.line, Err: err}
		}
		if err != nil {
			return 0, err
		}
		// lineReader drops the line ending; "\n" restores it (encoding/csv
		// reads "\r\n" inside quotes as "\n" anyway).
		g.buf = append(append(g.buf[:0], line...), '\n')
		g.rest = g.buf
	}
	n := copy(p, g.rest)
	g.rest = g.rest[n:]
	return n, nil
}

var _ io.Reader = (*lineGuard)(nil)
