package review_test

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"curate.dev/internal/testutil"
)

var update = flag.Bool("update", false, "rewrite docs/review.png from the browser test")

// curate is the curate binary built from this checkout, once.
func curate(t *testing.T) string { return testutil.Curate(t) }

func TestMain(m *testing.M) {
	code := m.Run()
	testutil.RemoveCurate()
	os.Exit(code)
}

// run runs curate and returns its standard output.
func run(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command(curate(t), args...)
	cmd.Dir = dir
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	require.NoError(t, err, "curate %s\n%s", strings.Join(args, " "), stderr.String())
	return string(out)
}

// reviewProc is a running `curate review`.
type reviewProc struct {
	cmd *exec.Cmd
	url string
}

func startReview(t *testing.T, dir string, args ...string) *reviewProc {
	t.Helper()
	cmd := exec.Command(curate(t), append([]string{"review"}, args...)...)
	cmd.Dir = dir
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	p := &reviewProc{cmd: cmd}
	t.Cleanup(p.kill)
	line, err := bufio.NewReader(out).ReadString('\n')
	require.NoError(t, err, "curate review printed no URL")
	p.url = strings.TrimSpace(line)
	require.Contains(t, p.url, "?token=")
	go io.Copy(io.Discard, out)
	return p
}

// kill ends the server the hard way: no shutdown, no flush.
func (p *reviewProc) kill() {
	if p.cmd.ProcessState == nil {
		p.cmd.Process.Kill()
		p.cmd.Wait()
	}
}

// browser starts headless Chromium. Without one the test is skipped,
// except in CI, where it fails.
func browser(t *testing.T) context.Context {
	t.Helper()
	path := ""
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			path = p
			break
		}
	}
	if path == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("no chromium on PATH: .ci/run installs it (apt-get install chromium)")
		}
		t.Skip("no chromium on PATH (apt-get install chromium)")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.NoSandbox, // CI runs as root
		chromedp.WindowSize(1400, 900),
		chromedp.Flag("disable-dev-shm-usage", true),
	)
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancel)
	ctx, cancel2 := chromedp.NewContext(actx)
	t.Cleanup(cancel2)
	ctx, cancel3 := context.WithTimeout(ctx, 2*time.Minute)
	t.Cleanup(cancel3)
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("headless chromium did not start: %v", err)
	}
	return ctx
}

// decisions reads the decision shown on each card of the page.
func decisions(t *testing.T, ctx context.Context) map[string]string {
	t.Helper()
	got, err := chromedp.Run(ctx, chromedp.Evaluate[map[string]string](
		`Object.fromEntries([...document.querySelectorAll("#grid .card")].filter(c => c.dataset.decision).map(c => [c.dataset.i, c.dataset.decision]))`))
	require.NoError(t, err)
	return got
}

// press sends a key and waits until the page shows cond.
func press(t *testing.T, ctx context.Context, key, cond string) {
	t.Helper()
	require.NoError(t, chromedp.Do(ctx,
		chromedp.KeyEvent(key),
		chromedp.Poll[chromedp.Void](cond, chromedp.WithPollingTimeout(10*time.Second)),
	), "after key %q, waiting for %s", key, cond)
}

// readmeWorkflow returns the commands of the README's review workflow,
// without the leading "curate": suggest, review, apply, suggest.
func readmeWorkflow(t *testing.T) [][]string {
	t.Helper()
	b, err := os.ReadFile("../README.md")
	require.NoError(t, err)
	text := string(b)
	i := strings.Index(text, "<!-- review-workflow")
	require.GreaterOrEqual(t, i, 0, "README has no review-workflow block")
	block := text[i:]
	block = block[strings.Index(block, "```sh\n")+6:]
	block = block[:strings.Index(block, "```")]
	var cmds [][]string
	for _, line := range strings.Split(strings.TrimSpace(block), "\n") {
		f := strings.Fields(line)
		require.Equal(t, "curate", f[0], line)
		cmds = append(cmds, f[1:])
	}
	require.Len(t, cmds, 4)
	for i, want := range []string{"suggest", "review", "apply", "suggest"} {
		require.Equal(t, want, cmds[i][0], "README review workflow, command %d", i+1)
	}
	return cmds
}

