package balance

import (
	"cmp"
	"fmt"
	"math"
	"slices"

	"curate.dev/dataset"
)

// Defaults of [InferOptions].
const (
	// DefaultInsideFactor: B's positives lie inside A's spread when their
	// mean distance (1 − cosine) to A's centroid is at most 1.75 times the
	// mean distance of A's own positives to it.
	DefaultInsideFactor = 1.75
	// DefaultApartFactor: B's positives lie clearly apart from A when their
	// mean distance to A's centroid is over 3 times A's own; then no label
	// pattern makes B a kind of A.
	DefaultApartFactor = 3.0
	// DefaultSynonymCloseness: two concepts' centroids are near-identical
	// when 1 − their cosine is at most half of either concept's own mean
	// distance to its centroid.
	DefaultSynonymCloseness = 0.5
	// DefaultSynonymFrequency: synonyms have similar frequencies, the more
	// common at most 4 times the rarer.
	DefaultSynonymFrequency = 4.0
	// DefaultMinConfidence: relations below this confidence are not
	// reported.
	DefaultMinConfidence = 0.5
)

// InferOptions tune [Overlap.InferRelations]. A nil *InferOptions means
// [DefaultInferOptions].
type InferOptions struct {
	// InsideFactor: see [DefaultInsideFactor].
	InsideFactor float64
	// ApartFactor: see [DefaultApartFactor].
	ApartFactor float64
	// SynonymCloseness: see [DefaultSynonymCloseness].
	SynonymCloseness float64
	// SynonymFrequency: see [DefaultSynonymFrequency].
	SynonymFrequency float64
	// MinConfidence: relations below it are not returned.
	MinConfidence float64
}

// DefaultInferOptions returns the defaults listed with the constants.
func DefaultInferOptions() InferOptions {
	return InferOptions{
		InsideFactor:     DefaultInsideFactor,
		ApartFactor:      DefaultApartFactor,
		SynonymCloseness: DefaultSynonymCloseness,
		SynonymFrequency: DefaultSynonymFrequency,
		MinConfidence:    DefaultMinConfidence,
	}
}

// InferredRelation is a relation the data suggests but no relations file
// states: Subject is likely a kind of Object ([dataset.Hyponym]) or
// another name for it ([dataset.Synonym]).
type InferredRelation struct {
	Subject, Object string
	Predicate       dataset.Predicate
	// Confidence in [0, 1]: the signals combined as independent evidence
	// (1 − Π(1 − s)).
	Confidence float64
	Evidence   Evidence
}

// Relation returns r as a [dataset.Relation].
func (r InferredRelation) Relation() dataset.Relation {
	return dataset.Relation{Subject: r.Subject, Object: r.Object, Predicate: r.Predicate}
}

// Evidence is what an inferred relation rests on. Embedding figures are
// NaN without embeddings.
type Evidence struct {
	// Signals names each signal that spoke for the relation, with its
	// strength, in a reviewer's words.
	Signals []string `json:"signals"`
	// SubjectPositives and ObjectPositives count each concept's positive
	// inputs; Together those positive for both.
	SubjectPositives int `json:"subject_positives"`
	ObjectPositives  int `json:"object_positives"`
	Together         int `json:"together"`
	// ExpectedTogether is Together were the two unrelated.
	ExpectedTogether float64 `json:"expected_together"`
	// ObjectGivenSubject is Together / SubjectPositives: how often a
	// subject positive is also an object positive; SubjectGivenObject the
	// reverse.
	ObjectGivenSubject float64 `json:"object_given_subject"`
	SubjectGivenObject float64 `json:"subject_given_object"`
	// NotSubjectOnObject counts inputs positive for the object marked
	// negative for the subject; NotObjectOnSubject the reverse.
	NotSubjectOnObject int `json:"not_subject_on_object"`
	NotObjectOnSubject int `json:"not_object_on_subject"`
	// Similarity is the cosine of the two centroids.
	Similarity float64 `json:"similarity"`
	// SubjectSpread and ObjectSpread are the mean cosine of each concept's
	// positives to its own centroid; SubjectInObject the mean cosine of
	// the subject's positives to the object's centroid.
	SubjectSpread   float64 `json:"subject_spread"`
	ObjectSpread    float64 `json:"object_spread"`
	SubjectInObject float64 `json:"subject_in_object"`
	// NegativeProfile is the cosine between the two concepts' profiles of
	// explicit negatives (which concepts their positives are marked not).
	NegativeProfile float64 `json:"negative_profile"`
}

