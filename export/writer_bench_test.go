package export

// Parquet writer comparison on the long layout (see BENCHMARKS.md,
// "Exporting for training"). Rows held in memory as Arrow records, as
// export holds a batch; each candidate converts them to what it writes.
//
//	CURATE_BENCH_ROWS=10000000 go test ./export -run XXX -bench ParquetWriters -benchtime 1x -benchmem

import (
	"fmt"
	"io"
	"os"
	"strconv"
	"testing"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"
	"github.com/apache/arrow/go/v15/arrow/memory"
	pgo "github.com/parquet-go/parquet-go"
	pgozstd "github.com/parquet-go/parquet-go/compress/zstd"
	xparquet "github.com/xitongsys/parquet-go/parquet"
	xwriter "github.com/xitongsys/parquet-go/writer"

	"curate.dev/dataset"
)

func benchRows() int {
	if n, err := strconv.Atoi(os.Getenv("CURATE_BENCH_ROWS")); err == nil && n > 0 {
		return n
	}
	return 1_000_000
}

// longRecords builds n long rows (8 annotations per input, 500
// concepts) as dense records of 64Ki rows. nullable picks the schema:
// the dataset's (four nullable columns) or one that declares every column
// required (the data has no nulls).
func longRecords(n int, nullable bool) []arrow.Record {
	sch := denseSchema(dataset.AnnotationSchema())
	if !nullable {
		fs := sch.Fields()
		for i := range fs {
			fs[i].Nullable = false
		}
		sch = arrow.NewSchema(fs, nil)
	}
	mem := memory.NewGoAllocator()
	b := array.NewRecordBuilder(mem, sch)
	defer b.Release()
	var out []arrow.Record
	for i := 0; i < n; i++ {
		in, c := i/8, (i*7919)%500
		b.Field(0).(*array.StringBuilder).Append(fmt.Sprintf("in%07d", in))
		b.Field(1).(*array.StringBuilder).Append(fmt.Sprintf("c%04d", c))
		b.Field(2).(*array.StringBuilder).Append(fmt.Sprintf("concept %d", c))
		b.Field(3).(*array.Float32Builder).Append(float32(i % 2))
		b.Field(4).(*array.StringBuilder).Append("explicit")
		b.Field(5).(*array.StringBuilder).Append(fmt.Sprintf("a%09d", i))
		b.Field(6).(*array.StringBuilder).Append(fmt.Sprintf("user%d", in%50))
		b.Field(7).(*array.StringBuilder).Append("user")
		if (i+1)%(64<<10) == 0 || i == n-1 {
			out = append(out, b.NewRecord())
		}
	}
	return out
}

type countWriter struct{ n int64 }

func (c *countWriter) Write(p []byte) (int, error) { c.n += int64(len(p)); return len(p), nil }

type longRow struct {
	InputID       string  `parquet:"input_id,dict"`
	ConceptID     string  `parquet:"concept_id,dict"`
	ConceptName   string  `parquet:"concept_name,dict,optional"`
	Value         float32 `parquet:"value"`
	ValueSource   string  `parquet:"value_source,dict"`
	AnnotationID  string  `parquet:"annotation_id,optional"`
	Annotator     string  `parquet:"annotator,dict,optional"`
	AnnotatorKind string  `parquet:"annotator_kind,dict,optional"`
}

type xRow struct {
	InputID       string  `parquet:"name=input_id, type=BYTE_ARRAY, convertedtype=UTF8, encoding=PLAIN_DICTIONARY"`
	ConceptID     string  `parquet:"name=concept_id, type=BYTE_ARRAY, convertedtype=UTF8, encoding=PLAIN_DICTIONARY"`
	ConceptName   *string `parquet:"name=concept_name, type=BYTE_ARRAY, convertedtype=UTF8, encoding=PLAIN_DICTIONARY, repetitiontype=OPTIONAL"`
	Value         float32 `parquet:"name=value, type=FLOAT"`
	ValueSource   string  `parquet:"name=value_source, type=BYTE_ARRAY, convertedtype=UTF8, encoding=PLAIN_DICTIONARY"`
	AnnotationID  *string `parquet:"name=annotation_id, type=BYTE_ARRAY, convertedtype=UTF8, repetitiontype=OPTIONAL"`
	Annotator     *string `parquet:"name=annotator, type=BYTE_ARRAY, convertedtype=UTF8, encoding=PLAIN_DICTIONARY, repetitiontype=OPTIONAL"`
	AnnotatorKind *string `parquet:"name=annotator_kind, type=BYTE_ARRAY, convertedtype=UTF8, encoding=PLAIN_DICTIONARY, repetitiontype=OPTIONAL"`
}

