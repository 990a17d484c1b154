package cli

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"curate.dev/review"
)

func TestNewCmdReview(t *testing.T) {
	f := &Factory{IO: &IOStreams{}}
	tests := []struct {
		name    string
		args    string
		want    ReviewOptions
		wantErr string
	}{
		{"defaults", "a.jsonl --suggestions neg.jsonl", ReviewOptions{Source: "a.jsonl", Suggestions: "neg.jsonl", Addr: "127.0.0.1:0", Ratio: 1}, ""},
		{"open and decisions", "a.jsonl --suggestions neg.jsonl --open --decisions d.jsonl --addr localhost:8080", ReviewOptions{Source: "a.jsonl", Suggestions: "neg.jsonl", Decisions: "d.jsonl", Open: true, Addr: "localhost:8080", Ratio: 1}, ""},
		{"remote allowed", "a.jsonl --suggestions neg.jsonl --addr 0.0.0.0:8080 --allow-remote", ReviewOptions{Source: "a.jsonl", Suggestions: "neg.jsonl", Addr: "0.0.0.0:8080", AllowRemote: true, Ratio: 1}, ""},
		{"remote refused", "a.jsonl --suggestions neg.jsonl --addr 0.0.0.0:8080", ReviewOptions{}, "--allow-remote"},
		{"no suggestions", "a.jsonl", ReviewOptions{}, "--suggestions FILE is required"},
		{"stdin", "- --suggestions neg.jsonl", ReviewOptions{}, "not standard input"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseFlags(t, f, NewCmdReview, tt.args)
			if tt.wantErr != "" {
				assert.ErrorContains(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want.Source, got.Source)
			assert.Equal(t, tt.want.Suggestions, got.Suggestions)
			assert.Equal(t, tt.want.Decisions, got.Decisions)
			assert.Equal(t, tt.want.Addr, got.Addr)
			assert.Equal(t, tt.want.Open, got.Open)
			assert.Equal(t, tt.want.AllowRemote, got.AllowRemote)
			assert.Equal(t, tt.want.Ratio, got.Ratio)
		})
	}
}

// reviewSrc has three inputs without a wolf annotation.
const reviewSrc = `{"id":"a","data":{"image":{"url":"https://x.example/a.jpg"},"concepts":[{"id":"husky","value":1}]}}
{"id":"b","data":{"image":{"url":"https://x.example/b.jpg"},"concepts":[{"id":"husky","value":1}]}}
{"id":"c","data":{"text":{"raw":"a fox"},"concepts":[{"id":"fox","value":1}]}}
`

const reviewSugg = `{"input_id":"a","concept_id":"wolf","value":0,"score":0.9,"source_concept_id":"husky","reason":"r"}
{"input_id":"b","concept_id":"wolf","value":0,"score":0.8,"source_concept_id":"husky","reason":"r"}
{"input_id":"c","concept_id":"wolf","value":0,"score":0.7,"source_concept_id":"fox","reason":"r"}
`

// wolfValues returns the wolf value per input in a JSONL dataset.
func wolfValues(t *testing.T, path string) map[string]float64 {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	out := map[string]float64{}
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		var in struct {
			ID   string `json:"id"`
			Data struct {
				Concepts []struct {
					ID    string   `json:"id"`
					Value *float64 `json:"value"`
				} `json:"concepts"`
			} `json:"data"`
		}
		require.NoError(t, json.Unmarshal([]byte(line), &in))
		for _, c := range in.Data.Concepts {
			if c.ID == "wolf" {
				out[in.ID] = *c.Value
			}
		}
	}
	return out
}

