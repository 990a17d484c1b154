package synth

import (
	"bytes"
	"context"
	"errors"
	"io"
	"math"
	"strconv"
	"testing"

	"github.com/apache/arrow/go/v15/arrow/array"
	"github.com/apache/arrow/go/v15/arrow/memory"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"curate.dev/dataset"
)

func newWorld(t testing.TB, cfg Config) *World {
	t.Helper()
	w, err := New(cfg)
	require.NoError(t, err)
	return w
}

type writerFunc func(*World) func(context.Context, io.Writer) error

var writers = []struct {
	name string
	fn   writerFunc
}{
	{"jsonl", func(w *World) func(context.Context, io.Writer) error { return w.WriteJSONL }},
	{"truth", func(w *World) func(context.Context, io.Writer) error { return w.WriteTruth }},
	{"csv", func(w *World) func(context.Context, io.Writer) error { return w.WriteCSV }},
	{"openimages", func(w *World) func(context.Context, io.Writer) error { return w.WriteOpenImages }},
	{"relations", func(w *World) func(context.Context, io.Writer) error { return w.WriteRelations }},
}

func write(t testing.TB, w *World, fn writerFunc) []byte {
	t.Helper()
	var buf bytes.Buffer
	require.NoError(t, fn(w)(context.Background(), &buf))
	return buf.Bytes()
}

func TestDeterminism(t *testing.T) {
	configs := map[string]Config{
		"default":   {Seed: 7, Inputs: 500, EmbeddingDim: 8, WithRelations: true},
		"generated": {Seed: 7, Inputs: 500, Concepts: 40, Contexts: 6, EmbeddingDim: 16, WithRelations: true},
		"flat":      {Seed: 7, Inputs: 500, Concepts: 40},
	}
	for cname, cfg := range configs {
		for _, wr := range writers {
			t.Run(cname+"/"+wr.name, func(t *testing.T) {
				a := write(t, newWorld(t, cfg), wr.fn)
				b := write(t, newWorld(t, cfg), wr.fn)
				assert.Equal(t, a, b, "same seed, different bytes")
				other := cfg
				other.Seed++
				c := write(t, newWorld(t, other), wr.fn)
				if wr.name == "relations" && cfg.Concepts == 0 {
					assert.Equal(t, a, c, "the default world's hierarchy does not depend on the seed")
				} else if wr.name == "relations" && !cfg.WithRelations {
					assert.Empty(t, c)
				} else {
					assert.NotEqual(t, a, c, "different seed, same bytes")
				}
			})
		}
	}
}

func TestConfigErrors(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
	}{
		{"negative inputs", Config{Inputs: -1}},
		{"two concepts", Config{Concepts: 2}},
		{"negative concepts", Config{Concepts: -5}},
		{"too many contexts", Config{Contexts: 65}},
		{"negative dim", Config{EmbeddingDim: -1}},
		{"rate above 1", Config{PositiveRate: 1.5}},
		{"negative rate", Config{NegativeRate: -0.5}},
		{"NaN rate", Config{ConflictRate: math.NaN()}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(tt.cfg)
			assert.ErrorIs(t, err, ErrConfig)
			assert.ErrorIs(t, tt.cfg.Validate(), ErrConfig)
		})
	}
}

func TestDefaults(t *testing.T) {
	require.NoError(t, DefaultConfig().Validate())
	require.NoError(t, BenchConfig(10).Validate())
	w := newWorld(t, Config{})
	cfg := w.Config()
	d := DefaultConfig()
	d.WithRelations = false // zero value of the field
	d.Seed = 0
	assert.Equal(t, d, cfg)
	assert.Equal(t, 200, w.Len())

	off := newWorld(t, Config{Inputs: 300, PositiveRate: Off, ParentRate: Off, ContextRate: Off, NegativeRate: Off, ConflictRate: Off, ModelRate: Off})
	var in dataset.Input
	next := off.Stream()
	for next(&in) == nil {
		assert.Empty(t, in.Annotations, in.ID)
		in = dataset.Input{}
	}
}

