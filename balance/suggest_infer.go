package balance

import (
	"fmt"
	"slices"
	"strings"

	"curate.dev/dataset"
)

// inferredVetoes holds what [Overlap.InferRelations] implies for
// suggestions: for each concept, the concepts likely to be its kinds,
// parents or synonyms, directly or through the hierarchy, whose positives
// are never its negatives.
type inferredVetoes struct {
	rels  []InferredRelation
	byKey map[uint64]int // unordered pair -> index into rels
	near  []bitset       // concept -> concepts related through inferred and given links
}

// newInferredVetoes infers relations and closes them, together with the
// hierarchy's links, over kinds of kinds.
func (o *Overlap) newInferredVetoes() *inferredVetoes {
	n := len(o.concepts)
	v := &inferredVetoes{rels: o.InferRelations(nil), byKey: map[uint64]int{}, near: make([]bitset, n)}
	if len(v.rels) == 0 {
		return v
	}
	up := make([][]int32, n) // concept -> what it is a kind or another name of
	for c := range o.up {
		up[c] = slices.Clone(o.up[c])
	}
	for i, r := range v.rels {
		a, b := o.cindex[r.Subject], o.cindex[r.Object]
		v.byKey[pairKey(a, b)] = i
		up[a] = append(up[a], b)
		if r.Predicate == dataset.Synonym {
			up[b] = append(up[b], a)
		}
	}
	down := make([][]int32, n)
	for c, ps := range up {
		for _, p := range ps {
			down[p] = append(down[p], int32(c))
		}
	}
	stack := []int32{}
	walk := func(set bitset, start int32, edges [][]int32) {
		stack = append(stack[:0], start)
		for len(stack) > 0 {
			c := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			for _, x := range edges[c] {
				if !set.has(x) {
					set.set(x)
					stack = append(stack, x)
				}
			}
		}
	}
	for c := range v.near {
		set := newBitset(n)
		walk(set, int32(c), up)
		walk(set, int32(c), down)
		v.near[c] = set
	}
	return v
}

// vetoes reports whether positives for src are ruled out as negatives for
// tgt by an inferred relation.
func (v *inferredVetoes) vetoes(tgt, src int32) bool {
	return v != nil && v.near[tgt] != nil && tgt != src && v.near[tgt].has(src)
}

// leftOutNote is the sentence added to the reasons of a concept's
// suggestions when sources were left out.
func leftOutNote(ids []string) string {
	return fmt.Sprintf("not drawn from %s: likely sub-types, parents or synonyms (see curate relations infer)", strings.Join(ids, ", "))
}

// marginOK reports whether an input's embedding is closer to the centroid
// of one of its own positives than to the target's: one that is not is
// a likely false negative (an unlabelled or mislabelled target) and is
// not suggested. own is the best cosine to its positives' centroids, NaN
// when none has a centroid.
func marginOK(target, own float64) bool { return own != own || target < own }
