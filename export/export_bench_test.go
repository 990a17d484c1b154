package export

// Long-layout export benchmark: 8 annotations per input, records made on
// the fly the way dataset's loader builds them (dictionary-encoded, 64Ki
// rows). "generate" measures making the records alone; subtract it from
// the write figures.
//
//	CURATE_BENCH_INPUTS=1000000 /usr/bin/time -v go test ./export -run XXX -bench WriteLong -benchtime 1x -benchmem

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"testing"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/memory"

	"curate.dev/dataset"
)

func benchInputs() int {
	if n, err := strconv.Atoi(os.Getenv("CURATE_BENCH_INPUTS")); err == nil && n > 0 {
		return n
	}
	return 100_000
}

// genReader yields annotation records for inputs inputs; a fresh
// builder per batch keeps each batch's dictionaries to its own rows.
type genReader struct {
	mem    memory.Allocator
	inputs int
	next   int
	cur    arrow.Record
	cids   []string
	names  []string
}

func newGenReader(mem memory.Allocator, inputs int) *genReader {
	g := &genReader{mem: mem, inputs: inputs}
	for c := 0; c < 500; c++ {
		g.cids = append(g.cids, fmt.Sprintf("c%04d", c))
		g.names = append(g.names, fmt.Sprintf("concept %d", c))
	}
	return g
}

func (g *genReader) Retain()               {}
func (g *genReader) Release()              { g.release() }
func (g *genReader) Schema() *arrow.Schema { return dataset.AnnotationSchema() }
func (g *genReader) Record() arrow.Record  { return g.cur }
func (g *genReader) Err() error            { return nil }
func (g *genReader) release() {
	if g.cur != nil {
		g.cur.Release()
		g.cur = nil
	}
}

func (g *genReader) Next() bool {
	g.release()
	if g.next >= g.inputs {
		return false
	}
	b := dataset.NewAnnotationBuilder(g.mem)
	defer b.Release()
	var a dataset.Annotation
	for ; g.next < g.inputs && b.Len() < 64<<10; g.next++ {
		id := "in" + strconv.Itoa(g.next)
		for k := 0; k < 8; k++ {
			c := (g.next*31 + k*61) % 500
			a = dataset.Annotation{InputID: id, ConceptID: g.cids[c], ConceptName: g.names[c], Value: float32(k % 2),
				Annotator: "user" + strconv.Itoa(g.next%50), AnnotatorKind: dataset.AnnotatorUser}
			b.Append(&a)
		}
	}
	g.cur = b.NewRecord()
	return true
}

func BenchmarkWriteLong(b *testing.B) {
	n := benchInputs()
	b.Run("generate", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			g := newGenReader(memory.DefaultAllocator, n)
			for g.Next() {
			}
			g.Release()
		}
	})
	for _, tc := range []struct {
		name string
		opts []Option
	}{
		{"parquet-zstd", nil},
		{"parquet-snappy", []Option{WithCompression(Snappy)}},
		{"arrow-zstd", []Option{WithFormat(Arrow)}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				g := newGenReader(memory.DefaultAllocator, n)
				w := &countWriter{}
				rows, err := WriteRecords(context.Background(), w, g, tc.opts...)
				g.Release()
				if err != nil {
					b.Fatal(err)
				}
				b.ReportMetric(float64(rows), "rows")
				b.ReportMetric(float64(w.n)/1e6, "MB")
			}
		})
	}
}
