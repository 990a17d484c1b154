package export

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"
	"github.com/apache/arrow/go/v15/arrow/memory"
	"github.com/apache/arrow/go/v15/parquet/file"
	"github.com/apache/arrow/go/v15/parquet/metadata"
	"github.com/apache/arrow/go/v15/parquet/pqarrow"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"curate.dev/dataset"
)

// flatBatches builds batches the way the loader does: each with its own
// dictionaries in order of first appearance. Values of "concept_id" are
// drawn from a set that widens batch by batch (new values mid row group);
// "concept_name" has nulls; "annotator" has more distinct values than a
// file-wide dictionary may hold; input_id and annotation_id are plain.
func flatBatches(mem memory.Allocator, rng *rand.Rand, sizes []int) (*arrow.Schema, []arrow.Record, [][]*string) {
	d32 := &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int32, ValueType: arrow.BinaryTypes.String}
	sch := arrow.NewSchema([]arrow.Field{
		{Name: dataset.ColInputID, Type: d32},
		{Name: dataset.ColConceptID, Type: d32},
		{Name: dataset.ColConceptName, Type: d32, Nullable: true},
		{Name: dataset.ColValue, Type: arrow.PrimitiveTypes.Float32},
		{Name: dataset.ColAnnotationID, Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: dataset.ColAnnotator, Type: d32, Nullable: true},
	}, nil)
	var recs []arrow.Record
	want := make([][]*string, 5) // string columns, row by row (nil: null)
	row := 0
	for b, n := range sizes {
		rb := array.NewRecordBuilder(mem, sch)
		for i := 0; i < n; i++ {
			str := func(col int, s *string) {
				want[map[int]int{0: 0, 1: 1, 2: 2, 4: 3, 5: 4}[col]] = append(want[map[int]int{0: 0, 1: 1, 2: 2, 4: 3, 5: 4}[col]], s)
				switch fb := rb.Field(col).(type) {
				case *array.BinaryDictionaryBuilder:
					if s == nil {
						fb.AppendNull()
					} else {
						_ = fb.AppendString(*s)
					}
				case *array.StringBuilder:
					if s == nil {
						fb.AppendNull()
					} else {
						fb.Append(*s)
					}
				}
			}
			p := func(s string) *string { return &s }
			str(0, p(fmt.Sprintf("in-%06d", row/3)))
			c := rng.IntN(5 + 3*b) // the set of concepts widens batch by batch
			str(1, p(fmt.Sprintf("c%03d", c)))
			if rng.IntN(4) == 0 {
				str(2, nil)
			} else {
				str(2, p(fmt.Sprintf("Concept %d", c)))
			}
			rb.Field(3).(*array.Float32Builder).Append(float32(rng.IntN(2)))
			if rng.IntN(10) == 0 {
				str(4, p(fmt.Sprintf("ann-%d", row)))
				str(5, p(fmt.Sprintf("user-%d", rng.IntN(6000))))
			} else {
				str(4, nil)
				str(5, nil)
			}
			row++
		}
		recs = append(recs, rb.NewRecord())
		rb.Release()
	}
	return sch, recs, want
}

func TestFlatParquetRoundTrip(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	rng := rand.New(rand.NewPCG(1, 2))
	sch, recs, want := flatBatches(mem, rng, []int{700, 900, 500, 1200, 20000, 300})
	defer func() {
		for _, r := range recs {
			r.Release()
		}
	}()
	rr, err := array.NewRecordReader(sch, recs)
	require.NoError(t, err)
	defer rr.Release()
	var buf bytes.Buffer
	n, err := WriteRecords(context.Background(), &buf, rr, WithAllocator(mem), WithRowGroupRows(1000))
	require.NoError(t, err)
	require.EqualValues(t, len(want[0]), n)

	pf, err := file.NewParquetReader(bytes.NewReader(buf.Bytes()))
	require.NoError(t, err)
	defer pf.Close()
	fr, err := pqarrow.NewFileReader(pf, pqarrow.ArrowReadProperties{BatchSize: 1 << 12}, mem)
	require.NoError(t, err)
	tbl, err := fr.ReadTable(context.Background())
	require.NoError(t, err)
	defer tbl.Release()
	for i, f := range denseSchema(sch).Fields() {
		got := tbl.Schema().Field(i)
		assert.Equal(t, f.Name, got.Name)
		assert.Equal(t, f.Nullable, got.Nullable, f.Name)
		assert.True(t, arrow.TypeEqual(f.Type, got.Type), "%s: %s", f.Name, got.Type)
	}

	for k, col := range []int{0, 1, 2, 4, 5} {
		var got []*string
		for _, ch := range tbl.Column(col).Data().Chunks() {
			s := ch.(*array.String)
			for i := 0; i < s.Len(); i++ {
				if s.IsNull(i) {
					got = append(got, nil)
				} else {
					v := s.Value(i)
					got = append(got, &v)
				}
			}
		}
		require.Len(t, got, len(want[k]), sch.Field(col).Name)
		for i := range got {
			if !assert.Equal(t, want[k][i], got[i], "%s row %d", sch.Field(col).Name, i) {
				break
			}
		}
	}

	// Row-group statistics: exact min, max and null count of the rows.
	start := 0
	for g := 0; g < pf.NumRowGroups(); g++ {
		rg := pf.MetaData().RowGroup(g)
		rows := int(rg.NumRows())
		for k, col := range []int{0, 1, 2, 4, 5} {
			cc, err := rg.ColumnChunk(col)
			require.NoError(t, err)
			st, err := cc.Statistics()
			require.NoError(t, err)
			var vals []string
			nulls := 0
			for _, v := range want[k][start : start+rows] {
				if v == nil {
					nulls++
				} else {
					vals = append(vals, *v)
				}
			}
			assert.EqualValues(t, nulls, st.NullCount(), "group %d %s nulls", g, sch.Field(col).Name)
			if len(vals) == 0 {
				continue
			}
			bs := st.(*metadata.ByteArrayStatistics)
			assert.Equal(t, slices.Min(vals), string(bs.Min()), "group %d %s min", g, sch.Field(col).Name)
			assert.Equal(t, slices.Max(vals), string(bs.Max()), "group %d %s max", g, sch.Field(col).Name)
		}
		start += rows
	}
	assert.Equal(t, len(want[0]), start)
}
