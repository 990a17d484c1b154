package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"curate.dev/internal/synth"
)

// curateBin is the curate binary built once for the tests that run it as
// a separate process.
var curateBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "curate-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	curateBin = filepath.Join(dir, "curate")
	if out, err := exec.Command("go", "build", "-o", curateBin, ".").CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "go build: %v\n%s", err, out)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// crashFixture writes a synthetic source of n inputs and a suggestions
// file with a "not wolf" for every tenth input.
func crashFixture(t *testing.T, dir string, n int) (src, sugg string) {
	t.Helper()
	cfg := synth.DefaultConfig()
	cfg.Inputs = n
	w, err := synth.New(cfg)
	require.NoError(t, err)
	var buf bytes.Buffer
	require.NoError(t, w.WriteJSONL(context.Background(), &buf))
	src = filepath.Join(dir, "animals.jsonl")
	require.NoError(t, os.WriteFile(src, buf.Bytes(), 0o644))

	var s strings.Builder
	for i := 0; i < n; i += 10 {
		fmt.Fprintf(&s, `{"input_id":%q,"concept_id":"wolf","value":0,"score":0.5,"reason":"test"}`+"\n", w.InputID(i))
	}
	sugg = filepath.Join(dir, "sugg.jsonl")
	require.NoError(t, os.WriteFile(sugg, []byte(s.String()), 0o644))
	return src, sugg
}

// TestApplyCrashLeavesWholeFile kills a running "curate apply" at random
// moments and checks that the source is always byte-identical to the old
// or the complete new content, and that anything else left behind is
// named as a temporary file.
func TestApplyCrashLeavesWholeFile(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the binary many times")
	}
	dir := t.TempDir()
	src, sugg := crashFixture(t, dir, 120_000)
	old, err := os.ReadFile(src)
	require.NoError(t, err)

	// The complete new content, and how long a whole run takes.
	newPath := filepath.Join(t.TempDir(), "new.jsonl")
	start := time.Now()
	out, err := exec.Command(curateBin, "apply", src, "--suggestions", sugg, "--out", newPath).CombinedOutput()
	require.NoError(t, err, "%s", out)
	full := time.Since(start)
	newData, err := os.ReadFile(newPath)
	require.NoError(t, err)
	require.NotEqual(t, old, newData, "the suggestions must change the file")
	oldSum, newSum := sha256.Sum256(old), sha256.Sum256(newData)

	tempName := regexp.MustCompile(`^\.animals\.jsonl\.[0-9a-f]+\.tmp$|^animals\.jsonl\.bak\.tmp$|^\.animals\.jsonl\.lock$`)
	rng := rand.New(rand.NewPCG(1, 2))
	deadline := time.Now().Add(60 * time.Second)
	var sawOld, sawNew, sawTemp int
	for iter := 0; iter < 20 && time.Now().Before(deadline); iter++ {
		require.NoError(t, os.WriteFile(src, old, 0o644))
		args := []string{"apply", src, "--suggestions", sugg}
		if iter%2 == 1 {
			args = append(args, "--backup")
		}
		cmd := exec.Command(curateBin, args...)
		require.NoError(t, cmd.Start())
		time.Sleep(time.Duration(rng.Int64N(int64(full) * 5 / 2)))
		_ = cmd.Process.Signal(syscall.SIGKILL)
		_ = cmd.Wait()

		got, err := os.ReadFile(src)
		require.NoError(t, err)
		switch sha256.Sum256(got) {
		case oldSum:
			sawOld++
		case newSum:
			sawNew++
		default:
			t.Fatalf("iteration %d: %s is neither the old nor the new content (%d bytes)", iter, src, len(got))
		}
		ents, err := os.ReadDir(dir)
		require.NoError(t, err)
		for _, e := range ents {
			name := e.Name()
			switch {
			case name == "animals.jsonl" || name == "sugg.jsonl":
			case name == "animals.jsonl.bak":
				bak, err := os.ReadFile(filepath.Join(dir, name))
				require.NoError(t, err)
				assert.True(t, bytes.Equal(old, bak), "iteration %d: the backup is not the old content", iter)
				require.NoError(t, os.Remove(filepath.Join(dir, name)))
			case tempName.MatchString(name):
				sawTemp++ // left for the next run to clean
			default:
				t.Errorf("iteration %d: unexpected file %q after a crash", iter, name)
			}
		}
	}
	t.Logf("whole run %v; after a kill: old %d, new %d times; %d temporary files cleaned", full, sawOld, sawNew, sawTemp)

	// A run that is not interrupted finishes the job and cleans what the
	// killed runs left.
	require.NoError(t, os.WriteFile(src, old, 0o644))
	out, err = exec.Command(curateBin, "apply", src, "--suggestions", sugg).CombinedOutput()
	require.NoError(t, err, "%s", out)
	got, err := os.ReadFile(src)
	require.NoError(t, err)
	assert.True(t, bytes.Equal(newData, got))
	ents, err := os.ReadDir(dir)
	require.NoError(t, err)
	for _, e := range ents {
		assert.Contains(t, []string{"animals.jsonl", "sugg.jsonl", "animals.jsonl.bak"}, e.Name(), "left after a clean run")
	}
}

// TestApplyBinaryDryRun checks the real binary's dry run end to end:
// counts per concept, the first changes, and no file written.
func TestApplyBinaryDryRun(t *testing.T) {
	dir := t.TempDir()
	src, sugg := crashFixture(t, dir, 200)
	before, err := os.ReadFile(src)
	require.NoError(t, err)
	out, err := exec.Command(curateBin, "apply", src, "--suggestions", sugg, "--dry-run", "--show", "2").CombinedOutput()
	require.NoError(t, err, "%s", out)
	sc := bufio.NewScanner(bytes.NewReader(out))
	var lines []string
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	require.NotEmpty(t, lines)
	assert.Equal(t, "concept\tadded\tupdated\tpresent\tskipped\trefused", lines[0])
	assert.Regexp(t, `^wolf\t\d+\t0\t\d+\t0\t\d+$`, lines[1])
	assert.Contains(t, string(out), "first 2 change(s):")
	assert.Contains(t, string(out), "dry run: would write")
	after, err := os.ReadFile(src)
	require.NoError(t, err)
	assert.Equal(t, before, after)
	ents, err := os.ReadDir(dir)
	require.NoError(t, err)
	assert.Len(t, ents, 2)
}
