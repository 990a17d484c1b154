package dataset

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// jsonFull uses every field the JSON loaders map.
const jsonFull = `{"id":"in-1","data":{"image":{"url":"https://x/1.jpg"},"concepts":[{"id":"dog","name":"Dog","value":1},{"id":"wolf","value":0}],"metadata":{"split": "train", "n": 1},"embeddings":[{"vector":[0.5,1,-2]}]},"dataset_ids":["ds-1","ds-2"]}
{"id":"in-2","data":{"text":{"raw":"a husky on snow"},"concepts":[{"id":"husky","name":"Husky"}]}}
{"id":"in-3","data":{"video":{"url":"https://x/3.mp4"}},"annotations":[{"id":"ann-1","data":{"concepts":[{"id":"dog","value":0.87}]},"worker":{"model":{"id":"general"}}},{"id":"ann-2","user_id":"alice","data":{"concepts":[{"id":"cat","value":0}]}},{"id":"ann-3","input_id":"in-3","data":{"concepts":[{"id":"fox","value":0.25}]},"worker":{"workflow":{"id":"wf-1"}}},{"id":"ann-4","data":{"concepts":[{"id":"lynx","value":1}]},"worker":{"user":{"id":"bob"}}}]}
{"id":"in-4","data":{"audio":{"url":"https://x/4.wav"}},"annotations":[{"id":"ann-5","model_version_id":"mv-9","data":{"concepts":[{"id":"bird","value":0.5}]}}]}
`

var jsonFullAnns = []Annotation{
	{InputID: "in-1", ConceptID: "dog", ConceptName: "Dog", Value: 1, Source: ValueExplicit},
	{InputID: "in-1", ConceptID: "wolf", Value: 0, Source: ValueExplicit},
	{InputID: "in-2", ConceptID: "husky", ConceptName: "Husky", Value: 1, Source: ValueHTTPDefault},
	{InputID: "in-3", ConceptID: "dog", Value: 0.87, AnnotationID: "ann-1", Annotator: "general", AnnotatorKind: AnnotatorModel},
	{InputID: "in-3", ConceptID: "cat", Value: 0, AnnotationID: "ann-2", Annotator: "alice", AnnotatorKind: AnnotatorUser},
	{InputID: "in-3", ConceptID: "fox", Value: 0.25, AnnotationID: "ann-3", Annotator: "wf-1", AnnotatorKind: AnnotatorWorkflow},
	{InputID: "in-3", ConceptID: "lynx", Value: 1, AnnotationID: "ann-4", Annotator: "bob", AnnotatorKind: AnnotatorUser},
	{InputID: "in-4", ConceptID: "bird", Value: 0.5, AnnotationID: "ann-5", Annotator: "mv-9", AnnotatorKind: AnnotatorModel},
}

var jsonFullInputs = []Input{
	{ID: "in-1", Kind: "image", URL: "https://x/1.jpg", Metadata: []byte(`{"split":"train","n":1}`), DatasetIDs: []string{"ds-1", "ds-2"}, Embedding: []float32{0.5, 1, -2}},
	{ID: "in-2", Kind: "text", Text: "a husky on snow"},
	{ID: "in-3", Kind: "video", URL: "https://x/3.mp4"},
	{ID: "in-4", Kind: "audio", URL: "https://x/4.wav"},
}

// toArray turns JSONL into a pretty-printed-ish JSON array, one input per line.
func toArray(jsonl string) string {
	var lines []string
	for _, l := range strings.Split(jsonl, "\n") {
		if strings.TrimSpace(l) != "" {
			lines = append(lines, l)
		}
	}
	return "[\n" + strings.Join(lines, ",\n") + "\n]\n"
}

func TestJSONMapsEveryField(t *testing.T) {
	for _, tc := range []struct {
		name string
		src  string
		opts []Option
	}{
		{"jsonl", jsonFull, nil},
		{"array", toArray(jsonFull), nil},
		{"response", `{"status":{"code":10000,"description":"Ok"},"inputs":` + toArray(jsonFull) + `}`, nil},
		{"jsonl small batches", jsonFull, []Option{WithBatchSize(1)}},
		{"array small batches", toArray(jsonFull), []Option{WithBatchSize(1)}},
		{"forced format", jsonFull, []Option{WithFormat(FormatJSONL)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := load(t, tc.src, tc.opts...)
			require.NoError(t, err)
			assert.Equal(t, jsonFullAnns, got.anns)
			assert.Equal(t, jsonFullInputs, got.inputs)
			assert.Equal(t, 3, got.dim)
			assert.Equal(t, Stats{Lines: got.stats.Lines, Inputs: 4, Annotations: 8, ImplicitValues: 1}, got.stats)
		})
	}
}

