package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// endlessInputs writes JSONL inputs to w until a write fails (the process
// has exited and closed its end). It signals started once n bytes have
// been taken, which means the command is in its read loop.
func endlessInputs(w io.WriteCloser, n int, started chan<- struct{}) {
	defer w.Close()
	written := 0
	var buf bytes.Buffer
	for i := 0; ; i++ {
		buf.Reset()
		for j := 0; j < 1000; j++ {
			fmt.Fprintf(&buf, `{"id":"in-%d-%d","data":{"concepts":[{"id":"dog","value":1},{"id":"wolf","value":0}]}}`+"\n", i, j)
		}
		k, err := w.Write(buf.Bytes())
		written += k
		if written >= n && started != nil {
			close(started)
			started = nil
		}
		if err != nil {
			return
		}
	}
}

// TestInterrupt stops a running curate, reading an endless standard
// input, with a real signal: it says "interrupted" (or "terminated"),
// exits 128+signal, and leaves no partial output behind.
func TestInterrupt(t *testing.T) {
	tests := []struct {
		name string
		args func(dir string) []string
		sig  syscall.Signal
		want int
		msg  string
	}{
		{name: "report ctrl-c", args: func(string) []string { return []string{"report", "-"} }, sig: syscall.SIGINT, want: 130, msg: "curate: interrupted\n"},
		{name: "report sigterm", args: func(string) []string { return []string{"report", "-"} }, sig: syscall.SIGTERM, want: 143, msg: "curate: terminated\n"},
		{name: "export ctrl-c", args: func(dir string) []string {
			return []string{"export", "-", "--layout", "long", "--out", filepath.Join(dir, "out")}
		}, sig: syscall.SIGINT, want: 130, msg: "curate: interrupted\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			cmd := exec.Command(curateBin, tt.args(dir)...)
			cmd.Dir = dir
			stdin, err := cmd.StdinPipe()
			require.NoError(t, err)
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			require.NoError(t, cmd.Start())
			started := make(chan struct{})
			go endlessInputs(stdin, 4<<20, started)
			select {
			case <-started:
			case <-time.After(time.Minute):
				cmd.Process.Kill()
				t.Fatal("curate did not read its input")
			}
			require.NoError(t, cmd.Process.Signal(tt.sig))
			done := make(chan error, 1)
			go func() { done <- cmd.Wait() }()
			select {
			case err = <-done:
			case <-time.After(time.Minute):
				cmd.Process.Kill()
				t.Fatal("curate did not stop on the signal")
			}
			var ee *exec.ExitError
			require.ErrorAs(t, err, &ee, "stderr: %s", stderr.String())
			assert.Equal(t, tt.want, ee.ExitCode(), "stderr: %s", stderr.String())
			assert.Equal(t, tt.msg, stderr.String())
			assert.Empty(t, stdout.String(), "no report from an interrupted run")
			ents, err := os.ReadDir(dir)
			require.NoError(t, err)
			var left []string
			for _, e := range ents {
				left = append(left, e.Name())
			}
			if out, err := os.ReadDir(filepath.Join(dir, "out")); err == nil {
				for _, e := range out {
					left = append(left, "out/"+e.Name())
				}
			}
			assert.Subset(t, []string{"out"}, left, "nothing but an empty output folder is left")
		})
	}
}