// TestBrowserReview runs the README's review workflow, driving the page in
// a real headless Chromium.
func TestBrowserReview(t *testing.T) {
	ctx := browser(t)
	img := imageServer(t)
	fx := newFixture(t, img.URL)
	dir := fx.dir
	cmds := readmeWorkflow(t)
	run(t, dir, cmds[0]...)
	sugg := lines(t, filepath.Join(dir, "neg.jsonl"))
	require.Greater(t, len(sugg), 8)
	for _, m := range sugg {
		require.Equal(t, img.URL+"/synth/"+m["input_id"].(string)+".jpg", m["url"], "every line carries the input's URL")
	}

	// The test does not open a desktop browser: --open is dropped.
	var reviewArgs []string
	for _, a := range cmds[1][1:] {
		if a != "--open" {
			reviewArgs = append(reviewArgs, a)
		}
	}
	srv := startReview(t, dir, reviewArgs...)
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Navigate(srv.url),
		chromedp.WaitVisible(`#grid .card[data-i="0"]`),
	))
	imgW, err := chromedp.Run(ctx, chromedp.Poll[int](`document.querySelector('#grid .card[data-i="0"] img').naturalWidth`, chromedp.WithPollingTimeout(10*time.Second)))
	require.NoError(t, err)
	assert.Equal(t, 160, imgW, "the input's image loads from its own origin")

	dec := func(i int, d string) string {
		return fmt.Sprintf(`document.querySelector('#grid .card[data-i="%d"]').dataset.decision === %q`, i, d)
	}
	// Accept three, then a fourth that is undone; reject two; flip one.
	press(t, ctx, "a", dec(0, "accept"))
	press(t, ctx, "a", dec(1, "accept"))
	press(t, ctx, "a", dec(2, "accept"))
	press(t, ctx, "a", dec(3, "accept"))
	press(t, ctx, "u", dec(3, ""))
	press(t, ctx, "r", dec(3, "reject"))
	press(t, ctx, "r", dec(4, "reject"))
	press(t, ctx, "p", dec(5, "positive"))
	want := map[string]string{"0": "accept", "1": "accept", "2": "accept", "3": "reject", "4": "reject", "5": "positive"}
	assert.Equal(t, want, decisions(t, ctx))

	// The balance panel counts the decisions.
	totals, err := chromedp.Run(ctx, chromedp.Text("#totals"))
	require.NoError(t, err)
	assert.Contains(t, totals, "3 accepted · 2 rejected · 1 positive")

	// Bulk: click one card, shift-click two further on, reject the three
	// selected in one step, and undo that step.
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Click(`#grid .card[data-i="6"] .q`),
		chromedp.Evaluate[chromedp.Void](`document.querySelector('#grid .card[data-i="8"]').dispatchEvent(new MouseEvent("click", {bubbles: true, shiftKey: true}))`),
		chromedp.Poll[chromedp.Void](`document.querySelector("#selinfo").textContent === "3 selected"`, chromedp.WithPollingTimeout(5*time.Second)),
		chromedp.Click(`#bulk button[data-bulk="selected"][data-d="reject"]`),
		chromedp.Poll[chromedp.Void](dec(6, "reject")+" && "+dec(7, "reject")+" && "+dec(8, "reject"), chromedp.WithPollingTimeout(10*time.Second)),
	))
	press(t, ctx, "u", dec(6, "")+" && "+dec(7, "")+" && "+dec(8, ""))
	assert.Equal(t, want, decisions(t, ctx))

	// The focus view shows one card, with its buttons.
	press(t, ctx, "f", `getComputedStyle(document.querySelector("#grid")).display === "none" && document.querySelectorAll("#focus .card").length === 1 && document.querySelector("#focus .card").getBoundingClientRect().width > 600`)
	if os.Getenv("REVIEW_FOCUS_PNG") != "" {
		png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(os.Getenv("REVIEW_FOCUS_PNG"), png, 0o644))
	}
	press(t, ctx, "f", `getComputedStyle(document.querySelector("#focus")).display === "none" && getComputedStyle(document.querySelector("#grid")).display === "grid"`)

	// A reload keeps them.
	require.NoError(t, chromedp.Do(ctx, chromedp.Reload(), chromedp.WaitVisible(`#grid .card[data-i="5"]`)))
	assert.Equal(t, want, decisions(t, ctx))

	if *update {
		require.NoError(t, chromedp.Do(ctx, chromedp.KeyEvent("j"), chromedp.Sleep(300*time.Millisecond)))
		png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
		require.NoError(t, err)
		require.NoError(t, os.WriteFile("../docs/review.png", png, 0o644))
	}

	// Kill the server and start it again: the decisions file has them all.
	srv.kill()
	srv = startReview(t, dir, reviewArgs...)
	require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(srv.url), chromedp.WaitVisible(`#grid .card[data-i="5"]`)))
	assert.Equal(t, want, decisions(t, ctx))
	srv.kill()

	key := func(i int) [2]string { return [2]string{sugg[i]["input_id"].(string), sugg[i]["concept_id"].(string)} }

	// curate apply writes exactly the three accepted negatives and the positive.
	run(t, dir, cmds[2]...)
	added := addedAnnotations(t, fx.data+".bak", fx.data)
	assert.Equal(t, map[[2]string]float64{key(0): 0, key(1): 0, key(2): 0, key(5): 1}, added)

	// curate suggest again keeps the accepted, never proposes the rejected.
	run(t, dir, cmds[3]...)
	again := map[[2]string]bool{}
	for _, m := range lines(t, filepath.Join(dir, "neg.jsonl")) {
		again[[2]string{m["input_id"].(string), m["concept_id"].(string)}] = true
	}
	for _, i := range []int{0, 1, 2, 5} {
		assert.True(t, again[key(i)], "decided suggestion %v is kept", key(i))
	}
	for _, i := range []int{3, 4} {
		assert.False(t, again[key(i)], "rejected suggestion %v is proposed again", key(i))
	}
}
