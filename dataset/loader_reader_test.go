package dataset

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/apache/arrow/go/v15/arrow/array"
	"github.com/apache/arrow/go/v15/arrow/memory"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestFramingAllFormats(t *testing.T) {
	wantAnns := []Annotation{
		{InputID: "a", ConceptID: "dog", Value: 1},
		{InputID: "b", ConceptID: "dog", Value: 0},
	}
	const (
		jsonl = `{"id":"a","data":{"concepts":[{"id":"dog","value":1}]}}` + "\n" + `{"id":"b","data":{"concepts":[{"id":"dog","value":0}]}}` + "\n"
		csv   = "input_id,concept_id,value\na,dog,1\nb,dog,0\n"
	)
	bom := "\xef\xbb\xbf"
	crlf := func(s string) string { return strings.ReplaceAll(s, "\n", "\r\n") }
	blank := func(s string) string { return "\n  \n" + strings.ReplaceAll(s, "\n", "\n\n\t\n") }
	for _, tc := range []struct {
		name string
		src  string
		opts []Option
		want []Annotation // nil: no rows
	}{
		{"jsonl", jsonl, nil, wantAnns},
		{"jsonl bom", bom + jsonl, nil, wantAnns},
		{"jsonl crlf", crlf(jsonl), nil, wantAnns},
		{"jsonl blank lines", blank(jsonl), nil, wantAnns},
		{"jsonl no final newline", strings.TrimSuffix(jsonl, "\n"), nil, wantAnns},
		{"jsonl bom forced", bom + jsonl, []Option{WithFormat(FormatJSONL)}, wantAnns},
		{"json bom", bom + toArray(jsonl), nil, wantAnns},
		{"json bom forced", bom + toArray(jsonl), []Option{WithFormat(FormatJSON)}, wantAnns},
		{"json crlf", crlf(toArray(jsonl)), nil, wantAnns},
		{"json blank lines", blank(toArray(jsonl)), nil, wantAnns},
		{"csv", csv, nil, wantAnns},
		{"csv bom", bom + csv, nil, wantAnns},
		{"csv bom quoted header", bom + `"input_id","concept_id","value"` + "\na,dog,1\nb,dog,0\n", nil, wantAnns},
		{"csv crlf", crlf(csv), nil, wantAnns},
		{"csv blank lines", strings.ReplaceAll(csv, "\n", "\n\n"), nil, wantAnns},
		{"csv no final newline", strings.TrimSuffix(csv, "\n"), nil, wantAnns},
		{"empty", "", nil, nil},
		{"only blanks", "\n \r\n\t\n", nil, nil},
		{"only bom", bom, nil, nil},
		{"empty forced jsonl", "", []Option{WithFormat(FormatJSONL)}, nil},
		{"empty forced json", "", []Option{WithFormat(FormatJSON)}, nil},
		{"empty forced csv", "", []Option{WithFormat(FormatCSV)}, nil},
		{"empty forced open images", "", []Option{WithFormat(FormatOpenImages)}, nil},
		{"csv header only", "input_id,concept_id,value\n", nil, nil},
		{"open images header only", "ImageID,Source,LabelName,Confidence\n", nil, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := load(t, tc.src, tc.opts...)
			require.NoError(t, err)
			assert.Equal(t, tc.want, got.anns)
			assert.Equal(t, int64(len(tc.want)), got.stats.Annotations)
		})
	}
}

