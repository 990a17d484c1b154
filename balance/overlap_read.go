package balance

import (
	"fmt"
	"math"
	"strings"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"

	"curate.dev/dataset"
)

// dictMap maps a dictionary column's indices to interned ids, once per batch.
func dictMap(col arrow.Array) (*array.Dictionary, []int32, error) {
	d, ok := col.(*array.Dictionary)
	if !ok {
		return nil, nil, fmt.Errorf("balance: annotations column is %s, want a dictionary", col.DataType())
	}
	dict, ok := d.Dictionary().(*array.String)
	if !ok {
		return nil, nil, fmt.Errorf("balance: annotations dictionary is %s, want utf8", d.Dictionary().DataType())
	}
	m := make([]int32, dict.Len())
	for i := range m {
		m[i] = -1
	}
	return d, m, nil
}

func (o *Overlap) internConcept(id string) int32 {
	if c, ok := o.cindex[id]; ok {
		return c
	}
	c := int32(len(o.concepts))
	id = strings.Clone(id) // kept past the record's release
	o.cindex[id] = c
	o.concepts = append(o.concepts, id)
	o.names = append(o.names, "")
	return c
}

func (o *Overlap) internInput(id string) int32 {
	if i, ok := o.iindex[id]; ok {
		return i
	}
	i := int32(len(o.inputs))
	id = strings.Clone(id) // kept past the record's release
	o.iindex[id] = i
	o.inputs = append(o.inputs, id)
	o.states = append(o.states, nil)
	return i
}

func (o *Overlap) addAnnotations(rec arrow.Record) error {
	if rec == nil || rec.NumRows() == 0 {
		return nil
	}
	for _, name := range []string{dataset.ColInputID, dataset.ColConceptID, dataset.ColValue} {
		if dataset.Column(rec, name) == nil {
			return fmt.Errorf("balance: annotations record has no %s column, want the dataset annotation schema", name)
		}
	}
	inCol, inMap, err := dictMap(dataset.Column(rec, dataset.ColInputID))
	if err != nil {
		return err
	}
	cCol, cMap, err := dictMap(dataset.Column(rec, dataset.ColConceptID))
	if err != nil {
		return err
	}
	nameCol, _ := dataset.Column(rec, dataset.ColConceptName).(*array.Dictionary)
	vals, ok := dataset.Column(rec, dataset.ColValue).(*array.Float32)
	if !ok {
		return fmt.Errorf("balance: value column is %s, want float32", dataset.Column(rec, dataset.ColValue).DataType())
	}
	inDict := inCol.Dictionary().(*array.String)
	cDict := cCol.Dictionary().(*array.String)
	for i := 0; i < int(rec.NumRows()); i++ {
		if inCol.IsNull(i) || cCol.IsNull(i) || vals.IsNull(i) {
			continue
		}
		ii := inCol.GetValueIndex(i)
		in := inMap[ii]
		if in < 0 {
			in = o.internInput(inDict.Value(ii))
			inMap[ii] = in
		}
		ci := cCol.GetValueIndex(i)
		c := cMap[ci]
		if c < 0 {
			c = o.internConcept(cDict.Value(ci))
			cMap[ci] = c
		}
		if o.names[c] == "" && nameCol != nil && nameCol.IsValid(i) {
			o.names[c] = strings.Clone(nameCol.Dictionary().(*array.String).Value(nameCol.GetValueIndex(i)))
		}
		var bit uint32
		switch v := vals.Value(i); v {
		case dataset.Positive:
			bit = stPos
		case dataset.Negative:
			bit = stNeg
		default:
			bit = stSoft
			o.warn.SoftValues++
		}
		st := o.states[in]
		found := false
		for k, s := range st {
			if s.concept() == c {
				st[k] = s | cstate(bit)
				found = true
				break
			}
		}
		if !found {
			o.states[in] = append(st, mkState(c, bit))
		}
	}
	return nil
}

// embeddingColumn returns the inputs record's embedding column and its
// dimension, or nil.
func embeddingColumn(rec arrow.Record) (*array.FixedSizeList, []float32, int) {
	idx := rec.Schema().FieldIndices(dataset.ColEmbedding)
	if len(idx) == 0 {
		return nil, nil, 0
	}
	fsl, ok := rec.Column(idx[0]).(*array.FixedSizeList)
	if !ok {
		return nil, nil, 0
	}
	dim := int(fsl.DataType().(*arrow.FixedSizeListType).Len())
	vals, ok := fsl.ListValues().(*array.Float32)
	if !ok || dim == 0 {
		return nil, nil, 0
	}
	return fsl, vals.Float32Values(), dim
}

// rowEmbedding returns row i's embedding or nil when it is null.
func rowEmbedding(fsl *array.FixedSizeList, vals []float32, dim, i int) []float32 {
	if fsl.IsNull(i) {
		return nil
	}
	off := (fsl.Data().Offset() + i) * dim
	if off+dim > len(vals) {
		return nil
	}
	return vals[off : off+dim]
}

// normalize writes v/|v| into dst and reports whether v was usable (finite
// and non-zero); bad counts why not.
func normalize(dst, v []float32, w *Warnings) bool {
	var ss float64
	for _, x := range v {
		ss += float64(x) * float64(x)
	}
	if math.IsNaN(ss) || math.IsInf(ss, 0) {
		w.NaNEmbeddings++
		return false
	}
	if ss == 0 {
		w.ZeroEmbeddings++
		return false
	}
	inv := float32(1 / math.Sqrt(ss))
	for k, x := range v {
		dst[k] = x * inv
	}
	return true
}

func (o *Overlap) addEmbeddings(rec arrow.Record, unit []float32) ([]float32, error) {
	fsl, vals, dim := embeddingColumn(rec)
	if fsl == nil {
		return unit, nil
	}
	if o.dim == 0 {
		o.dim = dim
	} else if o.dim != dim {
		return unit, fmt.Errorf("%w: %d, then %d", ErrEmbeddingDim, o.dim, dim)
	}
	if len(unit) != dim {
		unit = make([]float32, dim)
	}
	col := dataset.Column(rec, dataset.ColInputID)
	ids, ok := col.(*array.String)
	if !ok {
		return unit, fmt.Errorf("balance: inputs column %s is %v, want utf8", dataset.ColInputID, dataType(col))
	}
	for i := 0; i < int(rec.NumRows()); i++ {
		emb := rowEmbedding(fsl, vals, dim, i)
		if emb == nil {
			continue
		}
		in, ok := o.iindex[ids.Value(i)]
		if !ok {
			continue // no annotations: contributes to no centroid
		}
		var pos []int32
		for _, s := range o.states[in] {
			if s.pos() {
				pos = append(pos, s.concept())
			}
		}
		if len(pos) == 0 {
			continue
		}
		if !normalize(unit, emb, &o.warn) {
			continue
		}
		for _, c := range pos {
			for len(o.sums) <= int(c) {
				o.sums = append(o.sums, nil)
				o.nEmb = append(o.nEmb, 0)
			}
			if o.sums[c] == nil {
				o.sums[c] = make([]float64, dim)
			}
			s := o.sums[c]
			for k, x := range unit {
				s[k] += float64(x)
			}
			o.nEmb[c]++
		}
	}
	return unit, nil
}
