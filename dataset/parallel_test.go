package dataset

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"
	"unsafe"

	"github.com/apache/arrow/go/v15/arrow/memory"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// blockLines returns JSONL whose lines vary in length from a few bytes to
// several hundred, with blank lines, CRLF endings and a bad line or two.
func blockLines(n int, crlf bool) string {
	var b strings.Builder
	for i := 0; i < n; i++ {
		switch {
		case i%17 == 5:
			b.WriteString("   ")
		case i%23 == 7:
			fmt.Fprintf(&b, `{"id":"in-%d","data":{"concepts":[{"id":"c%d","value":0.5}]}}`, i, i%3)
		default:
			fmt.Fprintf(&b, `{"id":"in-%d","data":{"concepts":[`, i)
			for j := 0; j <= i%9; j++ {
				if j > 0 {
					b.WriteByte(',')
				}
				fmt.Fprintf(&b, `{"id":"c%d","name":"C%d"`, (i+j)%11, (i+j)%11)
				if (i+j)%4 != 0 {
					fmt.Fprintf(&b, `,"value":%d`, (i+j)%2)
				}
				b.WriteByte('}')
			}
			b.WriteString(`]`)
			if i%5 == 0 {
				b.WriteString(`,"metadata":{"pad":"` + strings.Repeat("x", i%300) + `"}`)
			}
			b.WriteString(`}}`)
		}
		if crlf {
			b.WriteByte('\r')
		}
		b.WriteByte('\n')
	}
	return b.String()
}

func TestParallelBlockBoundaries(t *testing.T) {
	lf := blockLines(300, false)
	crlf := blockLines(300, true)
	long := `{"id":"long","data":{"metadata":{"pad":"` + strings.Repeat("y", 5000) + `"},"concepts":[{"id":"dog"}]}}`
	tests := []struct {
		name string
		data string
		opts []Option
	}{
		{"lf", lf, nil},
		{"crlf", crlf, nil},
		{"no final newline", strings.TrimSuffix(lf, "\n"), nil},
		{"crlf no final newline", strings.TrimSuffix(crlf, "\n"), nil},
		{"line longer than a block", lf[:2000] + long + "\n" + lf[2000:], nil},
		{"long last line", lf + long, nil},
		{"over the limit", lf[:2000] + long + "\n" + lf[2000:], []Option{WithMaxLineBytes(1000)}},
		{"over the limit, last", lf + long, []Option{WithMaxLineBytes(1000)}},
		{"over the limit at a block edge", long + "\n" + long + "\n" + lf, []Option{WithMaxLineBytes(len(long) - 1)}},
		{"exactly at the limit", long + "\n" + lf, []Option{WithMaxLineBytes(len(long) - 1), WithMaxErrors(50)}},
		{"at the limit with crlf", long + "\r\n" + lf, []Option{WithMaxLineBytes(len(long)), WithMaxErrors(50)}},
		{"bom", "\xef\xbb\xbf" + lf, nil},
	}
	for _, tt := range tests {
		for _, bs := range []int{1, 7, 64, 333, 4096} {
			for _, workers := range []int{1, 3} {
				for _, errs := range []int{1, 1000} {
					name := fmt.Sprintf("%s/block=%d/workers=%d/maxerrors=%d", tt.name, bs, workers, errs)
					t.Run(name, func(t *testing.T) {
						opts := append([]Option{withBlocks(bs, workers), WithMaxErrors(errs), WithBatchSize(50)}, tt.opts...)
						compareWithReference(t, []byte(tt.data), opts...)
					})
				}
			}
		}
	}
}

func TestParallelErrorLine(t *testing.T) {
	data := blockLines(1000, false)
	lines := strings.SplitAfter(data, "\n")
	lines[876] = `{"id":"bad","data":{"concepts":[{"id":"dog","value":7}]}}` + "\n"
	r, err := NewReader(context.Background(), strings.NewReader(strings.Join(lines, "")),
		WithInputs(false), WithName("x.jsonl"), withBlocks(256, 4), WithSoftValues(true))
	require.NoError(t, err)
	defer r.Release()
	for r.Next() {
	}
	var pe *ParseError
	require.ErrorAs(t, r.Err(), &pe)
	assert.Equal(t, 877, pe.Line)
	assert.Equal(t, "data.concepts[0].value", pe.Field)
	assert.ErrorIs(t, r.Err(), ErrValue)
}

