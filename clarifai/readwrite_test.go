package clarifai_test

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"curate.dev/clarifai"
	"curate.dev/clarifai/apipb"
	"curate.dev/clarifai/clarifaitest"
	"curate.dev/dataset"
)

func user(id string) *apipb.Worker {
	return &apipb.Worker{Worker: &apipb.Worker_User{User: &apipb.User{Id: id}}}
}

// ownerApp is the app mixedApp fills, addressed by its owner's user id
// (as user "me" curate could not tell the owner's annotations from
// another user's).
var ownerApp = clarifai.App{UserID: "owner", AppID: "animals"}

// mixedApp seeds the cases a push meets in a team's app: an input-level
// annotation holding several concepts (bird positive, dog negative with
// the value off the wire), a label made in the Portal with the same
// value, a label by a second user, a conflict in the owner's own
// input-level annotation, a model score, and inputs with nothing.
func mixedApp(t *testing.T, app *clarifaitest.App) {
	t.Helper()
	require.NoError(t, app.AddInput(&apipb.Input{Id: "in0", Data: &apipb.Data{Concepts: []*apipb.Concept{{Id: "cat", Value: 1}, {Id: "dog"}, {Id: "bird", Value: 1}}}}))
	require.NoError(t, app.AddInput(&apipb.Input{Id: "in1"}))
	require.NoError(t, app.AddAnnotation(&apipb.Annotation{Id: "portal-1", InputId: "in1", Worker: user("owner"), Data: &apipb.Data{Concepts: []*apipb.Concept{{Id: "cat", Value: 1}}}}))
	require.NoError(t, app.AddInput(&apipb.Input{Id: "in2"}))
	require.NoError(t, app.AddAnnotation(&apipb.Annotation{Id: "alice-1", InputId: "in2", Worker: user("alice"), Data: &apipb.Data{Concepts: []*apipb.Concept{{Id: "cat", Value: 1}}}}))
	require.NoError(t, app.AddInput(&apipb.Input{Id: "in3", Data: &apipb.Data{Concepts: []*apipb.Concept{{Id: "cat"}}}}))
	require.NoError(t, app.AddInput(&apipb.Input{Id: "in4"}))
	require.NoError(t, app.AddAnnotation(&apipb.Annotation{Id: "pred-4", InputId: "in4",
		Worker: &apipb.Worker{Worker: &apipb.Worker_Model{Model: &apipb.Model{Id: "general"}}},
		Data:   &apipb.Data{Concepts: []*apipb.Concept{{Id: "cat", Value: 0.2}}}}))
}

// mixedLabels are pushed onto mixedApp: three present, three conflicts,
// two new.
var mixedLabels = []dataset.Annotation{
	{InputID: "in0", ConceptID: "cat", Value: 1},  // present in the input-level annotation
	{InputID: "in0", ConceptID: "dog", Value: 0},  // present: absent on the wire is 0.0
	{InputID: "in0", ConceptID: "bird", Value: 0}, // conflict inside the input-level annotation
	{InputID: "in1", ConceptID: "cat", Value: 1},  // present: made in the Portal
	{InputID: "in2", ConceptID: "cat", Value: 0},  // conflict with another user's label
	{InputID: "in3", ConceptID: "cat", Value: 1},  // conflict with the owner's negative
	{InputID: "in4", ConceptID: "cat", Value: 1},  // new (the model score is no label)
	{InputID: "in4", ConceptID: "dog", Value: 0},  // new
}

// state is the app's labels: "input/concept/annotation" → value.
func state(app *clarifaitest.App) map[string]float32 {
	out := map[string]float32{}
	for _, a := range app.Annotations() {
		for _, k := range a.GetData().GetConcepts() {
			out[a.GetInputId()+"/"+k.GetId()+"/"+a.GetId()] = k.GetValue()
		}
	}
	return out
}

