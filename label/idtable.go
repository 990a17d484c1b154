package label

import "hash/maphash"

// idTable maps input ids to dense indices 0, 1, 2, ... in order of first
// sight. It is an open-addressing hash table with linear probing, built
// for the Counter's one pattern (look up, add when missing, never delete):
//
//   - the keys are copied one after another into one byte slice, so the
//     table holds no pointers for the garbage collector to scan and adds
//     no allocation per key;
//   - each slot packs a 32-bit hash with the key's index, so a probe
//     compares key bytes only when the hashes agree, and growing moves
//     slots without touching a key or hashing again.
type idTable struct {
	slots []uint64 // hash<<32 | index+1; 0: empty
	data  []byte   // the keys, one after another
	offs  []int    // key i is data[offs[i]:offs[i+1]]
}

var idSeed = maphash.MakeSeed()

// Len returns the number of keys.
func (t *idTable) Len() int { return max(len(t.offs)-1, 0) }

func (t *idTable) key(i uint32) string {
	return string(t.data[t.offs[i]:t.offs[i+1]])
}

// equal reports whether key i is id, without copying the key (a
// conversion compared at once does not copy; one returned does).
func (t *idTable) equal(i uint32, id string) bool {
	return string(t.data[t.offs[i]:t.offs[i+1]]) == id
}

// hashID returns id's hash for getHashed and touch.
func hashID(id string) uint32 {
	h := maphash.String(idSeed, id)
	return uint32(h ^ h>>32)
}

// reserve makes room for extra more keys without growing.
func (t *idTable) reserve(extra int) {
	for 8*(t.Len()+extra) > 5*len(t.slots) { // load factor at most 5/8
		t.grow()
	}
}

// touch reads the slot where a key of hash h starts probing, bringing it
// into the cache ahead of the lookup.
func (t *idTable) touch(h uint32) uint64 {
	return t.slots[h&uint32(len(t.slots)-1)]
}

// candidate returns the index of the key in the slot where a key of hash
// h starts probing when that key's hash is h, else -1.
func (t *idTable) candidate(h uint32) int32 {
	if s := t.touch(h); s != 0 && uint32(s>>32) == h {
		return int32(uint32(s) - 1)
	}
	return -1
}

// touchKey reads the first byte of key e (if any) into the cache.
func (t *idTable) touchKey(e int32) uint64 {
	if o := t.offs[e]; o < len(t.data) {
		return uint64(t.data[o])
	}
	return 0
}

// get returns the index of id, adding it when new; added says which.
func (t *idTable) get(id string) (idx int32, added bool) {
	t.reserve(1)
	return t.getHashed(id, hashID(id))
}

// getHashed is get for id of hash h, with room reserved for one more key.
func (t *idTable) getHashed(id string, h uint32) (idx int32, added bool) {
	n := t.Len()
	mask := uint32(len(t.slots) - 1)
	for i := h & mask; ; i = (i + 1) & mask {
		s := t.slots[i]
		if s == 0 {
			t.slots[i] = uint64(h)<<32 | uint64(n+1)
			t.data = append(t.data, id...)
			t.offs = append(t.offs, len(t.data))
			return int32(n), true
		}
		if uint32(s>>32) == h {
			if e := uint32(s) - 1; t.equal(e, id) {
				return int32(e), false
			}
		}
	}
}

// grow doubles the table, placing each slot by its stored hash.
func (t *idTable) grow() {
	if t.offs == nil {
		t.offs = []int{0}
	}
	old := t.slots
	t.slots = make([]uint64, max(1024, 2*len(old)))
	mask := uint32(len(t.slots) - 1)
	for _, s := range old {
		if s == 0 {
			continue
		}
		i := uint32(s>>32) & mask
		for t.slots[i] != 0 {
			i = (i + 1) & mask
		}
		t.slots[i] = s
	}
}

// lookup returns the index of id, or -1 when it is not in the table.
func (t *idTable) lookup(id string) int32 {
	if len(t.slots) == 0 {
		return -1
	}
	h := hashID(id)
	mask := uint32(len(t.slots) - 1)
	for i := h & mask; ; i = (i + 1) & mask {
		s := t.slots[i]
		if s == 0 {
			return -1
		}
		if uint32(s>>32) == h {
			if e := uint32(s) - 1; t.equal(e, id) {
				return int32(e)
			}
		}
	}
}

// id returns a copy of key i, the caller's to keep.
func (t *idTable) id(i int) string { return string(t.data[t.offs[i]:t.offs[i+1]]) }
