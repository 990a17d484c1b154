package dataset_test

import (
	"testing"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"
	"github.com/stretchr/testify/require"

	"curate.dev/dataset"
)

// annotationRows reads every annotation row of r back into structs.
func annotationRows(t *testing.T, r *dataset.Reader) []dataset.Annotation {
	t.Helper()
	var out []dataset.Annotation
	for r.Next() {
		out = append(out, recordRows(r.Annotations())...)
	}
	require.NoError(t, r.Err())
	return out
}

func recordRows(rec arrow.Record) []dataset.Annotation {
	str := func(col int, i int) string {
		c := rec.Column(col)
		if c.IsNull(i) {
			return ""
		}
		if d, ok := c.(*array.Dictionary); ok {
			return d.Dictionary().(*array.String).Value(d.GetValueIndex(i))
		}
		return c.(*array.String).Value(i)
	}
	out := make([]dataset.Annotation, rec.NumRows())
	for i := range out {
		src, _ := dataset.ParseValueSource(str(dataset.AnnValueSource, i))
		kind, _ := dataset.ParseAnnotatorKind(str(dataset.AnnAnnotatorKind, i))
		out[i] = dataset.Annotation{
			InputID: str(dataset.AnnInputID, i), ConceptID: str(dataset.AnnConceptID, i), ConceptName: str(dataset.AnnConceptName, i),
			Value: rec.Column(dataset.AnnValue).(*array.Float32).Value(i), Source: src,
			AnnotationID: str(dataset.AnnAnnotationID, i), Annotator: str(dataset.AnnAnnotator, i), AnnotatorKind: kind,
		}
	}
	return out
}
