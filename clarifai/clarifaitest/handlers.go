package clarifaitest

import (
	"context"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	"curate.dev/clarifai/apipb"
)

// ListInputs pages through the inputs, oldest first.
func (s *Server) ListInputs(ctx context.Context, r *apipb.ListInputsRequest) (*apipb.MultiInputResponse, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, _, bad, err := s.begin(ctx, "ListInputs", r.GetUserAppId())
	if bad != nil || err != nil {
		return &apipb.MultiInputResponse{Status: bad}, err
	}
	lo, hi := s.window(len(a.inputs), r.GetPage(), r.GetPerPage())
	return &apipb.MultiInputResponse{Status: success(), Inputs: cloneInputs(a.inputs[lo:hi])}, nil
}

// StreamInputs returns the inputs after last_id, oldest first.
func (s *Server) StreamInputs(ctx context.Context, r *apipb.StreamInputsRequest) (*apipb.MultiInputResponse, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, _, bad, err := s.begin(ctx, "StreamInputs", r.GetUserAppId())
	if bad != nil || err != nil {
		return &apipb.MultiInputResponse{Status: bad}, err
	}
	start := 0
	if r.GetLastId() != "" {
		p, ok := a.inputPos[r.GetLastId()]
		if !ok {
			return &apipb.MultiInputResponse{Status: st(apipb.StatusCode_INPUT_DOES_NOT_EXIST, "last_id not found")}, nil
		}
		start = p + 1
	}
	pp := r.GetPerPage()
	if pp == 0 {
		pp = 20
	}
	_, n := s.window(len(a.inputs)-start, 1, pp)
	return &apipb.MultiInputResponse{Status: success(), Inputs: cloneInputs(a.inputs[start : start+n])}, nil
}

func cloneInputs(in []*apipb.Input) []*apipb.Input {
	out := make([]*apipb.Input, len(in))
	for i, x := range in {
		out[i] = proto.Clone(x).(*apipb.Input)
	}
	return out
}

// PostInputs stores inputs; each one's concepts become its input-level
// annotation.
func (s *Server) PostInputs(ctx context.Context, r *apipb.PostInputsRequest) (*apipb.MultiInputResponse, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, f, bad, err := s.begin(ctx, "PostInputs", r.GetUserAppId())
	if bad != nil || err != nil {
		return &apipb.MultiInputResponse{Status: bad}, err
	}
	resp := &apipb.MultiInputResponse{}
	failed := 0
	for _, in := range r.GetInputs() {
		if err := a.addInput(in); err != nil {
			failed++
			in.Status = st(apipb.StatusCode_INPUT_DUPLICATE, err.Error())
		}
		resp.Inputs = append(resp.Inputs, proto.Clone(in).(*apipb.Input))
	}
	resp.Status = overall(failed, len(r.GetInputs()))
	return resp, lost(f)
}

func overall(failed, n int) *apipb.Status {
	switch {
	case failed == 0:
		return success()
	case failed == n:
		return st(apipb.StatusCode_FAILURE, "Failure")
	}
	return st(apipb.StatusCode_MIXED_STATUS, "Mixed status")
}

// ListAnnotations lists by paired ids and input_ids, by input_ids, or the
// whole app; model and workflow annotations only with
// list_all_annotations.
func (s *Server) ListAnnotations(ctx context.Context, r *apipb.ListAnnotationsRequest) (*apipb.MultiAnnotationResponse, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, _, bad, err := s.begin(ctx, "ListAnnotations", r.GetUserAppId())
	if bad != nil || err != nil {
		return &apipb.MultiAnnotationResponse{Status: bad}, err
	}
	var cands []*apipb.Annotation
	switch {
	case len(r.GetIds()) > 0:
		if len(r.GetIds()) != len(r.GetInputIds()) {
			return &apipb.MultiAnnotationResponse{Status: st(apipb.StatusCode_CONN_INVALID_REQUEST, "ids and input_ids must have the same length")}, nil
		}
		for i, id := range r.GetIds() {
			if x := a.annByID[id]; x != nil && x.InputId == r.GetInputIds()[i] {
				cands = append(cands, x)
			}
		}
	case len(r.GetInputIds()) > 0:
		for _, id := range r.GetInputIds() {
			cands = append(cands, a.byInput[id]...)
		}
	default:
		cands = a.anns
	}
	if !r.GetListAllAnnotations() {
		kept := make([]*apipb.Annotation, 0, len(cands))
		for _, x := range cands {
			if !byModel(x) {
				kept = append(kept, x)
			}
		}
		cands = kept
	}
	lo, hi := s.window(len(cands), r.GetPage(), r.GetPerPage())
	out := make([]*apipb.Annotation, hi-lo)
	for i, x := range cands[lo:hi] {
		out[i] = proto.Clone(x).(*apipb.Annotation)
	}
	return &apipb.MultiAnnotationResponse{Status: success(), Annotations: out}, nil
}

