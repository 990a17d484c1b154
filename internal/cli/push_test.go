package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"curate.dev/clarifai/apipb"
	"curate.dev/clarifai/clarifaitest"
)

func TestPushFlags(t *testing.T) {
	tests := []struct {
		name    string
		argv    string
		check   func(t *testing.T, o *PushOptions)
		wantErr string
	}{
		{name: "defaults", argv: "clarifai://me/a l.jsonl", check: func(t *testing.T, o *PushOptions) {
			assert.Equal(t, [2]string{"clarifai://me/a", "l.jsonl"}, [2]string{o.Target, o.Source})
			assert.False(t, o.Overwrite || o.DryRun)
			assert.Equal(t, 10, o.Show)
			assert.Zero(t, o.Timeout)
		}},
		{name: "all", argv: "clarifai://me/a l.jsonl --overwrite --dry-run --show 3 --timeout 90s --call-timeout 5s --journal j", check: func(t *testing.T, o *PushOptions) {
			assert.True(t, o.Overwrite && o.DryRun)
			assert.Equal(t, 3, o.Show)
			assert.Equal(t, 90*time.Second, o.Timeout)
			assert.Equal(t, 5*time.Second, o.Load.Clarifai.CallTimeout)
			assert.Equal(t, "j", o.Journal)
		}},
		{name: "relations is not a push flag", argv: "clarifai://me/a l.jsonl --relations r.jsonl", wantErr: "unknown flag: --relations"},
		{name: "soft values are not pushed", argv: "clarifai://me/a l.jsonl --soft-values", wantErr: "unknown flag: --soft-values"},
		{name: "negative show", argv: "clarifai://me/a l.jsonl --show -1", wantErr: "--show"},
		{name: "app source", argv: "clarifai://me/a clarifai://me/b", wantErr: "must be a local file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, _, _ := clarifaiFactory("")
			got, err := parseFlags(t, f, NewCmdPush, tt.argv)
			if tt.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.wantErr)
				return
			}
			require.NoError(t, err)
			tt.check(t, got)
		})
	}
}

// A missing or wrong key and a wrong app are reported before SOURCE is
// read: here SOURCE does not even exist.
func TestPushFailsEarly(t *testing.T) {
	_, _, addr := fakeApp(t, 1)
	missing := filepath.Join(t.TempDir(), "not-read.jsonl")
	tests := []struct {
		name, key, app, want string
	}{
		{"no key", "", "clarifai://me/animals", "set CLARIFAI_PAT or pass --pat-file"},
		{"wrong key", "Wrong-Key-77", "clarifai://me/animals", "the key was rejected"},
		{"wrong app", cliKey, "clarifai://me/zoo", "no such app"},
	}
	for _, tt := range tests {
		for _, cmd := range [][]string{{"push", tt.app, missing}, {"apply", missing, "--to", tt.app}} {
			t.Run(tt.name+" "+cmd[0], func(t *testing.T) {
				f, _, errOut := clarifaiFactory(tt.key)
				code := Run(context.Background(), f, append(cmd, "--endpoint", addr, "--insecure"))
				assert.Equal(t, ExitError, code)
				assert.Contains(t, errOut.String(), tt.want)
				assert.NotContains(t, errOut.String(), "no such file")
				assert.NotContains(t, strings.ToLower(errOut.String()), "wrong-key-77")
			})
		}
	}
}

// ownerFake serves an app owned by "owner" holding the cases of a team's
// app: an input-level annotation with several concepts, a Portal label,
// another user's label, and the owner's negative.
func ownerFake(t *testing.T) (*clarifaitest.Server, *clarifaitest.App, string) {
	t.Helper()
	srv := clarifaitest.New(cliKey)
	app := srv.AddApp("owner", "animals")
	by := func(u string) *apipb.Worker {
		return &apipb.Worker{Worker: &apipb.Worker_User{User: &apipb.User{Id: u}}}
	}
	require.NoError(t, app.AddInput(&apipb.Input{Id: "in0", Data: &apipb.Data{Concepts: []*apipb.Concept{{Id: "cat", Value: 1}, {Id: "dog"}, {Id: "bird", Value: 1}}}}))
	require.NoError(t, app.AddInput(&apipb.Input{Id: "in1"}))
	require.NoError(t, app.AddAnnotation(&apipb.Annotation{Id: "portal-1", InputId: "in1", Worker: by("owner"), Data: &apipb.Data{Concepts: []*apipb.Concept{{Id: "cat", Value: 1}}}}))
	require.NoError(t, app.AddInput(&apipb.Input{Id: "in2"}))
	require.NoError(t, app.AddAnnotation(&apipb.Annotation{Id: "alice-1", InputId: "in2", Worker: by("alice"), Data: &apipb.Data{Concepts: []*apipb.Concept{{Id: "cat", Value: 1}}}}))
	require.NoError(t, app.AddInput(&apipb.Input{Id: "in3", Data: &apipb.Data{Concepts: []*apipb.Concept{{Id: "cat"}}}}))
	require.NoError(t, app.AddInput(&apipb.Input{Id: "in4"}))
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	addr, stop := srv.Start(ctx)
	t.Cleanup(stop)
	return srv, app, addr
}

