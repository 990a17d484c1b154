// Package readme runs every command README.md shows, as written, the way a
// user would: each ```sh block in a fresh folder holding the example data,
// with a curate binary built from this checkout on PATH and, for the
// commands that name a Clarifai app, the in-repo test server behind TLS on
// loopback. Lines that install software from elsewhere or run the test
// suite itself are listed in the test with the reason they are not run.
//
//	go test ./internal/readme
package readme
