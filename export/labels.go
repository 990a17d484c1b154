package export

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"

	"curate.dev/dataset"
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

// Labels is the label matrix of a dataset: for every input, the concepts
// annotated on it and whether each is present, absent or in conflict (both
// a positive and a negative: never silently resolved, it reads as
// [Unknown]). Build it with a [LabelCollector].
type Labels struct {
	// Concepts are the concept ids in label-vector order (sorted).
	Concepts []string
	// Names are the concepts' display names ("" when none was seen).
	Names []string
	// Inputs are the input ids in first-seen order.
	Inputs []string
	// Groups holds each input's group number when a group field was set
	// (inputs without the field get a group of their own); nil otherwise.
	Groups []int32
	// Excluded counts annotations left out by annotator kind.
	Excluded int64

	index map[string]int32
	off   []int64 // input i's cells are conc/cell[off[i]:off[i+1]], concepts ascending
	conc  []int32
	cell  []int8
}

// NumInputs returns the number of inputs.
func (l *Labels) NumInputs() int { return len(l.Inputs) }

// Index returns the row of an input id.
func (l *Labels) Index(inputID string) (int, bool) {
	i, ok := l.index[inputID]
	return int(i), ok
}

// Row calls fn for each annotated concept of input i, in concept order.
// conflict marks a concept with both a positive and a negative; state is
// then Unknown.
func (l *Labels) Row(i int, fn func(concept int, state State, conflict bool)) {
	for k := l.off[i]; k < l.off[i+1]; k++ {
		switch l.cell[k] {
		case cellPresent:
			fn(int(l.conc[k]), Present, false)
		case cellAbsent:
			fn(int(l.conc[k]), Absent, false)
		default:
			fn(int(l.conc[k]), Unknown, true)
		}
	}
}

// Vector fills dst (len(Concepts) long) with input i's three-state labels.
func (l *Labels) Vector(i int, dst []int8) {
	for k := range dst {
		dst[k] = int8(Unknown)
	}
	for k := l.off[i]; k < l.off[i+1]; k++ {
		switch l.cell[k] {
		case cellPresent:
			dst[l.conc[k]] = int8(Present)
		case cellAbsent:
			dst[l.conc[k]] = int8(Absent)
		}
	}
}

// positives returns the concepts present on input i (shares storage; do
// not modify).
func (l *Labels) positives(i int, buf []int32) []int32 {
	buf = buf[:0]
	for k := l.off[i]; k < l.off[i+1]; k++ {
		if l.cell[k] == cellPresent {
			buf = append(buf, l.conc[k])
		}
	}
	return buf
}

// CollectOption configures a [LabelCollector].
type CollectOption func(*LabelCollector)

// WithModelAnnotations keeps annotations whose annotator_kind is "model"
// or "workflow" (predictions, not labels). They are left out by default.
func WithModelAnnotations(keep bool) CollectOption {
	return func(c *LabelCollector) { c.keepModel = keep }
}

// WithGroupField groups inputs by a top-level field of their metadata JSON
// (the FIELD of --group-by metadata.FIELD): a split keeps each group
// together.
func WithGroupField(field string) CollectOption {
	return func(c *LabelCollector) { c.groupField = field }
}

// LabelCollector builds [Labels] from annotation and input records, one
// batch at a time. It keeps only integer indices per annotation.
type LabelCollector struct {
	keepModel  bool
	groupField string

	index    map[string]int32
	inputs   []string
	cIndex   map[string]int32
	concepts []string
	names    []string
	excluded int64

	rowIn   []int32
	rowCon  []int32
	rowCell []int8

	inCache, conCache dictCache

	groupKeys map[string]int32
	groups    []int32 // by input index; -1 until the input's record is seen

	scratch []int32
}

// NewLabelCollector returns an empty collector.
func NewLabelCollector(opts ...CollectOption) *LabelCollector {
	c := &LabelCollector{index: map[string]int32{}, cIndex: map[string]int32{}}
	for _, o := range opts {
		o(c)
	}
	if c.groupField != "" {
		c.groupKeys = map[string]int32{}
	}
	return c
}

func (c *LabelCollector) input(id string) int32 {
	if i, ok := c.index[id]; ok {
		return i
	}
	i := int32(len(c.inputs))
	id = strings.Clone(id) // kept past the record's release
	c.index[id] = i
	c.inputs = append(c.inputs, id)
	if c.groupKeys != nil {
		c.groups = append(c.groups, -1)
	}
	return i
}

func (c *LabelCollector) concept(id string) int32 {
	if i, ok := c.cIndex[id]; ok {
		return i
	}
	i := int32(len(c.concepts))
	id = strings.Clone(id) // kept past the record's release
	c.cIndex[id] = i
	c.concepts = append(c.concepts, id)
	c.names = append(c.names, "")
	return i
}

