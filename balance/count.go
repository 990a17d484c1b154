package balance

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"

	"curate.dev/dataset"
)

// Defaults for the status thresholds and the model score threshold.
const (
	DefaultTargetRatio    = 1.0
	DefaultMinPositives   = 10
	DefaultModelThreshold = 0.5
	// softThreshold splits soft (0..1) user values into positives and
	// negatives.
	softThreshold = 0.5
)

// ErrSchema reports a record that lacks a column of
// [dataset.AnnotationSchema] or holds it with another type.
var ErrSchema = errors.New("balance: record does not have the annotations schema")

type config struct {
	th             Thresholds
	hier           *Hierarchy
	includeModels  bool
	modelThreshold float32
}

// Option configures a [Counter] or [Compute].
type Option func(*config)

// WithHierarchy counts along concept relations (nil: none). A positive for
// a concept also counts for its hypernyms and synonyms; a negative for a
// concept also counts for its hyponyms and synonyms (the Open Images
// convention). The report says how many counts came from this.
func WithHierarchy(h *Hierarchy) Option { return func(c *config) { c.hier = h } }

// WithTargetRatio sets the negatives:positives ratio below which a concept
// has status few-negatives (default [DefaultTargetRatio]). r <= 0 is ignored.
func WithTargetRatio(r float64) Option {
	return func(c *config) {
		if r > 0 {
			c.th.TargetRatio = r
		}
	}
}

// WithMinPositives sets the number of positives below which a concept has
// status few-positives (default [DefaultMinPositives]). n < 0 is ignored.
func WithMinPositives(n int) Option {
	return func(c *config) {
		if n >= 0 {
			c.th.MinPositives = n
		}
	}
}

// WithModels counts annotations made by a model or a workflow (annotator
// kind "model" or "workflow"), which are left out by default: a score of at
// least threshold is a positive, a lower one a negative.
func WithModels(threshold float32) Option {
	return func(c *config) {
		c.includeModels = true
		c.modelThreshold = threshold
	}
}

// Counter accumulates per-concept counts over annotation records of
// [dataset.AnnotationSchema]. Records may come in any order: the rows of
// one input need not be adjacent (CSV) and an input may appear in several
// records or sources; it is counted once. Memory grows with the number of
// distinct inputs times their distinct concepts, never with the number of
// rows. A Counter is not safe for concurrent use.
type Counter struct {
	cfg config

	inputIDs idTable
	spans    []span   // per input: its entries in arena
	arena    []uint32 // entries: concept index << 2 | flags
	live     int      // sum of span capacities

	conceptIDs  map[string]int32
	conceptID   []string
	conceptName []string
	implicit    []int // per concept
	annotations int
	implicitSum int
	excluded    int
	unannotated int // inputs the source saw with no annotation at all

	// per-batch scratch, reused
	inMap, cMap     []int32
	inHash          []uint32 // per dictionary input: its hash
	sink            uint64
	srcMap, kindMap []int8
	cols            columns
	schema          *arrow.Schema
}

// entry flags
const (
	flagPos = 1
	flagNeg = 2
)

// span locates one input's entries in the arena.
type span struct{ off, n, cap uint32 }

type columns struct {
	input, concept, name, value, source, kind int
}

// AddUnannotated counts n inputs that carry no annotation at all (a
// reader's [dataset.Stats.Unannotated]): they produce no rows, yet they are
// inputs of the dataset, unknown for every concept.
func (c *Counter) AddUnannotated(n int) {
	if n > 0 {
		c.unannotated += n
	}
}

// NewCounter returns an empty Counter.
func NewCounter(opts ...Option) *Counter {
	cfg := config{th: Thresholds{TargetRatio: DefaultTargetRatio, MinPositives: DefaultMinPositives}, modelThreshold: DefaultModelThreshold}
	for _, o := range opts {
		o(&cfg)
	}
	return &Counter{
		cfg:        cfg,
		conceptIDs: map[string]int32{},
	}
}

// Compute counts every record of rr and returns the report. It checks ctx
// between records. rr is not released.
func Compute(ctx context.Context, rr array.RecordReader, opts ...Option) (*Report, error) {
	c := NewCounter(opts...)
	for rr.Next() {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if err := c.Add(rr.Record()); err != nil {
			return nil, err
		}
	}
	if err := rr.Err(); err != nil {
		return nil, err
	}
	return c.Report(), nil
}

