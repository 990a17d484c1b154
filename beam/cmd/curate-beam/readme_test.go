package main

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"curate.dev/beam/third_party/prism"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"curate.dev/internal/testutil"
)

func TestMain(m *testing.M) {
	code := m.Run()
	testutil.RemoveCurate()
	os.Exit(code)
}

// notRun lists the README lines of curate-beam's blocks that the test
// does not run, each with why.
var notRun = []struct {
	re  *regexp.Regexp
	why string
}{
	{regexp.MustCompile(`^\(cd beam && go install ./cmd/curate-beam\)`), "the test builds curate-beam from this checkout and puts it on PATH"},
	{regexp.MustCompile(`--runner dataflow (--project|--region)\b`), "runs on Google Cloud Dataflow: needs a Google Cloud project (the --dry_run line before it runs)"},
	{regexp.MustCompile(`^docker run\b`), "starts Beam's Flink or Spark job server: needs Docker, the image and a cluster; the test starts Prism's job server, which serves the same Job API, in its place"},
	{regexp.MustCompile(`--environment_type DOCKER\b`), "runs the SDK's workers in Docker on a cluster's machines, reading Cloud Storage"},
}

// jobServerPort is the job server port the README's portable commands
// name (Flink's and Spark's job servers default to it).
const jobServerPort = "localhost:8099"

// beamBlocks returns the ```sh blocks of the README that a
// "beam-workflow" comment puts in this test's charge, with their lines.
func beamBlocks(t *testing.T, path string) map[int][]string {
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	out := map[int][]string{}
	cur, prev := -1, ""
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		l := sc.Text()
		switch {
		case cur < 0 && strings.HasPrefix(l, "```sh") && strings.HasPrefix(prev, "<!-- beam-workflow: TestREADMEBeam"):
			cur = n
			out[cur] = []string{}
		case cur >= 0 && strings.HasPrefix(l, "```"):
			cur = -1
		case cur >= 0:
			out[cur] = append(out[cur], l)
		}
		prev = l
	}
	require.NoError(t, sc.Err())
	return out
}

// TestREADMEBeam runs the commands of the README's "Beyond one machine"
// blocks as a user types them: curate-beam and curate built from this
// checkout on PATH, the example data in a sandbox, the portable runner's
// commands sent to a Prism job server on the port they name.
func TestREADMEBeam(t *testing.T) {
	if testing.Short() {
		t.Skip("builds curate and curate-beam and runs the README's Beam commands")
	}
	root, err := filepath.Abs("../../..")
	require.NoError(t, err)
	bin := t.TempDir()
	build := exec.Command("go", "build", "-o", filepath.Join(bin, "curate-beam"), ".")
	out, err := build.CombinedOutput()
	require.NoError(t, err, "%s", out)
	curate := testutil.Curate(t)
	env := append(os.Environ(), "PATH="+bin+string(os.PathListSeparator)+filepath.Dir(curate)+string(os.PathListSeparator)+os.Getenv("PATH"))

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	endpoint := startJobServer(t, ctx)

	blocks := beamBlocks(t, filepath.Join(root, "README.md"))
	require.Len(t, blocks, 2)
	skipped := map[string]int{}
	ran := 0
	for line, lines := range blocks {
		t.Run("README.md:"+strconv.Itoa(line), func(t *testing.T) {
			dir := t.TempDir()
			require.NoError(t, os.MkdirAll(filepath.Join(dir, "tmp"), 0o755))
			require.NoError(t, os.CopyFS(filepath.Join(dir, "examples"), os.DirFS(filepath.Join(root, "examples"))))
			var sb strings.Builder
			sb.WriteString("set -euo pipefail\n")
		next:
			for _, l := range lines {
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
				cmd = strings.ReplaceAll(cmd, jobServerPort, endpoint)
				cmd = strings.ReplaceAll(cmd, "/tmp/", "$SANDBOX_TMP/")
				sb.WriteString("echo '+ " + strings.ReplaceAll(cmd, "'", `'\''`) + "' >&2\n")
				sb.WriteString(cmd + "\n")
				ran++
			}
			rctx, rcancel := context.WithTimeout(ctx, 5*time.Minute)
			defer rcancel()
			c := exec.CommandContext(rctx, "bash", "-c", sb.String())
			c.Dir = dir
			c.Env = append(env, "SANDBOX_TMP="+filepath.Join(dir, "tmp"))
			var stderr bytes.Buffer
			c.Stdout = io.Discard
			c.Stderr = &stderr
			if err := c.Run(); err != nil {
				t.Fatalf("the block at README.md:%d fails: %v\n%s", line, err, stderr.String())
			}
		})
	}
	for why, n := range skipped {
		t.Logf("not run (%d line(s)): %s", n, why)
	}
	assert.GreaterOrEqual(t, ran, 8, "the README's curate-beam commands ran")
}

// startJobServer starts Prism's job server, the Job API that Flink's and
// Spark's job servers serve too, and returns its address.
func startJobServer(t *testing.T, ctx context.Context) string {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	port := lis.Addr().(*net.TCPAddr).Port
	require.NoError(t, lis.Close())
	addr, stop, err := prism.StartJobServer(port)
	require.NoError(t, err)
	t.Cleanup(stop)
	return addr
}
