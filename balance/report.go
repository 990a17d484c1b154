package balance

import (
	"cmp"
	"fmt"
	"slices"

	"curate.dev/label"
)

// Status is a concept's verdict: can it be trained as it is?
type Status string

// Statuses, in order of precedence: a concept gets the first that applies.
const (
	// StatusConflicting: some input has both a positive and a negative
	// for the concept. Conflicts are data errors and come first.
	StatusConflicting Status = "conflicting"
	// StatusFewPositives: fewer positives than Thresholds.MinPositives, or
	// none at all; without enough positives a ratio means little.
	StatusFewPositives Status = "few-positives"
	// StatusNoNegatives: not a single explicit negative.
	StatusNoNegatives Status = "no-negatives"
	// StatusFewNegatives: negatives:positives below Thresholds.TargetRatio.
	StatusFewNegatives Status = "few-negatives"
	// StatusOK: none of the above.
	StatusOK Status = "ok"
)

// Statuses lists every status in order of precedence.
var Statuses = []Status{StatusConflicting, StatusFewPositives, StatusNoNegatives, StatusFewNegatives, StatusOK}

// ParseStatus returns the status named s.
func ParseStatus(s string) (Status, bool) {
	for _, st := range Statuses {
		if string(st) == s {
			return st, true
		}
	}
	return "", false
}

// Thresholds decide a concept's status.
type Thresholds struct {
	// TargetRatio is the lowest acceptable negatives:positives ratio.
	TargetRatio float64
	// MinPositives is the fewest acceptable positives.
	MinPositives int
}

// Status returns the status of cs under th (see [Status] for precedence).
func (th Thresholds) Status(cs *ConceptStats) Status {
	switch {
	case cs.Conflicts > 0:
		return StatusConflicting
	case cs.Positives < th.MinPositives || cs.Positives == 0:
		return StatusFewPositives
	case cs.Negatives == 0:
		return StatusNoNegatives
	case cs.Ratio < th.TargetRatio:
		return StatusFewNegatives
	}
	return StatusOK
}

// ConceptStats are one concept's counts over distinct inputs.
// Positives+Negatives+Conflicts+ImpliedNegatives+Unknown is the number of
// inputs in the report.
type ConceptStats struct {
	ConceptID   string
	ConceptName string // "" when no source named it
	// Positives: inputs whose annotations for the concept are all positive.
	Positives int
	// Negatives: inputs whose annotations for it are all negative.
	Negatives int
	// Conflicts: inputs with both a positive and a negative for it.
	Conflicts int
	// ImpliedNegatives: inputs with no annotation for it but a positive for
	// another concept; Clarifai's training treats them as negatives.
	ImpliedNegatives int
	// Unknown: the other inputs.
	Unknown int
	// ImplicitValues: annotations for it whose value the source omitted.
	ImplicitValues int
	// Ratio is Negatives/Positives, 0 when there are no positives.
	// Implied negatives are not in it: nobody chose them.
	Ratio  float64
	Status Status
	// PropagatedPositives and PropagatedNegatives count inputs whose
	// positive or negative for the concept came only through relations.
	PropagatedPositives int
	PropagatedNegatives int
}

// Summary totals a report.
type Summary struct {
	// Inputs: distinct inputs with at least one annotation (counted or
	// not), plus those without any ([Counter.AddIDs]); each counted once.
	Inputs int
	// Annotations: annotation rows counted (model rows left out are not).
	Annotations int
	// Concepts: concepts with at least one counted annotation.
	Concepts int
	// ImplicitValues: counted annotations whose value the source omitted.
	ImplicitValues int
	// Conflicts: (input, concept) pairs with both a positive and a negative.
	Conflicts int
	// ModelsExcluded: model and workflow annotations left out.
	ModelsExcluded int
	// PropagatedPositives, PropagatedNegatives: (input, concept) counts
	// that came only through relations.
	PropagatedPositives int
	PropagatedNegatives int
	// UnknownRelationConcepts: concepts named in relations that never
	// appear in the counted annotations.
	UnknownRelationConcepts int
}

// Report is the balance of a dataset. Concepts are sorted by ConceptID
// unless a method below re-orders them; Summary always covers all
// concepts.
type Report struct {
	Summary    Summary
	Concepts   []ConceptStats
	Thresholds Thresholds
	// ModelsIncluded is true when model annotations were counted, with
	// ModelThreshold splitting scores.
	ModelsIncluded bool
	ModelThreshold float32
	// Warnings explain things worth a look that are not errors.
	Warnings []string
}

// Report returns the counts so far. The Counter may go on counting; a
// later Report includes everything. It fails only when the Counter cannot
// read back what it spilled to its temporary file.
func (c *Counter) Report() (*Report, error) {
	if c.set != nil {
		return newReport(c.set.Rules(), c.set.Result(), c.cfg.th), nil
	}
	res, err := c.stream.Result()
	if err != nil {
		return nil, fmt.Errorf("balance: %w", err)
	}
	return newReport(c.stream.Rules(), res, c.cfg.th), nil
}

