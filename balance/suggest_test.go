package balance

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/apache/arrow/go/v15/arrow/memory"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"curate.dev/dataset"
	"curate.dev/label"
)

// tw is a small hand-built world.
type tw struct{ ins []dataset.Input }

// add appends an input; labels are "c" (positive), "-c" (negative) or
// "~c" (a soft 0.5 value).
func (w *tw) add(id string, emb []float32, labels ...string) {
	in := dataset.Input{ID: id, Embedding: emb}
	for _, l := range labels {
		v := dataset.Positive
		switch l[0] {
		case '-':
			v, l = dataset.Negative, l[1:]
		case '~':
			v, l = 0.5, l[1:]
		}
		in.Annotations = append(in.Annotations, dataset.Annotation{ConceptID: l, Value: v})
	}
	w.ins = append(w.ins, in)
}

func (w *tw) opener(mem memory.Allocator) Opener {
	return func(ctx context.Context) (*dataset.Reader, error) {
		i := 0
		return dataset.NewFuncReader(ctx, func(in *dataset.Input) error {
			if i == len(w.ins) {
				return io.EOF
			}
			*in = w.ins[i]
			in.Annotations = slices.Clone(in.Annotations)
			i++
			return nil
		}, dataset.WithAllocator(mem), dataset.WithBatchSize(16), dataset.WithSoftValues(true)), nil
	}
}

func (w *tw) analyze(t *testing.T, opts *OverlapOptions) *Overlap {
	t.Helper()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	r, err := w.opener(mem)(context.Background())
	require.NoError(t, err)
	defer r.Release()
	o, err := AnalyzeOverlap(context.Background(), r, opts)
	require.NoError(t, err)
	return o
}

// vec returns a 4-dim embedding near axis-weighted direction d with a
// small deterministic wobble j.
func vec(d [4]float32, j int) []float32 {
	w := float32(j%7) * 0.01
	return []float32{d[0] + w, d[1] - w, d[2] + w/2, d[3]}
}

var (
	dirHusky = [4]float32{1, 0.8, 0, 0}
	dirWolf  = [4]float32{0.8, 1, 0, 0}
	dirCat   = [4]float32{0, 0, 1, 0.1}
)

// animals: 30 husky, 30 wolf, 30 cat; grass on every third input of
// each; a few wolf negatives on cats.
func animals(withEmb bool) *tw {
	w := &tw{}
	e := func(d [4]float32, j int) []float32 {
		if !withEmb {
			return nil
		}
		return vec(d, j)
	}
	for i := 0; i < 30; i++ {
		extra := []string{}
		if i%3 == 0 {
			extra = append(extra, "grass")
		}
		w.add(fmt.Sprintf("h%02d", i), e(dirHusky, i), append([]string{"husky"}, extra...)...)
		w.add(fmt.Sprintf("w%02d", i), e(dirWolf, i), append([]string{"wolf"}, extra...)...)
		w.add(fmt.Sprintf("c%02d", i), e(dirCat, i), append([]string{"cat"}, extra...)...)
	}
	for i := 0; i < 5; i++ { // c00-c04: not wolf, more than chance explains
		w.ins[3*i+2].Annotations = append(w.ins[3*i+2].Annotations, dataset.Annotation{ConceptID: "wolf", Value: 0})
	}
	return w
}

