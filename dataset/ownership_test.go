package dataset

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// ownershipInputs makes about 1.2M annotation rows: far past one record
// batch, so that a value aliasing a recycled buffer would be overwritten
// by later batches.
const ownershipInputs = 150_000

// TestAppendAnnotationsOwnsStrings keeps every annotation of a large file
// across all batches, on the default allocator (with and without buffer
// reuse), and checks each against an independent decoding of the file.
func TestAppendAnnotationsOwnsStrings(t *testing.T) {
	if testing.Short() {
		t.Skip("large file")
	}
	var src bytes.Buffer
	require.NoError(t, writeSynthJSONL(&src, ownershipInputs, 11))
	want := decodeIndependently(t, src.Bytes())
	require.Greater(t, len(want), 1_000_000)

	for _, tc := range []struct {
		name string
		opts []Option
	}{
		{"default", nil},
		{"annotations only", []Option{WithInputs(false)}},
		{"annotations only, reuse", []Option{WithInputs(false), WithReuseBuffers(true)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := NewReader(context.Background(), bytes.NewReader(src.Bytes()), tc.opts...)
			require.NoError(t, err)
			defer r.Release()
			var got []Annotation
			batches := 0
			for r.Next() {
				got, err = AppendAnnotations(got, r.Annotations())
				require.NoError(t, err)
				batches++
			}
			require.NoError(t, r.Err())
			require.Greater(t, batches, 10)
			require.Len(t, got, len(want))
			bad := 0
			for i := range want {
				if got[i].InputID != want[i].InputID || got[i].ConceptID != want[i].ConceptID ||
					got[i].ConceptName != want[i].ConceptName || got[i].Value != want[i].Value {
					if bad < 3 {
						t.Errorf("row %d: got %+v, want %+v", i, got[i], want[i])
					}
					bad++
				}
			}
			assert.Zero(t, bad, "rows changed after their batch was released")
		})
	}
}

// decodeIndependently reads the JSONL with encoding/json, applying the
// HTTP rule (an omitted value is a positive).
func decodeIndependently(t *testing.T, b []byte) []Annotation {
	var out []Annotation
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var line struct {
			ID   string `json:"id"`
			Data struct {
				Concepts []struct {
					ID    string   `json:"id"`
					Name  string   `json:"name"`
					Value *float32 `json:"value"`
				} `json:"concepts"`
			} `json:"data"`
		}
		require.NoError(t, json.Unmarshal(sc.Bytes(), &line))
		for _, c := range line.Data.Concepts {
			v := float32(1)
			if c.Value != nil {
				v = *c.Value
			}
			out = append(out, Annotation{InputID: line.ID, ConceptID: c.ID, ConceptName: c.Name, Value: v})
		}
	}
	require.NoError(t, sc.Err())
	return out
}
