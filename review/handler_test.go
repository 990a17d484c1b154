package review_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"curate.dev/dataset"
	"curate.dev/review"
)

// lines reads a JSONL file into maps.
func lines(t *testing.T, path string) []map[string]any {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	var out []map[string]any
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var m map[string]any
		require.NoError(t, json.Unmarshal(sc.Bytes(), &m))
		if _, ok := m["curate_source"]; ok && len(out) == 0 {
			continue // the suggestions file's record of its source
		}
		out = append(out, m)
	}
	require.NoError(t, sc.Err())
	return out
}

type client struct {
	t     *testing.T
	srv   *httptest.Server
	token string
}

func newClient(t *testing.T, sess *review.Session) *client {
	token := review.NewToken()
	srv := httptest.NewServer(review.Handler(sess, token))
	t.Cleanup(srv.Close)
	return &client{t: t, srv: srv, token: token}
}

func (c *client) do(method, path string, body string, hdr map[string]string) *http.Response {
	c.t.Helper()
	req, err := http.NewRequest(method, c.srv.URL+path, strings.NewReader(body))
	require.NoError(c.t, err)
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := c.srv.Client().Do(req)
	require.NoError(c.t, err)
	c.t.Cleanup(func() { resp.Body.Close() })
	return resp
}

func (c *client) get(path string, v any) {
	c.t.Helper()
	resp := c.do("GET", path, "", map[string]string{"X-Curate-Token": c.token})
	b, _ := io.ReadAll(resp.Body)
	require.Equal(c.t, http.StatusOK, resp.StatusCode, string(b))
	require.NoError(c.t, json.Unmarshal(b, v))
}

func (c *client) post(path string, body any) map[string]any {
	c.t.Helper()
	b, err := json.Marshal(body)
	require.NoError(c.t, err)
	resp := c.do("POST", path, string(b), map[string]string{"X-Curate-Token": c.token, "Content-Type": "application/json", "Origin": c.srv.URL})
	raw, _ := io.ReadAll(resp.Body)
	require.Equal(c.t, http.StatusOK, resp.StatusCode, string(raw))
	var out map[string]any
	require.NoError(c.t, json.Unmarshal(raw, &out))
	return out
}

func TestHandlerSecurity(t *testing.T) {
	img := imageServer(t)
	fx := newFixture(t, img.URL)
	c := newClient(t, fx.open(t, fx.suggest(t)))
	decide := `{"decision":"accept","items":[0]}`
	tests := []struct {
		name         string
		method, path string
		body         string
		hdr          map[string]string
		want         int
	}{
		{"page without token", "GET", "/", "", nil, http.StatusForbidden},
		{"page with a wrong token", "GET", "/?token=" + strings.Repeat("0", 32), "", nil, http.StatusForbidden},
		{"page with the token", "GET", "/?token=" + c.token, "", nil, http.StatusOK},
		{"asset without token", "GET", "/assets/app.js", "", nil, http.StatusForbidden},
		{"asset with the token", "GET", "/assets/app.js?token=" + c.token, "", nil, http.StatusOK},
		{"api without token", "GET", "/api/cards", "", nil, http.StatusForbidden},
		{"api with the header", "GET", "/api/cards", "", map[string]string{"X-Curate-Token": c.token}, http.StatusOK},
		{"decide without token", "POST", "/api/decide", decide, map[string]string{"Content-Type": "application/json", "Origin": c.srv.URL}, http.StatusForbidden},
		{"decide from another origin", "POST", "/api/decide?token=" + c.token, decide, map[string]string{"Content-Type": "application/json", "Origin": "http://evil.example"}, http.StatusForbidden},
		{"decide cross-site without origin", "POST", "/api/decide?token=" + c.token, decide, map[string]string{"Content-Type": "application/json", "Sec-Fetch-Site": "cross-site"}, http.StatusForbidden},
		{"decide as a form", "POST", "/api/decide?token=" + c.token, decide, map[string]string{"Content-Type": "text/plain", "Origin": c.srv.URL}, http.StatusForbidden},
		{"undo from another origin", "POST", "/api/undo?token=" + c.token, "{}", map[string]string{"Content-Type": "application/json", "Origin": "http://evil.example"}, http.StatusForbidden},
		{"decide from the page", "POST", "/api/decide?token=" + c.token, decide, map[string]string{"Content-Type": "application/json", "Origin": c.srv.URL}, http.StatusOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := c.do(tt.method, tt.path, tt.body, tt.hdr)
			assert.Equal(t, tt.want, resp.StatusCode)
			csp := resp.Header.Get("Content-Security-Policy")
			assert.Contains(t, csp, "default-src 'none'")
			assert.Contains(t, csp, "script-src 'self';")
			assert.Contains(t, csp, "img-src 'self' "+img.URL+";")
			assert.Equal(t, "no-referrer", resp.Header.Get("Referrer-Policy"))
		})
	}
	// Only the last case changed anything.
	ds, err := review.ReadDecisionsFile(context.Background(), review.DecisionsPath(fx.dir+"/neg.jsonl"))
	require.NoError(t, err)
	assert.Len(t, ds, 1)
}

