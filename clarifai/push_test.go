package clarifai_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/apache/arrow/go/v15/arrow/memory"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"curate.dev/clarifai"
	"curate.dev/clarifai/apipb"
	"curate.dev/clarifai/clarifaitest"
	"curate.dev/dataset"
)

// labels returns n labels on inputs in00000…, four concepts per input,
// every third one a negative.
func labels(n int) []dataset.Annotation {
	out := make([]dataset.Annotation, n)
	for k := range out {
		v := dataset.Positive
		if k%3 == 0 {
			v = dataset.Negative
		}
		out[k] = dataset.Annotation{InputID: fmt.Sprintf("in%05d", k/4), ConceptID: fmt.Sprintf("c%d", k%4), Value: v}
	}
	return out
}

// emptyInputs adds n inputs with no annotations.
func emptyInputs(t testing.TB, app *clarifaitest.App, n int) {
	t.Helper()
	for i := range n {
		require.NoError(t, app.AddInput(&apipb.Input{Id: fmt.Sprintf("in%05d", i)}))
	}
}

// assertExactly checks the app holds each wanted label once and nothing else.
func assertExactly(t *testing.T, app *clarifaitest.App, want []dataset.Annotation) {
	t.Helper()
	type key struct {
		in, c string
		v     float32
	}
	got := map[key]int{}
	total := 0
	for _, a := range app.Annotations() {
		for _, k := range a.GetData().GetConcepts() {
			got[key{a.GetInputId(), k.GetId(), k.GetValue()}]++
			total++
		}
	}
	missing, twice := 0, 0
	for _, w := range want {
		switch got[key{w.InputID, w.ConceptID, w.Value}] {
		case 0:
			missing++
		case 1:
		default:
			twice++
		}
	}
	assert.Zero(t, missing, "labels lost")
	assert.Zero(t, twice, "labels written twice")
	assert.Equal(t, len(want), total, "nothing else written")
}

func TestPushUnderFaults(t *testing.T) {
	srv := clarifaitest.New(testKey)
	app := srv.AddApp("me", "animals")
	emptyInputs(t, app, 2500)
	faults := []clarifaitest.Fault{clarifaitest.Drop, clarifaitest.LoseReply, clarifaitest.Throttle, clarifaitest.Deadline, clarifaitest.Transient}
	var injected [8]int
	srv.Fault = func(method string, n int) clarifaitest.Fault {
		if n%3 != 0 { // a fault on every third call of each method
			return clarifaitest.NoFault
		}
		f := faults[(n/3)%len(faults)]
		injected[f]++
		return f
	}
	c := tcpClient(t, srv)
	want := labels(10_000)
	var journal bytes.Buffer
	j, err := clarifai.NewJournal(nil, &journal)
	require.NoError(t, err)
	sum, err := c.Push(context.Background(), want, clarifai.PushOptions{Journal: j, InFlight: 4})
	require.NoError(t, err)
	assert.Equal(t, 10_000, sum.Requested)
	assert.Equal(t, 10_000, sum.Posted+sum.Present)
	assert.Positive(t, sum.Verifies, "lost replies were settled by listing")
	for _, f := range faults {
		assert.Positive(t, injected[f], "fault %d injected", f)
	}
	assertExactly(t, app, want)
	assert.Equal(t, 10_000, bytes.Count(journal.Bytes(), []byte("\n")))
	assert.NotContains(t, journal.String(), testKey)
}

func TestPushNegativeReadsBackNegative(t *testing.T) {
	srv := clarifaitest.New(testKey)
	app := srv.AddApp("me", "animals")
	emptyInputs(t, app, 1)
	c := bufClient(t, srv, testApp, testKey)
	_, err := c.Push(context.Background(), []dataset.Annotation{
		{InputID: "in00000", ConceptID: "cat", Value: dataset.Positive},
		{InputID: "in00000", ConceptID: "dog", Value: dataset.Negative},
	}, clarifai.PushOptions{})
	require.NoError(t, err)
	p := c.Pull(context.Background(), clarifai.PullOptions{})
	defer p.Close()
	var in dataset.Input
	require.NoError(t, p.Next(&in))
	got := map[string]float32{}
	for _, a := range in.Annotations {
		got[a.ConceptID] = a.Value
	}
	assert.Equal(t, map[string]float32{"cat": 1, "dog": 0}, got)
}

