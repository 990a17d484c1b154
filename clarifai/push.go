package clarifai

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"strconv"
	"sync"

	"curate.dev/clarifai/apipb"
	"curate.dev/dataset"
)

// MaxBatch is the most annotations Clarifai accepts in one PostAnnotations.
const MaxBatch = 128

// PushOptions tune [Client.Push].
type PushOptions struct {
	// BatchSize is the number of annotations per request (1..128, default 128).
	BatchSize int
	// InFlight is how many requests may be outstanding at once, all within
	// the client's rate limit (default 4).
	InFlight int
	// Journal, when set, receives one line per confirmed annotation (see
	// [Journal]); it is synced after each batch.
	Journal *Journal
	// Progress, when set, is called with the number of annotations settled
	// (confirmed, skipped or failed) so far. Calls may come from several
	// goroutines, one at a time.
	Progress func(settled int)
}

// PushSummary counts the outcome of a push. Requested = Skipped + Posted +
// Present + len(Failed) when the push ran to the end.
type PushSummary struct {
	Requested  int // distinct annotations asked for
	Duplicates int // repeated (input, concept, value) rows folded into one
	Skipped    int // already confirmed in the journal
	Posted     int // written and confirmed by this push
	Present    int // found on the server already (after an ambiguous failure, or a duplicate id)
	Failed     []ItemError
	Requests   int // PostAnnotations calls
	Retries    int // calls repeated after a transient failure
	Verifies   int // ListAnnotations calls made to settle an ambiguous failure
}

// AnnotationID is the id curate gives the input-level annotation of a's
// label: a hash of input id, concept id and value, so posting the same
// label twice can never make two annotations.
func AnnotationID(inputID, conceptID string, value float32) string {
	h := sha256.New()
	h.Write([]byte(inputID))
	h.Write([]byte{0})
	h.Write([]byte(conceptID))
	h.Write([]byte{0})
	h.Write([]byte(strconv.FormatFloat(float64(value), 'g', -1, 32)))
	return "cur-" + hex.EncodeToString(h.Sum(nil)[:16])
}

type item struct {
	id    string
	input string
	conc  string
	value float32
}

// Push writes each annotation's label to the app as an input-level
// annotation with one concept and its value set (a negative goes out as an
// explicit 0.0). Values must be 0 or 1. The key and app are checked first,
// so a wrong key or app writes nothing. Transient failures are retried;
// after an ambiguous one (the request may have been applied) the batch's
// annotations are listed and only the missing ones resent. Items the
// service refuses are returned in the summary and as a [*PushError]. On
// any error the summary still counts what was done.
func (c *Client) Push(ctx context.Context, anns []dataset.Annotation, opts PushOptions) (PushSummary, error) {
	var sum PushSummary
	bs := opts.BatchSize
	if bs <= 0 || bs > MaxBatch {
		bs = MaxBatch
	}
	inFlight := opts.InFlight
	if inFlight <= 0 {
		inFlight = 4
	}
	items := make([]item, 0, len(anns))
	seen := make(map[string]struct{}, len(anns))
	for i, a := range anns {
		if a.InputID == "" || a.ConceptID == "" {
			return sum, fmt.Errorf("clarifai: annotation %d: missing input or concept id", i)
		}
		if a.Value != dataset.Positive && a.Value != dataset.Negative {
			return sum, fmt.Errorf("clarifai: annotation %d (input %s concept %s): value %g: only labels 0 and 1 are pushed", i, a.InputID, a.ConceptID, a.Value)
		}
		id := AnnotationID(a.InputID, a.ConceptID, a.Value)
		if _, dup := seen[id]; dup {
			sum.Duplicates++
			continue
		}
		seen[id] = struct{}{}
		if opts.Journal.Has(id) {
			sum.Skipped++
			continue
		}
		items = append(items, item{id: id, input: a.InputID, conc: a.ConceptID, value: a.Value})
	}
	sum.Requested = len(seen)
	if len(items) == 0 {
		return sum, nil
	}
	if err := c.Check(ctx); err != nil {
		return sum, err
	}

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		mu      sync.Mutex
		fatal   error
		settled = sum.Skipped
		batches = make(chan []item)
		wg      sync.WaitGroup
	)
	report := func(r batchResult) {
		mu.Lock()
		defer mu.Unlock()
		if len(r.confirmed) > 0 && opts.Journal != nil {
			if err := opts.Journal.add(r.confirmed); err != nil && fatal == nil {
				fatal = err
				cancel()
			}
		}
		sum.Posted += r.posted
		sum.Present += r.present
		sum.Failed = append(sum.Failed, r.failed...)
		sum.Requests += r.requests
		sum.Retries += r.retries
		sum.Verifies += r.verifies
		if r.err != nil && fatal == nil {
			fatal = r.err
			cancel()
		}
		settled += r.posted + r.present + len(r.failed)
		if opts.Progress != nil {
			opts.Progress(settled)
		}
	}
	for range inFlight {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for b := range batches {
				report(c.pushBatch(ctx, b))
			}
		}()
	}