func TestMaxErrors(t *testing.T) {
	const jsonl = `{"id":"a","data":{"concepts":[{"id":"dog","value":1}]}}
{"id":"b","data":{"concepts":[{"id":"dog","value":0.5}]}}
{"id":"c","data":{"concepts":[{"id":"dog","value":0}]}}
{"id":7}
not json
{"id":"f","data":{"concepts":[{"id":"dog","value":1}]}}
`
	const csv = "input_id,concept_id,value\na,dog,1\nb,dog,0.5\nc,dog,0\nd,,1\ne,dog\nf,dog,1\n"
	type problem struct {
		line  int
		field string
	}
	for _, tc := range []struct {
		name      string
		src       string
		max       int
		want      []problem
		truncated bool
	}{
		{"jsonl all", jsonl, 10, []problem{{2, "data.concepts[0].value"}, {4, "id"}, {5, ""}}, false},
		{"jsonl at the limit", jsonl, 2, []problem{{2, "data.concepts[0].value"}, {4, "id"}}, true},
		{"json all", toArray(strings.Replace(jsonl, "not json\n", "", 1)), 10, []problem{{3, "data.concepts[0].value"}, {5, "id"}}, false},
		{"csv all", csv, 10, []problem{{3, "value"}, {5, "concept_id"}, {6, ""}}, false},
		{"csv at the limit", csv, 3, []problem{{3, "value"}, {5, "concept_id"}, {6, ""}}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, batch := range []int{1, 1000} {
				got, err := load(t, tc.src, WithMaxErrors(tc.max), WithName("f"), WithBatchSize(batch))
				require.Error(t, err, "problems must never read as success")
				l := errorList(t, err)
				assert.Equal(t, tc.truncated, l.Truncated)
				var probs []problem
				for _, e := range l.Errs {
					var pe *ParseError
					require.ErrorAs(t, e, &pe)
					assert.Equal(t, "f", pe.File)
					probs = append(probs, problem{pe.Line, pe.Field})
				}
				assert.Equal(t, tc.want, probs)
				assert.Equal(t, int64(len(tc.want)), got.stats.Skipped)
				assert.ErrorIs(t, err, ErrValue, "errors.Is sees every problem")
				assert.True(t, strings.HasPrefix(err.Error(), "dataset: "), err.Error())
			}
		})
	}
}

func TestMaxErrorsOneReturnsTheError(t *testing.T) {
	_, err := load(t, "{\"id\":\"a\"}\n{\"id\":1}\n{\"id\":2}\n", WithMaxErrors(1), WithName("f"))
	var l *ErrorList
	assert.False(t, errors.As(err, &l), "a single error is not wrapped in a list")
	checkParseError(t, err, "f", wantErr{line: 2, field: "id", is: ErrShape})
}

func TestLineLimit(t *testing.T) {
	long := strings.Repeat("x", 300)
	for _, tc := range []struct {
		name string
		src  string
		want []int // lines of the problems, in order
		rows int64 // annotations read from the good records
	}{
		{"jsonl", "{\"id\":\"a\",\"data\":{\"concepts\":[{\"id\":\"c\"}]}}\n{\"id\":\"" + long + "\"}\n{\"id\":\"b\",\"data\":{\"concepts\":[{\"id\":\"c\"}]}}\n", []int{2}, 2},
		{"jsonl last line without newline", "{\"id\":\"a\"}\n{\"id\":\"" + long + "\"}", []int{2}, 0},
		{"jsonl two long lines", "{\"id\":\"" + long + "\"}\n\n{\"id\":\"" + long + "\"}\n", []int{1, 3}, 0},
		{"csv", "input_id,concept_id,value\na,dog,1\nb," + long + ",1\nc,dog,0\n", []int{3}, 2},
		{"csv long header", "input_id,concept_id,value," + long + "\na,dog,1,x\n", []int{1}, 0},
		{"csv long quoted field", "input_id,concept_id,value\na,dog,1\nb,\"" + long + "\",1\n", []int{3}, 1},
		{"json", "[\n{\"id\":\"a\"},\n{\"id\":\"" + long + long + long + "\"},\n{\"id\":\"b\"}]", []int{3}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := load(t, tc.src, WithMaxLineBytes(100), WithMaxErrors(10), WithName("f"))
			l := errorList(t, err)
			var lines []int
			for _, e := range l.Errs {
				var pe *ParseError
				require.ErrorAs(t, e, &pe)
				assert.ErrorIs(t, e, ErrLineTooLong)
				lines = append(lines, pe.Line)
			}
			assert.Equal(t, tc.want, lines)
			if tc.name != "json" {
				got, _ := load(t, tc.src, WithMaxLineBytes(100), WithMaxErrors(10))
				assert.Equal(t, tc.rows, got.stats.Annotations, "good records around a long line are read")
			}
			// The default limit reads the same file.
			_, err = load(t, tc.src)
			assert.NoError(t, err)
		})
	}
}

func TestLineLimitExactLength(t *testing.T) {
	line := `{"id":"` + strings.Repeat("a", 93) + `"}` // 102 bytes
	for _, eol := range []string{"\n", "\r\n", ""} {
		_, err := load(t, line+eol, WithMaxLineBytes(len(line)))
		assert.NoError(t, err, "a line of exactly the limit is accepted (eol %q)", eol)
		_, err = load(t, line+eol, WithMaxLineBytes(len(line)-2))
		assert.ErrorIs(t, err, ErrLineTooLong, "eol %q", eol)
	}
}