func TestStartLoopbackOnly(t *testing.T) {
	fx := newFixture(t, "http://127.0.0.1:1")
	sess := fx.open(t, fx.suggest(t))
	_, err := review.Start(context.Background(), sess, &review.ServerOptions{Addr: "0.0.0.0:0"})
	assert.ErrorIs(t, err, review.ErrRemote)
	srv, err := review.Start(context.Background(), sess, nil)
	require.NoError(t, err)
	defer srv.Close()
	u, err := url.Parse(srv.URL())
	require.NoError(t, err)
	assert.True(t, review.IsLoopback(u.Host), u.Host)
	assert.Len(t, u.Query().Get("token"), 32)
	resp, err := http.Get(srv.URL())
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)
}

func TestCardsPagingAndFilters(t *testing.T) {
	fx := newFixture(t, "http://127.0.0.1:1")
	path := fx.suggest(t)
	want := lines(t, path)
	c := newClient(t, fx.open(t, path))

	var p review.Page
	c.get("/api/cards?offset=10&limit=7", &p)
	assert.Equal(t, len(want), p.Total)
	require.Len(t, p.Cards, 7)
	for j, card := range p.Cards {
		w := want[10+j]
		assert.Equal(t, 10+j, card.Index)
		assert.Equal(t, w["input_id"], card.InputID)
		assert.Equal(t, w["concept_id"], card.ConceptID)
		assert.Equal(t, w["reason"], card.Reason)
		assert.Equal(t, w["source_concept_id"], card.Source)
		assert.Equal(t, "http://127.0.0.1:1/synth/"+card.InputID+".jpg", card.URL)
		assert.NotEmpty(t, card.Positives, "every suggested input is positive for its source concept")
	}

	// Filters, counted independently from the file.
	first := want[0]
	count := func(keep func(m map[string]any) bool) int {
		n := 0
		for _, m := range want {
			if keep(m) {
				n++
			}
		}
		return n
	}
	cases := []struct {
		name  string
		query string
		keep  func(m map[string]any) bool
	}{
		{"concept", "concept=" + first["concept_id"].(string), func(m map[string]any) bool { return m["concept_id"] == first["concept_id"] }},
		{"source", "source=" + first["source_concept_id"].(string), func(m map[string]any) bool { return m["source_concept_id"] == first["source_concept_id"] }},
		{"score range", "min=0.3&max=0.8", func(m map[string]any) bool { s := m["score"].(float64); return s >= 0.3 && s <= 0.8 }},
		{"unknown concept", "concept=nope", func(map[string]any) bool { return false }},
	}
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			var p review.Page
			c.get("/api/cards?limit=500&"+tt.query, &p)
			assert.Equal(t, count(tt.keep), p.Total)
			assert.Len(t, p.Cards, p.Total)
		})
	}

	var sorted review.Page
	c.get("/api/cards?sort=score&limit=500", &sorted)
	require.Len(t, sorted.Cards, len(want))
	for j := 1; j < len(sorted.Cards); j++ {
		assert.GreaterOrEqual(t, sorted.Cards[j-1].Score, sorted.Cards[j].Score)
	}

	for _, q := range []string{"limit=0", "limit=501", "offset=-1", "min=x", "sort=name", "decision=maybe"} {
		resp := c.do("GET", "/api/cards?"+q, "", map[string]string{"X-Curate-Token": c.token})
		assert.Equal(t, http.StatusBadRequest, resp.StatusCode, q)
	}
}

