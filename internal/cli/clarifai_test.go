package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"curate.dev/clarifai/apipb"
	"curate.dev/clarifai/clarifaitest"
	"curate.dev/dataset"
)

const cliKey = "pat-cli-SECRET-0042"

// fakeApp starts a fake Clarifai with app me/animals holding n inputs
// (cat positive, dog negative with the value off the wire, a model
// prediction on every second input) and returns its address.
func fakeApp(t *testing.T, n int) (*clarifaitest.Server, *clarifaitest.App, string) {
	t.Helper()
	srv := clarifaitest.New(cliKey)
	app := srv.AddApp("me", "animals")
	for i := range n {
		id := fmt.Sprintf("in%d", i)
		require.NoError(t, app.AddInput(&apipb.Input{Id: id, Data: &apipb.Data{
			Image:    &apipb.Image{Url: "https://example.com/" + id + ".jpg"},
			Concepts: []*apipb.Concept{{Id: "cat", Value: 1}, {Id: "dog"}},
		}}))
		if i%2 == 0 {
			require.NoError(t, app.AddAnnotation(&apipb.Annotation{Id: "p" + id, InputId: id,
				Worker: &apipb.Worker{Worker: &apipb.Worker_Model{Model: &apipb.Model{Id: "general"}}},
				Data:   &apipb.Data{Concepts: []*apipb.Concept{{Id: "dog", Value: 0.8}}}}))
		}
	}
	app.AddRelation("cat", "hyponym", "animal")
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	addr, stop := srv.Start(ctx)
	t.Cleanup(stop)
	return srv, app, addr
}

func clarifaiFactory(key string) (*Factory, *bytes.Buffer, *bytes.Buffer) {
	ios, _, out, errOut := Test()
	return &Factory{IO: ios, Getenv: func(k string) string {
		if k == "CLARIFAI_PAT" {
			return key
		}
		return ""
	}}, out, errOut
}

func TestPullFlags(t *testing.T) {
	tests := []struct {
		name    string
		argv    string
		want    PullOptions
		wantErr string
	}{
		{name: "basic", argv: "clarifai://me/animals --out a.jsonl",
			want: PullOptions{App: "clarifai://me/animals", Out: "a.jsonl", Conn: ClarifaiFlags{}}},
		{name: "all", argv: "clarifai://me/animals -o - --relations-out r.jsonl --endpoint 127.0.0.1:1 --insecure --pat-file k --include-models --rate -1",
			want: PullOptions{App: "clarifai://me/animals", Out: "-", RelationsOut: "r.jsonl", IncludeModels: true, Conn: ClarifaiFlags{Endpoint: "127.0.0.1:1", Insecure: true, PATFile: "k", Rate: -1}}},
		{name: "no out", argv: "clarifai://me/animals", wantErr: "--out is required"},
		{name: "not an app", argv: "data.jsonl --out x", wantErr: "clarifai://USER_ID/APP_ID"},
		{name: "no app", argv: "--out x", wantErr: "missing the app"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, _, _ := clarifaiFactory("")
			got, err := parseFlags(t, f, NewCmdPull, tt.argv)
			if tt.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.wantErr)
				return
			}
			require.NoError(t, err)
			got.IO, got.Getenv = nil, nil
			assert.Equal(t, tt.want, *got)
		})
	}
}

func TestPullRun(t *testing.T) {
	_, _, addr := fakeApp(t, 4)
	dir := t.TempDir()
	out, rels := filepath.Join(dir, "a.jsonl"), filepath.Join(dir, "r.jsonl")
	f, _, errOut := clarifaiFactory(cliKey)
	code := Run(context.Background(), f, []string{"pull", "clarifai://me/animals", "--out", out, "--relations-out", rels, "--endpoint", addr, "--insecure"})
	require.Equal(t, ExitOK, code, errOut.String())
	assert.Contains(t, errOut.String(), "4 inputs, 8 annotations (2 model and workflow score(s) left out")
	b, err := os.ReadFile(out)
	require.NoError(t, err)
	assert.Equal(t, 4, strings.Count(string(b), `{"id":"dog","value":0}`), "negatives written explicitly")
	assert.NotContains(t, string(b), "general")
	r, err := os.ReadFile(rels)
	require.NoError(t, err)
	assert.Equal(t, `{"subject_concept":{"id":"cat"},"object_concept":{"id":"animal"},"predicate":"hyponym"}`+"\n", string(r))
	assert.NotContains(t, errOut.String(), cliKey)

	// --include-models keeps the scores with their model.
	code = Run(context.Background(), f, []string{"pull", "clarifai://me/animals", "--out", out, "--endpoint", addr, "--insecure", "--include-models"})
	require.Equal(t, ExitOK, code, errOut.String())
	b, err = os.ReadFile(out)
	require.NoError(t, err)
	assert.Equal(t, 2, strings.Count(string(b), `"worker":{"model":{"id":"general"}},"data":{"concepts":[{"id":"dog","value":0.8}]}`))
}

