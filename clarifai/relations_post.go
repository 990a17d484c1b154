package clarifai

//go:generate protoc -I proto --go_out=apipb --go_opt=module=curate.dev/clarifai/apipb clarifai/api/relations_post.proto

import (
	"context"
	"fmt"
	"slices"

	"curate.dev/clarifai/apipb"
	"curate.dev/dataset"
)

// RelationsPlan is what [Client.PlanRelations] finds: the relations the
// app lacks, and how many it already has.
type RelationsPlan struct {
	// Missing are the relations to post, deduplicated, in input order.
	Missing []dataset.Relation
	// Present counts distinct relations of rels the app already holds,
	// in either direction (husky hyponym dog is dog hypernym husky; synonyms in
	// either order).
	Present int
}

// relationKey is a relation's meaning, whatever its direction.
func relationKey(r dataset.Relation) [3]string {
	if child, parent, ok := r.Parent(); ok {
		return [3]string{"kind", child, parent}
	}
	a, b := r.Subject, r.Object
	if b < a {
		a, b = b, a
	}
	return [3]string{string(r.Predicate), a, b}
}

// PlanRelations lists the app's relations and returns which of rels it
// lacks. It writes nothing.
func (c *Client) PlanRelations(ctx context.Context, rels []dataset.Relation) (RelationsPlan, error) {
	have, err := c.Relations(ctx)
	if err != nil {
		return RelationsPlan{}, err
	}
	inApp := map[[3]string]bool{}
	for _, r := range have {
		inApp[relationKey(r)] = true
	}
	planned := map[[3]string]bool{}
	var p RelationsPlan
	for _, r := range rels {
		k := relationKey(r)
		switch {
		case inApp[k]:
			p.Present++
			inApp[k] = false // count each once
			planned[k] = true
		case !planned[k]:
			planned[k] = true
			p.Missing = append(p.Missing, r)
		}
	}
	return p, nil
}

// PostRelations adds to the app the relations of rels it lacks, one
// PostConceptRelations call per subject concept, and returns the plan it
// carried out. A post is not idempotent, so after a transient failure
// (the reply may have been lost with the relations stored) it lists the
// app again and posts only what is still missing.
func (c *Client) PostRelations(ctx context.Context, rels []dataset.Relation) (RelationsPlan, error) {
	first, err := c.PlanRelations(ctx, rels)
	if err != nil {
		return RelationsPlan{}, err
	}
	plan := first
	for n := 0; ; n++ {
		err = c.postMissing(ctx, plan.Missing)
		if err == nil || !transient(err) || n+1 >= c.retry.Attempts {
			return first, err
		}
		if err := c.sleep(ctx, c.backoff(n, err)); err != nil {
			return first, err
		}
		if plan, err = c.PlanRelations(ctx, rels); err != nil {
			return first, err
		}
	}
}

func (c *Client) postMissing(ctx context.Context, rels []dataset.Relation) error {
	var subjects []string
	by := map[string][]*apipb.ConceptRelation{}
	for _, r := range rels {
		if _, ok := by[r.Subject]; !ok {
			subjects = append(subjects, r.Subject)
		}
		by[r.Subject] = append(by[r.Subject], &apipb.ConceptRelation{ObjectConcept: &apipb.Concept{Id: r.Object}, Predicate: string(r.Predicate)})
	}
	slices.Sort(subjects)
	for _, s := range subjects {
		req := &apipb.PostConceptRelationsRequest{UserAppId: c.userApp(), ConceptId: s, ConceptRelations: by[s]}
		err := c.once(ctx, "PostConceptRelations", func(ctx context.Context) (*apipb.Status, error) {
			resp, err := apipb.PostConceptRelations(ctx, c.api, req)
			return resp.GetStatus(), err
		})
		if err != nil {
			return fmt.Errorf("%w (relations of %s)", err, s)
		}
	}
	return nil
}
