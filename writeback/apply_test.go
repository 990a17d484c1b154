package writeback_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"testing"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/memory"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"curate.dev/dataset"
	"curate.dev/writeback"
)

// readChanges reads a suggestions file held in a string.
func readChanges(t testing.TB, mem memory.Allocator, s string) arrow.Table {
	t.Helper()
	tbl, err := writeback.ReadChanges(context.Background(), strings.NewReader(s), writeback.ReadOptions{Name: "sugg.jsonl", Allocator: mem})
	require.NoError(t, err)
	return tbl
}

func applyJSONL(t testing.TB, src, sugg string, opts writeback.Options) (string, writeback.Summary, error) {
	t.Helper()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	tbl := readChanges(t, mem, sugg)
	defer tbl.Release()
	opts.Name, opts.ChangesName = "src.jsonl", "sugg.jsonl"
	var out bytes.Buffer
	sum, err := writeback.ApplyJSONL(context.Background(), strings.NewReader(src), &out, tbl, opts)
	return out.String(), sum, err
}

const wolfNeg = `{"input_id":"a","concept_id":"wolf","value":0,"score":0.83,"source_concept_id":"husky","reason":"r"}` + "\n"

func TestApplyJSONLMerge(t *testing.T) {
	tests := []struct {
		name  string
		src   string
		sugg  string
		force bool
		want  string
		sum   writeback.Summary // only the counts are compared
	}{
		{
			name: "append to concepts",
			src:  `{"id":"a","data":{"concepts":[{"id":"dog","value":1}]}}` + "\n",
			sugg: wolfNeg,
			want: `{"id":"a","data":{"concepts":[{"id":"dog","value":1},{"id":"wolf","value":0}]}}` + "\n",
			sum:  writeback.Summary{Added: 1},
		},
		{
			name: "odd spacing kept",
			src:  "{ \"id\" : \"a\" ,\t\"data\" : { \"concepts\" : [ { \"id\" : \"dog\" } ] } , \"x\" : [1, 2] }\n",
			sugg: wolfNeg,
			want: "{ \"id\" : \"a\" ,\t\"data\" : { \"concepts\" : [ { \"id\" : \"dog\" },{\"id\":\"wolf\",\"value\":0} ] } , \"x\" : [1, 2] }\n",
			sum:  writeback.Summary{Added: 1},
		},
		{
			name: "no data member",
			src:  `{"id":"a","status":{"code":10000},"zz":{"k":"}"}}`,
			sugg: wolfNeg,
			want: `{"id":"a","status":{"code":10000},"zz":{"k":"}"},"data":{"concepts":[{"id":"wolf","value":0}]}}`,
			sum:  writeback.Summary{Added: 1},
		},
		{
			name: "data null",
			src:  `{"id":"a","data":null}`,
			sugg: wolfNeg,
			want: `{"id":"a","data":{"concepts":[{"id":"wolf","value":0}]}}`,
			sum:  writeback.Summary{Added: 1},
		},
		{
			name: "data without concepts",
			src:  `{"id":"a","data":{"image":{"url":"https://x/a.jpg"},"metadata":{"k":[1,{"concepts":2}]}}}`,
			sugg: wolfNeg,
			want: `{"id":"a","data":{"image":{"url":"https://x/a.jpg"},"metadata":{"k":[1,{"concepts":2}]},"concepts":[{"id":"wolf","value":0}]}}`,
			sum:  writeback.Summary{Added: 1},
		},
		{
			name: "empty data and empty concepts",
			src:  `{"id":"a","data":{}}` + "\n" + `{"id":"b","data":{"concepts":[ ]}}` + "\n" + `{"id":"c","data":{"concepts":null}}` + "\n",
			sugg: wolfNeg + strings.ReplaceAll(wolfNeg, `"a"`, `"b"`) + strings.ReplaceAll(wolfNeg, `"a"`, `"c"`),
			want: `{"id":"a","data":{"concepts":[{"id":"wolf","value":0}]}}` + "\n" + `{"id":"b","data":{"concepts":[{"id":"wolf","value":0} ]}}` + "\n" + `{"id":"c","data":{"concepts":[{"id":"wolf","value":0}]}}` + "\n",
			sum:  writeback.Summary{Added: 3},
		},
		{
			name: "unicode escaped and raw, unknown fields, other lines untouched",
			src: `{"id":"caf\u00e9","note":"\ud83d\ude00 raw é \"q\"","data":{"concepts":[{"id":"w\u00f6lf","value":1,"extra":{"a":[]}}]}}` + "\n" +
				`{"note":"é \u00e9","id":"other","data":{"concepts":[]},"unknown":true}` + "\n",
			sugg: `{"input_id":"café","concept_id":"wölf","value":1}` + "\n" + `{"input_id":"café","concept_id":"renard ü","concept_name":"Renard \"Ü\"","value":0,"future_field":[1]}` + "\n",
			want: `{"id":"caf\u00e9","note":"\ud83d\ude00 raw é \"q\"","data":{"concepts":[{"id":"w\u00f6lf","value":1,"extra":{"a":[]}},{"id":"renard ü","name":"Renard \"Ü\"","value":0}]}}` + "\n" +
				`{"note":"é \u00e9","id":"other","data":{"concepts":[]},"unknown":true}` + "\n",
			sum: writeback.Summary{Added: 1, Present: 1},
		},
		{
			name: "CRLF and BOM kept",
			src:  "\xef\xbb\xbf{\"id\":\"a\",\"data\":{\"concepts\":[]}}\r\n{\"id\":\"b\"}\r\n",
			sugg: wolfNeg,
			want: "\xef\xbb\xbf{\"id\":\"a\",\"data\":{\"concepts\":[{\"id\":\"wolf\",\"value\":0}]}}\r\n{\"id\":\"b\"}\r\n",
			sum:  writeback.Summary{Added: 1},
		},
		{
			name: "blank lines kept",
			src:  "\n  \n{\"id\":\"a\"}\n\n",
			sugg: wolfNeg,
			want: "\n  \n{\"id\":\"a\",\"data\":{\"concepts\":[{\"id\":\"wolf\",\"value\":0}]}}\n\n",
			sum:  writeback.Summary{Added: 1},
		},
		{
			name: "omitted value is positive: negative refused",
			src:  `{"id":"a","data":{"concepts":[{"id":"wolf","name":"Wolf"}]}}`,
			sugg: wolfNeg,
			want: `{"id":"a","data":{"concepts":[{"id":"wolf","name":"Wolf"}]}}`,
			sum:  writeback.Summary{Refused: 1},
		},
		{
			name:  "omitted value, forced: value written",
			src:   `{"id":"a","data":{"concepts":[{"id":"wolf","name":"Wolf"}]}}`,
			sugg:  wolfNeg,
			force: true,
			want:  `{"id":"a","data":{"concepts":[{"id":"wolf","name":"Wolf","value":0}]}}`,
			sum:   writeback.Summary{Updated: 1},
		},
		{
			name: "omitted value matches positive",
			src:  `{"id":"a","data":{"concepts":[{"id":"wolf","value":null}]}}`,
			sugg: `{"input_id":"a","concept_id":"wolf","value":1}`,
			want: `{"id":"a","data":{"concepts":[{"id":"wolf","value":null}]}}`,
			sum:  writeback.Summary{Present: 1},
		},
		{
			name:  "reviewer flipped to positive over a negative, forced",
			src:   `{"id":"a","data":{"concepts":[{"id":"wolf","value":0.0},{"id":"dog","value":1}]}}`,
			sugg:  `{"input_id":"a","concept_id":"wolf","value":1}` + "\n" + `{"input_id":"a","concept_id":"dog","value":1}`,
			force: true,
			want:  `{"id":"a","data":{"concepts":[{"id":"wolf","value":1},{"id":"dog","value":1}]}}`,
			sum:   writeback.Summary{Updated: 1, Present: 1},
		},
		{
			name: "a user's annotation record counts: present",
			src:  `{"id":"a","annotations":[{"id":"r","worker":{"user":{"id":"u"}},"data":{"concepts":[{"id":"wolf","value":0}]}}]}`,
			sugg: wolfNeg,
			want: `{"id":"a","annotations":[{"id":"r","worker":{"user":{"id":"u"}},"data":{"concepts":[{"id":"wolf","value":0}]}}]}`,
			sum:  writeback.Summary{Present: 1},
		},
		{
			name: "a user's annotation record counts: conflict refused",
			src:  `{"id":"a","data":{"concepts":[]},"annotations":[{"user_id":"u","data":{"concepts":[{"id":"wolf"}]}}]}`,
			sugg: wolfNeg,
			want: `{"id":"a","data":{"concepts":[]},"annotations":[{"user_id":"u","data":{"concepts":[{"id":"wolf"}]}}]}`,
			sum:  writeback.Summary{Refused: 1},
		},
		{
			name:  "a user's annotation record, forced: stated in data.concepts, record untouched",
			src:   `{"id":"a","data":{"concepts":[]},"annotations":[{"user_id":"u","data":{"concepts":[{"id":"wolf","value":1}]}}]}`,
			sugg:  wolfNeg,
			force: true,
			want:  `{"id":"a","data":{"concepts":[{"id":"wolf","value":0}]},"annotations":[{"user_id":"u","data":{"concepts":[{"id":"wolf","value":1}]}}]}`,
			sum:   writeback.Summary{Updated: 1},
		},
		{
			name: "model scores are not labels",
			src:  `{"id":"a","annotations":[{"model_version_id":"mv","data":{"concepts":[{"id":"wolf","value":0.93}]}},{"worker":{"workflow":{"id":"w"}},"data":{"concepts":[{"id":"wolf","value":1}]}}]}`,
			sugg: wolfNeg,
			want: `{"id":"a","annotations":[{"model_version_id":"mv","data":{"concepts":[{"id":"wolf","value":0.93}]}},{"worker":{"workflow":{"id":"w"}},"data":{"concepts":[{"id":"wolf","value":1}]}}],"data":{"concepts":[{"id":"wolf","value":0}]}}`,
			sum:  writeback.Summary{Added: 1},
		},
		{
			name: "accept false and duplicates skipped",
			src:  `{"id":"a"}`,
			sugg: wolfNeg + wolfNeg + `{"input_id":"a","concept_id":"fox","value":0,"accept":false}`,
			want: `{"id":"a","data":{"concepts":[{"id":"wolf","value":0}]}}`,
			sum:  writeback.Summary{Added: 1, Skipped: 2},
		},
		{
			name: "only the first line of a repeated id changes",
			src:  `{"id":"a"}` + "\n" + `{"id":"a"}` + "\n",
			sugg: wolfNeg,
			want: `{"id":"a","data":{"concepts":[{"id":"wolf","value":0}]}}` + "\n" + `{"id":"a"}` + "\n",
			sum:  writeback.Summary{Added: 1},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, sum, err := applyJSONL(t, tt.src, tt.sugg, writeback.Options{Force: tt.force})
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
			assert.Equal(t, tt.sum.Added, sum.Added, "added")
			assert.Equal(t, tt.sum.Updated, sum.Updated, "updated")
			assert.Equal(t, tt.sum.Present, sum.Present, "present")
			assert.Equal(t, tt.sum.Refused, sum.Refused, "refused")
			assert.Equal(t, tt.sum.Skipped, sum.Skipped, "skipped")

			// The result still loads, and a second apply changes nothing.
			r, err := dataset.NewReader(context.Background(), strings.NewReader(got), dataset.WithFormat(dataset.FormatJSONL))
			require.NoError(t, err)
			for r.Next() {
			}
			assert.NoError(t, r.Err())
			r.Release()
			again, sum2, err := applyJSONL(t, got, tt.sugg, writeback.Options{Force: tt.force})
			require.NoError(t, err)
			assert.Equal(t, got, again, "second apply")
			assert.Zero(t, sum2.Written(), "second apply wrote")
		})
	}
}