func TestDecideUndoBalanceAndResume(t *testing.T) {
	fx := newFixture(t, "http://127.0.0.1:1")
	path := fx.suggest(t)
	want := lines(t, path)
	sess := fx.open(t, path)
	c := newClient(t, sess)

	before := map[string]review.ConceptBalance{}
	var bal []review.ConceptBalance
	c.get("/api/balance", &bal)
	for _, b := range bal {
		before[b.ConceptID] = b
	}

	assert.Equal(t, 2.0, c.post("/api/decide", map[string]any{"decision": "accept", "items": []int{0, 1}})["changed"])
	assert.Equal(t, 1.0, c.post("/api/decide", map[string]any{"decision": "positive", "items": []int{2}})["changed"])
	assert.Equal(t, 1.0, c.post("/api/decide", map[string]any{"decision": "reject", "items": []int{3}})["changed"])
	assert.Equal(t, 1.0, c.post("/api/undo", map[string]any{})["changed"]) // the reject of 3

	// All from one source concept, by filter, as one step.
	src := want[5]["source_concept_id"].(string)
	nsrc := 0
	for _, m := range want {
		if m["source_concept_id"] == src {
			nsrc++
		}
	}
	got := c.post("/api/decide", map[string]any{"decision": "reject", "filter": map[string][]string{"source": {src}, "decision": {"unreviewed"}}})
	assert.Equal(t, float64(nsrc-countDecided(want[:4], src)), got["changed"])

	var p review.Page
	c.get("/api/cards?decision=reject&limit=500", &p)
	assert.Equal(t, int(got["changed"].(float64)), p.Total)
	assert.Equal(t, got["changed"], c.post("/api/undo", map[string]any{})["changed"])
	c.get("/api/cards?decision=reject&limit=500", &p)
	assert.Equal(t, 0, p.Total)

	c.get("/api/balance", &bal)
	for _, b := range bal {
		var acc, flip int
		for j, m := range want[:3] {
			if m["concept_id"] == b.ConceptID {
				if j < 2 {
					acc++
				} else {
					flip++
				}
			}
		}
		assert.Equal(t, before[b.ConceptID].Negatives+acc, b.NegAfter, b.ConceptID)
		assert.Equal(t, before[b.ConceptID].Positives+flip, b.PosAfter, b.ConceptID)
		assert.Equal(t, acc, b.Accepted, b.ConceptID)
		assert.Equal(t, flip, b.Flipped, b.ConceptID)
	}

	// A new session over the same files resumes: the decisions file holds
	// exactly the state.
	key := func(j int) review.Key {
		return review.Key{InputID: want[j]["input_id"].(string), ConceptID: want[j]["concept_id"].(string)}
	}
	wantDs := review.Decisions{key(0): review.Accept, key(1): review.Accept, key(2): review.Positive}
	assert.Equal(t, wantDs, sess.Decisions())
	again := fx.open(t, path)
	assert.Equal(t, wantDs, again.Decisions())
}

func countDecided(ms []map[string]any, src string) int {
	n := 0
	for j, m := range ms {
		if m["source_concept_id"] == src && j < 3 { // 0, 1 accepted, 2 positive; 3 undone
			n++
		}
	}
	return n
}

func TestDecisionsFileCrash(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	path := dir + "/neg.decisions.jsonl"
	log, ds, err := review.OpenLog(ctx, path)
	require.NoError(t, err)
	assert.Empty(t, ds)
	require.NoError(t, log.Append([]review.Entry{
		{InputID: "a", ConceptID: "wolf", Decision: review.Accept},
		{InputID: "b", ConceptID: "wolf", Decision: review.Reject},
		{InputID: "c", ConceptID: "fox", Decision: review.Positive},
		{InputID: "c", ConceptID: "fox", Decision: review.Unreviewed},
	}))
	require.NoError(t, log.Close())

	// A crash in the middle of a write leaves a line without its end.
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	require.NoError(t, err)
	_, err = f.WriteString(`{"input_id":"d","concept_id":"wo`)
	require.NoError(t, err)
	require.NoError(t, f.Close())

	want := review.Decisions{{"a", "wolf"}: review.Accept, {"b", "wolf"}: review.Reject}
	got, err := review.ReadDecisionsFile(ctx, path)
	require.NoError(t, err)
	assert.Equal(t, want, got)

	log, got, err = review.OpenLog(ctx, path)
	require.NoError(t, err)
	assert.Equal(t, want, got)
	require.NoError(t, log.Append([]review.Entry{{InputID: "e", ConceptID: "fox", Decision: review.Accept}}))
	require.NoError(t, log.Close())
	got, err = review.ReadDecisionsFile(ctx, path)
	require.NoError(t, err)
	want[review.Key{"e", "fox"}] = review.Accept
	assert.Equal(t, want, got, "the torn line was cut off, the next entry is whole")

	// A bad line that is not the last is an error naming it.
	require.NoError(t, os.WriteFile(path, []byte("{\"input_id\":\"a\",\"concept_id\":\"x\",\"decision\":\"accept\"}\n{\"input_id\":\"a\",\"concept_id\":\"x\",\"decision\":\"acept\"}\n{}\n"), 0o644))
	_, err = review.ReadDecisionsFile(ctx, path)
	assert.ErrorContains(t, err, path+":2:")

	got, err = review.ReadDecisionsFile(ctx, dir+"/missing.jsonl")
	require.NoError(t, err)
	assert.Empty(t, got)
}

