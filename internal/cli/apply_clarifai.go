package cli

import (
	"context"
	"fmt"
	"io"
	"slices"
	"text/tabwriter"

	"curate.dev/clarifai"
	"curate.dev/dataset"
	"curate.dev/writeback"
)

// checkApplyTo validates the flags of apply --to.
func checkApplyTo(opts *ApplyOptions) error {
	if _, err := clarifai.ParseApp(opts.To); err != nil {
		return flagErrorf("--to: %v", err)
	}
	switch {
	case opts.Source != "" && opts.Suggestions != "":
		return flagErrorf("apply --to: give either --suggestions FILE (push the chosen suggestions) or SOURCE (push its labels), not both")
	case opts.Source == "" && opts.Suggestions == "":
		return flagErrorf("apply --to: missing --suggestions FILE or SOURCE")
	case clarifai.IsAppURL(opts.Source):
		return flagErrorf("apply --to: SOURCE must be a local file, got %s", opts.Source)
	case opts.Out != "" || opts.Backup:
		return flagErrorf("apply --to: --out and --backup are for local files")
	}
	return nil
}

// applyToApp pushes the chosen suggestions, or a local source's labels, to
// the Clarifai app opts.To.
func applyToApp(ctx context.Context, opts *ApplyOptions) error {
	var anns []dataset.Annotation
	from := opts.Source
	if opts.Suggestions != "" {
		from = opts.Suggestions
		changes, err := readSuggestions(ctx, opts.Suggestions)
		if err != nil {
			return err
		}
		defer changes.Release()
		anns, err = writeback.ChosenChanges(changes, writeback.Options{
			ChangesName:   opts.Suggestions,
			Concepts:      opts.Concepts,
			MinScore:      opts.MinScore,
			TopPerConcept: opts.TopPerConcept,
			Annotator:     opts.Annotator,
		})
		if err != nil {
			return err
		}
	} else {
		var models int
		var err error
		anns, models, err = readLabels(ctx, opts.IO, opts.Source, &opts.Load)
		if err != nil {
			return err
		}
		if models > 0 {
			fmt.Fprintf(opts.IO.ErrOut, "%s: %d model/workflow score(s) not pushed\n", opts.Source, models)
		}
	}
	if opts.DryRun {
		printPushPlan(opts.IO.Out, opts.To, from, anns, opts.Show)
		return nil
	}
	conn := opts.Clarifai
	if conn == (ClarifaiFlags{}) {
		conn = opts.Load.Clarifai
	}
	sum, err := pushAnnotations(ctx, opts.Factory, opts.To, conn, anns, opts.Journal)
	printPushSummary(opts.IO.ErrOut, opts.To, sum)
	return err
}

// readLabels reads every annotation of a local source, keeping human labels
// and counting the model/workflow scores left out.
func readLabels(ctx context.Context, ios *IOStreams, path string, load *LoadOptions) ([]dataset.Annotation, int, error) {
	src, err := openSource(ctx, ios, path, load, dataset.WithInputs(false))
	if err != nil {
		return nil, 0, err
	}
	defer src.Close()
	var anns []dataset.Annotation
	for src.Next() {
		if anns, err = dataset.AppendAnnotations(anns, src.Annotations()); err != nil {
			return nil, 0, err
		}
	}
	if err := src.Err(); err != nil {
		return nil, 0, err
	}
	labels := anns[:0]
	models := 0
	for _, a := range anns {
		if a.AnnotatorKind == dataset.AnnotatorModel || a.AnnotatorKind == dataset.AnnotatorWorkflow {
			models++
			continue
		}
		labels = append(labels, a)
	}
	return labels, models, nil
}

// printPushPlan is apply --to --dry-run: what would be pushed, per concept.
func printPushPlan(w io.Writer, target, from string, anns []dataset.Annotation, show int) {
	type counts struct{ pos, neg int }
	per := map[string]*counts{}
	for _, a := range anns {
		c := per[a.ConceptID]
		if c == nil {
			c = &counts{}
			per[a.ConceptID] = c
		}
		if a.Value == dataset.Positive {
			c.pos++
		} else {
			c.neg++
		}
	}
	ids := make([]string, 0, len(per))
	for id := range per {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	fmt.Fprintf(w, "dry run: would push %d annotation(s) from %s to %s\n", len(anns), from, target)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "concept\tpositives\tnegatives")
	for _, id := range ids {
		fmt.Fprintf(tw, "%s\t%d\t%d\n", id, per[id].pos, per[id].neg)
	}
	tw.Flush()
	for i, a := range anns {
		if i >= show {
			break
		}
		fmt.Fprintf(w, "  %s %s = %v\n", a.InputID, a.ConceptID, a.Value)
	}
}