func TestApplyJSONLErrors(t *testing.T) {
	tests := []struct {
		name      string
		src, sugg string
		file      string
		line      int
		field     string
		is        error
	}{
		{"unknown input", `{"id":"a"}` + "\n", "\n" + wolfNeg + `{"input_id":"zz","concept_id":"wolf","value":0}`, "sugg.jsonl", 3, "input_id", writeback.ErrUnknownInput},
		{"source line not an object", `{"id":"b"}` + "\n" + `[1]` + "\n", wolfNeg, "src.jsonl", 2, "", dataset.ErrSyntax},
		{"source line without id", `{"id":"b"}` + "\n" + `{"x":"a"}` + "\n", wolfNeg, "src.jsonl", 2, "id", dataset.ErrShape},
		{"truncated source line", `{"id":"a","data":{"concepts":[`, wolfNeg, "src.jsonl", 1, "", dataset.ErrSyntax},
		{"bad existing value", `{"id":"a","data":{"concepts":[{"id":"wolf","value":"1"}]}}`, wolfNeg, "src.jsonl", 1, "data.concepts[0].value", dataset.ErrValue},
		// The loader reads this line as input "a" (the last id wins), but
		// write-back looks only at the leading id of lines it does not
		// change: the change is reported, never applied to the wrong input.
		{"second id key", `{"id":"x","data":{},"id":"a"}`, wolfNeg, "sugg.jsonl", 1, "input_id", writeback.ErrUnknownInput},
		{"contradicting suggestions", `{"id":"a"}`, wolfNeg + strings.Replace(wolfNeg, `"value":0`, `"value":1`, 1), "sugg.jsonl", 2, "value", writeback.ErrConflict},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := applyJSONL(t, tt.src, tt.sugg, writeback.Options{})
			require.Error(t, err)
			var pe *dataset.ParseError
			require.True(t, errors.As(err, &pe), "%v", err)
			assert.Equal(t, tt.file, pe.File)
			assert.Equal(t, tt.line, pe.Line)
			assert.Equal(t, tt.field, pe.Field)
			assert.ErrorIs(t, err, tt.is)
		})
	}
}

