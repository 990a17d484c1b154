package writeback

import (
	"io"
	"sync"
)

// Write-back reads, scans and writes at the same time: a goroutine reads
// ahead and another writes behind, each through a few fixed buffers, so
// the scan overlaps the system calls and memory stays constant.

const (
	ioChunk   = 1 << 20
	ioBuffers = 3
)

// readAhead reads r in a goroutine into a ring of chunks.
type readAhead struct {
	full chan chunk
	free chan []byte
	stop chan struct{}
	once sync.Once
	cur  chunk
	off  int
	err  error
}

type chunk struct {
	b   []byte
	err error
}

func newReadAhead(r io.Reader) *readAhead {
	ra := &readAhead{full: make(chan chunk, ioBuffers), free: make(chan []byte, ioBuffers+1), stop: make(chan struct{})}
	for range ioBuffers {
		ra.free <- make([]byte, ioChunk)
	}
	go func() {
		defer close(ra.full)
		for {
			var buf []byte
			select {
			case buf = <-ra.free:
			case <-ra.stop:
				return
			}
			n, err := io.ReadFull(r, buf)
			if err == io.ErrUnexpectedEOF {
				err = io.EOF
			}
			select {
			case ra.full <- chunk{buf[:n], err}:
			case <-ra.stop:
				return
			}
			if err != nil {
				return
			}
		}
	}()
	return ra
}

func (ra *readAhead) Read(p []byte) (int, error) {
	for ra.off == len(ra.cur.b) {
		if ra.err != nil {
			return 0, ra.err
		}
		if ra.cur.b != nil {
			ra.free <- ra.cur.b[:cap(ra.cur.b)]
		}
		c, ok := <-ra.full
		if !ok {
			return 0, io.ErrUnexpectedEOF
		}
		ra.cur, ra.off, ra.err = c, 0, c.err
		if len(c.b) == 0 && c.err == nil {
			continue
		}
	}
	n := copy(p, ra.cur.b[ra.off:])
	ra.off += n
	return n, nil
}

// Close stops the reading goroutine and waits for it, so r is not read
// after Close returns.
func (ra *readAhead) Close() {
	ra.once.Do(func() {
		close(ra.stop)
		for range ra.full {
		}
	})
}

// writeBehind buffers writes and hands full buffers to a goroutine.
type writeBehind struct {
	w    io.Writer
	buf  []byte
	full chan []byte
	free chan []byte
	done chan struct{}
	mu   sync.Mutex
	err  error
	shut bool
}

func newWriteBehind(w io.Writer) *writeBehind {
	wb := &writeBehind{w: w, full: make(chan []byte, ioBuffers), free: make(chan []byte, ioBuffers), done: make(chan struct{})}
	for range ioBuffers - 1 {
		wb.free <- *(bufPool.Get().(*[]byte))
	}
	wb.buf = *(bufPool.Get().(*[]byte))
	go func() {
		defer close(wb.done)
		for b := range wb.full {
			if wb.error() == nil {
				if _, err := wb.w.Write(b); err != nil {
					wb.mu.Lock()
					wb.err = err
					wb.mu.Unlock()
				}
			}
			wb.free <- b[:0]
		}
	}()
	return wb
}

func (wb *writeBehind) error() error {
	wb.mu.Lock()
	defer wb.mu.Unlock()
	return wb.err
}

func (wb *writeBehind) Write(p []byte) (int, error) {
	n := len(p)
	for len(p) > 0 {
		k := min(len(p), ioChunk-len(wb.buf))
		wb.buf = append(wb.buf, p[:k]...)
		p = p[k:]
		if len(wb.buf) == ioChunk {
			if err := wb.error(); err != nil {
				return 0, err
			}
			wb.full <- wb.buf
			wb.buf = <-wb.free
		}
	}
	return n, nil
}

func (wb *writeBehind) WriteString(s string) (int, error) {
	return wb.Write([]byte(s))
}

// Close writes what is buffered, waits for the goroutine and returns the
// first write error. Later calls only return that error.
func (wb *writeBehind) Close() error {
	if wb.shut {
		return wb.error()
	}
	wb.shut = true
	if len(wb.buf) > 0 {
		wb.full <- wb.buf
	}
	close(wb.full)
	<-wb.done
	for range ioBuffers - 1 {
		b := <-wb.free
		bufPool.Put(&b)
	}
	return wb.err
}

// bufPool keeps write buffers between calls.
var bufPool = sync.Pool{New: func() any { b := make([]byte, 0, ioChunk); return &b }}
