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
// absent value may change nothing; the read-back catches that.
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
	for i := range check {
		it := &check[i]
		same, opp := h.split(it)
		switch {
		case len(opp) == 0 && len(same) > 0:
			r.add(c, it, OutcomeOverwritten, it.opp)
		case it.value == 0:
			r.fail(c, it, apipb.StatusCode_ANNOTATION_MODIFY_FAILED, fmt.Sprintf(
				"PatchAnnotations (merge) answered, but annotation %s still holds %g: over gRPC a 0.0 is not on the wire and the service did not apply it; change this label in the Portal",
				opp[0].AnnotationID, opp[0].Value))
		case len(opp) > 0:
			r.fail(c, it, apipb.StatusCode_ANNOTATION_MODIFY_FAILED, fmt.Sprintf("PatchAnnotations (merge) answered, but annotation %s still holds %g", opp[0].AnnotationID, opp[0].Value))
		default:
			r.fail(c, it, apipb.StatusCode_ANNOTATION_MODIFY_FAILED, "PatchAnnotations (merge) answered, but the annotation no longer holds the concept")
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
