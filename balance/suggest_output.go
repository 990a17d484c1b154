package balance

import (
	"bufio"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"
	"github.com/apache/arrow/go/v15/arrow/memory"

	"curate.dev/dataset"
)

// Record returns the suggestions as one Arrow record of
// [dataset.ChangesSchema], the changes table write-back reads, built with
// mem (nil: memory.DefaultAllocator): concept_name is null, accept true
// and line 0 (not read from a file). The caller releases it.
func (s *Suggestions) Record(mem memory.Allocator) arrow.Record {
	if mem == nil {
		mem = memory.DefaultAllocator
	}
	b := array.NewRecordBuilder(mem, dataset.ChangesSchema())
	defer b.Release()
	in := b.Field(dataset.ChgInputID).(*array.StringBuilder)
	c := b.Field(dataset.ChgConceptID).(*array.StringBuilder)
	name := b.Field(dataset.ChgConceptName).(*array.StringBuilder)
	v := b.Field(dataset.ChgValue).(*array.Float32Builder)
	sc := b.Field(dataset.ChgScore).(*array.Float64Builder)
	src := b.Field(dataset.ChgSourceConceptID).(*array.StringBuilder)
	why := b.Field(dataset.ChgReason).(*array.StringBuilder)
	acc := b.Field(dataset.ChgAccept).(*array.BooleanBuilder)
	line := b.Field(dataset.ChgLine).(*array.Int64Builder)
	for _, x := range s.Suggestions {
		in.Append(x.InputID)
		c.Append(x.ConceptID)
		name.AppendNull()
		v.Append(x.Value)
		sc.Append(x.Score)
		src.Append(x.SourceConceptID)
		why.Append(x.Reason)
		acc.Append(true)
		line.Append(0)
	}
	return b.NewRecord()
}

// jsonSuggestion fixes the key order of the JSONL contract; its keys are
// column names of [dataset.ChangesSchema].
type jsonSuggestion struct {
	InputID   string  `json:"input_id"`
	ConceptID string  `json:"concept_id"`
	Value     float32 `json:"value"`
	Score     float64 `json:"score"`
	Source    string  `json:"source_concept_id"`
	Reason    string  `json:"reason"`
	URL       string  `json:"url,omitempty"`
	Text      string  `json:"text,omitempty"`
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
		if err := enc.Encode(jsonSuggestion{x.InputID, x.ConceptID, x.Value, x.Score, x.SourceConceptID, x.Reason, x.URL, x.Text}); err != nil {
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
	if err := cw.Write([]string{dataset.ColInputID, dataset.ColConceptID, dataset.ColValue, dataset.ColScore, dataset.ColSourceConceptID, dataset.ColReason, dataset.ColURL, dataset.ColText}); err != nil {
		return err
	}
	for _, x := range s.Suggestions {
		rec := []string{x.InputID, x.ConceptID, strconv.FormatFloat(float64(x.Value), 'f', -1, 32),
			strconv.FormatFloat(x.Score, 'f', -1, 64), x.SourceConceptID, x.Reason, x.URL, x.Text}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// AddMedia reads the inputs of r (the source the suggestions are for) and
// sets each suggestion's URL and Text from its input, so that every line
// written shows what the input is. Inputs without suggestions are looked
// at and dropped. r is not released.
func (s *Suggestions) AddMedia(ctx context.Context, r *dataset.Reader) error {
	idx := make(map[string][]int, len(s.Suggestions))
	for i := range s.Suggestions {
		idx[s.Suggestions[i].InputID] = append(idx[s.Suggestions[i].InputID], i)
	}
	for r.Next() {
		if err := ctx.Err(); err != nil {
			return err
		}
		rec := r.Inputs()
		if rec == nil {
			return fmt.Errorf("balance: the source has no inputs table")
		}
		ids := dataset.Column(rec, dataset.ColInputID).(*array.String)
		urls := dataset.Column(rec, dataset.ColURL).(*array.String)
		texts := dataset.Column(rec, dataset.ColText).(*array.String)
		for j := 0; j < ids.Len(); j++ {
			for _, i := range idx[ids.Value(j)] {
				x := &s.Suggestions[i]
				if urls.IsValid(j) {
					x.URL = strings.Clone(urls.Value(j))
				}
				if texts.IsValid(j) {
					x.Text = strings.Clone(texts.Value(j))
				}
			}
		}
	}
	return r.Err()
}
