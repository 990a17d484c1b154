package clarifaitest

import (
	"context"
	"fmt"

	"google.golang.org/protobuf/proto"

	"curate.dev/clarifai/apipb"
)

var _ apipb.ConceptRelationPoster = (*Server)(nil)

// PostConceptRelations stores relations whose subject is concept_id, as
// Clarifai does: both concepts must exist, the predicate must be
// hyponym, hypernym or synonym, and a relation the app already holds (in
// either direction) is refused, failing the whole request.
func (s *Server) PostConceptRelations(ctx context.Context, r *apipb.PostConceptRelationsRequest) (*apipb.MultiConceptRelationResponse, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, f, bad, err := s.begin(ctx, "PostConceptRelations", r.GetUserAppId())
	if bad != nil || err != nil {
		return &apipb.MultiConceptRelationResponse{Status: bad}, err
	}
	invalid := func(format string, args ...any) (*apipb.MultiConceptRelationResponse, error) {
		return &apipb.MultiConceptRelationResponse{Status: st(apipb.StatusCode_CONCEPTS_INVALID_REQUEST, fmt.Sprintf(format, args...))}, nil
	}
	subj := r.GetConceptId()
	if _, ok := a.conceptIx[subj]; !ok {
		return invalid("concept %q not found", subj)
	}
	if len(r.GetConceptRelations()) == 0 {
		return invalid("no concept relations")
	}
	for _, x := range r.GetConceptRelations() {
		obj := x.GetObjectConcept().GetId()
		if _, ok := a.conceptIx[obj]; !ok {
			return invalid("concept %q not found", obj)
		}
		switch x.GetPredicate() {
		case "hyponym", "hypernym", "synonym":
		default:
			return invalid("predicate %q: want hyponym, hypernym or synonym", x.GetPredicate())
		}
		if a.hasRelation(subj, x.GetPredicate(), obj) {
			return invalid("relation %s %s %s exists", subj, x.GetPredicate(), obj)
		}
	}
	resp := &apipb.MultiConceptRelationResponse{Status: success()}
	for _, x := range r.GetConceptRelations() {
		rel := &apipb.ConceptRelation{
			Id: fmt.Sprintf("rel-%d", len(a.relations)+1), SubjectConcept: &apipb.Concept{Id: subj},
			ObjectConcept: &apipb.Concept{Id: x.GetObjectConcept().GetId()}, Predicate: x.GetPredicate(),
		}
		a.relations = append(a.relations, rel)
		resp.ConceptRelations = append(resp.ConceptRelations, proto.Clone(rel).(*apipb.ConceptRelation))
	}
	return resp, lost(f)
}

// hasRelation reports whether the app holds subject predicate object or
// its inverse (hyponym ↔ hypernym, synonyms either way).
func (a *App) hasRelation(subject, predicate, object string) bool {
	inverse := map[string]string{"hyponym": "hypernym", "hypernym": "hyponym", "synonym": "synonym"}[predicate]
	for _, x := range a.relations {
		s, o, p := x.GetSubjectConcept().GetId(), x.GetObjectConcept().GetId(), x.GetPredicate()
		if (s == subject && o == object && p == predicate) || (s == object && o == subject && p == inverse) {
			return true
		}
	}
	return false
}

// Relations returns copies of the stored concept relations, oldest first.
func (a *App) Relations() []*apipb.ConceptRelation {
	a.s.mu.Lock()
	defer a.s.mu.Unlock()
	out := make([]*apipb.ConceptRelation, len(a.relations))
	for i, x := range a.relations {
		out[i] = proto.Clone(x).(*apipb.ConceptRelation)
	}
	return out
}
