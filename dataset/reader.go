package dataset

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync/atomic"

	"github.com/apache/arrow/go/v15/arrow"
)

// decoder turns a source format into inputs. decode fills in (which the
// caller has reset) with the next record. It returns io.EOF at the end, a
// *ParseError for a bad record after which decoding may go on, and any
// other error when it cannot go on.
type decoder interface {
	decode(in *Input) error
	// grouped reports whether each input's annotations arrive together in
	// one record (JSON) rather than one row at a time (CSV).
	grouped() bool
}

// Stats counts what a [Reader] has read so far.
type Stats struct {
	Lines             int64 // lines or records consumed
	Inputs            int64 // inputs in the inputs table (distinct ids for CSV)
	Annotations       int64 // annotation rows produced
	ImplicitValues    int64 // annotations whose value was omitted by the source
	EmbeddingsIgnored int64 // embeddings dropped because none was seen in the first batch
	Skipped           int64 // bad records skipped under WithMaxErrors
	// Unannotated counts inputs that carry no annotation at all, so they
	// add no rows to the annotations table; a balance report counts them
	// as inputs unknown for every concept. (CSV rows always annotate.)
	Unannotated int64
}

// Reader streams a dataset file as annotation and input records. It is not
// safe for concurrent use.
type Reader struct {
	ctx  context.Context
	cfg  config
	dec  decoder
	par  *parJSONL // the parallel JSONL path; dec is nil then
	refs atomic.Int64

	ann *AnnotationBuilder
	inp *InputBuilder // nil until the embedding dimension is known, or when inputs are off
	dim int

	curAnn, curInp arrow.Record
	bare           []string // ids of unannotated inputs not yet taken by UnannotatedIDs
	primed         bool     // a batch was decoded ahead (by Schema) and not yet returned
	first          bool     // the first batch is being decoded
	pending        []Input
	seen           map[string]struct{}

	errs  []error
	err   error
	done  bool
	stats Stats
}

// NewReader returns a Reader over r. The format is recognised from the
// first bytes unless [WithFormat] fixes it; an empty input is a valid
// dataset with no rows. ctx is checked once per batch; cancelling it ends
// the stream with ctx's error.
func NewReader(ctx context.Context, r io.Reader, opts ...Option) (*Reader, error) {
	cfg := defaultConfig()
	for _, o := range opts {
		o(&cfg)
	}
	br := bufio.NewReaderSize(r, 1<<20)
	format := cfg.format
	if format == FormatAuto {
		var err error
		if format, err = sniff(br); err != nil {
			if errors.Is(err, ErrFormat) {
				return nil, &ParseError{File: cfg.name, Err: err}
			}
			return nil, err // a read failure, not the file's fault
		}
	} else if head, _ := br.Peek(4); compressed(head) != nil {
		return nil, &ParseError{File: cfg.name, Err: compressed(head)}
	}
	if err := otherKind(br, format); err != nil {
		return nil, &ParseError{File: cfg.name, Err: err}
	}
	rd := &Reader{ctx: ctx, cfg: cfg, first: true}
	if format == FormatJSONL && !cfg.serial {
		// The fast path, parsed on all cores.
		rd.par = newParJSONL(br, &rd.cfg)
	} else {
		dec, err := newDecoder(format, br, &rd.cfg)
		if err != nil {
			return nil, err
		}
		rd.dec = dec
	}
	rd.refs.Store(1)
	rd.ann = NewAnnotationBuilder(cfg.mem)
	if cfg.embeddingDim > 0 {
		rd.dim = cfg.embeddingDim
	}
	if rd.dec != nil && !rd.dec.grouped() && cfg.inputs {
		rd.seen = make(map[string]struct{})
	}
	return rd, nil
}

func newDecoder(f Format, br *bufio.Reader, cfg *config) (decoder, error) {
	switch f {
	case FormatJSONL:
		return newJSONLDecoder(br, cfg), nil
	case FormatJSON:
		return newJSONDecoder(br, cfg), nil
	case FormatCSV, FormatOpenImages:
		return newCSVDecoder(br, cfg, f)
	}
	return nil, &ParseError{File: cfg.name, Err: ErrFormat}
}

// sniff recognises the format from the first bytes without consuming them.
func sniff(br *bufio.Reader) (Format, error) {
	head, err := br.Peek(4096)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, bufio.ErrBufferFull) {
		return 0, err
	}
	if err := compressed(head); err != nil {
		return 0, err
	}
	head = bytes.TrimPrefix(head, []byte("\xef\xbb\xbf"))
	t := bytes.TrimLeft(head, " \t\r\n")
	switch {
	case len(t) == 0:
		return FormatJSONL, nil
	case t[0] == '[':
		return FormatJSON, nil
	case t[0] == '{':
		key := firstKey(t[1:])
		if key == "inputs" || key == "status" || key == "hits" {
			return FormatJSON, nil
		}
		return FormatJSONL, nil
	}
	if bytes.HasPrefix(t, []byte("ImageID,Source,LabelName")) {
		return FormatOpenImages, nil
	}
	return FormatCSV, nil
}