send:
	for start := 0; start < len(items); start += bs {
		select {
		case batches <- items[start:min(start+bs, len(items))]:
		case <-ctx.Done():
			break send
		}
	}
	close(batches)
	wg.Wait()
	if fatal != nil {
		return sum, fatal
	}
	if err := ctx.Err(); err != nil {
		return sum, err
	}
	if len(sum.Failed) > 0 {
		return sum, &PushError{App: c.app, Failed: sum.Failed}
	}
	return sum, nil
}

type batchResult struct {
	confirmed []item
	posted    int
	present   int
	failed    []ItemError
	requests  int
	retries   int
	verifies  int
	err       error // ends the whole push
}

func toProto(it item) *apipb.Annotation {
	return &apipb.Annotation{
		Id: it.id, InputId: it.input,
		Data: &apipb.Data{Concepts: []*apipb.Concept{{Id: it.conc, Value: it.value}}},
	}
}

// pushBatch settles one batch: every item ends confirmed or failed, unless
// an error that ends the push comes first.
func (c *Client) pushBatch(ctx context.Context, pending []item) (r batchResult) {
	verify := false
	failAll := func(code apipb.StatusCode, desc string) {
		for _, it := range pending {
			r.failed = append(r.failed, ItemError{ID: it.id, InputID: it.input, ConceptID: it.conc, Value: it.value, Code: code, Description: desc})
		}
		pending = nil
	}
	for n := 0; len(pending) > 0; n++ {
		if verify {
			present, err := c.present(ctx, pending, &r.verifies)
			if err != nil {
				r.err = err
				return r
			}
			rest := pending[:0:0]
			for _, it := range pending {
				if present[it.id] {
					r.confirmed = append(r.confirmed, it)
					r.present++
				} else {
					rest = append(rest, it)
				}
			}
			pending = rest
			verify = false
			if len(pending) == 0 {
				return r
			}
		}
		if n >= c.retry.Attempts {
			failAll(apipb.StatusCode_FAILURE, fmt.Sprintf("gave up after %d attempts", n))
			return r
		}
		if n > 0 {
			r.retries++
		}
		req := &apipb.PostAnnotationsRequest{UserAppId: c.userApp(), Annotations: make([]*apipb.Annotation, len(pending))}
		for i, it := range pending {
			req.Annotations[i] = toProto(it)
		}
		var resp *apipb.MultiAnnotationResponse
		r.requests++
		err := c.once(ctx, "PostAnnotations", func(ctx context.Context) (*apipb.Status, error) {
			var err error
			resp, err = c.api.PostAnnotations(ctx, req)
			return resp.GetStatus(), err
		}, apipb.StatusCode_MIXED_STATUS, apipb.StatusCode_FAILURE)
		if err != nil {
			if ctx.Err() != nil {
				r.err = ctx.Err()
				return r
			}
			if !transient(err) {
				var se *StatusError
				if errors.As(err, &se) && !errors.Is(err, ErrUnauthenticated) && !errors.Is(err, ErrAppNotFound) {
					failAll(se.Code, se.Description)
					return r
				}
				r.err = err
				return r
			}
			verify = ambiguous(err)
			if e := c.sleep(ctx, c.backoff(n, err)); e != nil {
				r.err = e
				return r
			}
			continue
		}
		// Items are matched by id, not position.
		got := make(map[string]*apipb.Status, len(resp.GetAnnotations()))
		for _, a := range resp.GetAnnotations() {
			got[a.GetId()] = a.GetStatus()
		}
		top := resp.GetStatus()
		var retry []item
		var lastErr error
		for _, it := range pending {
			st, ok := got[it.id]
			switch {
			case !ok && top.GetCode() == apipb.StatusCode_SUCCESS:
				r.confirmed = append(r.confirmed, it)
				r.posted++
			case !ok && top.GetCode() == apipb.StatusCode_FAILURE && len(got) == 0:
				// A FAILURE naming no item: every item failed with it.
				r.failed = append(r.failed, ItemError{ID: it.id, InputID: it.input, ConceptID: it.conc, Value: it.value, Code: top.GetCode(), Description: scrub(top.GetDescription(), c.key)})
			case !ok:
				// No word on this item: only a listing can tell.
				retry = append(retry, it)
				verify = true
			case itemOK(st.GetCode()):
				r.confirmed = append(r.confirmed, it)
				r.posted++
			case st.GetCode() == apipb.StatusCode_DATABASE_DUPLICATE_KEY:
				// The id is ours and derived from the label: it is there.
				r.confirmed = append(r.confirmed, it)
				r.present++
			case transientCode(st.GetCode()):
				retry = append(retry, it)
				lastErr = &StatusError{Code: st.GetCode()}
			default:
				r.failed = append(r.failed, ItemError{ID: it.id, InputID: it.input, ConceptID: it.conc, Value: it.value, Code: st.GetCode(), Description: scrub(st.GetDescription(), c.key)})
			}
		}
		pending = retry
		if len(pending) > 0 {
			if e := c.sleep(ctx, c.backoff(n, lastErr)); e != nil {
				r.err = e
				return r
			}
		}
	}
	return r
}

