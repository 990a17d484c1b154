package label

import (
	"errors"
	"fmt"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"

	"curate.dev/dataset"
)

// ErrSchema reports a record that lacks a column of
// [dataset.AnnotationSchema] or holds it with another type.
var ErrSchema = errors.New("label: record does not have the annotations schema")

// Flags is what an input's annotations say about one concept. Positive
// and Negative together are a conflict.
type Flags uint8

const (
	// Positive: an annotation says the concept is present.
	Positive Flags = 1 << iota
	// Negative: an annotation says the concept is absent.
	Negative
	// ViaPositive, set by a [Walker] only: the positive came through a
	// relation, not from an annotation for the concept itself.
	ViaPositive
	// ViaNegative, set by a [Walker] only: the same for the negative.
	ViaNegative
)

// IsPositive reports a positive without a negative.
func (f Flags) IsPositive() bool { return f&(Positive|Negative) == Positive }

// IsNegative reports a negative without a positive.
func (f Flags) IsNegative() bool { return f&(Positive|Negative) == Negative }

// IsConflict reports both a positive and a negative: a data error that is
// never resolved silently.
func (f Flags) IsConflict() bool { return f&(Positive|Negative) == Positive|Negative }

// Entry is one concept's flags on one input.
type Entry struct {
	Concept int32 // index into the Set's concepts
	Flags   Flags
}

// Set holds the labels of a dataset: its distinct inputs (an input on
// several lines, rows, records or sources is one input) and, per input,
// the flags of every concept annotated on it, as the [Rules] read the rows.
// Memory grows with the distinct inputs and their distinct concepts, never
// with the rows: about 16 bytes per input plus its id, and 4 bytes per
// (input, concept). Every string a Set hands out is a copy, the caller's
// to keep. A Set is not safe for concurrent use.
type Set struct {
	rows

	inputIDs idTable
	spans    []span   // per input: its entries in arena
	arena    []uint32 // entries: concept index << 2 | Positive/Negative
	live     int      // sum of span capacities

	// per-batch scratch, reused
	inMap  []int32
	inHash []uint32 // per dictionary input: its hash
	sink   uint64
}

// span locates one input's entries in the arena.
type span struct{ off, n, cap uint32 }

// NewSet returns an empty Set that reads rows by rules.
func NewSet(rules Rules) *Set {
	return &Set{rows: rows{rules: rules}}
}

// Rules returns the rules the Set reads rows by.
func (s *Set) Rules() Rules { return s.rules }

// NumInputs returns the number of distinct inputs, annotated or not.
func (s *Set) NumInputs() int { return s.inputIDs.Len() }

// InputID returns the id of input i (0 <= i < NumInputs, in order of first
// sight).
func (s *Set) InputID(i int) string { return s.inputIDs.id(i) }

// Lookup returns the index of the input with id, if the Set has it.
func (s *Set) Lookup(id string) (int, bool) {
	i := s.inputIDs.lookup(id)
	return int(i), i >= 0
}

// Input returns the index of the input with id, adding it with no
// annotation when it is new.
func (s *Set) Input(id string) int {
	g, added := s.inputIDs.get(id)
	if added {
		s.spans = append(s.spans, span{off: uint32(len(s.arena))})
	}
	return int(g)
}

// NumConcepts returns the number of concepts with at least one counted
// annotation.
func (s *Set) NumConcepts() int { return len(s.conceptID) }

// ConceptID returns the id of concept k (in order of first sight).
func (s *Set) ConceptID(k int) string { return s.conceptID[k] }

// ConceptName returns the first name a source gave concept k ("" when none).
func (s *Set) ConceptName(k int) string { return s.conceptName[k] }

// NumEntries returns the number of (input, concept) entries, before the
// closure.
func (s *Set) NumEntries() int {
	n := 0
	for _, sp := range s.spans {
		n += int(sp.n)
	}
	return n
}

// DropRows frees every input's entries, keeping the inputs and the
// concepts, once a caller has its own copy of the rows (the export's label
// matrix). After it, Row, Walker, Tally, Result and every Add method must
// not be called.
func (s *Set) DropRows() {
	s.spans, s.arena, s.live = nil, nil, 0
	s.inMap, s.inHash = nil, nil
}

// Concept returns the index of the concept with id.
func (s *Set) Concept(id string) (int, bool) {
	k, ok := s.conceptIDs[id]
	return int(k), ok
}

// Implicit returns how many counted annotations for concept k had a value
// the source omitted ([Implicit]).
func (s *Set) Implicit(k int) int { return s.implicit[k] }

// Totals counts the annotation rows a Set has read.
type Totals struct {
	Annotations int // rows counted
	Implicit    int // of which the source omitted the value
	Excluded    int // rows left out by the rules (model and workflow scores)
	Soft        int // counted rows of a person with a value strictly between 0 and 1
}

// Totals returns the row counts so far.
func (s *Set) Totals() Totals {
	return s.totals()
}

// Row appends input i's entries, as annotated (no relations applied), to
// dst and returns it.
func (s *Set) Row(i int, dst []Entry) []Entry {
	sp := s.spans[i]
	for _, e := range s.arena[sp.off : sp.off+sp.n] {
		dst = append(dst, Entry{Concept: int32(e >> 2), Flags: Flags(e & 3)})
	}
	return dst
}

// AddInputs registers the inputs of a record of [dataset.InputSchema] (a
// plain string input_id column), so that inputs without annotations are
// inputs of the dataset, unknown for every concept.
func (s *Set) AddInputs(rec arrow.Record) error {
	idx := rec.Schema().FieldIndices(dataset.ColInputID)
	if len(idx) == 0 {
		return fmt.Errorf("%w: inputs record lacks %s", ErrSchema, dataset.ColInputID)
	}
	ids, ok := rec.Column(idx[0]).(*array.String)
	if !ok {
		return fmt.Errorf("%w: inputs column %s is %s, want utf8", ErrSchema, dataset.ColInputID, rec.Column(idx[0]).DataType())
	}
	for i := 0; i < ids.Len(); i++ {
		if ids.IsValid(i) {
			s.Input(ids.Value(i))
		}
	}
	return nil
}

