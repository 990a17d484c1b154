package writeback_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/apache/arrow/go/v15/arrow/array"
	"github.com/apache/arrow/go/v15/arrow/memory"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"curate.dev/dataset"
	"curate.dev/writeback"
)

func TestReadChanges(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	in := `{"input_id":"i1","concept_id":"wolf","value":0,"score":0.83,"source_concept_id":"husky","reason":"why","reviewer_note":{"x":1}}

{"input_id":"i2","concept_id":"wolf","concept_name":"Wolf","value":1,"accept":false}
{"Input_ID":"i\u0033","concept_id":"fox","value":0,"score":null,"accept":null}
`
	tbl, err := writeback.ReadChanges(context.Background(), strings.NewReader(in), writeback.ReadOptions{Name: "s.jsonl", Allocator: mem, BatchSize: 2})
	require.NoError(t, err)
	defer tbl.Release()
	require.True(t, tbl.Schema().Equal(dataset.ChangesSchema()))
	require.EqualValues(t, 3, tbl.NumRows())

	tr := array.NewTableReader(tbl, -1)
	defer tr.Release()
	var ids, reasons []string
	var values []float32
	var accept []bool
	var lines []int64
	var scoreValid []bool
	for tr.Next() {
		rec := tr.Record()
		for i := 0; i < int(rec.NumRows()); i++ {
			ids = append(ids, rec.Column(dataset.ChgInputID).(*array.String).Value(i))
			reasons = append(reasons, rec.Column(dataset.ChgReason).(*array.String).Value(i))
			values = append(values, rec.Column(dataset.ChgValue).(*array.Float32).Value(i))
			accept = append(accept, rec.Column(dataset.ChgAccept).(*array.Boolean).Value(i))
			lines = append(lines, rec.Column(dataset.ChgLine).(*array.Int64).Value(i))
			scoreValid = append(scoreValid, rec.Column(dataset.ChgScore).IsValid(i))
		}
	}
	assert.Equal(t, []string{"i1", "i2", "i3"}, ids)
	assert.Equal(t, []string{"why", "", ""}, reasons)
	assert.Equal(t, []float32{0, 1, 0}, values)
	assert.Equal(t, []bool{true, false, true}, accept)
	assert.Equal(t, []int64{1, 3, 4}, lines)
	assert.Equal(t, []bool{true, false, false}, scoreValid)
}

func TestReadChangesErrors(t *testing.T) {
	ok := `{"input_id":"i1","concept_id":"wolf","value":0}` + "\n"
	tests := []struct {
		name  string
		line  string
		field string
		is    error
	}{
		{"soft value", `{"input_id":"i","concept_id":"wolf","value":0.5}`, "value", dataset.ErrValue},
		{"omitted value", `{"input_id":"i","concept_id":"wolf"}`, "value", dataset.ErrImplicitValue},
		{"string value", `{"input_id":"i","concept_id":"wolf","value":"0"}`, "value", dataset.ErrValue},
		{"no input", `{"concept_id":"wolf","value":0}`, "input_id", dataset.ErrShape},
		{"no concept", `{"input_id":"i","value":0}`, "concept_id", dataset.ErrShape},
		{"accept not bool", `{"input_id":"i","concept_id":"wolf","value":0,"accept":"no"}`, "accept", dataset.ErrShape},
		{"score not number", `{"input_id":"i","concept_id":"wolf","value":0,"score":"high"}`, "score", dataset.ErrShape},
		{"id not string", `{"input_id":7,"concept_id":"wolf","value":0}`, "input_id", dataset.ErrShape},
		{"not json", `{"input_id":`, "", dataset.ErrSyntax},
		{"text after the object", `{"input_id":"i","concept_id":"wolf","value":0} x`, "", dataset.ErrSyntax},
		{"bad literal in an unknown field", `{"input_id":"i","concept_id":"wolf","value":0,"note":nope}`, "", dataset.ErrSyntax},
		{"bad escape", `{"input_id":"\q","concept_id":"wolf","value":0}`, "", dataset.ErrSyntax},
		{"not an object", `[{"input_id":"i"}]`, "", dataset.ErrShape},
		{"hex value", `{"input_id":"i","concept_id":"wolf","value":0x1}`, "", dataset.ErrSyntax},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			_, err := writeback.ReadChanges(context.Background(), strings.NewReader(ok+ok+tt.line+"\n"+ok), writeback.ReadOptions{Name: "s.jsonl", Allocator: mem, BatchSize: 1})
			var pe *dataset.ParseError
			require.ErrorAs(t, err, &pe)
			assert.Equal(t, "s.jsonl", pe.File)
			assert.Equal(t, 3, pe.Line)
			assert.Equal(t, tt.field, pe.Field)
			assert.ErrorIs(t, err, tt.is)
		})
	}
}

// A suggestions file records its source on its first line; ReadChanges
// keeps it with the table, and Fingerprint of the source matches it after
// an apply changed the file (ids stay, size does not).
func TestSuggestionsSource(t *testing.T) {
	ctx := context.Background()
	src := `{"id":"a"}` + "\n" + `{"id":"b","data":{"concepts":[{"id":"dog","value":1}]}}` + "\n"
	fp, err := writeback.Fingerprint(ctx, strings.NewReader(src), "animals.jsonl")
	require.NoError(t, err)
	assert.EqualValues(t, 2, fp.Inputs)
	assert.EqualValues(t, len(src), fp.Size)

	var sugg bytes.Buffer
	require.NoError(t, writeback.WriteSource(&sugg, fp))
	sugg.WriteString(`{"input_id":"a","concept_id":"wolf","value":0}` + "\n")
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	tbl, err := writeback.ReadChanges(ctx, &sugg, writeback.ReadOptions{Name: "s.jsonl", Allocator: mem})
	require.NoError(t, err)
	defer tbl.Release()
	assert.EqualValues(t, 1, tbl.NumRows())
	rec, ok := writeback.SourceOf(tbl)
	require.True(t, ok)
	assert.Equal(t, fp, rec)

	var out bytes.Buffer
	sum, err := writeback.Apply(ctx, strings.NewReader(src), &out, tbl, writeback.Options{Name: "animals.jsonl"})
	require.NoError(t, err)
	assert.True(t, sum.Source.Same(rec), "the source read is the one recorded")
	after, err := writeback.Fingerprint(ctx, &out, "animals.jsonl")
	require.NoError(t, err)
	assert.NotEqual(t, fp.Size, after.Size)
	assert.True(t, after.Same(rec), "an applied file is still the same source")

	other, err := writeback.Fingerprint(ctx, strings.NewReader(src+`{"id":"c"}`+"\n"), "other.jsonl")
	require.NoError(t, err)
	assert.False(t, other.Same(rec), "overlapping ids are another source")
	csvSrc, err := writeback.Fingerprint(ctx, strings.NewReader("input_id,concept_id,value\nb,dog,1\na,cat,0\nb,cat,1\n"), "l.csv")
	require.NoError(t, err)
	assert.True(t, csvSrc.Same(rec), "the same ids in CSV, repeated rows counted once")
}
