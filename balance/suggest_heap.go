package balance

import (
	"cmp"
	"slices"
)

// cand is one candidate input for a target.
type cand struct {
	seq   int32  // the input's place in the order of visits
	id    string // the input's id, copied once the candidate is kept
	score float64
	tie   uint64 // seeded hash: the smaller wins among equal scores
	emb   bool   // score is an embedding similarity
}

// better orders candidates: higher score, then smaller tie hash.
func better(a, b cand) bool {
	if a.score != b.score {
		return a.score > b.score
	}
	return a.tie < b.tie
}

// candHeap keeps the k best candidates offered to it: a min-heap on
// [better] whose root is the worst kept.
type candHeap struct {
	k int
	h []cand
}

// offer keeps c, with id as its input's id, when it is among the k best
// so far. id is copied only then.
func (q *candHeap) offer(c cand, id []byte) {
	if q.k <= 0 {
		return
	}
	if len(q.h) < q.k {
		c.id = string(id)
		q.h = append(q.h, c)
		q.up(len(q.h) - 1)
		return
	}
	if !better(c, q.h[0]) {
		return
	}
	c.id = string(id)
	q.h[0] = c
	q.down(0)
}

func (q *candHeap) up(i int) {
	for i > 0 {
		p := (i - 1) / 2
		if !better(q.h[p], q.h[i]) {
			break
		}
		q.h[p], q.h[i] = q.h[i], q.h[p]
		i = p
	}
}

func (q *candHeap) down(i int) {
	n := len(q.h)
	for {
		w := i
		if l := 2*i + 1; l < n && better(q.h[w], q.h[l]) {
			w = l
		}
		if r := 2*i + 2; r < n && better(q.h[w], q.h[r]) {
			w = r
		}
		if w == i {
			return
		}
		q.h[i], q.h[w] = q.h[w], q.h[i]
		i = w
	}
}

// sorted returns the kept candidates, best first.
func (q *candHeap) sorted() []cand {
	out := slices.Clone(q.h)
	slices.SortFunc(out, func(a, b cand) int {
		if better(a, b) {
			return -1
		}
		if better(b, a) {
			return 1
		}
		return cmp.Compare(a.seq, b.seq)
	})
	return out
}