// goroutinesSettle waits until no more than n goroutines run.
func goroutinesSettle(t *testing.T, n int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > n && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	assert.LessOrEqual(t, runtime.NumGoroutine(), n, "goroutines left running")
}

// embeddedLines is blockLines with an embedding on every third input
// (so the dimension is decided after looking ahead when the first batch
// is small) and a wrong-sized one now and then.
func embeddedLines(n int) string {
	lines := strings.Split(strings.TrimSuffix(blockLines(n, false), "\n"), "\n")
	for i, l := range lines {
		if i%3 == 2 && strings.HasPrefix(l, `{"id":"in-`) {
			vec := `[0.5,-1,0.25]`
			if i%31 == 29 {
				vec = `[0.5]`
			}
			lines[i] = strings.Replace(l, `"data":{`, `"data":{"embeddings":[{"vector":`+vec+`}],`, 1)
		}
	}
	return strings.Join(lines, "\n") + "\n"
}

func TestParallelEmbeddedLines(t *testing.T) {
	data := []byte(embeddedLines(400))
	compareWithReference(t, data, WithMaxErrors(1000), withBlocks(512, 3), WithBatchSize(20))
	compareWithReference(t, data, WithMaxErrors(1000), withBlocks(300, 2), WithBatchSize(1))
}

func TestParallelEarlyRelease(t *testing.T) {
	for _, inputs := range []bool{false, true} {
		t.Run(fmt.Sprint("inputs=", inputs), func(t *testing.T) { testEarlyRelease(t, inputs) })
	}
}

func testEarlyRelease(t *testing.T, inputs bool) {
	data := []byte(embeddedLines(3000))
	for _, stopAfter := range []int{0, 1, 5} {
		t.Run(fmt.Sprint(stopAfter), func(t *testing.T) {
			before := runtime.NumGoroutine()
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			r, err := NewReader(context.Background(), bytes.NewReader(data), WithInputs(inputs), WithMaxErrors(1000),
				WithAllocator(mem), withBlocks(512, 4), WithBatchSize(20))
			require.NoError(t, err)
			for i := 0; i < stopAfter; i++ {
				require.True(t, r.Next())
			}
			if stopAfter > 0 {
				time.Sleep(20 * time.Millisecond) // let the workers fill the pipeline
			}
			r.Release()
			mem.AssertSize(t, 0)
			goroutinesSettle(t, before)
		})
	}
}

func TestParallelCancel(t *testing.T) {
	for _, inputs := range []bool{false, true} {
		t.Run(fmt.Sprint("inputs=", inputs), func(t *testing.T) { testCancel(t, inputs) })
	}
}

func testCancel(t *testing.T, inputs bool) {
	data := []byte(embeddedLines(3000))
	before := runtime.NumGoroutine()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	r, err := NewReader(ctx, bytes.NewReader(data), WithInputs(inputs), WithMaxErrors(1000),
		WithAllocator(mem), withBlocks(512, 2), WithBatchSize(20))
	require.NoError(t, err)
	require.True(t, r.Next())
	if inputs {
		require.NotNil(t, r.Inputs())
		assert.Equal(t, 3, EmbeddingDim(r.Inputs().Schema()))
	}
	cancel()
	assert.False(t, r.Next())
	assert.ErrorIs(t, r.Err(), context.Canceled)
	assert.False(t, r.Next())
	r.Release()
	goroutinesSettle(t, before)
}

// blockingReader yields data, then blocks until released.
type blockingReader struct {
	data    []byte
	release chan struct{}
}

func (b *blockingReader) Read(p []byte) (int, error) {
	if len(b.data) > 0 {
		n := copy(p, b.data)
		b.data = b.data[n:]
		return n, nil
	}
	<-b.release
	return 0, io.EOF
}

