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

// Column indices of [AnnotationSchema].
const (
	AnnInputID = iota
	AnnConceptID
	AnnConceptName
	AnnValue
	AnnValueSource
	AnnAnnotationID
	AnnAnnotator
	AnnAnnotatorKind
)

// Column indices of [InputSchema]; InEmbedding exists only when the schema
// has an embedding.
const (
	InInputID = iota
	InKind
	InURL
	InText
	InMetadata
	InDatasetIDs
	InEmbedding
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
