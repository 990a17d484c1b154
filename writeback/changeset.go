package writeback

import (
	"cmp"
	"fmt"
	"hash/maphash"
	"slices"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"

	"curate.dev/dataset"
)

// change is one row of a changes table, held as Go values while a source
// streams past. There are far fewer changes than inputs.
type change struct {
	inputID, conceptID, conceptName string
	value                           float32
	score                           float64
	hasScore                        bool
	accept                          bool
	line                            int64 // suggestions file line (0: none)

	state  Action // ActionSkipped until decided
	old    float32
	hadOld bool
	chosen bool
}

// changeSet indexes the chosen changes by input id.
type changeSet struct {
	all     []change
	byInput map[string]*inputChanges
	// filter is a one-hash Bloom filter over the input ids with changes:
	// most source lines have none, and a bit test is cheaper than a map
	// probe.
	filter []uint64
	seed   maphash.Seed
}

// buildFilter sizes the filter at 16 bits per input (about 6% false
// positives), at least 4 KiB.
func (cs *changeSet) buildFilter() {
	n := 1 << 15
	for n < 16*len(cs.byInput) {
		n <<= 1
	}
	cs.filter = make([]uint64, n/64)
	cs.seed = maphash.MakeSeed()
	for id := range cs.byInput {
		h := maphash.String(cs.seed, id) & uint64(n-1)
		cs.filter[h/64] |= 1 << (h % 64)
	}
}

// get returns the changes of the input whose id is raw (unescaped bytes).
func (cs *changeSet) get(raw []byte) *inputChanges {
	if cs.filter != nil {
		h := maphash.Bytes(cs.seed, raw) & uint64(len(cs.filter)*64-1)
		if cs.filter[h/64]&(1<<(h%64)) == 0 {
			return nil
		}
	}
	return cs.byInput[string(raw)]
}

type inputChanges struct {
	idx  []int32 // into changeSet.all, in table order
	seen bool
}

// columnGetter reads row i of a column as a string, float or bool,
// whatever its physical type.
type columnGetter struct {
	str  func(i int) (string, bool)
	num  func(i int) (float64, bool)
	bool func(i int) (bool, bool)
}

func getter(arr arrow.Array) columnGetter {
	var g columnGetter
	switch a := arr.(type) {
	case *array.String:
		g.str = func(i int) (string, bool) { return a.Value(i), a.IsValid(i) }
	case *array.LargeString:
		g.str = func(i int) (string, bool) { return a.Value(i), a.IsValid(i) }
	case *array.Dictionary:
		if d, ok := a.Dictionary().(*array.String); ok {
			g.str = func(i int) (string, bool) {
				if !a.IsValid(i) {
					return "", false
				}
				return d.Value(a.GetValueIndex(i)), true
			}
		}
	case *array.Float32:
		g.num = func(i int) (float64, bool) { return float64(a.Value(i)), a.IsValid(i) }
	case *array.Float64:
		g.num = func(i int) (float64, bool) { return a.Value(i), a.IsValid(i) }
	case *array.Int64:
		g.num = func(i int) (float64, bool) { return float64(a.Value(i)), a.IsValid(i) }
	case *array.Int32:
		g.num = func(i int) (float64, bool) { return float64(a.Value(i)), a.IsValid(i) }
	case *array.Boolean:
		g.bool = func(i int) (bool, bool) { return a.Value(i), a.IsValid(i) }
	}
	return g
}

