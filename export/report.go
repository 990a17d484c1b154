package export

import "math"

// SplitReport compares a split with its targets: for each concept and
// split, how far the split's share of the concept's positives is from the
// split's target share.
type SplitReport struct {
	Splits   []Fraction
	Concepts []string
	// Positives[c] is concept c's positive count over all inputs.
	Positives []int64
	// Inputs[j] is the number of inputs in split j.
	Inputs []int64
	// Counts[c][j] is concept c's positives in split j.
	Counts [][]int64
	// Deviation[c][j] = Counts[c][j]/Positives[c] - Splits[j].Share (0
	// when the concept has no positives).
	Deviation [][]float64
}

// MeanAbsDeviation averages |Deviation| over concepts with positives and
// all splits.
func (r *SplitReport) MeanAbsDeviation() float64 {
	sum, n := 0.0, 0
	for c, row := range r.Deviation {
		if r.Positives[c] == 0 {
			continue
		}
		for _, d := range row {
			sum += math.Abs(d)
			n++
		}
	}
	if n == 0 {
		return 0
	}
	return sum / float64(n)
}

// MaxAbsDeviation is the largest |Deviation|.
func (r *SplitReport) MaxAbsDeviation() float64 {
	m := 0.0
	for _, row := range r.Deviation {
		for _, d := range row {
			m = math.Max(m, math.Abs(d))
		}
	}
	return m
}

// NewSplitReport measures assign (one split index per input) against splits.
func NewSplitReport(l *Labels, splits []Fraction, assign []int8) *SplitReport {
	k := len(splits)
	nC := len(l.Concepts)
	r := &SplitReport{
		Splits: splits, Concepts: l.Concepts,
		Positives: make([]int64, nC), Inputs: make([]int64, k),
		Counts: make([][]int64, nC), Deviation: make([][]float64, nC),
	}
	flat := make([]int64, nC*k)
	var buf []int32
	for i := 0; i < l.NumInputs(); i++ {
		j := int(assign[i])
		r.Inputs[j]++
		buf = l.positives(i, buf)
		for _, c := range buf {
			flat[int(c)*k+j]++
			r.Positives[c]++
		}
	}
	dev := make([]float64, nC*k)
	for c := 0; c < nC; c++ {
		r.Counts[c] = flat[c*k : c*k+k : c*k+k]
		r.Deviation[c] = dev[c*k : c*k+k : c*k+k]
		if r.Positives[c] == 0 {
			continue
		}
		for j := range splits {
			r.Deviation[c][j] = float64(r.Counts[c][j])/float64(r.Positives[c]) - splits[j].Share
		}
	}
	return r
}
