package dataset

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"slices"
	"strings"
	"sync"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"
	"github.com/apache/arrow/go/v15/arrow/bitutil"
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
	mem     memory.Allocator // cfg.mem, or fastPool with WithReuseBuffers and no allocator chosen
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

	// With inputs: the embedding dimension, decided in file order as the
	// reference path does, and the blocks fetched ahead to decide it.
	dim      int
	dimKnown bool
	held     []*blockResult
	segs     []parSeg // the current chunk's batches not yet handed out
	schema   *arrow.Schema
}

// parSeg is one batch handed out by the Reader.
type parSeg struct {
	ann, inp  arrow.Record
	implicits int64
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
	chunks []parChunk
	inputs int64 // inputs decoded in the block
	bare   int64 // of which carry no annotation
	// bareIDs and bareLines: the ids (copies) and block lines of the
	// inputs without annotations
	bareIDs   []string
	bareLines []int32
	next      int
	errs      []*ParseError // Line relative to the block
	lines     int
	err       error // a read error: the stream ends here
}

// parChunk is one batch of a block: the annotations record and, when
// inputs are read, the inputs record without its embedding column, the
// packed embedding values and, per input, the number of values, the line
// and where its annotation rows end. The consumer adds the embedding
// column once the dimension is known (Reader.cutChunk).
type parChunk struct {
	ann       arrow.Record
	implicits int64
	inp       arrow.Record
	emb       *memory.Buffer
	embLens   []int32
	lines     []int32
	annEnd    []int32
	drop      []int32 // inputs skipped for a bad embedding, ascending
}

func (c *parChunk) release() {
	for _, r := range []arrow.Record{c.ann, c.inp} {
		if r != nil {
			r.Release()
		}
	}
	if c.emb != nil {
		c.emb.Release()
	}
	*c = parChunk{}
}

