package balance

import (
	"cmp"
	"math"
	"slices"

	"curate.dev/label"
)

// Verdict says how two concepts relate, and so whether one's positives may
// serve as negatives for the other.
type Verdict string

const (
	// VerdictRelated: the same concept, synonyms, or one is a kind of the
	// other. Never negatives for each other.
	VerdictRelated Verdict = "related"
	// VerdictCooccurring: their positives appear together on inputs (more
	// often than the threshold, or at all when support is low). Never
	// negatives for each other.
	VerdictCooccurring Verdict = "co-occurring"
	// VerdictOverlapping: similar (embeddings, annotator confusions or
	// siblings in the hierarchy) yet not seen together: the pairs that
	// yield hard, safe negatives.
	VerdictOverlapping Verdict = "overlapping"
	// VerdictExclusive: not seen together and no sign of similarity.
	VerdictExclusive Verdict = "exclusive"
)

// Pair is what the data says about two concepts.
type Pair struct {
	A, B    string
	Verdict Verdict
	// Score is the overlap strength in [0, 1], the signals combined as
	// independent evidence (1 − Π(1 − s)): the embedding similarity (when
	// positive), c/(c+5) for c confusions (when Confusable), and
	// 0.5 for siblings.
	Score float64
	// Similarity is the cosine similarity of the two concepts' embedding
	// centroids; NaN when either has none.
	Similarity float64
	// ConfusionsAB counts inputs positive for B marked negative for A;
	// ConfusionsBA the reverse.
	ConfusionsAB, ConfusionsBA int
	// ConfusionLift is how much more often than chance annotators chose
	// this pair: for the direction where it is larger, the share of A's
	// negatives that sit on B-positive inputs over B's share of all
	// positives.
	ConfusionLift float64
	// Confusable: the confusions are more than chance explains (at least
	// 2, and a Poisson tail probability under 5% in one direction given
	// how many negatives the concept has and how common the other is).
	// Only then do confusions signal overlap; otherwise they look like
	// negatives given at random.
	Confusable bool
	// Siblings: distinct kinds under a common parent (CommonParent).
	Siblings     bool
	CommonParent string
	// Together counts inputs positive for both; positives include those
	// implied through the hierarchy (a husky is a dog).
	Together               int
	PositivesA, PositivesB int
	// ExpectedTogether is how many inputs would be positive for both were
	// the concepts unrelated: PositivesA × PositivesB / annotated inputs.
	ExpectedTogether float64
}

// Confusions is ConfusionsAB + ConfusionsBA.
func (p Pair) Confusions() int { return p.ConfusionsAB + p.ConfusionsBA }

// dot is the inner product of equal-length vectors, four lanes at a time.
func dot(a, b []float32) float64 {
	b = b[:len(a)]
	var s0, s1, s2, s3 float32
	k := 0
	for ; k+4 <= len(a); k += 4 {
		s0 += a[k] * b[k]
		s1 += a[k+1] * b[k+1]
		s2 += a[k+2] * b[k+2]
		s3 += a[k+3] * b[k+3]
	}
	for ; k < len(a); k++ {
		s0 += a[k] * b[k]
	}
	return float64(s0 + s1 + s2 + s3)
}

// pair computes the signals and verdict for concept indices a and b.
func (o *Overlap) pair(a, b int32) Pair {
	p := Pair{
		A: o.concepts[a], B: o.concepts[b],
		Similarity: math.NaN(),
		PositivesA: o.pos[a], PositivesB: o.pos[b],
		Together:     int(o.together[pairKey(a, b)]),
		ConfusionsAB: int(o.confused[orderedKey(a, b)]),
		ConfusionsBA: int(o.confused[orderedKey(b, a)]),
	}
	if n := o.annotated; n > 0 {
		p.ExpectedTogether = float64(p.PositivesA) * float64(p.PositivesB) / float64(n)
	}
	if ca, cb := o.centroids[a], o.centroids[b]; ca != nil && cb != nil {
		p.Similarity = dot(ca, cb)
	}
	miss := 1.0 // probability, loosely, that no signal is right
	if p.Similarity > 0 {
		miss *= 1 - min(p.Similarity, 1)
	}
	p.ConfusionLift = max(o.lift(a, b, p.ConfusionsAB), o.lift(b, a, p.ConfusionsBA))
	p.Confusable = o.significant(a, b, p.ConfusionsAB) || o.significant(b, a, p.ConfusionsBA)
	confusable := p.Confusable
	if c := p.Confusions(); confusable {
		miss *= 1 - float64(c)/float64(c+5)
	}
	h := o.opt.Rules.Hierarchy
	related := h.Related(p.A, p.B)
	if !related && h.Siblings(p.A, p.B) {
		p.Siblings = true
		p.CommonParent = commonParent(h, p.A, p.B)
		miss *= 0.5
	}
	p.Score = 1 - miss
	switch {
	case related:
		p.Verdict = VerdictRelated
	case o.cooccurring(p):
		p.Verdict = VerdictCooccurring
	case p.Similarity >= o.opt.MinSimilarity || confusable || p.Siblings:
		p.Verdict = VerdictOverlapping
	default:
		p.Verdict = VerdictExclusive
	}
	return p
}