const ownerLabels = `{"id":"in0","data":{"concepts":[{"id":"cat","value":1},{"id":"dog","value":0},{"id":"bird","value":0}]}}
{"id":"in1","data":{"concepts":[{"id":"cat","value":1}]}}
{"id":"in2","data":{"concepts":[{"id":"cat","value":0}]}}
{"id":"in3","data":{"concepts":[{"id":"cat","value":1}]}}
{"id":"in4","data":{"concepts":[{"id":"cat","value":1},{"id":"dog","value":0}]}}
`

// labelsOf is the app's labels: "input/concept/annotation" → value.
func labelsOf(app *clarifaitest.App) map[string]float32 {
	out := map[string]float32{}
	for _, a := range app.Annotations() {
		for _, k := range a.GetData().GetConcepts() {
			out[a.GetInputId()+"/"+k.GetId()+"/"+a.GetId()] = k.GetValue()
		}
	}
	return out
}

func TestPushConflicts(t *testing.T) {
	srv, app, addr := ownerFake(t)
	src := filepath.Join(t.TempDir(), "labels.jsonl")
	require.NoError(t, os.WriteFile(src, []byte(ownerLabels), 0o644))
	argv := []string{"push", "clarifai://owner/animals", src, "--endpoint", addr, "--insecure", "--rate", "-1"}
	before := labelsOf(app)

	// --dry-run: the three groups on stdout, nothing written; a preview
	// exits 0, as apply --dry-run does.
	f, out, errOut := clarifaiFactory(cliKey)
	code := Run(context.Background(), f, append(argv, "--dry-run"))
	assert.Equal(t, ExitOK, code, errOut.String())
	assert.Contains(t, out.String(), "dry run: 8 label(s) for clarifai://owner/animals: 2 new, 3 present, 3 conflict(s); nothing written")
	assert.Contains(t, out.String(), "new (first 2):\n  input in4 concept cat = 1\n  input in4 concept dog = 0\n")
	assert.Contains(t, out.String(), "  input in1 concept cat = 1: the app holds 1 in annotation portal-1 by user owner\n")
	assert.Contains(t, out.String(), "conflicts (refused; --overwrite patches them):\n")
	assert.Contains(t, out.String(), "  input in2 concept cat = 0: the app holds 1 in annotation alice-1 by user alice (another user's annotation)\n")
	assert.Equal(t, before, labelsOf(app))
	assert.Zero(t, srv.Calls("PostAnnotations")+srv.Calls("PatchAnnotations"))

	// --dry-run --overwrite: the conflicts would be patched, exit 0.
	f, out, errOut = clarifaiFactory(cliKey)
	code = Run(context.Background(), f, append(argv, "--dry-run", "--overwrite"))
	assert.Equal(t, ExitOK, code, errOut.String())
	assert.Contains(t, out.String(), "conflicts (would be patched):\n")
	assert.Equal(t, before, labelsOf(app))

	// By default: conflicts refused, each listed, exit 1; new ones posted.
	f, _, errOut = clarifaiFactory(cliKey)
	code = Run(context.Background(), f, argv)
	assert.Equal(t, ExitError, code)
	for _, want := range []string{
		"  conflict, refused: input in0 concept bird = 0: the app holds 1 in annotation il-in0 by user owner\n",
		"  conflict, refused: input in2 concept cat = 0: the app holds 1 in annotation alice-1 by user alice (another user's annotation)\n",
		"  conflict, refused: input in3 concept cat = 1: the app holds 0 in annotation il-in3 by user owner\n",
		"clarifai://owner/animals: 8 label(s): 2 posted, 3 present, 3 conflict(s) (0 overwritten, 3 refused), 0 failed",
		"curate: clarifai://owner/animals: 3 conflict(s) refused: the app holds the opposite value (--overwrite patches them)\n",
	} {
		assert.Contains(t, errOut.String(), want)
	}
	after := labelsOf(app)
	assert.Len(t, after, len(before)+2)
	for k, v := range before {
		assert.Equal(t, v, after[k], k)
	}

	// --overwrite: patched in place and said so.
	f, _, errOut = clarifaiFactory(cliKey)
	code = Run(context.Background(), f, append(argv, "--overwrite"))
	require.Equal(t, ExitOK, code, errOut.String())
	assert.Contains(t, errOut.String(), "  overwritten: input in2 concept cat = 0: the app holds 1 in annotation alice-1 by user alice (another user's annotation)\n")
	assert.Contains(t, errOut.String(), "8 label(s): 0 posted, 5 present, 3 conflict(s) (3 overwritten, 0 refused), 0 failed")
	final := labelsOf(app)
	assert.Len(t, final, len(after))
	assert.Equal(t, float32(0), final["in0/bird/il-in0"])
	assert.Equal(t, float32(1), final["in0/cat/il-in0"], "a merge keeps the annotation's other concepts")
	assert.Equal(t, float32(0), final["in2/cat/alice-1"])
	assert.Equal(t, float32(1), final["in3/cat/il-in3"])
}