func TestPushReadsBeforeWriting(t *testing.T) {
	srv := clarifaitest.New(testKey)
	app := srv.AddApp("owner", "animals")
	mixedApp(t, app)
	c := tcpAppClient(t, srv, ownerApp)
	ctx := context.Background()
	before := state(app)

	// Dry run: the three groups, and nothing written.
	var seen []clarifai.Result
	sum, err := c.Push(ctx, mixedLabels, clarifai.PushOptions{DryRun: true, Report: func(r clarifai.Result) { seen = append(seen, r) }})
	require.NoError(t, err, "a dry run only reports")
	assert.Equal(t, [4]int{8, 2, 3, 3}, [4]int{sum.Requested, sum.New, sum.Present, len(sum.Conflicts)})
	assert.Len(t, seen, 8)
	assert.Equal(t, before, state(app))
	assert.Zero(t, srv.Calls("PostAnnotations")+srv.Calls("PatchAnnotations"), "a dry run writes nothing")

	// Default: conflicts refused and listed, the new ones posted.
	sum, err = c.Push(ctx, mixedLabels, clarifai.PushOptions{})
	require.ErrorIs(t, err, clarifai.ErrConflict)
	assert.NotErrorIs(t, err, clarifai.ErrNotWritten)
	assert.Equal(t, 8, sum.Requested)
	assert.Equal(t, sum.Requested, sum.Posted+sum.Present+len(sum.Conflicts)+len(sum.Failed), "the summary adds up")
	assert.Equal(t, [4]int{2, 3, 3, 0}, [4]int{sum.Posted, sum.Present, sum.Refused(), len(sum.Failed)})
	byInput := map[string]clarifai.Result{}
	for _, r := range sum.Conflicts {
		byInput[r.InputID] = r
	}
	require.Len(t, byInput, 3)
	assert.Equal(t, []clarifai.Existing{{AnnotationID: "il-in0", Value: 1, Annotator: "owner", InputLevel: true}}, byInput["in0"].Existing)
	assert.Equal(t, []clarifai.Existing{{AnnotationID: "alice-1", Value: 1, Annotator: "alice"}}, byInput["in2"].Existing)
	assert.True(t, byInput["in2"].OtherUser)
	assert.False(t, byInput["in3"].OtherUser)
	for _, want := range []string{"input in2 concept cat = 0: the app holds 1 in annotation alice-1 by user alice (another user's annotation)", "il-in3", "il-in0"} {
		assert.Contains(t, err.Error(), want)
	}
	after := state(app)
	for k, v := range before {
		assert.Equal(t, v, after[k], "%s unchanged", k)
	}
	assert.Equal(t, float32(1), after["in4/cat/"+clarifai.AnnotationID("in4", "cat", 1)])
	assert.Equal(t, float32(0), after["in4/dog/"+clarifai.AnnotationID("in4", "dog", 0)])
	assert.Len(t, after, len(before)+2, "only the two new labels were added")
	assert.Zero(t, srv.Calls("PatchAnnotations"))

	// --overwrite: the three conflicts patched in place (merge: the other
	// concepts of the input-level annotation stay), read back, no new
	// annotation.
	sum, err = c.Push(ctx, mixedLabels, clarifai.PushOptions{Overwrite: true})
	require.NoError(t, err)
	assert.Equal(t, [4]int{0, 5, 3, 3}, [4]int{sum.Posted, sum.Present, len(sum.Conflicts), sum.Overwritten})
	final := state(app)
	assert.Len(t, final, len(after))
	want := map[string]float32{}
	for k, v := range after {
		want[k] = v
	}
	want["in0/bird/il-in0"], want["in2/cat/alice-1"], want["in3/cat/il-in3"] = 0, 0, 1
	assert.Equal(t, want, final)
	for _, r := range sum.Conflicts {
		assert.Equal(t, clarifai.OutcomeOverwritten, r.Outcome)
		assert.Equal(t, r.InputID == "in2", r.OtherUser, "a patch of another user's annotation says so")
	}

	// A rerun finds everything present and writes nothing.
	posts, patches := srv.Calls("PostAnnotations"), srv.Calls("PatchAnnotations")
	sum, err = c.Push(ctx, mixedLabels, clarifai.PushOptions{Overwrite: true})
	require.NoError(t, err)
	assert.Equal(t, 8, sum.Present)
	assert.Equal(t, [2]int{posts, patches}, [2]int{srv.Calls("PostAnnotations"), srv.Calls("PatchAnnotations")})
	assert.Equal(t, final, state(app))
}

