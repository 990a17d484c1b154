package dataset

import (
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCSVMapsEveryField(t *testing.T) {
	const src = `input_id,concept_id,value,concept_name,annotator,annotator_kind,annotation_id
in-1,dog,1,Dog,alice,,ann-1
in-1,wolf,0,,,,
in-2,dog,0.9,Dog,general,model,
in-2,"cat, wild",1,"Cat
(wild)",bob,user,ann-2
in-1,fox,0,Fox,wf,workflow,ann-3
`
	got, err := load(t, src, WithName("labels.csv"))
	require.NoError(t, err)
	assert.Equal(t, []Annotation{
		{InputID: "in-1", ConceptID: "dog", ConceptName: "Dog", Value: 1, Annotator: "alice", AnnotatorKind: AnnotatorUser, AnnotationID: "ann-1"},
		{InputID: "in-1", ConceptID: "wolf", Value: 0},
		{InputID: "in-2", ConceptID: "dog", ConceptName: "Dog", Value: 0.9, Annotator: "general", AnnotatorKind: AnnotatorModel},
		{InputID: "in-2", ConceptID: "cat, wild", ConceptName: "Cat\n(wild)", Value: 1, Annotator: "bob", AnnotatorKind: AnnotatorUser, AnnotationID: "ann-2"},
		{InputID: "in-1", ConceptID: "fox", ConceptName: "Fox", Value: 0, Annotator: "wf", AnnotatorKind: AnnotatorWorkflow, AnnotationID: "ann-3"},
	}, got.anns)
	// One input row per distinct id, in order of first appearance.
	assert.Equal(t, []Input{{ID: "in-1"}, {ID: "in-2"}}, got.inputs)
	assert.Equal(t, int64(2), got.stats.Inputs)
	assert.Equal(t, int64(5), got.stats.Annotations)
	assert.Equal(t, int64(0), got.stats.ImplicitValues)
	assert.Equal(t, int64(7), got.stats.Lines, "the last record starts on line 7")
}

func TestCSVColumnOrderAndMinimalHeader(t *testing.T) {
	got, err := load(t, "value,input_id,concept_id\n1,a,dog\n0,b,dog\n")
	require.NoError(t, err)
	assert.Equal(t, []Annotation{
		{InputID: "a", ConceptID: "dog", Value: 1},
		{InputID: "b", ConceptID: "dog", Value: 0},
	}, got.anns)
}

func TestOpenImagesMapsEveryField(t *testing.T) {
	const src = "ImageID,Source,LabelName,Confidence\r\n" +
		"000002b66c9c498e,verification,/m/0bt9lr,1\r\n" +
		"000002b66c9c498e,crowdsource-verification,/m/01g317,0\r\n" +
		"000002b97e5471a0,machine,/m/05s2s,0.7\r\n" +
		"000002b97e5471a0,,/m/0c9ph5,1\r\n"
	got, err := load(t, src, WithName("oi.csv"))
	require.NoError(t, err)
	assert.Equal(t, []Annotation{
		{InputID: "000002b66c9c498e", ConceptID: "/m/0bt9lr", Value: 1, Annotator: "verification", AnnotatorKind: AnnotatorUser},
		{InputID: "000002b66c9c498e", ConceptID: "/m/01g317", Value: 0, Annotator: "crowdsource-verification", AnnotatorKind: AnnotatorUser},
		{InputID: "000002b97e5471a0", ConceptID: "/m/05s2s", Value: 0.7, Annotator: "machine", AnnotatorKind: AnnotatorModel},
		{InputID: "000002b97e5471a0", ConceptID: "/m/0c9ph5", Value: 1},
	}, got.anns)
	assert.Equal(t, []Input{{ID: "000002b66c9c498e", Kind: "image"}, {ID: "000002b97e5471a0", Kind: "image"}}, got.inputs)
}

// TestCSVErrorPositions marks the bad spot in the input like
// encoding/csv's reader_test and checks file, line and field.
func TestCSVErrorPositions(t *testing.T) {
	// goodRows returns n good long-form rows.
	goodRows := func(n int) string {
		var b strings.Builder
		for i := range n {
			fmt.Fprintf(&b, "in-%d,dog,%d\n", i, i%2)
		}
		return b.String()
	}
	for _, tc := range []struct {
		name string
		src  string
		opts []Option
		want wantErr
	}{
		{"soft value on line 17", "input_id,concept_id,value\n" + goodRows(15) + "in-x,dog,0.5\n",
			nil, wantErr{line: 17, field: "value", is: ErrValue, msg: `dataset: labels.csv:17: field "value": want 0 or 1, got "0.5"`}},
		{"after a multi-line field", "input_id,concept_id,value,concept_name\na,dog,1,\"Dog\nand more\"\nb,dog,2,Dog\n",
			nil, wantErr{line: 4, field: "value", is: ErrValue}},
		{"empty value", "input_id,concept_id,value\na,dog,\n", nil, wantErr{line: 2, field: "value", is: ErrValue,
			msg: `dataset: labels.csv:2: field "value": want 0 or 1, got ""`}},
		{"NaN", "input_id,concept_id,value\na,dog,NaN\n", nil, wantErr{line: 2, field: "value", is: ErrValue}},
		{"Inf", "input_id,concept_id,value\na,dog,Inf\n", nil, wantErr{line: 2, field: "value", is: ErrValue}},
		{"hex", "input_id,concept_id,value\na,dog,0x1\n", nil, wantErr{line: 2, field: "value", is: ErrValue}},
		{"word", "input_id,concept_id,value\na,dog,yes\n", nil, wantErr{line: 2, field: "value", is: ErrValue}},
		{"minus one", "input_id,concept_id,value\na,dog,-1\n", nil, wantErr{line: 2, field: "value", is: ErrValue}},
		{"soft out of range", "input_id,concept_id,value\na,dog,1.01\n", []Option{WithSoftValues(true)}, wantErr{line: 2, field: "value", is: ErrValue}},
		{"model score out of range", "input_id,concept_id,value,annotator,annotator_kind\na,dog,2,m,model\n", nil, wantErr{line: 2, field: "value", is: ErrValue}},
		{"empty input id", "input_id,concept_id,value\n,dog,1\n", nil, wantErr{line: 2, field: "input_id", is: ErrShape}},
		{"empty concept id", "input_id,concept_id,value\na,,1\n", nil, wantErr{line: 2, field: "concept_id", is: ErrShape}},
		{"bad annotator kind", "input_id,concept_id,value,annotator_kind\na,dog,1,robot\n", nil, wantErr{line: 2, field: "annotator_kind", is: ErrShape}},
		{"missing column", "input_id,concept,value\na,dog,1\n", nil, wantErr{line: 1, field: "concept_id", is: ErrShape}},
		{"field count", "input_id,concept_id,value\na,dog,1\nb,dog\n", nil, wantErr{line: 3, is: ErrSyntax}},
		{"bare quote", "input_id,concept_id,value\na,dog,1\nb,d\"og,1\n", nil, wantErr{line: 3, is: ErrSyntax}},
		{"open images human score", "ImageID,Source,LabelName,Confidence\nimg,verification,/m/1,1\nimg,verification,/m/2,0.5\n",
			nil, wantErr{line: 3, field: "Confidence", is: ErrValue, msg: `dataset: labels.csv:3: field "Confidence": want 0 or 1, got "0.5"`}},
		{"open images machine out of range", "ImageID,Source,LabelName,Confidence\nimg,machine,/m/1,1.5\n",
			nil, wantErr{line: 2, field: "Confidence", is: ErrValue}},
		{"open images empty label", "ImageID,Source,LabelName,Confidence\nimg,verification,,1\n",
			nil, wantErr{line: 2, field: "LabelName", is: ErrShape}},
		{"open images empty image", "ImageID,Source,LabelName,Confidence\n,verification,/m/1,1\n",
			nil, wantErr{line: 2, field: "ImageID", is: ErrShape}},
		// Values follow JSON's number grammar, not Go's.
		{"underscore", "input_id,concept_id,value\na,dog,0_1\n", nil, wantErr{line: 2, field: "value", is: ErrValue,
			msg: `dataset: labels.csv:2: field "value": want 0 or 1, got "0_1"`}},
		{"underflow", "input_id,concept_id,value\na,dog,1e-400\n", nil, wantErr{line: 2, field: "value", is: ErrValue}},
		{"underflow soft", "input_id,concept_id,value\na,dog,1e-400\n", []Option{WithSoftValues(true)}, wantErr{line: 2, field: "value", is: ErrValue}},
		{"plus sign", "input_id,concept_id,value\na,dog,+1\n", nil, wantErr{line: 2, field: "value", is: ErrValue}},
		{"leading dot", "input_id,concept_id,value\na,dog,.5\n", []Option{WithSoftValues(true)}, wantErr{line: 2, field: "value", is: ErrValue}},
		{"trailing dot", "input_id,concept_id,value\na,dog,1.\n", nil, wantErr{line: 2, field: "value", is: ErrValue}},
		{"leading zeros", "input_id,concept_id,value\na,dog,01\n", nil, wantErr{line: 2, field: "value", is: ErrValue}},
		{"hex float", "input_id,concept_id,value\na,dog,0x1p-2\n", []Option{WithSoftValues(true)}, wantErr{line: 2, field: "value", is: ErrValue}},
		{"repeated column", "input_id,concept_id,value,value\na,dog,1,0\n", nil, wantErr{line: 1, field: "value", is: ErrShape,
			msg: `dataset: labels.csv:1: field "value": unexpected shape: the header names "value" twice (columns 3 and 4)`}},
		{"white space id", "input_id,concept_id,value\na,dog,1\n  ,dog,1\n", nil, wantErr{line: 3, field: "input_id", is: ErrID}},
		{"white space concept", "input_id,concept_id,value\na,\t,1\n", nil, wantErr{line: 2, field: "concept_id", is: ErrID}},
		{"byte order mark in a row", "input_id,concept_id,value\na,dog,1\n\ufeffinput_id,concept_id,value\n", nil,
			wantErr{line: 3, field: "input_id", is: ErrSyntax, msg: `dataset: labels.csv:3: field "input_id": syntax error: a byte order mark inside a row (files joined together?)`}},
		{"byte order mark in the header", "input_id,\ufeffconcept_id,value\na,dog,1\n", nil, wantErr{line: 1, field: "\ufeffconcept_id", is: ErrSyntax}},
		{"invalid UTF-8 id", "input_id,concept_id,value\na\xff,dog,1\n", nil, wantErr{line: 2, field: "input_id", is: ErrID,
			msg: `dataset: labels.csv:2: field "input_id": invalid id: "a\xff" is not valid UTF-8`}},
		{"invalid UTF-8 name", "input_id,concept_id,value,concept_name\na,dog,1,D\xffg\n", nil, wantErr{line: 2, field: "concept_name", is: ErrID}},
		{"open images white space label", "ImageID,Source,LabelName,Confidence\nimg,verification, ,1\n",
			nil, wantErr{line: 2, field: "LabelName", is: ErrID}},
		{"open images forced without header", "img,verification,/m/1,1\n", []Option{WithFormat(FormatOpenImages)},
			wantErr{line: 1, field: "ImageID", is: ErrShape}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := load(t, tc.src, append([]Option{WithName("labels.csv")}, tc.opts...)...)
			checkParseError(t, err, "labels.csv", tc.want)
		})
	}
}