// A push killed mid-write leaves a torn last journal line: the next push
// cuts it off and appends whole lines, and the one after starts too.
func TestPushTornJournal(t *testing.T) {
	_, app, addr := fakeApp(t, 3)
	dir := t.TempDir()
	src := filepath.Join(dir, "labels.jsonl")
	require.NoError(t, os.WriteFile(src, []byte(`{"id":"in0","data":{"concepts":[{"id":"fox","value":1}]}}
{"id":"in1","data":{"concepts":[{"id":"fox","value":0}]}}
{"id":"in2","data":{"concepts":[{"id":"fox","value":1}]}}
`), 0o644))
	journal := filepath.Join(dir, "push.journal")
	argv := []string{"push", "clarifai://me/animals", src, "--journal", journal, "--endpoint", addr, "--insecure", "--rate", "-1"}
	f, _, errOut := clarifaiFactory(cliKey)
	require.Equal(t, ExitOK, Run(context.Background(), f, argv), errOut.String())
	whole, err := os.ReadFile(journal)
	require.NoError(t, err)
	lines := bytes.SplitAfter(whole, []byte("\n"))
	// Keep the first entry whole and half of the second, as a kill would.
	torn := append(append([]byte{}, lines[0]...), lines[1][:len(lines[1])/2]...)
	require.NoError(t, os.WriteFile(journal, torn, 0o600))
	n := len(app.Annotations())

	for run := range 2 {
		f, _, errOut = clarifaiFactory(cliKey)
		require.Equal(t, ExitOK, Run(context.Background(), f, argv), "run %d: %s", run, errOut.String())
		if run == 0 {
			assert.Contains(t, errOut.String(), "cut off a torn last line")
			assert.Contains(t, errOut.String(), "3 label(s): 0 posted, 3 present (1 known from the journal)")
		} else {
			assert.Contains(t, errOut.String(), "3 label(s): 0 posted, 3 present (3 known from the journal)")
		}
		b, err := os.ReadFile(journal)
		require.NoError(t, err)
		require.True(t, bytes.HasSuffix(b, []byte("\n")))
		for _, l := range bytes.Split(bytes.TrimSuffix(b, []byte("\n")), []byte("\n")) {
			var v map[string]any
			assert.NoError(t, json.Unmarshal(l, &v), "whole line: %s", l)
		}
		assert.Equal(t, 3, bytes.Count(b, []byte("\n")))
	}
	assert.Len(t, app.Annotations(), n, "nothing written twice")
}

// A server that takes the calls and never answers: each call has a
// deadline, --timeout bounds the whole push, and the message names the
// call that was waiting.
func TestPushStalledServer(t *testing.T) {
	srv, _, addr := fakeApp(t, 2)
	srv.Fault = func(method string, n int) clarifaitest.Fault {
		if method == "PostAnnotations" {
			return clarifaitest.Stall
		}
		return clarifaitest.NoFault
	}
	src := filepath.Join(t.TempDir(), "labels.jsonl")
	require.NoError(t, os.WriteFile(src, []byte(`{"id":"in0","data":{"concepts":[{"id":"fox","value":1}]}}`+"\n"), 0o644))
	argv := []string{"push", "clarifai://me/animals", src, "--endpoint", addr, "--insecure", "--rate", "-1"}

	f, _, errOut := clarifaiFactory(cliKey)
	start := time.Now()
	code := Run(context.Background(), f, append(argv, "--call-timeout", "200ms"))
	assert.Equal(t, ExitError, code)
	assert.Contains(t, errOut.String(), "clarifai: PostAnnotations clarifai://me/animals: no reply within 200ms; trying again (2 of 2)\n")
	assert.Contains(t, errOut.String(), "curate: clarifai: PostAnnotations clarifai://me/animals: no reply within 200ms (2 attempt(s)): the server accepted the call but does not answer\n")

	f, _, errOut = clarifaiFactory(cliKey)
	code = Run(context.Background(), f, append(argv, "--timeout", "300ms"))
	assert.Equal(t, ExitError, code)
	assert.Contains(t, errOut.String(), "curate: --timeout 300ms reached: clarifai: PostAnnotations clarifai://me/animals: context deadline exceeded\n")
	assert.Less(t, time.Since(start), 20*time.Second)
}

