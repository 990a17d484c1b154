package dataset

import (
	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"
)

// AnnotationReader presents the reader's annotation batches as an
// [array.RecordReader]. It shares the underlying stream: do not mix calls
// to it with calls to r.Next.
func (r *Reader) AnnotationReader() array.RecordReader {
	r.Retain()
	return &view{r: r, pick: (*Reader).Annotations, schema: func(*Reader) *arrow.Schema { return annotationSchema }}
}

// InputReader presents the reader's input batches as an
// [array.RecordReader]. It fails with the reader's error if inputs are
// off. Do not mix calls to it with calls to r.Next.
func (r *Reader) InputReader() array.RecordReader {
	r.Retain()
	return &view{r: r, pick: (*Reader).Inputs, schema: (*Reader).InputSchema}
}

type view struct {
	r      *Reader
	pick   func(*Reader) arrow.Record
	schema func(*Reader) *arrow.Schema
}

func (v *view) Retain()               { v.r.Retain() }
func (v *view) Release()              { v.r.Release() }
func (v *view) Schema() *arrow.Schema { return v.schema(v.r) }
func (v *view) Next() bool            { return v.r.Next() && v.pick(v.r) != nil }
func (v *view) Record() arrow.Record  { return v.pick(v.r) }
func (v *view) Err() error            { return v.r.Err() }

// UnannotatedIDs is [Reader.UnannotatedIDs] of the shared reader, so that
// a consumer of the view counts inputs without annotations too.
func (v *view) UnannotatedIDs() []string { return v.r.UnannotatedIDs() }

var _ array.RecordReader = (*view)(nil)

// Tables holds a whole dataset in memory, as a notebook uses it.
type Tables struct {
	Annotations arrow.Table
	Inputs      arrow.Table // nil when inputs were not read
	Stats       Stats
}

// Release frees both tables.
func (t *Tables) Release() {
	if t.Annotations != nil {
		t.Annotations.Release()
	}
	if t.Inputs != nil {
		t.Inputs.Release()
	}
}

// ReadTables reads the whole stream into tables. It is a convenience over
// [Reader.Next] for data that fits in memory. The caller releases the
// result; on error nothing is returned and nothing leaks.
func ReadTables(r *Reader) (*Tables, error) {
	var anns, inps []arrow.Record
	defer func() {
		for _, rec := range anns {
			rec.Release()
		}
		for _, rec := range inps {
			rec.Release()
		}
	}()
	inSchema := r.InputSchema()
	for r.Next() {
		a := r.Annotations()
		a.Retain()
		anns = append(anns, a)
		if in := r.Inputs(); in != nil {
			in.Retain()
			inps = append(inps, in)
		}
	}
	if err := r.Err(); err != nil {
		return nil, err
	}
	t := &Tables{Annotations: array.NewTableFromRecords(annotationSchema, anns), Stats: r.Stats()}
	if r.cfg.inputs {
		t.Inputs = array.NewTableFromRecords(inSchema, inps)
	}
	return t, nil
}
