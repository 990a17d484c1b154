package clarifai

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"

	"curate.dev/clarifai/apipb"
	"curate.dev/dataset"
)

// MaxBatch is the most annotations Clarifai accepts in one PostAnnotations
// or PatchAnnotations.
const MaxBatch = 128

// PushOptions tune [Client.Push].
type PushOptions struct {
	// BatchSize is the number of labels per request (1..128, default 128).
	BatchSize int
	// InFlight is how many batches may be worked on at once, all within
	// the client's rate limit (default 4).
	InFlight int
	// Journal, when set, receives one line per confirmed label (see
	// [Journal]); it is synced after each batch. Labels it already holds
	// are skipped.
	Journal *Journal
	// Overwrite changes an annotation that holds the opposite value
	// (PatchAnnotations, action merge, on that annotation's id, the value
	// set explicitly) and reads it back to confirm. Without it such a
	// label is a conflict: refused, nothing written for it.
	Overwrite bool
	// DryRun reads what the app holds and settles every label without
	// writing anything: new labels come back as [OutcomeNew], conflicts
	// as [OutcomeRefused] (whatever Overwrite says).
	DryRun bool
	// Progress, when set, is called with the number of labels settled so
	// far. Calls may come from several goroutines, one at a time.
	Progress func(settled int)
	// Report, when set, is called once for every label settled against
	// the app (not for those the journal skips), one call at a time.
	Report func(Result)
}

// Outcome is what a push did, or would do, with one label.
type Outcome int8

const (
	// OutcomeNew: the app does not hold the label (dry run: would post it).
	OutcomeNew Outcome = iota
	// OutcomePosted: written by this push as a new annotation and confirmed.
	OutcomePosted
	// OutcomePresent: the app already holds the same value, under any
	// annotation id; nothing written.
	OutcomePresent
	// OutcomeRefused: the app holds the opposite value; nothing written.
	OutcomeRefused
	// OutcomeOverwritten: the app held the opposite value; the annotation
	// was patched and read back with the new value.
	OutcomeOverwritten
	// OutcomeFailed: not written, or not confirmed; see Result.Err.
	OutcomeFailed
)

var outcomeNames = [...]string{"new", "posted", "present", "refused", "overwritten", "failed"}

func (o Outcome) String() string {
	if o >= 0 && int(o) < len(outcomeNames) {
		return outcomeNames[o]
	}
	return "unknown"
}

// Existing is a human annotation in the app that holds a concept of an
// input.
type Existing struct {
	AnnotationID string
	Value        float32
	Annotator    string // the user who made it ("" when the app does not say)
	InputLevel   bool
}

// Result is the outcome of one label.
type Result struct {
	InputID, ConceptID string
	Value              float32 // the value curate was asked to write
	Outcome            Outcome
	// Existing holds, for OutcomePresent, the annotations that already
	// hold the value; for OutcomeRefused and OutcomeOverwritten, those
	// that held the opposite one (with their value before any patch).
	Existing []Existing
	// OtherUser: one of Existing was made by a user other than the app's
	// owner (known only when the app is not addressed as user "me").
	OtherUser bool
	// Both: refused because the labels pushed give this input and concept
	// both values (and the app does not hold this one already).
	Both bool
	// Err says why, for OutcomeFailed.
	Err *ItemError
}

func (r Result) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "input %s concept %s = %g", r.InputID, r.ConceptID, r.Value)
	for i, e := range r.Existing {
		if i == 0 {
			b.WriteString(": the app holds ")
		} else {
			b.WriteString(" and ")
		}
		fmt.Fprintf(&b, "%g in annotation %s", e.Value, e.AnnotationID)
		if e.Annotator != "" {
			fmt.Fprintf(&b, " by user %s", e.Annotator)
		}
	}
	if r.OtherUser {
		b.WriteString(" (another user's annotation)")
	}
	if r.Both {
		b.WriteString(": the labels pushed give it both 1 and 0")
	}
	return b.String()
}

