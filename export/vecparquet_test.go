package export

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"
	"github.com/apache/arrow/go/v15/arrow/memory"
	"github.com/apache/arrow/go/v15/parquet"
	"github.com/apache/arrow/go/v15/parquet/file"
	"github.com/apache/arrow/go/v15/parquet/pqarrow"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// vecRows makes n rows of width label values in one of several shapes:
// mostly unknown with a few labels (RLE runs and literals), all unknown
// (runs only), alternating (literals only), or uniform at random.
func vecRows(rng *rand.Rand, n, width, shape int) [][]int8 {
	rows := make([][]int8, n)
	for r := range rows {
		v := make([]int8, width)
		for k := range v {
			switch shape {
			case 0:
				v[k] = -1
				if rng.IntN(10) == 0 {
					v[k] = int8(rng.IntN(2))
				}
			case 1:
				v[k] = -1
			case 2:
				v[k] = int8((r*width+k)%3) - 1
			default:
				v[k] = int8(rng.IntN(3)) - 1
			}
		}
		rows[r] = v
	}
	return rows
}

// TestLabelVectorsRoundTrip writes training-layout files whose label
// vectors go through vecWriter and reads them back with v15's reader:
// every value, the row groups, the chunk statistics and sizes.
func TestLabelVectorsRoundTrip(t *testing.T) {
	for _, width := range []int{1, 3, 8, 9, 20, 75, 300} {
		for _, comp := range []Compression{Zstd, Snappy, Uncompressed} {
			for _, mask := range []bool{false, true} {
				t.Run(fmt.Sprintf("width%d/%v/mask=%v", width, comp, mask), func(t *testing.T) {
					mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
					defer mem.AssertSize(t, 0)
					concepts := make([]string, width)
					for k := range concepts {
						concepts[k] = conceptName(k)
					}
					sch := TrainingSchema(concepts, true, mask)
					if width == 300 && comp != Zstd {
						t.Skip("300 concepts: index width 9, once is enough")
					}
					cfg := defaultConfig()
					cfg.mem = mem
					cfg.compression = comp
					cfg.rowGroupRows = 700
					var buf bytes.Buffer
					tw, err := newTableWriter(&buf, sch, &cfg)
					require.NoError(t, err)
					fw, ok := tw.(*flatWriter)
					require.True(t, ok, "the training layout goes through the flat writer")
					require.NotNil(t, fw.tmpl, "its label vectors are spliced in")

					rng := rand.New(rand.NewPCG(uint64(width), 7))
					var want [][]int8
					for b := 0; b < 6; b++ {
						rows := vecRows(rng, 300+rng.IntN(400), width, b%4)
						rec := vecRecord(t, mem, sch, len(want), rows)
						// Two slices, so that offsets are not zero.
						half := rec.NumRows() / 3
						for _, part := range []arrow.Record{rec.NewSlice(0, half), rec.NewSlice(half, rec.NumRows())} {
							require.NoError(t, tw.Write(part))
							part.Release()
						}
						rec.Release()
						want = append(want, rows...)
					}
					require.NoError(t, tw.Close())
					rdr, err := file.NewParquetReader(bytes.NewReader(buf.Bytes()))
					require.NoError(t, err)
					require.Greater(t, rdr.NumRowGroups(), 3)
					rdr.Close()
					checkVectors(t, mem, buf.Bytes(), sch, want, mask)
				})
			}
		}
	}
}

func conceptName(k int) string { return fmt.Sprintf("c%03d", k) }

// inList reports whether label value x puts its concept in column name
// (positives, negatives).
func inList(name string, x int8) bool {
	return name == ColPositives && x == 1 || name == ColNegatives && x == 0
}

// vecRecord builds rows as a record of the training schema sch, ids
// from first on.
func vecRecord(t *testing.T, mem memory.Allocator, sch *arrow.Schema, first int, rows [][]int8) arrow.Record {
	t.Helper()
	b := array.NewRecordBuilder(mem, sch)
	defer b.Release()
	for r, v := range rows {
		for i, f := range sch.Fields() {
			fb := b.Field(i)
			switch f.Name {
			case "input_id":
				fb.(*array.StringBuilder).Append(fmt.Sprintf("in%06d", first+r))
			case ColSplit:
				fb.(*array.StringBuilder).Append([]string{"train", "val"}[r%2])
			case ColPositives, ColNegatives:
				lb := fb.(*array.ListBuilder)
				lb.Append(true)
				for k, x := range v {
					if f.Name == ColPositives && x == 1 || f.Name == ColNegatives && x == 0 {
						lb.ValueBuilder().(*array.StringBuilder).Append(conceptName(k))
					}
				}
			case ColLabels:
				lb := fb.(*array.ListBuilder)
				lb.Append(true)
				for _, x := range v {
					lb.ValueBuilder().(*array.Int8Builder).Append(x)
				}
			case ColTargets, ColMask:
				lb := fb.(*array.ListBuilder)
				lb.Append(true)
				for _, x := range v {
					y := float32(0)
					if f.Name == ColTargets && x == 1 || f.Name == ColMask && x >= 0 {
						y = 1
					}
					lb.ValueBuilder().(*array.Float32Builder).Append(y)
				}
			default:
				fb.AppendEmptyValue()
			}
		}
	}
	return b.NewRecord()
}

