package dataset

import "github.com/apache/arrow/go/v15/arrow"

// Column names of the changes table (ColInputID, ColConceptID,
// ColConceptName and ColValue are shared with the annotations table).
const (
	ColScore           = "score"
	ColSourceConceptID = "source_concept_id"
	ColReason          = "reason"
	ColAccept          = "accept"
	ColLine            = "line"
)

// Column indices of [ChangesSchema].
const (
	ChgInputID = iota
	ChgConceptID
	ChgConceptName
	ChgValue
	ChgScore
	ChgSourceConceptID
	ChgReason
	ChgAccept
	ChgLine
)

var changesSchema = arrow.NewSchema([]arrow.Field{
	{Name: ColInputID, Type: arrow.BinaryTypes.String},
	{Name: ColConceptID, Type: arrow.BinaryTypes.String},
	{Name: ColConceptName, Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: ColValue, Type: arrow.PrimitiveTypes.Float32},
	{Name: ColScore, Type: arrow.PrimitiveTypes.Float64, Nullable: true},
	{Name: ColSourceConceptID, Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: ColReason, Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: ColAccept, Type: arrow.FixedWidthTypes.Boolean},
	{Name: ColLine, Type: arrow.PrimitiveTypes.Int64},
}, nil)

// ChangesSchema returns the schema of a changes table: the annotations a
// reviewer chose to write back, one row per suggestion.
//
//	input_id           utf8
//	concept_id         utf8
//	concept_name       utf8      null when unknown
//	value              float32   0 (negative) or 1 (positive)
//	score              float64   the suggestion's score; null when none
//	source_concept_id  utf8      the concept the suggestion came from; null when none
//	reason             utf8      why it was suggested; null when none
//	accept             bool      false: the reviewer rejected it (default true)
//	line               int64     1-based line in the suggestions file; 0 when not from a file
//
// It is the one declaration of the suggestions contract: balance builds
// its suggestions as records of this schema and writes its columns as the
// JSONL keys, and curate.dev/writeback reads a reviewed file back into a
// table of it. The returned schema is shared; do not modify it.
func ChangesSchema() *arrow.Schema { return changesSchema }
