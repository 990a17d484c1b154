package balance

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"

	"curate.dev/dataset"
	"curate.dev/label"
)

// bandFactor: sources whose overlap score is at least this share of the
// band's strongest source share the band's round robin.
const bandFactor = 0.8

// DefaultRatio is the negatives:positives ratio suggestions aim for.
const DefaultRatio = DefaultTargetRatio

// SuggestOptions tune [Suggest]. A nil *SuggestOptions means
// [DefaultSuggestOptions].
type SuggestOptions struct {
	// Ratio is the target negatives:positives ratio; a concept with fewer
	// negatives than Ratio × positives has a deficit.
	Ratio float64
	// MaxPerConcept caps the suggestions for one concept; 0 means no cap.
	MaxPerConcept int
	// Seed breaks ties between equally hard candidates (all of them when
	// there are no embeddings); the same seed gives the same suggestions.
	Seed int64
	// NoInferredVetoes turns off the relations [Overlap.InferRelations]
	// infers; by default positives for a concept's likely sub-types,
	// parents and synonyms are never its negatives (relations the
	// hierarchy states win).
	NoInferredVetoes bool
	// NoMargin turns off the per-input margin; by default an input whose
	// embedding is at least as close to the target's centroid as to the
	// nearest centroid of its own positives is not suggested.
	NoMargin bool
	// Exclude lists (input, concept) pairs never to suggest: pairs a
	// reviewer rejected, or decided already (see Kept). nil: none.
	Exclude map[SuggestionKey]bool
	// Kept counts, per concept id, the suggestions from an earlier run
	// that the caller keeps (accepted in review): they count toward the
	// concept's deficit, so fewer new ones are suggested.
	Kept map[string]int
}

// SuggestionKey names the (input, concept) pair of a suggestion.
type SuggestionKey struct{ InputID, ConceptID string }

// DefaultSuggestOptions returns Ratio [DefaultRatio], no cap, seed 0.
func DefaultSuggestOptions() SuggestOptions { return SuggestOptions{Ratio: DefaultRatio} }

// Opener returns a fresh reader over a source from its start. [Suggest]
// calls it once, or twice when the source has embeddings. The caller of
// Opener's result is Suggest, which releases each reader.
type Opener func(ctx context.Context) (*dataset.Reader, error)

// Suggestion proposes one negative annotation.
type Suggestion struct {
	InputID   string
	ConceptID string
	// Value is always [dataset.Negative].
	Value float32
	// Score is the hardness: the input embedding's cosine similarity to the
	// concept's centroid, or the pair's overlap score without embeddings.
	// Rounded to 4 decimals.
	Score float64
	// SourceConceptID is the concept the input is positive for.
	SourceConceptID string
	// Reason explains the suggestion to a reviewer.
	Reason string
	// URL and Text are the input's media URL or raw text, so that a
	// reviewer sees what the input is; set by [Suggestions.AddMedia].
	URL, Text string
}

// ConceptSummary is the outcome for one concept. Positives, Negatives
// and Conflicts are the balance report's (see [Overlap.Report]).
type ConceptSummary struct {
	ConceptID   string
	ConceptName string
	Positives   int
	Negatives   int
	Conflicts   int
	// Wanted is ceil(Ratio × Positives); Deficit is Wanted − Negatives when
	// positive, else 0.
	Wanted  int
	Deficit int
	// Candidates counts the safe candidate inputs found; Suggested how many
	// were taken (at most the deficit and MaxPerConcept).
	Candidates int
	Suggested  int
	// Sources lists the overlapping concepts candidates were drawn from,
	// strongest overlap first.
	Sources []string
	// LeftOut lists, sorted, the overlapping concepts not drawn from
	// because they are likely sub-types, parents or synonyms of this one
	// ([Overlap.InferRelations]).
	LeftOut []string
	// Margin counts candidates left out because their embedding is closer
	// to this concept's centroid than to their own positives'.
	Margin int
}

