package dataset

import (
	"bytes"
	"context"
	"math"
	"math/rand/v2"
	"os"
	"strconv"
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
	rows   []Annotation
	recs   []arrow.Record
	inputs []inputRow
	dim    int // of the inputs schema
	stats  Stats
	err    string
}

// inputRow is one row of the inputs table; the embedding as bit patterns,
// so that -0 and NaN compare exactly.
type inputRow struct {
	ID, Kind, URL, Text, Metadata string
	Null                          [4]bool // kind, url, text, metadata
	DatasetIDs                    []string
	Embedding                     []uint32
	HasEmbedding                  bool
}

func (r *readResult) release() {
	for _, rec := range r.recs {
		rec.Release()
	}
}

// readAnnotations reads data annotations-only and keeps every record.
func readAnnotations(t testing.TB, data []byte, opts ...Option) *readResult {
	t.Helper()
	return readJSONL(t, data, append([]Option{WithInputs(false)}, opts...)...)
}

// readJSONL reads data and keeps every annotations record and, when
// inputs are on, every input row; each batch's inputs must be the inputs
// its annotations belong to.
func readJSONL(t testing.TB, data []byte, opts ...Option) *readResult {
	t.Helper()
	opts = append([]Option{WithFormat(FormatJSONL), WithName("in.jsonl")}, opts...)
	r, err := NewReader(context.Background(), bytes.NewReader(data), opts...)
	require.NoError(t, err)
	defer r.Release()
	res := &readResult{}
	schema := r.InputSchema()
	res.dim = EmbeddingDim(schema)
	for r.Next() {
		rec := r.Annotations()
		require.NotNil(t, rec)
		rec.Retain()
		res.recs = append(res.recs, rec)
		rows := recordRows(t, rec)
		res.rows = append(res.rows, rows...)
		if !r.cfg.inputs {
			require.Nil(t, r.Inputs())
			continue
		}
		in := r.Inputs()
		require.NotNil(t, in)
		require.True(t, in.Schema().Equal(schema), "batch schema %v, want %v", in.Schema(), schema)
		ins := inputTableRows(t, in)
		res.inputs = append(res.inputs, ins...)
		ids := map[string]bool{}
		for _, x := range ins {
			ids[x.ID] = true
		}
		for _, a := range rows {
			require.True(t, ids[a.InputID], "annotation of %q in a batch without its input", a.InputID)
		}
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
		src, ok := ParseValueSource(str(annValueSource, i))
		require.True(t, ok)
		kind, ok := ParseAnnotatorKind(str(annAnnotatorKind, i))
		require.True(t, ok)
		rows[i] = Annotation{
			InputID: str(annInputID, i), ConceptID: str(annConceptID, i), ConceptName: str(annConceptName, i),
			Value: rec.Column(annValue).(*array.Float32).Value(i), Source: src,
			AnnotationID: str(annAnnotationID, i), Annotator: str(annAnnotator, i), AnnotatorKind: kind,
		}
	}
	return rows
}

// inputTableRows turns an inputs record back into rows.
func inputTableRows(t testing.TB, rec arrow.Record) []inputRow {
	t.Helper()
	rows := make([]inputRow, rec.NumRows())
	str := func(col, i int) (string, bool) {
		c := rec.Column(col)
		if c.IsNull(i) {
			return "", true
		}
		if d, ok := c.(*array.Dictionary); ok {
			return d.Dictionary().(*array.String).Value(d.GetValueIndex(i)), false
		}
		return c.(*array.String).Value(i), false
	}
	ds := rec.Column(inDatasetIDs).(*array.List)
	dsv := ds.ListValues().(*array.String)
	for i := range rows {
		x := &rows[i]
		x.ID, _ = str(inInputID, i)
		x.Kind, x.Null[0] = str(inKind, i)
		x.URL, x.Null[1] = str(inURL, i)
		x.Text, x.Null[2] = str(inText, i)
		x.Metadata, x.Null[3] = str(inMetadata, i)
		require.False(t, ds.IsNull(i))
		from, to := ds.ValueOffsets(i)
		for j := from; j < to; j++ {
			x.DatasetIDs = append(x.DatasetIDs, dsv.Value(int(j)))
		}
		if rec.NumCols() > inEmbedding {
			emb := rec.Column(inEmbedding).(*array.FixedSizeList)
			if emb.IsValid(i) {
				x.HasEmbedding = true
				vals := emb.ListValues().(*array.Float32)
				from, to := emb.ValueOffsets(i)
				for j := from; j < to; j++ {
					x.Embedding = append(x.Embedding, math.Float32bits(vals.Value(int(j))))
				}
			}
		}
	}
	return rows
}

