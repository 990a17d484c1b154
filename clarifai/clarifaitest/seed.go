package clarifaitest

import (
	"fmt"

	"github.com/apache/arrow/go/v15/arrow/array"

	"curate.dev/clarifai/apipb"
	"curate.dev/dataset"
)

// Seed stores every input r reads, as PostInputs would: its human labels
// without an annotation id become the input's concepts (and so its
// input-level annotation); rows with an annotation id, or by a model or
// workflow, become annotations of their own with that author. It returns
// the inputs and annotation rows stored.
func (a *App) Seed(r *dataset.Reader) (inputs, rows int, err error) {
	carry := map[string][]dataset.Annotation{}
	for r.Next() {
		anns, err := dataset.AppendAnnotations(nil, r.Annotations())
		if err != nil {
			return inputs, rows, err
		}
		for _, x := range anns {
			carry[x.InputID] = append(carry[x.InputID], x)
		}
		ids, ok := r.Inputs().Column(0).(*array.String)
		if !ok {
			return inputs, rows, fmt.Errorf("clarifaitest: seed: no input ids")
		}
		for i := range ids.Len() {
			id := ids.Value(i)
			n, err := a.seedInput(id, carry[id])
			if err != nil {
				return inputs, rows, err
			}
			delete(carry, id)
			inputs++
			rows += n
		}
	}
	if err := r.Err(); err != nil {
		return inputs, rows, err
	}
	if len(carry) > 0 {
		return inputs, rows, fmt.Errorf("clarifaitest: seed: %d input(s) with annotations but no input record", len(carry))
	}
	return inputs, rows, nil
}

func (a *App) seedInput(id string, anns []dataset.Annotation) (int, error) {
	in := &apipb.Input{Id: id, Data: &apipb.Data{Image: &apipb.Image{Url: "https://example.com/" + id + ".jpg"}}}
	var own []*apipb.Annotation
	byID := map[string]*apipb.Annotation{}
	for _, x := range anns {
		c := &apipb.Concept{Id: x.ConceptID, Name: x.ConceptName, Value: x.Value}
		if x.AnnotationID == "" && (x.AnnotatorKind == dataset.AnnotatorUnknown || x.AnnotatorKind == dataset.AnnotatorUser) && x.Annotator == "" {
			in.Data.Concepts = append(in.Data.Concepts, c)
			continue
		}
		key := x.AnnotationID
		if key == "" {
			key = "by:" + x.Annotator
		}
		ann := byID[key]
		if ann == nil {
			ann = &apipb.Annotation{Id: x.AnnotationID, InputId: id, Data: &apipb.Data{}}
			switch x.AnnotatorKind {
			case dataset.AnnotatorModel:
				ann.Worker = &apipb.Worker{Worker: &apipb.Worker_Model{Model: &apipb.Model{Id: x.Annotator}}}
			case dataset.AnnotatorWorkflow:
				ann.Worker = &apipb.Worker{Worker: &apipb.Worker_Workflow{Workflow: &apipb.Workflow{Id: x.Annotator}}}
			default:
				ann.Worker = &apipb.Worker{Worker: &apipb.Worker_User{User: &apipb.User{Id: x.Annotator}}}
			}
			byID[key] = ann
			own = append(own, ann)
		}
		ann.Data.Concepts = append(ann.Data.Concepts, c)
	}
	a.s.mu.Lock()
	defer a.s.mu.Unlock()
	if err := a.addInput(in); err != nil {
		return 0, err
	}
	for _, ann := range own {
		if _, err := a.addAnnotation(ann); err != nil {
			return 0, err
		}
	}
	return len(anns), nil
}
