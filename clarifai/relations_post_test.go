package clarifai_test

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"curate.dev/clarifai"
	"curate.dev/clarifai/clarifaitest"
	"curate.dev/dataset"
)

func relationTriples(app *clarifaitest.App) [][3]string {
	var out [][3]string
	for _, r := range app.Relations() {
		out = append(out, [3]string{r.GetSubjectConcept().GetId(), r.GetPredicate(), r.GetObjectConcept().GetId()})
	}
	return out
}

func TestPostRelations(t *testing.T) {
	rels := []dataset.Relation{
		{Subject: "wolf", Object: "canine", Predicate: dataset.Hyponym},
		{Subject: "dog", Object: "canine", Predicate: dataset.Hyponym},
		{Subject: "automobile", Object: "car", Predicate: dataset.Synonym},
		{Subject: "canine", Object: "husky", Predicate: dataset.Hypernym}, // already there as husky hyponym canine
		{Subject: "wolf", Object: "canine", Predicate: dataset.Hyponym},   // twice in the file
	}
	newApp := func(srv *clarifaitest.Server) *clarifaitest.App {
		app := srv.AddApp(testApp.UserID, testApp.AppID)
		for _, c := range []string{"wolf", "dog", "husky", "canine", "car", "automobile"} {
			app.AddConcept(c, c)
		}
		app.AddRelation("husky", "hyponym", "canine")
		return app
	}
	want := [][3]string{{"husky", "hyponym", "canine"}, {"automobile", "synonym", "car"}, {"dog", "hyponym", "canine"}, {"wolf", "hyponym", "canine"}}

	tests := []struct {
		name  string
		fault func(method string, n int) clarifaitest.Fault
	}{
		{"plain", nil},
		{"reply lost after the write", func(m string, n int) clarifaitest.Fault {
			if m == "PostConceptRelations" && n == 2 {
				return clarifaitest.LoseReply
			}
			return clarifaitest.NoFault
		}},
		{"transient failure", func(m string, n int) clarifaitest.Fault {
			if m == "PostConceptRelations" && n == 1 {
				return clarifaitest.Transient
			}
			return clarifaitest.NoFault
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := clarifaitest.New(testKey)
			app := newApp(srv)
			srv.Fault = tc.fault
			c := bufClient(t, srv, testApp, testKey)
			ctx := context.Background()

			plan, err := c.PlanRelations(ctx, rels)
			require.NoError(t, err)
			assert.Equal(t, 1, plan.Present)
			assert.Len(t, plan.Missing, 3)
			assert.Len(t, app.Relations(), 1, "planning writes nothing")

			got, err := c.PostRelations(ctx, rels)
			require.NoError(t, err)
			assert.Len(t, got.Missing, 3)
			assert.Equal(t, want, relationTriples(app))

			// Again: nothing is missing, nothing is posted.
			again, err := c.PostRelations(ctx, rels)
			require.NoError(t, err)
			assert.Empty(t, again.Missing)
			assert.Equal(t, 4, again.Present)
			assert.Equal(t, want, relationTriples(app))
		})
	}

	t.Run("unknown concept", func(t *testing.T) {
		srv := clarifaitest.New(testKey)
		app := newApp(srv)
		c := bufClient(t, srv, testApp, testKey)
		_, err := c.PostRelations(context.Background(), []dataset.Relation{{Subject: "fox", Object: "canine", Predicate: dataset.Hyponym}})
		var se *clarifai.StatusError
		require.True(t, errors.As(err, &se), "%v", err)
		assert.Contains(t, se.Description, `concept "fox" not found`)
		assert.Len(t, app.Relations(), 1)
	})
}