// A merge that sets 0.0 sends no value on the wire; a service that then
// changes nothing is caught by the read-back, and the positive is replaced:
// the negative posted as a new annotation, then the positive removed from
// the annotation that held it (the other concepts stay).
func TestPushPatchZeroIgnored(t *testing.T) {
	srv := clarifaitest.New(testKey)
	srv.ZeroMergeIgnored = true
	app := srv.AddApp("owner", "animals")
	mixedApp(t, app)
	c := bufClient(t, srv, ownerApp, testKey)
	sum, err := c.Push(context.Background(), mixedLabels, clarifai.PushOptions{Overwrite: true})
	require.NoError(t, err)
	assert.Equal(t, 3, sum.Overwritten)
	assert.Equal(t, sum.Requested, sum.Posted+sum.Present+len(sum.Conflicts)+len(sum.Failed))
	st := state(app)
	_, ok := st["in0/bird/il-in0"]
	assert.False(t, ok, "the positive is gone from the input-level annotation")
	assert.Equal(t, float32(1), st["in0/cat/il-in0"], "its other concepts stay")
	assert.Equal(t, float32(0), st["in0/dog/il-in0"])
	assert.Equal(t, float32(0), st["in0/bird/"+clarifai.AnnotationID("in0", "bird", 0)])
	_, ok = st["in2/cat/alice-1"]
	assert.False(t, ok)
	assert.Equal(t, float32(0), st["in2/cat/"+clarifai.AnnotationID("in2", "cat", 0)])
	assert.Equal(t, float32(1), st["in3/cat/il-in3"], "a positive merge takes")
	// Each label once, on its own input (the model's score is no label).
	per := map[string]int{}
	for k := range st {
		parts := strings.SplitN(k, "/", 3)
		if parts[2] != "pred-4" {
			per[parts[0]+"/"+parts[1]]++
		}
	}
	for k, n := range per {
		assert.Equal(t, 1, n, k)
	}

	// With the removal refused too, the app holds both values: reported
	// as failed, never left with neither.
	srv2 := clarifaitest.New(testKey)
	srv2.ZeroMergeIgnored = true
	app2 := srv2.AddApp("owner", "animals")
	mixedApp(t, app2)
	srv2.Fault = func(method string, n int) clarifaitest.Fault {
		if method == "PatchAnnotations" && n > 1 {
			return clarifaitest.Mixed
		}
		return clarifaitest.NoFault
	}
	c2 := bufClient(t, srv2, ownerApp, testKey)
	sum, err = c2.Push(context.Background(), []dataset.Annotation{{InputID: "in2", ConceptID: "cat", Value: 0}}, clarifai.PushOptions{Overwrite: true})
	require.ErrorIs(t, err, clarifai.ErrNotWritten)
	require.Len(t, sum.Failed, 1)
	assert.Contains(t, sum.Failed[0].Description, "the app holds both")
	st2 := state(app2)
	assert.Equal(t, float32(1), st2["in2/cat/alice-1"])
	assert.Equal(t, float32(0), st2["in2/cat/"+clarifai.AnnotationID("in2", "cat", 0)])
}

