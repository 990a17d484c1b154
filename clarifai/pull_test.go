package clarifai_test

import (
	"bytes"
	"context"
	"testing"

	"github.com/apache/arrow/go/v15/arrow/memory"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"curate.dev/clarifai"
	"curate.dev/clarifai/apipb"
	"curate.dev/clarifai/clarifaitest"
	"curate.dev/dataset"
)

func TestPullPagination(t *testing.T) {
	tests := []struct {
		name       string
		inputs     int
		pageSize   int
		maxPerPage int // server cut
		wantStream int // StreamInputs calls
	}{
		{name: "full pages", inputs: 25, pageSize: 5, maxPerPage: 1000, wantStream: 5 + 1},
		{name: "short pages are not the end", inputs: 25, pageSize: 10, maxPerPage: 4, wantStream: 7 + 1},
		{name: "exact multiple", inputs: 20, pageSize: 10, maxPerPage: 1000, wantStream: 2 + 1},
		{name: "empty app", inputs: 0, pageSize: 10, maxPerPage: 1000, wantStream: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			srv := clarifaitest.New(testKey)
			srv.MaxPerPage = tt.maxPerPage
			seed(t, srv.AddApp("me", "animals"), tt.inputs)
			c := bufClient(t, srv, testApp, testKey, clarifai.WithPageSize(tt.pageSize))
			p := c.Pull(context.Background(), clarifai.PullOptions{IncludeModels: true})
			defer p.Close()
			r := p.Reader(dataset.WithAllocator(mem), dataset.WithBatchSize(7))
			defer r.Release()
			got := rows(t, r)
			wantRows := 2*tt.inputs + 2*((tt.inputs+2)/3)
			assert.Len(t, got, wantRows)
			assert.EqualValues(t, tt.inputs, r.Stats().Inputs)
			assert.Equal(t, tt.wantStream, srv.Calls("StreamInputs"))
			seen := map[string]bool{}
			for _, a := range got {
				seen[a.InputID] = true
			}
			assert.Len(t, seen, tt.inputs, "every input, none twice")
		})
	}
}

func TestPullValuesAndModels(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	srv := clarifaitest.New(testKey)
	app := srv.AddApp("me", "animals")
	seed(t, app, 3)
	app.AddRelation("cat", "hyponym", "animal")
	c := tcpClient(t, srv)
	ctx := context.Background()

	for _, include := range []bool{false, true} {
		p := c.Pull(ctx, clarifai.PullOptions{IncludeModels: include})
		r := p.Reader(dataset.WithAllocator(mem))
		got := rows(t, r)
		r.Release()
		p.Close()
		var human, model []dataset.Annotation
		for _, a := range got {
			if a.AnnotatorKind == dataset.AnnotatorModel {
				model = append(model, a)
			} else {
				human = append(human, a)
			}
		}
		require.Len(t, human, 6)
		for _, a := range human {
			assert.Equal(t, dataset.AnnotatorUser, a.AnnotatorKind)
			assert.Equal(t, "me", a.Annotator)
			assert.Equal(t, "il-"+a.InputID, a.AnnotationID)
			switch a.ConceptID {
			case "cat":
				assert.Equal(t, dataset.Positive, a.Value)
				assert.Equal(t, dataset.ValueExplicit, a.Source)
				assert.Equal(t, "Cat", a.ConceptName, "name from ListConcepts")
			case "dog":
				assert.Equal(t, dataset.Negative, a.Value, "an absent value is a negative over gRPC")
				assert.Equal(t, dataset.ValueGRPCDefault, a.Source)
			}
		}
		if !include {
			assert.Empty(t, model)
			assert.EqualValues(t, 2, p.Stats().ModelLeftOut)
			continue
		}
		require.Len(t, model, 2)
		assert.Equal(t, "general", model[0].Annotator)
		assert.Equal(t, float32(0.93), model[0].Value, "a model keeps its score")
		assert.Equal(t, "pred-in00000", model[0].AnnotationID)
	}
	rels, err := c.Relations(ctx)
	require.NoError(t, err)
	assert.Equal(t, []dataset.Relation{{Subject: "cat", Object: "animal", Predicate: dataset.Hyponym}}, rels)
}

// TestPullJSONLRoundTrip: pulled rows written as JSONL load back as the
// same rows, negatives still negative and model scores still model scores.
func TestPullJSONLRoundTrip(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	srv := clarifaitest.New(testKey)
	seed(t, srv.AddApp("me", "animals"), 10)
	c := bufClient(t, srv, testApp, testKey)
	p := c.Pull(context.Background(), clarifai.PullOptions{IncludeModels: true})
	defer p.Close()
	var buf bytes.Buffer
	var pulled []dataset.Annotation
	for {
		var in dataset.Input
		err := p.Next(&in)
		if err != nil {
			break
		}
		for _, a := range in.Annotations {
			a.InputID = in.ID
			pulled = append(pulled, a)
		}
		require.NoError(t, dataset.WriteInputJSONL(&buf, &in))
	}
	assert.Contains(t, buf.String(), `{"id":"dog","name":"Dog","value":0}`)
	r, err := dataset.NewReader(context.Background(), &buf, dataset.WithAllocator(mem))
	require.NoError(t, err)
	defer r.Release()
	back := rows(t, r)
	for i := range pulled {
		pulled[i].Source = dataset.ValueExplicit // JSONL states every value
	}
	assert.ElementsMatch(t, pulled, back)
	assert.Equal(t, countRows(pulled), countRows(back))
	assert.Equal(t, [2]int{10, 0}, countRows(back)["cat"])
	assert.Equal(t, [2]int{0, 10}, countRows(back)["dog"])
}

func TestPullInputLevelCountedOnce(t *testing.T) {
	// The input's concepts and its input-level annotation are the same
	// labels: they must not be counted twice.
	srv := clarifaitest.New(testKey)
	app := srv.AddApp("me", "animals")
	require.NoError(t, app.AddInput(&apipb.Input{Id: "x", Data: &apipb.Data{Concepts: []*apipb.Concept{{Id: "cat", Value: 1}}}}))
	c := bufClient(t, srv, testApp, testKey)
	p := c.Pull(context.Background(), clarifai.PullOptions{})
	defer p.Close()
	var in dataset.Input
	require.NoError(t, p.Next(&in))
	assert.Len(t, in.Annotations, 1, "not counted twice: the listing has the input-level annotation")
}