func TestApplyFilters(t *testing.T) {
	src := `{"id":"a"}` + "\n" + `{"id":"b"}` + "\n" + `{"id":"c"}` + "\n"
	sugg := `{"input_id":"a","concept_id":"wolf","value":0,"score":0.9}
{"input_id":"b","concept_id":"wolf","value":0,"score":0.5}
{"input_id":"c","concept_id":"wolf","value":0}
{"input_id":"a","concept_id":"fox","value":0,"score":0.1}
{"input_id":"b","concept_id":"fox","value":0,"score":0.7}
`
	tests := []struct {
		name string
		opts writeback.Options
		want map[string]int64 // concept -> added
	}{
		{"all", writeback.Options{}, map[string]int64{"wolf": 3, "fox": 2}},
		{"concepts", writeback.Options{Concepts: []string{"fox"}}, map[string]int64{"wolf": 0, "fox": 2}},
		{"min score", writeback.Options{MinScore: 0.5}, map[string]int64{"wolf": 2, "fox": 1}},
		{"top per concept", writeback.Options{TopPerConcept: 1}, map[string]int64{"wolf": 1, "fox": 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, sum, err := applyJSONL(t, src, sugg, tt.opts)
			require.NoError(t, err)
			for c, n := range tt.want {
				require.Contains(t, sum.PerConcept, c)
				assert.Equal(t, n, sum.PerConcept[c].Added, c)
				assert.Equal(t, 5-sum.Added, sum.Skipped)
			}
		})
	}
	t.Run("top per concept keeps the best", func(t *testing.T) {
		out, _, err := applyJSONL(t, src, sugg, writeback.Options{TopPerConcept: 1})
		require.NoError(t, err)
		assert.Equal(t, `{"id":"a","data":{"concepts":[{"id":"wolf","value":0}]}}`+"\n"+`{"id":"b","data":{"concepts":[{"id":"fox","value":0}]}}`+"\n"+`{"id":"c"}`+"\n", out)
	})
}