// Patches under faults (lost replies, dropped calls, deadlines, transient
// codes, listings failing) end with every conflict overwritten once, and
// nothing else.
func TestPushPatchUnderFaults(t *testing.T) {
	for _, zeroIgnored := range []bool{false, true} {
		t.Run(fmt.Sprint("zero merge ignored ", zeroIgnored), func(t *testing.T) {
			srv := clarifaitest.New(testKey)
			srv.ZeroMergeIgnored = zeroIgnored
			app := srv.AddApp("me", "animals")
			const n = 1500
			var want []dataset.Annotation
			for i := range n {
				id := fmt.Sprintf("in%05d", i)
				require.NoError(t, app.AddInput(&apipb.Input{Id: id, Data: &apipb.Data{Concepts: []*apipb.Concept{{Id: "cat"}, {Id: "dog", Value: 1}}}}))
				want = append(want, dataset.Annotation{InputID: id, ConceptID: "cat", Value: 1}, dataset.Annotation{InputID: id, ConceptID: "dog", Value: 0})
			}
			faults := []clarifaitest.Fault{clarifaitest.LoseReply, clarifaitest.Drop, clarifaitest.Deadline, clarifaitest.Transient, clarifaitest.Throttle}
			srv.Fault = func(method string, k int) clarifaitest.Fault {
				if (method == "PatchAnnotations" || method == "ListAnnotations" || method == "PostAnnotations") && k%3 == 0 {
					return faults[(k/3)%len(faults)]
				}
				return clarifaitest.NoFault
			}
			c := tcpClient(t, srv)
			sum, err := c.Push(context.Background(), want, clarifai.PushOptions{Overwrite: true})
			require.NoError(t, err)
			assert.Equal(t, 2*n, sum.Overwritten)
			assert.Positive(t, sum.Retries)
			anns := app.Annotations()
			if zeroIgnored {
				assert.Len(t, anns, 2*n, "each negative posted as an annotation of its own")
			} else {
				assert.Len(t, anns, n, "no annotation added")
			}
			got := map[string][]float32{}
			for _, a := range anns {
				for _, k := range a.GetData().GetConcepts() {
					got[a.GetInputId()+"/"+k.GetId()] = append(got[a.GetInputId()+"/"+k.GetId()], k.GetValue())
				}
			}
			assert.Len(t, got, 2*n)
			for _, w := range want {
				assert.Equal(t, []float32{w.Value}, got[w.InputID+"/"+w.ConceptID], "%s/%s once, with its value", w.InputID, w.ConceptID)
			}
		})
	}
}

func TestPushDuplicateIDSettledByListing(t *testing.T) {
	for _, dup := range []*apipb.Status{
		nil, // DATABASE_DUPLICATE_KEY 40010
		{Code: apipb.StatusCode_CONCEPTS_INVALID_REQUEST, Description: "Invalid request", Details: "duplicate annotation id"},
	} {
		t.Run(fmt.Sprint(dup.GetCode()), func(t *testing.T) {
			srv := clarifaitest.New(testKey)
			srv.DuplicateStatus = dup
			app := srv.AddApp("me", "animals")
			emptyInputs(t, app, 2)
			// The id curate would choose is taken by an annotation the
			// human listing does not show (a model's): the reply says
			// "duplicate", a listing does not find the label, so it is
			// not confirmed.
			taken := clarifai.AnnotationID("in00000", "cat", 1)
			require.NoError(t, app.AddAnnotation(&apipb.Annotation{Id: taken, InputId: "in00000",
				Worker: &apipb.Worker{Worker: &apipb.Worker_Model{Model: &apipb.Model{Id: "m"}}}, Data: &apipb.Data{Concepts: []*apipb.Concept{{Id: "cat", Value: 0.4}}}}))
			c := bufClient(t, srv, testApp, testKey)
			var journal bytes.Buffer
			j, _ := clarifai.NewJournal(nil, &journal)
			sum, err := c.Push(context.Background(), []dataset.Annotation{{InputID: "in00000", ConceptID: "cat", Value: 1}, {InputID: "in00001", ConceptID: "cat", Value: 1}}, clarifai.PushOptions{Journal: j})
			require.ErrorIs(t, err, clarifai.ErrNotWritten)
			assert.Equal(t, 1, sum.Posted)
			require.Len(t, sum.Failed, 1)
			assert.Contains(t, sum.Failed[0].Description, "id is taken")
			assert.Positive(t, sum.Verifies)
			assert.Equal(t, 1, strings.Count(journal.String(), "\n"), "only the confirmed one is journaled")
		})
	}
}

