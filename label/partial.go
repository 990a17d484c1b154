package label

import (
	"cmp"
	"slices"
)

// This file holds the mergeable units of a count, for counting in parallel
// (a combiner on a distributed engine): the labels of one input by concept
// id ([IDEntry]), the count of some inputs' closed labels ([Partial]) and
// what the rows said besides ([RowSummary]). Partials and row summaries of
// disjoint inputs and rows merge, in any order, into the [Result] a
// [Stream] gives for all of them.

// IDEntry is one concept's flags on one input, by concept id: an input's
// labels as they travel between processes, where concept indices differ.
type IDEntry struct {
	Concept string
	Flags   Flags
}

// IDRow appends input i's entries, as annotated (no relations applied), to
// dst by concept id and returns it.
func (s *Set) IDRow(i int, dst []IDEntry) []IDEntry {
	sp := s.spans[i]
	for _, e := range s.arena[sp.off : sp.off+sp.n] {
		dst = append(dst, IDEntry{Concept: s.conceptID[e>>2], Flags: Flags(e & 3)})
	}
	return dst
}

// MergeIDRows returns the union of the labels of one input read in several
// places (files, processes): per concept, every flag any part carried, as
// a [Set] merges an input's rows. The result is sorted by concept id.
func MergeIDRows(parts ...[]IDEntry) []IDEntry {
	var out []IDEntry
	for _, p := range parts {
		out = append(out, p...)
	}
	slices.SortFunc(out, func(a, b IDEntry) int { return cmp.Compare(a.Concept, b.Concept) })
	w := 0
	for _, e := range out {
		if w > 0 && out[w-1].Concept == e.Concept {
			out[w-1].Flags |= e.Flags
			continue
		}
		out[w] = e
		w++
	}
	return out[:w]
}

// PartialConcept is one concept's share of a [Partial].
type PartialConcept struct {
	Positives, Negatives, Conflicts int
	ViaPositives, ViaNegatives      int
	// InPositive: counted inputs that carry the concept and have a
	// positive (or a conflict) for some concept.
	InPositive int
}

// Partial is the count of some distinct inputs' closed labels, by concept
// id. Partials of disjoint inputs add up ([Partial.Merge]); [Assemble]
// turns the sum into a Result. Every field is exported so that any
// encoder can carry it between processes.
type Partial struct {
	Inputs int
	// WithPositive: inputs with a positive (or a conflict) for some concept.
	WithPositive int
	Concepts     map[string]PartialConcept
}

// Merge adds o to p.
func (p *Partial) Merge(o *Partial) {
	p.Inputs += o.Inputs
	p.WithPositive += o.WithPositive
	if len(o.Concepts) > 0 && p.Concepts == nil {
		p.Concepts = make(map[string]PartialConcept, len(o.Concepts))
	}
	for id, c := range o.Concepts {
		a := p.Concepts[id]
		a.Positives += c.Positives
		a.Negatives += c.Negatives
		a.Conflicts += c.Conflicts
		a.ViaPositives += c.ViaPositives
		a.ViaNegatives += c.ViaNegatives
		a.InPositive += c.InPositive
		p.Concepts[id] = a
	}
}

// Closer closes inputs' labels by its rules and counts them into a
// [Partial], as a [Stream] counts an input: the concepts its relations
// name are known from the start. A Closer is not safe for concurrent use.
type Closer struct {
	concepts
	walker *Walker
	ents   []uint32
	t      tally
}

// NewCloser returns a Closer that reads labels by rules.
func NewCloser(rules Rules) *Closer {
	c := &Closer{}
	for _, id := range rules.Hierarchy.Concepts() {
		c.concept(id)
	}
	c.walker = newWalker(rules, &c.concepts)
	return c
}

// Count adds one distinct input, whose merged labels are ents, to p.
func (c *Closer) Count(p *Partial, ents []IDEntry) {
	row := c.closeRow(ents)
	c.t.add(row, 1)
	p.Inputs += c.t.inputs
	p.WithPositive += c.t.withPos
	if len(row) > 0 && p.Concepts == nil {
		p.Concepts = map[string]PartialConcept{}
	}
	for _, e := range row {
		t := &c.t.c[e.Concept]
		id := c.conceptID[e.Concept]
		a := p.Concepts[id]
		a.Positives += t.pos
		a.Negatives += t.neg
		a.Conflicts += t.conf
		a.ViaPositives += t.viaPos
		a.ViaNegatives += t.viaNeg
		a.InPositive += t.annInPos
		p.Concepts[id] = a
		*t = conceptTally{}
	}
	c.t.inputs, c.t.withPos = 0, 0
}

