package balance

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"

	"github.com/apache/arrow/go/v15/arrow"

	"curate.dev/dataset"
	"curate.dev/label"
)

// Defaults of [OverlapOptions].
const (
	// DefaultCooccurThreshold: a pair whose positives appear together on
	// more than 1% of either concept's positive inputs is co-occurring.
	DefaultCooccurThreshold = 0.01
	// DefaultMinSupport: a concept needs 20 positive inputs before the
	// absence of co-occurrence with another concept counts as evidence.
	DefaultMinSupport = 20
	// DefaultMinSimilarity: centroids at least this cosine-similar overlap.
	DefaultMinSimilarity = 0.5
	// MinExpectedTogether: "never seen together" is evidence of exclusivity
	// only when, were the two concepts unrelated, at least this many inputs
	// would be positive for both (PositivesA × PositivesB / inputs). Below
	// it, as for a rare context concept and a rare class in a small
	// dataset, the absence says nothing and the pair yields no negatives.
	MinExpectedTogether = 3.0
)

// ErrEmbeddingDim reports embeddings whose dimension changes within a
// source or between the passes over it.
var ErrEmbeddingDim = errors.New("balance: embedding dimension changed")

// OverlapOptions tune how concepts are compared. A nil *OverlapOptions
// means [DefaultOverlapOptions].
type OverlapOptions struct {
	// Rules read annotations as labels (package label): the relations
	// (Rules.Hierarchy; nil means none are known) and whether model scores
	// count. The zero value leaves models out, as the report does.
	Rules label.Rules
	// CooccurThreshold is the share of one concept's positive inputs that
	// may also be positive for the other before the pair is co-occurring
	// (and never negatives for each other).
	CooccurThreshold float64
	// MinSupport is the number of positive inputs a concept needs before
	// "rarely seen together" is trusted; below it, any input positive for
	// both makes the pair co-occurring, and the concept is never used as a
	// source of negatives.
	MinSupport int
	// MinSimilarity is the cosine similarity between two concepts'
	// embedding centroids at which they overlap.
	MinSimilarity float64
}

// DefaultOverlapOptions returns the defaults: no hierarchy,
// [DefaultCooccurThreshold], [DefaultMinSupport], [DefaultMinSimilarity].
func DefaultOverlapOptions() OverlapOptions {
	return OverlapOptions{
		CooccurThreshold: DefaultCooccurThreshold,
		MinSupport:       DefaultMinSupport,
		MinSimilarity:    DefaultMinSimilarity,
	}
}

// Warnings count bad input that was skipped rather than fatal.
type Warnings struct {
	// NaNEmbeddings: embeddings holding NaN or Inf, skipped.
	NaNEmbeddings int64 `json:"nan_embeddings"`
	// ZeroEmbeddings: all-zero embeddings, which have no direction, skipped.
	ZeroEmbeddings int64 `json:"zero_embeddings"`
	// SoftValues: a person's annotations with a value strictly between 0
	// and 1 (read with soft values on); by the label rules they are
	// positives from label.SoftThreshold on, negatives below.
	SoftValues int64 `json:"soft_values"`
	// UnknownRelationConcepts: concepts named in relations but never
	// annotated in the data, sorted.
	UnknownRelationConcepts []string `json:"unknown_relation_concepts"`
}

// Any reports whether there is anything to warn about.
func (w Warnings) Any() bool {
	return w.NaNEmbeddings > 0 || w.ZeroEmbeddings > 0 || w.SoftValues > 0 || len(w.UnknownRelationConcepts) > 0
}

// Overlap is what one streaming pass learns about how concepts relate:
// per-concept counts and embedding centroids, co-occurrence and explicit
// confusions, combined with the hierarchy. It can read every input's
// labels back for [Overlap.Suggest], but holds no embeddings and, for a
// source without embeddings, only a few bytes per input (see the package
// docs, # Memory). Build it with [AnalyzeOverlap]; it is read-only
// afterwards. Close releases its temporary file.
type Overlap struct {
	opt OverlapOptions

	// Every input's labels, read back by inputs (concept indices are
	// its): from a label.Stream (a fingerprint per input, the rest in a
	// log that spills to a temporary file) for a source without
	// embeddings; from a label.Set (ids and labels in memory, for the
	// lookups by id that embeddings need; walker closes its rows) for one
	// with them.
	inputs    *label.Inputs
	stream    *label.Stream
	set       *label.Set
	walker    *label.Walker
	annotated int // inputs with at least one counted annotation
	rowBuf    []label.Entry

	concepts []string // concept index -> id
	names    []string
	cindex   map[string]int32

	dim       int
	sums      [][]float64 // per concept: sum of unit embeddings of its positives
	nEmb      []int64
	centroids [][]float32 // per concept: unit mean direction; nil without embeddings
	spread    []float64   // per concept: mean cosine of its positives' embeddings to its centroid

	// pos counts inputs positive for a concept directly or through a
	// descendant or synonym (up lists what a positive implies); neg and
	// conflicts count direct annotations.
	pos, neg, conflicts []int
	up                  [][]int32
	posTotal            int              // sum of pos
	confTotal           []int            // per concept: negatives for it on inputs positive for anything
	together            map[uint64]int32 // unordered pair (lo<<32|hi): inputs positive for both
	confused            map[uint64]int32 // ordered (a<<32|b): inputs positive for b, negative for a

	counter *Counter // the balance counts `curate report` shows, fed in the same pass
	report  *Report
	stats   map[string]*ConceptStats

	warn Warnings
}

