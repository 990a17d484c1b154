package cli

import (
	"cmp"
	"slices"
	"strings"

	"curate.dev/balance"
)

// verdictOrder is the order `curate overlap` shows verdicts in: the pairs
// that give hard negatives first, then those that must never be negatives
// for each other, then the hierarchy and the rest.
var verdictOrder = []balance.Verdict{balance.VerdictOverlapping, balance.VerdictCooccurring, balance.VerdictRelated, balance.VerdictExclusive}

// parseVerdicts reads --verdict.
func parseVerdicts(given []string) ([]balance.Verdict, error) {
	var out []balance.Verdict
	for _, g := range given {
		v := balance.Verdict(strings.TrimSpace(g))
		if !slices.Contains(verdictOrder, v) {
			return nil, flagErrorf("--verdict: unknown verdict %q (want overlapping, co-occurring, related or exclusive)", g)
		}
		out = append(out, v)
	}
	return out, nil
}

// selectPairs keeps the pairs with one of the verdicts (all when none),
// orders them by verdict in verdictOrder and, within a verdict, as given
// (strongest overlap first), and keeps the first top (0: all). pairs is
// not modified.
func selectPairs(pairs []balance.Pair, verdicts []balance.Verdict, top int) []balance.Pair {
	out := make([]balance.Pair, 0, len(pairs))
	for _, p := range pairs {
		if len(verdicts) == 0 || slices.Contains(verdicts, p.Verdict) {
			out = append(out, p)
		}
	}
	slices.SortStableFunc(out, func(x, y balance.Pair) int {
		return cmp.Compare(slices.Index(verdictOrder, x.Verdict), slices.Index(verdictOrder, y.Verdict))
	})
	if top > 0 && len(out) > top {
		out = out[:top]
	}
	return out
}