// Suggestions is the result of [Suggest].
type Suggestions struct {
	// Suggestions are grouped by concept (sorted by id); within a concept
	// they alternate between source concepts, hardest first.
	Suggestions []Suggestion
	// Concepts has one entry per annotated concept, sorted by id.
	Concepts []ConceptSummary
	Warnings Warnings
	// Passes is the number of times the source was read (1 or 2).
	Passes int
	// Inferred are the relations inferred from the data and used as
	// vetoes (none with [SuggestOptions.NoInferredVetoes]); LeftOut counts
	// the (concept, source) pairs they left out.
	Inferred []InferredRelation
	LeftOut  int
}

// Suggest finds negatives for concepts below the ratio. It reads the
// source once to learn counts, co-occurrence, confusions and centroids
// ([AnalyzeOverlap]) and, when the source has embeddings, a second time to
// score each candidate input against its target's centroid; it never holds
// more than one batch of embeddings. ov nil means
// [DefaultOverlapOptions], opts nil [DefaultSuggestOptions].
func Suggest(ctx context.Context, open Opener, ov *OverlapOptions, opts *SuggestOptions) (*Suggestions, error) {
	r, err := open(ctx)
	if err != nil {
		return nil, err
	}
	o, err := AnalyzeOverlap(ctx, r, ov)
	r.Release()
	if err != nil {
		return nil, err
	}
	defer o.Close()
	return o.Suggest(ctx, open, opts)
}

// target is a concept with a deficit and its candidate collection.
type target struct {
	c          int32
	need       int
	sources    map[int32]float64 // usable source concept -> pair score
	srcC       []int32           // the keys of sources, ascending, and
	srcS       []float64         // their scores: the hot loop's lookup
	isSource   bitset            // the keys of sources, for the hot loop
	related    bitset            // direct positives for these rule an input out
	cooc       bitset            // positives for these, direct or implied, rule an input out
	heaps      map[int32]*candHeap
	candidates int
	margin     int
	leftOut    []int32
	excluded   map[string]bool // ids of inputs never to suggest for this target
}

