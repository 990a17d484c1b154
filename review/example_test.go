package review_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"curate.dev/dataset"
	"curate.dev/review"
)

// A review in code: open the suggestions with their source, decide, and
// read the balance before and after; the decisions are in the file beside
// the suggestions, for curate apply.
func ExampleSession_Decide() {
	ctx := context.Background()
	dir, _ := os.MkdirTemp("", "review-example-")
	defer os.RemoveAll(dir)
	source := `{"id":"a","data":{"image":{"url":"https://img.example/a.jpg"},"concepts":[{"id":"husky","value":1}]}}
{"id":"b","data":{"image":{"url":"https://img.example/b.jpg"},"concepts":[{"id":"husky","value":1}]}}
{"id":"w","data":{"image":{"url":"https://img.example/w.jpg"},"concepts":[{"id":"wolf","value":1}]}}
`
	neg := filepath.Join(dir, "neg.jsonl")
	os.WriteFile(neg, []byte(`{"input_id":"a","concept_id":"wolf","value":0,"score":0.9,"source_concept_id":"husky","reason":"looks alike"}
{"input_id":"b","concept_id":"wolf","value":0,"score":0.7,"source_concept_id":"husky","reason":"looks alike"}
`), 0o644)

	r, err := dataset.NewReader(ctx, strings.NewReader(source))
	if err != nil {
		panic(err)
	}
	sess, err := review.Open(ctx, neg, r, nil)
	r.Release()
	if err != nil {
		panic(err)
	}
	defer sess.Close()

	sess.Decide([]review.Key{{InputID: "a", ConceptID: "wolf"}}, review.Accept)
	sess.Decide([]review.Key{{InputID: "b", ConceptID: "wolf"}}, review.Reject)
	for _, b := range sess.Balance() {
		fmt.Printf("%s: negatives %d -> %d for %d positives\n", b.ConceptID, b.Negatives, b.NegAfter, b.PosAfter)
	}
	page, _ := sess.Page(review.AllFilter(), 0, 10)
	for _, c := range page.Cards {
		fmt.Printf("%s: not %s? %s (%s, positive for %v)\n", c.InputID, c.ConceptName, c.Decision, c.URL, c.Positives)
	}
	ds, _ := review.ReadDecisionsFile(ctx, review.DecisionsPath(neg))
	fmt.Println(filepath.Base(review.DecisionsPath(neg)), "holds", len(ds), "decisions")
	// Output:
	// wolf: negatives 0 -> 1 for 1 positives
	// a: not wolf? accept (https://img.example/a.jpg, positive for [husky])
	// b: not wolf? reject (https://img.example/b.jpg, positive for [husky])
	// neg.decisions.jsonl holds 2 decisions
}
