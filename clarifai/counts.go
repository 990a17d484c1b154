package clarifai

import (
	"context"
	"errors"
	"slices"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"curate.dev/clarifai/apipb"
)

// ConceptCount is what the app itself counts for a concept
// (GetConceptCounts): the inputs holding it with value 1.0 and with 0.0.
// Implied negatives are not counted.
type ConceptCount struct {
	ID, Name           string
	Positive, Negative int
}

// ErrNoCounts: the service does not answer GetConceptCounts.
var ErrNoCounts = errors.New("clarifai: the service does not offer per-concept counts (GetConceptCounts)")

// ConceptCounts returns the app's own per-concept counts, all pages. A
// service without the method gives an error matching [ErrNoCounts].
func (c *Client) ConceptCounts(ctx context.Context) ([]ConceptCount, error) {
	var out []ConceptCount
	for pg := uint32(1); ; pg++ {
		var resp *apipb.MultiConceptCountResponse
		err := c.read(ctx, "GetConceptCounts", func(ctx context.Context) (*apipb.Status, error) {
			var err error
			resp, err = c.api.GetConceptCounts(ctx, &apipb.GetConceptCountsRequest{UserAppId: c.userApp(), Page: pg, PerPage: uint32(c.perPage)})
			return resp.GetStatus(), err
		})
		var re *rpcError
		if errors.As(err, &re) && status.Code(re.err) == codes.Unimplemented {
			return nil, ErrNoCounts
		}
		if err != nil {
			return nil, c.red.guard(err)
		}
		if len(resp.GetConceptCounts()) == 0 {
			return out, nil
		}
		for _, k := range resp.GetConceptCounts() {
			out = append(out, ConceptCount{ID: k.GetId(), Name: k.GetName(),
				Positive: int(k.GetConceptTypeCount().GetPositive()), Negative: int(k.GetConceptTypeCount().GetNegative())})
		}
	}
}

// CountMismatch is a concept whose counts in the app and in a pull differ.
type CountMismatch struct {
	ID                   string
	App                  ConceptCount
	PulledPos, PulledNeg int
}

// CompareCounts checks a pull's per-concept label counts
// ([Puller.ConceptCounts]) against the app's own ([Client.ConceptCounts])
// and returns the concepts that differ, in the app's order, then those the
// app does not list.
func CompareCounts(app []ConceptCount, pulled map[string][2]int) []CountMismatch {
	var out []CountMismatch
	listed := make(map[string]bool, len(app))
	for _, a := range app {
		listed[a.ID] = true
		p := pulled[a.ID]
		if p[0] != a.Positive || p[1] != a.Negative {
			out = append(out, CountMismatch{ID: a.ID, App: a, PulledPos: p[0], PulledNeg: p[1]})
		}
	}
	var extra []string
	for id, p := range pulled {
		if !listed[id] && (p[0] > 0 || p[1] > 0) {
			extra = append(extra, id)
		}
	}
	slices.Sort(extra)
	for _, id := range extra {
		p := pulled[id]
		out = append(out, CountMismatch{ID: id, App: ConceptCount{ID: id}, PulledPos: p[0], PulledNeg: p[1]})
	}
	return out
}