func TestOverlapVerdicts(t *testing.T) {
	h, err := label.NewHierarchy([]dataset.Relation{
		{Subject: "husky", Object: "dog", Predicate: dataset.Hyponym},
		{Subject: "dog", Object: "canine", Predicate: dataset.Hyponym},
		{Subject: "wolf", Object: "canine", Predicate: dataset.Hyponym},
		{Subject: "unicorn", Object: "horse", Predicate: dataset.Hyponym},
	})
	require.NoError(t, err)
	w := animals(true)
	w.add("d1", vec(dirHusky, 1), "dog", "husky")
	opts := DefaultOverlapOptions()
	opts.Rules.Hierarchy = h
	o := w.analyze(t, &opts)

	tests := []struct {
		a, b     string
		verdict  Verdict
		siblings bool
	}{
		{"husky", "wolf", VerdictOverlapping, true},
		{"husky", "cat", VerdictExclusive, false},
		{"husky", "grass", VerdictCooccurring, false},
		{"husky", "dog", VerdictRelated, false},
		{"cat", "wolf", VerdictOverlapping, false}, // annotator confusions
	}
	for _, tt := range tests {
		p, ok := o.Pair(tt.a, tt.b)
		require.True(t, ok, tt.a+"/"+tt.b)
		assert.Equal(t, tt.verdict, p.Verdict, "%s/%s", tt.a, tt.b)
		assert.Equal(t, tt.siblings, p.Siblings, "%s/%s", tt.a, tt.b)
	}
	p, _ := o.Pair("husky", "wolf")
	assert.InDelta(t, 0.97, p.Similarity, 0.03)
	assert.Equal(t, "canine", p.CommonParent)
	p, _ = o.Pair("cat", "wolf")
	assert.Equal(t, 5, p.ConfusionsBA+p.ConfusionsAB)
	assert.True(t, p.Confusable)
	assert.Less(t, p.Similarity, 0.1)
	p, _ = o.Pair("husky", "grass")
	assert.Equal(t, 10, p.Together)

	pos, neg, conf := o.Counts("wolf")
	assert.Equal(t, []int{30, 5, 0}, []int{pos, neg, conf})
	assert.Equal(t, []string{"canine", "horse", "unicorn"}, o.Warnings().UnknownRelationConcepts)

	pairs := o.Pairs()
	require.NotEmpty(t, pairs)
	for i := 1; i < len(pairs); i++ {
		assert.GreaterOrEqual(t, pairs[i-1].Score, pairs[i].Score)
	}
	assert.NotContains(t, pairVerdicts(pairs), VerdictExclusive+":cat/husky")
}

func pairVerdicts(ps []Pair) []string {
	var out []string
	for _, p := range ps {
		out = append(out, string(p.Verdict)+":"+p.A+"/"+p.B)
	}
	return out
}

// annotated reports the world's labels for an input.
func (w *tw) labels(id string) map[string]float32 {
	m := map[string]float32{}
	for _, in := range w.ins {
		if in.ID == id {
			for _, a := range in.Annotations {
				m[a.ConceptID] = a.Value
			}
		}
	}
	return m
}

func TestSuggestSafetyAndRanking(t *testing.T) {
	for _, withEmb := range []bool{true, false} {
		t.Run(fmt.Sprintf("embeddings=%v", withEmb), func(t *testing.T) {
			w := animals(withEmb)
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			res, err := Suggest(context.Background(), w.opener(mem), nil, nil)
			require.NoError(t, err)
			if withEmb {
				assert.Equal(t, 2, res.Passes)
			} else {
				assert.Equal(t, 1, res.Passes)
			}
			byConcept := map[string][]Suggestion{}
			for _, s := range res.Suggestions {
				byConcept[s.ConceptID] = append(byConcept[s.ConceptID], s)
				lab := w.labels(s.InputID)
				assert.Equal(t, dataset.Negative, s.Value)
				_, annotated := lab[s.ConceptID]
				assert.False(t, annotated, "suggested %s on %s, which is annotated for it", s.ConceptID, s.InputID)
				_, grass := lab["grass"]
				assert.False(t, grass, "grass co-occurs with everything: %s must not be a candidate", s.InputID)
				assert.Equal(t, dataset.Positive, lab[s.SourceConceptID])
				assert.Contains(t, s.Reason, "positive for "+s.SourceConceptID)
			}
			// husky and wolf overlap by embeddings only; wolf and cat by one confusion.
			if withEmb {
				assert.Len(t, byConcept["husky"], 20, "20 wolf inputs without grass")
				assert.Len(t, byConcept["wolf"], 25, "deficit 25: 20 husky + 5 cat-without-grass")
				srcs := map[string]int{}
				for i, s := range byConcept["wolf"] {
					srcs[s.SourceConceptID]++
					if i < 20 {
						assert.Equal(t, "husky", s.SourceConceptID, "the strong source first")
					}
				}
				assert.Equal(t, map[string]int{"husky": 20, "cat": 5}, srcs, "the weak source fills the rest")
				hs := byConcept["husky"]
				for i := 1; i < len(hs); i++ {
					assert.GreaterOrEqual(t, hs[i-1].Score, hs[i].Score, "hardest first")
				}
				assert.Contains(t, byConcept["wolf"][0].Reason, "embedding similarity")
			} else {
				assert.Empty(t, byConcept["husky"], "no signal links husky and wolf")
				require.NotEmpty(t, byConcept["wolf"])
				for _, s := range byConcept["wolf"] {
					assert.Equal(t, "cat", s.SourceConceptID)
					assert.Contains(t, s.Reason, "annotators marked 5 cat inputs not wolf")
					assert.Contains(t, s.Reason, "never seen together in 30 cat inputs")
				}
			}
			wolf := conceptSummary(res, "wolf")
			assert.Equal(t, 30, wolf.Positives)
			assert.Equal(t, 5, wolf.Negatives)
			assert.Equal(t, 25, wolf.Deficit)
			assert.Equal(t, len(byConcept["wolf"]), wolf.Suggested)
		})
	}
}