// AddAnnotations adds a record of [dataset.AnnotationSchema] (dictionary
// or plain string columns).
func (c *LabelCollector) AddAnnotations(rec arrow.Record) error {
	n := int(rec.NumRows())
	if n == 0 {
		return nil
	}
	sch := rec.Schema()
	col := func(name string) arrow.Array {
		if idx := sch.FieldIndices(name); len(idx) > 0 {
			return rec.Column(idx[0])
		}
		return nil
	}
	inCol, conCol, valCol := col(dataset.ColInputID), col(dataset.ColConceptID), col(dataset.ColValue)
	if inCol == nil || conCol == nil || valCol == nil {
		return fmt.Errorf("export: annotations record lacks %s, %s or %s", dataset.ColInputID, dataset.ColConceptID, dataset.ColValue)
	}
	inputOf, err := c.inCache.indexer(inCol, c.input)
	if err != nil {
		return err
	}
	conceptOf, err := c.conCache.indexer(conCol, c.concept)
	if err != nil {
		return err
	}
	vals, ok := valCol.(*array.Float32)
	if !ok {
		return fmt.Errorf("export: column %s is %s, want float32", dataset.ColValue, valCol.DataType())
	}
	keep := func(int) bool { return true }
	if kc := col(dataset.ColAnnotatorKind); kc != nil && !c.keepModel {
		model, err := stringPredicate(kc, func(s string) bool { return s == "model" || s == "workflow" })
		if err != nil {
			return err
		}
		keep = func(i int) bool { return !model(i) }
	}
	if nc := col(dataset.ColConceptName); nc != nil {
		if err := c.takeNames(nc, conceptOf); err != nil {
			return err
		}
	}
	for i := 0; i < n; i++ {
		if !keep(i) {
			c.excluded++
			continue
		}
		if vals.IsNull(i) || inCol.IsNull(i) || conCol.IsNull(i) {
			continue
		}
		cell := cellAbsent
		if vals.Value(i) >= 0.5 {
			cell = cellPresent
		}
		c.rowIn = append(c.rowIn, inputOf(i))
		c.rowCon = append(c.rowCon, conceptOf(i))
		c.rowCell = append(c.rowCell, cell)
	}
	return nil
}

func (c *LabelCollector) takeNames(nc arrow.Array, conceptOf func(int) int32) error {
	name, err := stringGetter(nc)
	if err != nil {
		return err
	}
	for i := 0; i < nc.Len(); i++ {
		if nc.IsNull(i) {
			continue
		}
		if k := conceptOf(i); c.names[k] == "" {
			c.names[k] = strings.Clone(name(i))
		}
	}
	return nil
}

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
		k := c.input(id(i))
		if meta == nil || metaCol.IsNull(i) || c.groups[k] >= 0 {
			continue
		}
		clear(obj)
		if json.Unmarshal([]byte(meta(i)), &obj) != nil {
			continue
		}
		if v, ok := obj[c.groupField]; ok && string(v) != "null" {
			key := string(v) // a copy
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
	// Sort concepts by id and renumber.
	order := make([]int32, len(c.concepts))
	for i := range order {
		order[i] = int32(i)
	}
	sort.Slice(order, func(a, b int) bool { return c.concepts[order[a]] < c.concepts[order[b]] })
	renum := make([]int32, len(order))
	l := &Labels{
		Concepts: make([]string, len(order)),
		Names:    make([]string, len(order)),
		Inputs:   c.inputs,
		Excluded: c.excluded,
		index:    c.index,
	}
	for newI, old := range order {
		renum[old] = int32(newI)
		l.Concepts[newI] = c.concepts[old]
		l.Names[newI] = c.names[old]
	}
	// Counting sort of the annotation rows by input.
	n := len(c.inputs)
	off := make([]int64, n+1)
	for _, in := range c.rowIn {
		off[in+1]++
	}
	for i := 0; i < n; i++ {
		off[i+1] += off[i]
	}
	pos := slices.Clone(off[:n])
	type pair struct {
		c    int32
		cell int8
	}
	pairs := make([]pair, len(c.rowIn))
	for r, in := range c.rowIn {
		pairs[pos[in]] = pair{renum[c.rowCon[r]], c.rowCell[r]}
		pos[in]++
	}
	c.rowIn, c.rowCon, c.rowCell = nil, nil, nil
	// Per input: sort by concept, merge duplicates, mark conflicts.
	l.off = make([]int64, n+1)
	l.conc = make([]int32, 0, len(pairs))
	l.cell = make([]int8, 0, len(pairs))
	for i := 0; i < n; i++ {
		row := pairs[off[i]:off[i+1]]
		slices.SortFunc(row, func(a, b pair) int { return int(a.c) - int(b.c) })
		for k := 0; k < len(row); {
			j, cell := k+1, row[k].cell
			for ; j < len(row) && row[j].c == row[k].c; j++ {
				if row[j].cell != cell {
					cell = cellConflict
				}
			}
			l.conc = append(l.conc, row[k].c)
			l.cell = append(l.cell, cell)
			k = j
		}
		l.off[i+1] = int64(len(l.conc))
	}
	if c.groupKeys != nil {
		next := int32(len(c.groupKeys))
		for i, g := range c.groups {
			if g < 0 {
				c.groups[i] = next
				next++
			}
		}
		l.Groups = c.groups
	}
	return l
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

// stringPredicate evaluates pred once per dictionary entry.
func stringPredicate(a arrow.Array, pred func(string) bool) (func(int) bool, error) {
	switch a := a.(type) {
	case *array.Dictionary:
		dict, ok := a.Dictionary().(*array.String)
		if !ok {
			return nil, fmt.Errorf("export: dictionary of %s, want utf8", a.Dictionary().DataType())
		}
		m := make([]bool, dict.Len())
		for k := range m {
			m[k] = pred(dict.Value(k))
		}
		return func(i int) bool { return a.IsValid(i) && m[a.GetValueIndex(i)] }, nil
	case *array.String:
		return func(i int) bool { return a.IsValid(i) && pred(a.Value(i)) }, nil
	}
	return nil, fmt.Errorf("export: column type %s, want utf8 or dictionary<utf8>", a.DataType())
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
