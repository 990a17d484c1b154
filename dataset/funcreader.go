package dataset

import (
	"context"
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
	rd := &Reader{ctx: ctx, cfg: cfg, dec: funcDecoder(next), first: true}
	rd.refs.Store(1)
	rd.ann = NewAnnotationBuilder(cfg.mem)
	if cfg.embeddingDim > 0 {
		rd.dim = cfg.embeddingDim
	}
	return rd
}

type funcDecoder func(*Input) error

func (f funcDecoder) grouped() bool          { return true }
func (f funcDecoder) decode(in *Input) error { return f(in) }