func conceptSummary(res *Suggestions, id string) ConceptSummary {
	for _, c := range res.Concepts {
		if c.ConceptID == id {
			return c
		}
	}
	return ConceptSummary{}
}

func TestSuggestOptions(t *testing.T) {
	ctx := context.Background()
	run := func(w *tw, ov *OverlapOptions, so *SuggestOptions) *Suggestions {
		t.Helper()
		res, err := Suggest(ctx, w.opener(nil), ov, so)
		require.NoError(t, err)
		return res
	}
	t.Run("cap", func(t *testing.T) {
		res := run(animals(true), nil, &SuggestOptions{Ratio: 1, MaxPerConcept: 3})
		assert.Equal(t, 3, conceptSummary(res, "wolf").Suggested)
		assert.Equal(t, 25, conceptSummary(res, "wolf").Deficit)
	})
	t.Run("round robin within a band", func(t *testing.T) {
		w := animals(true)
		for i := 0; i < 30; i++ {
			w.add(fmt.Sprintf("f%02d", i), vec([4]float32{0.8, 0.8, 0.1, 0}, i+3), "fox")
		}
		res := run(w, nil, &SuggestOptions{Ratio: 1, MaxPerConcept: 6})
		var srcs []string
		for _, s := range res.Suggestions {
			if s.ConceptID == "wolf" {
				srcs = append(srcs, s.SourceConceptID)
			}
		}
		assert.Equal(t, []string{"fox", "husky", "fox", "husky", "fox", "husky"}, srcs)
	})
	t.Run("exclude and kept", func(t *testing.T) {
		base := run(animals(true), nil, &SuggestOptions{Ratio: 1, MaxPerConcept: 6})
		var wolf []Suggestion
		for _, s := range base.Suggestions {
			if s.ConceptID == "wolf" {
				wolf = append(wolf, s)
			}
		}
		require.Len(t, wolf, 6)
		// Two rejected and one accepted in review: none of the three comes
		// back, and the accepted one counts toward the cap.
		excl := map[SuggestionKey]bool{}
		for _, s := range wolf[:3] {
			excl[SuggestionKey{s.InputID, s.ConceptID}] = true
		}
		res := run(animals(true), nil, &SuggestOptions{Ratio: 1, MaxPerConcept: 6, Exclude: excl, Kept: map[string]int{"wolf": 1}})
		var again []Suggestion
		for _, s := range res.Suggestions {
			if s.ConceptID == "wolf" {
				again = append(again, s)
				assert.False(t, excl[SuggestionKey{s.InputID, s.ConceptID}], "excluded %s suggested again", s.InputID)
			}
		}
		assert.Len(t, again, 5, "6 wanted, 1 kept from the review")
		assert.Equal(t, wolf[3:], again[:3], "the rest keep their order")
	})
	t.Run("ratio", func(t *testing.T) {
		res := run(animals(true), nil, &SuggestOptions{Ratio: 0.5})
		assert.Equal(t, 10, conceptSummary(res, "wolf").Deficit)
		assert.Equal(t, 10, conceptSummary(res, "wolf").Suggested)
	})
	t.Run("seed", func(t *testing.T) {
		w := animals(false)
		a := run(w, nil, &SuggestOptions{Ratio: 1, MaxPerConcept: 5, Seed: 1})
		b := run(w, nil, &SuggestOptions{Ratio: 1, MaxPerConcept: 5, Seed: 1})
		c := run(w, nil, &SuggestOptions{Ratio: 1, MaxPerConcept: 5, Seed: 2})
		assert.Equal(t, a.Suggestions, b.Suggestions)
		assert.NotEqual(t, a.Suggestions, c.Suggestions, "ties broken differently for another seed")
	})
	t.Run("cooccur threshold", func(t *testing.T) {
		w := animals(true)
		w.add("hw", vec(dirHusky, 3), "husky", "wolf") // 1 of 31 husky inputs is also wolf: 3.2%
		res := run(w, nil, nil)
		for _, s := range res.Suggestions {
			assert.NotEqual(t, "husky", s.SourceConceptID, "husky and wolf co-occur above 1%%")
		}
		ov := DefaultOverlapOptions()
		ov.CooccurThreshold = 0.05
		res = run(w, &ov, nil)
		n := 0
		for _, s := range res.Suggestions {
			if s.SourceConceptID == "husky" {
				n++
				assert.Contains(t, s.Reason, "seen together in only 1 of 31 husky inputs")
				assert.NotEqual(t, "hw", s.InputID)
			}
		}
		assert.Positive(t, n)
	})
	t.Run("min support", func(t *testing.T) {
		ov := DefaultOverlapOptions()
		ov.MinSupport = 31
		res := run(animals(true), &ov, nil)
		assert.Empty(t, res.Suggestions, "no concept has 31 positives to vouch for exclusivity")
	})
	t.Run("hierarchy", func(t *testing.T) {
		h, err := label.NewHierarchy([]dataset.Relation{
			{Subject: "husky", Object: "dog", Predicate: dataset.Hyponym},
			{Subject: "dog", Object: "canine", Predicate: dataset.Hyponym},
			{Subject: "wolf", Object: "canine", Predicate: dataset.Hyponym},
		})
		require.NoError(t, err)
		w := animals(false)
		for i := 0; i < 25; i++ {
			w.add(fmt.Sprintf("d%02d", i), nil, "dog")
			w.add(fmt.Sprintf("k%02d", i), nil, "canine")
		}
		ov := DefaultOverlapOptions()
		ov.Rules.Hierarchy = h
		res := run(w, &ov, nil)
		var gotWolfFromHusky, gotDog bool
		for _, s := range res.Suggestions {
			assert.NotEqual(t, "canine", s.ConceptID, "every candidate for canine is a descendant")
			assert.False(t, h.Related(s.ConceptID, s.SourceConceptID))
			if s.ConceptID == "wolf" && s.SourceConceptID == "husky" {
				gotWolfFromHusky = true
				assert.Contains(t, s.Reason, "both are kinds of canine")
			}
			if s.ConceptID == "dog" {
				gotDog = true
				assert.NotEqual(t, "husky", s.SourceConceptID)
			}
		}
		assert.True(t, gotWolfFromHusky, "siblings overlap without embeddings")
		assert.True(t, gotDog, "wolf is a sibling of dog")
	})
	t.Run("conflicts and soft values", func(t *testing.T) {
		w := animals(true)
		w.ins[0].Annotations = append(w.ins[0].Annotations, dataset.Annotation{ConceptID: "husky", Value: 0}) // h00: husky and not husky... h00 has grass anyway
		w.add("hx", vec(dirHusky, 2), "husky", "-husky")
		w.add("hs", vec(dirHusky, 2), "husky", "~wolf")
		res := run(w, nil, nil)
		base := run(animals(true), nil, nil)
		assert.EqualValues(t, 1, res.Warnings.SoftValues)
		assert.Equal(t, 2, conceptSummary(res, "husky").Conflicts)
		// A person's soft 0.5 is a positive, by the one label rule the
		// report uses too.
		assert.Equal(t, conceptSummary(base, "wolf").Positives+1, conceptSummary(res, "wolf").Positives)
		for _, s := range res.Suggestions {
			assert.NotContains(t, []string{"hx", "h00"}, s.InputID, "inputs in conflict are never suggested")
			if s.InputID == "hs" {
				assert.NotContains(t, []string{"husky", "wolf"}, s.ConceptID, "hs is positive for both")
			}
		}
	})
}