func TestDefaultWorld(t *testing.T) {
	w := newWorld(t, DefaultConfig())
	assert.Equal(t, []string{"dog", "wolf", "husky", "fox", "coyote", "cat", "lynx", "tiger", "car", "truck", "bus"}, w.Classes())
	assert.Equal(t, []string{"grass", "snow", "indoors"}, w.Contexts())
	assert.Len(t, w.Concepts(), 18)
	assert.True(t, w.Confusable("husky", "wolf"))
	assert.False(t, w.Confusable("husky", "cat"))
	assert.False(t, w.Confusable("husky", "grass"))
	assert.Contains(t, w.Relations(), dataset.Relation{Subject: "husky", Object: "dog", Predicate: dataset.Hyponym})
	assert.Contains(t, w.Relations(), dataset.Relation{Subject: "feline", Object: "animal", Predicate: dataset.Hyponym})

	flat := newWorld(t, Config{})
	assert.Empty(t, flat.Relations())
	assert.Len(t, flat.Concepts(), 14)
}

func TestGeneratedWorld(t *testing.T) {
	for _, k := range []int{3, 7, 50, 500} {
		w := newWorld(t, Config{Seed: 3, Inputs: 10, Concepts: k, WithRelations: true})
		assert.Len(t, w.Classes(), k)
		n := 0
		for _, g := range w.Groups() {
			assert.GreaterOrEqual(t, len(g), 3)
			assert.LessOrEqual(t, len(g), 8)
			n += len(g)
		}
		assert.Equal(t, k, n)
		// Relations form a forest over known concepts.
		for _, r := range w.Relations() {
			_, ok := w.Concept(r.Subject)
			assert.True(t, ok, r.Subject)
			_, ok = w.Concept(r.Object)
			assert.True(t, ok, r.Object)
		}
	}
}

func TestInputIDs(t *testing.T) {
	w := newWorld(t, Config{Inputs: 1234})
	for _, i := range []int{0, 1, 999, 1233} {
		id := w.InputID(i)
		j, ok := w.InputIndex(id)
		assert.True(t, ok, id)
		assert.Equal(t, i, j)
	}
	for _, id := range []string{"in-1", "in-001234", "x-000001", "in-00000a", ""} {
		_, ok := w.InputIndex(id)
		assert.False(t, ok, id)
	}
}

// TestTruthConsistency checks the observed data against the hidden truth:
// positives are true, negatives are false, except the reviewer's
// conflicting negatives, which contradict a positive.
func TestTruthConsistency(t *testing.T) {
	configs := map[string]Config{
		"default":   {Seed: 11, Inputs: 5000, WithRelations: true, ConflictRate: 0.05, ModelRate: 0.1},
		"generated": {Seed: 11, Inputs: 5000, Concepts: 60, Contexts: 8, WithRelations: true, NegativeRate: 0.5},
		"flat":      {Seed: 11, Inputs: 5000, Concepts: 20, ConflictRate: 0.05, ModelRate: 0.1},
	}
	for name, cfg := range configs {
		t.Run(name, func(t *testing.T) {
			w := newWorld(t, cfg)
			next := w.Stream()
			var negatives, conflicts, models int
			for i := 0; ; i++ {
				var in dataset.Input
				err := next(&in)
				if errors.Is(err, io.EOF) {
					assert.Equal(t, w.Len(), i)
					break
				}
				require.NoError(t, err)
				require.Equal(t, w.InputID(i), in.ID)
				truth := w.TrueConcepts(i)
				for _, c := range w.Concepts() {
					assert.Equal(t, contains(truth, c.ID), w.Truth(i, c.ID))
				}
				for _, id := range truth {
					c, _ := w.Concept(id)
					if c.Parent != "" {
						assert.True(t, w.Truth(i, c.Parent), "%s: %s true but parent %s not", in.ID, id, c.Parent)
					}
				}
				assert.Equal(t, truth[0], w.Primary(i))
				positive := map[string]bool{}
				for _, a := range in.Annotations {
					switch {
					case a.AnnotatorKind == dataset.AnnotatorModel:
						models++
						assert.Equal(t, ModelID, a.Annotator)
						assert.Equal(t, a.Value > 0.5, w.Truth(i, a.ConceptID), "%s: model score %v for %s", in.ID, a.Value, a.ConceptID)
					case a.Annotator == ReviewerID:
						conflicts++
						assert.Equal(t, dataset.Negative, a.Value)
						assert.True(t, w.Truth(i, a.ConceptID))
						assert.True(t, positive[a.ConceptID], "%s: conflict on %s without a positive", in.ID, a.ConceptID)
					case a.Value == dataset.Positive:
						positive[a.ConceptID] = true
						assert.True(t, w.Truth(i, a.ConceptID), "%s: positive %s is not true", in.ID, a.ConceptID)
					default:
						negatives++
						assert.Equal(t, dataset.Negative, a.Value)
						assert.Equal(t, dataset.ValueExplicit, a.Source)
						assert.False(t, w.Truth(i, a.ConceptID), "%s: negative %s is true", in.ID, a.ConceptID)
					}
				}
			}
			assert.Positive(t, negatives)
			assert.Positive(t, conflicts)
			assert.Positive(t, models)
		})
	}
}

