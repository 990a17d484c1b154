package dataset

import (
	"bytes"
	"context"
	"flag"
	"os"
	"sync"
	"testing"

	"curate.dev/internal/testutil"
)

var (
	benchFile   = flag.String("bench.file", "", "BenchmarkReadJSONLFile reads this JSONL file (see TestWriteSynthJSONL)")
	benchInputs = flag.Bool("bench.inputs", false, "BenchmarkReadJSONLFile builds the inputs table too")
)

var (
	synth100kOnce sync.Once
	synth100k     []byte
)

func synthData(b *testing.B) []byte {
	synth100kOnce.Do(func() {
		var buf bytes.Buffer
		if err := writeSynthJSONL(&buf, 100_000, 1); err != nil {
			b.Fatal(err)
		}
		synth100k = buf.Bytes()
	})
	return synth100k
}

func benchRead(b *testing.B, data []byte, opts ...Option) {
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	b.ResetTimer()
	defer testutil.ReportCPU(b, testutil.CPUTime())
	for i := 0; i < b.N; i++ {
		r, err := NewReader(context.Background(), bytes.NewReader(data), append([]Option{WithFormat(FormatJSONL)}, opts...)...)
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
}

// BenchmarkReadJSONL reads 100k generated inputs (≈8 concepts each):
//
//	go test ./dataset -run XXX -bench ReadJSONL -benchtime 5x
func BenchmarkReadJSONL(b *testing.B) {
	data := synthData(b)
	b.Run("annotations/fast", func(b *testing.B) { benchRead(b, data, WithInputs(false)) })
	b.Run("annotations/fast-1worker", func(b *testing.B) { benchRead(b, data, WithInputs(false), withBlocks(0, 1)) })
	b.Run("annotations/reference", func(b *testing.B) { benchRead(b, data, WithInputs(false), withSerial()) })
	b.Run("inputs/reference", func(b *testing.B) { benchRead(b, data) })
}

// BenchmarkReadJSONLFile reads a big file, annotations only, as curate
// report does (-bench.inputs: with the inputs table):
//
//	go test ./dataset -run TestWriteSynthJSONL -synth.out /tmp/synth-1m.jsonl -synth.n 1000000
//	go test ./dataset -run XXX -bench ReadJSONLFile -benchtime 3x -bench.file /tmp/synth-1m.jsonl
func BenchmarkReadJSONLFile(b *testing.B) {
	if *benchFile == "" {
		b.Skip("set -bench.file")
	}
	st, err := os.Stat(*benchFile)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(st.Size())
	b.ReportAllocs()
	defer testutil.ReportCPU(b, testutil.CPUTime())
	for i := 0; i < b.N; i++ {
		f, err := os.Open(*benchFile)
		if err != nil {
			b.Fatal(err)
		}
		r, err := NewReader(context.Background(), f, WithInputs(*benchInputs))
		if err != nil {
			b.Fatal(err)
		}
		var rows, inputs int64
		for r.Next() {
			rows += r.Annotations().NumRows()
			if in := r.Inputs(); in != nil {
				inputs += in.NumRows()
			}
		}
		if err := r.Err(); err != nil {
			b.Fatal(err)
		}
		r.Release()
		f.Close()
		b.ReportMetric(float64(rows), "annotations")
		b.ReportMetric(float64(inputs), "inputs")
	}
}

// BenchmarkFastParseLine is the fast path alone on one core: parse every
// line of the 100k file into an annBatch, without the pipeline.
func BenchmarkFastParseLine(b *testing.B) {
	data := synthData(b)
	lines := bytes.Split(bytes.TrimSuffix(data, []byte("\n")), []byte("\n"))
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	b.ResetTimer()
	fp := &fastParser{}
	batch := newAnnBatch()
	defer testutil.ReportCPU(b, testutil.CPUTime())
	for i := 0; i < b.N; i++ {
		for _, l := range lines {
			if !fp.parseLine(l) {
				b.Fatalf("not the common shape: %s", l)
			}
			in := batch.input.get(fp.id)
			fp.emit(batch, in)
			if batch.Len() >= DefaultBatchSize {
				batch.reset()
			}
		}
		batch.reset()
	}
}
