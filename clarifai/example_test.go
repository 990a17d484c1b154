package clarifai_test

import (
	"context"
	"fmt"

	"curate.dev/clarifai"
	"curate.dev/clarifai/apipb"
	"curate.dev/clarifai/clarifaitest"
	"curate.dev/dataset"
)

// Pull an app into Arrow batches and push labels back, against the
// in-memory test server.
func Example() {
	ctx := context.Background()
	srv := clarifaitest.New("my-key")
	app := srv.AddApp("me", "animals")
	app.AddInput(&apipb.Input{Id: "in1", Data: &apipb.Data{Concepts: []*apipb.Concept{{Id: "cat", Value: 1}}}})
	app.AddInput(&apipb.Input{Id: "in2"})
	addr, stop := srv.Start(ctx)
	defer stop()

	c, err := clarifai.Dial(ctx, clarifai.Config{
		App: clarifai.App{UserID: "me", AppID: "animals"}, Key: clarifai.NewSecret("my-key"),
		Endpoint: addr, Insecure: true, // plain text: loopback only
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer c.Close()

	sum, err := c.Push(ctx, []dataset.Annotation{
		{InputID: "in2", ConceptID: "cat", Value: dataset.Negative},
		{InputID: "in2", ConceptID: "dog", Value: dataset.Positive},
	}, clarifai.PushOptions{})
	fmt.Println("pushed:", sum.Posted, err)

	p := c.Pull(ctx, clarifai.PullOptions{})
	defer p.Close()
	r := p.Reader()
	defer r.Release()
	for r.Next() {
		fmt.Println("rows:", r.Annotations().NumRows(), "inputs:", r.Inputs().NumRows())
	}
	fmt.Println("negatives read as absent values:", p.Stats().GRPCDefaults, r.Err())
	// Output:
	// pushed: 2 <nil>
	// rows: 3 inputs: 2
	// negatives read as absent values: 1 <nil>
}
