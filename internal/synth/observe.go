package synth

import (
	"context"
	"io"
	"math"
	"math/rand/v2"

	"curate.dev/dataset"
)

// Names that appear in the observed data.
const (
	// ModelID is the model whose scores model annotations carry.
	ModelID = "synth-classifier"
	// ReviewerID is the second annotator whose conflicting negatives
	// contradict the first annotator's positives.
	ReviewerID = "reviewer-2"
	// DatasetID is the dataset every input belongs to.
	DatasetID = "synth"
	// URLPrefix starts every input's image URL.
	URLPrefix = "https://images.example.com/synth/"
)

type labelKind int8

const (
	labelExplicit labelKind = iota // in data.concepts with its value
	labelOmitted                   // in data.concepts, value omitted (HTTP default: positive)
	labelConflict                  // the reviewer's contradicting 0, in annotations[]
	labelModel                     // a model score, in annotations[]
)

type label struct {
	c    int32
	v    float32
	kind labelKind
}

// sample is one input's observed data; it is reused from input to input.
type sample struct {
	i      int
	labels []label // data.concepts, then the conflict, then model scores
	emb    []float32
	src    *rand.PCG
	rng    *rand.Rand
	sib    []int32
	tc     []int32
}

func (w *World) newSample() *sample {
	s := &sample{src: rand.NewPCG(0, 0)}
	s.rng = rand.New(s.src)
	if w.cfg.EmbeddingDim > 0 {
		s.emb = make([]float32, w.cfg.EmbeddingDim)
	}
	return s
}

// observe generates input i's observed labels (and embedding) into s.
func (w *World) observe(s *sample, i int) {
	cfg := &w.cfg
	s.i = i
	s.labels = s.labels[:0]
	s.src.Seed(cfg.Seed^saltObs, uint64(i))
	rng := s.rng
	pos := func(c int32) int32 {
		if a := w.alias[c]; a >= 0 && rng.Float64() < 0.5 {
			c = a // the class's second name
		}
		k := labelExplicit
		if rng.Float64() < cfg.OmittedRate {
			k = labelOmitted
		}
		s.labels = append(s.labels, label{c: c, v: 1, kind: k})
		return c
	}
	p := w.primary[i]
	seenPrimary := rng.Float64() < cfg.PositiveRate
	named := int32(-1) // the concept the primary class's positive names
	if seenPrimary {
		named = p
		switch {
		case cfg.NoiseRate > 0 && rng.Float64() < cfg.NoiseRate:
			s.sib = s.sib[:0]
			for _, c := range w.groups[w.concepts[p].Group] {
				if !w.truth(i, c) {
					s.sib = append(s.sib, c)
				}
			}
			if len(s.sib) > 0 {
				named = s.sib[rng.IntN(len(s.sib))]
			}
		case cfg.ParentOnlyRate > 0 && len(w.anc[p]) > 0 && rng.Float64() < cfg.ParentOnlyRate:
			named = w.anc[p][0]
		}
		named = pos(named)
	}
	for _, a := range w.anc[p] {
		if rng.Float64() < cfg.ParentRate && (named < 0 || a != named && w.alias[a] != named) {
			pos(a)
		}
	}
	if named >= 0 && named != p && w.syn[named] != p {
		seenPrimary = false // named something else: the conflict below adds the primary
	}
	for j, c := range w.contexts {
		if w.ctx[i]&(1<<j) != 0 && rng.Float64() < cfg.ContextRate {
			pos(c)
		}
	}
	if rng.Float64() < cfg.NegativeRate {
		if c := w.pickNegative(s, i); c >= 0 {
			s.labels = append(s.labels, label{c: c, v: 0})
		}
	}
	if rng.Float64() < cfg.ConflictRate {
		if !seenPrimary {
			s.labels = append(s.labels, label{})
			copy(s.labels[1:], s.labels)
			s.labels[0] = label{c: p, v: 1}
		}
		c := p
		if seenPrimary {
			c = named // the primary class under the name the first annotator used
		}
		s.labels = append(s.labels, label{c: c, v: 0, kind: labelConflict})
	}
	if rng.Float64() < cfg.ModelRate {
		s.labels = append(s.labels, label{c: p, v: score(0.6 + 0.39*rng.Float64()), kind: labelModel})
		grp := w.groups[w.concepts[p].Group]
		if o := grp[rng.IntN(len(grp))]; o != p && !w.truth(i, o) {
			s.labels = append(s.labels, label{c: o, v: score(0.02 + 0.4*rng.Float64()), kind: labelModel})
		}
	}
	if s.emb != nil {
		w.embed(s.emb, i)
	}
}