// lift is the share of a's negatives on b-positive inputs (n of them)
// over b's share of all positives.
func (o *Overlap) lift(a, b int32, n int) float64 {
	if n == 0 || o.confTotal[a] == 0 || o.pos[b] == 0 {
		return 0
	}
	return (float64(n) / float64(o.confTotal[a])) / (float64(o.pos[b]) / float64(o.posTotal))
}

// significant reports whether n negatives for a on b-positive inputs are
// more than chance: n ≥ 2 and P(X ≥ n) < 0.05 for X ~ Poisson(expected).
func (o *Overlap) significant(a, b int32, n int) bool {
	if n < 2 || o.posTotal == 0 {
		return false
	}
	e := float64(o.confTotal[a]) * float64(o.pos[b]) / float64(o.posTotal)
	return poissonTail(n, e) < 0.05
}

// poissonTail returns P(X ≥ n) for X ~ Poisson(mean).
func poissonTail(n int, mean float64) float64 {
	if mean <= 0 {
		return 0
	}
	term := math.Exp(-mean) // P(X = 0)
	cdf := 0.0
	for k := 0; k < n; k++ {
		cdf += term
		term *= mean / float64(k+1)
	}
	return max(0, 1-cdf)
}

func (o *Overlap) cooccurring(p Pair) bool {
	if p.Together == 0 {
		return false
	}
	ms := o.opt.MinSupport
	if p.PositivesA < ms || p.PositivesB < ms {
		return true
	}
	thr := o.opt.CooccurThreshold
	return float64(p.Together) > thr*float64(p.PositivesA) || float64(p.Together) > thr*float64(p.PositivesB)
}

// commonParent names a direct parent of one that the other is also under.
func commonParent(h *label.Hierarchy, a, b string) string {
	for _, x := range [2][2]string{{a, b}, {b, a}} {
		anc := h.Ancestors(x[0])
		for _, p := range h.Parents(x[1]) {
			if _, ok := slices.BinarySearch(anc, p); ok {
				return p
			}
		}
	}
	return ""
}

// Pair returns what the data says about concepts a and b; ok is false when
// either was never annotated.
func (o *Overlap) Pair(a, b string) (p Pair, ok bool) {
	ia, oka := o.cindex[a]
	ib, okb := o.cindex[b]
	if !oka || !okb {
		return Pair{}, false
	}
	return o.pair(ia, ib), true
}

// Pairs returns every pair of distinct annotated concepts that shows any
// signal (similarity at the threshold, confusions, siblings, relation or
// co-occurrence), strongest overlap first, ties by ids. A is the smaller
// id. It compares all pairs: O(concepts² × embedding dimension).
func (o *Overlap) Pairs() []Pair {
	order := make([]int32, len(o.concepts))
	for i := range order {
		order[i] = int32(i)
	}
	slices.SortFunc(order, func(x, y int32) int { return cmp.Compare(o.concepts[x], o.concepts[y]) })
	var out []Pair
	for i, a := range order {
		for _, b := range order[i+1:] {
			p := o.pair(a, b)
			if p.Verdict != VerdictExclusive || p.Together > 0 {
				out = append(out, p)
			}
		}
	}
	slices.SortStableFunc(out, func(x, y Pair) int { return cmp.Compare(y.Score, x.Score) })
	return out
}
