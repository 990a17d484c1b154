package dataset

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"
	"github.com/apache/arrow/go/v15/arrow/memory"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// withSerial forces the reference path (encoding/json, one line at a time).
func withSerial() Option { return func(c *config) { c.serial = true } }

// withBlocks sets the parallel path's block size and worker count.
func withBlocks(size, workers int) Option {
	return func(c *config) { c.blockSize, c.workers = size, workers }
}

// readResult is everything a read produces that callers can observe.
type readResult struct {
	rows  []Annotation
	recs  []arrow.Record
	stats Stats
	err   string
}

func (r *readResult) release() {
	for _, rec := range r.recs {
		rec.Release()
	}
}

// readAnnotations reads data annotations-only and keeps every record.
func readAnnotations(t testing.TB, data []byte, opts ...Option) *readResult {
	t.Helper()
	opts = append([]Option{WithFormat(FormatJSONL), WithInputs(false), WithName("in.jsonl")}, opts...)
	r, err := NewReader(context.Background(), bytes.NewReader(data), opts...)
	require.NoError(t, err)
	defer r.Release()
	res := &readResult{}
	for r.Next() {
		rec := r.Annotations()
		require.NotNil(t, rec)
		rec.Retain()
		res.recs = append(res.recs, rec)
		res.rows = append(res.rows, recordRows(t, rec)...)
	}
	if err := r.Err(); err != nil {
		res.err = err.Error()
	}
	res.stats = r.Stats()
	return res
}

// recordRows turns an annotations record back into rows.
func recordRows(t testing.TB, rec arrow.Record) []Annotation {
	t.Helper()
	require.True(t, rec.Schema().Equal(AnnotationSchema()))
	str := func(col, i int) string {
		c := rec.Column(col)
		if c.IsNull(i) {
			return ""
		}
		if d, ok := c.(*array.Dictionary); ok {
			return d.Dictionary().(*array.String).Value(d.GetValueIndex(i))
		}
		return c.(*array.String).Value(i)
	}
	rows := make([]Annotation, rec.NumRows())
	for i := range rows {
		src, ok := ParseValueSource(str(AnnValueSource, i))
		require.True(t, ok)
		kind, ok := ParseAnnotatorKind(str(AnnAnnotatorKind, i))
		require.True(t, ok)
		rows[i] = Annotation{
			InputID: str(AnnInputID, i), ConceptID: str(AnnConceptID, i), ConceptName: str(AnnConceptName, i),
			Value: rec.Column(AnnValue).(*array.Float32).Value(i), Source: src,
			AnnotationID: str(AnnAnnotationID, i), Annotator: str(AnnAnnotator, i), AnnotatorKind: kind,
		}
	}
	return rows
}

// compareWithReference reads data on the fast parallel path and on the
// reference path and asserts that they agree on rows, errors and stats.
func compareWithReference(t testing.TB, data []byte, opts ...Option) {
	t.Helper()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	opts = append(opts, WithAllocator(mem))
	want := readAnnotations(t, data, append(opts, withSerial())...)
	defer want.release()
	got := readAnnotations(t, data, opts...)
	defer got.release()
	assert.Equal(t, want.err, got.err, "error")
	if want.err == "" {
		assert.Equal(t, want.rows, got.rows, "rows")
		assert.Equal(t, want.stats, got.stats, "stats")
		if len(want.recs) == 1 && len(got.recs) == 1 {
			// Same batch boundaries: the records must be equal down to
			// their dictionaries.
			assert.True(t, array.RecordEqual(want.recs[0], got.recs[0]), "records\nwant %v\ngot  %v", want.recs[0], got.recs[0])
		}
	} else {
		assert.Equal(t, want.stats.Skipped, got.stats.Skipped, "skipped")
	}
}

