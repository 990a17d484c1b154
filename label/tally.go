package label

// Counts are one concept's label counts over distinct inputs, after the
// closure. Positives + Negatives + Conflicts + ImpliedNegatives + Unknown
// is the number of inputs counted.
type Counts struct {
	// Positives: inputs positive for the concept and not negative.
	Positives int
	// Negatives: inputs negative for it and not positive.
	Negatives int
	// Conflicts: inputs both positive and negative for it.
	Conflicts int
	// ImpliedNegatives: inputs with no label for it but a positive (or a
	// conflict) for another concept; Clarifai's training treats these as
	// negatives.
	ImpliedNegatives int
	// Unknown: the other inputs (no label for it, no positive at all).
	Unknown int
	// ViaPositives, ViaNegatives: inputs whose positive, or negative, for
	// the concept came only through relations (counted in Positives,
	// Negatives or Conflicts too).
	ViaPositives int
	ViaNegatives int
}

// Known returns the inputs with a label for the concept that is not a
// conflict: Positives + Negatives.
func (c Counts) Known() int { return c.Positives + c.Negatives }

// Tally counts, for every concept of s, the inputs i for which keep(i) is
// true (nil: every input). It is the one count behind the balance report,
// the stats export and the overlap analysis.
func (s *Set) Tally(keep func(i int) bool) (inputs int, counts []Counts) {
	n := len(s.conceptID)
	counts = make([]Counts, n)
	annInPos := make([]int, n) // inputs with a positive that carry the concept
	withPos := 0
	w := s.Walker()
	for i := range s.spans {
		if keep != nil && !keep(i) {
			continue
		}
		inputs++
		row := w.Row(i)
		hasPos := false
		for _, e := range row {
			c := &counts[e.Concept]
			switch {
			case e.Flags.IsPositive():
				c.Positives++
				hasPos = true
			case e.Flags.IsNegative():
				c.Negatives++
			default:
				c.Conflicts++
				hasPos = true
			}
			if e.Flags&ViaPositive != 0 {
				c.ViaPositives++
			}
			if e.Flags&ViaNegative != 0 {
				c.ViaNegatives++
			}
		}
		if hasPos {
			withPos++
			for _, e := range row {
				annInPos[e.Concept]++
			}
		}
	}
	for k := range counts {
		c := &counts[k]
		c.ImpliedNegatives = withPos - annInPos[k]
		c.Unknown = inputs - c.Positives - c.Negatives - c.Conflicts - c.ImpliedNegatives
	}
	return inputs, counts
}