func TestClarifaiErrors(t *testing.T) {
	_, _, addr := fakeApp(t, 1)
	dir := t.TempDir()
	out := filepath.Join(dir, "a.jsonl")
	journal := filepath.Join(dir, "j")
	src := filepath.Join(dir, "l.jsonl")
	require.NoError(t, os.WriteFile(src, []byte(`{"id":"in0","data":{"concepts":[{"id":"cat","value":0}]}}`+"\n"), 0o644))
	tests := []struct {
		name     string
		key      string
		argv     []string
		wantCode ExitCode
		wantMsg  string
	}{
		{"wrong key pull", "wrong-key-123", []string{"pull", "clarifai://me/animals", "--out", out, "--endpoint", addr, "--insecure"}, ExitError, "clarifai://me/animals: the key was rejected"},
		{"wrong app pull", cliKey, []string{"pull", "clarifai://me/zoo", "--out", out, "--endpoint", addr, "--insecure"}, ExitError, "clarifai://me/zoo: no such app"},
		{"wrong key push", "wrong-key-123", []string{"push", "clarifai://me/animals", src, "--journal", journal, "--endpoint", addr, "--insecure"}, ExitError, "the key was rejected"},
		{"no key", "", []string{"pull", "clarifai://me/animals", "--out", out, "--endpoint", addr, "--insecure"}, ExitError, "set CLARIFAI_PAT or pass --pat-file"},
		{"insecure remote", cliKey, []string{"pull", "clarifai://me/animals", "--out", out, "--endpoint", "api.clarifai.com:443", "--insecure"}, ExitUsage, "only for loopback"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, stdout, errOut := clarifaiFactory(tt.key)
			code := Run(context.Background(), f, tt.argv)
			assert.Equal(t, tt.wantCode, code)
			assert.Contains(t, errOut.String(), tt.wantMsg)
			for _, secret := range []string{cliKey, "wrong-key-123"} {
				assert.NotContains(t, errOut.String()+stdout.String(), secret)
			}
			assert.NoFileExists(t, out, "nothing written")
			assert.NoFileExists(t, journal, "no journal without a confirmed write")
		})
	}
}

func TestPushRunAndResume(t *testing.T) {
	srv, app, addr := fakeApp(t, 3)
	dir := t.TempDir()
	src := filepath.Join(dir, "labels.jsonl")
	require.NoError(t, os.WriteFile(src, []byte(`{"id":"in0","data":{"concepts":[{"id":"bird","value":0},{"id":"fox","value":1}]}}
{"id":"in1","data":{"concepts":[{"id":"bird","value":1}]},"annotations":[{"worker":{"model":{"id":"m"}},"data":{"concepts":[{"id":"fox","value":0.4}]}}]}
{"id":"in2","data":{"concepts":[{"id":"fox","value":0}]}}
{"id":"nope","data":{"concepts":[{"id":"fox","value":0}]}}
`), 0o644))
	journal := filepath.Join(dir, "push.journal")
	argv := []string{"push", "clarifai://me/animals", src, "--journal", journal, "--endpoint", addr, "--insecure", "--rate", "-1"}
	f, _, errOut := clarifaiFactory(cliKey)
	before := len(app.Annotations())
	code := Run(context.Background(), f, argv)
	assert.Equal(t, ExitError, code, "an item failed")
	assert.Contains(t, errOut.String(), "1 model and workflow score(s) not pushed")
	assert.Contains(t, errOut.String(), "5 label(s): 4 posted, 0 present, 0 conflict(s) (0 overwritten, 0 refused), 1 failed")
	assert.Contains(t, errOut.String(), "input nope concept fox value 0")
	assert.Contains(t, errOut.String(), "INPUT_DOES_NOT_EXIST 30102")
	assert.Equal(t, before+4, len(app.Annotations()))
	j, err := os.ReadFile(journal)
	require.NoError(t, err)
	assert.Equal(t, 4, bytes.Count(j, []byte("\n")))
	assert.NotContains(t, string(j), cliKey)

	posts := srv.Calls("PostAnnotations")
	f, _, errOut = clarifaiFactory(cliKey)
	code = Run(context.Background(), f, argv)
	assert.Equal(t, ExitError, code)
	assert.Contains(t, errOut.String(), "5 label(s): 0 posted, 4 present (4 known from the journal), 0 conflict(s) (0 overwritten, 0 refused), 1 failed")
	assert.Equal(t, posts+1, srv.Calls("PostAnnotations"), "only the failed one is tried again")
	assert.Equal(t, before+4, len(app.Annotations()))
}

