package dataset_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/apache/arrow/go/v15/arrow/memory"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"curate.dev/dataset"
)

func TestWriteInputJSONLRoundTrip(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	in := []dataset.Input{
		{ID: "a", Kind: "image", URL: "https://x/a.jpg", Metadata: []byte(`{"k":1}`), DatasetIDs: []string{"d1"},
			Annotations: []dataset.Annotation{
				{ConceptID: "cat", ConceptName: "Cat", Value: 1},
				{ConceptID: "dog", Value: 0, Source: dataset.ValueGRPCDefault},
				{ConceptID: "dog", Value: 0, AnnotationID: "ann1", Annotator: "alice", AnnotatorKind: dataset.AnnotatorUser},
				{ConceptID: "cat", Value: 0.25, AnnotationID: "p1", Annotator: "general", AnnotatorKind: dataset.AnnotatorModel},
				{ConceptID: "dog", Value: 0.75, AnnotationID: "p1", Annotator: "general", AnnotatorKind: dataset.AnnotatorModel},
				{ConceptID: "cat", Value: 0, AnnotationID: "w1", Annotator: "flow", AnnotatorKind: dataset.AnnotatorWorkflow},
			}},
		{ID: "b \"quoted\"", Kind: "text", Text: "hello\nworld"},
		{ID: "c", Kind: "video"},
	}
	var buf bytes.Buffer
	for i := range in {
		require.NoError(t, dataset.WriteInputJSONL(&buf, &in[i]))
	}
	assert.Equal(t, 3, strings.Count(buf.String(), "\n"))
	assert.Contains(t, buf.String(), `{"id":"dog","value":0}`, "a negative is written explicitly")

	r, err := dataset.NewReader(context.Background(), &buf, dataset.WithAllocator(mem))
	require.NoError(t, err)
	defer r.Release()
	var got []dataset.Annotation
	var inputs [][5]string
	for r.Next() {
		var err error
		got, err = dataset.AppendAnnotations(got, r.Annotations())
		require.NoError(t, err)
		rec := r.Inputs()
		for i := 0; i < int(rec.NumRows()); i++ {
			var row [5]string
			for k, col := range []string{dataset.ColInputID, dataset.ColKind, dataset.ColURL, dataset.ColText, dataset.ColMetadata} {
				row[k] = jwCell(dataset.Column(rec, col), i)
			}
			inputs = append(inputs, row)
		}
	}
	require.NoError(t, r.Err())
	assert.Equal(t, [][5]string{
		{"a", "image", "https://x/a.jpg", "", `{"k":1}`},
		{`b "quoted"`, "text", "", "hello\nworld", ""},
		{"c", "video", "", "", ""},
	}, inputs)
	var want []dataset.Annotation
	for _, x := range in {
		for _, a := range x.Annotations {
			a.InputID = x.ID
			a.Source = dataset.ValueExplicit // written explicitly, read back so
			want = append(want, a)
		}
	}
	assert.ElementsMatch(t, want, got)
	assert.EqualValues(t, 0, r.Stats().ImplicitValues, "every value came back explicit")
	assert.EqualValues(t, 3, r.Stats().Inputs)
}
