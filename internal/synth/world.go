package synth

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"strconv"

	"curate.dev/dataset"
)

// Salts keep the random streams of different purposes apart.
const (
	saltWorld uint64 = 0x9e3779b97f4a7c15
	saltTruth uint64 = 0xbf58476d1ce4e5b9
	saltObs   uint64 = 0x94d049bb133111eb
	saltScene uint64 = 0xd6e8feb86659fd93
)

// ConceptKind says what role a concept plays in the world.
type ConceptKind int8

const (
	// KindClass is a class an input can be (its primary class).
	KindClass ConceptKind = iota
	// KindParent is a hierarchy parent such as canine or animal.
	KindParent
	// KindContext is a context concept such as grass, true independently
	// of the class.
	KindContext
)

func (k ConceptKind) String() string {
	switch k {
	case KindClass:
		return "class"
	case KindParent:
		return "parent"
	case KindContext:
		return "context"
	}
	return "unknown"
}

// Concept is one concept of a world.
type Concept struct {
	ID   string
	Name string
	Kind ConceptKind
	// Parent is the id of the direct parent ("" for none), as in the
	// world's relations.
	Parent string
	// Group is the similarity group of a class, and of the parent of one
	// group; -1 for context concepts and higher parents. Classes of one
	// group are the confusable ones.
	Group int
	// SynonymOf is, for a second name of a class (Kind [KindClass], see
	// [Config.Synonyms]), the class it names; "" otherwise. A second name
	// is never an input's primary class and is true wherever its class is.
	SynonymOf string
}

// World is a generated world: concepts, hierarchy, hidden truth and the
// observed inputs. A World is immutable and safe for concurrent use; each
// writer or stream generates its inputs on the fly.
type World struct {
	cfg      Config
	concepts []Concept
	index    map[string]int
	classes  []int32   // concept indices of the classes
	contexts []int32   // concept indices of the contexts, bit j of a context mask
	ctxBit   []int8    // concept -> its bit in a context mask, -1 for non-contexts
	groups   [][]int32 // group -> its classes
	syn      []int32   // concept -> the class it is a second name of, -1
	alias    []int32   // concept -> its second name, -1
	anc      [][]int32 // concept -> its ancestors (transitive), nearest first
	cum      []float64 // cumulative class weights, for drawing a primary class
	names    [][]byte  // concept -> `{"id":"…","name":"…"` JSON prefix
	idWidth  int

	primary []int32  // input -> primary class (concept index)
	ctx     []uint64 // input -> true context concepts (bit j = contexts[j])
	scene   []int32  // input -> first input of its scene (near-duplicates share it)

	geo *geometry // nil without embeddings
}

// New builds the world that cfg describes.
func New(cfg Config) (*World, error) {
	cfg, err := cfg.normalize()
	if err != nil {
		return nil, err
	}
	w := &World{cfg: cfg, index: make(map[string]int)}
	rng := rand.New(rand.NewPCG(cfg.Seed, saltWorld))
	if cfg.Concepts == 0 {
		w.buildDefault()
	} else {
		w.buildGenerated(rng)
	}
	w.buildSynonyms()
	w.buildContexts()
	w.finish(rng)
	w.drawTruth()
	if cfg.EmbeddingDim > 0 {
		w.geo = newGeometry(w, rng)
	}
	return w, nil
}

func (w *World) add(id, name string, kind ConceptKind, parent string, group int) int32 {
	if !w.cfg.WithRelations {
		parent = ""
	}
	w.index[id] = len(w.concepts)
	w.concepts = append(w.concepts, Concept{ID: id, Name: name, Kind: kind, Parent: parent, Group: group})
	if kind == KindClass {
		w.classes = append(w.classes, int32(len(w.concepts)-1))
		for len(w.groups) <= group {
			w.groups = append(w.groups, nil)
		}
		w.groups[group] = append(w.groups[group], int32(len(w.concepts)-1))
	}
	return int32(len(w.concepts) - 1)
}