func TestJSONNullColumns(t *testing.T) {
	got, err := load(t, `{"id":"a","data":{"concepts":[{"id":"c","value":1}]}}`)
	require.NoError(t, err)
	require.Len(t, got.inputs, 1)
	// No embedding anywhere in the first batch: no embedding column.
	assert.Equal(t, 0, got.dim)
	assert.Equal(t, Input{ID: "a"}, got.inputs[0])
	assert.Equal(t, []Annotation{{InputID: "a", ConceptID: "c", Value: 1}}, got.anns)
}

// TestJSONValueCarryOver guards against a decoder that reuses the previous
// concept's storage: a concept without a value must read as an implicit
// positive even right after a concept with value 0.
func TestJSONValueCarryOver(t *testing.T) {
	const src = `{"id":"a","data":{"concepts":[{"id":"wolf","value":0},{"id":"dog"}]}}
{"id":"b","data":{"concepts":[{"id":"dog","value":1},{"id":"cat","value":0}]}}
{"id":"c","data":{"concepts":[{"id":"cat"}]}}
{"id":"d","annotations":[{"data":{"concepts":[{"id":"fox","value":0}]}},{"data":{"concepts":[{"id":"fox"}]}}]}
`
	want := []Annotation{
		{InputID: "a", ConceptID: "wolf", Value: 0, Source: ValueExplicit},
		{InputID: "a", ConceptID: "dog", Value: 1, Source: ValueHTTPDefault},
		{InputID: "b", ConceptID: "dog", Value: 1, Source: ValueExplicit},
		{InputID: "b", ConceptID: "cat", Value: 0, Source: ValueExplicit},
		{InputID: "c", ConceptID: "cat", Value: 1, Source: ValueHTTPDefault},
		{InputID: "d", ConceptID: "fox", Value: 0, Source: ValueExplicit},
		{InputID: "d", ConceptID: "fox", Value: 1, Source: ValueHTTPDefault},
	}
	for _, tc := range []struct {
		name string
		src  string
		opts []Option
	}{
		{"jsonl", src, nil},
		{"jsonl batch 1", src, []Option{WithBatchSize(1)}},
		{"array", toArray(src), nil},
		{"array batch 1", toArray(src), []Option{WithBatchSize(1)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := load(t, tc.src, tc.opts...)
			require.NoError(t, err)
			assert.Equal(t, want, got.anns)
			assert.Equal(t, int64(3), got.stats.ImplicitValues)
		})
	}
}