// A reply of SUCCESS that names no item stored nothing here: nothing is
// confirmed or journaled, and a rerun writes it all.
func TestPushSuccessWithoutItems(t *testing.T) {
	srv := clarifaitest.New(testKey)
	app := srv.AddApp("me", "animals")
	emptyInputs(t, app, 75)
	srv.Fault = func(method string, n int) clarifaitest.Fault {
		if method == "PostAnnotations" {
			return clarifaitest.EmptySuccess
		}
		return clarifaitest.NoFault
	}
	c := bufClient(t, srv, testApp, testKey)
	want := labels(300)
	var journal bytes.Buffer
	j, _ := clarifai.NewJournal(nil, &journal)
	sum, err := c.Push(context.Background(), want, clarifai.PushOptions{Journal: j})
	require.ErrorIs(t, err, clarifai.ErrNotWritten)
	assert.Len(t, sum.Failed, 300)
	assert.Zero(t, sum.Posted+sum.Present)
	assert.Contains(t, sum.Failed[0].Description, "did not name the annotation")
	assert.Empty(t, journal.String())
	assert.Empty(t, app.Annotations())

	srv.Fault = nil
	j2, err := clarifai.NewJournal(bytes.NewReader(journal.Bytes()), &journal)
	require.NoError(t, err)
	sum, err = c.Push(context.Background(), want, clarifai.PushOptions{Journal: j2})
	require.NoError(t, err)
	assert.Equal(t, 300, sum.Posted)
	assertExactly(t, app, want)
}

// The key never shows in an error, whatever case the server echoes it in.
func TestKeyRedactedInEveryError(t *testing.T) {
	for _, f := range []clarifaitest.Fault{clarifaitest.EchoStatus, clarifaitest.EchoError} {
		for _, method := range []string{"ListConcepts", "ListAnnotations", "PostAnnotations", "StreamInputs"} {
			t.Run(fmt.Sprint(f, method), func(t *testing.T) {
				srv := clarifaitest.New(testKey)
				app := srv.AddApp("me", "animals")
				seed(t, app, 3)
				srv.Fault = func(m string, n int) clarifaitest.Fault {
					if m == method {
						return f
					}
					return clarifaitest.NoFault
				}
				var notes []string
				c := bufClient(t, srv, testApp, testKey, clarifai.WithNotify(func(s string) { notes = append(notes, s) }))
				ctx := context.Background()
				var errs []error
				_, err := c.Push(ctx, []dataset.Annotation{{InputID: "in00001", ConceptID: "bird", Value: 1}}, clarifai.PushOptions{})
				errs = append(errs, err)
				p := c.Pull(ctx, clarifai.PullOptions{})
				r := p.Reader()
				for r.Next() {
				}
				errs = append(errs, r.Err())
				r.Release()
				p.Close()
				failed := 0
				for _, err := range errs {
					if err == nil {
						continue
					}
					failed++
					msg := strings.ToLower(fmt.Sprintf("%v %+v", err, err))
					assert.NotContains(t, msg, strings.ToLower(testKey))
					assert.Contains(t, msg, "[redacted]")
				}
				assert.Positive(t, failed)
				for _, n := range notes {
					assert.NotContains(t, strings.ToLower(n), strings.ToLower(testKey))
				}
			})
		}
	}
}

// A server that takes the call and never answers: each call has a
// deadline, a stalled call is tried a bounded number of times, and the
// error names the call.
func TestStalledServer(t *testing.T) {
	for _, method := range []string{"ListConcepts", "PostAnnotations", "StreamInputs"} {
		t.Run(method, func(t *testing.T) {
			srv := clarifaitest.New(testKey)
			emptyInputs(t, srv.AddApp("me", "animals"), 3)
			srv.Fault = func(m string, n int) clarifaitest.Fault {
				if m == method {
					return clarifaitest.Stall
				}
				return clarifaitest.NoFault
			}
			var notes []string
			c := tcpClient(t, srv, clarifai.WithCallTimeout(150*time.Millisecond), clarifai.WithRetry(clarifai.Retry{Stalls: 2}),
				clarifai.WithNotify(func(s string) { notes = append(notes, s) }))
			start := time.Now()
			var err error
			if method == "StreamInputs" {
				p := c.Pull(context.Background(), clarifai.PullOptions{})
				r := p.Reader()
				for r.Next() {
				}
				err = r.Err()
				r.Release()
				p.Close()
			} else {
				_, err = c.Push(context.Background(), labels(8), clarifai.PushOptions{})
			}
			require.ErrorIs(t, err, clarifai.ErrStalled)
			assert.Contains(t, err.Error(), "clarifai: "+method+" clarifai://me/animals: no reply within 150ms (2 attempt(s))")
			assert.Less(t, time.Since(start), 10*time.Second)
			// (The server may count the second call after the client gave up.)
			assert.Eventually(t, func() bool { return srv.Calls(method) == 2 }, 5*time.Second, 10*time.Millisecond, "a stall is tried Stalls times: %d calls", srv.Calls(method))
			require.Len(t, notes, 1)
			assert.Contains(t, notes[0], method+" clarifai://me/animals: no reply within 150ms; trying again")
		})
	}
}