// PostAnnotations stores 1 to 128 annotations, each reported with its own
// status.
func (s *Server) PostAnnotations(ctx context.Context, r *apipb.PostAnnotationsRequest) (*apipb.MultiAnnotationResponse, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, f, bad, err := s.begin(ctx, "PostAnnotations", r.GetUserAppId())
	if bad != nil || err != nil {
		return &apipb.MultiAnnotationResponse{Status: bad}, err
	}
	if n := len(r.GetAnnotations()); n < 1 || n > 128 {
		return &apipb.MultiAnnotationResponse{Status: st(apipb.StatusCode_ANNOTATION_INVALID_ARGUMENT, "post between 1 and 128 annotations")}, nil
	}
	resp := &apipb.MultiAnnotationResponse{}
	failed := 0
	for i, ann := range r.GetAnnotations() {
		if f == Mixed && i == 0 {
			failed++
			ann.Status = st(apipb.StatusCode_ANNOTATION_INVALID_ARGUMENT, "injected failure")
			resp.Annotations = append(resp.Annotations, ann)
			continue
		}
		if ann.Worker == nil {
			ann.Worker = &apipb.Worker{Worker: &apipb.Worker_User{User: &apipb.User{Id: a.userID}}}
		}
		code, err := a.addAnnotation(ann)
		out := proto.Clone(ann).(*apipb.Annotation)
		if err != nil {
			failed++
			out.Status = st(code, err.Error())
			if d := s.DuplicateStatus; d != nil && code == d.GetCode() {
				out.Status = proto.Clone(d).(*apipb.Status)
			}
		}
		resp.Annotations = append(resp.Annotations, out)
	}
	resp.Status = overall(failed, len(r.GetAnnotations()))
	return resp, lost(f)
}

// PatchAnnotations supports action "merge" (concepts merged by id: the
// value replaced, unless ZeroMergeIgnored and the patch's value is 0.0)
// and "remove" (concepts with the patch's ids dropped).
func (s *Server) PatchAnnotations(ctx context.Context, r *apipb.PatchAnnotationsRequest) (*apipb.MultiAnnotationResponse, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, f, bad, err := s.begin(ctx, "PatchAnnotations", r.GetUserAppId())
	if bad != nil || err != nil {
		return &apipb.MultiAnnotationResponse{Status: bad}, err
	}
	if r.GetAction() != "merge" && r.GetAction() != "remove" {
		return &apipb.MultiAnnotationResponse{Status: st(apipb.StatusCode_ANNOTATION_INVALID_ARGUMENT, "this server supports actions merge and remove only")}, nil
	}
	resp := &apipb.MultiAnnotationResponse{}
	failed := 0
	for i, p := range r.GetAnnotations() {
		if f == Mixed && i == 0 {
			failed++
			p.Status = st(apipb.StatusCode_ANNOTATION_INVALID_ARGUMENT, "injected failure")
			resp.Annotations = append(resp.Annotations, p)
			continue
		}
		x := a.annByID[p.GetId()]
		if x == nil || x.InputId != p.GetInputId() {
			failed++
			p.Status = st(apipb.StatusCode_ANNOTATION_INVALID_ARGUMENT, "annotation not found")
			resp.Annotations = append(resp.Annotations, p)
			continue
		}
		if r.GetAction() == "remove" {
			drop := map[string]bool{}
			for _, c := range p.GetData().GetConcepts() {
				drop[c.GetId()] = true
			}
			kept := make([]*apipb.Concept, 0, len(x.Data.Concepts))
			for _, y := range x.Data.Concepts {
				if !drop[y.Id] {
					kept = append(kept, y)
				}
			}
			x.Data.Concepts = kept
			if x.InputLevel {
				a.inputs[a.inputPos[x.InputId]].Data.Concepts = kept
			}
			x.ModifiedAt = timestamppb.Now()
			resp.Annotations = append(resp.Annotations, proto.Clone(x).(*apipb.Annotation))
			continue
		}
		for _, c := range p.GetData().GetConcepts() {
			merged := false
			for _, y := range x.Data.Concepts {
				if y.Id == c.GetId() {
					merged = true
					if c.GetValue() != 0 || !s.ZeroMergeIgnored {
						y.Value = c.GetValue()
					}
				}
			}
			if !merged {
				x.Data.Concepts = append(x.Data.Concepts, proto.Clone(c).(*apipb.Concept))
			}
		}
		x.ModifiedAt = timestamppb.Now()
		x.Status = st(apipb.StatusCode_ANNOTATION_SUCCESS, "Annotation success")
		out := proto.Clone(x).(*apipb.Annotation)
		resp.Annotations = append(resp.Annotations, out)
	}
	resp.Status = overall(failed, len(r.GetAnnotations()))
	return resp, lost(f)
}