func TestJSONValues(t *testing.T) {
	line := func(v string) string {
		return "{\"id\":\"ok\"}\n{\"id\":\"x\",\"data\":{\"concepts\":[{\"id\":\"c\"" + v + "}]}}\n"
	}
	for _, tc := range []struct {
		name    string
		value   string // appended after the concept id, e.g. `,"value":1`
		opts    []Option
		want    float32
		wantSrc ValueSource
		err     *wantErr
	}{
		{name: "one", value: `,"value":1`, want: 1},
		{name: "zero", value: `,"value":0`, want: 0},
		{name: "one point zero", value: `,"value":1.0`, want: 1},
		{name: "exponent", value: `,"value":1e0`, want: 1},
		{name: "omitted", value: ``, want: 1, wantSrc: ValueHTTPDefault},
		{name: "null", value: `,"value":null`, want: 1, wantSrc: ValueHTTPDefault},
		{name: "omitted strict", value: ``, opts: []Option{WithStrictValues(true)},
			err: &wantErr{line: 2, field: "data.concepts[0].value", is: ErrImplicitValue}},
		{name: "null strict", value: `,"value":null`, opts: []Option{WithStrictValues(true)},
			err: &wantErr{line: 2, field: "data.concepts[0].value", is: ErrImplicitValue}},
		{name: "soft rejected", value: `,"value":0.5`,
			err: &wantErr{line: 2, field: "data.concepts[0].value", is: ErrValue,
				msg: `dataset: in.jsonl:2: field "data.concepts[0].value": want 0 or 1, got 0.5`}},
		{name: "soft accepted", value: `,"value":0.5`, opts: []Option{WithSoftValues(true)}, want: 0.5},
		{name: "soft out of range", value: `,"value":1.5`, opts: []Option{WithSoftValues(true)},
			err: &wantErr{line: 2, field: "data.concepts[0].value", is: ErrValue}},
		{name: "two", value: `,"value":2`, err: &wantErr{line: 2, field: "data.concepts[0].value", is: ErrValue}},
		{name: "minus one", value: `,"value":-1`, err: &wantErr{line: 2, field: "data.concepts[0].value", is: ErrValue}},
		{name: "huge", value: `,"value":1e999`, err: &wantErr{line: 2, field: "data.concepts[0].value", is: ErrValue}},
		{name: "string", value: `,"value":"1"`, err: &wantErr{line: 2, field: "data.concepts[0].value", is: ErrValue,
			msg: `dataset: in.jsonl:2: field "data.concepts[0].value": want 0 or 1, got the string "1"`}},
		{name: "soft string", value: `,"value":"0.5"`, opts: []Option{WithSoftValues(true)}, err: &wantErr{line: 2, field: "data.concepts[0].value", is: ErrValue,
			msg: `dataset: in.jsonl:2: field "data.concepts[0].value": want a value from 0 to 1, got the string "0.5"`}},
		{name: "true said so", value: `,"value":true`, err: &wantErr{line: 2, field: "data.concepts[0].value", is: ErrValue,
			msg: `dataset: in.jsonl:2: field "data.concepts[0].value": want 0 or 1, got the boolean true`}},
		{name: "object said so", value: `,"value":{"v":1}`, err: &wantErr{line: 2, field: "data.concepts[0].value", is: ErrValue,
			msg: `dataset: in.jsonl:2: field "data.concepts[0].value": want 0 or 1, got an object`}},
		// Numbers a float32 cannot tell from 0 are not negatives.
		{name: "underflow", value: `,"value":1e-400`, err: &wantErr{line: 2, field: "data.concepts[0].value", is: ErrValue}},
		{name: "underflow soft", value: `,"value":1e-400`, opts: []Option{WithSoftValues(true)}, err: &wantErr{line: 2, field: "data.concepts[0].value", is: ErrValue,
			msg: `dataset: in.jsonl:2: field "data.concepts[0].value": want a value from 0 to 1, got 1e-400 (too close to 0 to store; write 0 or a larger score)`}},
		{name: "float32 underflow soft", value: `,"value":1e-50`, opts: []Option{WithSoftValues(true)}, err: &wantErr{line: 2, field: "data.concepts[0].value", is: ErrValue}},
		{name: "smallest float32 soft", value: `,"value":1e-45`, opts: []Option{WithSoftValues(true)}, want: 1e-45},
		{name: "zero with exponent", value: `,"value":0e-400`, want: 0},
		{name: "minus zero", value: `,"value":-0.0`, want: 0},
		{name: "string NaN", value: `,"value":"NaN"`, err: &wantErr{line: 2, field: "data.concepts[0].value", is: ErrValue}},
		{name: "bare NaN", value: `,"value":NaN`, err: &wantErr{line: 2, is: ErrSyntax}},
		{name: "true", value: `,"value":true`, err: &wantErr{line: 2, field: "data.concepts[0].value", is: ErrValue}},
		{name: "object", value: `,"value":{"v":1}`, err: &wantErr{line: 2, field: "data.concepts[0].value", is: ErrValue}},
		{name: "array", value: `,"value":[1]`, err: &wantErr{line: 2, field: "data.concepts[0].value", is: ErrValue}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			opts := append([]Option{WithName("in.jsonl")}, tc.opts...)
			got, err := load(t, line(tc.value), opts...)
			if tc.err != nil {
				checkParseError(t, err, "in.jsonl", *tc.err)
				return
			}
			require.NoError(t, err)
			require.Len(t, got.anns, 1)
			assert.Equal(t, tc.want, got.anns[0].Value)
			assert.Equal(t, tc.wantSrc, got.anns[0].Source)
			implicit := int64(0)
			if tc.wantSrc.Implicit() {
				implicit = 1
			}
			assert.Equal(t, implicit, got.stats.ImplicitValues)
		})
	}
}

func TestJSONShapeErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		line string
		want wantErr
	}{
		{"not an object", `[1,2]`, wantErr{field: "", is: ErrShape, msg: "dataset: in.jsonl:2: unexpected shape: want an object, got an array"}},
		{"string input", `"in-1"`, wantErr{is: ErrShape}},
		{"data a string", `{"id":"x","data":"img.jpg"}`, wantErr{field: "data", is: ErrShape,
			msg: `dataset: in.jsonl:2: field "data": unexpected shape: want an object, got a string`}},
		{"concepts an object", `{"id":"x","data":{"concepts":{"id":"c"}}}`, wantErr{field: "data.concepts", is: ErrShape}},
		{"id a number", `{"id":7}`, wantErr{field: "id", is: ErrShape,
			msg: `dataset: in.jsonl:2: field "id": unexpected shape: want a string, got a number`}},
		{"missing id", `{"data":{}}`, wantErr{field: "id", is: ErrShape}},
		{"empty concept id", `{"id":"x","data":{"concepts":[{"id":"a"},{"id":""}]}}`, wantErr{field: "data.concepts[1].id", is: ErrShape}},
		{"concept id a number", `{"id":"x","data":{"concepts":[{"id":1}]}}`, wantErr{field: "data.concepts.id", is: ErrShape}},
		{"metadata an array", `{"id":"x","data":{"metadata":[1]}}`, wantErr{field: "data.metadata", is: ErrShape}},
		{"embedding of strings", `{"id":"x","data":{"embeddings":[{"vector":["a"]}]}}`, wantErr{field: "data.embeddings.vector", is: ErrShape}},
		{"dataset_ids a string", `{"id":"x","dataset_ids":"ds"}`, wantErr{field: "dataset_ids", is: ErrShape}},
		{"annotation of another input", `{"id":"x","annotations":[{"input_id":"y","data":{"concepts":[{"id":"c","value":1}]}}]}`,
			wantErr{field: "annotations[0].input_id", is: ErrShape}},
		{"annotation value", `{"id":"x","annotations":[{"data":{"concepts":[{"id":"c","value":1},{"id":"d","value":3}]}}]}`,
			wantErr{field: "annotations[0].data.concepts[1].value", is: ErrValue}},
		{"syntax", `{"id":"x",}`, wantErr{is: ErrSyntax}},
		{"trailing data", `{"id":"x"} {"id":"y"}`, wantErr{is: ErrSyntax}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src := "{\"id\":\"ok\"}\n" + tc.line + "\n{\"id\":\"after\"}\n"
			_, err := load(t, src, WithName("in.jsonl"), WithFormat(FormatJSONL))
			tc.want.line = 2
			checkParseError(t, err, "in.jsonl", tc.want)
		})
	}
}

// TestJSONArrayErrorLines checks that errors in a JSON array name the line
// of the bad field, also in a pretty-printed file.
func TestJSONArrayErrorLines(t *testing.T) {
	const pretty = `[
  {"id": "a", "data": {"concepts": [{"id": "dog", "value": 1}]}},
  {
    "id": "b",
    "data": {
      "concepts": [
        {"id": "dog", "value": 1},
        {"id": "wolf",
         "value": 0.5}
      ]
    }
  }
]
`
	for _, tc := range []struct {
		name string
		src  string
		want wantErr
	}{
		{"pretty value", pretty, wantErr{line: 9, field: "data.concepts[1].value", is: ErrValue}},
		{"pretty type", strings.Replace(pretty, `"id": "b"`, `"id": 2`, 1), wantErr{line: 4, field: "id", is: ErrShape}},
		{"pretty missing id", strings.Replace(pretty, `"id": "b",`, ``, 1), wantErr{line: 3, field: "id", is: ErrShape}},
		{"pretty syntax", strings.Replace(pretty, `"value": 0.5}`, `"value": }`, 1), wantErr{line: 9, is: ErrSyntax}},
		{"one per line", "[\n{\"id\":\"a\"},\n{\"id\":\"b\"}\n,{\"id\":\"c\",\"data\":{\"concepts\":[{\"id\":\"x\",\"value\":2}]}}\n]",
			wantErr{line: 4, field: "data.concepts[0].value", is: ErrValue}},
		{"compact", `[{"id":"a"},{"id":"b","data":{"concepts":[{"id":"x","value":"yes"}]}}]`,
			wantErr{line: 1, field: "data.concepts[0].value", is: ErrValue}},
		{"crlf", "[\r\n{\"id\":\"a\"},\r\n\r\n{\"id\":3}\r\n]\r\n", wantErr{line: 4, field: "id", is: ErrShape}},
		{"response", "{\"status\": {\"code\": 10000},\n \"inputs\": [\n  {\"id\": \"a\"},\n  {\"id\": \"b\", \"data\": \"x\"}\n]}",
			wantErr{line: 4, field: "data", is: ErrShape}},
		{"truncated", "[\n{\"id\":\"a\"},\n{\"id\":\"b\"}\n", wantErr{line: 4, is: ErrSyntax}},
		{"truncated element", "[\n{\"id\":\"a\"},\n{\"id\":\"b\"", wantErr{line: 3, is: ErrSyntax}},
		{"trailing garbage", "[\n{\"id\":\"a\"}\n]\n]", wantErr{line: 4, is: ErrSyntax}},
		{"second array", "[{\"id\":\"a\"}]\n[{\"id\":\"b\"}]", wantErr{line: 2, is: ErrSyntax}},
		{"inputs not an array", `{"inputs": {"id": "a"}}`, wantErr{line: 1, field: "inputs", is: ErrShape}},
		{"element not an object", "[\n{\"id\":\"a\"},\n7\n]", wantErr{line: 3, is: ErrShape}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := load(t, tc.src, WithName("in.json"), WithFormat(FormatJSON))
			checkParseError(t, err, "in.json", tc.want)
		})
	}
}

