package writeback

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"runtime"
	"sync"

	"curate.dev/dataset"
)

// JSONL write-back runs in stages so that on a machine with two cores the
// per-line work overlaps the rest: a goroutine reads the source in chunks,
// splits them into lines, finds each line's top-level "id" and looks it up
// in the change set; it keeps only the lines that have changes (or cannot
// be scanned). The caller edits those few lines and hands the runs of
// untouched lines between them to the writer in one piece each. Chunks go
// round a small fixed pool, so memory does not grow with the file.

// scannedLine is a line of a batch that needs the caller: its id has
// changes, or it could not be scanned.
type scannedLine struct {
	n          int              // index of the line in its batch
	start, end int              // in lineBatch.buf; end includes the line ending
	body       int              // end of the line without its ending
	from       int              // first byte of the JSON value (after a BOM and white space)
	id         dataset.JSONSpan // the top-level id's quoted value, relative to start; start < 0 for a blank line
	ic         *inputChanges
	err        error      // the line could not be scanned
	parsed     parsedLine // for a line with changes
}

// lineBatch is a chunk of whole lines.
type lineBatch struct {
	buf   []byte
	count int           // lines in the batch
	end   int           // end of the last line in buf
	lines []scannedLine // the lines that need the caller, in order
	ids   idSum         // of the batch's input ids
	err   error         // a read error after these lines (not io.EOF)

	whole   int           // buf[:whole] holds the lines to scan
	first   bool          // the batch starts with the file's first line
	tooLong bool          // buf[whole:] starts a line longer than the limit
	ready   chan struct{} // closed once a worker has scanned the batch
}

// lineScanner is the first stage: a goroutine reads chunks and cuts them
// at the last line end, workers scan them, and next hands them back in
// file order.
type lineScanner struct {
	out  chan *lineBatch // in file order
	work chan *lineBatch // to the workers
	free chan *lineBatch
	stop chan struct{}
	once sync.Once
}

func newLineScanner(r io.Reader, maxLine int, cs *changeSet, opts *Options) *lineScanner {
	workers := max(1, min(runtime.GOMAXPROCS(0), 4))
	n := ioBuffers + 1 + workers
	s := &lineScanner{
		out:  make(chan *lineBatch, n),
		work: make(chan *lineBatch, n),
		free: make(chan *lineBatch, n+1),
		stop: make(chan struct{}),
	}
	for range n {
		s.free <- batchPool.Get().(*lineBatch)
	}
	for range workers {
		go func() {
			for b := range s.work {
				b.scan(cs, opts, maxLine)
				close(b.ready)
			}
		}()
	}
	go s.run(r, maxLine)
	return s
}

// next returns the next batch, or nil at the end. Give it back with done.
func (s *lineScanner) next() *lineBatch {
	b := <-s.out
	if b != nil {
		<-b.ready
	}
	return b
}

func (s *lineScanner) done(b *lineBatch) { s.free <- b }

// close stops the reading goroutine and waits for it, so r is not read
// after close returns. Batches given back go to a pool for the next call.
func (s *lineScanner) close() {
	s.once.Do(func() {
		close(s.stop)
		for range s.out {
		}
		for {
			select {
			case b := <-s.free:
				if cap(b.buf) <= 2*ioChunk {
					batchPool.Put(b)
				}
			default:
				return
			}
		}
	})
}

// batchPool keeps line batches between calls, so repeated small applies
// (tests, notebooks) do not allocate megabytes each time.
var batchPool = sync.Pool{New: func() any { return &lineBatch{buf: make([]byte, 0, ioChunk+ioChunk/4)} }}

func (s *lineScanner) run(r io.Reader, maxLine int) {
	defer close(s.out)
	defer close(s.work)
	var carry []byte
	first := true
	for {
		var b *lineBatch
		select {
		case b = <-s.free:
		case <-s.stop:
			return
		}
		// Room for the carried partial line and at least half a chunk.
		// A line longer than that grows the buffer by doubling, and more
		// is read into the same batch until a line ends: a line of n
		// bytes costs O(n) copying and about 2n of memory, not a copy of
		// its start per chunk.
		if cap(b.buf)-len(carry) < ioChunk/2 {
			b.buf = make([]byte, 0, len(carry)+ioChunk)
		}
		b.buf = append(b.buf[:0], carry...)
		b.err, b.first, b.tooLong = nil, first, false
		b.whole = 0
		eof := false
		for searched := 0; ; {
			if cap(b.buf)-len(b.buf) < ioChunk/2 {
				grown := make([]byte, len(b.buf), max(2*cap(b.buf), len(b.buf)+ioChunk))
				copy(grown, b.buf)
				b.buf = grown
			}
			n, err := io.ReadFull(r, b.buf[len(b.buf):cap(b.buf)])
			b.buf = b.buf[:len(b.buf)+n]
			eof = errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF)
			if err != nil && !eof {
				b.err = err
			}
			if k := bytes.LastIndexByte(b.buf[searched:], '\n'); k >= 0 {
				b.whole = searched + k + 1
			}
			searched = len(b.buf)
			if b.whole > 0 || eof || b.err != nil || len(b.buf) > maxLine+2 {
				break
			}
		}
		rest := b.buf[b.whole:]
		switch {
		case eof && len(rest) > 0:
			b.whole, rest = len(b.buf), nil
		case len(rest) > maxLine+2:
			b.tooLong = true
			eof = true
		}
		if b.whole > 0 {
			first = false
		}
		carry = append(carry[:0], rest...)
		if b.err != nil {
			eof = true
		}
		b.ready = make(chan struct{})
		select {
		case s.work <- b:
		case <-s.stop:
			return
		}
		select {
		case s.out <- b:
		case <-s.stop:
			return
		}
		if eof {
			return
		}
	}
}

