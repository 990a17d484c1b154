package dataset_test

import (
	"testing"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"
	"github.com/apache/arrow/go/v15/arrow/memory"
	"github.com/stretchr/testify/assert"

	"curate.dev/dataset"
)

// Each record's dictionaries hold only the values its own rows use, so a
// long stream does not carry every id seen so far in every batch.
func TestAnnotationBuilderDictionariesPerRecord(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	b := dataset.NewAnnotationBuilder(mem)
	defer b.Release()
	b.Append(&dataset.Annotation{InputID: "a", ConceptID: "dog", Value: 1})
	b.Append(&dataset.Annotation{InputID: "b", ConceptID: "wolf", Value: 0})
	first := b.NewRecord()
	defer first.Release()
	b.Append(&dataset.Annotation{InputID: "c", ConceptID: "fox", Value: 1})
	second := b.NewRecord()
	defer second.Release()

	dict := func(col arrow.Array) []string {
		d := col.(*array.Dictionary).Dictionary().(*array.String)
		var out []string
		for i := 0; i < d.Len(); i++ {
			out = append(out, d.Value(i))
		}
		return out
	}
	assert.Equal(t, []string{"a", "b"}, dict(dataset.Column(first, dataset.ColInputID)))
	assert.Equal(t, []string{"c"}, dict(dataset.Column(second, dataset.ColInputID)))
	assert.Equal(t, []string{"fox"}, dict(dataset.Column(second, dataset.ColConceptID)))
	assert.Equal(t, "fox", dataset.Column(second, dataset.ColConceptID).(*array.Dictionary).Dictionary().(*array.String).Value(0))
}