func TestCSVNumberGrammar(t *testing.T) {
	for _, tc := range []struct {
		value string
		want  float32
	}{
		{"1", 1}, {"0", 0}, {"1.0", 1}, {"1e0", 1}, {"10E-1", 1}, {"0.000", 0}, {"-0", 0}, {"0e-400", 0},
		{" 1 ", 1}, {"\"1\"", 1}, {"0.25", 0.25}, {"2.5e-1", 0.25},
	} {
		t.Run(tc.value, func(t *testing.T) {
			got, err := load(t, "input_id,concept_id,value\na,dog,"+tc.value+"\n", WithSoftValues(true))
			require.NoError(t, err)
			require.Len(t, got.anns, 1)
			assert.Equal(t, tc.want, got.anns[0].Value)
			assert.False(t, math.Signbit(float64(got.anns[0].Value)), "no negative zero")
		})
	}
}

func TestCSVUnnamedColumns(t *testing.T) {
	// A spreadsheet's empty trailing columns name nothing and are ignored.
	got, err := load(t, "input_id,concept_id,value,,\na,dog,1,,\n")
	require.NoError(t, err)
	assert.Equal(t, []Annotation{{InputID: "a", ConceptID: "dog", Value: 1}}, got.anns)
}

func TestCSVSoftValues(t *testing.T) {
	const src = "input_id,concept_id,value\na,dog,0.25\n"
	_, err := load(t, src)
	require.ErrorIs(t, err, ErrValue)
	got, err := load(t, src, WithSoftValues(true))
	require.NoError(t, err)
	require.Len(t, got.anns, 1)
	assert.Equal(t, float32(0.25), got.anns[0].Value)
	assert.Equal(t, ValueExplicit, got.anns[0].Source)
}

