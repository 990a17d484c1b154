package review

import (
	"fmt"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"
	"github.com/apache/arrow/go/v15/arrow/memory"

	"curate.dev/dataset"
)

// Chosen counts what [Choose] did with a table's rows.
type Chosen struct {
	Accepted, Positive, Rejected int
	// Unreviewed rows were skipped, or kept by the file's own rule with
	// includeUnreviewed.
	Unreviewed int
}

// Choose applies reviewed decisions to a changes table (of
// [dataset.ChangesSchema], as a suggestions file reads): an accepted row
// is applied with its value, a row flipped to positive is applied as a
// positive, a rejected row is not applied. An unreviewed row is not
// applied either, unless includeUnreviewed, when the file's own "accept"
// field decides as without a review. It returns a new table (the caller
// releases it) and leaves changes alone. mem nil means the default
// allocator.
func Choose(changes arrow.Table, ds Decisions, includeUnreviewed bool, mem memory.Allocator) (arrow.Table, Chosen, error) {
	var n Chosen
	if mem == nil {
		mem = memory.DefaultAllocator
	}
	if !changes.Schema().Equal(dataset.ChangesSchema()) {
		return nil, n, fmt.Errorf("review: changes table of another schema: %w", dataset.ErrShape)
	}
	tr := array.NewTableReader(changes, 0)
	defer tr.Release()
	var recs []arrow.Record
	defer func() {
		for _, r := range recs {
			r.Release()
		}
	}()
	for tr.Next() {
		rec := tr.Record()
		ids := rec.Column(dataset.ChgInputID).(*array.String)
		cs := rec.Column(dataset.ChgConceptID).(*array.String)
		vals := rec.Column(dataset.ChgValue).(*array.Float32)
		acc := rec.Column(dataset.ChgAccept).(*array.Boolean)
		vb := array.NewFloat32Builder(mem)
		ab := array.NewBooleanBuilder(mem)
		for i := 0; i < int(rec.NumRows()); i++ {
			v, a := vals.Value(i), false
			switch ds[Key{ids.Value(i), cs.Value(i)}] {
			case Accept:
				a = true
				n.Accepted++
			case Positive:
				v, a = dataset.Positive, true
				n.Positive++
			case Reject:
				n.Rejected++
			default:
				a = includeUnreviewed && acc.Value(i)
				n.Unreviewed++
			}
			vb.Append(v)
			ab.Append(a)
		}
		va, aa := vb.NewArray(), ab.NewArray()
		vb.Release()
		ab.Release()
		cols := make([]arrow.Array, rec.NumCols())
		copy(cols, rec.Columns())
		cols[dataset.ChgValue], cols[dataset.ChgAccept] = va, aa
		recs = append(recs, array.NewRecord(rec.Schema(), cols, rec.NumRows()))
		va.Release()
		aa.Release()
	}
	if err := tr.Err(); err != nil {
		return nil, n, err
	}
	return array.NewTableFromRecords(changes.Schema(), recs), n, nil
}
