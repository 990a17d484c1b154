package dataset_test

import (
	"testing"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"
	"github.com/apache/arrow/go/v15/arrow/memory"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"curate.dev/dataset"
)

// AppendAnnotations reads back exactly what AnnotationBuilder wrote.
func TestAppendAnnotationsRoundTrip(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	want := []dataset.Annotation{
		{InputID: "a", ConceptID: "dog", ConceptName: "Dog", Value: 1, Source: dataset.ValueExplicit, AnnotationID: "x1", Annotator: "ann", AnnotatorKind: dataset.AnnotatorUser},
		{InputID: "a", ConceptID: "wolf", Value: 0, Source: dataset.ValueGRPCDefault},
		{InputID: "b", ConceptID: "dog", Value: 0.8, Source: dataset.ValueExplicit, Annotator: "general", AnnotatorKind: dataset.AnnotatorModel},
		{InputID: "c", ConceptID: "cat", Value: 1, Source: dataset.ValueHTTPDefault},
	}
	b := dataset.NewAnnotationBuilder(mem)
	defer b.Release()
	for i := range want {
		b.Append(&want[i])
	}
	rec := b.NewRecord()
	defer rec.Release()
	got, err := dataset.AppendAnnotations(nil, rec)
	require.NoError(t, err)
	assert.Equal(t, want, got)

	other := array.NewRecord(arrow.NewSchema([]arrow.Field{{Name: "x", Type: arrow.PrimitiveTypes.Int64}}, nil), nil, 0)
	defer other.Release()
	_, err = dataset.AppendAnnotations(nil, other)
	assert.ErrorIs(t, err, dataset.ErrShape)
}
