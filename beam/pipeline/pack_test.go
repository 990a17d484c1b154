package pipeline

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"curate.dev/label"
)

// TestPackedRoundTrip packs values with and without fields and split and
// reads them back; every value cut short is an error, never a panic.
func TestPackedRoundTrip(t *testing.T) {
	row := []label.IDEntry{{Concept: "dog", Flags: label.Positive}, {Concept: "", Flags: label.Negative}, {Concept: "ü-ñ", Flags: label.Positive | label.Negative}}
	for _, p := range []Packed{
		{Row: row},
		{Row: row, HasFields: true, Fields: Fields{Rank: 1<<32 + 5, URL: "https://x/y.jpg", Metadata: `{"a":1}`}},
		{Row: nil, HasFields: true, HasSplit: true, Split: 2},
		{Row: row, HasSplit: true, Split: 1},
	} {
		b := p.Append(nil)
		var got Packed
		require.NoError(t, got.Unpack(b))
		if len(p.Row) == 0 {
			p.Row, got.Row = nil, nil
		}
		assert.Equal(t, p, got)
		for n := range len(b) {
			var cut Packed
			if err := cut.Unpack(b[:n]); err == nil {
				// A prefix that ends between entries is a shorter row, never
				// a longer or a wrong one.
				require.LessOrEqual(t, len(cut.Row), len(p.Row))
				for k, e := range cut.Row {
					assert.Equal(t, p.Row[k], e)
				}
			}
		}
	}
}

// TestMergePartsFields: an input's fields are taken per field from the
// earliest chunk that gives them, whatever order the parts arrive in, as
// curate export takes them from the earliest line.
func TestMergePartsFields(t *testing.T) {
	parts := []Packed{
		{HasFields: true, Fields: Fields{Rank: 3, URL: "https://x/late.jpg", Metadata: `{"k":3}`}},
		{HasFields: true, Fields: Fields{Rank: 1}},
		{HasFields: true, Fields: Fields{Rank: 2, URL: "https://x/mid.jpg", Text: "t"}},
	}
	var enc [][]byte
	for _, p := range parts {
		enc = append(enc, p.Append(nil))
	}
	i := 0
	out, err := mergeParts("a", func(b *[]byte) bool {
		if i == len(enc) {
			return false
		}
		*b = enc[i]
		i++
		return true
	})
	require.NoError(t, err)
	assert.True(t, out.HasFields)
	assert.Equal(t, Fields{Rank: 1, URL: "https://x/mid.jpg", Text: "t", Metadata: `{"k":3}`}, out.Fields)
}