// compressed recognises gzip or zstd data by its magic bytes: the loaders
// read uncompressed bytes, and reading such data as CSV would only say
// that a column is missing.
func compressed(head []byte) error {
	kind := ""
	switch {
	case bytes.HasPrefix(head, []byte{0x1f, 0x8b}):
		kind = "gzip"
	case bytes.HasPrefix(head, []byte{0x28, 0xb5, 0x2f, 0xfd}):
		kind = "zstd"
	default:
		return nil
	}
	return fmt.Errorf("%w: the data is %s-compressed; decompress it first", ErrFormat, kind)
}

// firstKey returns the first object key in b (which follows a '{'), or "".
func firstKey(b []byte) string {
	b = bytes.TrimLeft(b, " \t\r\n")
	if len(b) == 0 || b[0] != '"' {
		return ""
	}
	end := bytes.IndexByte(b[1:], '"')
	if end < 0 {
		return ""
	}
	return string(b[1 : 1+end])
}

// Next decodes the next batch. It returns false at the end of the stream
// or on an error; check [Reader.Err] then. The records of the previous
// batch are released.
func (r *Reader) Next() bool {
	if r.primed {
		r.primed = false
		return true
	}
	if r.par != nil {
		return r.nextParallel()
	}
	r.releaseCurrent()
	if r.done {
		return false
	}
	if err := r.ctx.Err(); err != nil {
		r.fail(err)
		return false
	}
	var in Input
	// A batch ends at batchSize rows, or at batchSize records for sources
	// whose inputs carry few or no annotations.
	for records := 0; r.ann.Len() < r.cfg.batchSize && records < r.cfg.batchSize; records++ {
		in = Input{}
		err := r.dec.decode(&in)
		r.stats.Lines = int64(r.lastLine())
		if err == nil {
			if err = r.add(&in); err != nil {
				err = &ParseError{File: r.cfg.name, Line: int(r.stats.Lines), Field: "data.embeddings", Err: err}
			} else if len(in.Annotations) == 0 && r.dec.grouped() {
				// Counted only once added: a skipped input is no input.
				r.stats.Unannotated++
				r.bare = append(r.bare, strings.Clone(in.ID))
			}
		}
		if err == nil {
			continue
		}
		if errors.Is(err, io.EOF) {
			r.done = true
			break
		}
		var pe *ParseError
		if !errors.As(err, &pe) {
			r.fail(err)
			return false
		}
		if !r.skip(err) {
			return false
		}
	}
	if r.done && len(r.errs) > 0 {
		r.fail(&ErrorList{Errs: r.errs})
		return false
	}
	if err := r.flush(); err != nil {
		r.fail(err)
		return false
	}
	return r.curAnn.NumRows() > 0 || (r.curInp != nil && r.curInp.NumRows() > 0) || !r.done
}

// add appends one decoded input to the builders.
func (r *Reader) add(in *Input) error {
	for i := range in.Annotations {
		a := &in.Annotations[i]
		if a.InputID == "" {
			a.InputID = in.ID
		}
	}
	if !r.cfg.inputs {
		if r.dec.grouped() {
			r.stats.Inputs++
		}
		r.appendAnnotations(in)
		return nil
	}
	if r.seen != nil {
		if _, dup := r.seen[in.ID]; dup {
			r.appendAnnotations(in)
			return nil
		}
		r.seen[in.ID] = struct{}{}
	}
	if r.inp == nil && r.first && r.cfg.embeddingDim == 0 {
		// The dimension is taken from the first batch: hold its inputs
		// until the batch is complete.
		if n := len(in.Embedding); n > 0 && r.dim == 0 {
			r.dim = n
		} else if n > 0 && n != r.dim {
			return fmt.Errorf("%w: embedding has %d values, want %d like the inputs before it", ErrShape, n, r.dim)
		}
		cp := *in
		cp.Annotations = nil
		r.pending = append(r.pending, cp)
		r.appendAnnotations(in)
		r.stats.Inputs++
		return nil
	}
	if err := r.appendInput(in); err != nil {
		return err
	}
	r.appendAnnotations(in)
	return nil
}

func (r *Reader) appendAnnotations(in *Input) {
	for i := range in.Annotations {
		r.ann.Append(&in.Annotations[i])
		if in.Annotations[i].Source.Implicit() {
			r.stats.ImplicitValues++
		}
	}
	r.stats.Annotations += int64(len(in.Annotations))
}

