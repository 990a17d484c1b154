package readme_test

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"curate.dev/internal/testutil"
)

// notRun lists the README lines the test does not run, each with why.
var notRun = []struct {
	re  *regexp.Regexp
	why string
}{
	{regexp.MustCompile(`^go test\b`), "a test command: CI runs the suite itself"},
	{regexp.MustCompile(`^go (build|install) .*\./cmd/curate`), "the test builds curate from this checkout and puts it on PATH"},
	{regexp.MustCompile(`^(pip install|go install github\.com/janpfeifer/gonb|go install golang\.org/x/tools|gonb --install|jupyter )`), "installs Jupyter and GoNB from outside, which CI cannot fetch; the notebooks run under go test ./notebooks/gonb"},
	{regexp.MustCompile(`^export CLARIFAI_PAT=`), "the test sets CLARIFAI_PAT to its test server's key"},
	{regexp.MustCompile(`^curate review\b`), "serves its page until interrupted: review.TestBrowserReview runs the README's review workflow with the page driven in headless Chromium"},
}

// block is one ```sh block of the README.
type block struct {
	line  int // of the opening fence
	lines []string
	// runElsewhere: the line before the fence says another test runs the
	// block (an HTML comment naming it), as the review workflow, whose
	// page only a browser can drive.
	runElsewhere bool
	// beam: the block's commands run curate-beam, which the beam module
	// builds and its TestREADMEBeam runs (beam/cmd/curate-beam).
	beam bool
}

func readBlocks(t *testing.T, path string) []block {
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	var out []block
	var cur *block
	prev := ""
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		l := sc.Text()
		switch {
		case cur == nil && strings.HasPrefix(l, "```sh"):
			cur = &block{line: n, runElsewhere: strings.HasPrefix(prev, "<!-- review-workflow: TestBrowserReview runs"),
				beam: strings.HasPrefix(prev, "<!-- beam-workflow: TestREADMEBeam")}
		case cur != nil && strings.HasPrefix(l, "```"):
			out = append(out, *cur)
			cur = nil
		case cur != nil:
			cur.lines = append(cur.lines, l)
		}
		prev = l
	}
	require.NoError(t, sc.Err())
	return out
}

// script turns a block into a bash script: continuation lines joined,
// lines in notRun left out (and counted), `go run ./cmd/curate` and
// /tmp/curate run the built binary, /tmp is the sandbox's.
func script(b block, skipped map[string]int) string {
	var joined []string
	acc := ""
	for _, l := range b.lines {
		if strings.HasSuffix(l, "\\") {
			acc += strings.TrimSuffix(l, "\\") + " "
			continue
		}
		joined = append(joined, acc+l)
		acc = ""
	}
	var sb strings.Builder
	sb.WriteString("set -euo pipefail\n")
next:
	for _, l := range joined {
		cmd := strings.TrimSpace(l)
		if cmd == "" || strings.HasPrefix(cmd, "#") {
			continue
		}
		for _, s := range notRun {
			if s.re.MatchString(cmd) {
				skipped[s.why]++
				continue next
			}
		}
		cmd = strings.ReplaceAll(cmd, "go run ./cmd/curate", "curate")
		cmd = strings.ReplaceAll(cmd, "/tmp/curate ", "curate ")
		cmd = strings.ReplaceAll(cmd, "/tmp/", "$SANDBOX_TMP/")
		cmd = regexp.MustCompile(`(^|\s)/tmp(\s|$)`).ReplaceAllString(cmd, "${1}$$SANDBOX_TMP${2}")
		sb.WriteString("echo '+ " + strings.ReplaceAll(cmd, "'", `'\''`) + "' >&2\n")
		sb.WriteString(cmd + "\n")
	}
	return sb.String()
}

func TestMain(m *testing.M) {
	code := m.Run()
	testutil.RemoveCurate()
	os.Exit(code)
}

func TestREADMECommands(t *testing.T) {
	if testing.Short() {
		t.Skip("builds curate and runs every README command")
	}
	root, err := filepath.Abs("../..")
	require.NoError(t, err)
	bin := filepath.Dir(testutil.Curate(t))

	env := append(os.Environ(), "PATH="+bin+string(os.PathListSeparator)+os.Getenv("PATH"))
	env = append(env, clarifaiEnv(t, root)...)

	skipped := map[string]int{}
	for _, b := range readBlocks(t, filepath.Join(root, "README.md")) {
		if b.runElsewhere {
			skipped["the review workflow: review.TestBrowserReview runs it, driving the page in headless Chromium"] += len(b.lines)
			continue
		}
		if b.beam {
			skipped["curate-beam's blocks: the beam module (its own Go module) builds curate-beam and TestREADMEBeam runs them"] += len(b.lines)
			continue
		}
		sc := script(b, skipped)
		t.Run("README.md:"+strconv.Itoa(b.line), func(t *testing.T) {
			dir := sandbox(t, root)
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
			defer cancel()
			cmd := exec.CommandContext(ctx, "bash", "-c", sc)
			cmd.Dir = dir
			cmd.Env = append(env, "SANDBOX_TMP="+filepath.Join(dir, "tmp"))
			var stderr bytes.Buffer
			cmd.Stdout = io.Discard
			cmd.Stderr = &stderr
			if err := cmd.Run(); err != nil {
				t.Fatalf("the block at README.md:%d fails: %v\n%s", b.line, err, stderr.String())
			}
		})
	}
	for why, n := range skipped {
		t.Logf("not run (%d line(s)): %s", n, why)
	}
}

// sandbox makes a folder holding the example data under the names the
// README's commands use.
func sandbox(t *testing.T, root string) string {
	dir := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "tmp"), 0o755))
	require.NoError(t, os.CopyFS(filepath.Join(dir, "examples"), os.DirFS(filepath.Join(root, "examples"))))
	data, err := os.ReadFile(filepath.Join(root, "examples", "animals.jsonl"))
	require.NoError(t, err)
	rels, err := os.ReadFile(filepath.Join(root, "examples", "relations.jsonl"))
	require.NoError(t, err)
	for name, b := range map[string][]byte{"animals.jsonl": data, "data.jsonl": data, "labels.jsonl": data, "relations.jsonl": rels} {
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), b, 0o644))
	}
	return dir
}
