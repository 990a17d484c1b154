package label

import (
	"fmt"
	"runtime/debug"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"

	"curate.dev/dataset"
)

// Spool reads a source once and gives back every distinct input, with its
// labels merged and closed and a row of the caller's (the training
// export's url, text and metadata), in order of first sight. It is the
// [Stream]'s design with the first runs kept whole: each input is written
// to a temporary file when its first run of rows ends, with a 4-byte
// fingerprint in memory to tell "maybe seen" from "new"; an input whose
// fingerprint comes back has its later rows merged, by exact id, in a
// small [Set]. [Spool.Each] reads the file back sequentially, as often as
// needed, swapping in the merged labels where an input came back. Its
// memory is the fingerprints (5.3 to 10.7 bytes per input), the repeated
// inputs and a bounded buffer.
//
// A Spool is not safe for concurrent use. Close it to remove its
// temporary file.
type Spool struct {
	rows
	seen fpSet
	rep  *Set // inputs whose fingerprint had been seen: later runs, merged by exact id
	log  spillLog
	t    tally

	cur struct {
		open, repeat, added, hasRow bool
		fp                          uint32
		g                           int32
		id                          []byte
		ents                        []uint32
		row                         []byte
	}
	batchIDs map[string]int32 // the inputs record's ids, built when a run is out of step
	merged   []uint32
	// mergeRow, when set, merges the row of an input's later run into
	// what its earlier runs gave; repRows holds that, per repeated input.
	mergeRow func(dst, first, later []byte) []byte
	repRows  map[int32][]byte
	rowBuf   []byte
	inputs   int
	counted  bool // t holds the counts of the last Each
	records  int  // logged: first runs and candidates
	entries  int  // entries in the first runs logged
}

// spoolFingerprint is the Spool's fingerprint (a test makes it collide).
var spoolFingerprint = fingerprint

// Record kinds at the start of a record's extra bytes.
const (
	spoolFirst     = 0 // an input's first run: its entries and row
	spoolCandidate = 1 // the first run of an id whose fingerprint was seen: its row; the entries are in rep
)

// NewSpool returns an empty Spool that reads rows by rules. opts sets the
// memory kept before the file is written to, and where it goes (nil: the
// defaults of [StreamOptions]).
func NewSpool(rules Rules, opts *StreamOptions) *Spool {
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
	s := &Spool{rows: rows{rules: rules}, rep: NewSet(rules)}
	s.log.budget, s.log.dir = o.MemoryBudget, o.TempDir
	return s
}

// RowFunc appends the caller's row for row i of an inputs record to dst.
type RowFunc func(dst []byte, i int) []byte

// Add reads one batch: the annotations and the inputs records a
// dataset.Reader hands out together (in may be nil). Each input row
// begins its input's run, its annotation rows (which follow it in a JSON
// source, or come in any order in a CSV one) continue it; row (nil: none)
// gives the bytes kept with an input, taken from its first input row.
// Neither record is retained.
func (s *Spool) Add(ann, in arrow.Record, row RowFunc) error {
	var ids *array.String
	if in != nil && in.NumRows() > 0 {
		idx := in.Schema().FieldIndices(dataset.ColInputID)
		if len(idx) == 0 {
			return fmt.Errorf("%w: inputs record lacks %s", ErrSchema, dataset.ColInputID)
		}
		var ok bool
		if ids, ok = in.Column(idx[0]).(*array.String); !ok {
			return fmt.Errorf("%w: inputs column %s is %s, want utf8", ErrSchema, dataset.ColInputID, in.Column(idx[0]).DataType())
		}
	}
	nIn := 0
	if ids != nil {
		nIn = ids.Len()
	}
	next := 0 // the next input row
	startRow := func(i int) error {
		if ids.IsNull(i) {
			return nil
		}
		if err := s.begin(ids.Value(i)); err != nil {
			return err
		}
		if row != nil && !s.cur.hasRow && (!s.cur.repeat || s.cur.added || s.mergeRow != nil) {
			s.cur.row = row(s.cur.row[:0], i)
			s.cur.hasRow = true
		}
		return nil
	}
	clear(s.batchIDs)
	if ann != nil && ann.NumRows() > 0 {
		if err := s.batch(ann); err != nil {
			return err
		}
		prev := int32(-1)
		for r := 0; r < s.n; r++ {
			if i := s.inIdx[r]; i != prev {
				prev = i
				id := s.inVals.Value(int(i))
				// The input rows up to this run's own belong to inputs
				// without annotations in this batch.
				at := -1
				for j := next; j < min(nIn, next+8); j++ {
					if ids.Value(j) == id {
						at = j
						break
					}
				}
				if at < 0 && next+8 < nIn {
					at = s.find(ids, next+8, id)
				}
				for ; at >= 0 && next < at; next++ {
					if err := startRow(next); err != nil {
						return err
					}
				}
				if at >= 0 {
					if err := startRow(at); err != nil {
						return err
					}
					next = at + 1
				} else if err := s.begin(id); err != nil {
					return err
				}
			}
			if k, f := s.row(r); f != 0 {
				s.add(uint32(k), uint32(f))
			}
		}
	}
	for ; next < nIn; next++ {
		if err := startRow(next); err != nil {
			return err
		}
	}
	return nil
}

