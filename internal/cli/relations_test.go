package cli

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"curate.dev/balance"
	"curate.dev/dataset"
	"curate.dev/internal/synth"
	"curate.dev/label"
)

func TestRelationsInferFlags(t *testing.T) {
	ios, _, _, _ := Test()
	f := &Factory{IO: ios}
	tests := []struct {
		name, args string
		want       RelationsInferOptions
		wantErr    string
	}{
		{name: "defaults", args: "infer a.jsonl --out r.jsonl", want: RelationsInferOptions{Source: "a.jsonl", Out: "r.jsonl", MinConfidence: balance.DefaultMinConfidence}},
		{name: "all", args: "infer a.jsonl --out - --min-confidence 0.9 --force --relations given.jsonl",
			want: RelationsInferOptions{Source: "a.jsonl", Out: "-", MinConfidence: 0.9, Force: true}},
		{name: "no out", args: "infer a.jsonl", wantErr: "--out FILE is required"},
		{name: "bad confidence", args: "infer a.jsonl --out r.jsonl --min-confidence 2", wantErr: "--min-confidence"},
		{name: "no source", args: "infer --out r.jsonl", wantErr: "missing SOURCE"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parseFlags(t, f, NewCmdRelations, tc.args)
			if tc.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tc.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.want.Source, got.Source)
			assert.Equal(t, tc.want.Out, got.Out)
			assert.Equal(t, tc.want.MinConfidence, got.MinConfidence)
			assert.Equal(t, tc.want.Force, got.Force)
		})
	}
}

// writeHardWorld writes a world whose parents are labelled instead of
// their kinds and whose cars are also automobiles, and returns it.
func writeHardWorld(t *testing.T, path string, dim int) *synth.World {
	t.Helper()
	w, err := synth.New(synth.Config{Seed: 7, Inputs: 20000, EmbeddingDim: dim, WithRelations: true, Synonyms: 2, ParentRate: synth.Off, ParentOnlyRate: 0.2})
	require.NoError(t, err)
	f, err := os.Create(path)
	require.NoError(t, err)
	require.NoError(t, w.WriteJSONL(context.Background(), f))
	require.NoError(t, f.Close())
	return w
}

// TestRelationsInferRun infers relations from a JSONL file the way a user
// runs it, reads the file back as --relations would, and checks each
// relation against the world's hidden hierarchy; a second run refuses to
// replace the file without --force.
func TestRelationsInferRun(t *testing.T) {
	for _, dim := range []int{0, 16} {
		t.Run(map[int]string{0: "no embeddings", 16: "embeddings"}[dim], func(t *testing.T) {
			dir := t.TempDir()
			data, out := filepath.Join(dir, "a.jsonl"), filepath.Join(dir, "relations.jsonl")
			w := writeHardWorld(t, data, dim)
			code, stdout, errOut := runCurate(t, "relations", "infer", data, "--out", out)
			require.Equal(t, ExitOK, code, errOut)
			assert.Contains(t, stdout, "SUBJECT\tPREDICATE\tOBJECT")
			assert.Contains(t, errOut, "inferred relations to")

			f, err := os.Open(out)
			require.NoError(t, err)
			rels, err := dataset.ReadRelations(context.Background(), f, "relations.jsonl")
			f.Close()
			require.NoError(t, err)
			truth, err := label.NewHierarchy(w.Relations())
			require.NoError(t, err)
			found := map[string]bool{}
			for _, r := range rels {
				found[r.Subject+" "+string(r.Predicate)+" "+r.Object] = true
				assert.True(t, truth.Related(r.Subject, r.Object), "%s %s %s is not in the hidden hierarchy", r.Subject, r.Predicate, r.Object)
			}
			assert.True(t, found["dog hyponym canine"], "dog is a kind of canine: %v", found)
			assert.True(t, found["husky hyponym dog"], "husky is a kind of dog: %v", found)
			if dim > 0 {
				assert.True(t, found["wolf hyponym canine"], "wolf is a kind of canine: %v", found)
				assert.True(t, found["automobile synonym car"], "automobile names a car: %v", found)
			}

			code, _, errOut = runCurate(t, "relations", "infer", data, "--out", out)
			assert.Equal(t, ExitError, code)
			assert.Contains(t, errOut, "--force")
			code, _, errOut = runCurate(t, "relations", "infer", data, "--out", out, "--force")
			assert.Equal(t, ExitOK, code, errOut)

			// Passed back as --relations, the pairs it names are no longer inferred.
			code, _, errOut = runCurate(t, "relations", "infer", data, "--relations", out, "--out", filepath.Join(dir, "more.jsonl"))
			require.Equal(t, ExitOK, code, errOut)
			more, err := os.ReadFile(filepath.Join(dir, "more.jsonl"))
			require.NoError(t, err)
			for k := range found {
				p := strings.Fields(k)
				assert.NotContains(t, string(more), `"subject_concept":{"id":"`+p[0]+`"},"object_concept":{"id":"`+p[2]+`"}`)
			}

			// suggest says what it left out, and overlap shows the inferred relations.
			code, _, errOut = runCurate(t, "suggest", data, "--out", filepath.Join(dir, "neg.jsonl"))
			require.Equal(t, ExitOK, code, errOut)
			assert.Contains(t, errOut, "pairs left out as likely sub-types or synonyms; see `curate relations infer`")
			code, _, errOut = runCurate(t, "suggest", data, "--no-infer", "--out", filepath.Join(dir, "neg-all.jsonl"))
			require.Equal(t, ExitOK, code, errOut)
			assert.NotContains(t, errOut, "left out")
			code, stdout, errOut = runCurate(t, "overlap", data)
			require.Equal(t, ExitOK, code, errOut)
			assert.Contains(t, stdout, "inferred relations")
			assert.Contains(t, stdout, "dog\thyponym\tcanine")
		})
	}
}