func contains(s []string, x string) bool {
	for _, y := range s {
		if y == x {
			return true
		}
	}
	return false
}

// TestRates measures on 10k inputs that each kind of label appears about
// as often as configured.
func TestRates(t *testing.T) {
	for _, cfg := range []Config{
		DefaultConfig(),
		{Seed: 5, Concepts: 50, Contexts: 10, WithRelations: true, PositiveRate: 0.6, OmittedRate: 0.3, ParentRate: 0.5, ContextProb: 0.4, ContextRate: 0.9, NegativeRate: 0.3, SiblingNegativeShare: 0.5, ConflictRate: 0.05, ModelRate: 0.2, DuplicateRate: 0.3},
	} {
		cfg.Inputs = 10000
		w := newWorld(t, cfg)
		cfg = w.Config()
		var (
			n, primaryPos, positives, omitted, parentSlots, parentPos            float64
			ctxTrue, ctxSlots, ctxPos, negInputs, sibling, conflicts, model, dup float64
			empty                                                                float64
		)
		next := w.Stream()
		for i := 0; ; i++ {
			var in dataset.Input
			if next(&in) != nil {
				break
			}
			n++
			p, _ := w.Concept(w.Primary(i))
			if i > 0 && w.Scene(i) == w.Scene(i-1) {
				dup++
			}
			for _, c := range w.Contexts() {
				if w.Truth(i, c) {
					ctxTrue++
				}
			}
			parentSlots += float64(len(w.TrueConcepts(i)) - 1 - countTrueContexts(w, i))
			ctxSlots += float64(countTrueContexts(w, i))
			hasNeg, hasConflict, hasModel := false, false, false
			if len(in.Annotations) == 0 {
				empty++
			}
			for _, a := range in.Annotations {
				c, _ := w.Concept(a.ConceptID)
				switch {
				case a.AnnotatorKind == dataset.AnnotatorModel:
					hasModel = true
				case a.Annotator == ReviewerID:
					hasConflict = true
				case a.Value == 1:
					positives++
					if a.Source == dataset.ValueHTTPDefault {
						omitted++
					}
					switch {
					case a.ConceptID == p.ID:
						primaryPos++
					case c.Kind == KindContext:
						ctxPos++
					default:
						parentPos++
					}
				default:
					hasNeg = true
					if c.Kind == KindClass && c.Group == p.Group {
						sibling++
					}
				}
			}
			if hasNeg {
				negInputs++
			}
			if hasConflict {
				conflicts++
			}
			if hasModel {
				model++
			}
		}
		near := func(name string, got, want float64) {
			t.Helper()
			// Four standard errors of a proportion, plus a little slack.
			tol := 4*math.Sqrt(want*(1-want)/n) + 0.005
			assert.InDelta(t, want, got, tol, name)
		}
		// Conflicts add the primary positive where it was not drawn.
		near("positive", primaryPos/n, cfg.PositiveRate+(1-cfg.PositiveRate)*cfg.ConflictRate)
		near("omitted", omitted/positives, cfg.OmittedRate)
		near("parent", parentPos/parentSlots, cfg.ParentRate)
		near("context truth", ctxTrue/(n*float64(cfg.Contexts)), cfg.ContextProb)
		near("context observed", ctxPos/ctxSlots, cfg.ContextRate)
		near("negative", negInputs/n, cfg.NegativeRate)
		assert.GreaterOrEqual(t, sibling/negInputs, cfg.SiblingNegativeShare-0.05, "sibling share")
		near("conflict", conflicts/n, cfg.ConflictRate)
		near("model", model/n, cfg.ModelRate)
		near("duplicate", dup/n, cfg.DuplicateRate)
		assert.Positive(t, empty, "some inputs have no annotation")
	}
}