func score(x float64) float32 { return float32(math.Round(x*100) / 100) }

// pickNegative returns a concept that is false for input i: mostly a
// class of the primary class's group, else any false concept; -1 if none
// was found.
func (w *World) pickNegative(s *sample, i int) int32 {
	rng := s.rng
	if rng.Float64() < w.cfg.SiblingNegativeShare {
		s.sib = s.sib[:0]
		for _, c := range w.groups[w.concepts[w.primary[i]].Group] {
			if !w.truth(i, c) {
				s.sib = append(s.sib, c)
			}
		}
		if len(s.sib) > 0 {
			c := s.sib[rng.IntN(len(s.sib))]
			if a := w.alias[c]; a >= 0 && rng.Float64() < 0.5 {
				c = a // the class under its second name
			}
			return c
		}
	}
	for try := 0; try < 32; try++ {
		c := int32(rng.IntN(len(w.concepts)))
		if !w.truth(i, c) {
			return c
		}
	}
	return -1
}

// appendMetadata appends input i's metadata object: the source, the scene
// (group_key: near-duplicates share it, so splits by it do not leak) and a
// capture device.
func (w *World) appendMetadata(b []byte, i int) []byte {
	sc := int(w.scene[i])
	b = append(b, `{"source":"synth","group_key":"scene-`...)
	b = appendPadded(b, sc, w.idWidth)
	b = append(b, `","capture":"cam-`...)
	b = appendPadded(b, int(uint32(sc)*2654435761>>16)%12+1, 2)
	return append(b, `"}`...)
}

// fill writes the observed input s.i into in, which the caller has reset.
func (w *World) fill(s *sample, in *dataset.Input) {
	i := s.i
	in.ID = w.InputID(i)
	in.Kind = "image"
	in.URL = URLPrefix + in.ID + ".jpg"
	in.Metadata = w.appendMetadata(nil, i)
	in.DatasetIDs = []string{DatasetID}
	if s.emb != nil {
		in.Embedding = append([]float32(nil), s.emb...)
	}
	in.Annotations = make([]dataset.Annotation, 0, len(s.labels))
	for _, l := range s.labels {
		c := &w.concepts[l.c]
		a := dataset.Annotation{InputID: in.ID, ConceptID: c.ID, ConceptName: c.Name, Value: l.v}
		switch l.kind {
		case labelOmitted:
			a.Source = dataset.ValueHTTPDefault
		case labelConflict:
			a.AnnotationID, a.Annotator, a.AnnotatorKind = in.ID+"-review", ReviewerID, dataset.AnnotatorUser
		case labelModel:
			a.AnnotationID, a.Annotator, a.AnnotatorKind = in.ID+"-model", ModelID, dataset.AnnotatorModel
		}
		in.Annotations = append(in.Annotations, a)
	}
}

// Input fills in (which the caller has reset) with observed input i: the
// same data [World.WriteJSONL] writes, as the JSONL loader would read it.
func (w *World) Input(i int, in *dataset.Input) {
	s := w.newSample()
	w.observe(s, i)
	w.fill(s, in)
}

// Embedding writes input i's embedding into dst, which must have
// [Config.EmbeddingDim] values: the same vector [World.Input] gives. It is
// safe to call concurrently, to build large inputs in parallel.
func (w *World) Embedding(i int, dst []float32) {
	if w.geo == nil || len(dst) != w.geo.dim {
		panic("synth: Embedding: dst length is not the world's embedding dimension")
	}
	w.embed(dst, i)
}

// Stream returns a function that yields the observed inputs in order and
// then io.EOF, the shape [dataset.NewFuncReader] takes. Each call of Stream
// starts a new pass; one pass is not safe for concurrent use.
func (w *World) Stream() func(*dataset.Input) error {
	s := w.newSample()
	i := 0
	return func(in *dataset.Input) error {
		if i >= w.cfg.Inputs {
			return io.EOF
		}
		w.observe(s, i)
		w.fill(s, in)
		i++
		return nil
	}
}

// Reader returns a [dataset.Reader] over the observed inputs, without any
// JSON in between. opts go to [dataset.NewFuncReader]; the reader is
// named "synth" unless opts say otherwise.
func (w *World) Reader(ctx context.Context, opts ...dataset.Option) *dataset.Reader {
	return dataset.NewFuncReader(ctx, w.Stream(), append([]dataset.Option{dataset.WithName("synth")}, opts...)...)
}