// relations push posts a confirmed file to an app after a dry run that
// writes nothing, and a rerun posts nothing new.
func TestRelationsPush(t *testing.T) {
	_, app, addr := fakeApp(t, 1)
	for _, c := range []string{"wolf", "canine", "car", "automobile"} {
		app.AddConcept(c, c)
	}
	dir := t.TempDir()
	file := filepath.Join(dir, "relations.jsonl")
	require.NoError(t, os.WriteFile(file, []byte(`{"subject_concept":{"id":"wolf"},"object_concept":{"id":"canine"},"predicate":"hyponym","inferred":true,"confidence":0.97,"evidence":{"signals":["x"]}}
{"subject_concept":{"id":"automobile"},"object_concept":{"id":"car"},"predicate":"synonym","inferred":true,"confidence":0.9}
`), 0o644))
	argv := []string{"relations", "push", file, "--to", "clarifai://me/animals", "--endpoint", addr, "--insecure", "--rate", "-1"}

	f, out, errOut := clarifaiFactory(cliKey)
	require.Equal(t, ExitOK, Run(context.Background(), f, append(argv, "--dry-run")), errOut.String())
	assert.Contains(t, out.String(), "would post 2 relation(s) to clarifai://me/animals (0 already there)")
	assert.Contains(t, out.String(), "wolf hyponym canine")
	before := len(app.Relations())

	f, _, errOut = clarifaiFactory(cliKey)
	require.Equal(t, ExitOK, Run(context.Background(), f, argv), errOut.String())
	assert.Contains(t, errOut.String(), "2 relation(s) posted, 0 already there")
	var got []string
	for _, r := range app.Relations()[before:] {
		got = append(got, r.GetSubjectConcept().GetId()+" "+r.GetPredicate()+" "+r.GetObjectConcept().GetId())
	}
	assert.ElementsMatch(t, []string{"wolf hyponym canine", "automobile synonym car"}, got)

	f, _, errOut = clarifaiFactory(cliKey)
	require.Equal(t, ExitOK, Run(context.Background(), f, argv), errOut.String())
	assert.Contains(t, errOut.String(), "0 relation(s) posted, 2 already there")
	assert.Len(t, app.Relations(), before+2)
	assert.NotContains(t, errOut.String(), cliKey)

	f, _, errOut = clarifaiFactory(cliKey)
	assert.Equal(t, ExitUsage, Run(context.Background(), f, []string{"relations", "push", file}))
	assert.Contains(t, errOut.String(), "--to")
}
