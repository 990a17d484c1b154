package balance

import (
	"context"
	"testing"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"
	"github.com/apache/arrow/go/v15/arrow/memory"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"curate.dev/dataset"
	"curate.dev/label"
)

// TestNewReportOfAssembledCount counts rows in two halves through the
// label core's partial counts and checks that the report is the one a
// Counter gives for all the rows.
func TestNewReportOfAssembledCount(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	anns := []dataset.Annotation{
		{InputID: "a", ConceptID: "cat", ConceptName: "Cat", Value: 1},
		{InputID: "a", ConceptID: "dog", Value: 0},
		{InputID: "b", ConceptID: "dog", Value: 1},
		{InputID: "c", ConceptID: "cat", Value: 0, AnnotatorKind: dataset.AnnotatorModel},
		{InputID: "a", ConceptID: "dog", ConceptName: "Dog", Value: 1}, // second half: a conflict on a
		{InputID: "d", ConceptID: "cat", Value: 0},
	}
	record := func(as []dataset.Annotation) *label.Set {
		b := dataset.NewAnnotationBuilder(mem)
		defer b.Release()
		for i := range as {
			b.Append(&as[i])
		}
		rec := b.NewRecord()
		defer rec.Release()
		s := label.NewSet(label.Rules{})
		require.NoError(t, s.AddAnnotations(rec))
		return s
	}
	halves := []*label.Set{record(anns[:4]), record(anns[4:])}
	rows := map[string][][]label.IDEntry{}
	var rs label.RowSummary
	for rank, s := range halves {
		for i := range s.NumInputs() {
			rows[s.InputID(i)] = append(rows[s.InputID(i)], s.IDRow(i, nil))
		}
		sum := s.RowSummary(int64(rank))
		rs.Merge(&sum)
	}
	var p label.Partial
	cl := label.NewCloser(label.Rules{})
	for _, r := range rows {
		cl.Count(&p, label.MergeIDRows(r...))
	}
	got := NewReport(label.Rules{}, label.Assemble(label.Rules{}, &p, &rs), DefaultThresholds())

	b := dataset.NewAnnotationBuilder(mem)
	defer b.Release()
	for i := range anns {
		b.Append(&anns[i])
	}
	rec := b.NewRecord()
	defer rec.Release()
	rr, err := array.NewRecordReader(dataset.AnnotationSchema(), []arrow.Record{rec})
	require.NoError(t, err)
	defer rr.Release()
	want, err := Compute(context.Background(), rr)
	require.NoError(t, err)
	assert.Equal(t, want, got)
	assert.Equal(t, 4, got.Summary.Inputs)
	assert.Equal(t, 1, got.Summary.Conflicts)
	assert.Equal(t, "Dog", got.Concepts[1].ConceptName)
}
