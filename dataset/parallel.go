package dataset

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"sync"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/memory"
)

// defaultBlockSize is how many bytes of JSONL one parse job covers.
const defaultBlockSize = 4 << 20

// parJSONL reads JSONL annotations in parallel: one goroutine cuts the
// stream into blocks of whole lines, GOMAXPROCS workers parse blocks into
// records (the fast path, with the reference decoder as fallback), and the
// Reader hands the records out in file order. At most 2×workers blocks
// are in flight, so memory stays bounded whatever the file size.
type parJSONL struct {
	cfg     *config
	mem     memory.Allocator // cfg.mem, or fastPool when the caller chose none
	src     io.Reader
	workers int
	bsize   int

	started bool
	quit    chan struct{}
	order   chan *block // blocks in file order; closed at the end
	free    chan []byte // spare block buffers
	wg      sync.WaitGroup
	once    sync.Once

	cur      *blockResult // records being handed out
	waiting  *block       // taken from order, result not yet received
	baseLine int          // lines in the blocks before cur
}

// block is one parse job: whole lines (the last one may lack its newline
// at the end of the stream), or a marker for a line over the limit, or a
// read error.
type block struct {
	seq     int
	data    []byte
	tooLong bool
	err     error
	done    chan *blockResult // buffered: a worker never blocks on it
}

type blockResult struct {
	recs      []arrow.Record
	implicits []int64 // per record
	inputs    int64   // inputs decoded in the block
	bare      int64   // of which carry no annotation
	next      int
	errs      []*ParseError // Line relative to the block
	lines     int
	err       error // a read error: the stream ends here
}

func (res *blockResult) release() {
	for i := res.next; i < len(res.recs); i++ {
		if res.recs[i] != nil {
			res.recs[i].Release()
			res.recs[i] = nil
		}
	}
}

func newParJSONL(src io.Reader, cfg *config) *parJSONL {
	w := cfg.workers
	if w <= 0 {
		w = runtime.GOMAXPROCS(0)
	}
	bs := cfg.blockSize
	if bs <= 0 {
		bs = defaultBlockSize
	}
	mem := cfg.mem
	if mem == memory.DefaultAllocator {
		mem = fastPool
	}
	return &parJSONL{cfg: cfg, mem: mem, src: src, workers: w, bsize: bs}
}

func (p *parJSONL) start() {
	p.started = true
	p.quit = make(chan struct{})
	p.order = make(chan *block, 2*p.workers)
	p.free = make(chan []byte, 3*p.workers+1)
	work := make(chan *block, p.workers)
	go p.split(work)
	p.wg.Add(p.workers)
	for i := 0; i < p.workers; i++ {
		go p.work(work)
	}
}

// send queues b for parsing; false when the reader was released.
func (p *parJSONL) send(work chan<- *block, b *block) bool {
	b.done = make(chan *blockResult, 1)
	select {
	case p.order <- b:
	case <-p.quit:
		return false
	}
	if b.data == nil {
		// Markers need no parsing.
		res := &blockResult{err: b.err}
		if b.tooLong {
			res.lines = 1
			res.errs = []*ParseError{{File: p.cfg.name, Line: 1, Err: fmt.Errorf("%w: longer than %d bytes", ErrLineTooLong, p.cfg.maxLineBytes)}}
		}
		b.done <- res
		return true
	}
	select {
	case work <- b:
		return true
	case <-p.quit:
		return false
	}
}

func (p *parJSONL) buffer(n int) []byte {
	select {
	case b := <-p.free:
		if cap(b) >= n {
			return b[:0]
		}
	default:
	}
	return make([]byte, 0, max(n, p.bsize))
}

// split cuts the stream into blocks of whole lines. It does not wait for
// Release: it may be blocked in a Read, and it touches no Arrow memory.
func (p *parJSONL) split(work chan<- *block) {
	defer close(work)
	defer close(p.order)
	limit := p.cfg.maxLineBytes + 2 // a longer line is too long even with "\r\n" trimmed
	buf := p.buffer(p.bsize)
	seq := 0
	next := func() int { seq++; return seq - 1 }
	for {
		n, err := io.ReadFull(p.src, buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
			// Like the line reader: complete lines first, then the error.
			if cut := bytes.LastIndexByte(buf, '\n'); cut >= 0 {
				if !p.send(work, &block{seq: next(), data: buf[:cut+1]}) {
					return
				}
			}
			p.send(work, &block{seq: next(), err: err})
			return
		}
		if err != nil { // end of stream
			if len(buf) > 0 {
				p.send(work, &block{seq: next(), data: buf})
			}
			return
		}
		cut := bytes.LastIndexByte(buf, '\n')
		if cut >= 0 {
			rest := p.buffer(p.bsize)
			rest = append(rest, buf[cut+1:]...)
			if !p.send(work, &block{seq: next(), data: buf[:cut+1]}) {
				return
			}
			buf = rest
			continue
		}
		// One line fills the buffer.
		if len(buf) <= limit {
			nb := make([]byte, len(buf), min(2*cap(buf), limit+1))
			copy(nb, buf)
			buf = nb
			continue
		}
		// Over the limit: skip to its end and report it as one line.
		var tail []byte
		for {
			n, err := p.src.Read(buf[:cap(buf)])
			if i := bytes.IndexByte(buf[:n], '\n'); i >= 0 {
				tail = append(p.buffer(p.bsize), buf[i+1:n]...)
				break
			}
			if err != nil {
				if !errors.Is(err, io.EOF) {
					if p.send(work, &block{seq: next(), tooLong: true}) {
						p.send(work, &block{seq: next(), err: err})
					}
					return
				}
				break
			}
		}
		if !p.send(work, &block{seq: next(), tooLong: true}) || tail == nil {
			return
		}
		buf = tail
	}
}

