package balance_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"strings"

	"curate.dev/balance"
	"curate.dev/dataset"
	"curate.dev/label"
)

const animals = `{"id":"in1","data":{"concepts":[{"id":"dog","value":1},{"id":"wolf","value":0}]}}
{"id":"in2","data":{"concepts":[{"id":"husky","value":1}]}}
{"id":"in3","data":{"concepts":[{"id":"wolf","value":1},{"id":"dog","value":0}]}}
{"id":"in4","data":{"concepts":[{"id":"wolf","value":1},{"id":"dog"}]}}
{"id":"in5","data":{"concepts":[{"id":"grass","value":1}]}}
`

// A balance report of a small JSONL dataset, counted along the relation
// "husky is a kind of dog" and printed as an aligned table: the husky on
// in2 is also a dog, and "not a dog" on in3 also means "not a husky". The
// omitted value on in4 reads as a positive and counts as implicit.
func Example_balanceReport() {
	ctx := context.Background()
	r, err := dataset.NewReader(ctx, strings.NewReader(animals), dataset.WithInputs(false))
	if err != nil {
		log.Fatal(err)
	}
	defer r.Release()
	rr := r.AnnotationReader()
	defer rr.Release()

	h, err := label.NewHierarchy([]dataset.Relation{{Subject: "husky", Object: "dog", Predicate: dataset.Hyponym}})
	if err != nil {
		log.Fatal(err)
	}
	rep, err := balance.Compute(ctx, rr, balance.WithHierarchy(h), balance.WithMinPositives(2), balance.WithTargetRatio(0.5))
	if err != nil {
		log.Fatal(err)
	}
	if err := rep.WriteText(os.Stdout); err != nil {
		log.Fatal(err)
	}
	// Output:
	// CONCEPT  NAME  POSITIVES  NEGATIVES  CONFLICTS  IMPLIED NEG  UNKNOWN  IMPLICIT  RATIO  STATUS         +POS VIA REL  +NEG VIA REL
	// dog      -     3          1          0          1            0        1         0.33   few-negatives  1             0
	// grass    -     1          0          0          4            0        0         0.00   few-positives  0             0
	// husky    -     1          1          0          3            0        0         1.00   few-positives  0             1
	// wolf     -     2          1          0          2            0        0         0.50   ok             0             0
	//
	// 5 inputs, 8 annotations, 4 concepts; 1 implicit value, 0 conflicts
	// relations added 1 positive and 1 negative
	// status thresholds: ratio >= 0.5 negatives per positive, at least 2 positives
}

// Compute counts a stream of annotation batches; each concept's five
// counts add up to the number of inputs.
func ExampleCompute() {
	ctx := context.Background()
	r, err := dataset.NewReader(ctx, strings.NewReader(animals), dataset.WithInputs(false))
	if err != nil {
		log.Fatal(err)
	}
	defer r.Release()
	rr := r.AnnotationReader()
	defer rr.Release()

	rep, err := balance.Compute(ctx, rr)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("inputs:", rep.Summary.Inputs)
	for _, c := range rep.Concepts {
		fmt.Printf("%-5s +%d -%d conflicts=%d implied=%d unknown=%d %s\n",
			c.ConceptID, c.Positives, c.Negatives, c.Conflicts, c.ImpliedNegatives, c.Unknown, c.Status)
	}
	// Output:
	// inputs: 5
	// dog   +2 -1 conflicts=0 implied=2 unknown=0 few-positives
	// grass +1 -0 conflicts=0 implied=4 unknown=0 few-positives
	// husky +1 -0 conflicts=0 implied=4 unknown=0 few-positives
	// wolf  +2 -1 conflicts=0 implied=2 unknown=0 few-positives
}

// A report renders as JSON with the summary first.
func ExampleReport_WriteJSON() {
	rep := &balance.Report{
		Summary:  balance.Summary{Inputs: 2, Annotations: 2, Concepts: 1},
		Concepts: []balance.ConceptStats{{ConceptID: "dog", ConceptName: "Dog", Positives: 1, Negatives: 1, Ratio: 1, Status: balance.StatusFewPositives}},
	}
	if err := rep.WriteJSON(os.Stdout); err != nil {
		log.Fatal(err)
	}
	// Output:
	// {"summary":{"inputs":2,"annotations":2,"concepts":1,"implicit_values":0,"conflicts":0,"models_excluded":0,"models_included":false,"propagated_positives":0,"propagated_negatives":0,"unknown_relation_concepts":0},"concepts":[{"concept_id":"dog","concept_name":"Dog","positives":1,"negatives":1,"conflicts":0,"implied_negatives":0,"unknown":0,"implicit_values":0,"ratio":1,"status":"few-positives","propagated_positives":0,"propagated_negatives":0}],"thresholds":{"target_ratio":0,"min_positives":0},"warnings":[]}
}