// TestAppSource: an app opens like a file, and counts agree with pull.
func TestAppSource(t *testing.T) {
	_, _, addr := fakeApp(t, 5)
	ios, _, _, _ := Test()
	lo := &LoadOptions{MaxErrors: 1, Format: "auto", Clarifai: ClarifaiFlags{Endpoint: addr, Insecure: true}, Getenv: func(k string) string {
		if k == "CLARIFAI_PAT" {
			return cliKey
		}
		return ""
	}}
	src, err := openSource(context.Background(), ios, "clarifai://me/animals", lo)
	require.NoError(t, err)
	var rows []dataset.Annotation
	for src.Next() {
		rows, err = dataset.AppendAnnotations(rows, src.Annotations())
		require.NoError(t, err)
	}
	require.NoError(t, src.Err())
	st := src.Stats()
	require.NoError(t, src.Close())
	assert.EqualValues(t, 5, st.Inputs)
	pos, neg, model := 0, 0, 0
	for _, a := range rows {
		switch {
		case a.AnnotatorKind == dataset.AnnotatorModel:
			model++
		case a.Value == 1:
			pos++
		default:
			neg++
		}
	}
	assert.Equal(t, [3]int{5, 5, 3}, [3]int{pos, neg, model})
}

// TestPullReportPushAgree: the report of a local file, the push of it, the
// report of the app and the report of a pulled copy count the same labels.
func TestPullReportPushAgree(t *testing.T) {
	srv := clarifaitest.New(cliKey)
	app := srv.AddApp("me", "fresh")
	for i := range 4 {
		require.NoError(t, app.AddInput(&apipb.Input{Id: fmt.Sprintf("in%d", i)}))
	}
	require.NoError(t, app.AddAnnotation(&apipb.Annotation{Id: "p", InputId: "in0",
		Worker: &apipb.Worker{Worker: &apipb.Worker_Model{Model: &apipb.Model{Id: "general"}}},
		Data:   &apipb.Data{Concepts: []*apipb.Concept{{Id: "cat", Value: 0.9}}}}))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	addr, stop := srv.Start(ctx)
	defer stop()
	t.Setenv("CLARIFAI_PAT", cliKey) // report reads the key through openSource
	conn := []string{"--endpoint", addr, "--insecure", "--rate", "-1"}

	dir := t.TempDir()
	local := filepath.Join(dir, "local.jsonl")
	require.NoError(t, os.WriteFile(local, []byte(`{"id":"in0","data":{"concepts":[{"id":"cat","value":1},{"id":"dog","value":0}]}}
{"id":"in1","data":{"concepts":[{"id":"cat","value":0},{"id":"dog","value":1},{"id":"bird","value":0}]}}
{"id":"in2","data":{"concepts":[{"id":"cat","value":1}]}}
{"id":"in3","data":{"concepts":[{"id":"bird","value":0}]}}
`), 0o644))
	report := func(src string, extra ...string) map[string][2]float64 {
		t.Helper()
		f, out, errOut := clarifaiFactory(cliKey)
		code := Run(ctx, f, append([]string{"report", src, "--format", "json"}, extra...))
		require.Equal(t, ExitOK, code, errOut.String())
		var doc struct {
			Concepts []struct {
				ID        string  `json:"concept_id"`
				Positives float64 `json:"positives"`
				Negatives float64 `json:"negatives"`
			} `json:"concepts"`
		}
		require.NoError(t, json.Unmarshal(out.Bytes(), &doc), out.String())
		m := map[string][2]float64{}
		for _, c := range doc.Concepts {
			m[c.ID] = [2]float64{c.Positives, c.Negatives}
		}
		return m
	}
	want := report(local)
	require.Equal(t, map[string][2]float64{"cat": {2, 1}, "dog": {1, 1}, "bird": {0, 2}}, want)

	f, _, errOut := clarifaiFactory(cliKey)
	require.Equal(t, ExitOK, Run(ctx, f, append([]string{"push", "clarifai://me/fresh", local}, conn...)), errOut.String())
	assert.Contains(t, errOut.String(), "7 label(s): 7 posted")

	assert.Equal(t, want, report("clarifai://me/fresh", conn...), "report of the app")
	pulled := filepath.Join(dir, "pulled.jsonl")
	f, _, errOut = clarifaiFactory(cliKey)
	require.Equal(t, ExitOK, Run(ctx, f, append([]string{"pull", "clarifai://me/fresh", "--out", pulled}, conn...)), errOut.String())
	assert.Contains(t, errOut.String(), "4 inputs, 7 annotations (1 model and workflow score(s) left out")
	assert.Equal(t, want, report(pulled), "report of the pulled copy")
}