func TestSuggestBadInput(t *testing.T) {
	ctx := context.Background()
	t.Run("nan and zero embeddings are skipped and counted", func(t *testing.T) {
		w := animals(true)
		w.ins[1].Embedding = []float32{float32(math.NaN()), 0, 0, 0}
		w.ins[4].Embedding = []float32{0, 0, 0, 0}
		res, err := Suggest(ctx, w.opener(nil), nil, nil)
		require.NoError(t, err)
		assert.EqualValues(t, 1, res.Warnings.NaNEmbeddings)
		assert.EqualValues(t, 1, res.Warnings.ZeroEmbeddings)
		for _, s := range res.Suggestions {
			assert.False(t, math.IsNaN(s.Score))
		}
	})
	t.Run("mixed dimensions", func(t *testing.T) {
		for _, at := range []int{5, 70} { // in the first batch, and later
			w := animals(true)
			w.ins[at].Embedding = []float32{1, 2, 3}
			_, err := Suggest(ctx, w.opener(nil), nil, nil)
			var pe *dataset.ParseError
			require.ErrorAs(t, err, &pe, "at %d", at)
			assert.ErrorIs(t, err, dataset.ErrShape)
		}
	})
	t.Run("cycle", func(t *testing.T) {
		_, err := label.NewHierarchy([]dataset.Relation{
			{Subject: "a", Object: "b", Predicate: dataset.Hyponym},
			{Subject: "b", Object: "a", Predicate: dataset.Hyponym},
		})
		assert.ErrorIs(t, err, label.ErrCycle)
	})
	t.Run("open fails", func(t *testing.T) {
		boom := errors.New("boom")
		_, err := Suggest(ctx, func(context.Context) (*dataset.Reader, error) { return nil, boom }, nil, nil)
		assert.ErrorIs(t, err, boom)
	})
	t.Run("bad ratio", func(t *testing.T) {
		_, err := Suggest(ctx, animals(false).opener(nil), nil, &SuggestOptions{Ratio: -1})
		assert.Error(t, err)
	})
	t.Run("cancelled", func(t *testing.T) {
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		_, err := Suggest(cctx, animals(true).opener(nil), nil, nil)
		assert.ErrorIs(t, err, context.Canceled)
	})
}

