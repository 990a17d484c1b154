package writeback

import (
	"github.com/apache/arrow/go/v15/arrow"

	"curate.dev/dataset"
)

// ChosenChanges returns the changes that [Apply] would write, as
// annotations, without a source to merge them into: the rows accepted by
// the reviewer that pass opts' filters (Concepts, MinScore,
// TopPerConcept), repeats dropped, in table order. It is how a change set
// goes to a remote target such as a Clarifai app. Values are explicit and
// the annotator is opts.Annotator (a user). Contradicting rows for one
// input and concept are an error wrapping [ErrConflict].
func ChosenChanges(changes arrow.Table, opts Options) ([]dataset.Annotation, error) {
	cs, err := loadChanges(changes, &opts)
	if err != nil {
		return nil, err
	}
	var out []dataset.Annotation
	for i := range cs.all {
		c := &cs.all[i]
		if !c.chosen {
			continue
		}
		a := dataset.Annotation{InputID: c.inputID, ConceptID: c.conceptID, ConceptName: c.conceptName, Value: c.value, Source: dataset.ValueExplicit}
		if opts.Annotator != "" {
			a.Annotator, a.AnnotatorKind = opts.Annotator, dataset.AnnotatorUser
		}
		out = append(out, a)
	}
	return out, nil
}
