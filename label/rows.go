package label

import (
	"fmt"
	"strings"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"

	"curate.dev/dataset"
)

// concepts numbers the concepts of a count in order of first sight, with
// the first name a source gave each and its implicit values.
type concepts struct {
	conceptIDs  map[string]int32
	conceptID   []string
	conceptName []string
	implicit    []int // per concept
}

func (c *concepts) concept(id string) int32 {
	if k, ok := c.conceptIDs[id]; ok {
		return k
	}
	if c.conceptIDs == nil {
		c.conceptIDs = map[string]int32{}
	}
	k := int32(len(c.conceptID))
	id = strings.Clone(id)
	c.conceptIDs[id] = k
	c.conceptID = append(c.conceptID, id)
	c.conceptName = append(c.conceptName, "")
	c.implicit = append(c.implicit, 0)
	return k
}

// rows reads annotation records by the rules: the one loop that turns a
// row into a concept and a flag, shared by [Set] and [Stream]. It keeps the
// totals and the concepts; where the row's input goes is the caller's.
type rows struct {
	rules Rules
	concepts
	annotations, implicitSum, excluded, soft int
	counted                                  []bool  // per concept: has a counted annotation
	firstCounted                             []int32 // the counted concepts, in order of first counted row (a Set's numbering)

	// per-batch state, reused
	cMap            []int32
	srcMap, kindMap []int8
	cols            columns
	schema          *arrow.Schema

	n                              int
	inIdx, cIdx, nameIdx           []int32
	srcIdx, kindIdx                []int8
	values                         []float32
	inVals, cVals, nameVals        *array.String
	nameDict, srcDict, kindDict    *array.Dictionary
	kindNulls, srcNulls, nameNulls bool
}

// batch decodes rec's columns for row.
func (b *rows) batch(rec arrow.Record) error {
	if rec.Schema() != b.schema {
		cols, err := findColumns(rec.Schema())
		if err != nil {
			return err
		}
		b.cols, b.schema = cols, rec.Schema()
	}
	b.n = int(rec.NumRows())
	if b.n == 0 {
		return nil
	}
	inDict := rec.Column(b.cols.input).(*array.Dictionary)
	cDict := rec.Column(b.cols.concept).(*array.Dictionary)
	b.nameDict = rec.Column(b.cols.name).(*array.Dictionary)
	b.srcDict = rec.Column(b.cols.source).(*array.Dictionary)
	b.kindDict = rec.Column(b.cols.kind).(*array.Dictionary)
	valCol := rec.Column(b.cols.value).(*array.Float32)
	b.values = valCol.Float32Values()

	b.inIdx = inDict.Indices().(*array.Int32).Int32Values()
	b.cIdx = cDict.Indices().(*array.Int32).Int32Values()
	b.nameIdx = b.nameDict.Indices().(*array.Int32).Int32Values()
	b.srcIdx = b.srcDict.Indices().(*array.Int8).Int8Values()
	b.kindIdx = b.kindDict.Indices().(*array.Int8).Int8Values()
	b.inVals = inDict.Dictionary().(*array.String)
	b.cVals = cDict.Dictionary().(*array.String)
	b.nameVals = b.nameDict.Dictionary().(*array.String)
	if inDict.NullN() > 0 || cDict.NullN() > 0 || valCol.NullN() > 0 {
		return fmt.Errorf("%w: null input_id, concept_id or value", ErrSchema)
	}
	b.cMap = resetMap(b.cMap, b.cVals.Len())
	b.srcMap = smallMap(b.srcMap, b.srcDict.Dictionary().(*array.String), func(v string) int8 {
		if vs, ok := dataset.ParseValueSource(v); ok && Implicit(vs) {
			return 1
		}
		return 0
	})
	b.kindMap = smallMap(b.kindMap, b.kindDict.Dictionary().(*array.String), func(v string) int8 {
		k, _ := dataset.ParseAnnotatorKind(v)
		return int8(k)
	})
	b.kindNulls = b.kindDict.NullN() > 0
	b.srcNulls = b.srcDict.NullN() > 0
	b.nameNulls = b.nameDict.NullN() > 0
	return nil
}

// row reads row r of the batch: its concept and flag, or f == 0 when the
// rules leave it out (counted as excluded; the input exists, its labels
// are unknown).
func (b *rows) row(r int) (k int32, f Flags) {
	kind := dataset.AnnotatorUnknown
	if !b.kindNulls || b.kindDict.IsValid(r) {
		kind = dataset.AnnotatorKind(b.kindMap[b.kindIdx[r]])
	}
	f = b.rules.Classify(b.values[r], kind)
	if f == 0 {
		b.excluded++
		return 0, 0
	}
	ci := b.cIdx[r]
	k = b.cMap[ci]
	if k < 0 {
		k = b.concept(b.cVals.Value(int(ci)))
		b.cMap[ci] = k
		for len(b.counted) <= int(k) {
			b.counted = append(b.counted, false)
		}
		if !b.counted[k] {
			b.counted[k] = true
			b.firstCounted = append(b.firstCounted, k)
		}
	}
	if b.conceptName[k] == "" && (!b.nameNulls || b.nameDict.IsValid(r)) {
		// Copied once: the name is looked at again only while empty.
		b.conceptName[k] = strings.Clone(b.nameVals.Value(int(b.nameIdx[r])))
	}
	if (!b.srcNulls || b.srcDict.IsValid(r)) && b.srcMap[b.srcIdx[r]] != 0 {
		b.implicit[k]++
		b.implicitSum++
	}
	if v := b.values[r]; v != 0 && v != 1 && !IsModel(kind) {
		b.soft++
	}
	b.annotations++
	return k, f
}

func (b *rows) totals() Totals {
	return Totals{Annotations: b.annotations, Implicit: b.implicitSum, Excluded: b.excluded, Soft: b.soft}
}

type columns struct {
	input, concept, name, value, source, kind int
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

func findColumns(sch *arrow.Schema) (columns, error) {
	var cols columns
	dict := func(idx arrow.DataType) arrow.DataType {
		return &arrow.DictionaryType{IndexType: idx, ValueType: arrow.BinaryTypes.String}
	}
	want := []struct {
		name string
		dst  *int
		typ  arrow.DataType
	}{
		{dataset.ColInputID, &cols.input, dict(arrow.PrimitiveTypes.Int32)},
		{dataset.ColConceptID, &cols.concept, dict(arrow.PrimitiveTypes.Int32)},
		{dataset.ColConceptName, &cols.name, dict(arrow.PrimitiveTypes.Int32)},
		{dataset.ColValue, &cols.value, arrow.PrimitiveTypes.Float32},
		{dataset.ColValueSource, &cols.source, dict(arrow.PrimitiveTypes.Int8)},
		{dataset.ColAnnotatorKind, &cols.kind, dict(arrow.PrimitiveTypes.Int8)},
	}
	for _, w := range want {
		idx := sch.FieldIndices(w.name)
		if len(idx) == 0 {
			return cols, fmt.Errorf("%w: no column %q", ErrSchema, w.name)
		}
		if got := sch.Field(idx[0]).Type; !arrow.TypeEqual(got, w.typ) {
			return cols, fmt.Errorf("%w: column %q is %s, want %s", ErrSchema, w.name, got, w.typ)
		}
		*w.dst = idx[0]
	}
	return cols, nil
}
