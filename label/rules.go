package label

import "curate.dev/dataset"

// DefaultModelThreshold is the score from which a model's or a workflow's
// annotation counts as a positive when models are counted.
const DefaultModelThreshold = 0.5

// SoftThreshold splits a person's value strictly between 0 and 1 (read
// with dataset.WithSoftValues): from it on the value is a positive, below
// it a negative.
const SoftThreshold = 0.5

// Rules say how annotation rows become labels. The zero value leaves model
// and workflow annotations out and counts no relations.
type Rules struct {
	// IncludeModels counts annotations made by a model or a workflow
	// (annotator kind "model" or "workflow"); they are scores, not labels,
	// and are left out (counted as excluded) by default.
	IncludeModels bool
	// ModelThreshold splits counted model scores: from it on a positive,
	// below it a negative. 0 means DefaultModelThreshold.
	ModelThreshold float32
	// Hierarchy closes labels over concept relations (nil: none): a
	// positive also counts for the concept's hypernyms and synonyms, a
	// negative for its hyponyms and synonyms.
	Hierarchy *Hierarchy
}

func (r Rules) modelThreshold() float32 {
	if r.ModelThreshold == 0 {
		return DefaultModelThreshold
	}
	return r.ModelThreshold
}

// Classify returns the label a row of value v made by an annotator of kind
// k carries: [Positive] or [Negative], or 0 when the rules leave the row
// out (a model's score while models are not counted). Values of 1 and 0
// are positive and negative; values in between are split at
// [SoftThreshold] for people and at the model threshold for models and
// workflows.
func (r Rules) Classify(v float32, k dataset.AnnotatorKind) Flags {
	th := float32(SoftThreshold)
	if IsModel(k) {
		if !r.IncludeModels {
			return 0
		}
		th = r.modelThreshold()
	}
	if v >= th {
		return Positive
	}
	return Negative
}

// IsModel reports whether an annotator of kind k makes scores rather than
// labels (a model or a workflow).
func IsModel(k dataset.AnnotatorKind) bool {
	return k == dataset.AnnotatorModel || k == dataset.AnnotatorWorkflow
}

// Implicit reports whether a value from source s counts as implicit: one
// the source is known to have omitted (Clarifai JSON without "value",
// read as a positive by the HTTP rule). A value read over gRPC is not: the
// wire cannot tell a stated 0.0 from an omitted one, and both are
// negatives.
func Implicit(s dataset.ValueSource) bool { return s.Implicit() }
