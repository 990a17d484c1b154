package label

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestSpillLog writes records past a small budget, one of them longer
// than the read chunk, and reads back exactly those the filter accepts,
// in order, from the file and the buffer.
func TestSpillLog(t *testing.T) {
	type rec struct {
		fp   uint32
		id   string
		ents []uint32
	}
	rng := rand.New(rand.NewPCG(1, 2))
	var recs []rec
	for i := range 5000 {
		r := rec{fp: rng.Uint32(), id: fmt.Sprintf("input-%d", i)}
		n := rng.IntN(6)
		if i == 2500 {
			n = 400_000 // 3-byte varints: 1.2 MB, more than a chunk
		}
		for range n {
			r.ents = append(r.ents, 1<<14+rng.Uint32N(1<<20))
		}
		recs = append(recs, r)
	}
	l := spillLog{budget: 4096, dir: t.TempDir()}
	defer func() { assert.NoError(t, l.close()) }()
	for _, r := range recs {
		require.NoError(t, l.append(r.fp, []byte(r.id), r.ents))
	}
	require.NotNil(t, l.f)
	require.NotEmpty(t, l.buf, "some records still in memory")
	var got, want []rec
	for _, r := range recs {
		if r.fp%3 == 0 || r.id == "input-2500" {
			want = append(want, r)
		}
	}
	accept := func(fp uint32) bool { return fp%3 == 0 || fp == recs[2500].fp }
	require.NoError(t, l.each(accept, func(fp uint32, id []byte, ents []uint32) {
		got = append(got, rec{fp: fp, id: string(id), ents: append([]uint32(nil), ents...)})
	}))
	assert.Equal(t, want, got)
}