// checkVectors reads a file back and compares its label vectors with
// want, and the vector chunks' metadata with what they hold.
func checkVectors(t *testing.T, mem memory.Allocator, data []byte, sch *arrow.Schema, want [][]int8, mask bool) {
	t.Helper()
	rdr, err := file.NewParquetReader(bytes.NewReader(data))
	require.NoError(t, err)
	defer rdr.Close()
	md := rdr.MetaData()
	require.Equal(t, len(want), int(md.NumRows))
	require.Equal(t, len(sch.Fields()), md.Schema.NumColumns())
	width := len(want[0])
	vecCols := map[string]bool{ColLabels: !mask, ColTargets: mask, ColMask: mask}
	row := 0
	for g := 0; g < len(md.RowGroups); g++ {
		rg := md.RowGroup(g)
		n := int(rg.NumRows())
		for c := 0; c < rg.NumColumns(); c++ {
			cc, err := rg.ColumnChunk(c)
			require.NoError(t, err)
			name := md.Schema.Column(c).Path()
			top := md.Schema.Column(c).ColumnPath()[0]
			if top == ColPositives || top == ColNegatives {
				// One level per concept listed, or per empty list
				// (counted as a null, as v15 counts it).
				var levels, empty int
				lo, hi := "", ""
				for _, v := range want[row : row+n] {
					k := 0
					for i, x := range v {
						if inList(top, x) {
							k++
							if c := conceptName(i); lo == "" || c < lo {
								lo = c
							}
							if c := conceptName(i); c > hi {
								hi = c
							}
						}
					}
					levels += max(k, 1)
					if k == 0 {
						empty++
					}
				}
				assert.Equal(t, int64(levels), cc.NumValues(), "%s in row group %d", name, g)
				assert.True(t, cc.HasDictionaryPage())
				st, err := cc.Statistics()
				require.NoError(t, err)
				require.NotNil(t, st, "%s has statistics", name)
				assert.EqualValues(t, empty, st.NullCount(), "%s nulls in row group %d", name, g)
				if lo != "" {
					assert.Equal(t, lo, string(st.EncodeMin()), "%s min in row group %d", name, g)
					assert.Equal(t, hi, string(st.EncodeMax()), "%s max", name)
				}
				continue
			}
			if !vecCols[top] {
				continue
			}
			assert.Equal(t, int64(n*width), cc.NumValues(), "%s in row group %d", name, g)
			assert.True(t, cc.HasDictionaryPage())
			assert.Less(t, cc.DictionaryPageOffset(), cc.DataPageOffset())
			st, err := cc.Statistics()
			require.NoError(t, err)
			require.NotNil(t, st, "%s has statistics", name)
			assert.EqualValues(t, 0, st.NullCount())
			lo, hi := 1.0, -1.0
			for _, v := range want[row : row+n] {
				for _, x := range v {
					y := float64(x)
					switch top {
					case ColTargets:
						y = b2f(x == 1)
					case ColMask:
						y = b2f(x >= 0)
					}
					lo, hi = math.Min(lo, y), math.Max(hi, y)
				}
			}
			minB, maxB := st.EncodeMin(), st.EncodeMax()
			if top == ColLabels {
				assert.Equal(t, int32(lo), int32(binary.LittleEndian.Uint32(minB)), "%s min in row group %d", name, g)
				assert.Equal(t, int32(hi), int32(binary.LittleEndian.Uint32(maxB)), "%s max", name)
			} else {
				assert.Equal(t, float32(lo), math.Float32frombits(binary.LittleEndian.Uint32(minB)), "%s min in row group %d", name, g)
				assert.Equal(t, float32(hi), math.Float32frombits(binary.LittleEndian.Uint32(maxB)), "%s max", name)
			}
		}
		row += n
	}

	fr, err := pqarrow.NewFileReader(rdr, pqarrow.ArrowReadProperties{}, mem)
	require.NoError(t, err)
	tbl, err := fr.ReadTable(context.Background())
	require.NoError(t, err)
	defer tbl.Release()
	require.Equal(t, int64(len(want)), tbl.NumRows())
	for c := 0; c < int(tbl.NumCols()); c++ {
		name := tbl.Schema().Field(c).Name
		r := 0
		for _, ch := range tbl.Column(c).Data().Chunks() {
			switch name {
			case "input_id":
				s := ch.(*array.String)
				for i := 0; i < s.Len(); i++ {
					require.Equal(t, fmt.Sprintf("in%06d", r), s.Value(i))
					r++
				}
			case ColPositives, ColNegatives:
				l := ch.(*array.List)
				vals := l.ListValues().(*array.String)
				for i := 0; i < l.Len(); i++ {
					a, b := l.ValueOffsets(i)
					var got, exp []string
					for k := a; k < b; k++ {
						got = append(got, vals.Value(int(k)))
					}
					for k, x := range want[r] {
						if inList(name, x) {
							exp = append(exp, conceptName(k))
						}
					}
					require.Equal(t, exp, got, "%s row %d", name, r)
					r++
				}
			case ColLabels, ColTargets, ColMask:
				l := ch.(*array.List)
				for i := 0; i < l.Len(); i++ {
					a, b := l.ValueOffsets(i)
					require.EqualValues(t, width, b-a, "row %d", r)
					for k := 0; k < width; k++ {
						x := want[r][k]
						switch v := l.ListValues().(type) {
						case *array.Int8:
							require.Equal(t, x, v.Value(int(a)+k), "%s row %d value %d", name, r, k)
						case *array.Float32:
							y := b2f(x == 1)
							if name == ColMask {
								y = b2f(x >= 0)
							}
							require.Equal(t, float32(y), v.Value(int(a)+k), "%s row %d value %d", name, r, k)
						default:
							t.Fatalf("%s is %s", name, l.ListValues().DataType())
						}
					}
					r++
				}
			}
		}
	}
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// TestLabelVectorWrongWidth: a row whose vector is not as wide as the
// concept list is an error, not a file.
func TestLabelVectorWrongWidth(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	sch := TrainingSchema([]string{conceptName(0), conceptName(1), conceptName(2)}, false, false)
	cfg := defaultConfig()
	cfg.mem = mem
	var buf bytes.Buffer
	tw, err := newTableWriter(&buf, sch, &cfg)
	require.NoError(t, err)
	rec := vecRecord(t, mem, sch, 0, [][]int8{{1, 0, -1}, {1, 0}})
	defer rec.Release()
	err = tw.Write(rec)
	if err == nil {
		err = tw.Close()
	} else {
		tw.abort()
	}
	require.Error(t, err)
	assert.Contains(t, err.Error(), "row 1: label vector of 2 values, want 3")
}

// TestHybridRuns checks the RLE/bit-packed hybrid on the shapes that
// decide between its two kinds of run, against the bytes the format
// defines for them.
func TestHybridRuns(t *testing.T) {
	rep := func(v uint8, n int) []uint8 {
		s := make([]uint8, n)
		for i := range s {
			s[i] = v
		}
		return s
	}
	cat := func(ss ...[]uint8) []uint8 {
		var out []uint8
		for _, s := range ss {
			out = append(out, s...)
		}
		return out
	}
	cycle := make([]uint8, 512) // 64 groups, none of equal values
	for i := range cycle {
		cycle[i] = uint8(i % 3)
	}
	long := appendHybrid(nil, cycle, 2)
	assert.Len(t, long, 1+63*2+1+2, "64 literal groups: two runs, of 63 and 1")
	assert.Equal(t, byte(63<<1|1), long[0])
	assert.Equal(t, byte(1<<1|1), long[1+63*2])
	for _, tc := range []struct {
		name string
		in   []uint8
		w    int
		want []byte
	}{
		{"one run, the tail in it", rep(2, 100), 2, []byte{200, 1, 2}},
		{"short: one padded group", []uint8{1, 2, 0}, 2, []byte{3, 0b00_10_01, 0}},
		{"run, literal group, run", cat(rep(1, 8), []uint8{1, 2, 0, 1, 1, 1, 1, 1}, rep(0, 16)), 2,
			[]byte{16, 1, 3, 0b01_00_10_01, 0b01_01_01_01, 32, 0}},
		{"a tail unlike the run is a padded group", cat(rep(0, 8), []uint8{1, 0, 1}), 1, []byte{16, 0, 3, 0b101}},
		{"width 1, a literal group", []uint8{1, 1, 0, 1, 0, 0, 0, 1}, 1, []byte{3, 0b1000_1011}},
		// The example of Parquet's Encodings.md: 0 to 7 bit-packed in 3 bits.
		{"width 3", []uint8{0, 1, 2, 3, 4, 5, 6, 7}, 3, []byte{3, 0b10001000, 0b11000110, 0b11111010}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, appendHybrid(nil, tc.in, tc.w))
		})
	}
}

