package writeback_test

import (
	"context"
	"fmt"
	"os"
	"strings"

	"curate.dev/writeback"
)

// ExampleApplyJSONL reads a reviewed suggestions file and merges it into a
// JSONL source. The unchanged line and every other field stay as they
// were; the reviewer's rejected suggestion is skipped.
func ExampleApplyJSONL() {
	ctx := context.Background()
	suggestions := `{"input_id":"i1","concept_id":"wolf","value":0,"score":0.83,"source_concept_id":"husky","reason":"positive for husky"}
{"input_id":"i2","concept_id":"wolf","value":0,"score":0.41,"accept":false}
`
	changes, err := writeback.ReadChanges(ctx, strings.NewReader(suggestions), writeback.ReadOptions{Name: "wolf.jsonl"})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer changes.Release()

	source := `{"id":"i1", "data":{"concepts":[{"id":"husky","value":1}]}, "custom":{"x":"\u00e9"}}
{"id":"i2","data":{"concepts":[{"id":"husky"}]}}
`
	sum, err := writeback.ApplyJSONL(ctx, strings.NewReader(source), os.Stdout, changes, writeback.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("added %d, present %d, skipped %d, refused %d\n", sum.Added, sum.Present, sum.Skipped, sum.Refused)
	// Output:
	// {"id":"i1", "data":{"concepts":[{"id":"husky","value":1},{"id":"wolf","value":0}]}, "custom":{"x":"\u00e9"}}
	// {"id":"i2","data":{"concepts":[{"id":"husky"}]}}
	// added 1, present 0, skipped 1, refused 0
}