// Add counts the rows of rec, which must have the columns of
// [dataset.AnnotationSchema] (found by name). rec is not retained.
func (c *Counter) Add(rec arrow.Record) error {
	if rec.Schema() != c.schema {
		cols, err := findColumns(rec.Schema())
		if err != nil {
			return err
		}
		c.cols, c.schema = cols, rec.Schema()
	}
	n := int(rec.NumRows())
	if n == 0 {
		return nil
	}
	inDict := rec.Column(c.cols.input).(*array.Dictionary)
	cDict := rec.Column(c.cols.concept).(*array.Dictionary)
	nameDict := rec.Column(c.cols.name).(*array.Dictionary)
	srcDict := rec.Column(c.cols.source).(*array.Dictionary)
	kindDict := rec.Column(c.cols.kind).(*array.Dictionary)
	values := rec.Column(c.cols.value).(*array.Float32).Float32Values()

	inIdx := inDict.Indices().(*array.Int32).Int32Values()
	cIdx := cDict.Indices().(*array.Int32).Int32Values()
	nameIdx := nameDict.Indices().(*array.Int32).Int32Values()
	srcIdx := srcDict.Indices().(*array.Int8).Int8Values()
	kindIdx := kindDict.Indices().(*array.Int8).Int8Values()
	inVals := inDict.Dictionary().(*array.String)
	cVals := cDict.Dictionary().(*array.String)
	nameVals := nameDict.Dictionary().(*array.String)

	// Dictionary indices map to global indices lazily, once per distinct
	// value and batch.
	c.inMap = resetMap(c.inMap, inVals.Len())
	c.prepareInputs(inVals)
	c.cMap = resetMap(c.cMap, cVals.Len())
	c.srcMap = smallMap(c.srcMap, srcDict.Dictionary().(*array.String), func(s string) int8 {
		if vs, ok := dataset.ParseValueSource(s); ok && !vs.Implicit() {
			return 0
		}
		return 1
	})
	c.kindMap = smallMap(c.kindMap, kindDict.Dictionary().(*array.String), func(s string) int8 {
		if k, _ := dataset.ParseAnnotatorKind(s); k == dataset.AnnotatorModel || k == dataset.AnnotatorWorkflow {
			return 1
		}
		return 0
	})
	kindNulls := kindDict.NullN() > 0
	nameNulls := nameDict.NullN() > 0
	if inDict.NullN() > 0 || cDict.NullN() > 0 {
		return fmt.Errorf("%w: null input_id or concept_id", ErrSchema)
	}

	// Room for one new entry per row, so that growing an input's entries
	// in place never reallocates the arena within the batch; growing by half
	// keeps the copying of a growing arena linear.
	if cap(c.arena)-len(c.arena) < n {
		grown := make([]uint32, len(c.arena), max(cap(c.arena)+cap(c.arena)/2, len(c.arena)+n, 4096))
		copy(grown, c.arena)
		c.arena = grown
	}

	// The rows of an input are usually adjacent: look an input up once
	// per run of rows.
	prevIdx, g := int32(-1), int32(0)
	for r := 0; r < n; r++ {
		if i := inIdx[r]; i != prevIdx {
			prevIdx, g = i, c.input(inVals, c.inMap, i)
		}
		threshold := float32(softThreshold)
		if (!kindNulls || kindDict.IsValid(r)) && c.kindMap[kindIdx[r]] != 0 {
			if !c.cfg.includeModels {
				c.excluded++ // the input exists, its labels are unknown
				continue
			}
			threshold = c.cfg.modelThreshold
		}
		ci := cIdx[r]
		k := c.cMap[ci]
		if k < 0 {
			k = c.concept(cVals.Value(int(ci)))
			c.cMap[ci] = k
		}
		if c.conceptName[k] == "" && (!nameNulls || nameDict.IsValid(r)) {
			// Cloned once: the name is looked at again only while empty.
			c.conceptName[k] = strings.Clone(nameVals.Value(int(nameIdx[r])))
		}
		if c.srcMap[srcIdx[r]] != 0 {
			c.implicit[k]++
			c.implicitSum++
		}
		f := uint32(flagNeg)
		if values[r] >= threshold {
			f = flagPos
		}
		c.add(g, uint32(k), f)
		c.annotations++
	}
	return nil
}

// input returns the global index of the input at dictionary index i.
func (c *Counter) input(vals *array.String, m []int32, i int32) int32 {
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
		for _, h := range c.inHash[min(int(i)+touchAhead, len(c.inHash)):min(int(i)+2*touchAhead, len(c.inHash))] {
			sink += c.inputIDs.touch(h)
		}
		for _, h := range c.inHash[i:min(int(i)+touchAhead, len(c.inHash))] {
			if e := c.inputIDs.candidate(h); e >= 0 {
				sink += c.inputIDs.touchKey(e) + uint64(c.spans[e].off)
			}
		}
		c.sink += sink
	}
	g, added := c.inputIDs.getHashed(vals.Value(int(i)), c.inHash[i])
	if added {
		c.spans = append(c.spans, span{off: uint32(len(c.arena))})
	}
	m[i] = g
	return g
}