func (w *World) buildDefault() {
	type class struct{ id, name, parent string }
	groups := []struct {
		parent, parentName, grand string
		classes                   []class
	}{
		{"canine", "Canine", "animal", []class{{"dog", "Dog", "canine"}, {"wolf", "Wolf", "canine"}, {"husky", "Husky", "dog"}, {"fox", "Fox", "canine"}, {"coyote", "Coyote", "canine"}}},
		{"feline", "Feline", "animal", []class{{"cat", "Cat", "feline"}, {"lynx", "Lynx", "feline"}, {"tiger", "Tiger", "feline"}}},
		{"vehicle", "Vehicle", "", []class{{"car", "Car", "vehicle"}, {"truck", "Truck", "vehicle"}, {"bus", "Bus", "vehicle"}}},
	}
	for g, grp := range groups {
		for _, c := range grp.classes {
			w.add(c.id, c.name, KindClass, c.parent, g)
		}
	}
	if !w.cfg.WithRelations {
		return
	}
	for g, grp := range groups {
		w.add(grp.parent, grp.parentName, KindParent, grp.grand, g)
	}
	w.add("animal", "Animal", KindParent, "", -1)
}

// buildGenerated makes cfg.Concepts classes in groups of 3 to 8.
func (w *World) buildGenerated(rng *rand.Rand) {
	var sizes []int
	for left := w.cfg.Concepts; left > 0; {
		n := 3 + rng.IntN(6)
		switch {
		case left <= 8:
			n = left
		case left-n < 3:
			n = left - 3 // leave a group of 3
		}
		sizes = append(sizes, n)
		left -= n
	}
	gw := len(strconv.Itoa(len(sizes)))
	supers := (len(sizes) + 3) / 4
	sw := len(strconv.Itoa(supers))
	gid := func(g int) string { return fmt.Sprintf("g%0*d", gw, g+1) }
	for g, n := range sizes {
		first := ""
		for c := 0; c < n; c++ {
			id := fmt.Sprintf("%s-c%d", gid(g), c+1)
			parent := gid(g)
			if c == n-1 && n >= 5 {
				parent = first
			}
			w.add(id, fmt.Sprintf("Class %d.%d", g+1, c+1), KindClass, parent, g)
			if c == 0 {
				first = id
			}
		}
	}
	if !w.cfg.WithRelations {
		return
	}
	for g := range sizes {
		w.add(gid(g), fmt.Sprintf("Group %d", g+1), KindParent, fmt.Sprintf("s%0*d", sw, g/4+1), g)
	}
	for s := 0; s < supers; s++ {
		w.add(fmt.Sprintf("s%0*d", sw, s+1), fmt.Sprintf("Super %d", s+1), KindParent, "", -1)
	}
}

// buildSynonyms gives cfg.Synonyms classes, spread evenly over the
// classes, a second name.
func (w *World) buildSynonyms() {
	n := min(w.cfg.Synonyms, len(w.classes))
	named := map[string][2]string{"car": {"automobile", "Automobile"}, "truck": {"lorry", "Lorry"}, "cat": {"kitty", "Kitty"}, "dog": {"hound", "Hound"}}
	order := []int32{}
	if w.cfg.Concepts == 0 {
		for _, id := range []string{"car", "truck", "cat", "dog"} {
			order = append(order, int32(w.index[id]))
		}
		for _, c := range w.classes {
			if _, ok := named[w.concepts[c].ID]; !ok {
				order = append(order, c)
			}
		}
	} else {
		for j := 0; j < n; j++ {
			order = append(order, w.classes[j*len(w.classes)/n])
		}
	}
	for _, c := range order[:n] {
		cls := w.concepts[c]
		nm, ok := named[cls.ID]
		if !ok {
			nm = [2]string{cls.ID + "-alt", cls.Name + " (alt)"}
		}
		w.index[nm[0]] = len(w.concepts)
		w.concepts = append(w.concepts, Concept{ID: nm[0], Name: nm[1], Kind: KindClass, Group: cls.Group, SynonymOf: cls.ID})
	}
}

func (w *World) buildContexts() {
	named := []string{"grass", "snow", "indoors"}
	for j := 0; j < w.cfg.Contexts; j++ {
		id, name := fmt.Sprintf("ctx-%02d", j+1), fmt.Sprintf("Context %d", j+1)
		if j < len(named) {
			id, name = named[j], string(named[j][0]-'a'+'A')+named[j][1:]
		}
		w.contexts = append(w.contexts, w.add(id, name, KindContext, "", -1))
	}
}