// DeleteAnnotations deletes the annotations of input_ids (paired with ids
// when given).
func (s *Server) DeleteAnnotations(ctx context.Context, r *apipb.DeleteAnnotationsRequest) (*apipb.BaseResponse, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, f, bad, err := s.begin(ctx, "DeleteAnnotations", r.GetUserAppId())
	if bad != nil || err != nil {
		return &apipb.BaseResponse{Status: bad}, err
	}
	if len(r.GetInputIds()) == 0 || (len(r.GetIds()) > 0 && len(r.GetIds()) != len(r.GetInputIds())) {
		return &apipb.BaseResponse{Status: st(apipb.StatusCode_CONN_INVALID_REQUEST, "input_ids required, paired with ids when given")}, nil
	}
	for i, in := range r.GetInputIds() {
		if len(r.GetIds()) > 0 {
			if x := a.annByID[r.GetIds()[i]]; x != nil && x.InputId == in {
				a.deleteAnnotation(x.Id)
			}
			continue
		}
		for _, x := range append([]*apipb.Annotation(nil), a.byInput[in]...) {
			a.deleteAnnotation(x.Id)
		}
	}
	return &apipb.BaseResponse{Status: success()}, lost(f)
}

// ListConcepts pages through the app's concepts.
func (s *Server) ListConcepts(ctx context.Context, r *apipb.ListConceptsRequest) (*apipb.MultiConceptResponse, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, _, bad, err := s.begin(ctx, "ListConcepts", r.GetUserAppId())
	if bad != nil || err != nil {
		return &apipb.MultiConceptResponse{Status: bad}, err
	}
	lo, hi := s.window(len(a.concepts), r.GetPage(), r.GetPerPage())
	out := make([]*apipb.Concept, hi-lo)
	for i, c := range a.concepts[lo:hi] {
		out[i] = proto.Clone(c).(*apipb.Concept)
	}
	return &apipb.MultiConceptResponse{Status: success(), Concepts: out}, nil
}

// ListConceptRelations pages through the relations, all of them or those
// whose subject is concept_id.
func (s *Server) ListConceptRelations(ctx context.Context, r *apipb.ListConceptRelationsRequest) (*apipb.MultiConceptRelationResponse, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, _, bad, err := s.begin(ctx, "ListConceptRelations", r.GetUserAppId())
	if bad != nil || err != nil {
		return &apipb.MultiConceptRelationResponse{Status: bad}, err
	}
	var rels []*apipb.ConceptRelation
	for _, x := range a.relations {
		if (r.GetConceptId() == "" || x.SubjectConcept.GetId() == r.GetConceptId()) && (r.GetPredicate() == "" || x.Predicate == r.GetPredicate()) {
			rels = append(rels, x)
		}
	}
	lo, hi := s.window(len(rels), r.GetPage(), r.GetPerPage())
	out := make([]*apipb.ConceptRelation, hi-lo)
	for i, x := range rels[lo:hi] {
		out[i] = proto.Clone(x).(*apipb.ConceptRelation)
	}
	return &apipb.MultiConceptRelationResponse{Status: success(), ConceptRelations: out}, nil
}

// GetConceptCounts pages through the concepts with, for each, the inputs
// that hold it with value 1.0 and with 0.0 in a human annotation.
func (s *Server) GetConceptCounts(ctx context.Context, r *apipb.GetConceptCountsRequest) (*apipb.MultiConceptCountResponse, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, _, bad, err := s.begin(ctx, "GetConceptCounts", r.GetUserAppId())
	if bad != nil || err != nil {
		return &apipb.MultiConceptCountResponse{Status: bad}, err
	}
	lo, hi := s.window(len(a.concepts), r.GetPage(), r.GetPerPage())
	if lo == hi {
		return &apipb.MultiConceptCountResponse{Status: success()}, nil
	}
	want := map[string]int{}
	for i, c := range a.concepts[lo:hi] {
		want[c.Id] = i
	}
	counts := make([][2]uint32, hi-lo)
	type key struct {
		i   int
		pos bool
	}
	seen := map[key]bool{}
	for _, in := range a.inputs {
		clear(seen)
		for _, x := range a.byInput[in.Id] {
			if byModel(x) {
				continue
			}
			for _, c := range x.GetData().GetConcepts() {
				i, ok := want[c.GetId()]
				if !ok || (c.GetValue() != 0 && c.GetValue() != 1) {
					continue
				}
				k := key{i, c.GetValue() == 1}
				if !seen[k] {
					seen[k] = true
					if k.pos {
						counts[i][0]++
					} else {
						counts[i][1]++
					}
				}
			}
		}
	}
	out := &apipb.MultiConceptCountResponse{Status: success()}
	for i, c := range a.concepts[lo:hi] {
		tc := &apipb.ConceptTypeCount{Positive: counts[i][0], Negative: counts[i][1]}
		cc := &apipb.ConceptCount{Id: c.Id, Name: c.Name, ConceptTypeCount: tc}
		if s.AdjustCounts != nil {
			s.AdjustCounts(cc)
		}
		out.ConceptCounts = append(out.ConceptCounts, cc)
	}
	return out, nil
}