func TestEmbeddings(t *testing.T) {
	emb := func(id string, vec string) string {
		if vec == "" {
			return `{"id":"` + id + `","data":{"concepts":[{"id":"c","value":1}]}}` + "\n"
		}
		return `{"id":"` + id + `","data":{"concepts":[{"id":"c","value":1}],"embeddings":[{"vector":[` + vec + `]}]}}` + "\n"
	}
	for _, tc := range []struct {
		name    string
		src     string
		opts    []Option
		dim     int
		embs    [][]float32 // per input
		ignored int64
		err     *wantErr
	}{
		{name: "auto from first batch", src: emb("a", "") + emb("b", "1,2") + emb("c", "3,4"),
			dim: 2, embs: [][]float32{nil, {1, 2}, {3, 4}}},
		{name: "auto, small batches", src: emb("a", "1,2") + emb("b", "") + emb("c", "3,4"), opts: []Option{WithBatchSize(1)},
			dim: 2, embs: [][]float32{{1, 2}, nil, {3, 4}}},
		{name: "mismatch in first batch", src: emb("a", "1,2") + emb("b", "") + emb("c", "3,4,5"),
			err: &wantErr{line: 3, field: "data.embeddings", is: ErrShape}},
		{name: "mismatch in later batch", src: emb("a", "1,2") + emb("b", "") + emb("c", "3,4,5"), opts: []Option{WithBatchSize(1)},
			err: &wantErr{line: 3, field: "data.embeddings", is: ErrShape}},
		{name: "mismatch in json array", src: toArray(emb("a", "1,2") + emb("c", "3,4,5")), opts: []Option{WithBatchSize(1)},
			err: &wantErr{line: 3, field: "data.embeddings", is: ErrShape}},
		{name: "fixed dim", src: emb("a", "1,2,3"), opts: []Option{WithEmbeddingDim(3)}, dim: 3, embs: [][]float32{{1, 2, 3}}},
		{name: "fixed dim mismatch", src: emb("a", "1,2,3") + emb("b", "1,2"), opts: []Option{WithEmbeddingDim(3)},
			err: &wantErr{line: 2, field: "data.embeddings", is: ErrShape}},
		{name: "skipped", src: emb("a", "1,2") + emb("b", "1,2,3"), opts: []Option{WithEmbeddingDim(-1)},
			dim: 0, embs: [][]float32{nil, nil}},
		{name: "first seen after first batch", src: emb("a", "") + emb("b", "1,2"), opts: []Option{WithBatchSize(1)},
			dim: 0, embs: [][]float32{nil, nil}, ignored: 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := load(t, tc.src, append([]Option{WithName("e.jsonl")}, tc.opts...)...)
			if tc.err != nil {
				checkParseError(t, err, "e.jsonl", *tc.err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.dim, got.dim)
			var embs [][]float32
			for _, in := range got.inputs {
				embs = append(embs, in.Embedding)
			}
			assert.Equal(t, tc.embs, embs)
			assert.Equal(t, tc.ignored, got.stats.EmbeddingsIgnored)
		})
	}
}

func TestMaxErrorsSkipsEmbeddingMismatch(t *testing.T) {
	src := `{"id":"a","data":{"concepts":[{"id":"c"}],"embeddings":[{"vector":[1,2]}]}}
{"id":"b","data":{"concepts":[{"id":"c"}],"embeddings":[{"vector":[1,2,3]}]}}
{"id":"c","data":{"concepts":[{"id":"c"}],"embeddings":[{"vector":[3,4]}]}}
`
	got, err := load(t, src, WithMaxErrors(5))
	l := errorList(t, err)
	require.Len(t, l.Errs, 1)
	assert.Equal(t, int64(2), got.stats.Inputs)
	assert.Equal(t, int64(2), got.stats.Annotations)
	assert.Equal(t, int64(2), got.stats.ImplicitValues, "the skipped input's values are not counted")
}