func TestJournalTornTail(t *testing.T) {
	good := `{"id":"cur-a","input_id":"in1","concept_id":"cat","value":1}` + "\n" + `{"id":"cur-b","input_id":"in2","concept_id":"cat","value":0}` + "\n"
	tests := []struct {
		name     string
		in       string
		wantLen  int
		wantTorn bool
		wantErr  string
	}{
		{name: "whole", in: good, wantLen: 2},
		{name: "torn", in: good + `{"id":"cur-c","inp`, wantLen: 2, wantTorn: true},
		{name: "complete entry without its newline", in: good + `{"id":"cur-c","input_id":"in3","concept_id":"cat","value":1}`, wantLen: 2, wantTorn: true},
		{name: "bad line in the middle", in: `{"id":"cur-a"` + "\n" + good, wantErr: "journal line 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			j, err := clarifai.NewJournal(strings.NewReader(tt.in), nil)
			if tt.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.wantLen, j.Len())
			assert.Equal(t, tt.wantTorn, j.Torn())
			assert.EqualValues(t, len(good), j.Good())
		})
	}
}

// Labels that give one input and concept both values are never written:
// each is present where the app holds it, else refused; the rest of the
// file is pushed. An app that holds both values already holds both labels.
func TestPushLabelsGivingBothValues(t *testing.T) {
	srv := clarifaitest.New(testKey)
	app := srv.AddApp("owner", "animals")
	mixedApp(t, app)
	require.NoError(t, app.AddInput(&apipb.Input{Id: "in5", Data: &apipb.Data{Concepts: []*apipb.Concept{{Id: "fox", Value: 1}}}}))
	require.NoError(t, app.AddAnnotation(&apipb.Annotation{Id: "bob-5", InputId: "in5", Worker: user("bob"), Data: &apipb.Data{Concepts: []*apipb.Concept{{Id: "fox"}}}}))
	c := bufClient(t, srv, ownerApp, testKey)
	before := state(app)
	labels := []dataset.Annotation{
		{InputID: "in4", ConceptID: "fox", Value: 1}, // nothing in the app: both refused
		{InputID: "in4", ConceptID: "fox", Value: 0},
		{InputID: "in0", ConceptID: "cat", Value: 0}, // the app holds 1: that one present, 0 refused
		{InputID: "in0", ConceptID: "cat", Value: 1},
		{InputID: "in5", ConceptID: "fox", Value: 1}, // the app holds both: both present
		{InputID: "in5", ConceptID: "fox", Value: 0},
		{InputID: "in5", ConceptID: "fox", Value: 1}, // a repeat
		{InputID: "in4", ConceptID: "dog", Value: 1}, // new
	}
	for _, overwrite := range []bool{false, true} {
		sum, err := c.Push(context.Background(), labels, clarifai.PushOptions{Overwrite: overwrite})
		require.ErrorIs(t, err, clarifai.ErrConflict)
		assert.Equal(t, 7, sum.Requested)
		assert.Equal(t, 1, sum.Duplicates)
		assert.Equal(t, 3, sum.Refused())
		for _, r := range sum.Conflicts {
			assert.True(t, r.Both)
			assert.Contains(t, r.String(), "the labels pushed give it both 1 and 0")
		}
		assert.Equal(t, 4, sum.Posted+sum.Present, "three held already, in4/dog new (then held)")
		assert.Equal(t, sum.Requested, sum.Posted+sum.Present+len(sum.Conflicts)+len(sum.Failed))
		after := state(app)
		assert.Len(t, after, len(before)+1, "only in4/dog written")
		assert.Equal(t, float32(1), after["in4/dog/"+clarifai.AnnotationID("in4", "dog", 1)])
		for k, v := range before {
			assert.Equal(t, v, after[k], k)
		}
	}
}