func (p *parJSONL) work(work <-chan *block) {
	defer p.wg.Done()
	fp := &fastParser{strict: p.cfg.strict, soft: p.cfg.soft}
	batch := newAnnBatch()
	for {
		var b *block
		select {
		case b = <-work:
		case <-p.quit:
			return
		}
		if b == nil {
			return
		}
		res := p.parse(b, fp, batch)
		if cap(b.data) == p.bsize {
			select {
			case p.free <- b.data:
			default:
			}
		}
		select {
		case <-p.quit:
			res.release()
			return
		default:
			b.done <- res
		}
	}
}

// parse decodes the lines of one block into records of at most about
// batchSize rows.
func (p *parJSONL) parse(b *block, fp *fastParser, batch *annBatch) *blockResult {
	cfg := p.cfg
	res := &blockResult{}
	flush := func() {
		res.implicits = append(res.implicits, batch.implicits)
		res.recs = append(res.recs, batch.newRecord(p.mem))
	}
	s := b.data
	for len(s) > 0 {
		var raw []byte
		if nl := bytes.IndexByte(s, '\n'); nl >= 0 {
			raw, s = s[:nl+1], s[nl+1:]
		} else {
			raw, s = s, nil
		}
		res.lines++
		line := trimEOL(raw)
		if len(line) > cfg.maxLineBytes {
			res.errs = append(res.errs, &ParseError{File: cfg.name, Line: res.lines,
				Err: fmt.Errorf("%w: longer than %d bytes", ErrLineTooLong, cfg.maxLineBytes)})
			if len(res.errs) >= cfg.maxErrors {
				break
			}
			continue
		}
		if b.seq == 0 && res.lines == 1 {
			line = bytes.TrimPrefix(line, []byte("\xef\xbb\xbf"))
		}
		if fp.parseLine(line) {
			res.inputs++
			if len(fp.concepts) > 0 {
				in := batch.input.get(fp.id)
				fp.emit(batch, in)
			} else {
				res.bare++
			}
		} else if !isBlank(line) {
			var in Input
			if err := decodeInputJSON(line, &in, cfg); err != nil {
				res.errs = append(res.errs, toParseError(cfg.name, res.lines, err))
				if len(res.errs) >= cfg.maxErrors {
					break
				}
				continue
			}
			res.inputs++
			if len(in.Annotations) == 0 {
				res.bare++
			}
			for i := range in.Annotations {
				a := &in.Annotations[i]
				if a.InputID == "" {
					a.InputID = in.ID
				}
				batch.add(a)
			}
		}
		if batch.Len() >= cfg.batchSize {
			flush()
		}
	}
	if batch.Len() > 0 {
		flush()
	}
	return res
}

// fetch returns the next block's result in file order, nil at the end.
func (p *parJSONL) fetch(ctx context.Context) (*blockResult, error) {
	if !p.started {
		p.start()
	}
	if p.waiting == nil {
		select {
		case b, ok := <-p.order:
			if !ok {
				return nil, nil
			}
			p.waiting = b
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	select {
	case res := <-p.waiting.done:
		p.waiting = nil
		return res, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// stop ends the pipeline and frees every record not handed out. It waits
// for the workers, not for the reading goroutine (which may be in a Read).
func (p *parJSONL) stop() {
	p.once.Do(func() {
		if !p.started {
			return
		}
		close(p.quit)
		p.wg.Wait()
		drain := func(b *block) {
			select {
			case res := <-b.done:
				res.release()
			default:
			}
		}
		if p.cur != nil {
			p.cur.release()
			p.cur = nil
		}
		if p.waiting != nil {
			drain(p.waiting)
			p.waiting = nil
		}
		for {
			select {
			case b, ok := <-p.order:
				if !ok {
					return
				}
				drain(b)
			default:
				return
			}
		}
	})
}

// nextParallel is Next for the parallel JSONL path.
func (r *Reader) nextParallel() bool {
	r.releaseCurrent()
	if r.done {
		return false
	}
	if err := r.ctx.Err(); err != nil {
		r.fail(err)
		return false
	}
	p := r.par
	for {
		if res := p.cur; res != nil && res.next < len(res.recs) {
			r.curAnn = res.recs[res.next]
			res.recs[res.next] = nil
			r.stats.Annotations += r.curAnn.NumRows()
			r.stats.ImplicitValues += res.implicits[res.next]
			res.next++
			return true
		}
		p.cur = nil
		res, err := p.fetch(r.ctx)
		if err != nil {
			r.fail(err)
			return false
		}
		if res == nil {
			r.done = true
			if len(r.errs) > 0 {
				r.fail(&ErrorList{Errs: r.errs})
			}
			return false
		}
		p.cur = res
		for _, pe := range res.errs {
			pe.Line += p.baseLine
			r.stats.Skipped++
			if r.cfg.maxErrors == 1 {
				r.fail(pe)
				return false
			}
			r.errs = append(r.errs, pe)
			if len(r.errs) >= r.cfg.maxErrors {
				r.fail(&ErrorList{Errs: r.errs, Truncated: true})
				return false
			}
		}
		if res.err != nil {
			r.fail(res.err)
			return false
		}
		p.baseLine += res.lines
		r.stats.Lines += int64(res.lines)
		r.stats.Inputs += res.inputs
		r.stats.Unannotated += res.bare
	}
}
