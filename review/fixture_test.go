package review_test

import (
	"bytes"
	"context"
	"hash/fnv"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"curate.dev/balance"
	"curate.dev/dataset"
	"curate.dev/label"
	"curate.dev/review"
)

// exampleHost is the image host of examples/animals.jsonl; tests serve
// those images from a local server instead.
const exampleHost = "https://images.example.com"

// imageServer serves a small PNG for any path, its colour a hash of the
// path, so each input has its own image and nothing leaves the machine.
func imageServer(t *testing.T) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := fnv.New32a()
		h.Write([]byte(r.URL.Path))
		v := h.Sum32()
		base := color.RGBA{uint8(v), uint8(v >> 8), uint8(v >> 16), 255}
		img := image.NewRGBA(image.Rect(0, 0, 160, 120))
		for y := 0; y < 120; y++ {
			for x := 0; x < 160; x++ {
				k := uint8((x + y) / 2)
				img.Set(x, y, color.RGBA{base.R/2 + k/2, base.G/2 + k/3, base.B / 2, 255})
			}
		}
		var buf bytes.Buffer
		png.Encode(&buf, img)
		w.Header().Set("Content-Type", "image/png")
		w.Write(buf.Bytes())
	}))
	t.Cleanup(srv.Close)
	return srv
}

// fixture is the example dataset in a temporary folder, its image URLs
// pointing at imgBase.
type fixture struct {
	dir, data, relations string
}

func newFixture(t *testing.T, imgBase string) *fixture {
	t.Helper()
	dir := t.TempDir()
	raw, err := os.ReadFile("../examples/animals.jsonl")
	require.NoError(t, err)
	rels, err := os.ReadFile("../examples/relations.jsonl")
	require.NoError(t, err)
	fx := &fixture{dir: dir, data: filepath.Join(dir, "animals.jsonl"), relations: filepath.Join(dir, "relations.jsonl")}
	require.NoError(t, os.WriteFile(fx.data, []byte(strings.ReplaceAll(string(raw), exampleHost, imgBase)), 0o644))
	require.NoError(t, os.WriteFile(fx.relations, rels, 0o644))
	return fx
}

func (fx *fixture) hierarchy(t *testing.T) *label.Hierarchy {
	t.Helper()
	f, err := os.Open(fx.relations)
	require.NoError(t, err)
	defer f.Close()
	rels, err := dataset.ReadRelations(context.Background(), f, "relations.jsonl")
	require.NoError(t, err)
	h, err := label.NewHierarchy(rels)
	require.NoError(t, err)
	return h
}

func (fx *fixture) reader(t *testing.T) *dataset.Reader {
	t.Helper()
	f, err := os.Open(fx.data)
	require.NoError(t, err)
	t.Cleanup(func() { f.Close() })
	r, err := dataset.NewReader(context.Background(), f, dataset.WithName("animals.jsonl"))
	require.NoError(t, err)
	return r
}

// suggest writes the suggestions for the fixture to dir/neg.jsonl, as
// curate suggest does, and returns the path.
func (fx *fixture) suggest(t *testing.T) string {
	t.Helper()
	ctx := context.Background()
	open := func(ctx context.Context) (*dataset.Reader, error) {
		f, err := os.Open(fx.data)
		if err != nil {
			return nil, err
		}
		t.Cleanup(func() { f.Close() })
		return dataset.NewReader(ctx, f)
	}
	ov := balance.DefaultOverlapOptions()
	ov.Rules.Hierarchy = fx.hierarchy(t)
	res, err := balance.Suggest(ctx, open, &ov, nil)
	require.NoError(t, err)
	require.NotEmpty(t, res.Suggestions)
	var buf bytes.Buffer
	require.NoError(t, res.WriteJSONL(&buf))
	path := filepath.Join(fx.dir, "neg.jsonl")
	require.NoError(t, os.WriteFile(path, buf.Bytes(), 0o644))
	return path
}

// open starts a review session over the fixture's suggestions.
func (fx *fixture) open(t *testing.T, suggestions string) *review.Session {
	t.Helper()
	r := fx.reader(t)
	defer r.Release()
	sess, err := review.Open(context.Background(), suggestions, r, &review.Options{Rules: label.Rules{Hierarchy: fx.hierarchy(t)}})
	require.NoError(t, err)
	t.Cleanup(func() { sess.Close() })
	return sess
}

// addedAnnotations compares two JSONL datasets and returns the concept
// values after has and before lacks, per (input, concept).
func addedAnnotations(t *testing.T, before, after string) map[[2]string]float64 {
	t.Helper()
	read := func(path string) map[[2]string]float64 {
		out := map[[2]string]float64{}
		for _, m := range lines(t, path) {
			id := m["id"].(string)
			data, _ := m["data"].(map[string]any)
			cs, _ := data["concepts"].([]any)
			for _, c := range cs {
				c := c.(map[string]any)
				v, ok := c["value"].(float64)
				if !ok {
					v = 1 // Clarifai's HTTP rule
				}
				out[[2]string{id, c["id"].(string)}] = v
			}
		}
		return out
	}
	b, a := read(before), read(after)
	added := map[[2]string]float64{}
	for k, v := range a {
		if old, ok := b[k]; !ok || old != v {
			added[k] = v
		}
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			t.Errorf("annotation %v was removed", k)
		}
	}
	return added
}
