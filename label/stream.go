package label

import (
	"fmt"
	"runtime/debug"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"

	"curate.dev/dataset"
)

// Stream counts labels as the rows go by, for a [Result] (the balance
// report) without holding every input: its memory grows by 5 to 11 bytes
// per distinct input (plus a bounded buffer), where a [Set] keeps each
// input's id and entries. Distinct-input semantics are the Set's: an input on several
// lines, rows, records or sources is one input, and its labels are merged
// before they are counted. The package docs say how (# Memory).
//
// A Stream is not safe for concurrent use. Close it to release its
// temporary file at once.
type Stream struct {
	rows
	walker *Walker

	seen fpSet    // fingerprints of every input seen
	t    tally    // every input counted at its first run of rows
	rep  *Set     // later runs of a fingerprint seen before: merged by exact id
	log  spillLog // the first run of every counted input, to take back out

	inMap []int32 // per dictionary input of the batch: its index in rep, once known

	cur struct {
		open, repeat bool
		fp           uint32
		g            int32 // in rep, when repeat
		id           []byte
		ents         []uint32
	}
}

// StreamOptions tune a [Stream]. The zero value is the default.
type StreamOptions struct {
	// MemoryBudget is how many bytes of first runs the Stream keeps in
	// memory before it writes them to a temporary file: 0 means 16 MiB,
	// or a sixteenth of the Go runtime's memory limit (GOMEMLIMIT,
	// runtime/debug.SetMemoryLimit) when that is less.
	MemoryBudget int
	// TempDir is where the temporary file goes ("": os.TempDir). The file
	// is removed as soon as it is open.
	TempDir string
}

const defaultBudget = 16 << 20

// NewStream returns an empty Stream that reads rows by rules (opts nil:
// the defaults).
func NewStream(rules Rules, opts *StreamOptions) *Stream {
	var o StreamOptions
	if opts != nil {
		o = *opts
	}
	if o.MemoryBudget <= 0 {
		o.MemoryBudget = defaultBudget
		if lim := debug.SetMemoryLimit(-1); lim/16 < int64(o.MemoryBudget) {
			o.MemoryBudget = int(max(lim/16, 64<<10))
		}
	}
	s := &Stream{rows: rows{rules: rules}, rep: NewSet(rules)}
	s.log.budget, s.log.dir = o.MemoryBudget, o.TempDir
	// Every concept a relation names is known from the start, so that the
	// closure of an input counted early reaches concepts whose first
	// annotation comes later. Those never annotated are not in the Result.
	for _, id := range rules.Hierarchy.Concepts() {
		s.concept(id)
	}
	s.walker = newWalker(rules, &s.concepts)
	return s
}

// Rules returns the rules the Stream reads rows by.
func (s *Stream) Rules() Rules { return s.rules }

// Totals returns the row counts so far.
func (s *Stream) Totals() Totals { return s.totals() }

// AddAnnotations counts the rows of rec, as [Set.AddAnnotations] reads
// them. It fails only when the temporary file cannot be written. rec is
// not retained.
func (s *Stream) AddAnnotations(rec arrow.Record) error {
	if err := s.batch(rec); err != nil {
		return err
	}
	if s.n == 0 {
		return nil
	}
	// An input that comes back within the batch (rows not adjacent) is a
	// repeat known by its dictionary index: no fingerprint or id lookup.
	s.inMap = resetMap(s.inMap, s.inVals.Len())
	prev := int32(-1)
	for r := 0; r < s.n; r++ {
		if i := s.inIdx[r]; i != prev {
			prev = i
			id := s.inVals.Value(int(i))
			if g := s.inMap[i]; g >= 0 && !(s.cur.open && string(s.cur.id) == id) {
				if err := s.end(); err != nil {
					return err
				}
				s.cur.open, s.cur.repeat, s.cur.g = true, true, g
				s.cur.id = append(s.cur.id[:0], id...)
			} else if err := s.begin(id); err != nil {
				return err
			}
			if s.cur.repeat {
				s.inMap[i] = s.cur.g
			}
		}
		if k, f := s.row(r); f != 0 {
			s.add(uint32(k), uint32(f))
		}
	}
	return nil
}

// AddInputs counts the inputs of a record of [dataset.InputSchema], as
// [Set.AddInputs] does.
func (s *Stream) AddInputs(rec arrow.Record) error {
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
			if err := s.begin(ids.Value(i)); err != nil {
				return err
			}
		}
	}
	return nil
}

// AddIDs counts inputs by id, as [Set.AddIDs] does.
func (s *Stream) AddIDs(ids []string) error {
	for _, id := range ids {
		if err := s.begin(id); err != nil {
			return err
		}
	}
	return nil
}

