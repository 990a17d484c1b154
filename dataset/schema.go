package dataset

import (
	"github.com/apache/arrow/go/v15/arrow"
)

// Column names of the annotations table.
const (
	ColInputID       = "input_id"
	ColConceptID     = "concept_id"
	ColConceptName   = "concept_name"
	ColValue         = "value"
	ColValueSource   = "value_source"
	ColAnnotationID  = "annotation_id"
	ColAnnotator     = "annotator"
	ColAnnotatorKind = "annotator_kind"
)

// Column names of the inputs table (ColInputID is shared).
const (
	ColKind       = "kind"
	ColURL        = "url"
	ColText       = "text"
	ColMetadata   = "metadata"
	ColDatasetIDs = "dataset_ids"
	ColEmbedding  = "embedding"
)

// Positions of the columns in [AnnotationSchema]; callers find columns by
// name ([Column]).
const (
	annInputID = iota
	annConceptID
	annConceptName
	annValue
	annValueSource
	annAnnotationID
	annAnnotator
	annAnnotatorKind
)

// Column indices of [InputSchema]; inEmbedding exists only when the schema
// has an embedding.
const (
	inInputID = iota
	inKind
	inURL
	inText
	inMetadata
	inDatasetIDs
	inEmbedding
)

var (
	dictString32 = &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int32, ValueType: arrow.BinaryTypes.String}
	dictString8  = &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int8, ValueType: arrow.BinaryTypes.String}

	annotationSchema = arrow.NewSchema([]arrow.Field{
		{Name: ColInputID, Type: dictString32},
		{Name: ColConceptID, Type: dictString32},
		{Name: ColConceptName, Type: dictString32, Nullable: true},
		{Name: ColValue, Type: arrow.PrimitiveTypes.Float32},
		{Name: ColValueSource, Type: dictString8},
		{Name: ColAnnotationID, Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: ColAnnotator, Type: dictString32, Nullable: true},
		{Name: ColAnnotatorKind, Type: dictString8, Nullable: true},
	}, nil)
)

// Column returns rec's column named name (one of the Col… names), or nil
// when rec has none. It finds columns by name, so it serves records of
// either schema and records that carry only some of the columns:
//
//	values := dataset.Column(rec, dataset.ColValue).(*array.Float32)
//
// The array belongs to rec, as [arrow.Record.Column]'s does.
func Column(rec arrow.Record, name string) arrow.Array {
	if i := rec.Schema().FieldIndices(name); len(i) > 0 {
		return rec.Column(i[0])
	}
	return nil
}

// AnnotationSchema returns the schema of the annotations table (see the
// package documentation). The returned schema is shared; do not modify it.
func AnnotationSchema() *arrow.Schema { return annotationSchema }

// InputSchema returns the schema of the inputs table, with a
// fixed_size_list<float32>[dim] embedding column when dim > 0.
func InputSchema(dim int) *arrow.Schema {
	fields := []arrow.Field{
		{Name: ColInputID, Type: arrow.BinaryTypes.String},
		{Name: ColKind, Type: dictString8, Nullable: true},
		{Name: ColURL, Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: ColText, Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: ColMetadata, Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: ColDatasetIDs, Type: arrow.ListOf(arrow.BinaryTypes.String)},
	}
	if dim > 0 {
		fields = append(fields, arrow.Field{
			Name: ColEmbedding, Type: arrow.FixedSizeListOf(int32(dim), arrow.PrimitiveTypes.Float32), Nullable: true,
		})
	}
	return arrow.NewSchema(fields, nil)
}

// EmbeddingDim returns the embedding dimension of an inputs schema, or 0
// when it has no embedding column.
func EmbeddingDim(s *arrow.Schema) int {
	idx := s.FieldIndices(ColEmbedding)
	if len(idx) == 0 {
		return 0
	}
	if t, ok := s.Field(idx[0]).Type.(*arrow.FixedSizeListType); ok {
		return int(t.Len())
	}
	return 0
}