// sourceScore returns the pair score of source c (which must be one):
// a binary search of the few sources, faster than the map in the hot
// loop.
func (t *target) sourceScore(c int32) float64 {
	lo, hi := 0, len(t.srcC)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if t.srcC[m] < c {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return t.srcS[lo]
}

type suggester struct {
	o          *Overlap
	seed       uint64
	targets    []*target
	srcTargets [][]int32 // source concept -> indices into targets
	mark       []int32   // epoch marks for deduping targets per input
	epoch      int32
	buf        []int32
	implied    []int32
	owned      []int32 // the visited input's own positives
	inRow      []int32 // per concept: epoch of the last input whose row has it
	noMargin   bool
	vetoes     *inferredVetoes
	idBuf      []byte
}

// Suggest is [Suggest] over an existing analysis: open is called once
// when o has embeddings (to score candidates) and not at all otherwise,
// when it may be nil. It reads the inputs' labels back from o, which
// must not be closed yet; it may be called again.
func (o *Overlap) Suggest(ctx context.Context, open Opener, opts *SuggestOptions) (*Suggestions, error) {
	opt := DefaultSuggestOptions()
	if opts != nil {
		opt = *opts
	}
	if opt.Ratio < 0 || math.IsNaN(opt.Ratio) {
		return nil, fmt.Errorf("balance: ratio must be at least 0, got %v", opt.Ratio)
	}
	s := &suggester{o: o, seed: uint64(opt.Seed), srcTargets: make([][]int32, len(o.concepts)), noMargin: opt.NoMargin}
	res := &Suggestions{Warnings: o.warn, Passes: 1}
	if !opt.NoInferredVetoes {
		s.vetoes = o.newInferredVetoes()
		res.Inferred = s.vetoes.rels
	}
	order := make([]int32, len(o.concepts))
	for i := range order {
		order[i] = int32(i)
	}
	slices.SortFunc(order, func(x, y int32) int { return cmp.Compare(o.concepts[x], o.concepts[y]) })
	sum := make(map[int32]*ConceptSummary, len(order))
	for _, c := range order {
		cs := ConceptSummary{ConceptID: o.concepts[c], ConceptName: o.names[c]}
		cs.Positives, cs.Negatives, cs.Conflicts = o.Counts(cs.ConceptID)
		cs.Wanted = int(math.Ceil(opt.Ratio*float64(cs.Positives) - 1e-9))
		cs.Deficit = max(0, cs.Wanted-cs.Negatives)
		res.Concepts = append(res.Concepts, cs)
		need := cs.Deficit
		if opt.MaxPerConcept > 0 {
			need = min(need, opt.MaxPerConcept)
		}
		need -= opt.Kept[cs.ConceptID]
		if need <= 0 {
			continue
		}
		n := len(o.concepts)
		t := &target{c: c, need: need, sources: map[int32]float64{}, isSource: newBitset(n), related: newBitset(n), cooc: newBitset(n), heaps: map[int32]*candHeap{}}
		for p := range opt.Exclude {
			if p.ConceptID != cs.ConceptID {
				continue
			}
			if t.excluded == nil {
				t.excluded = map[string]bool{}
			}
			t.excluded[p.InputID] = true
		}
		for p := range o.concepts {
			p := int32(p)
			if p == c {
				continue
			}
			pr := o.pair(c, p)
			if s.vetoes.vetoes(c, p) && pr.Verdict != VerdictRelated {
				if pr.Verdict == VerdictOverlapping && o.pos[p] >= o.opt.MinSupport && pr.ExpectedTogether >= MinExpectedTogether {
					t.leftOut = append(t.leftOut, p)
				}
				t.related.set(p)
				continue
			}
			switch pr.Verdict {
			case VerdictRelated:
				t.related.set(p)
			case VerdictCooccurring:
				t.cooc.set(p)
			case VerdictOverlapping:
				if o.pos[p] >= o.opt.MinSupport && pr.ExpectedTogether >= MinExpectedTogether {
					t.sources[p] = pr.Score
					t.srcC, t.srcS = append(t.srcC, p), append(t.srcS, pr.Score)
					t.isSource.set(p)
				}
			}
		}
		if len(t.sources) == 0 {
			if len(t.leftOut) > 0 {
				sum0 := &res.Concepts[len(res.Concepts)-1]
				for _, p := range t.leftOut {
					sum0.LeftOut = append(sum0.LeftOut, o.concepts[p])
				}
				slices.Sort(sum0.LeftOut)
				res.LeftOut += len(t.leftOut)
			}
			continue
		}
		ti := int32(len(s.targets))
		s.targets = append(s.targets, t)
		for p := range o.concepts {
			if t.isSource.has(int32(p)) {
				s.srcTargets[p] = append(s.srcTargets[p], ti)
			}
		}
	}
	for i := range res.Concepts {
		sum[o.cindex[res.Concepts[i].ConceptID]] = &res.Concepts[i]
	}
	s.mark = make([]int32, len(s.targets))
	s.inRow = make([]int32, len(o.concepts))
	if len(s.targets) > 0 {
		if o.HasEmbeddings() {
			if open == nil {
				return nil, fmt.Errorf("balance: source has embeddings: a reopener is needed to score candidates")
			}
			if err := s.scorePass(ctx, open); err != nil {
				return nil, err
			}
			res.Passes = 2
		} else {
			seq := int32(0)
			err := o.inputs.Each(func(id []byte, row []label.Entry) {
				s.visit(seq, id, row, nil)
				seq++
			})
			if err != nil {
				return nil, fmt.Errorf("balance: reading the inputs' labels back: %w", err)
			}
		}
	}
	for _, t := range s.targets {
		cs := sum[t.c]
		cs.Candidates = t.candidates
		got, srcs := s.pick(t)
		cs.Suggested = len(got)
		cs.Sources = srcs
		cs.Margin = t.margin
		for _, p := range t.leftOut {
			cs.LeftOut = append(cs.LeftOut, o.concepts[p])
		}
		slices.Sort(cs.LeftOut)
		res.LeftOut += len(t.leftOut)
		res.Suggestions = append(res.Suggestions, got...)
	}
	return res, nil
}

// scorePass reads the source again and visits every annotated input with
// its embedding. The analysis of a source with embeddings has a Set.
func (s *suggester) scorePass(ctx context.Context, open Opener) error {
	o := s.o
	r, err := open(ctx)
	if err != nil {
		return err
	}
	defer r.Release()
	seen := make([]bool, o.set.NumInputs())
	unit := make([]float32, o.dim)
	var scratch Warnings // counted in the first pass already
	err = eachBatch(ctx, r, func(ann, rec arrow.Record, _ []string) error {
		if ann == nil && rec == nil {
			return nil // the last inputs without annotations: no candidates
		}
		if rec == nil {
			return fmt.Errorf("balance: second pass: the source has no inputs table")
		}
		fsl, vals, dim := embeddingColumn(rec)
		if fsl != nil && dim != o.dim {
			return fmt.Errorf("%w: %d in the first pass, %d in the second", ErrEmbeddingDim, o.dim, dim)
		}
		col := dataset.Column(rec, dataset.ColInputID)
		ids, ok := col.(*array.String)
		if !ok {
			return fmt.Errorf("balance: inputs column %s is %v, want utf8", dataset.ColInputID, dataType(col))
		}
		for i := 0; i < int(rec.NumRows()); i++ {
			in, ok := o.set.Lookup(ids.Value(i))
			if !ok || seen[in] {
				continue
			}
			seen[in] = true
			var u []float32
			if fsl != nil {
				if emb := rowEmbedding(fsl, vals, dim, i); emb != nil && normalize(unit, emb, &scratch) {
					u = unit
				}
			}
			s.idBuf = append(s.idBuf[:0], ids.Value(i)...)
			s.visit(int32(in), s.idBuf, o.walker.Row(in), u)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("balance: reading source (second pass): %w", err)
	}
	for in, ok := range seen {
		if !ok {
			s.idBuf = append(s.idBuf[:0], o.set.InputID(in)...)
			s.visit(int32(in), s.idBuf, o.walker.Row(in), nil)
		}
	}
	return nil
}

// visit considers an input as a candidate for every target one of its
// positives is a source for. seq numbers the input in the order inputs
// are visited (the last tie-break between candidates), id is its id
// (valid during the call), st its labels closed over the hierarchy (a
// positive for a concept is a positive for its ancestors and synonyms,
// and "annotated for the target" includes a negative that came through a
// relation), unit its normalised embedding or nil.
func (s *suggester) visit(seq int32, id []byte, st []label.Entry, unit []float32) {
	o := s.o
	cands, owned := s.buf[:0], s.owned[:0]
	s.epoch++
	for _, x := range st {
		if x.Flags.IsConflict() {
			return // in conflict: not trustworthy
		}
		s.inRow[x.Concept] = s.epoch
		if !own(x) {
			continue
		}
		owned = append(owned, x.Concept)
		for _, ti := range s.srcTargets[x.Concept] {
			if s.mark[ti] != s.epoch {
				s.mark[ti] = s.epoch
				cands = append(cands, ti)
			}
		}
	}
	s.buf, s.owned = cands, owned
	if len(cands) == 0 {
		return
	}
	// Everything the input is positive for, through the hierarchy too.
	implied := s.implied[:0]
	for _, x := range st {
		if x.Flags.IsPositive() {
			implied = append(implied, x.Concept)
		}
	}
	s.implied = implied
	ownSim, ownDone := math.NaN(), false
	var h uint64
	for _, ti := range cands {
		t := s.targets[ti]
		if t.excluded != nil && t.excluded[string(id)] {
			continue // decided in an earlier review
		}
		if s.inRow[t.c] == s.epoch {
			continue // annotated for the target
		}
		// Only the input's own positives are sources or vetoes: a positive
		// through a relation is neither.
		best, bestScore, ok := int32(-1), 0.0, true
		for _, c := range owned {
			if t.related.has(c) {
				ok = false // positive for a hypernym, hyponym or synonym
				break
			}
			if !t.isSource.has(c) {
				continue
			}
			if sc := t.sourceScore(c); best < 0 || sc > bestScore || (sc == bestScore && o.concepts[c] < o.concepts[best]) {
				best, bestScore = c, sc
			}
		}
		for _, c := range implied {
			if c == t.c || t.cooc.has(c) {
				ok = false // positive for the target through the hierarchy, or for a co-occurring concept
				break
			}
		}
		if !ok || best < 0 {
			continue
		}
		score, emb := bestScore, false
		if cen := o.centroids[t.c]; unit != nil && cen != nil {
			score, emb = dot(unit, cen), true
			if !s.noMargin {
				if !ownDone {
					ownSim, ownDone = s.ownSimilarity(st, unit), true
				}
				if !marginOK(score, ownSim) {
					t.margin++
					continue
				}
			}
		}
		t.candidates++
		if h == 0 {
			h = s.hashInput(id)
		}
		hp := t.heaps[best]
		if hp == nil {
			hp = &candHeap{k: t.need}
			t.heaps[best] = hp
		}
		hp.offer(cand{seq: seq, score: score, emb: emb, tie: mix(h ^ uint64(t.c)*0x9e3779b97f4a7c15)}, id)
	}
}

// ownSimilarity is the highest cosine of unit to the centroid of one of
// the input's direct positives; NaN when none has a centroid.
func (s *suggester) ownSimilarity(st []label.Entry, unit []float32) float64 {
	best := math.NaN()
	for _, x := range st {
		if !own(x) {
			continue
		}
		if cen := s.o.centroids[x.Concept]; cen != nil {
			if d := dot(unit, cen); best != best || d > best {
				best = d
			}
		}
	}
	return best
}

// hashInput is the input's seeded tie-break hash: FNV-1a of its id (as
// hash/fnv's New64a gives it, without the allocation), mixed.
func (s *suggester) hashInput(id []byte) uint64 {
	h := uint64(14695981039346656037)
	for _, b := range id {
		h ^= uint64(b)
		h *= 1099511628211
	}
	return mix(h^s.seed) | 1
}

// mix is splitmix64's finaliser.
func mix(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	return x ^ x>>31
}

// pick takes up to t.need candidates: round robin over the sources of
// each band of similar overlap strength, strongest band first, hardest
// candidate first within a source.
func (s *suggester) pick(t *target) ([]Suggestion, []string) {
	o := s.o
	type srcList struct {
		c     int32
		score float64
		cands []cand
	}
	var srcs []srcList
	for c, hp := range t.heaps {
		srcs = append(srcs, srcList{c: c, score: t.sources[c], cands: hp.sorted()})
	}
	slices.SortFunc(srcs, func(a, b srcList) int {
		if c := cmp.Compare(b.score, a.score); c != 0 {
			return c
		}
		return cmp.Compare(o.concepts[a.c], o.concepts[b.c])
	})
	var names []string
	for _, sl := range srcs {
		names = append(names, o.concepts[sl.c])
	}
	var out []Suggestion
	reasons := map[int32]string{}
	var note string
	if len(t.leftOut) > 0 {
		ids := make([]string, 0, len(t.leftOut))
		for _, p := range t.leftOut {
			ids = append(ids, o.concepts[p])
		}
		slices.Sort(ids)
		note = "; " + leftOutNote(ids)
	}
	take := func(sl srcList, cd cand) {
		r, ok := reasons[sl.c]
		if !ok {
			r = s.reason(t.c, sl.c) + note
			reasons[sl.c] = r
		}
		if cd.emb {
			r += fmt.Sprintf("; this input's embedding similarity to %s %.2f", o.concepts[t.c], cd.score)
		}
		out = append(out, Suggestion{
			InputID:         cd.id,
			ConceptID:       o.concepts[t.c],
			Value:           dataset.Negative,
			Score:           math.Round(cd.score*1e4) / 1e4,
			SourceConceptID: o.concepts[sl.c],
			Reason:          r,
		})
	}
	// Sources of similar strength form a band; bands are used strongest
	// first, round robin within a band, so weak sources only fill what
	// strong ones cannot.
	for lo := 0; lo < len(srcs) && len(out) < t.need; {
		hi := lo + 1
		for hi < len(srcs) && srcs[hi].score >= bandFactor*srcs[lo].score {
			hi++
		}
		for round := 0; len(out) < t.need; round++ {
			took := false
			for _, sl := range srcs[lo:hi] {
				if round < len(sl.cands) && len(out) < t.need {
					take(sl, sl.cands[round])
					took = true
				}
			}
			if !took {
				break
			}
		}
		lo = hi
	}
	return out, names
}

// reason explains, in a reviewer's words, why positives for src make
// negatives for tgt.
func (s *suggester) reason(tgt, src int32) string {
	o := s.o
	p := o.pair(src, tgt)
	var sig []string
	if !math.IsNaN(p.Similarity) && p.Similarity >= o.opt.MinSimilarity {
		sig = append(sig, fmt.Sprintf("embedding similarity %.2f", p.Similarity))
	}
	if p.ConfusionsBA > 0 && p.Confusable { // positive for src (A), negative for tgt (B)
		sig = append(sig, fmt.Sprintf("annotators marked %d %s inputs not %s", p.ConfusionsBA, p.A, p.B))
	}
	if p.ConfusionsAB > 0 && p.Confusable {
		sig = append(sig, fmt.Sprintf("annotators marked %d %s inputs not %s", p.ConfusionsAB, p.B, p.A))
	}
	if p.Siblings {
		if p.CommonParent != "" {
			sig = append(sig, "both are kinds of "+p.CommonParent)
		} else {
			sig = append(sig, "siblings in the hierarchy")
		}
	}
	together := fmt.Sprintf("never seen together in %d %s inputs (%.0f expected if unrelated)", p.PositivesA, p.A, p.ExpectedTogether)
	if p.Together > 0 {
		together = fmt.Sprintf("seen together in only %d of %d %s inputs (%.2g%%, threshold %.2g%%)",
			p.Together, p.PositivesA, p.A, 100*float64(p.Together)/float64(p.PositivesA), 100*o.opt.CooccurThreshold)
	}
	return fmt.Sprintf("positive for %s; %s and %s overlap (%s); %s", p.A, p.A, p.B, strings.Join(sig, ", "), together)
}

// bitset is a set of concept indices.
type bitset []uint64

func newBitset(n int) bitset      { return make(bitset, (n+63)/64) }
func (b bitset) set(i int32)      { b[i>>6] |= 1 << (uint(i) & 63) }
func (b bitset) has(i int32) bool { return b[i>>6]&(1<<(uint(i)&63)) != 0 }

// own reports a positive annotated on the input itself, not one that came
// only through a relation.
func own(x label.Entry) bool { return x.Flags.IsPositive() && x.Flags&label.ViaPositive == 0 }

// dataType is a's type, or "missing" for no array.
func dataType(a arrow.Array) any {
	if a == nil {
		return "missing"
	}
	return a.DataType()
}
