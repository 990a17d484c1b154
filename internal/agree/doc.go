// Package agree holds curate's differential tests: on random datasets
// with a hierarchy, synonyms, conflicts, soft values, model scores, inputs
// repeated across lines and files, and inputs without labels, every road to
// a per-concept count (the balance report, the stats and training exports,
// the overlap analysis, the suggestions' summary) must give the same
// number, and that number must equal a straightforward count written in
// the test itself. It has no code of its own outside the tests.
//
// The large run is behind an environment variable:
//
//	CURATE_AGREE_INPUTS=1000000 go test ./internal/agree -run TestAgreeLarge -v
package agree