// ConceptRows is what the rows said of one counted concept apart from
// inputs' labels.
type ConceptRows struct {
	// Name is the first name a source gave the concept ("" when none);
	// NameRank orders sources, lowest first, so that merged summaries keep
	// the name of the earliest.
	Name     string
	NameRank int64
	Implicit int
}

// RowSummary is what some annotation rows said apart from inputs' labels:
// their totals and, per counted concept, its name and implicit values.
// Summaries of disjoint rows merge ([RowSummary.Merge]).
type RowSummary struct {
	Totals   Totals
	Concepts map[string]ConceptRows
}

// RowSummary returns what the rows s has read said, its sources ranked
// rank (see [ConceptRows]).
func (s *Set) RowSummary(rank int64) RowSummary {
	rs := RowSummary{Totals: s.totals(), Concepts: make(map[string]ConceptRows, len(s.conceptID))}
	for k, id := range s.conceptID {
		rs.Concepts[id] = ConceptRows{Name: s.conceptName[k], NameRank: rank, Implicit: s.implicit[k]}
	}
	return rs
}

// Merge adds o to rs: totals and implicit values add up; a concept's name
// is that of the lowest rank that has one.
func (rs *RowSummary) Merge(o *RowSummary) {
	rs.Totals.Annotations += o.Totals.Annotations
	rs.Totals.Implicit += o.Totals.Implicit
	rs.Totals.Excluded += o.Totals.Excluded
	rs.Totals.Soft += o.Totals.Soft
	if len(o.Concepts) > 0 && rs.Concepts == nil {
		rs.Concepts = make(map[string]ConceptRows, len(o.Concepts))
	}
	for id, c := range o.Concepts {
		a, ok := rs.Concepts[id]
		if !ok {
			rs.Concepts[id] = c
			continue
		}
		a.Implicit += c.Implicit
		if c.Name != "" && (a.Name == "" || c.NameRank < a.NameRank) {
			a.Name, a.NameRank = c.Name, c.NameRank
		}
		rs.Concepts[id] = a
	}
}

// Assemble returns the Result of a whole count: the Partial of every
// distinct input and the summary of every row, read by rules.
func Assemble(rules Rules, p *Partial, rs *RowSummary) Result {
	b := rows{rules: rules}
	b.annotations, b.implicitSum, b.excluded, b.soft = rs.Totals.Annotations, rs.Totals.Implicit, rs.Totals.Excluded, rs.Totals.Soft
	ids := make([]string, 0, len(rs.Concepts))
	for id := range rs.Concepts {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	t := tally{inputs: p.Inputs, withPos: p.WithPositive}
	for _, id := range ids {
		k := b.concept(id)
		c := rs.Concepts[id]
		b.conceptName[k], b.implicit[k] = c.Name, c.Implicit
		b.counted = append(b.counted, true)
		pc := p.Concepts[id]
		t.c = append(t.c, conceptTally{pos: pc.Positives, neg: pc.Negatives, conf: pc.Conflicts,
			viaPos: pc.ViaPositives, viaNeg: pc.ViaNegatives, annInPos: pc.InPositive})
	}
	return b.result(t.inputs, t.counts(len(ids)))
}

// Close appends the closed labels of one input whose merged labels are
// ents to dst, by concept id (flags that came through relations carry
// ViaPositive or ViaNegative), as [Closer.Count] counts them.
func (c *Closer) Close(dst, ents []IDEntry) []IDEntry {
	for _, e := range c.closeRow(ents) {
		dst = append(dst, IDEntry{Concept: c.conceptID[e.Concept], Flags: e.Flags})
	}
	return dst
}

// closeRow returns the closed entries of ents, valid until the next call.
func (c *Closer) closeRow(ents []IDEntry) []Entry {
	c.ents = c.ents[:0]
	for _, e := range ents {
		k := uint32(c.concept(e.Concept))
		if i := slices.IndexFunc(c.ents, func(x uint32) bool { return x>>2 == k }); i >= 0 {
			c.ents[i] |= uint32(e.Flags & (Positive | Negative))
			continue
		}
		c.ents = append(c.ents, k<<2|uint32(e.Flags&(Positive|Negative)))
	}
	return c.walker.close(c.ents)
}
