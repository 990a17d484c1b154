package balance

import (
	"bufio"
	"encoding/json"
	"io"
	"math"

	"curate.dev/dataset"
)

// jsonInferred is one line of [WriteInferredRelations]: a Clarifai
// ConceptRelation with the inference's figures in extra fields, which
// [dataset.ReadRelations] ignores.
type jsonInferred struct {
	SubjectConcept jsonID       `json:"subject_concept"`
	ObjectConcept  jsonID       `json:"object_concept"`
	Predicate      string       `json:"predicate"`
	Inferred       bool         `json:"inferred"`
	Confidence     float64      `json:"confidence"`
	Evidence       jsonEvidence `json:"evidence"`
}

type jsonID struct {
	ID string `json:"id"`
}

type jsonEvidence struct {
	Signals            []string `json:"signals"`
	SubjectPositives   int      `json:"subject_positives"`
	ObjectPositives    int      `json:"object_positives"`
	Together           int      `json:"together"`
	ExpectedTogether   float64  `json:"expected_together"`
	ObjectGivenSubject float64  `json:"object_given_subject"`
	SubjectGivenObject float64  `json:"subject_given_object"`
	NotSubjectOnObject int      `json:"not_subject_on_object"`
	NotObjectOnSubject int      `json:"not_object_on_subject"`
	Similarity         *float64 `json:"similarity"`
	SubjectSpread      *float64 `json:"subject_spread"`
	ObjectSpread       *float64 `json:"object_spread"`
	SubjectInObject    *float64 `json:"subject_in_object"`
	NegativeProfile    *float64 `json:"negative_profile"`
}

func nanNull(x float64) *float64 {
	if math.IsNaN(x) {
		return nil
	}
	return &x
}

// WriteInferredRelations writes rels as Clarifai ConceptRelation JSONL,
// one per line, for a person to confirm, edit and pass back as relations:
//
//	{"subject_concept":{"id":"wolf"},"object_concept":{"id":"canine"},"predicate":"hyponym","inferred":true,"confidence":0.97,"evidence":{…}}
//
// The evidence fields are those of [Evidence]; figures that need
// embeddings are null without them.
func WriteInferredRelations(w io.Writer, rels []InferredRelation) error {
	bw := bufio.NewWriter(w)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	for _, r := range rels {
		e := r.Evidence
		j := jsonInferred{
			SubjectConcept: jsonID{r.Subject}, ObjectConcept: jsonID{r.Object}, Predicate: string(r.Predicate),
			Inferred: true, Confidence: r.Confidence,
			Evidence: jsonEvidence{
				Signals: e.Signals, SubjectPositives: e.SubjectPositives, ObjectPositives: e.ObjectPositives,
				Together: e.Together, ExpectedTogether: e.ExpectedTogether,
				ObjectGivenSubject: e.ObjectGivenSubject, SubjectGivenObject: e.SubjectGivenObject,
				NotSubjectOnObject: e.NotSubjectOnObject, NotObjectOnSubject: e.NotObjectOnSubject,
				Similarity: nanNull(e.Similarity), SubjectSpread: nanNull(e.SubjectSpread), ObjectSpread: nanNull(e.ObjectSpread),
				SubjectInObject: nanNull(e.SubjectInObject), NegativeProfile: nanNull(e.NegativeProfile),
			},
		}
		if j.Evidence.Signals == nil {
			j.Evidence.Signals = []string{}
		}
		if err := enc.Encode(j); err != nil {
			return err
		}
	}
	return bw.Flush()
}

// Relations returns rels as plain relations, in order.
func Relations(rels []InferredRelation) []dataset.Relation {
	out := make([]dataset.Relation, len(rels))
	for i, r := range rels {
		out[i] = r.Relation()
	}
	return out
}