func countTrueContexts(w *World, i int) int {
	n := 0
	for _, c := range w.Contexts() {
		if w.Truth(i, c) {
			n++
		}
	}
	return n
}

// TestEmbeddingGroups checks that class centroids of one group are closer
// to each other than to any class of another group.
func TestEmbeddingGroups(t *testing.T) {
	for _, cfg := range []Config{
		{Seed: 1, Inputs: 3000, EmbeddingDim: 8, WithRelations: true},
		{Seed: 2, Inputs: 5000, Concepts: 50, EmbeddingDim: 64},
		{Seed: 3, Inputs: 5000, Concepts: 100, EmbeddingDim: 16},
	} {
		w := newWorld(t, cfg)
		sums := map[string][]float64{}
		counts := map[string]float64{}
		next := w.Stream()
		for i := 0; ; i++ {
			var in dataset.Input
			if next(&in) != nil {
				break
			}
			require.Len(t, in.Embedding, cfg.EmbeddingDim)
			p := w.Primary(i)
			if sums[p] == nil {
				sums[p] = make([]float64, cfg.EmbeddingDim)
			}
			for k, x := range in.Embedding {
				sums[p][k] += float64(x)
			}
			counts[p]++
		}
		dist := func(a, b string) float64 {
			s := 0.0
			for k := range sums[a] {
				d := sums[a][k]/counts[a] - sums[b][k]/counts[b]
				s += d * d
			}
			return math.Sqrt(s)
		}
		for _, a := range w.Classes() {
			if counts[a] == 0 {
				continue
			}
			far, near := 0.0, math.Inf(1)
			for _, b := range w.Classes() {
				if b == a || counts[b] == 0 {
					continue
				}
				if w.Confusable(a, b) {
					far = max(far, dist(a, b))
				} else {
					near = min(near, dist(a, b))
				}
			}
			assert.Less(t, far, near, "dim %d: %s: farthest class of its group is not closer than the nearest other class", cfg.EmbeddingDim, a)
		}
	}
}

// TestReaderMatchesJSONL checks that the direct stream and the JSONL file
// load as the same records.
func TestReaderMatchesJSONL(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	ctx := context.Background()
	w := newWorld(t, Config{Seed: 9, Inputs: 3000, EmbeddingDim: 8, WithRelations: true, ConflictRate: 0.05, ModelRate: 0.05})
	data := write(t, w, writers[0].fn)

	fromFile, err := dataset.NewReader(ctx, bytes.NewReader(data), dataset.WithAllocator(mem), dataset.WithBatchSize(1000))
	require.NoError(t, err)
	defer fromFile.Release()
	direct := w.Reader(ctx, dataset.WithAllocator(mem), dataset.WithBatchSize(1000))
	defer direct.Release()
	batches := 0
	for fromFile.Next() {
		require.True(t, direct.Next())
		batches++
		assert.True(t, array.RecordEqual(fromFile.Annotations(), direct.Annotations()), "annotations of batch %d differ", batches)
		assert.True(t, array.RecordEqual(fromFile.Inputs(), direct.Inputs()), "inputs of batch %d differ", batches)
	}
	require.NoError(t, fromFile.Err())
	assert.False(t, direct.Next())
	require.NoError(t, direct.Err())
	assert.Greater(t, batches, 1)
	assert.Equal(t, fromFile.Stats(), direct.Stats())
	assert.Equal(t, int64(3000), direct.Stats().Inputs)
}