// find returns the first input row from `from` on with id, or -1. It
// indexes the record's ids once per batch, when first needed.
func (s *Spool) find(ids *array.String, from int, id string) int {
	if s.batchIDs == nil {
		s.batchIDs = map[string]int32{}
	}
	if len(s.batchIDs) == 0 {
		for i := ids.Len() - 1; i >= 0; i-- {
			s.batchIDs[ids.Value(i)] = int32(i) // the first row of each id wins
		}
	}
	if i, ok := s.batchIDs[id]; ok && int(i) >= from {
		return int(i)
	}
	return -1
}

// AddIDs adds inputs by id, with no row (as [Set.AddIDs] does).
func (s *Spool) AddIDs(ids []string) error {
	for _, id := range ids {
		if err := s.begin(id); err != nil {
			return err
		}
	}
	return nil
}

func (s *Spool) begin(id string) error {
	if s.cur.open && string(s.cur.id) == id {
		return nil
	}
	if err := s.end(); err != nil {
		return err
	}
	s.counted = false
	c := &s.cur
	c.open, c.hasRow, c.added = true, false, false
	c.fp = spoolFingerprint(id)
	c.id = append(c.id[:0], id...)
	c.repeat = s.seen.insert(c.fp)
	if c.repeat {
		n := s.rep.NumInputs()
		c.g = int32(s.rep.Input(id))
		c.added = int(c.g) == n
	}
	c.ents = c.ents[:0]
	c.row = c.row[:0]
	return nil
}

func (s *Spool) add(k, f uint32) {
	if s.cur.repeat {
		s.rep.add(s.cur.g, k, f)
		return
	}
	s.cur.ents = addFlag(s.cur.ents, k, f)
}

// end logs the current run when it is an id's first.
func (s *Spool) end() error {
	c := &s.cur
	if !c.open {
		return nil
	}
	c.open = false
	switch {
	case !c.repeat:
		s.records++
		s.entries += len(c.ents)
		return s.log.appendExtra(c.fp, c.id, c.ents, []byte{spoolFirst}, c.row)
	case c.added:
		s.records++
		s.keepRow()
		return s.log.appendExtra(c.fp, c.id, nil, []byte{spoolCandidate}, c.row)
	}
	s.keepRow()
	return nil
}

// keepRow keeps the row of a run of an input whose fingerprint was seen
// before, when rows merge: the input's first run, logged earlier, gets
// what this one adds when Each reads it (in memory for repeated inputs
// only; for a new input whose fingerprint matched another's, its own row).
func (s *Spool) keepRow() {
	c := &s.cur
	if s.mergeRow == nil || len(c.row) == 0 {
		return
	}
	if s.repRows == nil {
		s.repRows = map[int32][]byte{}
	}
	s.repRows[c.g] = s.mergeRow(nil, s.repRows[c.g], c.row)
}

// MergeRows makes the Spool keep the rows of an input's later runs, not
// only of its first: fn(dst, first, later) appends to dst the row that
// results when later follows first (either may be empty), and Each hands
// out each input's rows merged in order of the runs. Without it an input
// that comes back keeps the row of its first run. Call it before Add.
func (s *Spool) MergeRows(fn func(dst, first, later []byte) []byte) { s.mergeRow = fn }

