package export

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"

	"curate.dev/dataset"
	"curate.dev/label"
)

// State is one cell of the label matrix.
type State int8

const (
	Unknown State = -1 // no annotation, or conflicting ones
	Absent  State = 0  // an explicit negative
	Present State = 1  // a positive
)

// cell states stored in Labels; conflict reads as Unknown in the label
// vector but is counted on its own.
const (
	cellAbsent   int8 = 0
	cellPresent  int8 = 1
	cellConflict int8 = 2
)

// Labels is the label matrix of a dataset, as the label core reads it
// (package label: the same rules, hierarchy closure and distinct inputs as
// the balance report): for every input, the concepts labelled on it and
// whether each is present, absent or in conflict (both a positive and a
// negative: never silently resolved, it reads as [Unknown]). Build it with
// a [LabelCollector]. Labels is read-only and safe for concurrent readers.
type Labels struct {
	// Concepts are the concept ids in label-vector order (sorted).
	Concepts []string
	// Names are the concepts' display names ("" when none was seen).
	Names []string
	// Groups holds each input's group number when a group field was set
	// (inputs without the field get a group of their own); nil otherwise.
	Groups []int32
	// Excluded counts annotations left out by the rules (model and
	// workflow scores, unless models are kept).
	Excluded int64

	set   *label.Set // distinct inputs (nil when built in one pass: no ids)
	n     int        // inputs, when set is nil
	renum []int32
	off   []int64        // input i's cells are ents[off[i]:off[i+1]], concepts ascending; nil: counts only
	ents  []uint32       // concept<<4 | via<<2 | cell: the cell state and the closure's ViaPositive, ViaNegative
	stats []ConceptStats // without rows: the counts over every input
}

// NumInputs returns the number of inputs, annotated or not.
func (l *Labels) NumInputs() int {
	if l.set == nil {
		return l.n
	}
	return l.set.NumInputs()
}

// HasRows reports whether l holds every input's labels (Row, Vector,
// [CountStats] with a filter). [Write] keeps only the concepts and their
// counts when it needs no more: the training and stats layouts without
// splits.
func (l *Labels) HasRows() bool { return l.off != nil }

// InputID returns the id of input i (in order of first sight), "" when
// l holds no ids (built by [Write] in one pass, whose rows carry them).
func (l *Labels) InputID(i int) string {
	if l.set == nil {
		return ""
	}
	return l.set.InputID(i)
}

// Index returns the row of an input id; false for an unknown id and on a
// Labels without ids (see [Labels.InputID]).
func (l *Labels) Index(inputID string) (int, bool) {
	if l.set == nil {
		return 0, false
	}
	return l.set.Lookup(inputID)
}

// packCell packs a label-vector cell: concept c, state cell and the
// closure's Via flags.
func packCell(c int32, cell int8, via label.Flags) uint32 {
	return uint32(c)<<4 | uint32(via>>2)<<2 | uint32(cell)
}

func cellOf(e uint32) int8       { return int8(e & 3) }
func conceptOf(e uint32) int32   { return int32(e >> 4) }
func viaOf(e uint32) label.Flags { return label.Flags(e>>2&3) << 2 }
func cellFlags(f label.Flags) int8 {
	switch {
	case f.IsPositive():
		return cellPresent
	case f.IsNegative():
		return cellAbsent
	}
	return cellConflict
}

// Row calls fn for each labelled concept of input i (relations applied), in
// concept order. conflict marks a concept with both a positive and a
// negative; state is then Unknown.
func (l *Labels) Row(i int, fn func(concept int, state State, conflict bool)) {
	for _, e := range l.ents[l.off[i]:l.off[i+1]] {
		switch cellOf(e) {
		case cellPresent:
			fn(int(conceptOf(e)), Present, false)
		case cellAbsent:
			fn(int(conceptOf(e)), Absent, false)
		default:
			fn(int(conceptOf(e)), Unknown, true)
		}
	}
}

// Vector fills dst (len(Concepts) long) with input i's three-state labels.
func (l *Labels) Vector(i int, dst []int8) {
	for k := range dst {
		dst[k] = int8(Unknown)
	}
	for _, e := range l.ents[l.off[i]:l.off[i+1]] {
		switch cellOf(e) {
		case cellPresent:
			dst[conceptOf(e)] = int8(Present)
		case cellAbsent:
			dst[conceptOf(e)] = int8(Absent)
		}
	}
}