func TestParseValues(t *testing.T) {
	for _, tc := range []struct {
		text string
		soft bool
		want float32
		msg  string // the error, if any
	}{
		{text: "1", want: 1}, {text: "0", want: 0}, {text: "1.0", want: 1}, {text: "0.25", soft: true, want: 0.25},
		{text: "0.25", msg: "want 0 or 1, got 0.25"},
		{text: `"1"`, msg: `want 0 or 1, got the string "1"`},
		{text: "true", msg: "want 0 or 1, got the boolean true"},
		{text: "[1]", msg: "want 0 or 1, got an array"},
		{text: "0_1", msg: `want 0 or 1, got "0_1"`},
		{text: "1e-400", soft: true, msg: "want a value from 0 to 1, got 1e-400 (too close to 0 to store; write 0 or a larger score)"},
	} {
		t.Run(tc.text, func(t *testing.T) {
			got, src, err := ParseJSONValue([]byte(tc.text), false, tc.soft)
			if tc.msg != "" {
				require.ErrorIs(t, err, ErrValue)
				assert.Equal(t, tc.msg, err.Error())
			} else {
				require.NoError(t, err)
				assert.Equal(t, tc.want, got)
				assert.Equal(t, ValueExplicit, src)
			}
			// CSV reads the same numbers and quotes what it refuses.
			cgot, cerr := ParseCSVValue(" "+tc.text+" ", tc.soft)
			if tc.msg != "" {
				require.ErrorIs(t, cerr, ErrValue)
				return
			}
			require.NoError(t, cerr)
			assert.Equal(t, tc.want, cgot)
		})
	}
}