// rowsOf converts a record's rows; strings share the record's memory.
func rowsOf(rec arrow.Record, dst []longRow) []longRow {
	dst = dst[:0]
	s := func(c int) *array.String { return rec.Column(c).(*array.String) }
	in, ci, cn, v, vs, ai, an, ak := s(0), s(1), s(2), rec.Column(3).(*array.Float32), s(4), s(5), s(6), s(7)
	for i := 0; i < int(rec.NumRows()); i++ {
		dst = append(dst, longRow{in.Value(i), ci.Value(i), cn.Value(i), v.Value(i), vs.Value(i), ai.Value(i), an.Value(i), ak.Value(i)})
	}
	return dst
}

func BenchmarkParquetWriters(b *testing.B) {
	n := benchRows()
	recsNullable := longRecords(n, true)
	recsRequired := longRecords(n, false)
	defer func() {
		for _, r := range append(recsNullable, recsRequired...) {
			r.Release()
		}
	}()
	report := func(b *testing.B, w *countWriter) {
		b.ReportMetric(float64(w.n)/1e6/float64(b.N), "MB/file")
		b.ReportMetric(float64(n), "rows")
	}
	pq := func(recs []arrow.Record, rowGroup int) func(b *testing.B) {
		return func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				w := &countWriter{}
				cfg := defaultConfig()
				cfg.rowGroupRows = rowGroup
				tw, err := newParquetWriter(w, recs[0].Schema(), &cfg)
				if err != nil {
					b.Fatal(err)
				}
				for _, r := range recs {
					if err := tw.Write(r); err != nil {
						b.Fatal(err)
					}
				}
				if err := tw.Close(); err != nil {
					b.Fatal(err)
				}
				report(b, w)
			}
		}
	}
	b.Run("pqarrow/nullable", pq(recsNullable, DefaultRowGroupRows))
	b.Run("pqarrow/required", pq(recsRequired, DefaultRowGroupRows))
	b.Run("pqarrow/required-rg256k", pq(recsRequired, 256<<10))
	pg := func(pageBuf int) func(b *testing.B) {
		return func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				w := &countWriter{}
				pw := pgo.NewGenericWriter[longRow](w, pgo.Compression(&pgozstd.Codec{Level: pgozstd.SpeedFastest}),
					pgo.MaxRowsPerRowGroup(DefaultRowGroupRows), pgo.PageBufferSize(pageBuf))
				var rows []longRow
				for _, r := range recsNullable {
					rows = rowsOf(r, rows)
					if _, err := pw.Write(rows); err != nil {
						b.Fatal(err)
					}
				}
				if err := pw.Close(); err != nil {
					b.Fatal(err)
				}
				report(b, w)
			}
		}
	}
	b.Run("parquet-go/page256k", pg(256<<10))
	b.Run("parquet-go/page1m", pg(1<<20))
	xs := func(rowGroupBytes int64) func(b *testing.B) {
		return func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				w := &countWriter{}
				pw, err := xwriter.NewParquetWriterFromWriter(w, new(xRow), 2)
				if err != nil {
					b.Fatal(err)
				}
				pw.RowGroupSize = rowGroupBytes
				pw.PageSize = 1 << 20
				pw.CompressionType = xparquet.CompressionCodec_ZSTD
				var rows []longRow
				for _, r := range recsNullable {
					rows = rowsOf(r, rows)
					for k := range rows {
						r := &rows[k]
						if err := pw.Write(xRow{r.InputID, r.ConceptID, &r.ConceptName, r.Value, r.ValueSource, &r.AnnotationID, &r.Annotator, &r.AnnotatorKind}); err != nil {
							b.Fatal(err)
						}
					}
				}
				if err := pw.WriteStop(); err != nil {
					b.Fatal(err)
				}
				report(b, w)
			}
		}
	}
	b.Run("xitongsys/rg128MB", xs(128<<20))
	b.Run("xitongsys/rg32MB", xs(32<<20))
	_ = io.Discard
}
