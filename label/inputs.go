package label

// Inputs reads a finished count back input by input: each distinct
// input's id and its labels closed over the hierarchy, the concepts
// numbered as a [Set] numbers them (in order of the first counted
// annotation of each). It serves an analysis that must look at every
// input again once the per-concept counts are known, as the overlap
// analysis and negative suggestions of package balance do.
//
// [Set.Inputs] and [Stream.Inputs] give the same concepts and, for every
// input, the same id and the same closed entries; the order of the
// inputs, and of the entries within a row, may differ between the two.
// A Stream's Inputs read its first runs back from memory or from its
// temporary file, so they keep no more per input than the Stream does.
//
// Inputs are a view of the count when they were made: add no rows to
// the Set or Stream while using them. They are not safe for concurrent
// use.
type Inputs struct {
	c      *concepts
	walker *Walker
	each   func(fn func(id []byte, row []Entry)) error
}

// NumConcepts returns the number of concepts with at least one counted
// annotation.
func (in *Inputs) NumConcepts() int { return len(in.c.conceptID) }

// ConceptID returns the id of concept k.
func (in *Inputs) ConceptID(k int) string { return in.c.conceptID[k] }

// ConceptName returns the first name a source gave concept k ("" when
// none).
func (in *Inputs) ConceptName(k int) string { return in.c.conceptName[k] }

// Up returns the concepts a positive for concept k also counts for (its
// hypernyms and synonyms among the counted concepts); nil without
// relations. The slice is shared: do not modify it.
func (in *Inputs) Up(k int) []int32 { return in.walker.Up(k) }

// Each calls fn once for every distinct input, annotated or not, with its
// id and its entries after the closure ([Walker.Row]). id and row are
// valid only during the call. It fails only when a Stream's temporary
// file cannot be read back.
func (in *Inputs) Each(fn func(id []byte, row []Entry)) error { return in.each(fn) }

// Inputs returns the inputs of s in order of first sight (not after
// [Set.DropRows]).
func (s *Set) Inputs() *Inputs {
	w := s.Walker()
	return &Inputs{c: &s.concepts, walker: w, each: func(fn func(id []byte, row []Entry)) error {
		t := &s.inputIDs
		for i := range s.spans {
			fn(t.data[t.offs[i]:t.offs[i+1]], w.Row(i))
		}
		return nil
	}}
}

// Inputs returns the inputs of s: those seen once in the order of their
// first run, then those that came back, their runs merged.
func (s *Stream) Inputs() *Inputs {
	// The Stream numbers the hierarchy's concepts first, counted or not;
	// a Set only the counted ones, as they come. Entries are renumbered
	// before the closure, which then reaches the counted concepts only,
	// as a Set's Walker does.
	c := &concepts{conceptIDs: make(map[string]int32, len(s.firstCounted))}
	toSet := make([]uint32, len(s.conceptID))
	for _, k := range s.firstCounted {
		toSet[k] = uint32(len(c.conceptID))
		c.conceptIDs[s.conceptID[k]] = int32(len(c.conceptID))
		c.conceptID = append(c.conceptID, s.conceptID[k])
		c.conceptName = append(c.conceptName, s.conceptName[k])
		c.implicit = append(c.implicit, s.implicit[k])
	}
	w := newWalker(s.rules, c)
	var ents []uint32
	row := func(raw []uint32) []Entry {
		ents = ents[:0]
		for _, e := range raw {
			ents = append(ents, toSet[e>>2]<<2|e&3)
		}
		return w.close(ents)
	}
	return &Inputs{c: c, walker: w, each: func(fn func(id []byte, row []Entry)) error {
		rep := s.rep
		n := rep.NumInputs()
		want := make(map[uint32]struct{}, n)
		var quick [1 << 10]uint64 // a bit per fingerprint's top 16 bits, as in Result
		for g := range n {
			fp := fingerprint(rep.inputIDs.key(uint32(g)))
			want[fp] = struct{}{}
			quick[fp>>22] |= 1 << (fp >> 16 & 63)
		}
		all := func(uint32) bool { return true }
		err := s.log.each(all, func(fp uint32, id []byte, raw []uint32) {
			if quick[fp>>22]&(1<<(fp>>16&63)) == 0 {
				fn(id, row(raw))
				return
			}
			if _, ok := want[fp]; ok {
				if g := rep.inputIDs.lookup(string(id)); g >= 0 {
					// Came back: merged with its later runs, given below.
					// Merging again (as Result does) is harmless.
					for _, e := range raw {
						rep.add(g, e>>2, e&3)
					}
					return
				}
			}
			fn(id, row(raw))
		})
		if err != nil {
			return err
		}
		if s.cur.open && !s.cur.repeat {
			fn(s.cur.id, row(s.cur.ents))
		}
		t := &rep.inputIDs
		for g := range n {
			sp := rep.spans[g]
			fn(t.data[t.offs[g]:t.offs[g+1]], row(rep.arena[sp.off:sp.off+sp.n]))
		}
		return nil
	}}
}
