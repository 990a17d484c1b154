package dataset_test

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/apache/arrow/go/v15/arrow/memory"

	"curate.dev/dataset"
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
		sum, err := dataset.ApplyJSONL(context.Background(), strings.NewReader(src), &out, tbl, dataset.ApplyOptions{Force: true})
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