// AddIDs registers inputs by id, as [Set.AddInputs] does (for example the
// ids of a reader's unannotated inputs, dataset.Reader.UnannotatedIDs).
func (s *Set) AddIDs(ids []string) {
	for _, id := range ids {
		s.Input(id)
	}
}

// AddAnnotations reads the rows of rec, which must have the columns of
// [dataset.AnnotationSchema] (found by name). Rows may come in any order
// and an input may appear in many records. rec is not retained.
func (s *Set) AddAnnotations(rec arrow.Record) error {
	if err := s.batch(rec); err != nil {
		return err
	}
	n := s.n
	if n == 0 {
		return nil
	}
	inVals, inIdx := s.inVals, s.inIdx

	// Dictionary indices map to global indices lazily, once per distinct
	// value and batch.
	s.inMap = resetMap(s.inMap, inVals.Len())
	s.prepareInputs(inVals)

	// Room for one new entry per row, so that growing an input's entries
	// in place never reallocates the arena within the batch; growing by half
	// keeps the copying of a growing arena linear.
	if cap(s.arena)-len(s.arena) < n {
		grown := make([]uint32, len(s.arena), max(cap(s.arena)+cap(s.arena)/2, len(s.arena)+n, 4096))
		copy(grown, s.arena)
		s.arena = grown
	}

	// The rows of an input are usually adjacent: look an input up once
	// per run of rows.
	prevIdx, g := int32(-1), int32(0)
	for r := 0; r < n; r++ {
		if i := inIdx[r]; i != prevIdx {
			prevIdx, g = i, s.input(inVals, s.inMap, i)
		}
		if k, f := s.row(r); f != 0 {
			s.add(g, uint32(k), uint32(f))
		}
	}
	return nil
}

// input returns the global index of the input at dictionary index i.
func (s *Set) input(vals *array.String, m []int32, i int32) int32 {
	if g := m[i]; g >= 0 {
		return g
	}
	// A dictionary lists its values in order of first appearance, so the
	// entries after i are looked up soon. Every touchAhead entries, the
	// slots of the next touchAhead are touched in one tight loop: their
	// cache misses overlap instead of stalling one lookup each.
	// The current entries' slots, touched a round ago, are in the cache by
	// now: those of inputs seen in earlier batches lead to their key bytes
	// and spans, touched in turn.
	if i%touchAhead == 0 {
		var sink uint64
		for _, h := range s.inHash[min(int(i)+touchAhead, len(s.inHash)):min(int(i)+2*touchAhead, len(s.inHash))] {
			sink += s.inputIDs.touch(h)
		}
		for _, h := range s.inHash[i:min(int(i)+touchAhead, len(s.inHash))] {
			if e := s.inputIDs.candidate(h); e >= 0 {
				sink += s.inputIDs.touchKey(e) + uint64(s.spans[e].off)
			}
		}
		s.sink += sink
	}
	g, added := s.inputIDs.getHashed(vals.Value(int(i)), s.inHash[i])
	if added {
		s.spans = append(s.spans, span{off: uint32(len(s.arena))})
	}
	m[i] = g
	return g
}

// prepareInputs hashes the batch's input ids and reserves room for all of
// them in the id table, whose slots then stay put for the batch.
func (s *Set) prepareInputs(vals *array.String) {
	n := vals.Len()
	s.inputIDs.reserve(n)
	if cap(s.inHash) < n {
		s.inHash = make([]uint32, n)
	}
	s.inHash = s.inHash[:n]
	for i := range s.inHash {
		s.inHash[i] = hashID(vals.Value(i))
	}
}

// touchAhead is how many dictionary entries input touches in the id
// table at a time, that many entries ahead.
const touchAhead = 16

// add records flag f for concept k on input g.
func (s *Set) add(g int32, k, f uint32) {
	sp := &s.spans[g]
	ents := s.arena[sp.off : sp.off+sp.n]
	for i, e := range ents {
		if e>>2 == k {
			ents[i] = e | f
			return
		}
	}
	if sp.n == sp.cap {
		if int(sp.off+sp.cap) == len(s.arena) {
			// The input's entries end the arena (always so when an
			// input's rows are adjacent): grow in place.
			s.arena = append(s.arena, 0)
			sp.cap++
			s.live++
		} else {
			s.relocate(sp)
		}
	}
	s.arena[sp.off+sp.n] = k<<2 | f
	sp.n++
}

// relocate moves a full span to the end of the arena with room to grow,
// compacting the arena when holes take more than half of it.
func (s *Set) relocate(sp *span) {
	if len(s.arena) > 2*s.live+4096 {
		s.compact()
	}
	newCap := max(4, 2*sp.cap)
	off := uint32(len(s.arena))
	s.arena = append(s.arena, s.arena[sp.off:sp.off+sp.n]...)
	s.arena = append(s.arena, make([]uint32, newCap-sp.n)...)
	s.live += int(newCap - sp.cap)
	sp.off, sp.cap = off, newCap
}

// compact rewrites the arena without holes, keeping each span's capacity.
func (s *Set) compact() {
	out := make([]uint32, 0, s.live+s.live/2)
	for i := range s.spans {
		sp := &s.spans[i]
		off := uint32(len(out))
		out = append(out, s.arena[sp.off:sp.off+sp.cap]...)
		sp.off = off
	}
	s.arena = out
}
