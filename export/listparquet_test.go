package export

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"
	"github.com/apache/arrow/go/v15/arrow/memory"
	"github.com/apache/arrow/go/v15/parquet/file"
	"github.com/apache/arrow/go/v15/parquet/pqarrow"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestListColumnsRoundTrip writes list columns through the flat writer in
// sliced batches (some with every list empty, some using only part of a
// dictionary, one with a string outside the seeded concept list) across
// several row groups, and reads them back with pqarrow.
func TestListColumnsRoundTrip(t *testing.T) {
	{
		{
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			concepts := []string{"cat", "dog", "fox"}
			md := conceptMetadata(concepts, encodingLabels)
			sch := arrow.NewSchema([]arrow.Field{
				{Name: "id", Type: arrow.BinaryTypes.String},
				{Name: "pos", Type: arrow.ListOfNonNullable(arrow.BinaryTypes.String)},
				{Name: "l8", Type: arrow.ListOfNonNullable(arrow.PrimitiveTypes.Int8)},
				{Name: "f32", Type: arrow.ListOfNonNullable(arrow.PrimitiveTypes.Float32)},
			}, &md)
			require.True(t, flatSchema(sch))
			rng := rand.New(rand.NewPCG(1, 2))
			var want []map[string]any
			var batches []string
			for b := 0; b < 12; b++ {
				var rows []map[string]any
				for r := 0; r < 200+rng.IntN(300); r++ {
					row := map[string]any{"id": fmt.Sprintf("in%d", len(want))}
					pos, labels, mask := []string{}, []int8{}, []float32{}
					switch {
					case b == 3: // every list empty
					case b == 5: // only 0s and one concept
						pos = append(pos, "dog")
						labels = append(labels, 0, 0)
						mask = append(mask, 0)
					default:
						for _, c := range concepts {
							if rng.IntN(2) == 0 {
								pos = append(pos, c)
							}
						}
						if b == 8 && r == 7 {
							pos = append(pos, "wolf") // not in the seeded list
						}
						for k := 0; k < 3; k++ {
							labels = append(labels, int8(rng.IntN(3)-1))
							mask = append(mask, float32(rng.IntN(2)))
						}
					}
					row["pos"], row["l8"], row["f32"] = pos, labels, mask
					rows = append(rows, row)
				}
				js, _ := json.Marshal(rows)
				batches = append(batches, string(js))
				want = append(want, rows...)
			}
			cfg := defaultConfig()
			cfg.mem = mem
			cfg.rowGroupRows = 700
			var buf bytes.Buffer
			tw, err := newTableWriter(&buf, sch, &cfg)
			require.NoError(t, err)
			for _, js := range batches {
				rec, _, err := array.RecordFromJSON(mem, sch, bytes.NewReader([]byte(js)))
				require.NoError(t, err)
				// Write it as two slices, so offsets are not zero.
				half := rec.NumRows() / 2
				for _, part := range []arrow.Record{rec.NewSlice(0, half), rec.NewSlice(half, rec.NumRows())} {
					require.NoError(t, tw.Write(part))
					part.Release()
				}
				rec.Release()
			}
			require.NoError(t, tw.Close())

			rdr, err := file.NewParquetReader(bytes.NewReader(buf.Bytes()))
			require.NoError(t, err)
			assert.Greater(t, rdr.NumRowGroups(), 3)
			fr, err := pqarrow.NewFileReader(rdr, pqarrow.ArrowReadProperties{}, mem)
			require.NoError(t, err)
			tbl, err := fr.ReadTable(context.Background())
			require.NoError(t, err)
			defer tbl.Release()
			require.Equal(t, int64(len(want)), tbl.NumRows())
			got := make([]map[string]any, len(want))
			for i := range got {
				got[i] = map[string]any{}
			}
			for c := 0; c < int(tbl.NumCols()); c++ {
				r := 0
				for _, ch := range tbl.Column(c).Data().Chunks() {
					for i := 0; i < ch.Len(); i++ {
						var v any
						require.NoError(t, json.Unmarshal([]byte(mustJSON(t, ch.GetOneForMarshal(i))), &v))
						got[r][tbl.Schema().Field(c).Name] = v
						r++
					}
				}
			}
			for i := range want {
				wantJS, gotJS := mustJSON(t, want[i]), mustJSON(t, got[i])
				require.JSONEq(t, wantJS, gotJS, "row %d", i)
			}
		}
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return string(b)
}