// positives returns the concepts present on input i (shares storage; do
// not modify).
func (l *Labels) positives(i int, buf []int32) []int32 {
	buf = buf[:0]
	for _, e := range l.ents[l.off[i]:l.off[i+1]] {
		if cellOf(e) == cellPresent {
			buf = append(buf, conceptOf(e))
		}
	}
	return buf
}

// CollectOption configures a [LabelCollector].
type CollectOption func(*LabelCollector)

// WithRules reads annotations by rules (package label): whether model and
// workflow scores count and from which score, and the relations that
// close the labels. The default is label.Rules{}: models left out, no
// relations.
func WithRules(r label.Rules) CollectOption {
	return func(c *LabelCollector) { c.rules = r }
}

// WithGroupField groups inputs by a top-level field of their metadata JSON
// (the FIELD of --group-by metadata.FIELD): a split keeps each group
// together.
func WithGroupField(field string) CollectOption {
	return func(c *LabelCollector) { c.groupField = field }
}

// LabelCollector builds [Labels] from annotation and input records, one
// batch at a time, through a [label.Set].
type LabelCollector struct {
	rules      label.Rules
	groupField string
	set        *label.Set

	groupKeys map[string]int32
	groups    []int32 // by input index; -1 until the input's record is seen
}

// NewLabelCollector returns an empty collector.
func NewLabelCollector(opts ...CollectOption) *LabelCollector {
	c := &LabelCollector{}
	for _, o := range opts {
		o(c)
	}
	c.set = label.NewSet(c.rules)
	if c.groupField != "" {
		c.groupKeys = map[string]int32{}
	}
	return c
}

// AddAnnotations adds a record of [dataset.AnnotationSchema].
func (c *LabelCollector) AddAnnotations(rec arrow.Record) error {
	if err := c.set.AddAnnotations(rec); err != nil {
		return fmt.Errorf("export: %w", err)
	}
	return nil
}

// AddIDs registers inputs without annotations by id (as
// dataset.Reader.UnannotatedIDs lists them).
func (c *LabelCollector) AddIDs(ids []string) { c.set.AddIDs(ids) }

// AddInputs registers the inputs of a record of [dataset.InputSchema], so
// inputs without annotations are still split, and reads their group keys.
func (c *LabelCollector) AddInputs(rec arrow.Record) error {
	sch := rec.Schema()
	idx := sch.FieldIndices(dataset.ColInputID)
	if len(idx) == 0 {
		return fmt.Errorf("export: inputs record lacks %s", dataset.ColInputID)
	}
	id, err := stringGetter(rec.Column(idx[0]))
	if err != nil {
		return err
	}
	var meta func(int) string
	var metaCol arrow.Array
	if c.groupKeys != nil {
		if m := sch.FieldIndices(dataset.ColMetadata); len(m) > 0 {
			metaCol = rec.Column(m[0])
			if meta, err = stringGetter(metaCol); err != nil {
				return err
			}
		}
	}
	var obj map[string]json.RawMessage
	for i := 0; i < int(rec.NumRows()); i++ {
		k := c.set.Input(id(i))
		if c.groupKeys == nil {
			continue
		}
		for len(c.groups) <= k {
			c.groups = append(c.groups, -1)
		}
		if meta == nil || metaCol.IsNull(i) || c.groups[k] >= 0 {
			continue
		}
		if key, ok := groupKey([]byte(meta(i)), c.groupField, &obj); ok {
			g, ok := c.groupKeys[key]
			if !ok {
				g = int32(len(c.groupKeys))
				c.groupKeys[key] = g
			}
			c.groups[k] = g
		}
	}
	return nil
}

// Labels returns the label matrix. The collector should not be used after.
func (c *LabelCollector) Labels() *Labels {
	set := c.set
	nc := set.NumConcepts()
	order := make([]int32, nc)
	for i := range order {
		order[i] = int32(i)
	}
	slices.SortFunc(order, func(a, b int32) int { return strings.Compare(set.ConceptID(int(a)), set.ConceptID(int(b))) })
	l := &Labels{
		Concepts: make([]string, nc),
		Names:    make([]string, nc),
		Excluded: int64(set.Totals().Excluded),
		set:      set,
		renum:    make([]int32, nc),
	}
	for newI, old := range order {
		l.renum[old] = int32(newI)
		l.Concepts[newI] = set.ConceptID(int(old))
		l.Names[newI] = set.ConceptName(int(old))
	}
	// Each input's labels closed over the relations, concepts ascending.
	n := set.NumInputs()
	w := set.Walker()
	l.off = make([]int64, n+1)
	l.ents = make([]uint32, 0, set.NumEntries())
	for i := range n {
		l.ents = appendRow(l.ents, w.Row(i), l.renum)
		l.off[i+1] = int64(len(l.ents))
	}
	if c.groupKeys != nil {
		for len(c.groups) < n {
			c.groups = append(c.groups, -1)
		}
		next := int32(len(c.groupKeys))
		for i, g := range c.groups {
			if g < 0 {
				c.groups[i] = next
				next++
			}
		}
		l.Groups = c.groups
	}
	// The matrix holds the rows now: the Set keeps only the inputs' ids.
	set.DropRows()
	return l
}