// Finish ends the last run. Call it after the last Add. Once the log has
// gone to its file, the rest of it follows and the buffer is freed: Each
// reads the file alone.
func (s *Spool) Finish() error {
	if err := s.end(); err != nil {
		return err
	}
	if s.log.f != nil && len(s.log.buf) > 0 {
		if err := s.log.spill(); err != nil {
			return err
		}
	}
	if s.log.f != nil {
		s.log.buf = nil
	}
	return nil
}

// NumConcepts returns the number of concepts with a counted annotation,
// numbered in order of first sight as in every [Entry] Each hands out.
func (s *Spool) NumConcepts() int { return len(s.conceptID) }

// ConceptID returns the id of concept k.
func (s *Spool) ConceptID(k int) string { return s.conceptID[k] }

// ConceptName returns the first name a source gave concept k ("" when none).
func (s *Spool) ConceptName(k int) string { return s.conceptName[k] }

// Sizes bounds what Each will hand out, before the relations: at most
// inputs inputs with entries labels in all (so that a caller can size its
// storage once).
func (s *Spool) Sizes() (inputs, entries int) {
	return s.records, s.entries + s.rep.NumEntries()
}

// NumInputs returns the number of distinct inputs the last [Spool.Each]
// handed out.
func (s *Spool) NumInputs() int { return s.inputs }

// Totals returns the row counts so far.
func (s *Spool) Totals() Totals { return s.totals() }

// Each calls fn for every distinct input in order of first sight with its
// id, its row (nil when no input row came with it) and its labels, merged
// over all its runs and closed over the relations, valid only during the
// call. It may be called again; an error from fn ends it with that error.
// Call [Spool.Finish] first.
func (s *Spool) Each(fn func(id, row []byte, labels []Entry) error) error {
	if s.cur.open {
		return fmt.Errorf("label: Spool.Each before Finish")
	}
	w := newWalker(s.rules, &s.concepts)
	n := s.rep.NumInputs()
	var want map[uint32]struct{}
	var done []bool // per repeated id: its row was handed out
	if n > 0 {
		want = make(map[uint32]struct{}, n)
		for g := range n {
			want[spoolFingerprint(s.rep.inputIDs.key(uint32(g)))] = struct{}{}
		}
		done = make([]bool, n)
	}
	s.t = tally{}
	inputs := 0
	err := s.log.eachExtra(func(uint32) bool { return true }, func(fp uint32, id []byte, ents []uint32, extra []byte) error {
		if len(extra) == 0 {
			return errCorrupt
		}
		kind, row := extra[0], extra[1:]
		if len(row) == 0 {
			row = nil
		}
		g := int32(-1)
		if want != nil {
			if _, ok := want[fp]; ok {
				g = s.rep.inputIDs.lookup(string(id))
			}
		}
		if kind == spoolCandidate {
			if g < 0 {
				return errCorrupt
			}
			if done[g] {
				return nil // the id's first run came earlier: a repeat
			}
			ents = nil // a new input whose fingerprint matched another's
		}
		if g >= 0 {
			done[g] = true
			sp := s.rep.spans[g]
			ents = s.merge(ents, s.rep.arena[sp.off:sp.off+sp.n])
			if later, ok := s.repRows[g]; ok {
				s.rowBuf = s.mergeRow(s.rowBuf[:0], row, later)
				row = s.rowBuf
			}
		}
		closed := w.close(ents)
		s.t.add(closed, 1)
		inputs++
		return fn(id, row, closed)
	})
	if err != nil {
		return err
	}
	s.inputs = inputs
	s.counted = true
	return nil
}

// merge returns a's entries with b's flags ORed in.
func (s *Spool) merge(a, b []uint32) []uint32 {
	m := append(s.merged[:0], a...)
	for _, e := range b {
		found := false
		for i, x := range m {
			if x>>2 == e>>2 {
				m[i] = x | e&3
				found = true
				break
			}
		}
		if !found {
			m = append(m, e)
		}
	}
	s.merged = m
	return m
}

// Result returns the counts of the inputs the last [Spool.Each] handed
// out, as [Set.Result] counts them.
func (s *Spool) Result() (Result, error) {
	if !s.counted {
		return Result{}, fmt.Errorf("label: Spool.Result before Each")
	}
	return s.result(s.t.inputs, s.t.counts(len(s.conceptID))), nil
}

// Close removes the temporary file, if any.
func (s *Spool) Close() error { return s.log.close() }
