package export

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
)

// Fraction is one requested split: its name and the share of inputs it
// should receive.
type Fraction struct {
	Name  string
	Share float64
}

// ErrSplitSpec: a --split specification is malformed.
var ErrSplitSpec = errors.New("export: bad split specification")

// ParseSplit reads "train=0.8,val=0.1,test=0.1". Shares must be positive
// and add up to 1 (within 1e-6). A name is 1 to 64 lowercase ASCII
// letters, digits and underscores starting with a letter (see
// [ValidSplitName]), so it is the same string in file names on every file
// system, in the split column and in a query, and names cannot collide.
func ParseSplit(spec string) ([]Fraction, error) {
	var out []Fraction
	sum := 0.0
	seen := map[string]bool{}
	for _, part := range strings.Split(spec, ",") {
		name, val, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok || name == "" {
			return nil, fmt.Errorf("%w: %q: want NAME=SHARE", ErrSplitSpec, part)
		}
		if !ValidSplitName(name) {
			return nil, fmt.Errorf("%w: split name %q: use 1 to 64 lowercase letters, digits and _, starting with a letter", ErrSplitSpec, name)
		}
		if seen[name] {
			return nil, fmt.Errorf("%w: split name %q is repeated", ErrSplitSpec, name)
		}
		f, err := strconv.ParseFloat(val, 64)
		if err != nil || f <= 0 || f > 1 || math.IsNaN(f) {
			return nil, fmt.Errorf("%w: %s: share %q: want a number in (0, 1]", ErrSplitSpec, name, val)
		}
		seen[name] = true
		sum += f
		out = append(out, Fraction{name, f})
	}
	if math.Abs(sum-1) > 1e-6 {
		return nil, fmt.Errorf("%w: shares add up to %g, want 1", ErrSplitSpec, sum)
	}
	if len(out) > 127 {
		return nil, fmt.Errorf("%w: at most 127 splits", ErrSplitSpec)
	}
	return out, nil
}