// finish computes ancestors, class weights and the JSON name fragments.
func (w *World) finish(rng *rand.Rand) {
	w.anc = make([][]int32, len(w.concepts))
	w.syn = make([]int32, len(w.concepts))
	w.alias = make([]int32, len(w.concepts))
	for i := range w.syn {
		w.syn[i], w.alias[i] = -1, -1
	}
	for i, c := range w.concepts {
		if c.SynonymOf != "" {
			k := int32(w.index[c.SynonymOf])
			w.syn[i], w.alias[k] = k, int32(i)
		}
	}
	for i, c := range w.concepts {
		for p := c.Parent; p != ""; p = w.concepts[w.index[p]].Parent {
			w.anc[i] = append(w.anc[i], int32(w.index[p]))
		}
	}
	// Classes are mildly imbalanced, as in real data: log-normal weights.
	w.cum = make([]float64, len(w.classes))
	total := 0.0
	for i := range w.classes {
		total += math.Exp(0.5 * rng.NormFloat64())
		w.cum[i] = total
	}
	for i := range w.cum {
		w.cum[i] /= total
	}
	w.ctxBit = make([]int8, len(w.concepts))
	for i := range w.ctxBit {
		w.ctxBit[i] = -1
	}
	for j, c := range w.contexts {
		w.ctxBit[c] = int8(j)
	}
	w.names = make([][]byte, len(w.concepts))
	for i, c := range w.concepts {
		b := append([]byte(`{"id":`), strconv.Quote(c.ID)...)
		b = append(b, `,"name":`...)
		w.names[i] = append(b, strconv.Quote(c.Name)...)
	}
	w.idWidth = max(6, len(strconv.Itoa(w.cfg.Inputs-1)))
}

// drawTruth draws every input's primary class, contexts and scene.
func (w *World) drawTruth() {
	n := w.cfg.Inputs
	w.primary = make([]int32, n)
	w.ctx = make([]uint64, n)
	w.scene = make([]int32, n)
	src := rand.NewPCG(0, 0)
	rng := rand.New(src)
	for i := 0; i < n; i++ {
		src.Seed(w.cfg.Seed^saltTruth, uint64(i))
		if i > 0 && rng.Float64() < w.cfg.DuplicateRate {
			w.primary[i], w.ctx[i], w.scene[i] = w.primary[i-1], w.ctx[i-1], w.scene[i-1]
			continue
		}
		w.scene[i] = int32(i)
		w.primary[i] = w.classes[sort.SearchFloat64s(w.cum, rng.Float64())]
		for j := range w.contexts {
			if rng.Float64() < w.cfg.ContextProb {
				w.ctx[i] |= 1 << j
			}
		}
	}
}

// Config returns the world's configuration with the defaults filled in.
func (w *World) Config() Config { return w.cfg }

// Len returns the number of inputs.
func (w *World) Len() int { return w.cfg.Inputs }

// Concepts returns every concept: classes, then parents, then second
// names of classes, then contexts.
// The slice is shared; do not modify it.
func (w *World) Concepts() []Concept { return w.concepts }

// Concept returns the concept with the given id.
func (w *World) Concept(id string) (Concept, bool) {
	i, ok := w.index[id]
	if !ok {
		return Concept{}, false
	}
	return w.concepts[i], true
}

// Classes returns the ids of the classes (the concepts an input can be).
func (w *World) Classes() []string { return w.ids(w.classes) }

// Contexts returns the ids of the context concepts.
func (w *World) Contexts() []string { return w.ids(w.contexts) }

// Groups returns the classes of each similarity group.
func (w *World) Groups() [][]string {
	out := make([][]string, len(w.groups))
	for g, cs := range w.groups {
		out[g] = w.ids(cs)
	}
	return out
}

