package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"curate.dev/dataset"
	"curate.dev/internal/synth"
)

// writeFixture writes a synthetic JSONL source of n inputs and returns
// its path and the world's input ids.
func writeFixture(t *testing.T, dir string, n int) (string, []string) {
	t.Helper()
	cfg := synth.DefaultConfig()
	cfg.Inputs = n
	w, err := synth.New(cfg)
	require.NoError(t, err)
	var buf bytes.Buffer
	require.NoError(t, w.WriteJSONL(context.Background(), &buf))
	src := filepath.Join(dir, "animals.jsonl")
	require.NoError(t, os.WriteFile(src, buf.Bytes(), 0o644))
	ids := make([]string, n)
	for i := range ids {
		ids[i] = w.InputID(i)
	}
	return src, ids
}

// suggestions writes a "value 0" suggestion of concept for each id.
func suggestions(t *testing.T, path, concept string, ids []string) {
	t.Helper()
	var s strings.Builder
	for _, id := range ids {
		fmt.Fprintf(&s, `{"input_id":%q,"concept_id":%q,"value":0}`+"\n", id, concept)
	}
	require.NoError(t, os.WriteFile(path, []byte(s.String()), 0o644))
}

// negatives counts, per concept, the inputs the loader reads a negative for.
func negatives(t *testing.T, path string) map[string]int {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	r, err := dataset.NewReader(context.Background(), f, dataset.WithInputs(false))
	require.NoError(t, err)
	defer r.Release()
	var anns []dataset.Annotation
	n := map[string]int{}
	for r.Next() {
		anns, err = dataset.AppendAnnotations(anns[:0], r.Annotations())
		require.NoError(t, err)
		for _, a := range anns {
			if a.Value == 0 && a.AnnotatorKind == dataset.AnnotatorUnknown {
				n[a.ConceptID]++
			}
		}
	}
	require.NoError(t, r.Err())
	return n
}

func curate(args ...string) (string, error) {
	out, err := exec.Command(curateBin, args...).CombinedOutput()
	return string(out), err
}

// Two "curate apply" processes started together on one file, each with
// its own 500 changes: both sets land, and each audit log says so.
func TestApplyConcurrentProcesses(t *testing.T) {
	dir := t.TempDir()
	src, ids := writeFixture(t, dir, 20_000)
	orig, err := os.ReadFile(src)
	require.NoError(t, err)
	// Concepts the synthetic world never labels negative, so every change is an addition.
	a, b := filepath.Join(dir, "a.jsonl"), filepath.Join(dir, "b.jsonl")
	suggestions(t, a, "reviewed-a", ids[:500])
	suggestions(t, b, "reviewed-b", ids[len(ids)-500:])
	for pair := 0; pair < 5; pair++ {
		require.NoError(t, os.WriteFile(src, orig, 0o644))
		var wg sync.WaitGroup
		outs, errs := make([]string, 2), make([]error, 2)
		for i, sugg := range []string{a, b} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				outs[i], errs[i] = curate("apply", src, "--suggestions", sugg, "--log", sugg+".log")
			}()
		}
		wg.Wait()
		for i := range errs {
			require.NoError(t, errs[i], "pair %d: %s", pair, outs[i])
		}
		got := negatives(t, src)
		assert.Equal(t, 500, got["reviewed-a"], "pair %d", pair)
		assert.Equal(t, 500, got["reviewed-b"], "pair %d", pair)
	}
	for _, sugg := range []string{a, b} {
		data, err := os.ReadFile(sugg + ".log")
		require.NoError(t, err)
		runs := map[string]int{}
		committed := 0
		for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
			var rec map[string]any
			require.NoError(t, json.Unmarshal([]byte(line), &rec))
			if c, ok := rec["committed"]; ok {
				assert.Equal(t, true, c)
				committed++
				continue
			}
			runs[rec["run"].(string)]++
		}
		assert.Equal(t, 5, committed)
		for run, n := range runs {
			assert.Equal(t, 500, n, "run %s", run)
		}
	}
	ents, err := os.ReadDir(dir)
	require.NoError(t, err)
	assert.Len(t, ents, 5, "source, two suggestions, two logs: no lock or temporary file left")
}