// itemOK reports whether an annotation's own status means it was stored.
func itemOK(c apipb.StatusCode) bool {
	switch c {
	case apipb.StatusCode_SUCCESS, apipb.StatusCode_ANNOTATION_SUCCESS, apipb.StatusCode_ANNOTATION_PENDING,
		apipb.StatusCode_ANNOTATION_AWAITING_REVIEW, apipb.StatusCode_ANNOTATION_AWAITING_CONSENSUS_REVIEW:
		return true
	}
	return false
}

// present lists which of items' annotation ids exist on the server, with
// paired ids and input_ids.
func (c *Client) present(ctx context.Context, items []item, calls *int) (map[string]bool, error) {
	req := &apipb.ListAnnotationsRequest{UserAppId: c.userApp(), ListAllAnnotations: true, PerPage: uint32(c.perPage)}
	for _, it := range items {
		req.Ids = append(req.Ids, it.id)
		req.InputIds = append(req.InputIds, it.input)
	}
	want := make(map[string]item, len(items))
	for _, it := range items {
		want[it.id] = it
	}
	found := map[string]bool{}
	for pg := uint32(1); pg < math.MaxUint32; pg++ {
		req.Page = pg
		var resp *apipb.MultiAnnotationResponse
		*calls++
		err := c.read(ctx, "ListAnnotations", func(ctx context.Context) (*apipb.Status, error) {
			var err error
			resp, err = c.api.ListAnnotations(ctx, req)
			return resp.GetStatus(), err
		})
		if err != nil {
			return nil, err
		}
		if len(resp.GetAnnotations()) == 0 {
			break
		}
		for _, a := range resp.GetAnnotations() {
			it, ok := want[a.GetId()]
			if !ok || a.GetInputId() != it.input {
				continue
			}
			// Same id, same label: check the content anyway.
			for _, k := range a.GetData().GetConcepts() {
				if k.GetId() == it.conc && k.GetValue() == it.value {
					found[it.id] = true
				}
			}
		}
	}
	return found, nil
}