func TestSuggestionOutput(t *testing.T) {
	s := &Suggestions{Suggestions: []Suggestion{
		{InputID: "i1", ConceptID: "wolf", Value: 0, Score: 0.83, SourceConceptID: "husky", Reason: "positive for husky; a <b> & c"},
		{InputID: "i,2", ConceptID: "cat", Value: 0, Score: 0.5, SourceConceptID: "lynx", Reason: `say "hi"`, URL: "https://x.example/2.jpg"},
		{InputID: "i3", ConceptID: "cat", Value: 0, Score: 0.4, SourceConceptID: "lynx", Reason: "r", Text: "a lynx, not a cat"},
	}}
	var b bytes.Buffer
	require.NoError(t, s.WriteJSONL(&b))
	assert.Equal(t, `{"input_id":"i1","concept_id":"wolf","value":0,"score":0.83,"source_concept_id":"husky","reason":"positive for husky; a <b> & c"}
{"input_id":"i,2","concept_id":"cat","value":0,"score":0.5,"source_concept_id":"lynx","reason":"say \"hi\"","url":"https://x.example/2.jpg"}
{"input_id":"i3","concept_id":"cat","value":0,"score":0.4,"source_concept_id":"lynx","reason":"r","text":"a lynx, not a cat"}
`, b.String())

	b.Reset()
	require.NoError(t, s.WriteCSV(&b))
	assert.Equal(t, "input_id,concept_id,value,score,source_concept_id,reason,url,text\ni1,wolf,0,0.83,husky,positive for husky; a <b> & c,,\n\"i,2\",cat,0,0.5,lynx,\"say \"\"hi\"\"\",https://x.example/2.jpg,\ni3,cat,0,0.4,lynx,r,,\"a lynx, not a cat\"\n", b.String())
	// The CSV reads back as annotations.
	r, err := dataset.NewReader(context.Background(), strings.NewReader(b.String()))
	require.NoError(t, err)
	defer r.Release()
	tabs, err := dataset.ReadTables(r)
	require.NoError(t, err)
	defer tabs.Release()
	assert.EqualValues(t, 3, tabs.Annotations.NumRows())

	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	rec := s.Record(mem)
	defer rec.Release()
	assert.True(t, rec.Schema().Equal(dataset.ChangesSchema()))
	assert.EqualValues(t, 3, rec.NumRows())
	assert.Equal(t, "i,2", rec.Column(dataset.ChgInputID).ValueStr(1))
	assert.Equal(t, "lynx", rec.Column(dataset.ChgSourceConceptID).ValueStr(1))
	assert.True(t, rec.Column(dataset.ChgConceptName).IsNull(0))
	assert.Equal(t, "true", rec.Column(dataset.ChgAccept).ValueStr(0))
}