func TestJSONResponseShapes(t *testing.T) {
	for _, tc := range []struct {
		name string
		src  string
		ids  []string
	}{
		{"inputs first", `{"inputs":[{"id":"a"},{"id":"b"}],"status":{"code":10000}}`, []string{"a", "b"}},
		{"status first", `{"status":{"code":10000},"inputs":[{"id":"a"}]}`, []string{"a"}},
		{"no inputs", `{"status":{"code":10000}}`, nil},
		{"empty array", `[]`, nil},
		{"empty inputs", `{"inputs":[]}`, nil},
		{"status by name", `{"status":{"code":"SUCCESS"},"inputs":[{"id":"a"}]}`, []string{"a"}},
		{"search hits", `{"status":{"code":10000},"hits":[{"score":0.9,"input":{"id":"a","data":{"concepts":[{"id":"c","value":1}]}}},{"score":0.5,"input":{"id":"b"}}]}`, []string{"a", "b"}},
		{"hits first", `{"hits":[{"input":{"id":"a"}}]}`, []string{"a"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := load(t, tc.src)
			require.NoError(t, err)
			var ids []string
			for _, in := range got.inputs {
				ids = append(ids, in.ID)
			}
			assert.Equal(t, tc.ids, ids)
		})
	}
}

func TestJSONIDs(t *testing.T) {
	for _, tc := range []struct {
		name string
		line string
		want *wantErr // nil: loads, with the ids in ids
		ids  []string // input id, then concept ids
	}{
		{name: "invalid UTF-8", line: "{\"id\":\"a\xff\",\"data\":{\"concepts\":[{\"id\":\"c\"}]}}",
			want: &wantErr{field: "id", is: ErrID}},
		{name: "lone high surrogate", line: `{"id":"a\ud800","data":{"concepts":[{"id":"c"}]}}`,
			want: &wantErr{field: "id", is: ErrID,
				msg: `dataset: in.jsonl:2: field "id": invalid id: "a�" holds invalid UTF-8 or a lone UTF-16 surrogate (\ud800-\udfff), which would read as U+FFFD`}},
		{name: "lone low surrogate in a concept", line: `{"id":"a","data":{"concepts":[{"id":"x"},{"id":"\udc00"}]}}`,
			want: &wantErr{field: "data.concepts[1].id", is: ErrID}},
		{name: "high surrogate then a letter", line: `{"id":"a","data":{"concepts":[{"id":"\ud83dx"}]}}`,
			want: &wantErr{field: "data.concepts[0].id", is: ErrID}},
		{name: "annotation user", line: `{"id":"a","annotations":[{"user_id":"u\ud800","data":{"concepts":[{"id":"c","value":1}]}}]}`,
			want: &wantErr{field: "annotations[0].user_id", is: ErrID}},
		{name: "worker", line: `{"id":"a","annotations":[{"worker":{"model":{"id":"m\udfff"}},"data":{"concepts":[{"id":"c","value":1}]}}]}`,
			want: &wantErr{field: "annotations[0].worker.model.id", is: ErrID}},
		{name: "dataset id", line: `{"id":"a","dataset_ids":["ok","d\ud800"]}`, want: &wantErr{field: "dataset_ids[1]", is: ErrID}},
		{name: "repeated key, the last lossy", line: `{"id":"a\ufffd","id":"a\ud800"}`, want: &wantErr{field: "id", is: ErrID}},
		{name: "white space only", line: `{"id":"  ","data":{"concepts":[{"id":"c"}]}}`,
			want: &wantErr{field: "id", is: ErrID, msg: `dataset: in.jsonl:2: field "id": invalid id: "  " is only white space`}},
		{name: "concept white space only", line: "{\"id\":\"a\",\"data\":{\"concepts\":[{\"id\":\"\u00a0\"}]}}",
			want: &wantErr{field: "data.concepts[0].id", is: ErrID}},
		{name: "escape sequence quoted", line: `{"id":"a","annotations":[{"input_id":"\u001b[31mb","data":{"concepts":[{"id":"c","value":1}]}}]}`,
			want: &wantErr{field: "annotations[0].input_id", is: ErrShape,
				msg: `dataset: in.jsonl:2: field "annotations[0].input_id": unexpected shape: "\x1b[31mb" is not the input's id "a"`}},
		// What is not lossy loads as written.
		{name: "surrogate pair", line: `{"id":"a\ud83d\ude00","data":{"concepts":[{"id":"c"}]}}`, ids: []string{"a😀", "c"}},
		{name: "U+FFFD escaped", line: `{"id":"a\ufffd","data":{"concepts":[{"id":"\uFFFD"}]}}`, ids: []string{"a\ufffd", "\ufffd"}},
		{name: "U+FFFD beside a lossy name", line: `{"id":"a\ufffd","data":{"concepts":[{"id":"c","name":"\ud800"}]}}`, ids: []string{"a\ufffd", "c"}},
		{name: "spaces around", line: `{"id":" a ","data":{"concepts":[{"id":"c d"}]}}`, ids: []string{" a ", "c d"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src := "{\"id\":\"ok\"}\n" + tc.line + "\n"
			for _, serial := range []bool{false, true} {
				opts := []Option{WithName("in.jsonl"), WithFormat(FormatJSONL)}
				if serial {
					opts = append(opts, withSerial())
				}
				got, err := load(t, src, opts...)
				if tc.want != nil {
					w := *tc.want
					w.line = 2
					checkParseError(t, err, "in.jsonl", w)
					continue
				}
				require.NoError(t, err)
				require.Len(t, got.inputs, 2)
				ids := []string{got.inputs[1].ID}
				for _, a := range got.anns {
					ids = append(ids, a.ConceptID)
				}
				assert.Equal(t, tc.ids, ids)
			}
		})
	}
}

func TestJSONResponseErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		src  string
		want wantErr
	}{
		{"failed status", "{\"status\": {\"code\": 11102, \"description\": \"Invalid request\", \"details\": \"bad page\"}}",
			wantErr{line: 1, field: "status", is: ErrStatus,
				msg: `dataset: resp.json:1: field "status": failed response: the response reports code 11102: "Invalid request": "bad page", so it holds no complete list`}},
		{"failed status by name", "{\n \"status\": {\"code\": \"CONN_THROTTLED\"},\n \"inputs\": [{\"id\": \"a\"}]}",
			wantErr{line: 2, field: "status", is: ErrStatus}},
		{"failed status after the inputs", "{\"inputs\": [{\"id\": \"a\"}],\n\"status\": {\"code\": 21200}}",
			wantErr{line: 2, field: "status", is: ErrStatus}},
		{"repeated inputs", "{\"inputs\": [{\"id\": \"a\"}],\n \"inputs\": [{\"id\": \"b\"}]}",
			wantErr{line: 2, field: "inputs", is: ErrShape,
				msg: `dataset: resp.json:2: field "inputs": unexpected shape: the response has a second "inputs"; reading one would drop the other`}},
		{"inputs and hits", "{\"hits\": [],\n \"inputs\": []}", wantErr{line: 2, field: "inputs", is: ErrShape}},
		{"status not an object", `{"status": 7, "inputs": []}`, wantErr{line: 1, field: "status", is: ErrShape}},
		{"hit without input", "{\"hits\": [\n{\"score\": 1, \"input\": {\"id\": \"a\"}},\n{\"score\": 0.5}]}",
			wantErr{line: 3, field: "input", is: ErrShape}},
		{"hit with a bad value", "{\"hits\": [\n{\"score\": 1,\n \"input\": {\"id\": \"a\",\n  \"data\": {\"concepts\": [{\"id\": \"c\",\n \"value\": 2}]}}}]}",
			wantErr{line: 5, field: "input.data.concepts[0].value", is: ErrValue}},
		{"hit not an object", `{"hits": [7]}`, wantErr{line: 1, is: ErrShape}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := load(t, tc.src, WithName("resp.json"))
			checkParseError(t, err, "resp.json", tc.want)
		})
	}
}