func (r *Reader) appendInput(in *Input) error {
	if r.inp == nil {
		dim := r.dim
		if r.cfg.embeddingDim < 0 {
			dim = 0
		}
		r.inp = NewInputBuilder(r.cfg.mem, dim)
	}
	if len(in.Embedding) > 0 && r.inp.Dim() == 0 {
		r.stats.EmbeddingsIgnored++
		in.Embedding = nil
	}
	if err := r.inp.Append(in); err != nil {
		return err
	}
	r.stats.Inputs++
	return nil
}

// flush turns the builders into the current records.
func (r *Reader) flush() error {
	if r.first {
		r.first = false
		if r.cfg.inputs && r.inp == nil {
			for i := range r.pending {
				if n := len(r.pending[i].Embedding); n > 0 {
					r.dim = n
					break
				}
			}
			r.stats.Inputs -= int64(len(r.pending))
			for i := range r.pending {
				if err := r.appendInput(&r.pending[i]); err != nil {
					return &ParseError{File: r.cfg.name, Field: "data.embeddings", Err: err}
				}
			}
			r.pending = nil
			if r.inp == nil {
				r.appendInput(&Input{}) // fix the schema, then drop the row
				rec := r.inp.NewRecord()
				rec.Release()
				r.stats.Inputs--
			}
		}
	}
	r.curAnn = r.ann.NewRecord()
	if r.inp != nil {
		r.curInp = r.inp.NewRecord()
	}
	return nil
}

// skip records a bad record under WithMaxErrors. It reports whether reading
// may go on; when it may not, the reader has failed with the error (at the
// default limit of 1) or with the list collected so far.
func (r *Reader) skip(err error) bool {
	r.stats.Skipped++
	if r.cfg.maxErrors == 1 {
		r.fail(err)
		return false
	}
	r.errs = append(r.errs, err)
	if len(r.errs) >= r.cfg.maxErrors {
		r.fail(&ErrorList{Errs: r.errs, Truncated: true})
		return false
	}
	return true
}

func (r *Reader) fail(err error) {
	r.releaseCurrent()
	if r.par != nil {
		r.par.stop()
	}
	r.err = err
	r.done = true
}

func (r *Reader) releaseCurrent() {
	if r.curAnn != nil {
		r.curAnn.Release()
		r.curAnn = nil
	}
	if r.curInp != nil {
		r.curInp.Release()
		r.curInp = nil
	}
}

// Annotations returns the current batch's annotations, valid until the
// next call to Next. Retain it to keep it longer.
func (r *Reader) Annotations() arrow.Record { return r.curAnn }

// Inputs returns the current batch's inputs (nil when [WithInputs] is
// off), valid until the next call to Next. For CSV sources an input
// appears in the batch where its id is first seen.
func (r *Reader) Inputs() arrow.Record { return r.curInp }

// InputSchema returns the schema of the inputs records. It may decode the
// first batch to learn the embedding dimension; that batch is still
// returned by the next call to Next.
func (r *Reader) InputSchema() *arrow.Schema {
	if r.par != nil {
		if !r.cfg.inputs {
			return InputSchema(0)
		}
		if !r.par.dimKnown && !r.done && r.curAnn == nil {
			if r.Next() {
				r.primed = true
			}
		}
		return r.par.schema
	}
	if r.inp == nil && r.cfg.inputs && !r.done && r.curAnn == nil {
		if r.Next() {
			r.primed = true
		}
	}
	if r.inp != nil {
		return r.inp.Schema()
	}
	return InputSchema(0)
}

// Err returns the error that ended the stream, or nil at a clean end.
func (r *Reader) Err() error { return r.err }

// UnannotatedIDs returns the ids of the inputs read since the last call
// that carry no annotation at all (they add no rows to the annotations
// table, yet they are inputs of the dataset), and forgets them. Call it
// after each Next and once after the loop: the last of them may be read by
// the Next that returns false. The strings are the caller's to keep. An
// input listed here may still carry annotations on another line.
func (r *Reader) UnannotatedIDs() []string {
	ids := r.bare
	r.bare = nil
	return ids
}

// Stats returns the counts so far.
func (r *Reader) Stats() Stats { return r.stats }

// Retain adds a reference.
func (r *Reader) Retain() { r.refs.Add(1) }

// Release drops a reference; at zero the reader frees all it holds.
func (r *Reader) Release() {
	if r.refs.Add(-1) == 0 {
		r.releaseCurrent()
		if r.par != nil {
			r.par.stop()
		}
		r.ann.Release()
		if r.inp != nil {
			r.inp.Release()
		}
		r.pending = nil
	}
}