// newReport is the balance of a count by the label core ([label.Result]).
func newReport(rules label.Rules, res label.Result, th Thresholds) *Report {
	rep := &Report{
		Thresholds:     th,
		ModelsIncluded: rules.IncludeModels,
		Concepts:       make([]ConceptStats, len(res.Concepts)),
	}
	if rules.IncludeModels {
		rep.ModelThreshold = rules.ModelThreshold
		if rep.ModelThreshold == 0 {
			rep.ModelThreshold = label.DefaultModelThreshold
		}
	}
	rep.Summary = Summary{
		Inputs:         res.Inputs,
		Annotations:    res.Totals.Annotations,
		Concepts:       len(res.Concepts),
		ImplicitValues: res.Totals.Implicit,
		ModelsExcluded: res.Totals.Excluded,
	}
	if len(res.UnknownRelations) > 0 {
		rep.Summary.UnknownRelationConcepts = len(res.UnknownRelations)
		rep.Warnings = append(rep.Warnings, label.UnknownRelationsWarning(res.UnknownRelations))
	}
	for k, n := range res.Concepts {
		cs := &rep.Concepts[k]
		cs.ConceptID = n.ID
		cs.ConceptName = n.Name
		cs.Positives, cs.Negatives, cs.Conflicts = n.Positives, n.Negatives, n.Conflicts
		cs.ImpliedNegatives, cs.Unknown = n.ImpliedNegatives, n.Unknown
		cs.ImplicitValues = n.Implicit
		cs.PropagatedPositives, cs.PropagatedNegatives = n.ViaPositives, n.ViaNegatives
		if cs.Positives > 0 {
			cs.Ratio = float64(cs.Negatives) / float64(cs.Positives)
		}
		cs.Status = rep.Thresholds.Status(cs)
		rep.Summary.Conflicts += cs.Conflicts
		rep.Summary.PropagatedPositives += cs.PropagatedPositives
		rep.Summary.PropagatedNegatives += cs.PropagatedNegatives
	}
	return rep
}

// SortKey orders a report's concepts.
type SortKey string

// Sort keys. Name sorts by display name (the id when unnamed), ascending;
// positives and negatives descending; ratio ascending (the most short of
// negatives first); status by precedence, worst first. Ties go by name.
const (
	SortName      SortKey = "name"
	SortPositives SortKey = "positives"
	SortNegatives SortKey = "negatives"
	SortRatio     SortKey = "ratio"
	SortStatus    SortKey = "status"
)

// SortKeys lists the valid sort keys.
var SortKeys = []SortKey{SortName, SortPositives, SortNegatives, SortRatio, SortStatus}

// Name returns the concept's display name: its name, or its id.
func (cs *ConceptStats) Name() string {
	if cs.ConceptName != "" {
		return cs.ConceptName
	}
	return cs.ConceptID
}

// Sorted returns a copy of r with its concepts ordered by key. An unknown
// key is an error.
func (r *Report) Sorted(key SortKey) (*Report, error) {
	byName := func(a, b *ConceptStats) int {
		return cmp.Or(naturalCompare(a.Name(), b.Name()), naturalCompare(a.ConceptID, b.ConceptID))
	}
	rank := func(s Status) int { return slices.Index(Statuses, s) }
	var f func(a, b *ConceptStats) int
	switch key {
	case SortName:
		f = byName
	case SortPositives:
		f = func(a, b *ConceptStats) int { return cmp.Compare(b.Positives, a.Positives) }
	case SortNegatives:
		f = func(a, b *ConceptStats) int { return cmp.Compare(b.Negatives, a.Negatives) }
	case SortRatio:
		f = func(a, b *ConceptStats) int { return cmp.Compare(a.Ratio, b.Ratio) }
	case SortStatus:
		f = func(a, b *ConceptStats) int { return cmp.Compare(rank(a.Status), rank(b.Status)) }
	default:
		return nil, fmt.Errorf("balance: unknown sort key %q", key)
	}
	out := r.withConcepts(slices.Clone(r.Concepts))
	slices.SortStableFunc(out.Concepts, func(a, b ConceptStats) int { return cmp.Or(f(&a, &b), byName(&a, &b)) })
	return out, nil
}

// Top returns a copy of r with only its first n concepts (n <= 0: all).
func (r *Report) Top(n int) *Report {
	if n <= 0 || n >= len(r.Concepts) {
		return r.withConcepts(slices.Clone(r.Concepts))
	}
	return r.withConcepts(slices.Clone(r.Concepts[:n]))
}

// Select returns a copy of r with only the concepts whose id or name is in
// ids, in r's order, and the entries of ids that matched none.
func (r *Report) Select(ids []string) (*Report, []string) {
	want := map[string]bool{} // id or name -> matched
	for _, id := range ids {
		want[id] = false
	}
	var keep []ConceptStats
	for _, cs := range r.Concepts {
		matched := false
		for _, key := range []string{cs.ConceptID, cs.ConceptName} {
			if _, ok := want[key]; ok && key != "" {
				want[key] = true
				matched = true
			}
		}
		if matched {
			keep = append(keep, cs)
		}
	}
	var missing []string
	for _, id := range ids {
		if !want[id] {
			missing = append(missing, id)
		}
	}
	return r.withConcepts(keep), missing
}

// ConceptsWith returns the ids of the concepts that have one of the
// statuses, in r's order.
func (r *Report) ConceptsWith(statuses ...Status) []string {
	var ids []string
	for _, cs := range r.Concepts {
		if slices.Contains(statuses, cs.Status) {
			ids = append(ids, cs.ConceptID)
		}
	}
	return ids
}

func (r *Report) withConcepts(cs []ConceptStats) *Report {
	out := *r
	out.Concepts = cs
	out.Warnings = slices.Clone(r.Warnings)
	return &out
}