func TestContextCancel(t *testing.T) {
	src := strings.Repeat(`{"id":"a","data":{"concepts":[{"id":"c","value":1}]}}`+"\n", 10)
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)

	t.Run("before the first batch", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		r, err := NewReader(ctx, strings.NewReader(src), WithAllocator(mem))
		require.NoError(t, err)
		defer r.Release()
		assert.False(t, r.Next())
		assert.ErrorIs(t, r.Err(), context.Canceled)
	})
	t.Run("between batches", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		r, err := NewReader(ctx, strings.NewReader(src), WithAllocator(mem), WithBatchSize(2))
		require.NoError(t, err)
		defer r.Release()
		require.True(t, r.Next())
		cancel()
		assert.False(t, r.Next())
		assert.ErrorIs(t, r.Err(), context.Canceled)
		assert.Nil(t, r.Annotations(), "the batch before is released")
	})
}

func TestRecordReaderViews(t *testing.T) {
	src := strings.Repeat(jsonFull, 3)
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)

	for _, tc := range []struct {
		name string
		view func(*Reader) array.RecordReader
		rows int64
	}{
		{"annotations", (*Reader).AnnotationReader, 24},
		{"inputs", (*Reader).InputReader, 12},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := NewReader(context.Background(), strings.NewReader(src), WithAllocator(mem), WithBatchSize(5))
			require.NoError(t, err)
			rr := tc.view(r)
			r.Release() // the view keeps the reader alive
			defer rr.Release()
			schema := rr.Schema()
			require.NotNil(t, schema)
			var rows int64
			var kept []interface{ Release() }
			for rr.Next() {
				rec := rr.Record()
				require.NotNil(t, rec)
				assert.True(t, schema.Equal(rec.Schema()), "records match Schema")
				rows += rec.NumRows()
				rec.Retain() // keep one past Next, as a consumer may
				kept = append(kept, rec)
			}
			require.NoError(t, rr.Err())
			assert.Equal(t, tc.rows, rows)
			for _, k := range kept {
				k.Release()
			}
		})
	}
	t.Run("inputs schema has the embedding", func(t *testing.T) {
		r, err := NewReader(context.Background(), strings.NewReader(src), WithAllocator(mem))
		require.NoError(t, err)
		rr := r.InputReader()
		defer rr.Release()
		r.Release()
		assert.Equal(t, 3, EmbeddingDim(rr.Schema()))
	})
	t.Run("error", func(t *testing.T) {
		r, err := NewReader(context.Background(), strings.NewReader(jsonFull+"{\"id\":1}\n"), WithAllocator(mem), WithBatchSize(2))
		require.NoError(t, err)
		defer r.Release()
		rr := r.AnnotationReader()
		defer rr.Release()
		for rr.Next() {
		}
		assert.ErrorIs(t, rr.Err(), ErrShape)
	})
}

func TestReadTables(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	for _, tc := range []struct {
		name   string
		src    string
		opts   []Option
		anns   int64
		inputs int64 // -1: no inputs table
		err    error
	}{
		{"jsonl", strings.Repeat(jsonFull, 4), []Option{WithBatchSize(3)}, 32, 16, nil},
		{"csv", "input_id,concept_id,value\na,dog,1\nb,dog,0\na,cat,1\n", []Option{WithBatchSize(1)}, 3, 2, nil},
		{"no inputs", jsonFull, []Option{WithInputs(false)}, 8, -1, nil},
		{"empty", "", nil, 0, 0, nil},
		{"error after batches", strings.Repeat(jsonFull, 4) + "{\"id\":1}\n", []Option{WithBatchSize(3)}, 0, 0, ErrShape},
		{"error list", strings.Repeat(jsonFull, 2) + "{\"id\":1}\n" + jsonFull, []Option{WithBatchSize(3), WithMaxErrors(3)}, 0, 0, ErrShape},
		{"error in first batch", "{\"id\":1}\n" + jsonFull, nil, 0, 0, ErrShape},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := NewReader(context.Background(), strings.NewReader(tc.src), append([]Option{WithAllocator(mem)}, tc.opts...)...)
			require.NoError(t, err)
			defer r.Release()
			tabs, err := ReadTables(r)
			if tc.err != nil {
				assert.ErrorIs(t, err, tc.err)
				assert.Nil(t, tabs)
				return
			}
			require.NoError(t, err)
			defer tabs.Release()
			assert.Equal(t, tc.anns, tabs.Annotations.NumRows())
			assert.Equal(t, tc.anns, tabs.Stats.Annotations)
			assert.True(t, tabs.Annotations.Schema().Equal(AnnotationSchema()))
			if tc.inputs < 0 {
				assert.Nil(t, tabs.Inputs)
				return
			}
			require.NotNil(t, tabs.Inputs)
			assert.Equal(t, tc.inputs, tabs.Inputs.NumRows())
			assert.Equal(t, tc.inputs, tabs.Stats.Inputs)
		})
	}
}

