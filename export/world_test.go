package export

import (
	"context"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"sort"

	"github.com/apache/arrow/go/v15/arrow/memory"

	"curate.dev/dataset"
)

// world generates a deterministic multi-label dataset: concept
// frequencies follow a Zipf-like law, each input has a few positives and
// negatives, and inputs share a metadata "group" in runs of groupSize.
type world struct {
	inputs, concepts int
	positives        int // mean positives per input
	negatives        int // mean negatives per input
	groupSize        int // 0: no group field
	conflictEvery    int // every n-th input gets a conflicting pair (0: none)
	modelEvery       int // every n-th input gets a model prediction (0: none)
	seed             uint64
}

func (w world) conceptID(c int) string { return fmt.Sprintf("c%04d", c) }

// stream returns a generator of the world's inputs: each call fills in
// with the next input and io.EOF follows the last.
func (w world) stream() func(in *dataset.Input) error {
	rng := rand.New(rand.NewPCG(w.seed, 1))
	cum := make([]float64, w.concepts)
	acc := 0.0
	for c := range cum {
		acc += 1 / math.Pow(float64(c+1), 0.9)
		cum[c] = acc
	}
	draw := func() int { return sort.SearchFloat64s(cum, rng.Float64()*acc) }
	used := map[int]bool{}
	i := 0
	return func(in *dataset.Input) error {
		if i == w.inputs {
			return io.EOF
		}
		*in = dataset.Input{ID: fmt.Sprintf("in%07d", i), Kind: "image", URL: fmt.Sprintf("https://example.com/%d.jpg", i)}
		if w.groupSize > 0 {
			in.Metadata = []byte(fmt.Sprintf(`{"group":"g%d","n":%d}`, i/w.groupSize, i))
		}
		clear(used)
		add := func(c int, v float32, kind dataset.AnnotatorKind) {
			in.Annotations = append(in.Annotations, dataset.Annotation{
				ConceptID: w.conceptID(c), ConceptName: fmt.Sprintf("concept %d", c), Value: v,
				Annotator: "u1", AnnotatorKind: kind,
			})
		}
		for k := rng.IntN(2*w.positives + 1); k > 0; k-- {
			c := draw()
			if !used[c] {
				used[c] = true
				add(c, 1, dataset.AnnotatorUser)
			}
		}
		for k := rng.IntN(2*w.negatives + 1); k > 0; k-- {
			c := rng.IntN(w.concepts)
			if !used[c] {
				used[c] = true
				add(c, 0, dataset.AnnotatorUser)
			}
		}
		if w.conflictEvery > 0 && i%w.conflictEvery == 0 {
			c := rng.IntN(w.concepts)
			if !used[c] {
				used[c] = true
				add(c, 1, dataset.AnnotatorUser)
				add(c, 0, dataset.AnnotatorUser)
			}
		}
		if w.modelEvery > 0 && i%w.modelEvery == 0 {
			add(rng.IntN(w.concepts), 1, dataset.AnnotatorModel)
		}
		i++
		return nil
	}
}

// each calls fn with every input in order; fn must not keep the Input.
func (w world) each(fn func(in *dataset.Input) error) error {
	next := w.stream()
	var in dataset.Input
	for {
		if err := next(&in); err == io.EOF {
			return nil
		} else if err != nil {
			return err
		}
		if err := fn(&in); err != nil {
			return err
		}
	}
}

// opener streams the world through dataset.NewFuncReader.
func (w world) opener(mem memory.Allocator) Opener {
	return func(ctx context.Context, inputs bool) (*dataset.Reader, error) {
		return dataset.NewFuncReader(ctx, w.stream(), dataset.WithAllocator(mem), dataset.WithInputs(inputs), dataset.WithBatchSize(4096)), nil
	}
}

// truth is the expected label state of each input, worked out from the
// generated annotations independently of the package.
type truth struct {
	ids    []string
	states []map[string]State // concept id -> state (conflicts read Unknown)
	group  []string
	conf   []map[string]bool
}

func (w world) truth(keepModel bool) *truth {
	t := &truth{}
	w.each(func(in *dataset.Input) error {
		st := map[string]State{}
		conf := map[string]bool{}
		for _, a := range in.Annotations {
			if !keepModel && (a.AnnotatorKind == dataset.AnnotatorModel || a.AnnotatorKind == dataset.AnnotatorWorkflow) {
				continue
			}
			s := Absent
			if a.Value >= 0.5 {
				s = Present
			}
			if old, ok := st[a.ConceptID]; ok && (old != s || conf[a.ConceptID]) {
				conf[a.ConceptID] = true
				st[a.ConceptID] = Unknown
				continue
			}
			st[a.ConceptID] = s
		}
		t.ids = append(t.ids, in.ID)
		t.states = append(t.states, st)
		t.conf = append(t.conf, conf)
		t.group = append(t.group, string(in.Metadata))
		return nil
	})
	return t
}

func fmtSscan(id string, n *int) (int, error) { return fmt.Sscanf(id, "in%d", n) }

func groupOf(i, size int) string { return fmt.Sprintf("g%d", i/size) }