// loadChanges copies a changes table into Go values, checks each row and
// applies the filters in opts.
func loadChanges(tbl arrow.Table, opts *Options) (*changeSet, error) {
	if tbl == nil {
		return &changeSet{byInput: map[string]*inputChanges{}}, nil
	}
	s := tbl.Schema()
	col := func(name string) int {
		if idx := s.FieldIndices(name); len(idx) > 0 {
			return idx[0]
		}
		return -1
	}
	cIn, cCon, cVal := col(dataset.ColInputID), col(dataset.ColConceptID), col(dataset.ColValue)
	for _, c := range []struct {
		name string
		i    int
	}{{dataset.ColInputID, cIn}, {dataset.ColConceptID, cCon}, {dataset.ColValue, cVal}} {
		if c.i < 0 {
			return nil, fmt.Errorf("dataset: changes table has no %q column: %w", c.name, dataset.ErrShape)
		}
	}
	cName, cScore, cAcc, cLine := col(dataset.ColConceptName), col(dataset.ColScore), col(dataset.ColAccept), col(dataset.ColLine)
	errAt := func(line int64, row int, field string, err error) error {
		if line == 0 {
			line = int64(row + 1)
		}
		return &dataset.ParseError{File: opts.changesName(), Line: int(line), Field: field, Err: err}
	}

	cs := &changeSet{all: make([]change, 0, tbl.NumRows()), byInput: make(map[string]*inputChanges)}
	tr := array.NewTableReader(tbl, -1)
	defer tr.Release()
	row := 0
	for tr.Next() {
		rec := tr.Record()
		gIn, gCon, gVal := getter(rec.Column(cIn)), getter(rec.Column(cCon)), getter(rec.Column(cVal))
		if gIn.str == nil || gCon.str == nil || gVal.num == nil {
			return nil, fmt.Errorf("dataset: changes table: input_id and concept_id must be strings and value a number: %w", dataset.ErrShape)
		}
		var gName, gScore, gAcc, gLine columnGetter
		if cName >= 0 {
			gName = getter(rec.Column(cName))
		}
		if cScore >= 0 {
			gScore = getter(rec.Column(cScore))
		}
		if cAcc >= 0 {
			gAcc = getter(rec.Column(cAcc))
		}
		if cLine >= 0 {
			gLine = getter(rec.Column(cLine))
		}
		for i := 0; i < int(rec.NumRows()); i, row = i+1, row+1 {
			c := change{accept: true}
			if gLine.num != nil {
				l, _ := gLine.num(i)
				c.line = int64(l)
			}
			c.inputID, _ = gIn.str(i)
			c.conceptID, _ = gCon.str(i)
			if gName.str != nil {
				c.conceptName, _ = gName.str(i)
			}
			if c.inputID == "" {
				return nil, errAt(c.line, row, dataset.ColInputID, fmt.Errorf("%w: missing input id", dataset.ErrShape))
			}
			if c.conceptID == "" {
				return nil, errAt(c.line, row, dataset.ColConceptID, fmt.Errorf("%w: missing concept id", dataset.ErrShape))
			}
			v, ok := gVal.num(i)
			if !ok || (v != 0 && v != 1) {
				return nil, errAt(c.line, row, dataset.ColValue, valueError("0 or 1", fmt.Sprint(v)))
			}
			c.value = float32(v)
			if gScore.num != nil {
				c.score, c.hasScore = gScore.num(i)
			}
			if gAcc.bool != nil {
				if a, ok := gAcc.bool(i); ok {
					c.accept = a
				}
			}
			cs.all = append(cs.all, c)
		}
	}
	if err := tr.Err(); err != nil {
		return nil, err
	}
	if err := cs.choose(opts); err != nil {
		return nil, err
	}
	return cs, nil
}

// choose marks the changes that pass the reviewer's verdict and the
// filters, drops repeats and indexes the rest by input.
func (cs *changeSet) choose(opts *Options) error {
	var only map[string]bool
	if len(opts.Concepts) > 0 {
		only = make(map[string]bool, len(opts.Concepts))
		for _, c := range opts.Concepts {
			only[c] = true
		}
	}
	var cand []int32
	for i := range cs.all {
		c := &cs.all[i]
		c.state = ActionSkipped
		switch {
		case !c.accept:
		case only != nil && !only[c.conceptID]:
		case opts.MinScore > 0 && (!c.hasScore || c.score < opts.MinScore):
		default:
			cand = append(cand, int32(i))
		}
	}
	if opts.TopPerConcept > 0 {
		// Highest score first, then file order; a missing score ranks last.
		slices.SortStableFunc(cand, func(a, b int32) int {
			ca, cb := &cs.all[a], &cs.all[b]
			if c := cmp.Compare(ca.conceptID, cb.conceptID); c != 0 {
				return c
			}
			if ca.hasScore != cb.hasScore {
				if ca.hasScore {
					return -1
				}
				return 1
			}
			return cmp.Compare(cb.score, ca.score)
		})
		kept := cand[:0]
		n := 0
		for k, i := range cand {
			if k > 0 && cs.all[i].conceptID != cs.all[cand[k-1]].conceptID {
				n = 0
			}
			if n < opts.TopPerConcept {
				kept = append(kept, i)
			}
			n++
		}
		cand = kept
		slices.Sort(cand)
	}
	type key struct{ in, con string }
	first := make(map[key]int32, len(cand))
	for _, i := range cand {
		c := &cs.all[i]
		k := key{c.inputID, c.conceptID}
		if j, dup := first[k]; dup {
			if cs.all[j].value != c.value {
				return &dataset.ParseError{File: opts.changesName(), Line: int(c.line), Field: dataset.ColValue,
					Err: fmt.Errorf("%w: %s on input %q is %v here but %v on line %d", ErrConflict, c.conceptID, c.inputID, c.value, cs.all[j].value, cs.all[j].line)}
			}
			c.state = ActionDuplicate
			continue
		}
		first[k] = i
		c.chosen = true
		c.state = actionPending
		ic := cs.byInput[c.inputID]
		if ic == nil {
			ic = &inputChanges{}
			cs.byInput[c.inputID] = ic
		}
		ic.idx = append(ic.idx, i)
	}
	cs.buildFilter()
	return nil
}
