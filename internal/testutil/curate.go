package testutil

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
)

var (
	curateOnce sync.Once
	curatePath string
	curateErr  error
)

// Curate builds the curate command from this checkout once per test
// binary and returns the binary's path, for tests that run curate as a
// user does. Call RemoveCurate from TestMain after m.Run to delete it.
func Curate(t testing.TB) string {
	t.Helper()
	curateOnce.Do(func() {
		dir, err := os.MkdirTemp("", "curate-test-bin-")
		if err != nil {
			curateErr = err
			return
		}
		curatePath = filepath.Join(dir, "curate")
		// Built in curate's own module (this file's), so that a test in
		// another module (bench/) builds it with curate's go.sum.
		_, self, _, _ := runtime.Caller(0)
		cmd := exec.Command("go", "build", "-o", curatePath, "./cmd/curate")
		cmd.Dir = filepath.Join(filepath.Dir(self), "..", "..")
		if out, err := cmd.CombinedOutput(); err != nil {
			curateErr = fmt.Errorf("go build ./cmd/curate: %v\n%s", err, out)
		}
	})
	if curateErr != nil {
		t.Fatal(curateErr)
	}
	return curatePath
}

// RemoveCurate deletes the binary Curate built, if any.
func RemoveCurate() {
	if curatePath != "" {
		os.RemoveAll(filepath.Dir(curatePath))
	}
}