func pairKey(a, b int32) uint64 {
	if a > b {
		a, b = b, a
	}
	return uint64(a)<<32 | uint64(b)
}

func orderedKey(a, b int32) uint64 { return uint64(a)<<32 | uint64(b) }

// AnalyzeOverlap reads r to the end in one pass: annotation batches give
// each input's concept states, and the inputs batches' embedding column,
// when present, gives per-concept centroids of positive inputs. An
// input's embedding counts for the positives read up to its batch, which
// for JSON and function sources (whose annotations arrive with their
// input) is all of them. opts nil means [DefaultOverlapOptions].
//
// Errors: the reader's error (for example embeddings of mixed dimensions,
// which the loader rejects), a cancelled ctx, or [ErrEmbeddingDim]. NaN and
// all-zero embeddings are skipped and counted in [Overlap.Warnings].
// Without embeddings the analysis may keep its inputs' labels in a
// temporary file (see the package docs, # Memory): Close it when done.
func AnalyzeOverlap(ctx context.Context, r *dataset.Reader, opts *OverlapOptions) (*Overlap, error) {
	o := &Overlap{
		together: map[uint64]int32{},
		confused: map[uint64]int32{},
	}
	if opts == nil {
		o.opt = DefaultOverlapOptions()
	} else {
		o.opt = *opts
	}
	// Embeddings are looked up by input id as they go by (the centroids)
	// and scored against the labels in a second pass: that takes every
	// id in memory, a Set. Without them a Stream's few bytes per input do.
	embeddings := hasEmbeddingColumn(r.InputSchema())
	if embeddings {
		o.counter = NewCounter(WithRules(o.opt.Rules), keepSet())
		o.set = o.counter.set
	} else {
		o.counter = NewCounter(WithRules(o.opt.Rules))
		o.stream = o.counter.stream
	}
	var unit []float32
	err := eachBatch(ctx, r, func(ann, inp arrow.Record, bare []string) error {
		if err := o.counter.AddIDs(bare); err != nil {
			return err
		}
		if ann != nil {
			if err := o.addAnnotations(ann); err != nil {
				return err
			}
		}
		if inp != nil {
			if !embeddings {
				if fsl, _, _ := embeddingColumn(inp); fsl != nil {
					return fmt.Errorf("balance: embeddings in a later batch of a source whose first had none")
				}
				return nil
			}
			var err error
			unit, err = o.addEmbeddings(inp, unit)
			return err
		}
		return nil
	})
	if err == nil {
		err = o.finish()
	}
	if err != nil {
		o.Close()
		return nil, fmt.Errorf("balance: reading source: %w", err)
	}
	return o, nil
}

// hasEmbeddingColumn reports whether inputs records of sch carry
// embeddings.
func hasEmbeddingColumn(sch *arrow.Schema) bool {
	idx := sch.FieldIndices(dataset.ColEmbedding)
	if len(idx) == 0 {
		return false
	}
	fsl, ok := sch.Field(idx[0]).Type.(*arrow.FixedSizeListType)
	return ok && fsl.Len() > 0
}

// Close releases the temporary file the analysis may keep its inputs'
// labels in; [Overlap.Suggest] cannot be called after it. The rest of
// the analysis stays usable.
func (o *Overlap) Close() error {
	if o.stream == nil {
		return nil
	}
	return o.stream.Close()
}

