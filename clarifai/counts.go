package clarifai

import (
	"context"
	"errors"

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