func TestApplyPreviewAndOnChange(t *testing.T) {
	src := `{"id":"a","data":{"concepts":[{"id":"wolf","value":1}]}}` + "\n" + `{"id":"b"}` + "\n" + `{"id":"c"}` + "\n"
	sugg := wolfNeg + `{"input_id":"b","concept_id":"wolf","value":0}` + "\n" + `{"input_id":"c","concept_id":"wolf","value":0}` + "\n"
	var seen []writeback.Change
	_, sum, err := applyJSONL(t, src, sugg, writeback.Options{Preview: 1, OnChange: func(c writeback.Change) { seen = append(seen, c) }})
	require.NoError(t, err)
	require.Len(t, sum.Preview, 1)
	assert.Equal(t, writeback.Change{Line: 2, SourceLine: 2, InputID: "b", ConceptID: "wolf", Action: writeback.ActionAdded}, sum.Preview[0])
	require.Len(t, sum.Refusals, 1)
	assert.Equal(t, writeback.Change{Line: 1, SourceLine: 1, InputID: "a", ConceptID: "wolf", Old: 1, HadOld: true, Action: writeback.ActionRefused}, sum.Refusals[0])
	assert.Len(t, seen, 2)
}

func TestApplyCSV(t *testing.T) {
	tests := []struct {
		name  string
		src   string
		force bool
		want  string
		sum   writeback.Summary
	}{
		{
			name: "append rows in header order",
			src:  "concept_id,input_id,value,annotator,note\ndog,a,1,ann,\"x,\ny\"\n",
			want: "concept_id,input_id,value,annotator,note\ndog,a,1,ann,\"x,\ny\"\nwolf,a,0,rev,\n",
			sum:  writeback.Summary{Added: 1},
		},
		{
			name: "no trailing newline, CRLF",
			src:  "input_id,concept_id,value\r\na,dog,1",
			want: "input_id,concept_id,value\r\na,dog,1\r\na,wolf,0\r\n",
			sum:  writeback.Summary{Added: 1},
		},
		{
			name: "present",
			src:  "input_id,concept_id,value\na,wolf,0\n",
			want: "input_id,concept_id,value\na,wolf,0\n",
			sum:  writeback.Summary{Present: 1},
		},
		{
			name: "conflict refused",
			src:  "input_id,concept_id,value\na,wolf,1\n",
			want: "input_id,concept_id,value\na,wolf,1\n",
			sum:  writeback.Summary{Refused: 1},
		},
		{
			name:  "conflict forced rewrites the value field",
			src:   "input_id,concept_id,value,concept_name\na,wolf, 1 ,\"Wolf, grey\"\n",
			force: true,
			want:  "input_id,concept_id,value,concept_name\na,wolf,0,\"Wolf, grey\"\n",
			sum:   writeback.Summary{Updated: 1},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			tbl := readChanges(t, mem, wolfNeg)
			defer tbl.Release()
			var out bytes.Buffer
			opts := writeback.Options{Force: tt.force, Annotator: "rev"}
			sum, err := writeback.Apply(context.Background(), strings.NewReader(tt.src), &out, tbl, opts)
			require.NoError(t, err)
			assert.Equal(t, tt.want, out.String())
			assert.Equal(t, tt.sum.Added, sum.Added, "added")
			assert.Equal(t, tt.sum.Updated, sum.Updated, "updated")
			assert.Equal(t, tt.sum.Present, sum.Present, "present")
			assert.Equal(t, tt.sum.Refused, sum.Refused, "refused")

			var again bytes.Buffer
			sum2, err := writeback.Apply(context.Background(), strings.NewReader(out.String()), &again, tbl, opts)
			require.NoError(t, err)
			assert.Equal(t, out.String(), again.String(), "second apply")
			assert.Zero(t, sum2.Written())
		})
	}
	t.Run("unknown input", func(t *testing.T) {
		mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
		defer mem.AssertSize(t, 0)
		tbl := readChanges(t, mem, "\n"+wolfNeg)
		defer tbl.Release()
		_, err := writeback.ApplyCSV(context.Background(), strings.NewReader("input_id,concept_id,value\nb,dog,1\n"), &bytes.Buffer{}, tbl, writeback.Options{ChangesName: "s.jsonl"})
		var pe *dataset.ParseError
		require.ErrorAs(t, err, &pe)
		assert.Equal(t, "s.jsonl", pe.File)
		assert.Equal(t, 2, pe.Line)
		assert.ErrorIs(t, err, writeback.ErrUnknownInput)
	})
}

