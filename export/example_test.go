package export_test

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"curate.dev/dataset"
	"curate.dev/export"
)

// inputs returns a small dataset: four images labelled cat and/or dog.
func inputs() func(*dataset.Input) error {
	rows := []dataset.Input{
		{ID: "a", Annotations: []dataset.Annotation{{ConceptID: "cat", Value: 1}, {ConceptID: "dog", Value: 0}}},
		{ID: "b", Annotations: []dataset.Annotation{{ConceptID: "dog", Value: 1}}},
		{ID: "c", Annotations: []dataset.Annotation{{ConceptID: "cat", Value: 1}, {ConceptID: "cat", Value: 0}}},
		{ID: "d", Annotations: []dataset.Annotation{{ConceptID: "dog", Value: 0}}},
	}
	i := 0
	return func(in *dataset.Input) error {
		if i == len(rows) {
			return io.EOF
		}
		*in = rows[i]
		i++
		return nil
	}
}

// Building the label matrix: "c" has both a positive and a negative for
// cat, a conflict, so its cat label is unknown (-1).
func ExampleLabelCollector() {
	r := dataset.NewFuncReader(context.Background(), inputs())
	defer r.Release()
	c := export.NewLabelCollector()
	for r.Next() {
		c.AddInputs(r.Inputs())
		c.AddAnnotations(r.Annotations())
	}
	l := c.Labels()
	vec := make([]int8, len(l.Concepts))
	fmt.Println(l.Concepts)
	for i := range l.NumInputs() {
		l.Vector(i, vec)
		fmt.Println(l.InputID(i), vec)
	}
	for c, s := range export.CountStats(l, nil) {
		fmt.Printf("%s: %d positive, %d negative, %d unknown, %d conflict, pos_weight %.1f, one class %v\n",
			l.Concepts[c], s.Positives, s.Negatives, s.Unknown, s.Conflicts, s.PosWeight(), s.OneClass())
	}
	// Output:
	// [cat dog]
	// a [1 0]
	// b [-1 1]
	// c [-1 -1]
	// d [-1 0]
	// cat: 1 positive, 0 negative, 2 unknown, 1 conflict, pos_weight 1.0, one class true
	// dog: 1 positive, 2 negative, 1 unknown, 0 conflict, pos_weight 2.0, one class false
}

// A training export into a folder, split in two halves.
func ExampleWrite() {
	parent, _ := os.MkdirTemp("", "export")
	defer os.RemoveAll(parent)
	open := func(ctx context.Context, withInputs bool) (*dataset.Reader, error) {
		return dataset.NewFuncReader(ctx, inputs(), dataset.WithInputs(withInputs)), nil
	}
	splits, _ := export.ParseSplit("train=0.5,test=0.5")
	sink, err := export.NewDirSink(filepath.Join(parent, "out"))
	if err != nil {
		fmt.Println(err)
		return
	}
	res, err := export.Write(context.Background(), open, sink,
		export.Request{Layout: export.Training, Splits: splits, Seed: 7})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, f := range res.Files {
		fmt.Println(f.Name, f.Rows)
	}
	// Output:
	// train-00000.parquet 2
	// test-00000.parquet 2
}
