package synth

import (
	"context"
	"io"
	"testing"

	"curate.dev/dataset"
)

// BenchmarkWriteJSONL writes 100k inputs of the [BenchConfig] world (50
// classes, 16 context concepts, about 8 annotations per input: the shape
// of the 1M benchmark file) as Clarifai JSONL.
func BenchmarkWriteJSONL(b *testing.B) {
	w := newWorld(b, benchConfig(100_000, 0))
	cw := &countWriter{}
	b.ResetTimer()
	for b.Loop() {
		cw.n = 0
		if err := w.WriteJSONL(context.Background(), cw); err != nil {
			b.Fatal(err)
		}
	}
	b.SetBytes(cw.n)
	b.ReportMetric(float64(cw.n)/float64(w.Len()), "bytes/input")
}

// BenchmarkStream generates 100k observed inputs with 512-dimension
// embeddings, the per-input cost of the 1M × 500 × 512 suggest benchmark.
func BenchmarkStream(b *testing.B) {
	cfg := benchConfig(100_000, 512)
	cfg.Concepts = 500
	w := newWorld(b, cfg)
	b.ResetTimer()
	for b.Loop() {
		next := w.Stream()
		var in dataset.Input
		for next(&in) == nil {
			in = dataset.Input{}
		}
	}
}

// BenchmarkNew builds a 1M-input world (the truth tables).
func BenchmarkNew(b *testing.B) {
	for b.Loop() {
		newWorld(b, benchConfig(1_000_000, 0))
	}
}

func benchConfig(inputs, dim int) Config {
	c := BenchConfig(inputs)
	c.EmbeddingDim = dim
	return c
}

type countWriter struct{ n int64 }

func (c *countWriter) Write(p []byte) (int, error) { c.n += int64(len(p)); return len(p), nil }

var _ io.Writer = (*countWriter)(nil)