// TestApplyJSONLChunking applies changes to a source whose lines cross
// the reader's chunk boundaries, including lines longer than a chunk, and
// compares with applying to each line on its own.
func TestApplyJSONLChunking(t *testing.T) {
	var src, sugg, want strings.Builder
	pad := strings.Repeat("x", 700)
	for i := range 6000 {
		p := pad[:i%700]
		if i == 1234 || i == 4321 {
			p = strings.Repeat("y\\\"", 1<<20) // over 3 MB of escapes
		}
		line := fmt.Sprintf(`{"id":"in%05d","p":"%s","data":{"concepts":[{"id":"dog","value":1}]}}`, i, p)
		src.WriteString(line + "\n")
		if i%7 == 0 || i == 1234 || i == 4321 {
			s := fmt.Sprintf(`{"input_id":"in%05d","concept_id":"wolf","value":0}`+"\n", i)
			sugg.WriteString(s)
			one, _, err := applyJSONL(t, line+"\n", s, writeback.Options{})
			require.NoError(t, err)
			want.WriteString(one)
		} else {
			want.WriteString(line + "\n")
		}
	}
	got, sum, err := applyJSONL(t, src.String(), sugg.String(), writeback.Options{})
	require.NoError(t, err)
	assert.EqualValues(t, 6000, sum.Lines)
	assert.EqualValues(t, 6000/7+1+2, sum.Added)
	assert.True(t, got == want.String(), "output differs from per-line application")

	_, _, err = applyJSONL(t, src.String(), sugg.String(), writeback.Options{MaxLineBytes: 1 << 20})
	var pe *dataset.ParseError
	require.ErrorAs(t, err, &pe)
	assert.Equal(t, 1235, pe.Line)
	assert.ErrorIs(t, err, dataset.ErrLineTooLong)
}