func TestParallelCancelWhileReading(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	ctx, cancel := context.WithCancel(context.Background())
	src := &blockingReader{data: []byte(blockLines(10, false)), release: make(chan struct{})}
	defer close(src.release)
	r, err := NewReader(ctx, src, WithFormat(FormatJSONL), WithMaxErrors(100), WithAllocator(mem))
	require.NoError(t, err)
	defer r.Release()
	done := make(chan bool)
	go func() { done <- r.Next() }()
	time.Sleep(20 * time.Millisecond)
	cancel()
	select {
	case ok := <-done:
		assert.False(t, ok)
		assert.ErrorIs(t, r.Err(), context.Canceled)
	case <-time.After(5 * time.Second):
		t.Fatal("Next did not return after cancel")
	}
}

type failingReader struct {
	data []byte
	err  error
}

func (f *failingReader) Read(p []byte) (int, error) {
	if len(f.data) == 0 {
		return 0, f.err
	}
	n := copy(p, f.data[:min(len(f.data), 100)])
	f.data = f.data[n:]
	return n, nil
}

func TestParallelReadError(t *testing.T) {
	boom := errors.New("disk on fire")
	data := []byte(blockLines(200, false))
	for _, serial := range []bool{false, true} {
		mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
		opts := []Option{WithFormat(FormatJSONL), WithMaxErrors(100), WithAllocator(mem), withBlocks(300, 2)}
		if serial {
			opts = append(opts, withSerial())
		}
		r, err := NewReader(context.Background(), &failingReader{data: data, err: boom}, opts...)
		require.NoError(t, err)
		for r.Next() {
		}
		assert.ErrorIs(t, r.Err(), boom, "serial=%v", serial)
		r.Release()
		mem.AssertSize(t, 0)
	}
}

func TestParallelDefaultAllocator(t *testing.T) {
	// Records built on the pooled buffers read the same as the reference's.
	data := []byte(blockLines(2000, false))
	want := readAnnotations(t, data, withSerial(), WithSoftValues(true))
	defer want.release()
	require.Empty(t, want.err)
	for round := 0; round < 3; round++ { // later rounds reuse buffers
		got := readAnnotations(t, data, WithSoftValues(true), withBlocks(4096, 2), WithBatchSize(100))
		assert.Empty(t, got.err)
		assert.True(t, len(got.recs) > 10)
		assert.True(t, assert.ObjectsAreEqual(want.rows, got.rows), "rows differ in round %d", round)
		got.release()
	}
}

func TestPoolAllocator(t *testing.T) {
	p := &poolAllocator{}
	for _, n := range []int{0, 1, 63, 64, 65, 1000, 1 << 20} {
		b := p.Allocate(n)
		require.Len(t, b, n)
		if n > 0 {
			assert.Zero(t, uintptr(unsafe.Pointer(&b[0]))%64, "size %d", n)
		}
		b = p.Reallocate(2*n+1, b)
		require.Len(t, b, 2*n+1)
		p.Free(b)
	}
}

// TestFileMatchesReference reads -bench.file on both paths and compares a
// hash of every row in order:
//
//	go test ./dataset -run TestFileMatchesReference -bench.file /tmp/synth-1m.jsonl
func TestFileMatchesReference(t *testing.T) {
	if *benchFile == "" {
		t.Skip("set -bench.file")
	}
	digest := func(opts ...Option) (string, Stats) {
		f, err := os.Open(*benchFile)
		require.NoError(t, err)
		defer f.Close()
		r, err := NewReader(context.Background(), f, append([]Option{WithInputs(false)}, opts...)...)
		require.NoError(t, err)
		defer r.Release()
		h := sha256.New()
		for r.Next() {
			for _, a := range recordRows(t, r.Annotations()) {
				fmt.Fprintf(h, "%#v\n", a)
			}
		}
		require.NoError(t, r.Err())
		return hex.EncodeToString(h.Sum(nil)), r.Stats()
	}
	want, wantStats := digest(withSerial())
	got, gotStats := digest()
	assert.Equal(t, want, got)
	assert.Equal(t, wantStats, gotStats)
	t.Logf("%d annotations, sha256 %s", gotStats.Annotations, got)
}
