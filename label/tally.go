package label

import (
	"slices"
	"strings"
)

// Counts are one concept's label counts over distinct inputs, after the
// closure. Positives + Negatives + Conflicts + ImpliedNegatives + Unknown
// is the number of inputs counted.
type Counts struct {
	// Positives: inputs positive for the concept and not negative.
	Positives int
	// Negatives: inputs negative for it and not positive.
	Negatives int
	// Conflicts: inputs both positive and negative for it.
	Conflicts int
	// ImpliedNegatives: inputs with no label for it but a positive (or a
	// conflict) for another concept; Clarifai's training treats these as
	// negatives.
	ImpliedNegatives int
	// Unknown: the other inputs (no label for it, no positive at all).
	Unknown int
	// ViaPositives, ViaNegatives: inputs whose positive, or negative, for
	// the concept came only through relations (counted in Positives,
	// Negatives or Conflicts too).
	ViaPositives int
	ViaNegatives int
}

// Known returns the inputs with a label for the concept that is not a
// conflict: Positives + Negatives.
func (c Counts) Known() int { return c.Positives + c.Negatives }

// Tally counts, for every concept of s, the inputs i for which keep(i) is
// true (nil: every input). It is the one count behind the balance report,
// the stats export and the overlap analysis.
func (s *Set) Tally(keep func(i int) bool) (inputs int, counts []Counts) {
	return TallyRows(len(s.spans), len(s.conceptID), s.Walker().Row, keep)
}

// TallyRows is [Set.Tally] over rows kept elsewhere: row(i) returns input
// i's closed entries (concepts 0 <= Concept < concepts), for the n inputs
// i with keep(i) (nil: all).
func TallyRows(n, concepts int, row func(i int) []Entry, keep func(i int) bool) (inputs int, counts []Counts) {
	var t tally
	for i := range n {
		if keep != nil && !keep(i) {
			continue
		}
		t.add(row(i), 1)
	}
	return t.inputs, t.counts(concepts)
}

// tally sums the counts of closed rows. Every count is a sum over inputs
// of what the input's row says, so a row added with sign -1 takes an
// input's earlier row back out: [Stream] does so when an input it has
// counted turns up again.
type tally struct {
	inputs, withPos int
	c               []conceptTally
}

type conceptTally struct {
	pos, neg, conf, viaPos, viaNeg int
	annInPos                       int // inputs with a positive that carry the concept
}

// add counts one input's closed row, sign times.
func (t *tally) add(row []Entry, sign int) {
	t.inputs += sign
	hasPos := false
	for _, e := range row {
		if int(e.Concept) >= len(t.c) {
			t.c = append(t.c, make([]conceptTally, int(e.Concept)+1-len(t.c))...)
		}
		c := &t.c[e.Concept]
		switch {
		case e.Flags.IsPositive():
			c.pos += sign
			hasPos = true
		case e.Flags.IsNegative():
			c.neg += sign
		default:
			c.conf += sign
			hasPos = true
		}
		if e.Flags&ViaPositive != 0 {
			c.viaPos += sign
		}
		if e.Flags&ViaNegative != 0 {
			c.viaNeg += sign
		}
	}
	if hasPos {
		t.withPos += sign
		for _, e := range row {
			t.c[e.Concept].annInPos += sign
		}
	}
}

func (t *tally) clone() tally {
	return tally{inputs: t.inputs, withPos: t.withPos, c: append([]conceptTally(nil), t.c...)}
}

// counts returns the counts of the first n concepts.
func (t *tally) counts(n int) []Counts {
	counts := make([]Counts, n)
	for k := range counts {
		var c conceptTally
		if k < len(t.c) {
			c = t.c[k]
		}
		counts[k] = Counts{
			Positives: c.pos, Negatives: c.neg, Conflicts: c.conf,
			ViaPositives: c.viaPos, ViaNegatives: c.viaNeg,
			ImpliedNegatives: t.withPos - c.annInPos,
		}
		counts[k].Unknown = t.inputs - c.pos - c.neg - c.conf - counts[k].ImpliedNegatives
	}
	return counts
}

// Result is a whole count: what the balance report shows.
type Result struct {
	Inputs int    // distinct inputs, annotated or not
	Totals Totals // rows read
	// Concepts are the concepts with at least one counted annotation,
	// sorted by id.
	Concepts []ConceptCounts
	// UnknownRelations are the concepts the hierarchy names that no
	// counted annotation uses, sorted.
	UnknownRelations []string
}

// ConceptCounts are one concept's counts in a [Result].
type ConceptCounts struct {
	ID, Name string // Name: the first name a source gave it ("" when none)
	Implicit int    // counted annotations whose value the source omitted
	Counts
}

// Result returns the count of every input of s.
func (s *Set) Result() Result {
	inputs, counts := s.Tally(nil)
	return s.result(inputs, counts)
}

// result assembles a Result from counts indexed as the concepts of b.
func (b *rows) result(inputs int, counts []Counts) Result {
	res := Result{Inputs: inputs, Totals: b.totals()}
	for k, id := range b.conceptID {
		if k < len(b.counted) && b.counted[k] {
			res.Concepts = append(res.Concepts, ConceptCounts{ID: id, Name: b.conceptName[k], Implicit: b.implicit[k], Counts: counts[k]})
		}
	}
	slices.SortFunc(res.Concepts, func(a, b ConceptCounts) int { return strings.Compare(a.ID, b.ID) })
	if h := b.rules.Hierarchy; h != nil {
		for _, id := range h.Concepts() {
			if k, ok := b.conceptIDs[id]; !ok || k >= int32(len(b.counted)) || !b.counted[k] {
				res.UnknownRelations = append(res.UnknownRelations, id)
			}
		}
	}
	return res
}
