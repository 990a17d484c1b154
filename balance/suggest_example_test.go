package balance_test

import (
	"context"
	"fmt"
	"io"
	"os"

	"curate.dev/balance"
	"curate.dev/dataset"
	"curate.dev/label"
)

// Suggest "not wolf" for huskies and "not husky" for wolves: both are
// kinds of canine and never seen together.
func ExampleSuggest() {
	open := func(ctx context.Context) (*dataset.Reader, error) {
		i := 0
		return dataset.NewFuncReader(ctx, func(in *dataset.Input) error {
			if i == 50 {
				return io.EOF
			}
			concept := []string{"husky", "wolf"}[i%2]
			in.ID = fmt.Sprintf("img-%02d", i)
			in.Annotations = []dataset.Annotation{{ConceptID: concept, Value: dataset.Positive}}
			i++
			return nil
		}), nil
	}
	h, err := label.NewHierarchy([]dataset.Relation{
		{Subject: "husky", Object: "canine", Predicate: dataset.Hyponym},
		{Subject: "wolf", Object: "canine", Predicate: dataset.Hyponym},
	})
	if err != nil {
		panic(err)
	}
	ov := balance.DefaultOverlapOptions()
	ov.Rules.Hierarchy = h
	res, err := balance.Suggest(context.Background(), open, &ov, &balance.SuggestOptions{Ratio: 1, MaxPerConcept: 2, Seed: 1})
	if err != nil {
		panic(err)
	}
	for _, c := range res.Concepts {
		fmt.Printf("%s: %d positives, %d negatives, deficit %d, %d candidates, %d suggested\n",
			c.ConceptID, c.Positives, c.Negatives, c.Deficit, c.Candidates, c.Suggested)
	}
	if err := res.WriteJSONL(os.Stdout); err != nil {
		panic(err)
	}
	// Output:
	// husky: 25 positives, 0 negatives, deficit 25, 25 candidates, 2 suggested
	// wolf: 25 positives, 0 negatives, deficit 25, 25 candidates, 2 suggested
	// {"input_id":"img-11","concept_id":"husky","value":0,"score":0.5,"source_concept_id":"wolf","reason":"positive for wolf; wolf and husky overlap (both are kinds of canine); never seen together in 25 wolf inputs (12 expected if unrelated)"}
	// {"input_id":"img-03","concept_id":"husky","value":0,"score":0.5,"source_concept_id":"wolf","reason":"positive for wolf; wolf and husky overlap (both are kinds of canine); never seen together in 25 wolf inputs (12 expected if unrelated)"}
	// {"input_id":"img-12","concept_id":"wolf","value":0,"score":0.5,"source_concept_id":"husky","reason":"positive for husky; husky and wolf overlap (both are kinds of canine); never seen together in 25 husky inputs (12 expected if unrelated)"}
	// {"input_id":"img-38","concept_id":"wolf","value":0,"score":0.5,"source_concept_id":"husky","reason":"positive for husky; husky and wolf overlap (both are kinds of canine); never seen together in 25 husky inputs (12 expected if unrelated)"}
}