// TestCSVRowReadsAsTheLoader holds CSVRow, which write-back decodes rows
// with, to the loader: the same annotation or the same error.
func TestCSVRowReadsAsTheLoader(t *testing.T) {
	const header = "input_id,concept_id,value,concept_name,,annotator,annotator_kind"
	for _, row := range []string{
		"a,dog,1,Dog,,alice,",
		"a,dog,0.5,,,m,model",
		"a,dog,0_1,,,,",
		" ,dog,1,,,,",
		"a,\t,1,,,,",
		"a\xff,dog,1,,,,",
		"a,dog,1,D\xffg,,,",
		"a,dog,1,,\ufeffx,,",
		"a,,1,,,,",
		"a,dog,1,,,,robot",
	} {
		t.Run(row, func(t *testing.T) {
			loaded, lerr := load(t, header+"\n"+row+"\n", WithName("f.csv"), WithFormat(FormatCSV))
			col, err := CSVHeader(strings.Split(header, ","), "f.csv")
			require.NoError(t, err)
			got, rerr := CSVRow(strings.Split(row, ","), col, 2, WithName("f.csv"))
			if lerr != nil {
				require.Error(t, rerr)
				assert.Equal(t, lerr.Error(), rerr.Error())
				return
			}
			require.NoError(t, rerr)
			require.Len(t, loaded.anns, 1)
			assert.Equal(t, loaded.anns[0], got)
		})
	}
}