func TestDecisionsPath(t *testing.T) {
	for in, want := range map[string]string{
		"neg.jsonl":         "neg.decisions.jsonl",
		"out/neg.csv":       "out/neg.decisions.jsonl",
		"/tmp/a.b.parquet":  "/tmp/a.b.decisions.jsonl",
		"suggestions":       "suggestions.decisions.jsonl",
		"dir.d/suggestions": "dir.d/suggestions.decisions.jsonl",
	} {
		assert.Equal(t, want, review.DecisionsPath(in), in)
	}
}

// TestCardsMatchSource checks every card against the source read
// independently, with small batches and buffer reuse on: the session
// keeps copies of what it shows, never strings into recycled buffers.
func TestCardsMatchSource(t *testing.T) {
	fx := newFixture(t, "http://127.0.0.1:1")
	path := fx.suggest(t)
	f, err := os.Open(fx.data)
	require.NoError(t, err)
	defer f.Close()
	r, err := dataset.NewReader(context.Background(), f, dataset.WithBatchSize(7), dataset.WithReuseBuffers(true))
	require.NoError(t, err)
	sess, err := review.Open(context.Background(), path, r, nil)
	r.Release()
	require.NoError(t, err)
	defer sess.Close()

	type input struct {
		url       string
		positives []string
	}
	want := map[string]input{}
	for _, m := range lines(t, fx.data) {
		data := m["data"].(map[string]any)
		in := input{url: data["image"].(map[string]any)["url"].(string), positives: []string{}}
		cs, _ := data["concepts"].([]any)
		for _, c := range cs {
			c := c.(map[string]any)
			if v, ok := c["value"].(float64); !ok || v == 1 {
				name, _ := c["name"].(string)
				if name == "" {
					name = c["id"].(string)
				}
				in.positives = append(in.positives, name)
			}
		}
		want[m["id"].(string)] = in
	}
	p, err := sess.Page(review.AllFilter(), 0, 500)
	require.NoError(t, err)
	require.Equal(t, sess.Len(), len(p.Cards))
	for _, c := range p.Cards {
		w := want[c.InputID]
		assert.Equal(t, w.url, c.URL, c.InputID)
		assert.ElementsMatch(t, w.positives, c.Positives, c.InputID)
	}
}

func TestSuggestionsChangedWhileReviewing(t *testing.T) {
	fx := newFixture(t, "http://127.0.0.1:1")
	path := fx.suggest(t)
	sess := fx.open(t, path)
	raw, err := os.ReadFile(path)
	require.NoError(t, err)
	ls := strings.SplitAfter(strings.TrimSuffix(string(raw), "\n"), "\n")
	ls[0], ls[1] = ls[1], ls[0]
	require.NoError(t, os.WriteFile(path, []byte(strings.Join(ls, "")+"\n"), 0o644))
	_, err = sess.Page(review.AllFilter(), 0, 2)
	assert.ErrorContains(t, err, "changed while reviewing")
}

// TestConcurrentDecisions: decisions posted at once from several clients
// all land in the file, each whole.
func TestConcurrentDecisions(t *testing.T) {
	fx := newFixture(t, "http://127.0.0.1:1")
	path := fx.suggest(t)
	sess := fx.open(t, path)
	c := newClient(t, sess)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := range 10 {
				body := fmt.Sprintf(`{"decision":"reject","items":[%d]}`, g*10+k)
				resp, err := c.srv.Client().Do(mustRequest(c, body))
				if assert.NoError(t, err) {
					assert.Equal(t, http.StatusOK, resp.StatusCode)
					resp.Body.Close()
				}
			}
		}()
	}
	wg.Wait()
	again := fx.open(t, path)
	assert.Equal(t, 80, again.Decisions().Count(review.Reject))
	assert.Len(t, lines(t, review.DecisionsPath(path)), 80)
}

func mustRequest(c *client, body string) *http.Request {
	req, err := http.NewRequest("POST", c.srv.URL+"/api/decide", strings.NewReader(body))
	if err != nil {
		panic(err)
	}
	req.Header.Set("X-Curate-Token", c.token)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Origin", c.srv.URL)
	return req
}
