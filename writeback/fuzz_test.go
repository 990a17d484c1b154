package writeback_test

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/apache/arrow/go/v15/arrow/array"
	"github.com/apache/arrow/go/v15/arrow/memory"

	"curate.dev/dataset"
	"curate.dev/writeback"
)

// FuzzApplyJSONLLine applies a "not wolf" for input "a" to one arbitrary
// line. It must never panic; a line it does not change must come out
// byte for byte; and when the line is valid JSON and the apply succeeds,
// the result must be valid JSON whose data.concepts holds the value.
func FuzzApplyJSONLLine(f *testing.F) {
	for _, s := range []string{
		`{"id":"a"}`,
		`{"id":"b","data":{"concepts":[{"id":"wolf"}]}}`,
		`{ "ID" : "a" , "data" : null }`,
		`{"id":"a","data":{"concepts":[{"id":"wolf","value":1},{"id":"w\u006flf"}]},"annotations":[{"user_id":"u","data":{"concepts":[{"id":"wolf","value":0}]}}]}`,
		`{"x":[1,{"y":"}"}],"id":"\u0061","data":{"metadata":{"concepts":1}}}`,
		`{"id":"a","data":{"concepts":[]}}` + "\r",
		`{"id":"a","data":{"concepts":[`,
		`[{"id":"a"}]`,
	} {
		f.Add(s)
	}
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	tbl := readChanges(f, mem, `{"input_id":"a","concept_id":"wolf","value":0}`)
	f.Cleanup(func() { tbl.Release(); mem.AssertSize(f, 0) })
	f.Fuzz(func(t *testing.T, line string) {
		if strings.ContainsAny(line, "\n") {
			return
		}
		src := line + "\n"
		var out bytes.Buffer
		sum, err := writeback.ApplyJSONL(context.Background(), strings.NewReader(src), &out, tbl, writeback.Options{Force: true})
		if err != nil {
			return
		}
		if sum.Written() == 0 && out.String() != src {
			t.Fatalf("unchanged line rewritten:\n in: %q\nout: %q", src, out.String())
		}
		if !json.Valid([]byte(line)) || sum.Written() == 0 {
			return
		}
		got := strings.TrimSuffix(out.String(), "\n")
		if !json.Valid([]byte(got)) {
			t.Fatalf("invalid JSON out of valid JSON:\n in: %q\nout: %q", line, got)
		}
		type doc struct {
			Data struct {
				Concepts []struct {
					ID    string   `json:"id"`
					Value *float64 `json:"value"`
				} `json:"concepts"`
			} `json:"data"`
		}
		var in, v doc
		if json.Unmarshal([]byte(line), &in) != nil {
			return // not a Clarifai input the loaders would read
		}
		if err := json.Unmarshal([]byte(got), &v); err != nil {
			t.Fatalf("output does not decode: %v\n in: %q\nout: %q", err, line, got)
		}
		for _, c := range v.Data.Concepts {
			if c.ID == "wolf" && (c.Value == nil || *c.Value != 0) {
				t.Fatalf("wolf not stated as 0:\n in: %q\nout: %q", line, got)
			}
		}
	})
}

// FuzzReadChanges checks the suggestions reader against encoding/json:
// never a panic, and where both accept a line they agree on the ids.
func FuzzReadChanges(f *testing.F) {
	for _, s := range []string{
		`{"input_id":"i1","concept_id":"wolf","value":0,"score":0.83,"reason":"r","x":[1,{"y":null}]}`,
		`{"INPUT_ID":"\u0069","concept_id":"w","value":1,"accept":false}`,
		`{"input_id":"a","input_id":"b","concept_id":"c","value":0}`,
		`{"input_id":"a","concept_id":"c","value":0} `,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		if strings.ContainsAny(line, "\n") {
			return
		}
		mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
		defer mem.AssertSize(t, 0)
		tbl, err := writeback.ReadChanges(context.Background(), strings.NewReader(line), writeback.ReadOptions{Name: "s.jsonl", Allocator: mem})
		if err != nil {
			return
		}
		defer tbl.Release()
		if tbl.NumRows() == 0 {
			return
		}
		if !json.Valid([]byte(strings.TrimPrefix(line, "\xef\xbb\xbf"))) {
			t.Fatalf("accepted invalid JSON %q", line)
		}
		var j struct {
			InputID   string `json:"input_id"`
			ConceptID string `json:"concept_id"`
		}
		if json.Unmarshal([]byte(strings.TrimPrefix(line, "\xef\xbb\xbf")), &j) != nil {
			return
		}
		col := tbl.Column(dataset.ChgInputID).Data().Chunk(0).(*array.String)
		con := tbl.Column(dataset.ChgConceptID).Data().Chunk(0).(*array.String)
		if col.Value(0) != j.InputID || con.Value(0) != j.ConceptID {
			t.Fatalf("ids differ from encoding/json: %q %q vs %q %q in %q", col.Value(0), con.Value(0), j.InputID, j.ConceptID, line)
		}
	})
}
