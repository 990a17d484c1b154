package clarifai

import (
	"context"
	"errors"
	"fmt"

	"curate.dev/clarifai/apipb"
)

// patchConflicts overwrites, for each item, the annotations that hold the
// opposite value: PatchAnnotations with action merge on the annotation's
// own id, one concept with the value set explicitly (other concepts of an
// input-level annotation are left as they are). A merge is idempotent,
// so unclear failures are simply retried. Every item is then read back:
// it is overwritten only if the app now holds its value and not the
// opposite one. Over gRPC a 0.0 is not on the wire and a merge of an
// absent value may change nothing; the read-back catches that, and
// replaceWithNegative does the change another way.
func (c *Client) patchConflicts(ctx context.Context, items []item, r *batchResult) {
	// One patch per annotation, carrying every concept of it to change.
	type target struct {
		ann   *apipb.Annotation
		items []int
	}
	var order []string
	targets := map[string]*target{}
	for i := range items {
		it := &items[i]
		for _, e := range it.opp {
			t := targets[e.AnnotationID]
			if t == nil {
				t = &target{ann: &apipb.Annotation{Id: e.AnnotationID, InputId: it.input, Data: &apipb.Data{}}}
				targets[e.AnnotationID] = t
				order = append(order, e.AnnotationID)
			}
			t.ann.Data.Concepts = append(t.ann.Data.Concepts, &apipb.Concept{Id: it.conc, Value: it.value})
			t.items = append(t.items, i)
		}
	}
	failed := make([]bool, len(items))
	for start := 0; start < len(order); start += MaxBatch {
		chunk := order[start:min(start+MaxBatch, len(order))]
		req := &apipb.PatchAnnotationsRequest{UserAppId: c.userApp(), Action: "merge"}
		for _, id := range chunk {
			req.Annotations = append(req.Annotations, targets[id].ann)
		}
		refused, err := c.patch(ctx, req, r)
		if err != nil {
			r.err = err
			return
		}
		for id, st := range refused {
			for _, i := range targets[id].items {
				if !failed[i] {
					failed[i] = true
					r.fail(c, &items[i], st.GetCode(), "PatchAnnotations: "+st.GetDescription())
				}
			}
		}
	}
	var check []item
	for i := range items {
		if !failed[i] {
			check = append(check, items[i])
		}
	}
	if len(check) == 0 {
		return
	}
	h, err := c.holdings(ctx, check, &r.reads)
	if err != nil {
		r.err = err
		return
	}
	var redo []item
	for i := range check {
		it := &check[i]
		same, opp := h.split(it)
		switch {
		case len(opp) == 0 && len(same) > 0:
			r.add(c, it, OutcomeOverwritten, it.opp)
		case it.value == 0 && len(opp) > 0:
			// Over gRPC a 0.0 is not on the wire, and the service took
			// the merge as "no value given".
			redo = append(redo, *it)
		case len(opp) > 0:
			r.fail(c, it, apipb.StatusCode_ANNOTATION_MODIFY_FAILED, fmt.Sprintf("PatchAnnotations (merge) answered, but annotation %s still holds %g", opp[0].AnnotationID, opp[0].Value))
		default:
			r.fail(c, it, apipb.StatusCode_ANNOTATION_MODIFY_FAILED, "PatchAnnotations (merge) answered, but the annotation no longer holds the concept")
		}
	}
	if len(redo) > 0 {
		c.replaceWithNegative(ctx, redo, r)
	}
}