// apply --to gets the checks of a local apply (a label the app holds with
// the opposite value is refused unless --overwrite) and its --log.
func TestApplyToAppConflictsAndLog(t *testing.T) {
	_, app, addr := ownerFake(t)
	dir := t.TempDir()
	sugg := filepath.Join(dir, "s.jsonl")
	require.NoError(t, os.WriteFile(sugg, []byte(`{"input_id":"in2","concept_id":"cat","value":0,"score":0.9}
{"input_id":"in4","concept_id":"cat","value":0,"score":0.8}
{"input_id":"in1","concept_id":"cat","value":1,"score":0.7}
`), 0o644))
	log := filepath.Join(dir, "audit.jsonl")
	argv := []string{"apply", "--to", "clarifai://owner/animals", "--suggestions", sugg, "--log", log, "--annotator", "rev1",
		"--endpoint", addr, "--insecure", "--rate", "-1"}

	f, _, errOut := clarifaiFactory(cliKey)
	code := Run(context.Background(), f, argv)
	assert.Equal(t, ExitError, code)
	assert.Contains(t, errOut.String(), "  conflict, refused: input in2 concept cat = 0: the app holds 1 in annotation alice-1 by user alice (another user's annotation)\n")
	assert.Contains(t, errOut.String(), "3 label(s): 1 posted, 1 present, 1 conflict(s) (0 overwritten, 1 refused), 0 failed")
	assert.Contains(t, errOut.String(), "(--overwrite patches them)")
	assert.Equal(t, float32(1), labelsOf(app)["in2/cat/alice-1"])
	recs := readAudit(t, log)
	require.Len(t, recs, 2)
	assert.Equal(t, map[string]any{"annotator": "rev1", "source": "clarifai://owner/animals", "input_id": "in4", "concept_id": "cat", "old": nil, "new": 0.0, "action": "added"}, dropTime(recs[0]))
	assert.Equal(t, map[string]any{"source": "clarifai://owner/animals", "committed": true}, dropTime(recs[1]), "the run is marked committed")

	f, _, errOut = clarifaiFactory(cliKey)
	code = Run(context.Background(), f, append(argv, "--overwrite"))
	require.Equal(t, ExitOK, code, errOut.String())
	assert.Contains(t, errOut.String(), "  overwritten: input in2 concept cat = 0")
	assert.Equal(t, float32(0), labelsOf(app)["in2/cat/alice-1"])
	recs = readAudit(t, log)
	require.Len(t, recs, 4)
	assert.Equal(t, map[string]any{"annotator": "rev1", "source": "clarifai://owner/animals", "input_id": "in2", "concept_id": "cat", "old": 1.0, "new": 0.0, "action": "updated"}, dropTime(recs[2]))
	assert.Equal(t, map[string]any{"source": "clarifai://owner/animals", "committed": true}, dropTime(recs[3]))
}

func readAudit(t *testing.T, path string) []map[string]any {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	var out []map[string]any
	for _, l := range bytes.Split(bytes.TrimSpace(b), []byte("\n")) {
		var m map[string]any
		require.NoError(t, json.Unmarshal(l, &m))
		out = append(out, m)
	}
	return out
}

// dropTime drops the fields that change from run to run.
func dropTime(m map[string]any) map[string]any {
	delete(m, "time")
	delete(m, "run")
	return m
}

// On a terminal, pull and push show a progress bar on stderr.
func TestClarifaiProgressBars(t *testing.T) {
	_, _, addr := fakeApp(t, 30)
	dir := t.TempDir()
	src := filepath.Join(dir, "labels.jsonl")
	require.NoError(t, os.WriteFile(src, []byte(`{"id":"in0","data":{"concepts":[{"id":"fox","value":1}]}}`+"\n"), 0o644))
	for _, argv := range [][]string{
		{"pull", "clarifai://me/animals", "--out", filepath.Join(dir, "a.jsonl")},
		{"push", "clarifai://me/animals", src},
	} {
		f, _, errOut := clarifaiFactory(cliKey)
		f.IO.ErrTTY = true
		require.Equal(t, ExitOK, Run(context.Background(), f, append(argv, "--endpoint", addr, "--insecure", "--rate", "-1")), errOut.String())
		want := map[string]string{"pull": "pulling clarifai://me/animals", "push": "pushing to clarifai://me/animals"}[argv[0]]
		assert.Contains(t, errOut.String(), want)
	}
}
