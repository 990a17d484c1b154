package review_test

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"curate.dev/dataset"
	"curate.dev/review"
)

// benchFiles writes a source of n inputs and n suggestions for them (one
// per input, over 20 concepts), as curate suggest would.
func benchFiles(b *testing.B, n int) (src, sugg string) {
	b.Helper()
	dir := b.TempDir()
	src, sugg = filepath.Join(dir, "src.jsonl"), filepath.Join(dir, "neg.jsonl")
	fs, err := os.Create(src)
	if err != nil {
		b.Fatal(err)
	}
	fg, err := os.Create(sugg)
	if err != nil {
		b.Fatal(err)
	}
	ws, wg := bufio.NewWriter(fs), bufio.NewWriter(fg)
	reason := strings.Repeat("positive for husky; husky and wolf overlap (embedding similarity 0.92, both are kinds of canine); ", 2)
	for i := range n {
		pos := fmt.Sprintf("c%02d", i%20)
		fmt.Fprintf(ws, `{"id":"in-%07d","data":{"image":{"url":"https://img.example/%07d.jpg"},"concepts":[{"id":%q,"value":1},{"id":"grass","value":1}]}}`+"\n", i, i, pos)
		fmt.Fprintf(wg, `{"input_id":"in-%07d","concept_id":"c%02d","value":0,"score":%.4f,"source_concept_id":%q,"reason":%q,"url":"https://img.example/%07d.jpg"}`+"\n",
			i, (i+7)%20, float64(i%9973)/9973, pos, reason, i)
	}
	for _, err := range []error{ws.Flush(), wg.Flush(), fs.Close(), fg.Close()} {
		if err != nil {
			b.Fatal(err)
		}
	}
	return src, sugg
}

func benchSession(b *testing.B, src, sugg string) *review.Session {
	b.Helper()
	f, err := os.Open(src)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	r, err := dataset.NewReader(context.Background(), f, dataset.WithEmbeddingDim(-1))
	if err != nil {
		b.Fatal(err)
	}
	defer r.Release()
	sess, err := review.Open(context.Background(), sugg, r, &review.Options{Decisions: filepath.Join(b.TempDir(), "d.jsonl")})
	if err != nil {
		b.Fatal(err)
	}
	return sess
}

// BenchmarkOpen100k: index 100k suggestions and read their 100k-input
// source once.
func BenchmarkOpen100k(b *testing.B) {
	src, sugg := benchFiles(b, 100_000)
	b.ReportAllocs()
	for b.Loop() {
		benchSession(b, src, sugg).Close()
	}
}

// BenchmarkPage100k: one page of 48 cards over 100k suggestions, as the
// page asks for it: the first page, a filtered and score-sorted page deep
// in the list, and a decision.
func BenchmarkPage100k(b *testing.B) {
	src, sugg := benchFiles(b, 100_000)
	sess := benchSession(b, src, sugg)
	defer sess.Close()
	h := review.Handler(sess, "t")
	get := func(b *testing.B, path string) {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
		if rec.Code != http.StatusOK {
			b.Fatalf("%s: %d %s", path, rec.Code, rec.Body)
		}
	}
	b.Run("first", func(b *testing.B) {
		for b.Loop() {
			get(b, "/api/cards?token=t&limit=48")
		}
	})
	b.Run("filtered-sorted", func(b *testing.B) {
		for b.Loop() {
			get(b, "/api/cards?token=t&limit=48&offset=960&concept=c03&min=0.2&sort=score")
		}
	})
	b.Run("balance", func(b *testing.B) {
		for b.Loop() {
			get(b, "/api/balance?token=t")
		}
	})
	b.Run("decide", func(b *testing.B) {
		i := 0
		for b.Loop() {
			if _, err := sess.DecideIndices([]int{i % 100_000}, review.Accept); err != nil {
				b.Fatal(err)
			}
			i++
		}
	})
}
