package label

import (
	"fmt"
	"slices"
	"strings"
)

// Walker reads a Set's inputs with the hierarchy closure applied: a
// positive for a concept also counts for its hypernyms and synonyms, and a
// negative for its hyponyms and synonyms (the Open Images convention: a
// husky is a dog, and "not a dog" means "not a husky"). Flags that came
// only through a relation carry [ViaPositive] or [ViaNegative]; a husky
// positive next to an explicit "not a dog" makes both concepts conflict.
// Without a hierarchy a row is the input's annotations as they are.
//
// A Walker sees the concepts the Set had when it was made. It is not safe
// for concurrent use; make one per goroutine.
type Walker struct {
	s        *Set
	up, down [][]int32 // per concept: where its positive, its negative also count

	stamp   []uint32
	eff     []Flags
	touched []int32
	gen     uint32
	out     []Entry
}

// Walker returns a Walker over s.
func (s *Set) Walker() *Walker {
	w := newWalker(s.rules, &s.concepts)
	w.s = s
	return w
}

// newWalker returns a Walker over the concepts of c, which may grow
// later: a concept added after the Walker has no relations.
func newWalker(rules Rules, c *concepts) *Walker {
	w := &Walker{}
	n := len(c.conceptID)
	if h := rules.Hierarchy; h != nil {
		index := func(ids ...[]string) []int32 {
			var out []int32
			for _, l := range ids {
				for _, id := range l {
					if k, ok := c.conceptIDs[id]; ok && !slices.Contains(out, k) {
						out = append(out, k)
					}
				}
			}
			return out
		}
		w.up = make([][]int32, n)
		w.down = make([][]int32, n)
		for k, id := range c.conceptID {
			syn := h.Synonyms(id)
			w.up[k] = index(h.Ancestors(id), syn)
			w.down[k] = index(h.Descendants(id), syn)
		}
	}
	w.stamp = make([]uint32, n)
	w.eff = make([]Flags, n)
	return w
}

// Closes reports whether the Walker applies relations.
func (w *Walker) Closes() bool { return w.up != nil }

// Up returns the concepts a positive for concept k also counts for (its
// hypernyms and synonyms present in the Set); nil without relations.
func (w *Walker) Up(k int) []int32 {
	if k >= len(w.up) {
		return nil
	}
	return w.up[k]
}

// Row returns input i's entries after the closure, the input's own
// concepts first in annotation order, then those reached through
// relations. The slice is valid until the next call.
func (w *Walker) Row(i int) []Entry {
	sp := w.s.spans[i]
	return w.close(w.s.arena[sp.off : sp.off+sp.n])
}

// close returns the closed entries of ents (concept index << 2 | flags),
// valid until the next call.
func (w *Walker) close(ents []uint32) []Entry {
	w.out = w.out[:0]
	if w.up == nil {
		for _, e := range ents {
			w.out = append(w.out, Entry{Concept: int32(e >> 2), Flags: Flags(e & 3)})
		}
		return w.out
	}
	w.gen++
	if w.gen == 0 { // wrapped: stamps of 2^32 rows ago would match
		clear(w.stamp)
		w.gen = 1
	}
	w.touched = w.touched[:0]
	for _, e := range ents {
		if k := int(e >> 2); k >= len(w.stamp) {
			w.stamp = append(w.stamp, make([]uint32, k+1-len(w.stamp))...)
			w.eff = append(w.eff, make([]Flags, k+1-len(w.eff))...)
		}
	}
	for _, e := range ents {
		k := int32(e >> 2)
		w.stamp[k] = w.gen
		w.eff[k] = Flags(e & 3)
		w.touched = append(w.touched, k)
	}
	set := func(k int32, f, via Flags) {
		if w.stamp[k] != w.gen {
			w.stamp[k] = w.gen
			w.eff[k] = 0
			w.touched = append(w.touched, k)
		}
		if w.eff[k]&f == 0 {
			w.eff[k] |= f | via
		}
	}
	for _, e := range ents {
		k := e >> 2
		if int(k) >= len(w.up) {
			continue // added after the Walker: no relations
		}
		if e&uint32(Positive) != 0 {
			for _, a := range w.up[k] {
				set(a, Positive, ViaPositive)
			}
		}
		if e&uint32(Negative) != 0 {
			for _, d := range w.down[k] {
				set(d, Negative, ViaNegative)
			}
		}
	}
	for _, k := range w.touched {
		w.out = append(w.out, Entry{Concept: k, Flags: w.eff[k]})
	}
	return w.out
}

// UnknownRelationConcepts returns the concepts the rules' hierarchy names
// that no counted annotation of s uses, sorted.
func (s *Set) UnknownRelationConcepts() []string {
	h := s.rules.Hierarchy
	if h == nil {
		return nil
	}
	var unknown []string
	for _, id := range h.Concepts() {
		if _, ok := s.conceptIDs[id]; !ok {
			unknown = append(unknown, id)
		}
	}
	return unknown
}

// UnknownRelationsWarning words [Set.UnknownRelationConcepts] for a
// person ("" when there are none).
func (s *Set) UnknownRelationsWarning() string {
	return UnknownRelationsWarning(s.UnknownRelationConcepts())
}

// UnknownRelationsWarning words a list of concepts named in relations
// that no counted annotation uses for a person ("" when there are none).
func UnknownRelationsWarning(unknown []string) string {
	if len(unknown) == 0 {
		return ""
	}
	shown := unknown[:min(len(unknown), 5)]
	more := ""
	if len(unknown) > len(shown) {
		more = fmt.Sprintf(" and %d more", len(unknown)-len(shown))
	}
	noun := "concepts"
	if len(unknown) == 1 {
		noun = "concept"
	}
	return fmt.Sprintf("relations name %d %s that never appear in the annotations: %s%s",
		len(unknown), noun, strings.Join(shown, ", "), more)
}