// Confusable reports whether a and b are different classes of one
// similarity group, the pairs a negative is most useful for.
// A second name is confusable with what its class is confusable with.
func (w *World) Confusable(a, b string) bool {
	ca, okA := w.Concept(a)
	cb, okB := w.Concept(b)
	if ca.SynonymOf != "" {
		a = ca.SynonymOf
	}
	if cb.SynonymOf != "" {
		b = cb.SynonymOf
	}
	return okA && okB && a != b && ca.Kind == KindClass && cb.Kind == KindClass && ca.Group == cb.Group
}

func (w *World) ids(idx []int32) []string {
	out := make([]string, len(idx))
	for i, c := range idx {
		out[i] = w.concepts[c].ID
	}
	return out
}

// Relations returns the hierarchy as Clarifai concept relations (subject
// hyponym object: the subject is a kind of the object), then the second
// names of classes (subject synonym object); nil for a flat world without
// synonyms.
func (w *World) Relations() []dataset.Relation {
	var out []dataset.Relation
	for _, c := range w.concepts {
		if c.Parent != "" {
			out = append(out, dataset.Relation{Subject: c.ID, Object: c.Parent, Predicate: dataset.Hyponym})
		}
	}
	for _, c := range w.concepts {
		if c.SynonymOf != "" {
			out = append(out, dataset.Relation{Subject: c.ID, Object: c.SynonymOf, Predicate: dataset.Synonym})
		}
	}
	return out
}

// InputID returns the id of input i ("in-000042").
func (w *World) InputID(i int) string { return string(w.appendInputID(nil, i)) }

func (w *World) appendInputID(b []byte, i int) []byte {
	b = append(b, "in-"...)
	return appendPadded(b, i, w.idWidth)
}

func appendPadded(b []byte, v, width int) []byte {
	var tmp [20]byte
	s := strconv.AppendInt(tmp[:0], int64(v), 10)
	for k := len(s); k < width; k++ {
		b = append(b, '0')
	}
	return append(b, s...)
}

// InputIndex is the inverse of [World.InputID].
func (w *World) InputIndex(id string) (int, bool) {
	if len(id) < 4 || id[:3] != "in-" {
		return 0, false
	}
	i, err := strconv.Atoi(id[3:])
	if err != nil || i < 0 || i >= w.cfg.Inputs || w.InputID(i) != id {
		return 0, false
	}
	return i, true
}

// Primary returns input i's primary class.
func (w *World) Primary(i int) string { return w.concepts[w.primary[i]].ID }

// Scene returns the first input of input i's scene: near-duplicates
// share it, and the group_key metadata names it.
func (w *World) Scene(i int) int { return int(w.scene[i]) }

// Truth reports whether concept is truly present on input i. Unknown
// concepts are false.
func (w *World) Truth(i int, concept string) bool {
	c, ok := w.index[concept]
	return ok && w.truth(i, int32(c))
}

func (w *World) truth(i int, c int32) bool {
	if k := w.syn[c]; k >= 0 {
		c = k
	}
	p := w.primary[i]
	if c == p {
		return true
	}
	for _, a := range w.anc[p] {
		if a == c {
			return true
		}
	}
	if j := w.ctxBit[c]; j >= 0 {
		return w.ctx[i]&(1<<j) != 0
	}
	return false
}

// ConceptIndex returns the position of concept id in [World.Concepts].
func (w *World) ConceptIndex(id string) (int, bool) {
	i, ok := w.index[id]
	return i, ok
}

// TruthAt is [World.Truth] by concept position, for hot loops.
func (w *World) TruthAt(i, concept int) bool { return w.truth(i, int32(concept)) }

// TrueConcepts returns the ids of the concepts truly present on input i:
// the primary class, its ancestors, their second names, then its contexts.
func (w *World) TrueConcepts(i int) []string { return w.ids(w.trueConcepts(nil, i)) }

func (w *World) trueConcepts(dst []int32, i int) []int32 {
	p := w.primary[i]
	n := len(dst)
	dst = append(dst, p)
	dst = append(dst, w.anc[p]...)
	for _, c := range dst[n:] {
		if a := w.alias[c]; a >= 0 {
			dst = append(dst, a)
		}
	}
	for j, c := range w.contexts {
		if w.ctx[i]&(1<<j) != 0 {
			dst = append(dst, c)
		}
	}
	return dst
}