// ValidSplitName reports whether name can name a split: [a-z][a-z0-9_]*,
// at most 64 bytes.
func ValidSplitName(name string) bool {
	if len(name) == 0 || len(name) > 64 || name[0] < 'a' || name[0] > 'z' {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

// units groups inputs into the units a split moves together: groups when
// Labels has them, single inputs otherwise. For each unit it lists the
// positive concepts with the number of its inputs carrying each. Single
// inputs are read from the label matrix itself (of, size, lab and cnt
// nil), so a split of n inputs adds no per-input copy of their labels.
type units struct {
	n      int
	l      *Labels // single inputs: their labels
	size   []int32 // inputs per unit
	of     []int32 // unit of each input
	off    []int64 // unit u's labels are lab/cnt[off[u]:off[u+1]]
	lab    []int32
	cnt    []int32
	posTot []int64 // positives per concept over all inputs
}

// sizeOf returns the inputs of unit p.
func (u *units) sizeOf(p int32) int32 {
	if u.size == nil {
		return 1
	}
	return u.size[p]
}

// each calls fn for every positive concept of unit p with the number of
// its inputs carrying it.
func (u *units) each(p int32, fn func(c, n int32)) {
	if u.lab == nil {
		for _, e := range u.l.ents[u.l.off[p]:u.l.off[p+1]] {
			if cellOf(e) == cellPresent {
				fn(conceptOf(e), 1)
			}
		}
		return
	}
	for k := u.off[p]; k < u.off[p+1]; k++ {
		fn(u.lab[k], u.cnt[k])
	}
}

// splitOf maps the units' assignment to inputs.
func (u *units) splitOf(assign []int8) []int8 {
	if u.of == nil {
		return assign
	}
	out := make([]int8, len(u.of))
	for i, p := range u.of {
		out[i] = assign[p]
	}
	return out
}

// perm32 is rand.Perm in int32s: the same permutation for the same
// generator, in half the memory.
func perm32(rng *rand.Rand, n int) []int32 {
	p := make([]int32, n)
	for i := range p {
		p[i] = int32(i)
	}
	rng.Shuffle(n, func(i, j int) { p[i], p[j] = p[j], p[i] })
	return p
}

func makeUnits(l *Labels) *units {
	n := l.NumInputs()
	u := &units{posTot: make([]int64, len(l.Concepts))}
	if l.Groups == nil {
		u.n, u.l = n, l
		for i := range n {
			u.each(int32(i), func(c, _ int32) { u.posTot[c]++ })
		}
		return u
	}
	u.of = make([]int32, n)
	// Renumber groups densely in first-seen order, then gather members.
	dense := map[int32]int32{}
	for i, g := range l.Groups {
		d, ok := dense[g]
		if !ok {
			d = int32(len(dense))
			dense[g] = d
		}
		u.of[i] = d
	}
	u.n = len(dense)
	u.size = make([]int32, u.n)
	for _, d := range u.of {
		u.size[d]++
	}
	start := make([]int64, u.n+1)
	for d := 0; d < u.n; d++ {
		start[d+1] = start[d] + int64(u.size[d])
	}
	members := make([]int32, n)
	fill := append([]int64(nil), start[:u.n]...)
	for i, d := range u.of {
		members[fill[d]] = int32(i)
		fill[d]++
	}
	u.off = make([]int64, u.n+1)
	u.lab, u.cnt = []int32{}, []int32{}
	count := map[int32]int32{}
	var buf, keys []int32
	for d := 0; d < u.n; d++ {
		clear(count)
		keys = keys[:0]
		for _, i := range members[start[d]:start[d+1]] {
			buf = l.positives(int(i), buf)
			for _, c := range buf {
				if count[c] == 0 {
					keys = append(keys, c)
				}
				count[c]++
				u.posTot[c]++
			}
		}
		for _, c := range keys {
			u.lab = append(u.lab, c)
			u.cnt = append(u.cnt, count[c])
		}
		u.off[d+1] = int64(len(u.lab))
	}
	return u
}

// Stratify assigns every input to a split by iterative stratification
// (Sechidis, Tsoumakas and Vlahavas, 2011) over the inputs' positive
// concepts: the concept with the fewest unassigned positives is handled
// first, and each of its inputs (or groups, when l has Groups) goes to the
// split that most lacks that concept, then the split that most lacks
// inputs, then at random. The result holds each input's split index into
// splits and depends only on l, splits and seed.
//
// The work is O(P log C + n·S) for P positive annotations, C concepts, n
// inputs and S splits: each concept keeps a list of its units, and a heap
// orders concepts by remaining positives.
func Stratify(l *Labels, splits []Fraction, seed uint64) []int8 {
	u := makeUnits(l)
	k := len(splits)
	rng := rand.New(rand.NewPCG(seed, 0x5eed5e7))
	nC := len(l.Concepts)

	// Shuffled unit order gives random tie-breaking among equal units.
	perm := perm32(rng, u.n)
	// Units of each concept, in shuffled order (CSR).
	cOff := make([]int64, nC+1)
	for c, n := range u.posTot {
		cOff[c+1] = cOff[c] + n
	}
	if u.lab != nil { // a group counts once per concept
		clear(cOff)
		for _, c := range u.lab {
			cOff[c+1]++
		}
		for c := 0; c < nC; c++ {
			cOff[c+1] += cOff[c]
		}
	}
	cUnits := make([]int32, cOff[nC])
	fill := append([]int64(nil), cOff[:nC]...)
	for _, p := range perm {
		u.each(p, func(c, _ int32) {
			cUnits[fill[c]] = p
			fill[c]++
		})
	}

	total := float64(l.NumInputs())
	want := make([]float64, k)     // inputs each split still wants
	wantC := make([]float64, nC*k) // positives of concept c split j still wants
	for j, s := range splits {
		want[j] = s.Share * total
		for c := 0; c < nC; c++ {
			wantC[c*k+j] = s.Share * float64(u.posTot[c])
		}
	}
	remaining := append([]int64(nil), u.posTot...)
	h := newConceptHeap(remaining, rng.Perm(nC))

	assign := make([]int8, u.n)
	for i := range assign {
		assign[i] = -1
	}
	// pick returns the split with the largest first[j] (nil: skip), then
	// the largest want[j], then a random one among ties.
	pick := func(first []float64) int8 {
		cmp := func(a, b int) float64 {
			if first != nil {
				if d := first[a] - first[b]; d > 1e-9 || d < -1e-9 {
					return d
				}
			}
			return want[a] - want[b]
		}
		bj, ties := 0, 1
		for j := 1; j < k; j++ {
			switch d := cmp(j, bj); {
			case d > 1e-9:
				bj, ties = j, 1
			case d > -1e-9:
				ties++
				if rng.IntN(ties) == 0 {
					bj = j
				}
			}
		}
		return int8(bj)
	}
	place := func(p int32, j int8) {
		assign[p] = j
		want[j] -= float64(u.sizeOf(p))
		u.each(p, func(c, n int32) {
			wantC[int(c)*k+int(j)] -= float64(n)
			remaining[c] -= int64(n)
			h.fix(c)
		})
	}
	for h.len() > 0 {
		c := h.top()
		if remaining[c] == 0 {
			h.pop()
			continue
		}
		row := wantC[int(c)*k : int(c)*k+k]
		for _, p := range cUnits[cOff[c]:cOff[c+1]] {
			if assign[p] >= 0 {
				continue
			}
			place(p, pick(row))
		}
	}
	// Units without positives fill the splits by size.
	for _, p := range perm {
		if assign[p] < 0 {
			place(p, pick(nil))
		}
	}
	return u.splitOf(assign)
}

// RandomSplit assigns units (inputs or groups) to splits in a seeded
// random order, filling each split to its share of inputs: the baseline a
// stratified split is measured against.
func RandomSplit(l *Labels, splits []Fraction, seed uint64) []int8 {
	u := makeUnits(l)
	rng := rand.New(rand.NewPCG(seed, 0xa11d))
	total := float64(l.NumInputs())
	bounds := make([]float64, len(splits))
	acc := 0.0
	for j, s := range splits {
		acc += s.Share
		bounds[j] = acc * total
	}
	assign := make([]int8, u.n)
	done := 0.0
	for _, p := range perm32(rng, u.n) {
		size := float64(u.sizeOf(p))
		mid := done + size/2
		j := 0
		for j < len(bounds)-1 && mid >= bounds[j] {
			j++
		}
		assign[p] = int8(j)
		done += size
	}
	return u.splitOf(assign)
}

// conceptHeap is a min-heap of concept indices by remaining positives,
// ties broken by a seeded random rank; fix restores order after a key
// decreases.
type conceptHeap struct {
	key  []int64
	rank []int
	h    []int32
	pos  []int32
}

func newConceptHeap(key []int64, rank []int) *conceptHeap {
	h := &conceptHeap{key: key, rank: rank, pos: make([]int32, len(key))}
	for c := range key {
		h.pos[c] = -1
		if key[c] > 0 {
			h.pos[c] = int32(len(h.h))
			h.h = append(h.h, int32(c))
		}
	}
	for i := len(h.h)/2 - 1; i >= 0; i-- {
		h.down(i)
	}
	return h
}

func (h *conceptHeap) less(a, b int32) bool {
	if h.key[a] != h.key[b] {
		return h.key[a] < h.key[b]
	}
	return h.rank[a] < h.rank[b]
}
func (h *conceptHeap) len() int   { return len(h.h) }
func (h *conceptHeap) top() int32 { return h.h[0] }
func (h *conceptHeap) swap(i, j int) {
	h.h[i], h.h[j] = h.h[j], h.h[i]
	h.pos[h.h[i]] = int32(i)
	h.pos[h.h[j]] = int32(j)
}
func (h *conceptHeap) up(i int) {
	for i > 0 {
		p := (i - 1) / 2
		if !h.less(h.h[i], h.h[p]) {
			return
		}
		h.swap(i, p)
		i = p
	}
}
func (h *conceptHeap) down(i int) {
	for {
		l := 2*i + 1
		if l >= len(h.h) {
			return
		}
		m := l
		if r := l + 1; r < len(h.h) && h.less(h.h[r], h.h[l]) {
			m = r
		}
		if !h.less(h.h[m], h.h[i]) {
			return
		}
		h.swap(i, m)
		i = m
	}
}

// fix restores the heap after c's key decreased.
func (h *conceptHeap) fix(c int32) {
	if p := h.pos[c]; p >= 0 {
		h.up(int(p))
	}
}
func (h *conceptHeap) pop() {
	c := h.h[0]
	last := len(h.h) - 1
	h.swap(0, last)
	h.h = h.h[:last]
	h.pos[c] = -1
	if last > 0 {
		h.down(0)
	}
}
