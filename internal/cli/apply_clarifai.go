package cli

import (
	"context"
	"fmt"
	"os"

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

// applyToApp writes the chosen suggestions, or a local source's labels,
// to the Clarifai app opts.To, with the checks of a local apply: the
// suggestions must not contradict each other, and a label the app holds
// with the opposite value is refused unless --overwrite (then the app's
// annotation is patched). Each written change goes to the --log audit
// file, as a local apply writes it. The key and app are checked before
// any file is read.
func applyToApp(ctx context.Context, opts *ApplyOptions) error {
	conn := opts.Clarifai
	if conn == (ClarifaiFlags{}) {
		conn = opts.Load.Clarifai
	}
	c, err := connectClarifai(ctx, opts.Factory, opts.To, conn)
	if err != nil {
		return err
	}
	defer c.Close()
	var anns []dataset.Annotation
	if opts.Suggestions != "" {
		changes, err := loadChanges(ctx, opts.IO, opts.Suggestions, &opts.Review)
		if err != nil {
			return err
		}
		defer changes.Release()
		concepts, err := selectConcepts(opts.Concepts, changeConcepts(changes), opts.Suggestions)
		if err != nil {
			return fmt.Errorf("apply: %w", err)
		}
		anns, err = writeback.ChosenChanges(changes, writeback.Options{
			ChangesName:   opts.Suggestions,
			Concepts:      concepts,
			MinScore:      opts.MinScore,
			TopPerConcept: opts.TopPerConcept,
			Annotator:     opts.Annotator,
		})
		if err != nil {
			return err
		}
	} else {
		var models int
		anns, models, err = readLabels(ctx, opts.IO, opts.Source, &opts.Load)
		if err != nil {
			return err
		}
		if models > 0 {
			fmt.Fprintf(opts.IO.ErrOut, "%s: %d model and workflow score(s) not pushed\n", opts.Source, models)
		}
		if anns, err = keepConcepts(anns, opts.Concepts, opts.Source); err != nil {
			return fmt.Errorf("apply: %w", err)
		}
	}
	t := newPushTally(opts.Show)
	var audit []writeback.Change
	report := func(r clarifai.Result) {
		t.add(r)
		if opts.Log == "" || opts.DryRun {
			return
		}
		switch r.Outcome {
		case clarifai.OutcomePosted:
			audit = append(audit, writeback.Change{InputID: r.InputID, ConceptID: r.ConceptID, New: r.Value, Action: writeback.ActionAdded})
		case clarifai.OutcomeOverwritten:
			audit = append(audit, writeback.Change{InputID: r.InputID, ConceptID: r.ConceptID, New: r.Value, Old: r.Existing[0].Value, HadOld: true, Action: writeback.ActionUpdated})
		}
	}
	sum, err := pushLabels(ctx, opts.Factory, c, anns, pushRequest{Journal: opts.Journal, Overwrite: opts.Overwrite, DryRun: opts.DryRun, Report: report})
	// What the app confirmed has landed, whatever failed besides: its
	// changes go to the audit log, and the run is marked committed.
	if len(audit) > 0 {
		run := fmt.Sprintf("%s-%d", opts.Now().UTC().Format("20060102T150405.000000000"), os.Getpid())
		lerr := writeAudit(opts, opts.To, run, audit, nil)
		if lerr == nil {
			lerr = writeAudit(opts, opts.To, run, nil, nil)
		}
		if lerr != nil {
			return fmt.Errorf("%s was written, but the audit log %s failed: %w", opts.To, opts.Log, lerr)
		}
	}
	return finishPush(opts.IO, opts.To, sum, t, err, opts.DryRun, opts.Overwrite, "--overwrite")
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
