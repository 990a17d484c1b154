package dataset

import (
	"context"
	"errors"
	"io"
)

// NewFuncReader returns a Reader whose inputs come from next instead of a
// file: the Clarifai client feeds pulled pages through it, so a remote app
// streams as the same batches as a local file. next fills the Input it is
// given (already reset) and returns io.EOF at the end; a *ParseError skips
// the record under [WithMaxErrors], any other error ends the stream.
// Annotations of one input must come in one call. [WithFormat] and
// [WithMaxLineBytes] have no effect.
func NewFuncReader(ctx context.Context, next func(*Input) error, opts ...Option) *Reader {
	cfg := defaultConfig()
	for _, o := range opts {
		o(&cfg)
	}
	rd := &Reader{ctx: ctx, cfg: cfg, dec: &funcDecoder{next: next}, first: true}
	rd.refs.Store(1)
	rd.ann = NewAnnotationBuilder(cfg.mem)
	if cfg.embeddingDim > 0 {
		rd.dim = cfg.embeddingDim
	}
	return rd
}

// funcDecoder numbers the records next yields as its "lines", so errors
// and Stats.Lines count records.
type funcDecoder struct {
	next  func(*Input) error
	count int
}

func (f *funcDecoder) grouped() bool { return true }
func (f *funcDecoder) lastLine() int { return f.count }
func (f *funcDecoder) decode(in *Input) error {
	err := f.next(in)
	if err == nil || !errors.Is(err, io.EOF) {
		f.count++
	}
	return err
}
