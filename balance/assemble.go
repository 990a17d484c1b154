package balance

import "curate.dev/label"

// NewReport returns the balance report of a count the label core made
// elsewhere, such as the sum of partial counts from many workers
// (label.Assemble): the report a [Counter] over the same rows gives.
func NewReport(rules label.Rules, res label.Result, th Thresholds) *Report {
	return newReport(rules, res, th)
}

// DefaultThresholds are the thresholds a [Counter] uses without options.
func DefaultThresholds() Thresholds {
	return Thresholds{TargetRatio: DefaultTargetRatio, MinPositives: DefaultMinPositives}
}