// compareWithReference reads data on the fast parallel path and on the
// reference path, annotations only and with inputs, and asserts that they
// agree on rows, inputs, errors and stats.
func compareWithReference(t testing.TB, data []byte, opts ...Option) {
	t.Helper()
	compareMode(t, data, append([]Option{WithInputs(false)}, opts...)...)
	compareMode(t, data, opts...)
}

func compareMode(t testing.TB, data []byte, opts ...Option) {
	t.Helper()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	opts = append(opts, WithAllocator(mem))
	want := readJSONL(t, data, append(opts, withSerial())...)
	defer want.release()
	got := readJSONL(t, data, opts...)
	defer got.release()
	assert.Equal(t, want.err, got.err, "error")
	if want.err == "" {
		assert.Equal(t, want.rows, got.rows, "rows")
		assert.Equal(t, want.inputs, got.inputs, "inputs")
		assert.Equal(t, want.dim, got.dim, "embedding dimension")
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
	// The inputs table: media, metadata, dataset ids, embeddings.
	`{"id":"in-35","data":{"text":{"raw":"hello world","url":"https://t/1.txt"},"metadata": { "a" : [1, 2 ,{"b" : "x y", "n":null}] ,` + "\t" + `"c":"é", "t":true},"embeddings":[{"vector":[0.1,-0.25,3,-0,0.000001]}],"concepts":[{"id":"dog"}]},"dataset_ids":["ds-1",""]}`,
	`{"id":"in-36","data":{"video":{"url":"v"},"audio":{"url":"a"},"embeddings":[{"vector":[0.5,1,2,3,-4.75]}]},"dataset_ids":[]}`,
	`{"id":"in-37","data":{"embeddings":[{"vector":[0.5,1]}],"concepts":[{"id":"cat","value":0},{"id":"dog"}]}}`,
	`{"id":"in-38","data":{"image":{},"text":{"raw":"t"},"embeddings":[{"vector":[]},{"vector":[1,2,3]}],"metadata":{}}}`,
	`{"id":"in-39","data":{"embeddings":[{"vector":[0.1234567890123456789,-0.000000000000000000000001,123456789012345678,1.5,0.30000001192092896]}]}}`,
	`{"id":"in-40","data":{"audio":{"url":"a","raw":"r"},"metadata":null}}`,
	`{"id":"in-41","annotations":[{"id":"a","user_id":"u","data":{"image":{"url":"nope"},"metadata":{"x":1},"embeddings":[{"vector":[9]}],"concepts":[{"id":"g"}]}}],"data":{"metadata":{"k":"v"}}}`,
	`{"id":"in-42","data":{"metadata":{"a":"\u00e9"},"concepts":[{"id":"dog"}]}}`,
	`{"id":"in-43","data":{"metadata":[1],"embeddings":[{"vector":[1,2,3,4,5]}]}}`,
	`{"id":"in-44","data":{"embeddings":[{"vector":[1,2,3,4,5e0]}],"concepts":[{"id":"x","value":1}]}}`,
	`{"id":"in-45","dataset_ids":null,"data":{"image":{"url":"x"}}}`,
	`{"id":"in-46","data":{"image":{"url":"i"},"text":{"raw":"r"},"metadata":{"deep":[[[{"a":[-0.5e-3,1E+2]}]]]},"embeddings":[{"vector":[0.1,0.2,0.3,0.4,0.5]},{"vector":["x"]}]}}`,
	// Ids that would merge two inputs or concepts, values that would read
	// as 0: refused by both paths.
	"{\"id\":\"in-47\xff\",\"data\":{\"concepts\":[{\"id\":\"c\",\"value\":1}]}}",
	`{"id":"in-48\ud800","data":{"concepts":[{"id":"c","value":1}]}}`,
	`{"id":"in-49","data":{"concepts":[{"id":"c\udc00x","value":1}]}}`,
	`{"id":"in-50 \ud83d\ude00 \ufffd","data":{"concepts":[{"id":"c","value":1}]}}`,
	"{\"id\":\"in-51 \xef\xbf\xbd\",\"data\":{\"concepts\":[{\"id\":\"\xef\xbf\xbd\",\"value\":1}]}}",
	`{"id":"   ","data":{"concepts":[{"id":"c","value":1}]}}`,
	`{"id":"in-53","data":{"concepts":[{"id":" \t","value":1}]}}`,
	"{\"id\":\"in-54\",\"data\":{\"concepts\":[{\"id\":\"\u3000\",\"value\":1}]}}",
	`{"id":"in-55","data":{"concepts":[{"id":"c","value":1e-400},{"id":"d","value":0e5}]}}`,
	`{"id":"in-56","data":{"concepts":[{"id":"c","value":1e-50},{"id":"d","value":-0}]}}`,
	`{"id":"in-57","annotations":[{"user_id":"u\udfff","data":{"concepts":[{"id":"c","value":1}]}}]}`,
	`{"id":"in-58","dataset_ids":["ds\ud800"],"data":{"concepts":[{"id":"c","value":1}]}}`,
	`{"id":"in-59","data":{"concepts":[{"id":"c","name":"n\ud800","value":1}]}}`,
	`{"id":" in-60","data":{"concepts":[{"id":"c ","value":"1"}]}}`,
	"{\"id\":\"in-61\",\"data\":{\"concepts\":[{\"id\":\"\u3000\u00a0\",\"value\":1}]}}",
	"{\"id\":\"\u65e5\u672c in-62\",\"data\":{\"concepts\":[{\"id\":\"\u72ac\",\"value\":1}]}}",
}

// inputSeeds are the seeds from in-35 on that read without error.
var inputSeeds = []int{35, 36, 38, 39, 40, 41, 42, 44, 45}

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
		{"empty, dimension fixed", "", []Option{WithEmbeddingDim(7)}},
		{"inputs", seedLines(inputSeeds...), nil},
		{"inputs, tiny batches and blocks", seedLines(inputSeeds...), []Option{WithBatchSize(1), withBlocks(40, 3)}},
		{"inputs, dimension fixed", seedLines(inputSeeds...), []Option{WithEmbeddingDim(5)}},
		{"inputs, dimension fixed wrong", seedLines(inputSeeds...), []Option{WithEmbeddingDim(3), WithMaxErrors(100)}},
		{"inputs, embeddings skipped", seedLines(inputSeeds...), []Option{WithEmbeddingDim(-1)}},
		{"bad dimension, first error", seedLines(35, 0, 37, 36), nil},
		{"bad dimension, collect", seedLines(35, 0, 37, 36, 37, 1, 5, 37), []Option{WithMaxErrors(100), withBlocks(100, 2)}},
		{"bad dimension, limit", seedLines(35, 0, 37, 36, 37, 1, 5, 37), []Option{WithMaxErrors(3), withBlocks(100, 2)}},
		{"bad dimension, tiny batches", seedLines(35, 37, 0, 37, 36, 37, 1), []Option{WithMaxErrors(100), WithBatchSize(2), withBlocks(64, 3)}},
		// The dimension comes from the first batch only: later embeddings
		// are ignored when it has none, however far the first batch
		// reaches into later blocks.
		{"dimension after the first batch", seedLines(0, 1, 2, 20, 35, 36), []Option{WithBatchSize(4), withBlocks(64, 2)}},
		{"dimension at the end of the first batch", seedLines(0, 1, 2, 20, 35, 36), []Option{WithBatchSize(5), withBlocks(64, 2)}},
		{"dimension after errors in the first batch", seedLines(5, 6, 1, 35, 36), []Option{WithBatchSize(3), WithMaxErrors(10), withBlocks(40, 2)}},
		{"first batch ends at rows", seedLines(0, 1, 35), []Option{WithBatchSize(4), withBlocks(50, 2)}},
		{"first batch ends at rows, one more", seedLines(0, 1, 35), []Option{WithBatchSize(5), withBlocks(50, 2)}},
		{"dimension after long lines", seedLines(0, 1, 35, 36), []Option{WithMaxLineBytes(150), WithBatchSize(2), WithMaxErrors(10), withBlocks(40, 2)}},
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

// seedLines joins the seeds with the given indices into JSONL.
func seedLines(idx ...int) string {
	var lines []string
	for _, i := range idx {
		lines = append(lines, fastSeeds[i])
	}
	return strings.Join(lines, "\n") + "\n"
}

func FuzzFastJSONL(f *testing.F) {
	for i, s := range fastSeeds {
		f.Add([]byte(s+"\n"+fastSeeds[(i+1)%len(fastSeeds)]), uint8(i))
	}
	f.Add([]byte(seedLines(0, 35, 37, 36, 38, 39)), uint8(0x32))
	f.Add([]byte(seedLines(1, 2, 36, 37, 46)), uint8(0x13))
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
		if mode&16 != 0 {
			// Small first batches: where the embedding dimension is decided.
			opts = append(opts, WithBatchSize(1+int(mode>>5)))
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
	// With the inputs table: media, metadata, dataset ids, embeddings.
	for _, i := range []int{35, 36, 37, 38, 39, 41} {
		p := &fastParser{inputs: true, embOn: true}
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

func TestParseFloat32(t *testing.T) {
	// Random decimals around the exact path's limits (15 digits, 22
	// decimals) must equal float32(strconv.ParseFloat(s, 64)) bit for bit.
	rng := rand.New(rand.NewPCG(1, 2))
	check := func(s string) {
		f, err := strconv.ParseFloat(s, 64)
		require.NoError(t, err, s)
		assert.Equal(t, math.Float32bits(float32(f)), math.Float32bits(parseFloat32([]byte(s))), s)
	}
	for _, s := range []string{"0", "-0", "0.0", "-0.0", "1", "0.1", "0.30000001192092896", "123456789012345",
		"1234567890123456", "0.0000000000000000000001", "0.00000000000000000000001", "3.4028235677973366e38"[:18],
		"340282356779733661637539395458142568448", "-0.000000000000000000000000000000000000000000001"} {
		check(s)
	}
	for i := 0; i < 200_000; i++ {
		digits := 1 + rng.IntN(20)
		b := make([]byte, 0, 32)
		if rng.IntN(2) == 0 {
			b = append(b, '-')
		}
		num := make([]byte, digits)
		for j := range num {
			num[j] = byte('0' + rng.IntN(10))
		}
		dot := rng.IntN(digits + 1)
		lead := num[:max(dot, 1)]
		lead = bytes.TrimLeft(lead, "0")
		if len(lead) == 0 {
			lead = []byte("0")
		}
		b = append(b, lead...)
		if frac := num[max(dot, 1):]; len(frac) > 0 {
			if rng.IntN(3) == 0 {
				frac = append(bytes.Repeat([]byte("0"), rng.IntN(25)), frac...)
			}
			b = append(append(b, '.'), frac...)
		}
		check(string(b))
	}
}