// A symbolic link is written through; hard links are refused unless
// --force.
func TestApplyLinks(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.Mkdir(filepath.Join(dir, "real"), 0o755))
	src, ids := writeFixture(t, filepath.Join(dir, "real"), 50)
	sugg := filepath.Join(dir, "s.jsonl")
	suggestions(t, sugg, "reviewed", ids[:5])
	link := filepath.Join(dir, "link.jsonl")
	require.NoError(t, os.Symlink("real/animals.jsonl", link))
	out, err := curate("apply", link, "--suggestions", sugg)
	require.NoError(t, err, out)
	st, err := os.Lstat(link)
	require.NoError(t, err)
	assert.True(t, st.Mode()&os.ModeSymlink != 0, "the link is kept")
	assert.Equal(t, 5, negatives(t, src)["reviewed"], "the file the link points to was written")

	other := filepath.Join(dir, "other-name.jsonl")
	require.NoError(t, os.Link(src, other))
	suggestions(t, sugg, "reviewed2", ids[:5])
	before, _ := os.ReadFile(src)
	out, err = curate("apply", src, "--suggestions", sugg)
	require.Error(t, err)
	assert.Contains(t, out, "hard links")
	assert.Contains(t, out, "--force replaces this name only")
	assert.Contains(t, out, src)
	after, _ := os.ReadFile(src)
	assert.Equal(t, before, after)
	out, err = curate("apply", src, "--suggestions", sugg, "--force")
	require.NoError(t, err, out)
	assert.Equal(t, 5, negatives(t, src)["reviewed2"])
	assert.Zero(t, negatives(t, other)["reviewed2"], "the other name keeps the old content")
}

// New outputs follow the umask.
func TestOutputsFollowUmask(t *testing.T) {
	dir := t.TempDir()
	src, ids := writeFixture(t, dir, 50)
	sugg := filepath.Join(dir, "s.jsonl")
	suggestions(t, sugg, "reviewed", ids[:5])
	out := filepath.Join(dir, "out.jsonl")
	b, err := exec.Command("/bin/sh", "-c", `umask 077 && exec "$0" "$@"`, curateBin, "apply", src, "--suggestions", sugg, "--out", out).CombinedOutput()
	require.NoError(t, err, "%s", b)
	st, err := os.Stat(out)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), st.Mode().Perm())
}

// The audit log is written before the file is replaced: when the log
// cannot be written (a full disk), the file is left unchanged.
func TestApplyAuditLogFull(t *testing.T) {
	if _, err := os.Stat("/dev/full"); err != nil {
		t.Skip("no /dev/full to stand for a full disk")
	}
	dir := t.TempDir()
	src, ids := writeFixture(t, dir, 50)
	sugg := filepath.Join(dir, "s.jsonl")
	suggestions(t, sugg, "reviewed", ids[:5])
	before, _ := os.ReadFile(src)
	out, err := curate("apply", src, "--suggestions", sugg, "--log", "/dev/full")
	require.Error(t, err)
	assert.Contains(t, out, "left unchanged")
	after, _ := os.ReadFile(src)
	assert.Equal(t, before, after)
}