// PushSummary counts the outcome of a push. Every requested label is
// counted once: Requested = Skipped + New + Posted + Present +
// len(Conflicts) + len(Failed) when the push ran to the end.
type PushSummary struct {
	Requested  int // distinct labels asked for
	Duplicates int // repeated (input, concept, value) rows folded into one
	Skipped    int // already confirmed in the journal
	New        int // dry run: not in the app, would be posted
	Posted     int // written by this push and confirmed
	Present    int // the app holds the same value already
	// Conflicts are the labels whose opposite value the app holds:
	// refused, or overwritten (Overwritten of them).
	Conflicts   []Result
	Overwritten int
	Failed      []ItemError
	Requests    int // PostAnnotations and PatchAnnotations calls
	Retries     int // writes repeated after a transient or unclear failure
	Reads       int // ListAnnotations calls
	Verifies    int // listings made to settle an unclear reply
}

// Refused returns the number of conflicts that were not overwritten.
func (s PushSummary) Refused() int { return len(s.Conflicts) - s.Overwritten }

// AnnotationID is the id curate gives the annotation it posts for a
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
	id        string
	input     string
	conc      string
	value     float32
	attempted bool       // sent in a PostAnnotations at least once
	replace   bool       // posted to replace opp, which is removed after
	both      bool       // the labels give this input and concept both values
	opp       []Existing // annotations holding the opposite value
}

func (it *item) result(o Outcome, ex []Existing, owner string) Result {
	r := Result{InputID: it.input, ConceptID: it.conc, Value: it.value, Outcome: o, Existing: ex, Both: it.both && o == OutcomeRefused}
	if o == OutcomeRefused || o == OutcomeOverwritten {
		for _, e := range ex {
			if owner != "me" && e.Annotator != "" && e.Annotator != owner {
				r.OtherUser = true
			}
		}
	}
	return r
}

// Push writes labels (values 0 or 1) to the app so that afterwards the
// app holds each of them once, on its own input, and nothing else was
// changed unless asked.
//
// The key and app are checked first, so a wrong key or app writes
// nothing. Then, batch by batch, it reads what the app holds for the
// batch's inputs (ListAnnotations by input id, human annotations) and
// settles each label: the same value under any annotation id is present;
// only the opposite value is a conflict, refused unless opts.Overwrite; the
// rest is posted as input-level annotations with one concept, the value
// set explicitly and a deterministic id ([AnnotationID]). A label counts
// as written only when the reply names it with a success status, or a
// listing finds it: after a lost reply, a reply that does not name an
// item, or a duplicate-id status, the batch's inputs are listed again and
// only what is missing is resent. Transient failures are retried with
// backoff.
//
// Labels that give one input and concept both values are never written:
// each is present if the app holds it, else refused. Failed and refused labels
// come back in the summary and as a [*PushError] (not for a dry run,
// which only reports). On any error the summary still counts what was
// done.
func (c *Client) Push(ctx context.Context, anns []dataset.Annotation, opts PushOptions) (PushSummary, error) {
	sum, err := c.push(ctx, anns, opts)
	return sum, c.red.guard(err)
}