// signal is one piece of evidence with its strength.
type signal struct {
	s    float64
	text string
}

type inferPair struct {
	sub, obj int32
	pred     dataset.Predicate
	sig      []signal
}

// InferRelations estimates, from co-occurrence, explicit negatives and
// embeddings, which concepts are likely kinds of others or synonyms:
//
//   - co-occurrence asymmetry: B's positives are often also A's (more than
//     chance) while few of A's are B's: B is a kind of A;
//   - one-sided negatives: A's positives are marked "not B", but B's are
//     never marked "not A" where siblings would be: B is a kind of A;
//   - embeddings: B's positives lie inside A's spread and A is the wider:
//     B is a kind of A; near-identical centroids, each inside the other's
//     spread, similar frequency and never seen together: synonyms;
//   - without embeddings, two concepts never seen together, never marked
//     negative for each other, whose positives are marked negative for the
//     same concepts: synonyms.
//
// Pairs the hierarchy already knows both concepts of are left out: the
// relations file says how they relate. The result is sorted by
// confidence, strongest first, then by ids. opts nil means
// [DefaultInferOptions]. It compares all pairs: O(concepts² × embedding
// dimension).
func (o *Overlap) InferRelations(opts *InferOptions) []InferredRelation {
	opt := DefaultInferOptions()
	if opts != nil {
		opt = *opts
	}
	var out []InferredRelation
	prof := o.negativeProfiles()
	for _, p := range o.inferPairs(opt, prof) {
		out = append(out, o.inferred(p, prof))
	}
	slices.SortFunc(out, func(a, b InferredRelation) int {
		if c := cmp.Compare(b.Confidence, a.Confidence); c != 0 {
			return c
		}
		if c := cmp.Compare(a.Subject, b.Subject); c != 0 {
			return c
		}
		return cmp.Compare(a.Object, b.Object)
	})
	return acyclic(out)
}

// acyclic keeps, strongest first, the relations that make no concept its
// own ancestor (alone or with the synonyms kept), so that the result is a
// valid relations file for [NewHierarchy].
func acyclic(rels []InferredRelation) []InferredRelation {
	uf := map[string]string{}
	var find func(string) string
	find = func(x string) string {
		p, ok := uf[x]
		if !ok || p == x {
			return x
		}
		r := find(p)
		uf[x] = r
		return r
	}
	parents := map[string][]string{} // representative -> parent representatives
	reaches := func(from, to string) bool {
		seen := map[string]bool{}
		stack := []string{from}
		for len(stack) > 0 {
			c := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			if c == to {
				return true
			}
			for _, p := range parents[c] {
				if p = find(p); !seen[p] {
					seen[p] = true
					stack = append(stack, p)
				}
			}
		}
		return false
	}
	kept := rels[:0]
	for _, r := range rels {
		a, b := find(r.Subject), find(r.Object)
		if a == b || reaches(b, a) || (r.Predicate == dataset.Synonym && reaches(a, b)) {
			continue
		}
		if r.Predicate == dataset.Synonym {
			uf[b] = a
			parents[a] = append(parents[a], parents[b]...)
		} else {
			parents[a] = append(parents[a], b)
		}
		kept = append(kept, r)
	}
	return kept
}

func confidence(sig []signal) float64 {
	miss := 1.0
	for _, s := range sig {
		miss *= 1 - min(max(s.s, 0), 1)
	}
	return 1 - miss
}

