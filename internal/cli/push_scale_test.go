package cli

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"curate.dev/clarifai/apipb"
	"curate.dev/clarifai/clarifaitest"
)

// labelKey is one label: an input and a concept.
type labelKey struct{ input, concept string }

// writeScaleLabels writes n inputs with two or three labels each (about
// 2.5n), positives and negatives mixed, some positives with the value
// left out (the HTTP default), and returns the labels it wrote, worked
// out on its own rather than by reading the file back.
func writeScaleLabels(t testing.TB, path string, n int) map[labelKey]float32 {
	t.Helper()
	f, err := os.Create(path)
	require.NoError(t, err)
	w := bufio.NewWriterSize(f, 1<<20)
	want := make(map[labelKey]float32, n*5/2)
	for i := range n {
		id := fmt.Sprintf("in-%07d", i)
		concepts := []int{i % 40, 40 + (i*7)%30}
		if i%2 == 0 {
			concepts = append(concepts, 70+(i*13)%25)
		}
		fmt.Fprintf(w, `{"id":%q,"data":{"image":{"url":"https://example.com/%s.jpg"},"concepts":[`, id, id)
		for j, c := range concepts {
			if j > 0 {
				w.WriteString(",")
			}
			cid := "c" + strconv.Itoa(c)
			switch (i + j) % 5 {
			case 0, 3:
				fmt.Fprintf(w, `{"id":%q,"value":0}`, cid)
				want[labelKey{id, cid}] = 0
			case 1:
				fmt.Fprintf(w, `{"id":%q,"name":"Concept %d"}`, cid, c) // omitted value: positive
				want[labelKey{id, cid}] = 1
			default:
				fmt.Fprintf(w, `{"id":%q,"value":1}`, cid)
				want[labelKey{id, cid}] = 1
			}
		}
		w.WriteString("]}}\n")
	}
	require.NoError(t, w.Flush())
	require.NoError(t, f.Close())
	return want
}

// assertAppHolds checks the server's final state: every wanted label on
// its own input with its value, none twice, and nothing else.
func assertAppHolds(t *testing.T, app *clarifaitest.App, want map[labelKey]float32) {
	t.Helper()
	got := make(map[labelKey]float32, len(want))
	twice, extra, wrong, multi := 0, 0, 0, 0
	for _, a := range app.Annotations() {
		cs := a.GetData().GetConcepts()
		if len(cs) != 1 {
			multi++
		}
		for _, k := range cs {
			key := labelKey{a.GetInputId(), k.GetId()}
			if _, dup := got[key]; dup {
				twice++
			}
			got[key] = k.GetValue()
			w, ok := want[key]
			switch {
			case !ok:
				extra++
			case w != k.GetValue():
				wrong++
			}
		}
	}
	missing := 0
	for k := range want {
		if _, ok := got[k]; !ok {
			missing++
		}
	}
	assert.Zero(t, missing, "labels missing")
	assert.Zero(t, twice, "labels written twice")
	assert.Zero(t, extra, "labels on an input that should not have them")
	assert.Zero(t, wrong, "labels with the wrong value")
	assert.Zero(t, multi, "annotations that are not one label")
	assert.Len(t, got, len(want))
}

// TestPushExactUnderLostReplies pushes a file of many record batches with
// curate push while every 7th write is applied and its reply lost; the
// app must end with exactly the file's labels. CURATE_LONG=1 runs it at
// 300k inputs (about 750k labels).
func TestPushExactUnderLostReplies(t *testing.T) {
	n := 60_000
	if os.Getenv("CURATE_LONG") != "" {
		n = 300_000
	}
	dir := t.TempDir()
	src := filepath.Join(dir, "labels.jsonl")
	want := writeScaleLabels(t, src, n)
	require.Greater(t, len(want), 2*n)

	srv := clarifaitest.New(cliKey)
	app := srv.AddApp("me", "big")
	for i := range n {
		require.NoError(t, app.AddInput(&apipb.Input{Id: fmt.Sprintf("in-%07d", i)}))
	}
	lost := 0
	srv.Fault = func(method string, k int) clarifaitest.Fault {
		if method == "PostAnnotations" && k%7 == 0 {
			lost++
			return clarifaitest.LoseReply
		}
		return clarifaitest.NoFault
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	addr, stop := srv.Start(ctx)
	defer stop()
	journal := filepath.Join(dir, "push.journal")
	f, _, errOut := clarifaiFactory(cliKey)
	code := Run(ctx, f, []string{"push", "clarifai://me/big", src, "--journal", journal, "--endpoint", addr, "--insecure", "--rate", "-1"})
	require.Equal(t, ExitOK, code, errOut.String())
	assert.Positive(t, lost)
	assert.Contains(t, errOut.String(), fmt.Sprintf("%d label(s): %d posted, 0 present, 0 conflict(s) (0 overwritten, 0 refused), 0 failed", len(want), len(want)))
	assertAppHolds(t, app, want)
	j, err := os.ReadFile(journal)
	require.NoError(t, err)
	assert.Equal(t, len(want), strings.Count(string(j), "\n"))

	// A rerun without the journal reads the app and writes nothing.
	posts := srv.Calls("PostAnnotations")
	srv.Fault = nil
	f, _, errOut = clarifaiFactory(cliKey)
	code = Run(ctx, f, []string{"push", "clarifai://me/big", src, "--endpoint", addr, "--insecure", "--rate", "-1"})
	require.Equal(t, ExitOK, code, errOut.String())
	assert.Contains(t, errOut.String(), fmt.Sprintf("%d label(s): 0 posted, %d present", len(want), len(want)))
	assert.Equal(t, posts, srv.Calls("PostAnnotations"))
	assertAppHolds(t, app, want)
}