// A suggestions file made from another dataset whose ids overlap is
// refused, naming both, unless --any-source.
func TestApplyForeignSuggestions(t *testing.T) {
	dir := t.TempDir()
	src, srcIDs := writeFixture(t, dir, 300)
	otherDir := filepath.Join(dir, "other")
	require.NoError(t, os.Mkdir(otherDir, 0o755))
	other, _ := writeFixture(t, otherDir, 400) // the same sequential ids, and 100 more
	neg := filepath.Join(dir, "neg.jsonl")
	out, err := curate("suggest", other, "--out", neg, "--max-per-concept", "3")
	require.NoError(t, err, out)
	// Keep the suggestions for inputs both files hold.
	inSrc := map[string]bool{}
	for _, id := range srcIDs {
		inSrc[id] = true
	}
	data, err := os.ReadFile(neg)
	require.NoError(t, err)
	var kept []string
	for i, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		var m map[string]any
		require.NoError(t, json.Unmarshal([]byte(line), &m))
		if id, ok := m["input_id"].(string); i == 0 || ok && inSrc[id] {
			kept = append(kept, line)
		}
	}
	require.Greater(t, len(kept), 1)
	require.NoError(t, os.WriteFile(neg, []byte(strings.Join(kept, "\n")+"\n"), 0o644))

	before, _ := os.ReadFile(src)
	out, err = curate("apply", src, "--suggestions", neg)
	require.Error(t, err)
	assert.Contains(t, out, "was made from "+other)
	assert.Contains(t, out, "not from "+src)
	after, _ := os.ReadFile(src)
	assert.Equal(t, before, after)
	assert.Contains(t, out, "--any-source applies it anyway")
	out, err = curate("apply", src, "--suggestions", neg, "--any-source")
	require.NoError(t, err, out)

	// Made from the file itself, the suggestions apply, also after the
	// file changed by an earlier apply.
	own := filepath.Join(dir, "own.jsonl")
	out, err = curate("suggest", src, "--out", own, "--max-per-concept", "2")
	require.NoError(t, err, out)
	out, err = curate("apply", src, "--suggestions", own)
	require.NoError(t, err, out)
}

// As a user without privileges, in a folder the user may write: a
// read-only file and another user's file are refused, as they could not
// be written directly.
func TestApplyUnprivileged(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to run curate as another user (uid 65534)")
	}
	const nobody = 65534
	dir, err := os.MkdirTemp("", "curate-unpriv-")
	require.NoError(t, err)
	t.Cleanup(func() { os.RemoveAll(dir) })
	require.NoError(t, os.Chmod(dir, 0o755))
	require.NoError(t, os.Chmod(filepath.Dir(curateBin), 0o755))
	work := filepath.Join(dir, "work")
	require.NoError(t, os.Mkdir(work, 0o755))
	require.NoError(t, os.Chown(work, nobody, nobody))
	src, ids := writeFixture(t, work, 50)
	sugg := filepath.Join(work, "s.jsonl")
	suggestions(t, sugg, "reviewed", ids[:5])
	require.NoError(t, os.Chown(sugg, nobody, nobody))
	run := func(args ...string) (string, error) {
		cmd := exec.Command(curateBin, args...)
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: nobody, Gid: nobody}}
		b, err := cmd.CombinedOutput()
		return string(b), err
	}
	for name, setup := range map[string]func(){
		"read-only":     func() { require.NoError(t, os.Chown(src, nobody, nobody)); require.NoError(t, os.Chmod(src, 0o444)) },
		"another owner": func() { require.NoError(t, os.Chown(src, 0, 0)); require.NoError(t, os.Chmod(src, 0o644)) },
	} {
		t.Run(name, func(t *testing.T) {
			setup()
			before, _ := os.ReadFile(src)
			out, err := run("apply", src, "--suggestions", sugg)
			require.Error(t, err)
			assert.Contains(t, out, "you could not write it yourself")
			assert.Contains(t, out, src)
			after, _ := os.ReadFile(src)
			assert.Equal(t, before, after)
			ents, _ := os.ReadDir(work)
			assert.Len(t, ents, 2, "nothing left beside the file")
		})
	}
	// A file the user owns and may write is replaced, and stays theirs.
	require.NoError(t, os.Chown(src, nobody, nobody))
	require.NoError(t, os.Chmod(src, 0o640))
	out, err := run("apply", src, "--suggestions", sugg)
	require.NoError(t, err, out)
	st, err := os.Stat(src)
	require.NoError(t, err)
	assert.Equal(t, uint32(nobody), st.Sys().(*syscall.Stat_t).Uid)
	assert.Equal(t, os.FileMode(0o640), st.Mode().Perm())
}