func TestApplyReviewed(t *testing.T) {
	tests := []struct {
		name      string
		decisions []review.Entry
		flags     []string
		want      map[string]float64
		wantErr   string
	}{
		{"no review: every line", nil, nil, map[string]float64{"a": 0, "b": 0, "c": 0}, ""},
		{"exactly the decided", []review.Entry{{InputID: "a", ConceptID: "wolf", Decision: review.Accept}, {InputID: "b", ConceptID: "wolf", Decision: review.Reject}, {InputID: "c", ConceptID: "wolf", Decision: review.Positive}},
			nil, map[string]float64{"a": 0, "c": 1}, ""},
		{"unreviewed skipped", []review.Entry{{InputID: "b", ConceptID: "wolf", Decision: review.Accept}}, nil, map[string]float64{"b": 0}, ""},
		{"unreviewed included", []review.Entry{{InputID: "b", ConceptID: "wolf", Decision: review.Reject}}, []string{"--include-unreviewed"}, map[string]float64{"a": 0, "c": 0}, ""},
		{"undone is unreviewed", []review.Entry{{InputID: "a", ConceptID: "wolf", Decision: review.Accept}, {InputID: "c", ConceptID: "wolf", Decision: review.Accept}, {InputID: "a", ConceptID: "wolf", Decision: review.Unreviewed}},
			nil, map[string]float64{"c": 0}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir, src, sugg := applyFixture(t, reviewSrc, reviewSugg)
			if tt.decisions != nil {
				log, _, err := review.OpenLog(t.Context(), review.DecisionsPath(sugg))
				require.NoError(t, err)
				require.NoError(t, log.Append(tt.decisions))
				require.NoError(t, log.Close())
			}
			out := filepath.Join(dir, "out.jsonl")
			code, _, errOut := runCurate(t, append([]string{"apply", src, "--suggestions", sugg, "--out", out}, tt.flags...)...)
			require.Equal(t, ExitOK, code, errOut)
			assert.Equal(t, tt.want, wolfValues(t, out))
			if tt.decisions != nil {
				assert.Contains(t, errOut, "reviewed in "+review.DecisionsPath(sugg))
			}
		})
	}
}

func TestApplyWarnsOnAcceptTypo(t *testing.T) {
	sugg := strings.Replace(reviewSugg, `"reason":"r"}`, `"reason":"r","acept":false}`, 1)
	sugg = strings.Replace(sugg, `"source_concept_id":"fox"`, `"source_concept_id":"fox","note":"checked"`, 1)
	dir, src, path := applyFixture(t, reviewSrc, sugg)
	out := filepath.Join(dir, "out.jsonl")
	code, _, errOut := runCurate(t, "apply", src, "--suggestions", path, "--out", out)
	require.Equal(t, ExitOK, code, errOut)
	assert.Contains(t, errOut, `warning: sugg.jsonl:1: unknown key "acept"; did you mean "accept"?`)
	assert.NotContains(t, errOut, "note")
	assert.Equal(t, map[string]float64{"a": 0, "b": 0, "c": 0}, wolfValues(t, out), "today's rule: the typo is not a rejection")
}