// replaceWithNegative turns a positive into a negative where a merge
// that sets 0.0 changed nothing: it posts the negative as a new
// annotation first, then removes the concept from the annotations that
// held the positive (PatchAnnotations, action remove), and reads back.
// In that order a failure leaves both values (the conflict as it was,
// reported), never neither.
func (c *Client) replaceWithNegative(ctx context.Context, items []item, r *batchResult) {
	orig := make(map[[2]string][]Existing, len(items))
	for i := range items {
		items[i].replace = true
		orig[[2]string{items[i].input, items[i].conc}] = items[i].opp
	}
	var sub batchResult
	c.postNew(ctx, items, &sub)
	r.requests += sub.requests
	r.retries += sub.retries
	r.reads += sub.reads
	r.verifies += sub.verifies
	if sub.err != nil {
		r.err = sub.err
		return
	}
	var posted []item
	for _, res := range sub.results {
		if res.Outcome != OutcomePosted && res.Outcome != OutcomePresent {
			r.results = append(r.results, res) // failed: the positive stays, reported
			continue
		}
		it := item{id: AnnotationID(res.InputID, res.ConceptID, res.Value), input: res.InputID, conc: res.ConceptID, value: res.Value,
			opp: orig[[2]string{res.InputID, res.ConceptID}]}
		posted = append(posted, it)
	}
	if len(posted) == 0 {
		return
	}
	req := &apipb.PatchAnnotationsRequest{UserAppId: c.userApp(), Action: "remove"}
	byAnn := map[string]*apipb.Annotation{}
	for i := range posted {
		for _, e := range posted[i].opp {
			a := byAnn[e.AnnotationID]
			if a == nil {
				a = &apipb.Annotation{Id: e.AnnotationID, InputId: posted[i].input, Data: &apipb.Data{}}
				byAnn[e.AnnotationID] = a
				req.Annotations = append(req.Annotations, a)
			}
			a.Data.Concepts = append(a.Data.Concepts, &apipb.Concept{Id: posted[i].conc})
		}
	}
	refused := map[string]*apipb.Status{}
	for start := 0; start < len(req.Annotations); start += MaxBatch {
		chunk := &apipb.PatchAnnotationsRequest{UserAppId: req.UserAppId, Action: req.Action, Annotations: req.Annotations[start:min(start+MaxBatch, len(req.Annotations))]}
		bad, err := c.patch(ctx, chunk, r)
		if err != nil {
			r.err = err
			return
		}
		for id, st := range bad {
			refused[id] = st
		}
	}
	h, err := c.holdings(ctx, posted, &r.reads)
	if err != nil {
		r.err = err
		return
	}
	for i := range posted {
		it := &posted[i]
		same, opp := h.split(it)
		switch {
		case len(opp) == 0 && len(same) > 0:
			r.add(c, it, OutcomeOverwritten, it.opp)
		case len(opp) > 0:
			why := "the service answered"
			if st := refused[opp[0].AnnotationID]; st != nil {
				why = "the service refused it: " + codeName(st.GetCode()) + " " + st.GetDescription()
			}
			r.fail(c, it, apipb.StatusCode_ANNOTATION_MODIFY_FAILED, fmt.Sprintf(
				"a merge setting 0.0 (not on the gRPC wire) left annotation %s at %g; the negative was posted as %s, but removing the positive (action remove) did not take (%s): the app holds both",
				opp[0].AnnotationID, opp[0].Value, it.id, why))
		default:
			r.fail(c, it, apipb.StatusCode_ANNOTATION_MODIFY_FAILED, "the positive was removed, but the negative posted to replace it is not listed")
		}
	}
}

// patch sends one PatchAnnotations until it gets a reply, retrying
// transient and unclear failures (a merge that sets a value is
// idempotent). It returns the annotations the reply refused, by id.
func (c *Client) patch(ctx context.Context, req *apipb.PatchAnnotationsRequest, r *batchResult) (map[string]*apipb.Status, error) {
	stalls := 0
	for n := 0; ; n++ {
		if n > 0 {
			r.retries++
		}
		r.requests++
		var resp *apipb.MultiAnnotationResponse
		err := c.once(ctx, "PatchAnnotations", func(ctx context.Context) (*apipb.Status, error) {
			var err error
			resp, err = c.api.PatchAnnotations(ctx, req)
			return resp.GetStatus(), err
		}, apipb.StatusCode_MIXED_STATUS, apipb.StatusCode_FAILURE)
		if err != nil {
			if ctx.Err() != nil {
				return nil, err
			}
			again, err := c.retryable(err, n, &stalls)
			if !again {
				var se *StatusError
				if errors.As(err, &se) && !errors.Is(err, ErrUnauthenticated) && !errors.Is(err, ErrAppNotFound) && !transientCode(se.Code) {
					all := map[string]*apipb.Status{}
					for _, a := range req.Annotations {
						all[a.Id] = &apipb.Status{Code: se.Code, Description: se.Description}
					}
					return all, nil
				}
				return nil, err
			}
			if e := c.sleep(ctx, c.backoff(n, err)); e != nil {
				return nil, e
			}
			continue
		}
		refused := map[string]*apipb.Status{}
		var retry []*apipb.Annotation
		for _, a := range resp.GetAnnotations() {
			code := a.GetStatus().GetCode()
			switch {
			case code == 0 || itemOK(code):
			case transientCode(code):
				retry = append(retry, a)
			default:
				refused[a.GetId()] = a.GetStatus()
			}
		}
		if resp.GetStatus().GetCode() == apipb.StatusCode_FAILURE && len(resp.GetAnnotations()) == 0 {
			for _, a := range req.Annotations {
				refused[a.Id] = resp.GetStatus()
			}
		}
		if len(retry) == 0 || n+1 >= c.retry.Attempts {
			for _, a := range retry {
				refused[a.GetId()] = a.GetStatus()
			}
			return refused, nil
		}
		keep := req.Annotations[:0:0]
		for _, a := range req.Annotations {
			for _, x := range retry {
				if x.GetId() == a.Id {
					keep = append(keep, a)
				}
			}
		}
		req = &apipb.PatchAnnotationsRequest{UserAppId: req.UserAppId, Action: req.Action, Annotations: keep}
		if e := c.sleep(ctx, c.backoff(n, &StatusError{Code: retry[0].GetStatus().GetCode()})); e != nil {
			return nil, e
		}
	}
}
