package main

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestVersionMatchesBuild holds "curate --version" to what the Go tool
// reads from the same binary: the module version and, when the build was
// stamped from git, the commit.
func TestVersionMatchesBuild(t *testing.T) {
	out, err := exec.Command(curateBin, "--version").Output()
	require.NoError(t, err)
	got := string(out)
	meta, err := exec.Command("go", "version", "-m", curateBin).Output()
	require.NoError(t, err)
	var mod, rev string
	for _, line := range strings.Split(string(meta), "\n") {
		f := strings.Fields(line)
		switch {
		case len(f) >= 3 && f[0] == "mod" && f[1] == "curate.dev":
			mod = f[2]
		case len(f) >= 2 && f[0] == "build" && strings.HasPrefix(f[1], "vcs.revision="):
			rev = strings.TrimPrefix(f[1], "vcs.revision=")
		}
	}
	require.NotEmpty(t, mod, "go version -m names the module")
	assert.True(t, strings.HasPrefix(got, "curate "+mod), "got %q, module version %s", got, mod)
	if rev != "" {
		assert.Contains(t, got, "commit "+rev)
	} else {
		assert.NotContains(t, got, "commit", "no commit claimed for an unstamped build")
	}
}