func TestPushResumesFromJournal(t *testing.T) {
	srv := clarifaitest.New(testKey)
	app := srv.AddApp("me", "animals")
	emptyInputs(t, app, 250)
	c := tcpClient(t, srv)
	want := labels(1000)
	var journal bytes.Buffer
	j, err := clarifai.NewJournal(nil, &journal)
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	sum, err := c.Push(ctx, want, clarifai.PushOptions{Journal: j, BatchSize: 50, InFlight: 1, Progress: func(n int) {
		if n >= 300 {
			cancel() // interrupted part way
		}
	}})
	require.ErrorIs(t, err, context.Canceled)
	done := bytes.Count(journal.Bytes(), []byte("\n"))
	require.GreaterOrEqual(t, done, 300)
	require.Less(t, done, 1000)
	assert.Equal(t, done, sum.Posted+sum.Present)

	// A torn last line, as a crash mid-write leaves, is ignored.
	journal.WriteString(`{"id":"cur-dead`)
	j2, err := clarifai.NewJournal(bytes.NewReader(journal.Bytes()), nil)
	require.NoError(t, err)
	assert.Equal(t, done, j2.Len())
	sum, err = c.Push(context.Background(), want, clarifai.PushOptions{Journal: j2})
	require.NoError(t, err)
	assert.Equal(t, done, sum.Skipped)
	assert.Equal(t, 1000-done, sum.Posted+sum.Present)
	assertExactly(t, app, want)
}

func TestPushMixedStatus(t *testing.T) {
	srv := clarifaitest.New(testKey)
	app := srv.AddApp("me", "animals")
	emptyInputs(t, app, 100)
	srv.Fault = func(method string, n int) clarifaitest.Fault {
		if method == "PostAnnotations" && n <= 2 {
			return clarifaitest.Mixed
		}
		return clarifaitest.NoFault
	}
	c := bufClient(t, srv, testApp, testKey)
	want := labels(300)
	want = append(want, dataset.Annotation{InputID: "no-such-input", ConceptID: "cat", Value: 1})
	var journal bytes.Buffer
	j, _ := clarifai.NewJournal(nil, &journal)
	sum, err := c.Push(context.Background(), want, clarifai.PushOptions{Journal: j, InFlight: 1})
	require.Error(t, err)
	assert.ErrorIs(t, err, clarifai.ErrNotWritten)
	var pe *clarifai.PushError
	require.True(t, errors.As(err, &pe))
	require.Len(t, pe.Failed, 3)
	codes := map[apipb.StatusCode]int{}
	for _, f := range pe.Failed {
		codes[f.Code]++
		assert.NotEmpty(t, f.Description)
		assert.NotEmpty(t, f.InputID)
		assert.Contains(t, err.Error(), f.ID)
	}
	assert.Equal(t, map[apipb.StatusCode]int{apipb.StatusCode_ANNOTATION_INVALID_ARGUMENT: 2, apipb.StatusCode_INPUT_DOES_NOT_EXIST: 1}, codes)
	assert.Contains(t, err.Error(), "injected failure")
	assert.Contains(t, err.Error(), "no-such-input")
	assert.Equal(t, 298, sum.Posted)
	assert.Equal(t, 298, bytes.Count(journal.Bytes(), []byte("\n")), "failed items are not journaled")
	assert.Equal(t, pe.Failed, sum.Failed)
}

func TestPushRejectsNonLabels(t *testing.T) {
	srv := clarifaitest.New(testKey)
	c := bufClient(t, srv, testApp, testKey)
	_, err := c.Push(context.Background(), []dataset.Annotation{{InputID: "a", ConceptID: "cat", Value: 0.5}}, clarifai.PushOptions{})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "0.5")
	assert.Zero(t, srv.Calls("ListConcepts"), "nothing sent")
}

// TestPullReportPushAgree: counts from a local file, from the push summary
// and from pulling the app back are the same.
func TestPullReportPushAgree(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	local := `{"id":"in00000","data":{"concepts":[{"id":"cat","value":1},{"id":"dog","value":0}]}}
{"id":"in00001","data":{"concepts":[{"id":"cat","value":0},{"id":"dog","value":1},{"id":"bird","value":0}]}}
{"id":"in00002","data":{"concepts":[{"id":"cat","value":1}]}}
`
	r, err := dataset.NewReader(context.Background(), bytes.NewBufferString(local), dataset.WithAllocator(mem))
	require.NoError(t, err)
	localRows := rows(t, r)
	r.Release()

	srv := clarifaitest.New(testKey)
	app := srv.AddApp("me", "animals")
	emptyInputs(t, app, 3)
	c := bufClient(t, srv, testApp, testKey)
	sum, err := c.Push(context.Background(), localRows, clarifai.PushOptions{})
	require.NoError(t, err)
	assert.Equal(t, len(localRows), sum.Posted)

	p := c.Pull(context.Background(), clarifai.PullOptions{})
	defer p.Close()
	pr := p.Reader(dataset.WithAllocator(mem))
	defer pr.Release()
	pulled := rows(t, pr)
	assert.Equal(t, countRows(localRows), countRows(pulled))
	assert.Equal(t, counts{"cat": {2, 1}, "dog": {1, 1}, "bird": {0, 1}}, countRows(pulled))
}
