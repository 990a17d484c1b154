package dataset

import (
	"fmt"
	"strings"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"
)

// AppendAnnotations appends the rows of rec, a record of
// [AnnotationSchema], to dst as structs: the inverse of
// [AnnotationBuilder]. It is for code that wants Go values (a push to an
// app, a test); counting code should read the columns. A record of another
// schema is an error wrapping [ErrShape].
func AppendAnnotations(dst []Annotation, rec arrow.Record) ([]Annotation, error) {
	if !rec.Schema().Equal(annotationSchema) {
		return dst, fmt.Errorf("dataset: record is not of the annotations schema: %w", ErrShape)
	}
	// Every string is copied, once per dictionary entry: the structs are
	// the caller's to keep, valid after rec is released and whatever
	// allocator built it.
	cache := map[[2]int]string{}
	str := func(col, i int) string {
		c := rec.Column(col)
		if c.IsNull(i) {
			return ""
		}
		if d, ok := c.(*array.Dictionary); ok {
			k := [2]int{col, d.GetValueIndex(i)}
			if s, ok := cache[k]; ok {
				return s
			}
			s := strings.Clone(d.Dictionary().(*array.String).Value(k[1]))
			cache[k] = s
			return s
		}
		return strings.Clone(c.(*array.String).Value(i))
	}
	val := rec.Column(annValue).(*array.Float32)
	for i := 0; i < int(rec.NumRows()); i++ {
		src, _ := ParseValueSource(str(annValueSource, i))
		kind, _ := ParseAnnotatorKind(str(annAnnotatorKind, i))
		dst = append(dst, Annotation{
			InputID: str(annInputID, i), ConceptID: str(annConceptID, i), ConceptName: str(annConceptName, i),
			Value: val.Value(i), Source: src, AnnotationID: str(annAnnotationID, i),
			Annotator: str(annAnnotator, i), AnnotatorKind: kind,
		})
	}
	return dst, nil
}