// prepareInputs hashes the batch's input ids and reserves room for all of
// them in the id table, whose slots then stay put for the batch.
func (c *Counter) prepareInputs(vals *array.String) {
	n := vals.Len()
	c.inputIDs.reserve(n)
	if cap(c.inHash) < n {
		c.inHash = make([]uint32, n)
	}
	c.inHash = c.inHash[:n]
	for i := range c.inHash {
		c.inHash[i] = hashID(vals.Value(i))
	}
}

// touchAhead is how many dictionary entries input touches in the id
// table at a time, that many entries ahead.
const touchAhead = 16

func (c *Counter) concept(id string) int32 {
	if k, ok := c.conceptIDs[id]; ok {
		return k
	}
	k := int32(len(c.conceptID))
	id = strings.Clone(id)
	c.conceptIDs[id] = k
	c.conceptID = append(c.conceptID, id)
	c.conceptName = append(c.conceptName, "")
	c.implicit = append(c.implicit, 0)
	return k
}

// add records flag f for concept k on input g.
func (c *Counter) add(g int32, k, f uint32) {
	sp := &c.spans[g]
	ents := c.arena[sp.off : sp.off+sp.n]
	for i, e := range ents {
		if e>>2 == k {
			ents[i] = e | f
			return
		}
	}
	if sp.n == sp.cap {
		if int(sp.off+sp.cap) == len(c.arena) {
			// The input's entries end the arena (always so when an
			// input's rows are adjacent): grow in place.
			c.arena = append(c.arena, 0)
			sp.cap++
			c.live++
		} else {
			c.relocate(sp)
		}
	}
	c.arena[sp.off+sp.n] = k<<2 | f
	sp.n++
}

// relocate moves a full span to the end of the arena with room to grow,
// compacting the arena when holes take more than half of it.
func (c *Counter) relocate(sp *span) {
	if len(c.arena) > 2*c.live+4096 {
		c.compact()
	}
	newCap := max(4, 2*sp.cap)
	off := uint32(len(c.arena))
	c.arena = append(c.arena, c.arena[sp.off:sp.off+sp.n]...)
	c.arena = append(c.arena, make([]uint32, newCap-sp.n)...)
	c.live += int(newCap - sp.cap)
	sp.off, sp.cap = off, newCap
}

// compact rewrites the arena without holes, keeping each span's capacity.
func (c *Counter) compact() {
	out := make([]uint32, 0, c.live+c.live/2)
	for i := range c.spans {
		sp := &c.spans[i]
		off := uint32(len(out))
		out = append(out, c.arena[sp.off:sp.off+sp.cap]...)
		sp.off = off
	}
	c.arena = out
}

func resetMap(m []int32, n int) []int32 {
	if cap(m) < n {
		m = make([]int32, n)
	}
	m = m[:n]
	for i := range m {
		m[i] = -1
	}
	return m
}

func smallMap(m []int8, dict *array.String, f func(string) int8) []int8 {
	m = m[:0]
	for i := 0; i < dict.Len(); i++ {
		m = append(m, f(dict.Value(i)))
	}
	return m
}

func findColumns(s *arrow.Schema) (columns, error) {
	var cols columns
	want := []struct {
		name string
		dst  *int
		typ  arrow.DataType
	}{
		{dataset.ColInputID, &cols.input, &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int32, ValueType: arrow.BinaryTypes.String}},
		{dataset.ColConceptID, &cols.concept, &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int32, ValueType: arrow.BinaryTypes.String}},
		{dataset.ColConceptName, &cols.name, &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int32, ValueType: arrow.BinaryTypes.String}},
		{dataset.ColValue, &cols.value, arrow.PrimitiveTypes.Float32},
		{dataset.ColValueSource, &cols.source, &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int8, ValueType: arrow.BinaryTypes.String}},
		{dataset.ColAnnotatorKind, &cols.kind, &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int8, ValueType: arrow.BinaryTypes.String}},
	}
	for _, w := range want {
		idx := s.FieldIndices(w.name)
		if len(idx) == 0 {
			return cols, fmt.Errorf("%w: no column %q", ErrSchema, w.name)
		}
		if got := s.Field(idx[0]).Type; !arrow.TypeEqual(got, w.typ) {
			return cols, fmt.Errorf("%w: column %q is %s, want %s", ErrSchema, w.name, got, w.typ)
		}
		*w.dst = idx[0]
	}
	return cols, nil
}
