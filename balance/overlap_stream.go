package balance

import (
	"context"
	"sync"

	"github.com/apache/arrow/go/v15/arrow"

	"curate.dev/dataset"
)

// prefetchDepth is how many batches the reading goroutine may run ahead.
const prefetchDepth = 2

type batch struct {
	ann, inp arrow.Record
	bare     []string // ids of inputs without annotations (dataset.Reader.UnannotatedIDs)
}

func (b batch) release() {
	if b.ann != nil {
		b.ann.Release()
	}
	if b.inp != nil {
		b.inp.Release()
	}
}

// eachBatch calls fn for every batch of r, decoding the next batches on
// another goroutine meanwhile so that reading (JSON parsing, or a
// generator) and analysis use both cores. fn's records are valid only
// during the call. The first error from fn, ctx or r ends the stream.
// r must not be used by anyone else until eachBatch returns. bare lists
// the inputs without annotations read with the batch; a last call with nil
// records may carry the final ones.
func eachBatch(ctx context.Context, r *dataset.Reader, fn func(ann, inp arrow.Record, bare []string) error) error {
	ch := make(chan batch, prefetchDepth)
	stop := make(chan struct{})
	var once sync.Once
	go func() {
		defer close(ch)
		for r.Next() {
			b := batch{ann: r.Annotations(), inp: r.Inputs(), bare: r.UnannotatedIDs()}
			if b.ann != nil {
				b.ann.Retain()
			}
			if b.inp != nil {
				b.inp.Retain()
			}
			select {
			case ch <- b:
			case <-stop:
				b.release()
				return
			}
		}
	}()
	var err error
	for b := range ch {
		if err == nil {
			if err = ctx.Err(); err == nil {
				err = fn(b.ann, b.inp, b.bare)
			}
			if err != nil {
				once.Do(func() { close(stop) })
			}
		}
		b.release()
	}
	if err != nil {
		return err
	}
	if err := r.Err(); err != nil {
		return err
	}
	if bare := r.UnannotatedIDs(); len(bare) > 0 {
		return fn(nil, nil, bare)
	}
	return nil
}
