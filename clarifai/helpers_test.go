package clarifai_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"curate.dev/clarifai"
	"curate.dev/clarifai/apipb"
	"curate.dev/clarifai/clarifaitest"
	"curate.dev/dataset"
)

const testKey = "pat-0123456789abcdef-SECRET"

var testApp = clarifai.App{UserID: "me", AppID: "animals"}

// fast makes retries quick and turns the rate limit off.
var fast = []clarifai.Option{
	clarifai.WithRate(0),
	clarifai.WithRetry(clarifai.Retry{Base: time.Millisecond, Max: 4 * time.Millisecond, Throttle: 2 * time.Millisecond, Attempts: 10}),
}

// bufClient connects to srv in memory.
func bufClient(t testing.TB, srv *clarifaitest.Server, app clarifai.App, key string, opts ...clarifai.Option) *clarifai.Client {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	dial, stop := srv.Bufconn(ctx)
	t.Cleanup(stop)
	c, err := clarifai.Dial(ctx, clarifai.Config{App: app, Key: clarifai.NewSecret(key), Endpoint: "bufnet", Dialer: dial, Options: append(append([]clarifai.Option{}, fast...), opts...)})
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	return c
}

// tcpClient connects to srv over a real loopback listener.
func tcpClient(t testing.TB, srv *clarifaitest.Server, opts ...clarifai.Option) *clarifai.Client {
	t.Helper()
	return tcpAppClient(t, srv, testApp, opts...)
}

func tcpAppClient(t testing.TB, srv *clarifaitest.Server, app clarifai.App, opts ...clarifai.Option) *clarifai.Client {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	addr, stop := srv.Start(ctx)
	t.Cleanup(stop)
	c, err := clarifai.Dial(ctx, clarifai.Config{App: app, Key: clarifai.NewSecret(testKey), Endpoint: addr, Insecure: true, Options: append(append([]clarifai.Option{}, fast...), opts...)})
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	return c
}

// seed fills an app with n inputs: each has an input-level annotation
// (cat positive, dog negative with the value left off the wire), and
// every third input a model prediction.
func seed(t testing.TB, app *clarifaitest.App, n int) {
	t.Helper()
	app.AddConcept("cat", "Cat")
	app.AddConcept("dog", "Dog")
	for i := range n {
		id := fmt.Sprintf("in%05d", i)
		require.NoError(t, app.AddInput(&apipb.Input{Id: id, Data: &apipb.Data{
			Image:    &apipb.Image{Url: "https://example.com/" + id + ".jpg"},
			Concepts: []*apipb.Concept{{Id: "cat", Value: 1}, {Id: "dog"}},
		}}))
		if i%3 == 0 {
			require.NoError(t, app.AddAnnotation(&apipb.Annotation{Id: "pred-" + id, InputId: id,
				Worker: &apipb.Worker{Worker: &apipb.Worker_Model{Model: &apipb.Model{Id: "general"}}},
				Data:   &apipb.Data{Concepts: []*apipb.Concept{{Id: "cat", Value: 0.93}, {Id: "dog", Value: 0.12}}}}))
		}
	}
}

// rows reads every annotation row of r back into structs.
func rows(t testing.TB, r *dataset.Reader) []dataset.Annotation {
	t.Helper()
	var out []dataset.Annotation
	for r.Next() {
		var err error
		out, err = dataset.AppendAnnotations(out, r.Annotations())
		require.NoError(t, err)
	}
	require.NoError(t, r.Err())
	return out
}

// counts is positives and negatives per concept of human labels.
type counts map[string][2]int

func countRows(rs []dataset.Annotation) counts {
	c := counts{}
	for _, a := range rs {
		if a.AnnotatorKind == dataset.AnnotatorModel || a.AnnotatorKind == dataset.AnnotatorWorkflow {
			continue
		}
		x := c[a.ConceptID]
		if a.Value == 1 {
			x[0]++
		} else {
			x[1]++
		}
		c[a.ConceptID] = x
	}
	return c
}
