package cli

import (
	"context"
	"fmt"

	"github.com/spf13/pflag"

	"curate.dev/dataset"
	"curate.dev/internal/decompress"
	"curate.dev/label"
)

// LabelFlags decide how annotations read as labels. Every command that
// counts labels (report, overlap, suggest, export) takes them with one
// meaning, and they become the label core's rules (package label).
type LabelFlags struct {
	Relations      string
	IncludeModels  bool
	ModelThreshold float64
	thresholdSet   bool
}

// addLabelFlags registers the label flags on fs.
func addLabelFlags(fs *pflag.FlagSet, o *LabelFlags) {
	fs.StringVar(&o.Relations, "relations", "", "concept relations `FILE` (Clarifai ConceptRelation JSON/JSONL): a positive also counts for hypernyms and synonyms, a negative for hyponyms and synonyms")
	fs.BoolVar(&o.IncludeModels, "include-models", false, "count model and workflow scores as labels, split by --model-threshold")
	fs.Float64Var(&o.ModelThreshold, "model-threshold", label.DefaultModelThreshold, "with --include-models: a model score of at least `X` is a positive")
}

// validate checks the label flags of a parsed command line.
func (o *LabelFlags) validate(fs *pflag.FlagSet) error {
	o.thresholdSet = fs.Changed("model-threshold")
	if o.thresholdSet && !o.IncludeModels {
		return flagErrorf("--model-threshold needs --include-models")
	}
	if o.ModelThreshold < 0 || o.ModelThreshold > 1 {
		return flagErrorf("--model-threshold: want a score from 0 to 1, got %g", o.ModelThreshold)
	}
	return nil
}

// rules reads the relations file, if any, and returns the label rules. A
// relations file that does not exist, or holds a cycle, is an error naming
// it.
func (o *LabelFlags) rules(ctx context.Context) (label.Rules, error) {
	r := label.Rules{IncludeModels: o.IncludeModels, ModelThreshold: float32(o.ModelThreshold)}
	if o.Relations == "" {
		return r, nil
	}
	f, err := openFile(o.Relations, "relations")
	if err != nil {
		return r, fmt.Errorf("--relations: %w", err)
	}
	defer f.Close()
	in, z, err := decompress.Reader(f, o.Relations)
	if err != nil {
		return r, err
	}
	if z != nil {
		defer z.Close()
	}
	rels, err := dataset.ReadRelations(ctx, in, o.Relations)
	if err != nil {
		return r, err
	}
	if r.Hierarchy, err = label.NewHierarchy(rels); err != nil {
		return r, fmt.Errorf("%s: %w", o.Relations, err)
	}
	return r, nil
}