func (res *blockResult) release() {
	for i := res.next; i < len(res.chunks); i++ {
		res.chunks[i].release()
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
	if mem == memory.DefaultAllocator && cfg.reuse {
		// Only when the caller asked for it (WithReuseBuffers): strings
		// taken from a released record would change under a caller that
		// kept them.
		mem = fastPool
	}
	p := &parJSONL{cfg: cfg, mem: mem, src: src, workers: w, bsize: bs}
	switch {
	case cfg.embeddingDim > 0:
		p.dim, p.dimKnown = cfg.embeddingDim, true
	case cfg.embeddingDim < 0:
		p.dimKnown = true
	}
	p.schema = InputSchema(p.dim)
	return p
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
	fp := &fastParser{strict: p.cfg.strict, soft: p.cfg.soft,
		inputs: p.cfg.inputs, embOn: p.cfg.inputs && p.cfg.embeddingDim >= 0}
	batch := newAnnBatch()
	var inb *inBatch
	if p.cfg.inputs {
		inb = newInBatch()
	}
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
		res := p.parse(b, fp, batch, inb)
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
// batchSize rows (or inputs, when inputs are read).
func (p *parJSONL) parse(b *block, fp *fastParser, batch *annBatch, inb *inBatch) *blockResult {
	cfg := p.cfg
	res := &blockResult{}
	flush := func() {
		c := parChunk{implicits: batch.implicits}
		c.ann = batch.newRecord(p.mem) // resets implicits
		if inb != nil {
			inb.fill(p.mem, &c)
		}
		res.chunks = append(res.chunks, c)
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
				res.bareIDs = append(res.bareIDs, string(fp.id))
				res.bareLines = append(res.bareLines, int32(res.lines))
			}
			if inb != nil {
				inb.addFast(fp, res.lines, batch.Len())
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
				res.bareIDs = append(res.bareIDs, strings.Clone(in.ID))
				res.bareLines = append(res.bareLines, int32(res.lines))
			}
			for i := range in.Annotations {
				a := &in.Annotations[i]
				if a.InputID == "" {
					a.InputID = in.ID
				}
				batch.add(a)
			}
			if inb != nil {
				inb.addInput(&in, res.lines, batch.Len())
			}
		}
		if batch.Len() >= cfg.batchSize || (inb != nil && inb.Len() >= cfg.batchSize) {
			flush()
		}
	}
	if batch.Len() > 0 || (inb != nil && inb.Len() > 0) {
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
		for _, sg := range p.segs {
			sg.release()
		}
		p.segs = nil
		for _, res := range p.held {
			res.release()
		}
		p.held = nil
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
		if len(p.segs) > 0 {
			sg := p.segs[0]
			p.segs = p.segs[1:]
			r.curAnn, r.curInp = sg.ann, sg.inp
			r.stats.Annotations += r.curAnn.NumRows()
			r.stats.ImplicitValues += sg.implicits
			return true
		}
		if res := p.cur; res != nil && res.next < len(res.chunks) {
			c := res.chunks[res.next]
			res.chunks[res.next] = parChunk{}
			res.next++
			r.cutChunk(&c)
			continue
		}
		p.cur = nil
		res, err := r.nextResult()
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
		if r.cfg.inputs {
			r.checkEmbeddings(res)
		}
		for _, pe := range res.errs {
			pe.Line += p.baseLine
			if !r.skip(pe) {
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
		r.bare = append(r.bare, res.bareIDs...)
	}
}

func (sg parSeg) release() {
	sg.ann.Release()
	if sg.inp != nil {
		sg.inp.Release()
	}
}

// nextResult returns the next block's result in file order (nil at the
// end), deciding the embedding dimension first when it is still open.
func (r *Reader) nextResult() (*blockResult, error) {
	p := r.par
	if r.cfg.inputs && !p.dimKnown {
		if err := r.decideDim(); err != nil {
			return nil, err
		}
	}
	if len(p.held) > 0 {
		res := p.held[0]
		p.held = p.held[1:]
		return res, nil
	}
	return p.fetch(r.ctx)
}

// decideDim takes the embedding dimension from the first embedding of the
// reference path's first batch (batchSize records or annotation rows,
// whichever comes first, counting bad records), looking as far ahead as
// that takes; with none there, embeddings are ignored.
func (r *Reader) decideDim() error {
	p := r.par
	bs := r.cfg.batchSize
	records, rows := 0, 0
	full := func() bool { return records >= bs || rows >= bs }
	defer func() {
		p.dimKnown = true
		p.schema = InputSchema(p.dim)
	}()
	for i := 0; ; i++ {
		if i == len(p.held) {
			res, err := p.fetch(r.ctx)
			if err != nil || res == nil {
				return err
			}
			p.held = append(p.held, res)
		}
		res := p.held[i]
		e := 0
		for ci := range res.chunks {
			c := &res.chunks[ci]
			prev := int32(0)
			for k, line := range c.lines {
				for ; e < len(res.errs) && res.errs[e].Line < int(line); e++ {
					if full() {
						return nil
					}
					records++
				}
				if full() {
					return nil
				}
				if n := c.embLens[k]; n > 0 {
					p.dim = int(n)
					return nil
				}
				records++
				rows += int(c.annEnd[k] - prev)
				prev = c.annEnd[k]
			}
		}
		for ; e < len(res.errs); e++ {
			if full() {
				return nil
			}
			records++
		}
		if res.err != nil {
			return nil
		}
	}
}

// checkEmbeddings finds the inputs of res whose embedding does not have
// the dimension, as errors merged into res.errs in line order, and marks
// them to be dropped with their annotations. It also counts ignored
// embeddings and takes dropped inputs out of the block's counts.
func (r *Reader) checkEmbeddings(res *blockResult) {
	p := r.par
	var bad []*ParseError
	for ci := range res.chunks {
		c := &res.chunks[ci]
		prev := int32(0)
		for k, n := range c.embLens {
			rows := c.annEnd[k] - prev
			prev = c.annEnd[k]
			if n == 0 {
				continue
			}
			if p.dim == 0 {
				r.stats.EmbeddingsIgnored++
				continue
			}
			if int(n) == p.dim {
				continue
			}
			bad = append(bad, &ParseError{File: r.cfg.name, Line: int(c.lines[k]), Field: "data.embeddings",
				Err: fmt.Errorf("%w: embedding has %d values, want %d like the inputs before it", ErrShape, n, p.dim)})
			c.drop = append(c.drop, int32(k))
			res.inputs--
			if rows == 0 {
				res.bare--
				if j := slices.Index(res.bareLines, c.lines[k]); j >= 0 {
					res.bareIDs = slices.Delete(res.bareIDs, j, j+1)
					res.bareLines = slices.Delete(res.bareLines, j, j+1)
				}
			}
		}
	}
	if len(bad) == 0 {
		return
	}
	merged := make([]*ParseError, 0, len(res.errs)+len(bad))
	i, j := 0, 0
	for i < len(res.errs) || j < len(bad) {
		if j == len(bad) || (i < len(res.errs) && res.errs[i].Line < bad[j].Line) {
			merged = append(merged, res.errs[i])
			i++
		} else {
			merged = append(merged, bad[j])
			j++
		}
	}
	res.errs = merged
}

// cutChunk turns a chunk into the batches handed out: the inputs record
// gets its embedding column, and inputs dropped for a bad embedding are
// cut out of both records. It takes over c's references.
func (r *Reader) cutChunk(c *parChunk) {
	p := r.par
	if c.inp == nil {
		p.segs = append(p.segs, parSeg{ann: c.ann, implicits: c.implicits})
		return
	}
	inp := c.inp
	if p.dim > 0 {
		inp = r.withEmbedding(c)
		c.inp.Release()
	}
	if c.emb != nil {
		c.emb.Release()
	}
	if len(c.drop) == 0 {
		p.segs = append(p.segs, parSeg{ann: c.ann, inp: inp, implicits: c.implicits})
		return
	}
	defer c.ann.Release()
	defer inp.Release()
	implicits := c.implicits
	start := 0
	annStart := func(k int) int64 {
		if k == 0 {
			return 0
		}
		return int64(c.annEnd[k-1])
	}
	cut := func(end int) {
		if end > start {
			p.segs = append(p.segs, parSeg{
				ann:       c.ann.NewSlice(annStart(start), annStart(end)),
				inp:       inp.NewSlice(int64(start), int64(end)),
				implicits: implicits,
			})
			implicits = 0
		}
	}
	for _, k := range c.drop {
		implicits -= implicitRows(c.ann, annStart(int(k)), int64(c.annEnd[k]))
		cut(int(k))
		start = int(k) + 1
	}
	cut(len(c.lines))
}

// implicitRows counts the rows in [from, to) whose value was not stated.
func implicitRows(rec arrow.Record, from, to int64) int64 {
	col := rec.Column(annValueSource).(*array.Dictionary)
	dict := col.Dictionary().(*array.String)
	var n int64
	for i := from; i < to; i++ {
		if dict.Value(col.GetValueIndex(int(i))) != ValueExplicit.String() {
			n++
		}
	}
	return n
}

// withEmbedding returns c's inputs record with the embedding column of the
// dimension: the packed values as they are when every input has an
// embedding of that size, else laid out with nulls for the others.
func (r *Reader) withEmbedding(c *parChunk) arrow.Record {
	p := r.par
	dim := p.dim
	n := int(c.inp.NumRows())
	full := c.emb != nil
	for _, l := range c.embLens {
		if int(l) != dim {
			full = false
			break
		}
	}
	var values, vb *memory.Buffer
	nulls := 0
	if full {
		values = c.emb
		values.Retain()
	} else {
		values = memory.NewResizableBuffer(p.mem)
		values.Resize(4 * n * dim)
		dst := arrow.Float32Traits.CastFromBytes(values.Bytes())
		clear(dst)
		var src []float32
		if c.emb != nil {
			src = arrow.Float32Traits.CastFromBytes(c.emb.Bytes())
		}
		vb = memory.NewResizableBuffer(p.mem)
		vb.Resize(int(bitutil.BytesForBits(int64(n))))
		bm := vb.Bytes()
		clear(bm)
		off := 0
		for k, l := range c.embLens {
			if int(l) == dim {
				copy(dst[k*dim:(k+1)*dim], src[off:off+dim])
				bitutil.SetBit(bm, k)
			} else {
				nulls++
			}
			off += int(l)
		}
	}
	child := array.NewData(arrow.PrimitiveTypes.Float32, n*dim, []*memory.Buffer{nil, values}, nil, 0, 0)
	values.Release()
	d := array.NewData(p.schema.Field(inEmbedding).Type, n, []*memory.Buffer{vb}, []arrow.ArrayData{child}, nulls, 0)
	child.Release()
	if vb != nil {
		vb.Release()
	}
	emb := array.MakeFromData(d)
	d.Release()
	defer emb.Release()
	cols := append(append([]arrow.Array(nil), c.inp.Columns()...), emb)
	return array.NewRecord(p.schema, cols, int64(n))
}
