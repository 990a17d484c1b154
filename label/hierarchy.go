package label

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"curate.dev/dataset"
)

// ErrCycle reports a hierarchy in which a concept is its own ancestor.
var ErrCycle = errors.New("label: cycle in concept hierarchy")

// Hierarchy answers questions about concept relations: which concepts are
// kinds of which (transitively), and which name the same thing. A nil
// *Hierarchy is valid and has no relations.
type Hierarchy struct {
	canon   map[string]string              // concept -> representative of its synonym class
	members map[string][]string            // representative -> sorted class members
	parents map[string]map[string]struct{} // representative -> direct parent representatives
	anc     map[string][]string            // memo: representative -> ancestor representatives, sorted
	desc    map[string][]string            // memo: representative -> descendant representatives, sorted
	kids    map[string]map[string]struct{} // representative -> direct child representatives
}

// NewHierarchy builds a hierarchy from relations (hyponym: subject is a
// kind of object; hypernym: the reverse; synonym: the same concept). A
// cycle is an error wrapping [ErrCycle] that names the concepts on it.
func NewHierarchy(rels []dataset.Relation) (*Hierarchy, error) {
	h := &Hierarchy{
		canon:   map[string]string{},
		members: map[string][]string{},
		parents: map[string]map[string]struct{}{},
		kids:    map[string]map[string]struct{}{},
		anc:     map[string][]string{},
		desc:    map[string][]string{},
	}
	uf := map[string]string{}
	var find func(string) string
	find = func(x string) string {
		p, ok := uf[x]
		if !ok {
			uf[x] = x
			return x
		}
		if p == x {
			return x
		}
		r := find(p)
		uf[x] = r
		return r
	}
	for _, r := range rels {
		a, b := find(r.Subject), find(r.Object)
		if r.Predicate == dataset.Synonym && a != b {
			if b < a {
				a, b = b, a
			}
			uf[b] = a // the smallest id represents the class
		}
	}
	for x := range uf {
		c := find(x)
		h.canon[x] = c
		h.members[c] = append(h.members[c], x)
	}
	for _, m := range h.members {
		slices.Sort(m)
	}
	for _, r := range rels {
		child, parent, ok := r.Parent()
		if !ok {
			continue
		}
		c, p := h.canon[child], h.canon[parent]
		if c == p {
			return nil, fmt.Errorf("%w: %s is a kind of %s, which names the same concept", ErrCycle, child, parent)
		}
		if h.parents[c] == nil {
			h.parents[c] = map[string]struct{}{}
		}
		h.parents[c][p] = struct{}{}
		if h.kids[p] == nil {
			h.kids[p] = map[string]struct{}{}
		}
		h.kids[p][c] = struct{}{}
	}
	if cyc := h.findCycle(); cyc != nil {
		return nil, fmt.Errorf("%w: %s", ErrCycle, strings.Join(cyc, " -> "))
	}
	return h, nil
}

// findCycle returns the concepts on a parent cycle, or nil.
func (h *Hierarchy) findCycle() []string {
	const (
		white = iota
		grey
		black
	)
	color := map[string]int{}
	var stack []string
	var visit func(string) []string
	visit = func(c string) []string {
		color[c] = grey
		stack = append(stack, c)
		for _, p := range sortedKeys(h.parents[c]) {
			switch color[p] {
			case grey:
				i := slices.Index(stack, p)
				return append(slices.Clone(stack[i:]), p)
			case white:
				if cyc := visit(p); cyc != nil {
					return cyc
				}
			}
		}
		stack = stack[:len(stack)-1]
		color[c] = black
		return nil
	}
	starts := make([]string, 0, len(h.parents))
	for c := range h.parents {
		starts = append(starts, c)
	}
	slices.Sort(starts)
	for _, c := range starts {
		if color[c] == white {
			if cyc := visit(c); cyc != nil {
				return cyc
			}
		}
	}
	return nil
}