func TestApplyReadsEverySuggestFormat(t *testing.T) {
	dir := t.TempDir()
	data, err := os.ReadFile("../../examples/animals.jsonl")
	require.NoError(t, err)
	src := writeTemp(t, dir, "animals.jsonl", string(data))
	added := map[string]map[string]float64{}
	for _, ext := range []string{"jsonl", "csv", "parquet"} {
		neg := filepath.Join(dir, "neg."+ext)
		code, _, errOut := runCurate(t, "suggest", src, "--relations", "../../examples/relations.jsonl", "--out", neg)
		require.Equal(t, ExitOK, code, errOut)
		out := filepath.Join(dir, "out-"+ext+".jsonl")
		code, _, errOut = runCurate(t, "apply", src, "--suggestions", neg, "--out", out)
		require.Equal(t, ExitOK, code, "%s: %s", ext, errOut)
		added[ext] = map[string]float64{}
		before, after := conceptValues(t, src), conceptValues(t, out)
		for k, v := range after {
			if _, ok := before[k]; !ok {
				added[ext][k] = v
			}
		}
	}
	var want map[string]float64 = map[string]float64{}
	for _, line := range strings.Split(strings.TrimSpace(string(must(os.ReadFile(filepath.Join(dir, "neg.jsonl"))))), "\n") {
		var m struct {
			InputID   string  `json:"input_id"`
			ConceptID string  `json:"concept_id"`
			Value     float64 `json:"value"`
			URL       string  `json:"url"`
		}
		if strings.Contains(line, `"curate_source"`) {
			continue
		}
		require.NoError(t, json.Unmarshal([]byte(line), &m))
		assert.NotEmpty(t, m.URL, "every line carries the input's URL")
		want[m.InputID+"/"+m.ConceptID] = m.Value
	}
	require.NotEmpty(t, want)
	for ext, got := range added {
		assert.Equal(t, want, got, ext)
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// conceptValues returns every input/concept value of a JSONL dataset.
func conceptValues(t *testing.T, path string) map[string]float64 {
	t.Helper()
	out := map[string]float64{}
	for _, line := range strings.Split(strings.TrimSpace(string(must(os.ReadFile(path)))), "\n") {
		var in struct {
			ID   string `json:"id"`
			Data struct {
				Concepts []struct {
					ID    string   `json:"id"`
					Value *float64 `json:"value"`
				} `json:"concepts"`
			} `json:"data"`
		}
		require.NoError(t, json.Unmarshal([]byte(line), &in))
		for _, c := range in.Data.Concepts {
			v := 1.0
			if c.Value != nil {
				v = *c.Value
			}
			out[in.ID+"/"+c.ID] = v
		}
	}
	return out
}

func TestApplyCSVAcceptColumn(t *testing.T) {
	dir, src, _ := applyFixture(t, reviewSrc, "")
	neg := writeTemp(t, dir, "neg.csv", "input_id,concept_id,value,score,source_concept_id,reason,accept\n"+
		"a,wolf,0,0.9,husky,r,true\nb,wolf,0,0.8,husky,r,false\nc,wolf,1,0.7,fox,r,\n")
	out := filepath.Join(dir, "out.jsonl")
	code, _, errOut := runCurate(t, "apply", src, "--suggestions", neg, "--out", out)
	require.Equal(t, ExitOK, code, errOut)
	assert.Equal(t, map[string]float64{"a": 0, "c": 1}, wolfValues(t, out))

	bad := writeTemp(t, dir, "bad.csv", "input_id,concept_id,value,accept\na,wolf,0,true\nb,wolf,0,maybe\n")
	code, _, errOut = runCurate(t, "apply", src, "--suggestions", bad, "--out", out)
	assert.Equal(t, ExitError, code)
	assert.Contains(t, errOut, "bad.csv:3")
	assert.Contains(t, errOut, "accept")
}

func writeTemp(t *testing.T, dir, name, text string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	require.NoError(t, os.WriteFile(p, []byte(text), 0o644))
	return p
}

func TestSuggestMergesReview(t *testing.T) {
	dir := t.TempDir()
	data := writeTemp(t, dir, "animals.jsonl", string(must(os.ReadFile("../../examples/animals.jsonl"))))
	rels := "../../examples/relations.jsonl"
	neg := filepath.Join(dir, "neg.jsonl")
	suggestPairs := func(args ...string) []string {
		t.Helper()
		code, _, errOut := runCurate(t, append([]string{"suggest", data, "--relations", rels}, args...)...)
		require.Equal(t, ExitOK, code, errOut)
		var out []string
		for _, line := range strings.Split(strings.TrimSpace(string(must(os.ReadFile(args[len(args)-1])))), "\n") {
			var m map[string]any
			require.NoError(t, json.Unmarshal([]byte(line), &m))
			if _, ok := m["curate_source"]; ok {
				continue
			}
			out = append(out, m["input_id"].(string)+"/"+m["concept_id"].(string))
		}
		return out
	}
	first := suggestPairs("--out", neg)
	require.Greater(t, len(first), 4)
	key := func(p string) review.Key {
		i := strings.Index(p, "/")
		return review.Key{InputID: p[:i], ConceptID: p[i+1:]}
	}
	log, _, err := review.OpenLog(t.Context(), review.DecisionsPath(neg))
	require.NoError(t, err)
	require.NoError(t, log.Append([]review.Entry{
		{InputID: key(first[0]).InputID, ConceptID: key(first[0]).ConceptID, Decision: review.Reject},
		{InputID: key(first[1]).InputID, ConceptID: key(first[1]).ConceptID, Decision: review.Reject},
		{InputID: key(first[2]).InputID, ConceptID: key(first[2]).ConceptID, Decision: review.Accept},
		{InputID: key(first[3]).InputID, ConceptID: key(first[3]).ConceptID, Decision: review.Positive},
	}))
	require.NoError(t, log.Close())
	decisions := must(os.ReadFile(review.DecisionsPath(neg)))

	again := suggestPairs("--out", neg)
	assert.NotContains(t, again, first[0])
	assert.NotContains(t, again, first[1])
	assert.Contains(t, again, first[2])
	assert.Contains(t, again, first[3])
	assert.Equal(t, decisions, must(os.ReadFile(review.DecisionsPath(neg))), "the decisions file is left as it was")
	// Run again: the same result, nothing lost or doubled.
	assert.ElementsMatch(t, again, suggestPairs("--out", neg))

	// --decisions names the file explicitly for another --out.
	other := suggestPairs("--decisions", review.DecisionsPath(neg), "--out", filepath.Join(dir, "other.jsonl"))
	assert.NotContains(t, other, first[0])
	assert.NotContains(t, other, first[1])
	assert.Contains(t, other, first[2], "an accepted pair without a line to keep is suggested afresh")
}

// TestReviewAppSource reviews suggestions for a Clarifai app (the local
// fake): the cards show the app's images and labels.
func TestReviewAppSource(t *testing.T) {
	_, _, addr := fakeApp(t, 5)
	dir := t.TempDir()
	sugg := writeTemp(t, dir, "neg.jsonl", `{"input_id":"in1","concept_id":"wolf","value":0,"score":0.5,"source_concept_id":"cat","reason":"r"}
{"input_id":"in2","concept_id":"wolf","value":0,"score":0.4,"source_concept_id":"cat","reason":"r"}
`)
	ios, _, out, errOut := Test()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	started := make(chan string, 1)
	opts := &ReviewOptions{IO: ios, Source: "clarifai://me/animals", Suggestions: sugg, Addr: "127.0.0.1:0", Ratio: 1,
		Load:    LoadOptions{MaxErrors: 1, Format: "auto", Clarifai: ClarifaiFlags{Endpoint: addr, Insecure: true}, Getenv: func(k string) string { return map[string]string{"CLARIFAI_PAT": cliKey}[k] }},
		Started: func(u string) { started <- u }}
	done := make(chan error, 1)
	go func() { done <- reviewRun(ctx, opts) }()
	var u string
	select {
	case u = <-started:
	case err := <-done:
		t.Fatalf("review stopped: %v\n%s", err, errOut)
	}
	assert.Equal(t, u+"\n", out.String(), "the URL is printed")
	base, tok := u[:strings.Index(u, "/?")], u[strings.Index(u, "token=")+6:]
	req, _ := http.NewRequest("GET", base+"/api/cards", nil)
	req.Header.Set("X-Curate-Token", tok)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	assert.Contains(t, resp.Header.Get("Content-Security-Policy"), "img-src 'self' https://example.com;")
	var p review.Page
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&p))
	require.Len(t, p.Cards, 2)
	assert.Equal(t, "https://example.com/in1.jpg", p.Cards[0].URL)
	assert.Equal(t, []string{"cat"}, p.Cards[0].Positives, "the model's dog score is not a label")
	cancel()
	assert.NoError(t, <-done)
}

// TestReviewRemoteWarns: an address beyond loopback, allowed, is served
// with a warning.
func TestReviewRemoteWarns(t *testing.T) {
	dir, src, _ := applyFixture(t, reviewSrc, "")
	sugg := writeTemp(t, dir, "neg.jsonl", reviewSugg)
	ios, _, _, errOut := Test()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	started := make(chan string, 1)
	done := make(chan error, 1)
	go func() {
		done <- reviewRun(ctx, &ReviewOptions{IO: ios, Source: src, Suggestions: sugg, Addr: "0.0.0.0:0", AllowRemote: true, Ratio: 1,
			Load: LoadOptions{MaxErrors: 1, Format: "auto"}, Started: func(u string) { started <- u }})
	}()
	select {
	case <-started:
	case err := <-done:
		t.Fatalf("review stopped: %v", err)
	}
	cancel()
	require.NoError(t, <-done)
	assert.Contains(t, errOut.String(), "warning: serving on 0.0.0.0:0, beyond loopback")
}
