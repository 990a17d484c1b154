package writeback_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"strings"
	"testing"

	"github.com/apache/arrow/go/v15/arrow/memory"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"curate.dev/dataset"
	"curate.dev/writeback"
)

// load reads a file's annotations with the loader, as "input/concept=value" strings.
func load(t testing.TB, name, text string, opts ...dataset.Option) ([]string, error) {
	t.Helper()
	r, err := dataset.NewReader(context.Background(), strings.NewReader(text), append([]dataset.Option{dataset.WithName(name), dataset.WithInputs(false)}, opts...)...)
	if err != nil {
		return nil, err
	}
	defer r.Release()
	var anns []dataset.Annotation
	for r.Next() {
		if anns, err = dataset.AppendAnnotations(anns, r.Annotations()); err != nil {
			return nil, err
		}
	}
	if err := r.Err(); err != nil {
		return nil, err
	}
	out := make([]string, 0, len(anns))
	for _, a := range anns {
		out = append(out, fmt.Sprintf("%s/%s=%v", a.InputID, a.ConceptID, a.Value))
	}
	return out, nil
}

func applyCSV(t *testing.T, src, sugg string, opts writeback.Options) (string, writeback.Summary, error) {
	t.Helper()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	tbl := readChanges(t, mem, sugg)
	defer tbl.Release()
	opts.Name, opts.ChangesName = "labels.csv", "sugg.jsonl"
	var out bytes.Buffer
	sum, err := writeback.ApplyCSV(context.Background(), strings.NewReader(src), &out, tbl, opts)
	return out.String(), sum, err
}

// ApplyCSV reads CSV with the loader's grammar: what the loader rejects is
// an error naming the line, and nothing is accepted that the loader would
// not read back.
func TestApplyCSVLoaderGrammar(t *testing.T) {
	tests := []struct {
		name, src string
		wantLine  int
	}{
		{"bare quote", "input_id,concept_id,value\nb,d\"o\"g,1\na,dog,1\n", 2},
		{"field count", "input_id,concept_id,value\na,dog,1\na,cat\n", 3},
		{"unterminated quote", "input_id,concept_id,value\na,\"dog,1\n", 2},
		{"bad value", "input_id,concept_id,value\na,wolf,yes\n", 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, loadErr := load(t, "labels.csv", tt.src)
			require.Error(t, loadErr, "the loader rejects it")
			_, _, err := applyCSV(t, tt.src, wolfNeg, writeback.Options{})
			var pe *dataset.ParseError
			require.ErrorAs(t, err, &pe)
			assert.Equal(t, "labels.csv", pe.File)
			assert.Equal(t, tt.wantLine, pe.Line)
		})
	}
}

// A spreadsheet's trailing empty columns repeat the header name "": the
// rows apply appends have as many fields as the header, and the file loads.
func TestApplyCSVRepeatedHeaderName(t *testing.T) {
	src := "input_id,concept_id,value,,\na,dog,1,,\n"
	out, sum, err := applyCSV(t, src, wolfNeg, writeback.Options{})
	if err != nil {
		// The loader's header rule may refuse the header; then so does apply.
		_, loadErr := load(t, "labels.csv", src)
		require.Error(t, loadErr)
		return
	}
	assert.EqualValues(t, 1, sum.Added)
	recs, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	require.NoError(t, err)
	for _, r := range recs {
		assert.Len(t, r, 5)
	}
	got, err := load(t, "labels.csv", out)
	require.NoError(t, err)
	assert.Equal(t, []string{"a/dog=1", "a/wolf=0"}, got)
}

// Rows are decoded as the loader decodes them: a model's score is not a
// label (the change is added beside it), a user's row is.
func TestApplyCSVLabelsAsTheLoaderReads(t *testing.T) {
	src := "input_id,concept_id,value,annotator,annotator_kind\na,wolf,0.9,general,model\n"
	out, sum, err := applyCSV(t, src, wolfNeg, writeback.Options{Annotator: "rev"})
	require.NoError(t, err)
	assert.EqualValues(t, 1, sum.Added)
	assert.Equal(t, src+"a,wolf,0,rev,user\n", out)

	src = "input_id,concept_id,value,annotator,annotator_kind\na,wolf,1,alice,user\n"
	out, sum, err = applyCSV(t, src, wolfNeg, writeback.Options{})
	require.NoError(t, err)
	assert.EqualValues(t, 1, sum.Refused)
	assert.Equal(t, src, out)
}

// Blank lines, quoted line breaks and CRLF are copied as they were; a
// forced row is rewritten through encoding/csv in the file's line ending.
func TestApplyCSVKeepsBytes(t *testing.T) {
	src := "input_id,concept_id,value,note\r\n\r\nb,dog,1,\"two\r\nlines\"\r\n\r\na,wolf,1,\"say \"\"hi\"\"\"\r\nc,cat,0,x"
	out, sum, err := applyCSV(t, src, wolfNeg, writeback.Options{Force: true})
	require.NoError(t, err)
	assert.EqualValues(t, 1, sum.Updated)
	assert.Equal(t, strings.Replace(src, "a,wolf,1,", "a,wolf,0,", 1), out)
	got, err := load(t, "labels.csv", out)
	require.NoError(t, err)
	assert.Equal(t, []string{"b/dog=1", "a/wolf=0", "c/cat=0"}, got)
}

func TestApplyCSVLineTooLong(t *testing.T) {
	src := "input_id,concept_id,value\na,dog,1\n" + "a,dog," + strings.Repeat("1", 300) + "\n"
	_, _, err := applyCSV(t, src, wolfNeg, writeback.Options{MaxLineBytes: 100})
	var pe *dataset.ParseError
	require.ErrorAs(t, err, &pe)
	assert.ErrorIs(t, err, dataset.ErrLineTooLong)
	assert.Equal(t, 3, pe.Line)
}
