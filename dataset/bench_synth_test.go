package dataset_test

import (
	"bytes"
	"context"
	"testing"

	"curate.dev/dataset"
	"curate.dev/internal/synth"
	"curate.dev/internal/testutil"
)

// BenchmarkReadJSONLSynth reads 100k inputs from the project generator's
// benchmark preset (≈8 annotations each), annotations only as curate
// report does, and with inputs:
//
//	go test ./dataset -run '^$' -bench ReadJSONLSynth -benchtime 5x
func BenchmarkReadJSONLSynth(b *testing.B) {
	w, err := synth.New(synth.BenchConfig(100_000))
	if err != nil {
		b.Fatal(err)
	}
	var buf bytes.Buffer
	if err := w.WriteJSONL(context.Background(), &buf); err != nil {
		b.Fatal(err)
	}
	data := buf.Bytes()
	for _, bc := range []struct {
		name string
		opts []dataset.Option
	}{
		{"annotations", []dataset.Option{dataset.WithInputs(false)}},
		{"inputs", nil},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				r, err := dataset.NewReader(context.Background(), bytes.NewReader(data), bc.opts...)
				if err != nil {
					b.Fatal(err)
				}
				var rows int64
				for r.Next() {
					rows += r.Annotations().NumRows()
				}
				if err := r.Err(); err != nil {
					b.Fatal(err)
				}
				r.Release()
				b.ReportMetric(float64(rows), "annotations")
			}
		})
	}
}

// BenchmarkReadJSONLInputs reads 100k inputs of the benchmark preset with
// 64-value embeddings, with the inputs table as curate export --layout
// training, curate suggest and notebooks do: the Reader loop touching both
// records, and ReadTables.
//
//	go test ./dataset -run '^$' -bench ReadJSONLInputs -benchtime 3x
func BenchmarkReadJSONLInputs(b *testing.B) {
	cfg := synth.BenchConfig(100_000)
	cfg.EmbeddingDim = 64
	w, err := synth.New(cfg)
	if err != nil {
		b.Fatal(err)
	}
	var buf bytes.Buffer
	if err := w.WriteJSONL(context.Background(), &buf); err != nil {
		b.Fatal(err)
	}
	data := buf.Bytes()
	b.Run("next", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		b.ReportAllocs()
		defer testutil.ReportCPU(b, testutil.CPUTime())
		for i := 0; i < b.N; i++ {
			r, err := dataset.NewReader(context.Background(), bytes.NewReader(data))
			if err != nil {
				b.Fatal(err)
			}
			var rows, inputs int64
			for r.Next() {
				rows += r.Annotations().NumRows()
				inputs += r.Inputs().NumRows()
			}
			if err := r.Err(); err != nil {
				b.Fatal(err)
			}
			r.Release()
			b.ReportMetric(float64(inputs), "inputs")
		}
	})
	b.Run("tables", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		b.ReportAllocs()
		defer testutil.ReportCPU(b, testutil.CPUTime())
		for i := 0; i < b.N; i++ {
			r, err := dataset.NewReader(context.Background(), bytes.NewReader(data))
			if err != nil {
				b.Fatal(err)
			}
			t, err := dataset.ReadTables(r)
			if err != nil {
				b.Fatal(err)
			}
			if got := t.Inputs.NumRows(); got != 100_000 {
				b.Fatalf("%d inputs", got)
			}
			b.ReportMetric(float64(dataset.EmbeddingDim(t.Inputs.Schema())), "dim")
			t.Release()
			r.Release()
		}
	})
}