func sortedKeys(m map[string]struct{}) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func (h *Hierarchy) rep(id string) (string, bool) {
	if h == nil {
		return "", false
	}
	c, ok := h.canon[id]
	return c, ok
}

// closure returns the representatives reachable from c through edges,
// memoised in memo.
func (h *Hierarchy) closure(c string, edges map[string]map[string]struct{}, memo map[string][]string) []string {
	if r, ok := memo[c]; ok {
		return r
	}
	seen := map[string]struct{}{}
	var walk func(string)
	walk = func(x string) {
		for p := range edges[x] {
			if _, ok := seen[p]; !ok {
				seen[p] = struct{}{}
				walk(p)
			}
		}
	}
	walk(c)
	r := sortedKeys(seen)
	memo[c] = r
	return r
}

// expand lists every member of the given classes, sorted.
func (h *Hierarchy) expand(reps []string) []string {
	var out []string
	for _, r := range reps {
		out = append(out, h.members[r]...)
	}
	slices.Sort(out)
	return out
}

// Known reports whether id appears in any relation.
func (h *Hierarchy) Known(id string) bool {
	_, ok := h.rep(id)
	return ok
}

// Concepts returns every concept named in a relation, sorted.
func (h *Hierarchy) Concepts() []string {
	if h == nil {
		return nil
	}
	out := make([]string, 0, len(h.canon))
	for c := range h.canon {
		out = append(out, c)
	}
	slices.Sort(out)
	return out
}

// Parents returns the direct hypernyms of id and their synonyms, sorted.
func (h *Hierarchy) Parents(id string) []string {
	c, ok := h.rep(id)
	if !ok {
		return nil
	}
	return h.expand(sortedKeys(h.parents[c]))
}

// Ancestors returns every concept id is a kind of, transitively and with
// synonyms, sorted.
func (h *Hierarchy) Ancestors(id string) []string {
	c, ok := h.rep(id)
	if !ok {
		return nil
	}
	return h.expand(h.closure(c, h.parents, h.anc))
}

// Descendants returns every concept that is a kind of id, transitively and
// with synonyms, sorted.
func (h *Hierarchy) Descendants(id string) []string {
	c, ok := h.rep(id)
	if !ok {
		return nil
	}
	return h.expand(h.closure(c, h.kids, h.desc))
}

// Synonyms returns the other names of id, sorted.
func (h *Hierarchy) Synonyms(id string) []string {
	c, ok := h.rep(id)
	if !ok {
		return nil
	}
	var out []string
	for _, m := range h.members[c] {
		if m != id {
			out = append(out, m)
		}
	}
	return out
}

// Related reports whether a and b are the same concept, synonyms, or one is
// a kind of the other. Related concepts are never negatives for each other.
func (h *Hierarchy) Related(a, b string) bool {
	if a == b {
		return true
	}
	ca, oka := h.rep(a)
	cb, okb := h.rep(b)
	if !oka || !okb {
		return false
	}
	if ca == cb {
		return true
	}
	_, up := slices.BinarySearch(h.closure(ca, h.parents, h.anc), cb)
	_, down := slices.BinarySearch(h.closure(cb, h.parents, h.anc), ca)
	return up || down
}

// Siblings reports whether a and b are distinct kinds under a common
// parent: some direct parent of one is the other's ancestor. A sub-type of
// a sibling is still under the sibling's parent, so husky (a kind of dog, a
// kind of canine) and wolf (a kind of canine) are siblings.
func (h *Hierarchy) Siblings(a, b string) bool {
	if h.Related(a, b) {
		return false
	}
	ca, oka := h.rep(a)
	cb, okb := h.rep(b)
	if !oka || !okb {
		return false
	}
	under := func(x, y string) bool { // a direct parent of y is an ancestor of x
		anc := h.closure(x, h.parents, h.anc)
		for p := range h.parents[y] {
			if _, ok := slices.BinarySearch(anc, p); ok {
				return true
			}
		}
		return false
	}
	return under(ca, cb) || under(cb, ca)
}