func (o *Overlap) finish() error {
	var res label.Result
	if o.set != nil {
		res = o.set.Result()
		o.inputs = o.set.Inputs()
		o.walker = o.set.Walker()
	} else {
		var err error
		if res, err = o.stream.Result(); err != nil {
			return err
		}
		o.inputs = o.stream.Inputs()
	}
	n := o.inputs.NumConcepts()
	o.concepts = make([]string, n)
	o.names = make([]string, n)
	o.cindex = make(map[string]int32, n)
	for c := range n {
		o.concepts[c] = o.inputs.ConceptID(c)
		o.names[c] = o.inputs.ConceptName(c)
		o.cindex[o.concepts[c]] = int32(c)
	}
	o.up = make([][]int32, n)
	for c := range n {
		o.up[c] = o.inputs.Up(c)
	}
	// The per-concept counts are the label core's, as in the report.
	o.pos = make([]int, n)
	o.neg = make([]int, n)
	o.conflicts = make([]int, n)
	o.confTotal = make([]int, n)
	for _, k := range res.Concepts {
		c := o.cindex[k.ID]
		o.pos[c], o.neg[c], o.conflicts[c] = k.Positives, k.Negatives, k.Conflicts
	}
	var posBuf, negBuf []int32
	err := o.inputs.Each(func(_ []byte, row []label.Entry) {
		if len(row) > 0 {
			o.annotated++
		}
		posBuf, negBuf = posBuf[:0], negBuf[:0]
		for _, e := range row {
			switch {
			case e.Flags.IsPositive():
				posBuf = append(posBuf, e.Concept)
			case e.Flags.IsNegative():
				negBuf = append(negBuf, e.Concept)
			}
		}
		for a := 0; a < len(posBuf); a++ {
			for b := a + 1; b < len(posBuf); b++ {
				o.together[pairKey(posBuf[a], posBuf[b])]++
			}
			for _, q := range negBuf {
				o.confused[orderedKey(q, posBuf[a])]++
				o.confTotal[q]++
			}
		}
	})
	if err != nil {
		return err
	}
	for _, p := range o.pos {
		o.posTotal += p
	}
	// A positive for husky is a positive for dog: descendants' embeddings
	// count for their ancestors' centroids.
	for len(o.sums) < n {
		o.sums = append(o.sums, nil)
		o.nEmb = append(o.nEmb, 0)
	}
	acc := make([][]float64, n)
	accN := make([]int64, n)
	for c, s := range o.sums {
		if s == nil {
			continue
		}
		for _, a := range append([]int32{int32(c)}, o.up[c]...) {
			if acc[a] == nil {
				acc[a] = make([]float64, len(s))
			}
			accN[a] += o.nEmb[c]
			for k, x := range s {
				acc[a][k] += x
			}
		}
	}
	o.centroids = make([][]float32, n)
	o.spread = make([]float64, n)
	for c, s := range acc {
		if s == nil {
			continue
		}
		var ss float64
		for _, x := range s {
			ss += x * x
		}
		if ss == 0 {
			continue
		}
		if accN[c] > 0 {
			o.spread[c] = math.Sqrt(ss) / float64(accN[c]) // |Σ unit| / n: the mean cosine to the centroid
		}
		inv := 1 / math.Sqrt(ss)
		cen := make([]float32, len(s))
		for k, x := range s {
			cen[k] = float32(x * inv)
		}
		o.centroids[c] = cen
	}
	o.sums = nil
	o.report = newReport(o.opt.Rules, res, o.counter.cfg.th)
	o.counter = nil
	o.stats = make(map[string]*ConceptStats, len(o.report.Concepts))
	for i := range o.report.Concepts {
		o.stats[o.report.Concepts[i].ConceptID] = &o.report.Concepts[i]
	}
	o.warn.UnknownRelationConcepts = res.UnknownRelations
	o.warn.SoftValues = int64(res.Totals.Soft)
	return nil
}

// Warnings returns the counts of skipped bad input.
func (o *Overlap) Warnings() Warnings { return o.warn }

// Concepts returns the ids of all annotated concepts, sorted.
func (o *Overlap) Concepts() []string {
	out := slices.Clone(o.concepts)
	slices.Sort(out)
	return out
}

// Inputs returns the number of inputs with at least one counted
// annotation.
func (o *Overlap) Inputs() int { return o.annotated }

// HasEmbeddings reports whether any concept has an embedding centroid.
func (o *Overlap) HasEmbeddings() bool {
	return o.dim > 0 && slices.ContainsFunc(o.centroids, func(c []float32) bool { return c != nil })
}

// Dim returns the embedding dimension seen (0 without embeddings).
func (o *Overlap) Dim() int { return o.dim }

// Report returns the balance report of the source, counted in the same
// pass with the same hierarchy and [Counter]'s defaults: the figures
// `curate report` shows. Deficits are computed from it.
func (o *Overlap) Report() *Report { return o.report }

// Counts returns the inputs positive for id, negative for it, and in
// conflict (both), as [Overlap.Report] counts them (through the
// hierarchy); zeros for an unknown concept.
func (o *Overlap) Counts(id string) (positives, negatives, conflicts int) {
	cs, ok := o.stats[id]
	if !ok {
		return 0, 0, 0
	}
	return cs.Positives, cs.Negatives, cs.Conflicts
}