// TestInt8Indices: label values map to their dictionary indices 8 at a
// time and one at a time alike, and a value outside -1, 0, 1 is an
// error wherever it sits.
func TestInt8Indices(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, n := range []int{0, 1, 7, 8, 9, 64, 101} {
		raw := make([]int8, n)
		for i := range raw {
			raw[i] = int8(rng.IntN(3)) - 1
		}
		f := &vecWriter{}
		idx := make([]uint8, n)
		require.NoError(t, f.int8Indices(idx, raw))
		var used [3]bool
		for i, x := range raw {
			require.Equal(t, uint8(x+1), idx[i], "n=%d value %d", n, i)
			used[x+1] = true
		}
		assert.Equal(t, used, f.used, "n=%d", n)
		for _, bad := range []int8{2, 3, 127, -2, -128} {
			for _, at := range []int{0, n / 2, n - 1} {
				if n == 0 {
					continue
				}
				b := slices.Clone(raw)
				b[at] = bad
				err := (&vecWriter{}).int8Indices(make([]uint8, n), b)
				require.Error(t, err, "n=%d: %d at %d", n, bad, at)
				assert.Contains(t, err.Error(), fmt.Sprintf("label value %d is not", bad))
			}
		}
	}
}

// TestLabelVectorsEncodings: the spliced chunks say what their pages
// are, as v15's own chunks do.
func TestLabelVectorsEncodings(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	sch := TrainingSchema([]string{conceptName(0), conceptName(1)}, false, false)
	cfg := defaultConfig()
	cfg.mem = mem
	var buf bytes.Buffer
	tw, err := newTableWriter(&buf, sch, &cfg)
	require.NoError(t, err)
	rec := vecRecord(t, mem, sch, 0, [][]int8{{1, -1}, {0, 1}})
	require.NoError(t, tw.Write(rec))
	rec.Release()
	require.NoError(t, tw.Close())
	rdr, err := file.NewParquetReader(bytes.NewReader(buf.Bytes()))
	require.NoError(t, err)
	defer rdr.Close()
	for col, levels := range map[string]int64{"labels": 4, "positives": 2, "negatives": 2} {
		idx := rdr.MetaData().Schema.ColumnIndexByName(col + ".list.element")
		require.GreaterOrEqual(t, idx, 0, col)
		cc, err := rdr.MetaData().RowGroup(0).ColumnChunk(idx)
		require.NoError(t, err)
		assert.ElementsMatch(t, []parquet.Encoding{parquet.Encodings.Plain, parquet.Encodings.RLE, parquet.Encodings.RLEDict}, cc.Encodings(), col)
		assert.Equal(t, levels, cc.NumValues(), col)
	}
}