func (o *Overlap) inferred(p inferPair, prof []map[int32]float64) InferredRelation {
	r := InferredRelation{Subject: o.concepts[p.sub], Object: o.concepts[p.obj], Predicate: p.pred, Confidence: math.Round(confidence(p.sig)*1e4) / 1e4}
	e := &r.Evidence
	for _, s := range p.sig {
		e.Signals = append(e.Signals, s.text)
	}
	a, b := p.sub, p.obj
	e.SubjectPositives, e.ObjectPositives = o.pos[a], o.pos[b]
	e.Together = int(o.together[pairKey(a, b)])
	if n := o.annotated; n > 0 {
		e.ExpectedTogether = round4(float64(o.pos[a]) * float64(o.pos[b]) / float64(n))
	}
	e.ObjectGivenSubject = round4(ratioOf(e.Together, o.pos[a]))
	e.SubjectGivenObject = round4(ratioOf(e.Together, o.pos[b]))
	e.NotSubjectOnObject = int(o.confused[orderedKey(a, b)])
	e.NotObjectOnSubject = int(o.confused[orderedKey(b, a)])
	e.Similarity, e.SubjectSpread, e.ObjectSpread, e.SubjectInObject = math.NaN(), math.NaN(), math.NaN(), math.NaN()
	if ca, cb := o.centroids[a], o.centroids[b]; ca != nil && cb != nil {
		sim := dot(ca, cb)
		e.Similarity = round4(sim)
		e.SubjectSpread, e.ObjectSpread = round4(o.spread[a]), round4(o.spread[b])
		e.SubjectInObject = round4(o.spread[a] * sim)
	}
	e.NegativeProfile = math.NaN()
	if prof[a] != nil && prof[b] != nil {
		e.NegativeProfile = round4(profileCosine(prof[a], prof[b]))
	}
	return r
}