// scan splits buf[:whole] into lines and keeps those that need the caller.
func (b *lineBatch) scan(cs *changeSet, opts *Options, maxLine int) {
	b.lines, b.count, b.end, b.ids = b.lines[:0], 0, 0, idSum{}
	first := b.first
	for pos := 0; pos < b.whole; {
		end := b.whole
		if k := bytes.IndexByte(b.buf[pos:b.whole], '\n'); k >= 0 {
			end = pos + k + 1
		}
		b.add(cs, opts, pos, end, first)
		first = false
		pos = end
	}
	if b.tooLong {
		b.lines = append(b.lines, scannedLine{n: b.count, start: b.whole, end: b.whole, err: fmt.Errorf("%w: longer than %d bytes", dataset.ErrLineTooLong, maxLine)})
		b.count++
	}
}

// add counts the line buf[start:end] and keeps it if its id has changes
// or it cannot be scanned.
func (b *lineBatch) add(cs *changeSet, opts *Options, start, end int, first bool) {
	l := scanLine(b.buf, start, end, first)
	l.n = b.count
	b.count++
	b.end = end
	if l.err == nil {
		if l.id.Start < 0 {
			return
		}
		q := b.buf[start+l.id.Start : start+l.id.End]
		if raw := q[1 : len(q)-1]; bytes.IndexByte(raw, '\\') < 0 {
			b.ids.add(raw)
		} else if id, ok := dataset.UnquoteJSON(q); ok {
			b.ids.add([]byte(id))
		}
		if l.ic = cs.lookupQuoted(b.buf[start+l.id.Start : start+l.id.End]); l.ic == nil {
			return
		}
		// Parse the line here, ahead of the caller, which only settles
		// the changes and writes.
		if k := len(b.lines); k < cap(b.lines) {
			l.parsed = b.lines[:k+1][k].parsed // reuse its storage
		}
		line := b.buf[start:end]
		parse(cs, opts, l.ic, line[:l.body], l.from, &l.parsed)
	}
	b.lines = append(b.lines, l)
}

// scanLine finds a line's top-level id.
func scanLine(buf []byte, start, end int, first bool) scannedLine {
	l := scannedLine{start: start, end: end, id: noSpan}
	line := buf[start:end]
	body := trimLineEnd(line)
	l.body = len(body)
	from := 0
	if first && bytes.HasPrefix(body, []byte("\xef\xbb\xbf")) {
		from = 3
	}
	from = dataset.SkipJSONSpace(body, from)
	l.from = from
	if from == len(body) {
		return l
	}
	if id, ok := leadingID(body, from); ok {
		l.id = id
		return l
	}
	l.id, l.err = topLevelID(body, from)
	return l
}

// leadingID is the fast path for the common line that starts {"id":"…":
// it returns the id's dataset.JSONSpan without scanning the rest of the line. That is
// safe for lines without changes, which are copied untouched; a line whose
// leading id has changes is scanned in full (a later "id" key would win,
// as in encoding/json), and a change whose input hides behind a second id
// key on a skipped line is still found elsewhere or reported as unknown,
// never applied to the wrong input.
func leadingID(b []byte, from int) (dataset.JSONSpan, bool) {
	i := dataset.SkipJSONSpace(b, from+1)
	if from >= len(b) || b[from] != '{' || !bytes.HasPrefix(b[i:], []byte(`"id"`)) {
		return dataset.JSONSpan{}, false
	}
	i = dataset.SkipJSONSpace(b, i+4)
	if i >= len(b) || b[i] != ':' {
		return dataset.JSONSpan{}, false
	}
	i = dataset.SkipJSONSpace(b, i+1)
	if i >= len(b) || b[i] != '"' {
		return dataset.JSONSpan{}, false
	}
	for j := i + 1; j < len(b); j++ {
		switch b[j] {
		case '"':
			return dataset.JSONSpan{Start: i, End: j + 1}, true
		case '\\':
			return dataset.JSONSpan{}, false
		}
	}
	return dataset.JSONSpan{}, false
}

// topLevelID returns the dataset.JSONSpan of the line's top-level "id" string. Keys
// match case-insensitively and the last wins, as in encoding/json which
// the loaders use.
func topLevelID(b []byte, from int) (dataset.JSONSpan, error) {
	id := noSpan
	_, err := dataset.ScanJSONObject(b, from, func(mb dataset.JSONMember) error {
		if dataset.JSONKeyIs(b, mb.Key, "id") {
			id = mb.Value
		}
		return nil
	})
	if err != nil {
		return id, err
	}
	if id.Start < 0 || b[id.Start] != '"' {
		return id, &fieldError{"id", fmt.Errorf("%w: missing input id", dataset.ErrShape)}
	}
	return id, nil
}

// trimLineEnd drops a trailing "\n" and then "\r" (without the call
// overhead of bytes.TrimSuffix, which shows up at a few million lines).
func trimLineEnd(b []byte) []byte {
	if n := len(b); n > 0 && b[n-1] == '\n' {
		b = b[:n-1]
	}
	if n := len(b); n > 0 && b[n-1] == '\r' {
		b = b[:n-1]
	}
	return b
}