// FuzzLabelVectors writes training files whose vectors and concept lists
// come from the fuzzer's bytes (a width, a row-group size, then one label
// value per byte) and reads them back with v15's reader.
func FuzzLabelVectors(f *testing.F) {
	f.Add(byte(3), byte(2), false, []byte{0, 1, 2, 2, 2, 1, 0, 0, 0})
	f.Add(byte(75), byte(0), true, bytes.Repeat([]byte{0, 0, 0, 0, 0, 0, 0, 0, 0, 2}, 60))
	f.Add(byte(9), byte(1), false, bytes.Repeat([]byte{1}, 100))
	f.Fuzz(func(t *testing.T, w, rg byte, mask bool, vals []byte) {
		width := 1 + int(w)%80
		rows := len(vals) / width
		if rows == 0 {
			return
		}
		want := make([][]int8, rows)
		for r := range want {
			want[r] = make([]int8, width)
			for k := range want[r] {
				want[r][k] = int8(vals[r*width+k]%3) - 1
			}
		}
		mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
		defer mem.AssertSize(t, 0)
		concepts := make([]string, width)
		for k := range concepts {
			concepts[k] = conceptName(k)
		}
		sch := TrainingSchema(concepts, false, mask)
		cfg := defaultConfig()
		cfg.mem = mem
		cfg.rowGroupRows = 1 + int(rg)%7
		var buf bytes.Buffer
		tw, err := newTableWriter(&buf, sch, &cfg)
		require.NoError(t, err)
		rec := vecRecord(t, mem, sch, 0, want)
		err = tw.Write(rec)
		rec.Release()
		require.NoError(t, err)
		require.NoError(t, tw.Close())
		checkVectors(t, mem, buf.Bytes(), sch, want, mask)
	})
}

// BenchmarkAppendHybrid encodes the dictionary indices of 10k rows of a
// 75-concept label vector, mostly unknown, as the training export does.
func BenchmarkAppendHybrid(b *testing.B) {
	rng := rand.New(rand.NewPCG(5, 6))
	var idx []uint8
	for _, v := range vecRows(rng, 10000, 75, 0) {
		for _, x := range v {
			idx = append(idx, uint8(x+1))
		}
	}
	b.SetBytes(int64(len(idx)))
	var dst []byte
	for b.Loop() {
		dst = appendHybrid(dst[:0], idx, 2)
	}
}
