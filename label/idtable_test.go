package label

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestIDTable checks the table against a Go map assigning indices in
// order of first sight, through many growths, with repeated keys, the
// empty key and keys that are prefixes of one another.
func TestIDTable(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	keys := []string{"", "a", "ab", "abc"}
	for i := range 20_000 {
		keys = append(keys, fmt.Sprintf("in-%d", i))
	}
	want := map[string]int32{}
	var tab idTable
	for range 3 * len(keys) {
		k := keys[rng.IntN(len(keys))]
		w, seen := want[k]
		if !seen {
			w = int32(len(want))
			want[k] = w
		}
		var got int32
		var added bool
		if rng.IntN(2) == 0 {
			got, added = tab.get(k)
		} else {
			tab.reserve(1)
			got, added = tab.getHashed(k, hashID(k))
		}
		require.Equal(t, w, got, "key %q", k)
		assert.Equal(t, !seen, added, "key %q", k)
	}
	assert.Equal(t, len(want), tab.Len())
	for k, w := range want {
		assert.Equal(t, k, tab.key(uint32(w)))
	}
}