var fastSeeds = []string{
	`{"id":"in-1","data":{"image":{"url":"https://x/1.jpg"},"concepts":[{"id":"dog","name":"Dog","value":1},{"id":"wolf","value":0}]},"dataset_ids":["a"]}`,
	// A concept without a value right after one with value 0: fresh state.
	`{"id":"in-2","data":{"concepts":[{"id":"dog","value":0},{"id":"wolf"}]}}`,
	`{"id":"in-3","data":{"concepts":[{"id":"dog","value":null},{"id":"cat","value":1.0},{"id":"x","value":-0}]}}`,
	`{"id":"in-4","data":{"concepts":[{"id":"dog","value":0.5}]}}`,
	`{"id":"in-5","data":{"concepts":[{"id":"dog","value":"1"}]}}`,
	`{"id":"in-6","data":{"concepts":[{"name":"Dog","value":1}]}}`,
	`{"id":"","data":{"concepts":[{"id":"dog"}]}}`,
	`{"ID":"in-8","Data":{"Concepts":[{"ID":"dog","Value":0}]}}`,
	`{"id":"in-9","data":{"concepts":[{"id":"d\u00f6g","name":"D\"og","value":1}]}}`,
	`{"id":"in-10","data":{"concepts":[{"id":"dog","value":1,"value":0}]}}`,
	`{"id":"in-11","data":{"metadata":{"a":[1,2,{"b":null}]},"embeddings":[{"vector":[0.1,-2,3e5]}],"concepts":[{"id":"dog"}]}}`,
	`{"id":"in-12","data":{"metadata":"x","concepts":[{"id":"dog"}]}}`,
	`{"id":"in-13","data":{"embeddings":[{"vector":["a"]}],"concepts":[{"id":"dog"}]}}`,
	`{"id":"in-14","annotations":[{"id":"a1","user_id":"u","data":{"concepts":[{"id":"dog","value":0}]}}]}`,
	`{"id":"in-15","data":{"concepts":[{"id":"dog","value":1}]}} x`,
	`{"id":"in-16","data":{"concepts":[{"id":"dog","value":01}]}}`,
	`{"id":"in-17","data":{"concepts":[{"id":"dog","value":1e0},{"id":"é","value":1}],"text":{"raw":"hi"}},"status":{"code":10000}}`,
	`{"id":"in-18","data":null}`,
	`{"id":"in-19","data":{"concepts":null,"image":null}}`,
	`{"id":"in-20","data":{"concepts":[{"id":"dog","value":1}],"extra_key":[true,false,null]}}`,
	"\xef\xbb\xbf" + `{"id":"in-21","data":{"concepts":[{"id":"bom"}]}}`,
	"\t \r",
	`[1,2]`,
	`{"id":"in-23","data":{"concepts":[{"id":"\xff","value":1}]}}`,
	`{"id":"in-24","data":{"concepts":[{"id":"dog","value":NaN}]}}`,
	`{"id":"in-25","data":{"concepts":[{"id":"dog","value":2}]}}`,
	`{"id":"in-26","data":{"concepts":[{"id":"dog","value":1}]},"annotations":[{"id":"in-26-review","worker":{"user":{"id":"reviewer-2"}},"data":{"concepts":[{"id":"dog","name":"Dog","value":0}]}}]}`,
	`{"id":"in-27","annotations":[{"id":"a","worker":{"model":{"id":"clf"}},"data":{"concepts":[{"id":"g2","value":0.89},{"id":"g3","value":0.14}]}},{"data":{"concepts":[{"id":"x"}]}}],"data":{"concepts":[{"id":"first","value":0}]}}`,
	`{"id":"in-28","annotations":[{"id":"a","data":{"concepts":[{"id":"g2","value":0.5}]},"worker":{"workflow":{"id":"wf"}}}]}`,
	`{"id":"in-29","annotations":[{"id":"a","model_version_id":"mv","user_id":"u","data":{"concepts":[{"id":"g2","value":0.5}]}}]}`,
	`{"id":"in-30","annotations":[{"id":"a","user_id":"u","data":{"concepts":[{"id":"g2","value":0.5}]}}]}`,
	`{"id":"in-31","annotations":[{"input_id":"other","data":{"concepts":[{"id":"g2"}]}}]}`,
	`{"id":"in-32","annotations":[{"input_id":"in-32","worker":{"user":{"id":""},"model":{"id":"m"}},"data":{"concepts":[{"id":"g2","value":0.25}]}}]}`,
	`{"id":"in-33","annotations":[{"worker":null,"data":null},{"worker":{"user":null}}]}`,
	`{"id":"in-34","annotations":[{"id":"x","worker":{"user":{"id":"u","extra":[1]}},"data":{"concepts":[{"id":"a"}],"image":{"url":"u"}}}]}`,
}