// TestApplyJSONLOneHugeLine applies a change to a 48 MiB line between
// small ones: the line is edited like any other, and reading it costs a
// few times its size, not a copy of its start per megabyte read (which
// allocated over 2 GB for a 60 MiB line).
func TestApplyJSONLOneHugeLine(t *testing.T) {
	const size = 48 << 20
	var src strings.Builder
	src.WriteString(`{"id":"small-1","data":{"concepts":[{"id":"dog","value":1}]}}` + "\n")
	src.WriteString(`{"id":"huge","data":{"text":{"raw":"`)
	src.WriteString(strings.Repeat("x", size))
	src.WriteString(`"},"concepts":[{"id":"dog","value":1}]}}` + "\n")
	src.WriteString(`{"id":"small-2","data":{"concepts":[{"id":"dog","value":1}]}}` + "\n")
	sugg := `{"input_id":"huge","concept_id":"wolf","value":0}` + "\n" +
		`{"input_id":"small-2","concept_id":"wolf","value":0}` + "\n"
	in := src.String()

	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	got, sum, err := applyJSONL(t, in, sugg, writeback.Options{MaxLineBytes: 64 << 20})
	runtime.ReadMemStats(&after)
	require.NoError(t, err)
	assert.EqualValues(t, 3, sum.Lines)
	assert.EqualValues(t, 2, sum.Added)
	lines := strings.Split(strings.TrimSuffix(got, "\n"), "\n")
	require.Len(t, lines, 3)
	assert.Equal(t, `{"id":"small-1","data":{"concepts":[{"id":"dog","value":1}]}}`, lines[0])
	assert.Contains(t, lines[1], `{"id":"wolf","value":0}`)
	assert.Len(t, lines[1], len(`{"id":"huge","data":{"text":{"raw":"`)+size+len(`"},"concepts":[{"id":"dog","value":1},{"id":"wolf","value":0}]}}`))
	assert.Contains(t, lines[2], `{"id":"wolf","value":0}`)
	// The output buffer alone takes about 2× the line as it grows.
	allocated := after.TotalAlloc - before.TotalAlloc
	assert.Less(t, allocated, uint64(10*size), "allocated %d MiB to apply one %d MiB line", allocated>>20, size>>20)
}
