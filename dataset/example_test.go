package dataset_test

import (
	"context"
	"fmt"
	"log"
	"strings"

	"github.com/apache/arrow/go/v15/arrow/array"

	"curate.dev/dataset"
)

// A JSONL file of Clarifai inputs: the second concept of the first input
// omits its value, which Clarifai's HTTP API reads as a positive.
const animals = `{"id":"in-1","data":{"image":{"url":"https://example.com/1.jpg"},"concepts":[{"id":"dog","name":"Dog","value":1},{"id":"wolf","value":0}]}}
{"id":"in-2","data":{"image":{"url":"https://example.com/2.jpg"},"concepts":[{"id":"wolf","value":0},{"id":"husky"}]}}
`

func ExampleNewReader() {
	ctx := context.Background()
	r, err := dataset.NewReader(ctx, strings.NewReader(animals), dataset.WithName("animals.jsonl"))
	if err != nil {
		log.Fatal(err)
	}
	defer r.Release()
	for r.Next() {
		rec := r.Annotations() // valid until the next call to Next
		inputs := dataset.Column(rec, dataset.ColInputID).(*array.Dictionary)
		concepts := dataset.Column(rec, dataset.ColConceptID).(*array.Dictionary)
		values := dataset.Column(rec, dataset.ColValue).(*array.Float32)
		sources := dataset.Column(rec, dataset.ColValueSource).(*array.Dictionary)
		for i := 0; i < int(rec.NumRows()); i++ {
			fmt.Printf("%s %s %g %s\n",
				inputs.Dictionary().(*array.String).Value(inputs.GetValueIndex(i)),
				concepts.Dictionary().(*array.String).Value(concepts.GetValueIndex(i)),
				values.Value(i),
				sources.Dictionary().(*array.String).Value(sources.GetValueIndex(i)))
		}
	}
	if err := r.Err(); err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%+v\n", r.Stats())
	// Output:
	// in-1 dog 1 explicit
	// in-1 wolf 0 explicit
	// in-2 wolf 0 explicit
	// in-2 husky 1 http_default
	// {Lines:2 Inputs:2 Annotations:4 ImplicitValues:1 EmbeddingsIgnored:0 Skipped:0 Unannotated:0}
}

// Bad records name the file, line and field. WithMaxErrors collects several
// problems before failing.
func ExampleNewReader_errors() {
	const labels = "input_id,concept_id,value\nin-1,dog,1\nin-2,dog,0.5\nin-3,,1\nin-4,dog,0\n"
	r, err := dataset.NewReader(context.Background(), strings.NewReader(labels),
		dataset.WithName("labels.csv"), dataset.WithMaxErrors(10))
	if err != nil {
		log.Fatal(err)
	}
	defer r.Release()
	for r.Next() {
	}
	fmt.Println(r.Err())
	// Output:
	// dataset: 2 problem(s)
	//   dataset: labels.csv:3: field "value": want 0 or 1, got "0.5"
	//   dataset: labels.csv:4: field "concept_id": unexpected shape: empty
}

func ExampleReadTables() {
	r, err := dataset.NewReader(context.Background(), strings.NewReader(animals))
	if err != nil {
		log.Fatal(err)
	}
	defer r.Release()
	t, err := dataset.ReadTables(r)
	if err != nil {
		log.Fatal(err)
	}
	defer t.Release()
	fmt.Println("annotations:", t.Annotations.NumRows(), "inputs:", t.Inputs.NumRows())
	fmt.Println("implicit values:", t.Stats.ImplicitValues)
	for _, f := range t.Inputs.Schema().Fields() {
		fmt.Printf("%s: %s\n", f.Name, f.Type)
	}
	// Output:
	// annotations: 4 inputs: 2
	// implicit values: 1
	// input_id: utf8
	// kind: dictionary<values=utf8, indices=int8, ordered=false>
	// url: utf8
	// text: utf8
	// metadata: utf8
	// dataset_ids: list<item: utf8, nullable>
}

func ExampleReadRelations() {
	const relations = `{"subject_concept":{"id":"husky"},"object_concept":{"id":"dog"},"predicate":"hyponym"}
{"subject_concept":{"id":"canine"},"object_concept":{"id":"wolf"},"predicate":"hypernym"}
{"subject_concept":{"id":"puppy"},"object_concept":{"id":"dog"},"predicate":"synonym"}
`
	rels, err := dataset.ReadRelations(context.Background(), strings.NewReader(relations), "relations.jsonl")
	if err != nil {
		log.Fatal(err)
	}
	for _, rel := range rels {
		if child, parent, ok := rel.Parent(); ok {
			fmt.Printf("%s is a kind of %s\n", child, parent)
		} else {
			fmt.Printf("%s %s %s\n", rel.Subject, rel.Predicate, rel.Object)
		}
	}
	// Output:
	// husky is a kind of dog
	// wolf is a kind of canine
	// puppy synonym dog
}