// errReader fails after its data.
type errReader struct {
	data string
	err  error
}

func (e *errReader) Read(p []byte) (int, error) {
	if e.data == "" {
		return 0, e.err
	}
	n := copy(p, e.data)
	e.data = e.data[n:]
	return n, nil
}

func TestReadFailureEndsStream(t *testing.T) {
	boom := errors.New("disk on fire")
	for _, tc := range []struct {
		name   string
		data   string
		format Format
	}{
		{"jsonl", jsonFull, FormatJSONL},
		{"json", "[" + `{"id":"a"},`, FormatJSON},
		{"csv", "input_id,concept_id,value\na,dog,1\n", FormatCSV},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			_, err := NewReader(context.Background(), &errReader{tc.data, boom}, WithAllocator(mem))
			assert.ErrorIs(t, err, boom, "recognising the format reads ahead")
			r, err := NewReader(context.Background(), &errReader{tc.data, boom}, WithAllocator(mem), WithBatchSize(1), WithFormat(tc.format))
			require.NoError(t, err)
			defer r.Release()
			for r.Next() {
			}
			assert.ErrorIs(t, r.Err(), boom)
		})
	}
	var _ io.Reader = (*errReader)(nil)
}

func TestOtherKindsOfFile(t *testing.T) {
	for _, tc := range []struct {
		name, src string
		opts      []Option
		want      string // in the message; "" when the file loads
	}{
		{"relations JSONL", `{"subject_concept":{"id":"husky"},"object_concept":{"id":"dog"},"predicate":"hyponym"}` + "\n", nil, "concept relations"},
		{"relations array", "[\n" + `{"id":"r1","subject_concept":{"id":"husky"},"predicate":"hyponym","object_concept":{"id":"dog"}}]`, nil, ""},
		{"relations array without ids", `[{"subject_concept":{"id":"husky"},"predicate":"hyponym","object_concept":{"id":"dog"}}]`, nil, "concept relations"},
		{"relations response", `{"status":{"code":10000},"concept_relations":[]}`, nil, "concept relations"},
		{"suggestions", `{"input_id":"in-1","concept_id":"wolf","value":0,"score":0.4,"reason":"often with dog"}` + "\n", nil, "suggestions"},
		{"suggestions forced as JSONL", `{"input_id":"in-1","concept_id":"wolf","value":0}`, []Option{WithFormat(FormatJSONL)}, "suggestions"},
		{"a dataset", `{"id":"in-1","data":{"concepts":[{"id":"dog","value":1}]}}`, nil, ""},
		{"CSV with input_id", "input_id,concept_id,value\na,dog,1\n", nil, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := load(t, tc.src, append([]Option{WithName("f")}, tc.opts...)...)
			if tc.want == "" {
				if err != nil {
					assert.NotErrorIs(t, err, ErrNotDataset)
				}
				return
			}
			require.ErrorIs(t, err, ErrNotDataset)
			assert.Contains(t, err.Error(), tc.want)
			assert.True(t, strings.HasPrefix(err.Error(), "dataset: f: "), err.Error())
		})
	}
}

func TestCompressedDataIsNamed(t *testing.T) {
	for _, tc := range []struct {
		name, src string
		opts      []Option
		want      string
	}{
		{"gzip", "\x1f\x8b\x08\x00rest", nil, "dataset: f: unrecognised format: the data is gzip-compressed; decompress it first"},
		{"zstd as CSV", "\x28\xb5\x2f\xfdrest", []Option{WithFormat(FormatCSV)}, "dataset: f: unrecognised format: the data is zstd-compressed; decompress it first"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := load(t, tc.src, append([]Option{WithName("f")}, tc.opts...)...)
			require.ErrorIs(t, err, ErrFormat)
			assert.Equal(t, tc.want, err.Error())
		})
	}
}