func TestWritersLoad(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t, Config{Seed: 4, Inputs: 2000, Concepts: 30, WithRelations: true, ModelRate: 0.1, ConflictRate: 0.05})
	var want int64
	next := w.Stream()
	for {
		var in dataset.Input
		if next(&in) != nil {
			break
		}
		want += int64(len(in.Annotations))
	}
	for _, wr := range writers[:4] {
		t.Run(wr.name, func(t *testing.T) {
			if wr.name == "truth" {
				return
			}
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			r, err := dataset.NewReader(ctx, bytes.NewReader(write(t, w, wr.fn)), dataset.WithAllocator(mem), dataset.WithName(wr.name))
			require.NoError(t, err)
			defer r.Release()
			for r.Next() {
			}
			require.NoError(t, r.Err())
			assert.Equal(t, want, r.Stats().Annotations)
		})
	}
	rels, err := dataset.ReadRelations(ctx, bytes.NewReader(write(t, w, writers[4].fn)), "relations")
	require.NoError(t, err)
	assert.Equal(t, w.Relations(), rels)
}

func TestCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	w := newWorld(t, Config{Inputs: 10})
	for _, wr := range writers[:4] {
		assert.ErrorIs(t, wr.fn(w)(ctx, io.Discard), context.Canceled, wr.name)
	}
}

func TestTruthAtAndEmbedding(t *testing.T) {
	w := newWorld(t, Config{Seed: 2, Inputs: 300, Concepts: 12, Contexts: 5, EmbeddingDim: 6, WithRelations: true})
	for i := 0; i < w.Len(); i++ {
		var in dataset.Input
		w.Input(i, &in)
		emb := make([]float32, 6)
		w.Embedding(i, emb)
		assert.Equal(t, in.Embedding, emb)
		for k, c := range w.Concepts() {
			j, ok := w.ConceptIndex(c.ID)
			require.True(t, ok)
			require.Equal(t, k, j)
			assert.Equal(t, w.Truth(i, c.ID), w.TruthAt(i, k))
		}
	}
	assert.False(t, w.Truth(0, "no-such-concept"))
	assert.Panics(t, func() { w.Embedding(0, make([]float32, 5)) })
}

// TestWorkers checks that the writers' output does not depend on how many
// goroutines make it.
func TestWorkers(t *testing.T) {
	defer func(n int) { workers = n }(workers)
	w := newWorld(t, Config{Seed: 6, Inputs: 3*chunkInputs + 17, Concepts: 30, EmbeddingDim: 4, WithRelations: true})
	for _, wr := range writers[:4] {
		workers = 1
		want := write(t, w, wr.fn)
		for _, n := range []int{2, 3, 8} {
			workers = n
			assert.True(t, bytes.Equal(want, write(t, w, wr.fn)), "%s with %d workers", wr.name, n)
		}
	}
}

type cancelWriter struct {
	cancel context.CancelFunc
	writes int
}

func (c *cancelWriter) Write(p []byte) (int, error) {
	c.writes++
	c.cancel()
	return len(p), nil
}

func TestCancelMidway(t *testing.T) {
	defer func(n int) { workers = n }(workers)
	w := newWorld(t, Config{Inputs: 20 * chunkInputs})
	for _, n := range []int{1, 4} {
		workers = n
		ctx, cancel := context.WithCancel(context.Background())
		cw := &cancelWriter{cancel: cancel}
		err := w.WriteJSONL(ctx, cw)
		assert.ErrorIs(t, err, context.Canceled)
		assert.Less(t, cw.writes, 20, "workers %d: went on after cancel", n)
	}
}

type failWriter struct{ n int }

func (f *failWriter) Write(p []byte) (int, error) {
	if f.n++; f.n > 2 {
		return 0, io.ErrShortWrite
	}
	return len(p), nil
}

func TestWriteError(t *testing.T) {
	defer func(n int) { workers = n }(workers)
	w := newWorld(t, Config{Inputs: 10 * chunkInputs})
	for _, n := range []int{1, 4} {
		workers = n
		assert.ErrorIs(t, w.WriteCSV(context.Background(), &failWriter{}), io.ErrShortWrite)
	}
}

func TestAppendDecimal4(t *testing.T) {
	for k := int64(-40000); k <= 40000; k++ {
		x := float32(float64(k) * 1e-4)
		want := strconv.AppendFloat(nil, float64(x), 'f', -1, 32)
		if got := appendDecimal4(nil, x); !bytes.Equal(got, want) {
			t.Fatalf("k=%d: got %s, want %s", k, got, want)
		}
	}
}
