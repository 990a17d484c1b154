package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"curate.dev/clarifai/apipb"
	"curate.dev/clarifai/clarifaitest"
)

// teamApp serves an app with what a team's app holds: input-level
// annotations with several concepts (negatives absent on the wire), a
// second user's labels, a Portal label repeating one, a conflict between
// users, model scores and inputs without labels.
func teamApp(t *testing.T, n int) (*clarifaitest.Server, string) {
	t.Helper()
	srv := clarifaitest.New(cliKey)
	app := srv.AddApp("owner", "team")
	by := func(u string) *apipb.Worker {
		return &apipb.Worker{Worker: &apipb.Worker_User{User: &apipb.User{Id: u}}}
	}
	for i := range n {
		id := fmt.Sprintf("in%04d", i)
		in := &apipb.Input{Id: id, Data: &apipb.Data{Image: &apipb.Image{Url: "https://example.com/" + id + ".jpg"}}}
		if i%5 != 4 {
			in.Data.Concepts = []*apipb.Concept{{Id: fmt.Sprintf("c%d", i%7), Value: 1}, {Id: fmt.Sprintf("c%d", (i+3)%7)}, {Id: "animal", Value: float32(i % 2)}}
		}
		require.NoError(t, app.AddInput(in))
		if i%3 == 0 {
			require.NoError(t, app.AddAnnotation(&apipb.Annotation{Id: "bob-" + id, InputId: id, Worker: by("bob"),
				Data: &apipb.Data{Concepts: []*apipb.Concept{{Id: fmt.Sprintf("c%d", (i+1)%7), Value: 1}, {Id: "animal", Value: float32((i / 3) % 2)}}}}))
		}
		if i%4 == 0 {
			require.NoError(t, app.AddAnnotation(&apipb.Annotation{Id: "portal-" + id, InputId: id, Worker: by("owner"),
				Data: &apipb.Data{Concepts: []*apipb.Concept{{Id: fmt.Sprintf("c%d", i%7), Value: 1}}}}))
		}
		if i%2 == 0 {
			require.NoError(t, app.AddAnnotation(&apipb.Annotation{Id: "pred-" + id, InputId: id,
				Worker: &apipb.Worker{Worker: &apipb.Worker_Model{Model: &apipb.Model{Id: "general"}}},
				Data:   &apipb.Data{Concepts: []*apipb.Concept{{Id: "c1", Value: 0.7}, {Id: "c2", Value: 0.2}}}}))
		}
	}
	app.AddRelation("c1", "hyponym", "animal")
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	addr, stop := srv.Start(ctx)
	t.Cleanup(stop)
	return srv, addr
}

// reportJSON runs curate report --format json and decodes the document.
func reportJSON(t *testing.T, args ...string) map[string]any {
	t.Helper()
	f, out, errOut := clarifaiFactory(cliKey)
	code := Run(context.Background(), f, append([]string{"report", "--format", "json"}, args...))
	require.Equal(t, ExitOK, code, errOut.String())
	var doc map[string]any
	require.NoError(t, json.Unmarshal(out.Bytes(), &doc), out.String())
	return doc
}

// The report of an app equals the report of its pulled file, field for
// field, with and without model scores and relations. A negative the app
// holds is a negative read over gRPC (value_source grpc_default), not a
// value the source left out: it is not counted as implicit.
func TestReportOfAppEqualsReportOfPull(t *testing.T) {
	_, addr := teamApp(t, 300)
	t.Setenv("CLARIFAI_PAT", cliKey) // report reads an app's key through openSource
	conn := []string{"--endpoint", addr, "--insecure", "--rate", "-1"}
	dir := t.TempDir()
	pulled := filepath.Join(dir, "team.jsonl")
	rels := filepath.Join(dir, "relations.jsonl")
	f, _, errOut := clarifaiFactory(cliKey)
	require.Equal(t, ExitOK, Run(context.Background(), f, append([]string{"pull", "clarifai://owner/team", "--out", pulled, "--relations-out", rels, "--include-models"}, conn...)), errOut.String())
	require.NotContains(t, errOut.String(), "warning")

	for _, extra := range [][]string{nil, {"--include-models"}, {"--relations", rels}} {
		t.Run(fmt.Sprint(extra), func(t *testing.T) {
			app := reportJSON(t, append(append([]string{"clarifai://owner/team"}, conn...), extra...)...)
			file := reportJSON(t, append([]string{pulled}, extra...)...)
			assert.Equal(t, file, app)
		})
	}
}

// After a complete pull, the labels read are checked against the app's
// own per-concept counts; a difference is a warning naming the concept.
func TestPullCrossChecksCounts(t *testing.T) {
	srv, addr := teamApp(t, 50)
	out := filepath.Join(t.TempDir(), "team.jsonl")
	argv := []string{"pull", "clarifai://owner/team", "--out", out, "--endpoint", addr, "--insecure", "--rate", "-1"}
	f, _, errOut := clarifaiFactory(cliKey)
	require.Equal(t, ExitOK, Run(context.Background(), f, argv), errOut.String())
	assert.NotContains(t, errOut.String(), "warning")
	assert.Equal(t, 2, srv.Calls("GetConceptCounts"), "checked once: one page, then the empty page that ends it")
	srv.AdjustCounts = func(c *apipb.ConceptCount) {
		if c.Id == "c3" {
			c.ConceptTypeCount.Positive++
		}
	}
	f, _, errOut = clarifaiFactory(cliKey)
	require.Equal(t, ExitOK, Run(context.Background(), f, argv), errOut.String())
	assert.Contains(t, errOut.String(), "curate: warning: clarifai://owner/team: for 1 concept(s) the labels read differ from the app's own counts (GetConceptCounts)")
	assert.Regexp(t, `  c3: the app counts \d+ / \d+, curate read \d+ / \d+\n`, errOut.String())
	require.NoError(t, os.Remove(out))
}
