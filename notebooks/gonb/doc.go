// Package gonb holds curate's GoNB notebooks (*.ipynb) and the test that
// runs them the way GoNB would: see notebook_test.go. It has no API.
package gonb