func TestFastJSONLMatchesReference(t *testing.T) {
	all := strings.Join(fastSeeds, "\n")
	good := strings.Join([]string{fastSeeds[0], fastSeeds[1], fastSeeds[2], fastSeeds[9], fastSeeds[10], fastSeeds[13], fastSeeds[16], fastSeeds[19], fastSeeds[20], fastSeeds[21], fastSeeds[26], fastSeeds[27], fastSeeds[28], fastSeeds[34]}, "\n")
	tests := []struct {
		name string
		data string
		opts []Option
	}{
		{"good", good, nil},
		{"common shape only", strings.Join(fastSeeds[:3], "\n"), nil},
		{"good crlf", strings.ReplaceAll(good, "\n", "\r\n") + "\r\n", nil},
		{"good tiny blocks", good, []Option{withBlocks(64, 3)}},
		{"good tiny batches", good, []Option{WithBatchSize(1), withBlocks(100, 2)}},
		{"good strict", good, []Option{WithStrictValues(true)}},
		{"good soft", good, []Option{WithSoftValues(true)}},
		{"all, first error", all, nil},
		{"all, collect", all, []Option{WithMaxErrors(100)}},
		{"all, limit", all, []Option{WithMaxErrors(5), withBlocks(128, 2)}},
		{"all, soft, collect, tiny blocks", all, []Option{WithMaxErrors(100), WithSoftValues(true), withBlocks(50, 4)}},
		{"long lines", good, []Option{WithMaxLineBytes(60), WithMaxErrors(100), withBlocks(32, 2)}},
		{"long lines stop", good, []Option{WithMaxLineBytes(60), withBlocks(32, 2)}},
		{"no final newline", good + "\n" + fastSeeds[0], nil},
		{"empty", "", nil},
		{"blank lines", "\n\n  \n", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			compareWithReference(t, []byte(tt.data), tt.opts...)
		})
	}
	for i, s := range fastSeeds {
		compareWithReference(t, []byte(s+"\n"+fastSeeds[0]), WithMaxErrors(10))
		_ = i
	}
}

func FuzzFastJSONL(f *testing.F) {
	for i, s := range fastSeeds {
		f.Add([]byte(s+"\n"+fastSeeds[(i+1)%len(fastSeeds)]), uint8(i))
	}
	f.Fuzz(func(t *testing.T, data []byte, mode uint8) {
		opts := []Option{withBlocks(16+int(mode>>4)*8, 1+int(mode&1)), WithMaxLineBytes(200)}
		if mode&2 != 0 {
			opts = append(opts, WithMaxErrors(4))
		}
		if mode&4 != 0 {
			opts = append(opts, WithStrictValues(true))
		}
		if mode&8 != 0 {
			opts = append(opts, WithSoftValues(true))
		}
		compareWithReference(t, data, opts...)
	})
}

func TestFastStr(t *testing.T) {
	// Every special byte at every position of strings around the word size.
	for n := 0; n < 20; n++ {
		for pos := 0; pos < n; pos++ {
			for _, c := range []byte{'"', '\\', 0x01, 0x1f, 0x7f, 0x80, 0xc3, 0xff, ' ', 'a'} {
				body := []byte(strings.Repeat("x", n))
				body[pos] = c
				in := append(append([]byte{'"'}, body...), '"', ',')
				p := &fastParser{s: in}
				got, ok := p.str()
				wantOK := !bytes.ContainsAny(body, "\"\\\x01\x1f") && utf8.Valid(body)
				switch {
				case c == '"':
					// The string ends early at the quote.
					require.True(t, ok)
					assert.Equal(t, string(body[:pos]), string(got))
				default:
					assert.Equal(t, wantOK, ok, "n=%d pos=%d c=%#x", n, pos, c)
					if ok {
						assert.Equal(t, string(body), string(got))
						assert.Equal(t, len(in)-1, p.i)
					}
				}
			}
		}
	}
}

func TestFastPathTakesCommonShapes(t *testing.T) {
	// These must not fall back to the reference decoder: it would still be
	// correct, only slow.
	for _, i := range []int{0, 1, 2, 16, 19, 26, 27, 28, 29, 34} {
		p := &fastParser{}
		assert.True(t, p.parseLine([]byte(fastSeeds[i])), "seed %d: %s", i, fastSeeds[i])
	}
	var buf bytes.Buffer
	require.NoError(t, writeSynthJSONL(&buf, 500, 3))
	for _, l := range bytes.Split(bytes.TrimSpace(buf.Bytes()), []byte("\n")) {
		p := &fastParser{}
		require.True(t, p.parseLine(l), "%s", l)
	}
}

// TestFastPathCoverage counts the lines of -bench.file the fast path
// leaves to the reference decoder.
func TestFastPathCoverage(t *testing.T) {
	if *benchFile == "" {
		t.Skip("set -bench.file")
	}
	data, err := os.ReadFile(*benchFile)
	require.NoError(t, err)
	p := &fastParser{}
	lines, slow := 0, 0
	for _, l := range bytes.Split(bytes.TrimSpace(data), []byte("\n")) {
		lines++
		if !p.parseLine(l) {
			if slow < 3 {
				t.Logf("slow: %.300s", l)
			}
			slow++
		}
	}
	t.Logf("%d of %d lines go the reference way", slow, lines)
}
