package balance

import (
	"fmt"
	"math"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"

	"curate.dev/dataset"
)

// addAnnotations counts rec's labels by the label core's rules.
func (o *Overlap) addAnnotations(rec arrow.Record) error {
	return o.counter.Add(rec)
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
		in, ok := o.set.Lookup(ids.Value(i))
		if !ok {
			continue // no annotations: contributes to no centroid
		}
		var pos []int32
		o.rowBuf = o.set.Row(in, o.rowBuf[:0])
		for _, e := range o.rowBuf {
			if e.Flags.IsPositive() {
				pos = append(pos, e.Concept)
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
