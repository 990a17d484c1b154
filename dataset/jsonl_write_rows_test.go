package dataset_test

import (
	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"

	"curate.dev/dataset"
)

// jwCell reads a string or dictionary-of-string cell ("" for null).
func jwCell(c arrow.Array, i int) string {
	if c.IsNull(i) {
		return ""
	}
	if d, ok := c.(*array.Dictionary); ok {
		return d.Dictionary().(*array.String).Value(d.GetValueIndex(i))
	}
	return c.(*array.String).Value(i)
}

func jwRows(rec arrow.Record) []dataset.Annotation {
	str := func(col int, i int) string { return jwCell(rec.Column(col), i) }
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
