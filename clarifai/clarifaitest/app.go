package clarifaitest

import (
	"fmt"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	"curate.dev/clarifai/apipb"
)

// App is one app's data. Its methods seed and inspect it; they are safe to
// call while the server runs.
type App struct {
	s             *Server
	userID, appID string

	inputs    []*apipb.Input
	inputPos  map[string]int
	anns      []*apipb.Annotation
	annByID   map[string]*apipb.Annotation
	byInput   map[string][]*apipb.Annotation
	concepts  []*apipb.Concept
	conceptIx map[string]int
	relations []*apipb.ConceptRelation
	nextID    int
}

func newApp(s *Server, userID, appID string) *App {
	return &App{s: s, userID: userID, appID: appID, inputPos: map[string]int{}, annByID: map[string]*apipb.Annotation{},
		byInput: map[string][]*apipb.Annotation{}, conceptIx: map[string]int{}}
}

// AddInput stores in as PostInputs would: its data.concepts become the
// input-level annotation (id "il-" + input id, made by the app's user).
func (a *App) AddInput(in *apipb.Input) error {
	a.s.mu.Lock()
	defer a.s.mu.Unlock()
	return a.addInput(proto.Clone(in).(*apipb.Input))
}

func (a *App) addInput(in *apipb.Input) error {
	if in.GetId() == "" {
		a.nextID++
		in.Id = fmt.Sprintf("input-%d", a.nextID)
	}
	if _, dup := a.inputPos[in.Id]; dup {
		return fmt.Errorf("input %s exists", in.Id)
	}
	in.Status = st(apipb.StatusCode_INPUT_SUCCESS, "Download complete")
	in.CreatedAt = timestamppb.Now()
	a.inputPos[in.Id] = len(a.inputs)
	a.inputs = append(a.inputs, in)
	if cs := in.GetData().GetConcepts(); len(cs) > 0 {
		il := &apipb.Annotation{
			Id: "il-" + in.Id, InputId: in.Id, InputLevel: true,
			// The input's concepts are its input-level annotation: one
			// copy, shared (a patch of the annotation shows on the input).
			Data:   &apipb.Data{Concepts: cs},
			Worker: &apipb.Worker{Worker: &apipb.Worker_User{User: &apipb.User{Id: a.userID}}},
		}
		if _, err := a.addAnnotation(il); err != nil {
			return err
		}
	}
	return nil
}

// AddAnnotation stores an annotation as given (worker and all), so tests
// can seed model output. It fails on an unknown input or a taken id.
func (a *App) AddAnnotation(ann *apipb.Annotation) error {
	a.s.mu.Lock()
	defer a.s.mu.Unlock()
	_, err := a.addAnnotation(proto.Clone(ann).(*apipb.Annotation))
	return err
}

// addAnnotation stores ann; code is the item status to report.
func (a *App) addAnnotation(ann *apipb.Annotation) (apipb.StatusCode, error) {
	if _, ok := a.inputPos[ann.GetInputId()]; !ok {
		return apipb.StatusCode_INPUT_DOES_NOT_EXIST, fmt.Errorf("input %q does not exist", ann.GetInputId())
	}
	if ann.GetId() == "" {
		a.nextID++
		ann.Id = fmt.Sprintf("ann-%d", a.nextID)
	}
	if _, dup := a.annByID[ann.Id]; dup {
		if d := a.s.DuplicateStatus; d != nil {
			return d.GetCode(), fmt.Errorf("%s (%s)", d.GetDescription(), d.GetDetails())
		}
		return apipb.StatusCode_DATABASE_DUPLICATE_KEY, fmt.Errorf("annotation %s already exists", ann.Id)
	}
	for _, c := range ann.GetData().GetConcepts() {
		if c.GetId() == "" {
			return apipb.StatusCode_ANNOTATION_INVALID_ARGUMENT, fmt.Errorf("concept without id")
		}
		a.addConcept(&apipb.Concept{Id: c.GetId(), Name: c.GetName()})
	}
	ann.Status = st(apipb.StatusCode_ANNOTATION_SUCCESS, "Annotation success")
	if ann.CreatedAt == nil {
		ann.CreatedAt = timestamppb.Now()
	}
	a.anns = append(a.anns, ann)
	a.annByID[ann.Id] = ann
	a.byInput[ann.InputId] = append(a.byInput[ann.InputId], ann)
	return apipb.StatusCode_ANNOTATION_SUCCESS, nil
}

func (a *App) addConcept(c *apipb.Concept) {
	if i, ok := a.conceptIx[c.GetId()]; ok {
		if a.concepts[i].Name == "" {
			a.concepts[i].Name = c.GetName()
		}
		return
	}
	a.conceptIx[c.GetId()] = len(a.concepts)
	a.concepts = append(a.concepts, &apipb.Concept{Id: c.GetId(), Name: c.GetName(), AppId: a.appID, UserId: a.userID})
}

// AddConcept stores a concept (its id and name).
func (a *App) AddConcept(id, name string) {
	a.s.mu.Lock()
	defer a.s.mu.Unlock()
	a.addConcept(&apipb.Concept{Id: id, Name: name})
}

// AddRelation stores a concept relation (subject predicate object).
func (a *App) AddRelation(subject, predicate, object string) {
	a.s.mu.Lock()
	defer a.s.mu.Unlock()
	a.relations = append(a.relations, &apipb.ConceptRelation{
		Id: fmt.Sprintf("rel-%d", len(a.relations)+1), SubjectConcept: &apipb.Concept{Id: subject},
		ObjectConcept: &apipb.Concept{Id: object}, Predicate: predicate,
	})
}

// Annotations returns copies of all stored annotations, oldest first.
func (a *App) Annotations() []*apipb.Annotation {
	a.s.mu.Lock()
	defer a.s.mu.Unlock()
	out := make([]*apipb.Annotation, len(a.anns))
	for i, x := range a.anns {
		out[i] = proto.Clone(x).(*apipb.Annotation)
	}
	return out
}

// NumInputs returns the number of inputs.
func (a *App) NumInputs() int {
	a.s.mu.Lock()
	defer a.s.mu.Unlock()
	return len(a.inputs)
}

func (a *App) deleteAnnotation(id string) {
	ann := a.annByID[id]
	if ann == nil {
		return
	}
	delete(a.annByID, id)
	a.anns = without(a.anns, ann)
	a.byInput[ann.InputId] = without(a.byInput[ann.InputId], ann)
}

func without(s []*apipb.Annotation, x *apipb.Annotation) []*apipb.Annotation {
	for i, y := range s {
		if y == x {
			return append(s[:i:i], s[i+1:]...)
		}
	}
	return s
}

// byModel reports whether a model or workflow made ann.
func byModel(ann *apipb.Annotation) bool {
	w := ann.GetWorker()
	return w.GetModel() != nil || w.GetWorkflow() != nil || ann.GetModelVersionId() != ""
}
