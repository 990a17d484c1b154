package synth_test

import (
	"context"
	"fmt"
	"os"

	"curate.dev/internal/synth"
)

// A world's observed inputs feed a dataset.Reader directly, and its hidden
// truth tells how right the labels are.
func Example() {
	cfg := synth.DefaultConfig()
	cfg.Inputs = 1000
	w, err := synth.New(cfg)
	if err != nil {
		panic(err)
	}
	r := w.Reader(context.Background())
	defer r.Release()
	for r.Next() {
	}
	if err := r.Err(); err != nil {
		panic(err)
	}
	fmt.Println("inputs:", r.Stats().Inputs)
	fmt.Println("in-000007 is a", w.Primary(7), "- a canine?", w.Truth(7, "canine"))
	fmt.Println("husky and wolf confusable?", w.Confusable("husky", "wolf"))
	// Output:
	// inputs: 1000
	// in-000007 is a bus - a canine? false
	// husky and wolf confusable? true
}

func ExampleWorld_WriteJSONL() {
	w, err := synth.New(synth.Config{Seed: 1, Inputs: 2, WithRelations: true})
	if err != nil {
		panic(err)
	}
	if err := w.WriteJSONL(context.Background(), os.Stdout); err != nil {
		panic(err)
	}
	// Output:
	// {"id":"in-000000","data":{"image":{"url":"https://images.example.com/synth/in-000000.jpg"},"concepts":[{"id":"cat","name":"Cat","value":1},{"id":"grass","name":"Grass","value":1}],"metadata":{"source":"synth","group_key":"scene-000000","capture":"cam-01"}},"dataset_ids":["synth"]}
	// {"id":"in-000001","data":{"image":{"url":"https://images.example.com/synth/in-000001.jpg"},"concepts":[{"id":"fox","name":"Fox"}],"metadata":{"source":"synth","group_key":"scene-000001","capture":"cam-04"}},"dataset_ids":["synth"]}
}

func ExampleWorld_WriteRelations() {
	w, err := synth.New(synth.Config{Concepts: 5, WithRelations: true})
	if err != nil {
		panic(err)
	}
	if err := w.WriteRelations(context.Background(), os.Stdout); err != nil {
		panic(err)
	}
	// Output:
	// {"subject_concept":{"id":"g1-c1"},"object_concept":{"id":"g1"},"predicate":"hyponym"}
	// {"subject_concept":{"id":"g1-c2"},"object_concept":{"id":"g1"},"predicate":"hyponym"}
	// {"subject_concept":{"id":"g1-c3"},"object_concept":{"id":"g1"},"predicate":"hyponym"}
	// {"subject_concept":{"id":"g1-c4"},"object_concept":{"id":"g1"},"predicate":"hyponym"}
	// {"subject_concept":{"id":"g1-c5"},"object_concept":{"id":"g1-c1"},"predicate":"hyponym"}
	// {"subject_concept":{"id":"g1"},"object_concept":{"id":"s1"},"predicate":"hyponym"}
}
