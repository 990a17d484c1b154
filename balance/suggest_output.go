package balance

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"io"
	"strconv"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"
	"github.com/apache/arrow/go/v15/arrow/memory"
)

// Column names of [SuggestionSchema], which are also the JSONL keys and
// the CSV header.
const (
	ColSuggestInputID = "input_id"
	ColSuggestConcept = "concept_id"
	ColSuggestValue   = "value"
	ColSuggestScore   = "score"
	ColSuggestSource  = "source_concept_id"
	ColSuggestReason  = "reason"
)

var suggestionSchema = arrow.NewSchema([]arrow.Field{
	{Name: ColSuggestInputID, Type: arrow.BinaryTypes.String},
	{Name: ColSuggestConcept, Type: arrow.BinaryTypes.String},
	{Name: ColSuggestValue, Type: arrow.PrimitiveTypes.Float32},
	{Name: ColSuggestScore, Type: arrow.PrimitiveTypes.Float64},
	{Name: ColSuggestSource, Type: arrow.BinaryTypes.String},
	{Name: ColSuggestReason, Type: arrow.BinaryTypes.String},
}, nil)

// SuggestionSchema is the schema of [Suggestions.Record]: input_id,
// concept_id, value (float32, always 0), score (float64),
// source_concept_id, reason. Shared; do not modify.
func SuggestionSchema() *arrow.Schema { return suggestionSchema }

// Record returns the suggestions as one Arrow record of
// [SuggestionSchema], built with mem (nil: memory.DefaultAllocator). The
// caller releases it.
func (s *Suggestions) Record(mem memory.Allocator) arrow.Record {
	if mem == nil {
		mem = memory.DefaultAllocator
	}
	b := array.NewRecordBuilder(mem, suggestionSchema)
	defer b.Release()
	in := b.Field(0).(*array.StringBuilder)
	c := b.Field(1).(*array.StringBuilder)
	v := b.Field(2).(*array.Float32Builder)
	sc := b.Field(3).(*array.Float64Builder)
	src := b.Field(4).(*array.StringBuilder)
	why := b.Field(5).(*array.StringBuilder)
	for _, x := range s.Suggestions {
		in.Append(x.InputID)
		c.Append(x.ConceptID)
		v.Append(x.Value)
		sc.Append(x.Score)
		src.Append(x.SourceConceptID)
		why.Append(x.Reason)
	}
	return b.NewRecord()
}

// jsonSuggestion fixes the key order of the JSONL contract.
type jsonSuggestion struct {
	InputID   string  `json:"input_id"`
	ConceptID string  `json:"concept_id"`
	Value     float32 `json:"value"`
	Score     float64 `json:"score"`
	Source    string  `json:"source_concept_id"`
	Reason    string  `json:"reason"`
}

// WriteJSONL writes one suggestion per line, the contract `curate apply`
// reads:
//
//	{"input_id":"i1","concept_id":"wolf","value":0,"score":0.83,"source_concept_id":"husky","reason":"…"}
//
// value is always written. A reviewer may delete lines, add
// "accept":false, or flip value to 1 before applying.
func (s *Suggestions) WriteJSONL(w io.Writer) error {
	bw := bufio.NewWriter(w)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	for _, x := range s.Suggestions {
		if err := enc.Encode(jsonSuggestion{x.InputID, x.ConceptID, x.Value, x.Score, x.SourceConceptID, x.Reason}); err != nil {
			return err
		}
	}
	return bw.Flush()
}

// WriteCSV writes the suggestions with a header row
// (input_id,concept_id,value,score,source_concept_id,reason); the dataset
// CSV loader reads the file back as annotations.
func (s *Suggestions) WriteCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	if err := cw.Write([]string{ColSuggestInputID, ColSuggestConcept, ColSuggestValue, ColSuggestScore, ColSuggestSource, ColSuggestReason}); err != nil {
		return err
	}
	for _, x := range s.Suggestions {
		rec := []string{x.InputID, x.ConceptID, strconv.FormatFloat(float64(x.Value), 'f', -1, 32),
			strconv.FormatFloat(x.Score, 'f', -1, 64), x.SourceConceptID, x.Reason}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}