// begin makes id the input that the next entries belong to.
func (s *Stream) begin(id string) error {
	if s.cur.open && string(s.cur.id) == id {
		return nil
	}
	if err := s.end(); err != nil {
		return err
	}
	s.cur.open = true
	s.cur.fp = fingerprint(id)
	s.cur.id = append(s.cur.id[:0], id...)
	s.cur.repeat = s.seen.insert(s.cur.fp)
	if s.cur.repeat {
		s.cur.g = int32(s.rep.Input(id))
	}
	s.cur.ents = s.cur.ents[:0]
	return nil
}

// add records flag f for concept k on the current input.
func (s *Stream) add(k, f uint32) {
	if s.cur.repeat {
		s.rep.add(s.cur.g, k, f)
		return
	}
	s.cur.ents = addFlag(s.cur.ents, k, f)
}

// end counts the current run when its input is new.
func (s *Stream) end() error {
	if !s.cur.open {
		return nil
	}
	s.cur.open = false
	if s.cur.repeat {
		return nil
	}
	s.t.add(s.walker.close(s.cur.ents), 1)
	return s.log.append(s.cur.fp, s.cur.id, s.cur.ents)
}

// Result returns the count so far; the Stream may go on counting. When
// some input's fingerprint came back, it reads the first runs once to
// confirm by id which inputs really repeat and to merge their labels; it
// fails only when that read fails.
func (s *Stream) Result() (Result, error) {
	t := s.t.clone()
	w := s.walker
	if s.cur.open && !s.cur.repeat {
		t.add(w.close(s.cur.ents), 1)
	}
	if n := s.rep.NumInputs(); n > 0 {
		want := make(map[uint32]struct{}, n)
		var quick [1 << 10]uint64 // a bit per fingerprint's top 16 bits: most records are skipped on it
		for g := range n {
			fp := fingerprint(s.rep.inputIDs.key(uint32(g)))
			want[fp] = struct{}{}
			quick[fp>>22] |= 1 << (fp >> 16 & 63)
		}
		accept := func(fp uint32) bool {
			if quick[fp>>22]&(1<<(fp>>16&63)) == 0 {
				return false
			}
			_, ok := want[fp]
			return ok
		}
		err := s.log.each(accept, func(fp uint32, id []byte, ents []uint32) {
			g := s.rep.inputIDs.lookup(string(id))
			if g < 0 {
				return // another input of the same fingerprint
			}
			// Counted at its first run: take that back out and count the
			// merged labels instead. Merging again is harmless.
			t.add(w.close(ents), -1)
			for _, e := range ents {
				s.rep.add(g, e>>2, e&3)
			}
		})
		if err != nil {
			return Result{}, err
		}
		for g := range n {
			sp := s.rep.spans[g]
			t.add(w.close(s.rep.arena[sp.off:sp.off+sp.n]), 1)
		}
	}
	return s.result(t.inputs, t.counts(len(s.conceptID))), nil
}

// Close releases the temporary file, if any. The Stream can no longer
// give a Result.
func (s *Stream) Close() error { return s.log.close() }

// fingerprint is an input id's compact hash, never 0.
func fingerprint(id string) uint32 { return max(hashID(id), 1) }

// fpSet is a set of fingerprints: open addressing with linear probing,
// 4 bytes a slot, at most 3/4 full.
type fpSet struct {
	slots []uint32 // 0: empty
	n     int
}

// insert adds fp and reports whether it was there already.
func (t *fpSet) insert(fp uint32) bool {
	if 4*(t.n+1) > 3*len(t.slots) {
		t.grow()
	}
	mask := uint32(len(t.slots) - 1)
	for i := fp & mask; ; i = (i + 1) & mask {
		switch t.slots[i] {
		case 0:
			t.slots[i] = fp
			t.n++
			return false
		case fp:
			return true
		}
	}
}

func (t *fpSet) grow() {
	old := t.slots
	t.slots = make([]uint32, max(1024, 2*len(old)))
	mask := uint32(len(t.slots) - 1)
	for _, fp := range old {
		if fp == 0 {
			continue
		}
		i := fp & mask
		for t.slots[i] != 0 {
			i = (i + 1) & mask
		}
		t.slots[i] = fp
	}
}

// addFlag ORs flag f into concept k's entry of a run's entries (k<<2 |
// flags), appending one when the run has none for k yet.
func addFlag(ents []uint32, k, f uint32) []uint32 {
	for i, e := range ents {
		if e>>2 == k {
			ents[i] = e | f
			return ents
		}
	}
	return append(ents, k<<2|f)
}