// appendRow appends a closed row's cells, renumbered by renum (concepts
// with renum < 0 dropped), in ascending concept order.
func appendRow(dst []uint32, row []label.Entry, renum []int32) []uint32 {
	start := len(dst)
	for _, e := range row {
		if c := renum[e.Concept]; c >= 0 {
			dst = append(dst, packCell(c, cellFlags(e.Flags), e.Flags&(label.ViaPositive|label.ViaNegative)))
		}
	}
	slices.Sort(dst[start:]) // the concept is in the high bits
	return dst
}

// counts returns the label core's counts per concept in label-vector
// order, over the inputs i with keep(i) (nil: all).
func (l *Labels) counts(keep func(i int) bool) (int, []label.Counts) {
	var row []label.Entry
	return label.TallyRows(l.NumInputs(), len(l.Concepts), func(i int) []label.Entry {
		row = row[:0]
		for _, e := range l.ents[l.off[i]:l.off[i+1]] {
			f := label.Positive | label.Negative
			switch cellOf(e) {
			case cellPresent:
				f = label.Positive
			case cellAbsent:
				f = label.Negative
			}
			row = append(row, label.Entry{Concept: conceptOf(e), Flags: f | viaOf(e)})
		}
		return row
	}, keep)
}

// stringIndexer maps each row of a string or dictionary<string> column to
// an index via lookup, calling lookup once per dictionary entry.
func stringIndexer(a arrow.Array, lookup func(string) int32) (func(int) int32, error) {
	switch a := a.(type) {
	case *array.Dictionary:
		dict, ok := a.Dictionary().(*array.String)
		if !ok {
			return nil, fmt.Errorf("export: dictionary of %s, want utf8", a.Dictionary().DataType())
		}
		m := make([]int32, dict.Len())
		for k := range m {
			m[k] = lookup(dict.Value(k))
		}
		return func(i int) int32 { return m[a.GetValueIndex(i)] }, nil
	case *array.String:
		return func(i int) int32 { return lookup(a.Value(i)) }, nil
	}
	return nil, fmt.Errorf("export: column type %s, want utf8 or dictionary<utf8>", a.DataType())
}

// dictCache maps dictionary entries to indices lazily, touching only the
// entries a batch references: dataset's builders keep their dictionary
// across batches, so a batch's dictionary can hold every id seen so far
// and mapping it whole per batch would be quadratic.
type dictCache struct {
	m       []int32
	touched []int32
}

// indexer is like stringIndexer; the returned func is valid until the
// next call.
func (d *dictCache) indexer(a arrow.Array, lookup func(string) int32) (func(int) int32, error) {
	da, ok := a.(*array.Dictionary)
	if !ok {
		return stringIndexer(a, lookup)
	}
	dict, ok := da.Dictionary().(*array.String)
	if !ok {
		return nil, fmt.Errorf("export: dictionary of %s, want utf8", da.Dictionary().DataType())
	}
	for _, k := range d.touched {
		if int(k) < len(d.m) {
			d.m[k] = -1
		}
	}
	d.touched = d.touched[:0]
	for len(d.m) < dict.Len() {
		d.m = append(d.m, -1)
	}
	return func(i int) int32 {
		k := da.GetValueIndex(i)
		if v := d.m[k]; v >= 0 {
			return v
		}
		v := lookup(dict.Value(k))
		d.m[k] = v
		d.touched = append(d.touched, int32(k))
		return v
	}, nil
}

// stringGetter returns the string at row i of a string or dictionary column.
func stringGetter(a arrow.Array) (func(int) string, error) {
	switch a := a.(type) {
	case *array.Dictionary:
		dict, ok := a.Dictionary().(*array.String)
		if !ok {
			return nil, fmt.Errorf("export: dictionary of %s, want utf8", a.Dictionary().DataType())
		}
		return func(i int) string { return dict.Value(a.GetValueIndex(i)) }, nil
	case *array.String:
		return a.Value, nil
	}
	return nil, fmt.Errorf("export: column type %s, want utf8 or dictionary<utf8>", a.DataType())
}