func ratioOf(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

// inferCtx is what inferPair needs about all concepts.
type inferCtx struct {
	profiles []map[int32]float64
	// sharp lists, per concept, the concepts on whose positives its
	// negatives concentrate (lift at least 3, 5 or more negatives, above
	// chance), as a class's do on its siblings'; then their absence on
	// another concept's positives says something. A concept marked
	// negative only at random (a parent nobody thinks to rule out) says
	// nothing by its silence.
	sharp [][]int32
}

// sharpBesides reports whether x's negatives concentrate on the positives
// of some concept other than y.
func (c *inferCtx) sharpBesides(x, y int32) bool {
	for _, z := range c.sharp[x] {
		if z != y {
			return true
		}
	}
	return false
}

func (o *Overlap) newInferCtx(profiles []map[int32]float64) *inferCtx {
	ctx := &inferCtx{profiles: profiles, sharp: make([][]int32, len(o.concepts))}
	for k, v := range o.confused {
		q, p := int32(k>>32), int32(k)
		if v >= 5 && o.lift(q, p, int(v)) >= 3 && o.significant(q, p, int(v)) {
			ctx.sharp[q] = append(ctx.sharp[q], p)
		}
	}
	return ctx
}

// inferPairs finds the likely relations between concept indices.
func (o *Overlap) inferPairs(opt InferOptions, profiles []map[int32]float64) []inferPair {
	n := len(o.concepts)
	h := o.opt.Rules.Hierarchy
	ctx := o.newInferCtx(profiles)
	var out []inferPair
	for a := int32(0); a < int32(n); a++ {
		for b := a + 1; b < int32(n); b++ {
			if h.Known(o.concepts[a]) && h.Known(o.concepts[b]) {
				continue // the relations file says how they relate
			}
			if p, ok := o.inferPair(a, b, opt, ctx); ok {
				out = append(out, p)
			}
		}
	}
	return out
}

// inferPair weighs the evidence on concepts a and b, in both directions.
func (o *Overlap) inferPair(a, b int32, opt InferOptions, ctx *inferCtx) (inferPair, bool) {
	ms := o.opt.MinSupport
	if o.pos[a] < ms || o.pos[b] < ms {
		return inferPair{}, false // too few positives to tell anything
	}
	N := float64(o.annotated)
	T := float64(o.together[pairKey(a, b)])
	E := float64(o.pos[a]) * float64(o.pos[b]) / N
	// chance: seen together, but not much more often than unrelated
	// concepts would be, as a context concept is with everything. A kind
	// and its parent are either labelled one instead of the other (never
	// together) or both at once (far more often than chance).
	chance := T > 0 && !(T >= 2*E && poissonTail(int(T), E) < 0.001)
	if ca, cb := o.centroids[a], o.centroids[b]; ca != nil && cb != nil && dot(ca, cb) < o.opt.MinSimilarity {
		return inferPair{}, false // the embeddings say they are unlike
	}
	var sub [2][]signal // [0]: a kind of b; [1]: b kind of a
	var embSub [2]bool  // an embedding signal is among sub[d]
	var syn []signal
	for d, xy := range [2][2]int32{{a, b}, {b, a}} {
		x, y := xy[0], xy[1] // is x a kind of y?
		// Co-occurrence asymmetry.
		pyx, pxy := T/float64(o.pos[x]), T/float64(o.pos[y])
		py := float64(o.pos[y]) / N
		if T >= MinExpectedTogether && pyx >= 0.05 && pyx >= 2*pxy && py > 0 {
			if lift := pyx / py; lift >= 1.5 {
				sub[d] = append(sub[d], signal{(1 - 1/lift) * min(1, T/10), fmt.Sprintf(
					"%.0f%% of %s positives are also %s (%.1f× chance), %.0f%% the other way", 100*pyx, o.concepts[x], o.concepts[y], lift, 100*pxy)})
			}
		}
		// One-sided negatives: y's positives are marked not x, x's never
		// not y, though siblings would be at about the same rate.
		fwd, rev := o.confused[orderedKey(x, y)], o.confused[orderedKey(y, x)]
		if rev == 0 && T == 0 && fwd >= 3 && o.significant(x, y, int(fwd)) && o.lift(x, y, int(fwd)) >= 1.5 && ctx.sharpBesides(x, y) {
			eRev := float64(fwd) * float64(o.pos[x]) / float64(o.pos[y])
			if s := 1 - math.Exp(-eRev); s >= 0.5 {
				sub[d] = append(sub[d], signal{s, fmt.Sprintf(
					"%d %s positives marked not %s, no %s positive marked not %s (%.1f expected for siblings)",
					fwd, o.concepts[y], o.concepts[x], o.concepts[x], o.concepts[y], eRev)})
			}
		}
	}
	if ca, cb := o.centroids[a], o.centroids[b]; ca != nil && cb != nil && !chance {
		sim := dot(ca, cb)
		ra, rb := o.spread[a], o.spread[b]
		ownA, ownB := 1-ra, 1-rb
		inAB := 1 - rb*sim // b's positives' mean distance to a's centroid
		inBA := 1 - ra*sim
		bInA := ownA > 0 && inAB <= opt.InsideFactor*ownA
		aInB := ownB > 0 && inBA <= opt.InsideFactor*ownB
		lo, hi := min(o.pos[a], o.pos[b]), max(o.pos[a], o.pos[b])
		near := (1 - sim) / max(min(ownA, ownB), 1e-9)
		switch {
		case bInA && aInB && near <= opt.SynonymCloseness && float64(hi) <= opt.SynonymFrequency*float64(lo) && T == 0 &&
			o.confused[orderedKey(a, b)] == 0 && o.confused[orderedKey(b, a)] == 0: // no one marks a synonym "not" the other
			s := 0.9 * min(1, (opt.SynonymCloseness-near)/(opt.SynonymCloseness/2))
			syn = append(syn, signal{s, fmt.Sprintf("near-identical centroids (similarity %.4f), each inside the other's spread, similar frequency (%d and %d), never together",
				sim, o.pos[a], o.pos[b])})
		case bInA && aInB:
			// Each inside the other, yet not close enough for synonyms:
			// one is likely a kind of the other, the tighter of the wider
			// (the rarer of the commoner when they are about as wide).
			x, y, d, in, own := a, b, 0, inBA, ownB
			tighter, why := ownB > ownA, "tighter"
			if math.Abs(ownA-ownB) < 0.05*max(ownA, ownB) {
				tighter, why = o.pos[b] > o.pos[a], "rarer"
			}
			if !tighter {
				x, y, d, in, own = b, a, 1, inAB, ownA
			}
			embSub[d] = true
			s := 0.6 * min(1, 2*(opt.InsideFactor-in/own)/(opt.InsideFactor-1))
			sub[d] = append(sub[d], signal{s, fmt.Sprintf("%s and %s positives lie inside each other's spread (%s's mean distance to %s's centroid %.3f, %s's own %.3f), %s the %s",
				o.concepts[x], o.concepts[y], o.concepts[x], o.concepts[y], in, o.concepts[y], own, o.concepts[x], why)})
		case bInA && ownA > ownB:
			embSub[1] = true
			s := 0.9 * min(1, 2*(opt.InsideFactor-inAB/ownA)/(opt.InsideFactor-1))
			sub[1] = append(sub[1], signal{s, fmt.Sprintf("%s positives lie inside %s's spread (mean distance to its centroid %.3f, its own %.3f), %s is the wider",
				o.concepts[b], o.concepts[a], inAB, ownA, o.concepts[a])})
		case aInB && ownB > ownA:
			embSub[0] = true
			s := 0.9 * min(1, 2*(opt.InsideFactor-inBA/ownB)/(opt.InsideFactor-1))
			sub[0] = append(sub[0], signal{s, fmt.Sprintf("%s positives lie inside %s's spread (mean distance to its centroid %.3f, its own %.3f), %s is the wider",
				o.concepts[a], o.concepts[b], inBA, ownB, o.concepts[b])})
		}
	}
	if o.centroids[a] != nil && o.centroids[b] != nil {
		// With embeddings for both, they must not disagree: positives
		// that lie clearly apart from a tighter concept are its siblings,
		// whatever the labels suggest.
		sim := dot(o.centroids[a], o.centroids[b])
		for d, xy := range [2][2]int32{{a, b}, {b, a}} {
			x, y := xy[0], xy[1]
			wider := 1-o.spread[y] >= opt.InsideFactor*(1-o.spread[x])
			apart := 1-o.spread[x]*sim > opt.ApartFactor*(1-o.spread[y])
			if !embSub[d] && !wider && apart {
				sub[d] = nil
			}
		}
	}
	if !o.HasEmbeddings() && T == 0 && E >= MinExpectedTogether && o.confused[orderedKey(a, b)] == 0 && o.confused[orderedKey(b, a)] == 0 {
		if c := profileCosine(ctx.profiles[a], ctx.profiles[b]); c >= 0.9 {
			syn = append(syn, signal{0.6 * (c - 0.9) / 0.1, fmt.Sprintf(
				"never together (%.0f expected), never marked negative for each other, marked negative for the same concepts (profile similarity %.2f)", E, c)})
		}
	}
	best := inferPair{}
	bestC := 0.0
	if c := confidence(syn); c > bestC {
		best, bestC = inferPair{sub: a, obj: b, pred: dataset.Synonym, sig: syn}, c
	}
	if c := confidence(sub[0]); c > bestC {
		best, bestC = inferPair{sub: a, obj: b, pred: dataset.Hyponym, sig: sub[0]}, c
	}
	if c := confidence(sub[1]); c > bestC {
		best, bestC = inferPair{sub: b, obj: a, pred: dataset.Hyponym, sig: sub[1]}, c
	}
	if bestC < opt.MinConfidence {
		return inferPair{}, false
	}
	if best.pred == dataset.Synonym && o.concepts[best.obj] < o.concepts[best.sub] {
		best.sub, best.obj = best.obj, best.sub
	}
	return best, true
}

// negativeProfiles returns, per concept, the share of its positives
// marked negative for each other concept, at least 10 negatives in all.
func (o *Overlap) negativeProfiles() []map[int32]float64 {
	prof := make([]map[int32]float64, len(o.concepts))
	tot := make([]int, len(o.concepts))
	for k, v := range o.confused {
		tot[int32(k)] += int(v)
	}
	for k, v := range o.confused {
		q, p := int32(k>>32), int32(k)
		if tot[p] < 10 {
			continue
		}
		if prof[p] == nil {
			prof[p] = map[int32]float64{}
		}
		prof[p][q] = float64(v) / float64(o.pos[p])
	}
	return prof
}

func profileCosine(a, b map[int32]float64) float64 {
	if a == nil || b == nil {
		return 0
	}
	var ab, aa, bb float64
	for k, x := range a {
		aa += x * x
		ab += x * b[k]
	}
	for _, y := range b {
		bb += y * y
	}
	if aa == 0 || bb == 0 {
		return 0
	}
	return ab / math.Sqrt(aa*bb)
}