func (c *Client) push(ctx context.Context, anns []dataset.Annotation, opts PushOptions) (PushSummary, error) {
	var sum PushSummary
	bs := opts.BatchSize
	if bs <= 0 || bs > MaxBatch {
		bs = MaxBatch
	}
	inFlight := opts.InFlight
	if inFlight <= 0 {
		inFlight = 4
	}
	items, err := plan(anns, opts.Journal, &sum)
	if err != nil {
		return sum, err
	}
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
	report := func(r *batchResult) {
		mu.Lock()
		defer mu.Unlock()
		if len(r.confirmed) > 0 && opts.Journal != nil {
			if err := opts.Journal.add(r.confirmed); err != nil && fatal == nil {
				fatal = err
				cancel()
			}
		}
		for _, res := range r.results {
			switch res.Outcome {
			case OutcomeNew:
				sum.New++
			case OutcomePosted:
				sum.Posted++
			case OutcomePresent:
				sum.Present++
			case OutcomeRefused:
				sum.Conflicts = append(sum.Conflicts, res)
			case OutcomeOverwritten:
				sum.Conflicts = append(sum.Conflicts, res)
				sum.Overwritten++
			case OutcomeFailed:
				sum.Failed = append(sum.Failed, *res.Err)
			}
			if opts.Report != nil {
				opts.Report(res)
			}
		}
		sum.Requests += r.requests
		sum.Retries += r.retries
		sum.Reads += r.reads
		sum.Verifies += r.verifies
		if r.err != nil && fatal == nil {
			fatal = r.err
			cancel()
		}
		settled += len(r.results)
		if opts.Progress != nil {
			opts.Progress(settled)
		}
	}
	for range inFlight {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for b := range batches {
				r := c.pushBatch(ctx, b, &opts)
				report(&r)
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
	var refused []Result
	for _, r := range sum.Conflicts {
		// A dry run only reports.
		if r.Outcome == OutcomeRefused && !opts.DryRun {
			refused = append(refused, r)
		}
	}
	if len(sum.Failed) > 0 || len(refused) > 0 {
		return sum, &PushError{App: c.app, Failed: sum.Failed, Conflicts: refused}
	}
	return sum, nil
}

// plan checks the labels, folds repeats, marks the labels whose input
// and concept the labels also give the other value, and drops those the
// journal confirmed.
func plan(anns []dataset.Annotation, j *Journal, sum *PushSummary) ([]item, error) {
	type key struct{ in, c string }
	at := make(map[key]int, len(anns)) // first item of each input and concept
	items := make([]item, 0, len(anns))
	for i, a := range anns {
		if a.InputID == "" || a.ConceptID == "" {
			return nil, fmt.Errorf("clarifai: label %d: missing input or concept id", i+1)
		}
		if a.Value != dataset.Positive && a.Value != dataset.Negative {
			return nil, fmt.Errorf("clarifai: label %d (input %s concept %s): value %g: only labels 0 and 1 are pushed", i+1, a.InputID, a.ConceptID, a.Value)
		}
		k := key{a.InputID, a.ConceptID}
		if x, ok := at[k]; ok {
			switch {
			case items[x].value == a.Value || items[x].both:
				sum.Duplicates++
			default:
				items[x].both = true
				items = append(items, item{id: AnnotationID(a.InputID, a.ConceptID, a.Value), input: a.InputID, conc: a.ConceptID, value: a.Value, both: true})
			}
			continue
		}
		at[k] = len(items)
		items = append(items, item{id: AnnotationID(a.InputID, a.ConceptID, a.Value), input: a.InputID, conc: a.ConceptID, value: a.Value})
	}
	sum.Requested = len(items)
	kept := items[:0]
	for _, it := range items {
		if j.Has(it.id) {
			sum.Skipped++
			continue
		}
		kept = append(kept, it)
	}
	return kept, nil
}

type batchResult struct {
	results   []Result
	confirmed []item // for the journal: posted, present, overwritten
	requests  int
	retries   int
	reads     int
	verifies  int
	err       error // ends the whole push
}

func (r *batchResult) add(c *Client, it *item, o Outcome, ex []Existing) {
	r.results = append(r.results, it.result(o, ex, c.app.UserID))
	switch o {
	case OutcomePosted, OutcomePresent, OutcomeOverwritten:
		r.confirmed = append(r.confirmed, *it)
	}
}

func (r *batchResult) fail(c *Client, it *item, code apipb.StatusCode, desc string) {
	res := it.result(OutcomeFailed, it.opp, c.app.UserID)
	res.Err = &ItemError{ID: it.id, InputID: it.input, ConceptID: it.conc, Value: it.value, Code: code, Description: c.red.redact(desc)}
	r.results = append(r.results, res)
}

// pushBatch settles one batch: every label ends with an outcome, unless
// an error that ends the push comes first.
func (c *Client) pushBatch(ctx context.Context, batch []item, o *PushOptions) (r batchResult) {
	h, err := c.holdings(ctx, batch, &r.reads)
	if err != nil {
		r.err = err
		return r
	}
	var post, patch []item
	for i := range batch {
		it := batch[i]
		same, opp := h.split(&it)
		switch {
		case len(same) > 0:
			// Held already, whatever else the app holds for it (an app
			// that holds both values shows as a conflict in its report).
			r.add(c, &it, OutcomePresent, same)
		case it.both:
			r.add(c, &it, OutcomeRefused, opp)
		case len(opp) > 0 && o.Overwrite && !o.DryRun:
			it.opp = opp
			patch = append(patch, it)
		case len(opp) > 0:
			r.add(c, &it, OutcomeRefused, opp)
		case o.DryRun:
			r.add(c, &it, OutcomeNew, nil)
		default:
			post = append(post, it)
		}
	}
	if len(patch) > 0 {
		c.patchConflicts(ctx, patch, &r)
		if r.err != nil {
			return r
		}
	}
	if len(post) > 0 {
		c.postNew(ctx, post, &r)
	}
	return r
}

// holdings is what the app holds: input → concept → human annotations.
type holdings map[string]map[string][]Existing

// split returns the annotations that hold it's value and those that hold
// another.
func (h holdings) split(it *item) (same, opp []Existing) {
	for _, e := range h[it.input][it.conc] {
		if e.Value == it.value {
			same = append(same, e)
		} else {
			opp = append(opp, e)
		}
	}
	return same, opp
}

// holdings lists the human annotations of the items' inputs, every page
// until an empty one.
func (c *Client) holdings(ctx context.Context, items []item, calls *int) (holdings, error) {
	seen := make(map[string]bool, len(items))
	var ids []string
	for _, it := range items {
		if !seen[it.input] {
			seen[it.input] = true
			ids = append(ids, it.input)
		}
	}
	h := holdings{}
	for pg := uint32(1); ; pg++ {
		var resp *apipb.MultiAnnotationResponse
		*calls++
		err := c.read(ctx, "ListAnnotations", func(ctx context.Context) (*apipb.Status, error) {
			var err error
			resp, err = c.api.ListAnnotations(ctx, &apipb.ListAnnotationsRequest{UserAppId: c.userApp(), InputIds: ids, Page: pg, PerPage: uint32(c.perPage)})
			return resp.GetStatus(), err
		})
		if err != nil {
			return nil, err
		}
		if len(resp.GetAnnotations()) == 0 {
			return h, nil
		}
		for _, a := range resp.GetAnnotations() {
			who, kind := annotator(a)
			if kind == dataset.AnnotatorModel || kind == dataset.AnnotatorWorkflow || !seen[a.GetInputId()] {
				continue
			}
			byConcept := h[a.GetInputId()]
			if byConcept == nil {
				byConcept = map[string][]Existing{}
				h[a.GetInputId()] = byConcept
			}
			for _, k := range a.GetData().GetConcepts() {
				byConcept[k.GetId()] = append(byConcept[k.GetId()], Existing{AnnotationID: a.GetId(), Value: k.GetValue(), Annotator: who, InputLevel: a.GetInputLevel()})
			}
		}
	}
}

// isDuplicate reports whether an item's status says its id is taken:
// DATABASE_DUPLICATE_KEY, or "duplicate" in the status text. Which one
// Clarifai sends for annotations is not documented; either means "maybe
// present", to be settled by listing.
func isDuplicate(st *apipb.Status) bool {
	return st.GetCode() == apipb.StatusCode_DATABASE_DUPLICATE_KEY ||
		strings.Contains(strings.ToLower(st.GetDetails()+" "+st.GetDescription()), "duplicate")
}

// postNew posts labels the app does not hold until each is confirmed,
// failed or found.
func (c *Client) postNew(ctx context.Context, pending []item, r *batchResult) {
	verify := false
	stalls := 0
	why := "no attempt"
	failAll := func(code apipb.StatusCode, desc string) {
		for i := range pending {
			r.fail(c, &pending[i], code, desc)
		}
	}
	for n := 0; len(pending) > 0; n++ {
		if verify {
			r.verifies++
			h, err := c.holdings(ctx, pending, &r.reads)
			if err != nil {
				r.err = err
				return
			}
			rest := pending[:0:0]
			for i := range pending {
				it := &pending[i]
				same, opp := h.split(it)
				switch {
				case len(same) > 0:
					o := OutcomePresent
					for _, e := range same {
						if it.attempted && e.AnnotationID == it.id {
							o = OutcomePosted
						}
					}
					r.add(c, it, o, same)
				case len(opp) > 0 && !it.replace: // written by someone else meanwhile
					r.add(c, it, OutcomeRefused, opp)
				default:
					rest = append(rest, *it)
				}
			}
			pending = rest
			verify = false
			if len(pending) == 0 {
				return
			}
		}
		if n >= c.retry.Attempts {
			failAll(apipb.StatusCode_FAILURE, fmt.Sprintf("not confirmed after %d attempts: %s", n, why))
			return
		}
		if n > 0 {
			r.retries++
		}
		req := &apipb.PostAnnotationsRequest{UserAppId: c.userApp(), Annotations: make([]*apipb.Annotation, len(pending))}
		for i := range pending {
			it := &pending[i]
			it.attempted = true
			req.Annotations[i] = &apipb.Annotation{Id: it.id, InputId: it.input,
				Data: &apipb.Data{Concepts: []*apipb.Concept{{Id: it.conc, Value: it.value}}}}
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
				r.err = err
				return
			}
			again, err := c.retryable(err, n, &stalls)
			if !again {
				var se *StatusError
				if errors.As(err, &se) && !errors.Is(err, ErrUnauthenticated) && !errors.Is(err, ErrAppNotFound) && !transientCode(se.Code) {
					failAll(se.Code, se.Description)
					return
				}
				r.err = err
				return
			}
			verify = ambiguous(err)
			why = err.Error()
			if e := c.sleep(ctx, c.backoff(n, err)); e != nil {
				r.err = e
				return
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
		for i := range pending {
			it := &pending[i]
			st, ok := got[it.id]
			switch {
			case !ok && top.GetCode() == apipb.StatusCode_FAILURE && len(got) == 0:
				// A FAILURE naming no item: every item failed with it.
				r.fail(c, it, top.GetCode(), top.GetDescription())
			case !ok:
				// No word on this item: only a listing can tell.
				retry = append(retry, *it)
				verify = true
				why = fmt.Sprintf("the reply (%s) did not name the annotation, and a listing did not find it", codeName(top.GetCode()))
			case itemOK(st.GetCode()):
				r.add(c, it, OutcomePosted, nil)
			case isDuplicate(st):
				retry = append(retry, *it)
				verify = true
				why = fmt.Sprintf("the reply said the id is taken (%s), but a listing did not find the label", codeName(st.GetCode()))
			case transientCode(st.GetCode()):
				retry = append(retry, *it)
				lastErr = &StatusError{Code: st.GetCode()}
				why = codeName(st.GetCode())
			default:
				r.fail(c, it, st.GetCode(), st.GetDescription())
			}
		}
		pending = retry
		if len(pending) > 0 && !verify {
			if e := c.sleep(ctx, c.backoff(n, lastErr)); e != nil {
				r.err = e
				return
			}
		}
	}
}

// itemOK reports whether an annotation's own status means it was stored.
func itemOK(c apipb.StatusCode) bool {
	switch c {
	case apipb.StatusCode_SUCCESS, apipb.StatusCode_ANNOTATION_SUCCESS, apipb.StatusCode_ANNOTATION_PENDING,
		apipb.StatusCode_ANNOTATION_AWAITING_REVIEW, apipb.StatusCode_ANNOTATION_AWAITING_CONSENSUS_REVIEW,
		apipb.StatusCode_ANNOTATION_MODIFY_SUCCESS, apipb.StatusCode_ANNOTATION_MODIFY_PENDING:
		return true
	}
	return false
}