// A positive for husky is a positive for animal: a context concept seen
// with huskies co-occurs with animal even if no input says "animal" beside
// it, and never yields "not animal".
func TestSuggestImpliedPositives(t *testing.T) {
	h, err := label.NewHierarchy([]dataset.Relation{{Subject: "husky", Object: "animal", Predicate: dataset.Hyponym}})
	require.NoError(t, err)
	w := &tw{}
	for i := 0; i < 60; i++ {
		if i < 20 {
			w.add(fmt.Sprintf("h%02d", i), nil, "husky", "indoors")
		} else {
			w.add(fmt.Sprintf("h%02d", i), nil, "husky")
		}
		w.add(fmt.Sprintf("c%02d", i), nil, "car")
	}
	for i := 0; i < 30; i++ {
		w.add(fmt.Sprintf("i%02d", i), nil, "indoors")
		w.add(fmt.Sprintf("a%02d", i), nil, "animal")
	}
	for i := 0; i < 8; i++ { // annotators marked indoor scenes and cars "not animal"
		w.add(fmt.Sprintf("x%02d", i), nil, "indoors", "-animal")
		w.add(fmt.Sprintf("y%02d", i), nil, "car", "-animal")
	}
	ov := DefaultOverlapOptions()
	ov.Rules.Hierarchy = h
	o := w.analyze(t, &ov)
	p, _ := o.Pair("animal", "indoors")
	assert.Equal(t, VerdictCooccurring, p.Verdict)
	assert.Equal(t, 20, p.Together)
	assert.Equal(t, 90, p.PositivesA, "30 direct + 60 through husky")
	p, _ = o.Pair("animal", "car")
	assert.Equal(t, VerdictOverlapping, p.Verdict)

	res, err := o.Suggest(context.Background(), nil, nil)
	require.NoError(t, err)
	n := 0
	for _, s := range res.Suggestions {
		if s.ConceptID == "animal" {
			n++
			assert.Equal(t, "car", s.SourceConceptID)
		}
	}
	assert.Positive(t, n)
}

func TestSuggestionsAddMedia(t *testing.T) {
	src := `{"id":"a","data":{"image":{"url":"https://x.example/a.jpg"},"concepts":[{"id":"dog","value":1}]}}
{"id":"b","data":{"text":{"raw":"a wolf at night"},"concepts":[{"id":"wolf","value":1}]}}
{"id":"c","data":{"image":{"url":"https://x.example/c.jpg"},"concepts":[{"id":"cat","value":1}]}}
`
	s := &Suggestions{Suggestions: []Suggestion{
		{InputID: "b", ConceptID: "dog"}, {InputID: "a", ConceptID: "wolf"}, {InputID: "a", ConceptID: "cat"}, {InputID: "gone", ConceptID: "cat"},
	}}
	r, err := dataset.NewReader(context.Background(), strings.NewReader(src), dataset.WithBatchSize(1))
	require.NoError(t, err)
	defer r.Release()
	require.NoError(t, s.AddMedia(context.Background(), r))
	got := [][2]string{}
	for _, x := range s.Suggestions {
		got = append(got, [2]string{x.URL, x.Text})
	}
	assert.Equal(t, [][2]string{{"", "a wolf at night"}, {"https://x.example/a.jpg", ""}, {"https://x.example/a.jpg", ""}, {"", ""}}, got)
}
