package dataset

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"
	"github.com/apache/arrow/go/v15/arrow/memory"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// loaded is everything a Reader produced, read back from its records.
type loaded struct {
	anns    []Annotation
	inputs  []Input
	stats   Stats
	dim     int // embedding dimension of the inputs schema
	batches int
}

// load reads src to the end with a checked allocator that must end at zero
// and returns the rows read back from the records together with Err.
func load(t testing.TB, src string, opts ...Option) (loaded, error) {
	t.Helper()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	opts = append([]Option{WithAllocator(mem), WithName("in")}, opts...)
	r, err := NewReader(context.Background(), strings.NewReader(src), opts...)
	if err != nil {
		return loaded{}, err
	}
	defer r.Release()
	var res loaded
	for r.Next() {
		res.batches++
		a := r.Annotations()
		require.NotNil(t, a)
		require.True(t, a.Schema().Equal(AnnotationSchema()), "annotation schema")
		res.anns = append(res.anns, annotationRows(t, a)...)
		if in := r.Inputs(); in != nil {
			res.dim = EmbeddingDim(in.Schema())
			res.inputs = append(res.inputs, inputRows(t, in)...)
		}
	}
	res.stats = r.Stats()
	return res, r.Err()
}

func dictString(a arrow.Array, i int) string {
	if a.IsNull(i) {
		return ""
	}
	d := a.(*array.Dictionary)
	return d.Dictionary().(*array.String).Value(d.GetValueIndex(i))
}

func plainString(a arrow.Array, i int) string {
	if a.IsNull(i) {
		return ""
	}
	return a.(*array.String).Value(i)
}

// annotationRows reads an annotations record back into structs.
func annotationRows(t testing.TB, rec arrow.Record) []Annotation {
	t.Helper()
	out := make([]Annotation, rec.NumRows())
	for i := range out {
		src, ok := ParseValueSource(dictString(rec.Column(annValueSource), i))
		require.True(t, ok, "value_source")
		kind, ok := ParseAnnotatorKind(dictString(rec.Column(annAnnotatorKind), i))
		require.True(t, ok, "annotator_kind")
		out[i] = Annotation{
			InputID:       dictString(rec.Column(annInputID), i),
			ConceptID:     dictString(rec.Column(annConceptID), i),
			ConceptName:   dictString(rec.Column(annConceptName), i),
			Value:         rec.Column(annValue).(*array.Float32).Value(i),
			Source:        src,
			AnnotationID:  plainString(rec.Column(annAnnotationID), i),
			Annotator:     dictString(rec.Column(annAnnotator), i),
			AnnotatorKind: kind,
		}
	}
	return out
}

// inputRows reads an inputs record back into structs.
func inputRows(t testing.TB, rec arrow.Record) []Input {
	t.Helper()
	out := make([]Input, rec.NumRows())
	ds := rec.Column(inDatasetIDs).(*array.List)
	dsVals := ds.ListValues().(*array.String)
	for i := range out {
		in := Input{
			ID:   plainString(rec.Column(inInputID), i),
			Kind: dictString(rec.Column(inKind), i),
			URL:  plainString(rec.Column(inURL), i),
			Text: plainString(rec.Column(inText), i),
		}
		if m := plainString(rec.Column(inMetadata), i); m != "" {
			in.Metadata = []byte(m)
		}
		start, end := ds.ValueOffsets(i)
		for j := start; j < end; j++ {
			in.DatasetIDs = append(in.DatasetIDs, dsVals.Value(int(j)))
		}
		if int(rec.NumCols()) > inEmbedding {
			emb := rec.Column(inEmbedding).(*array.FixedSizeList)
			if !emb.IsNull(i) {
				vals := emb.ListValues().(*array.Float32)
				s, e := emb.ValueOffsets(i)
				in.Embedding = append([]float32{}, vals.Float32Values()[s:e]...)
			}
		}
		out[i] = in
	}
	return out
}

// wantErr describes an expected *ParseError.
type wantErr struct {
	line  int
	field string
	is    error  // a sentinel the error must match, if set
	msg   string // the whole message, if set
}

// checkParseError asserts that err is a *ParseError at the given position.
func checkParseError(t testing.TB, err error, file string, w wantErr) {
	t.Helper()
	var pe *ParseError
	require.ErrorAs(t, err, &pe, "want a *ParseError, got %v", err)
	assert.Equal(t, file, pe.File, "file")
	assert.Equal(t, w.line, pe.Line, "line of %v", err)
	assert.Equal(t, w.field, pe.Field, "field of %v", err)
	if w.is != nil {
		assert.ErrorIs(t, err, w.is)
	}
	if w.msg != "" {
		assert.Equal(t, w.msg, err.Error())
	}
}

// errorList returns the problems of an *ErrorList.
func errorList(t testing.TB, err error) *ErrorList {
	t.Helper()
	var l *ErrorList
	require.True(t, errors.As(err, &l), "want an *ErrorList, got %v", err)
	return l
}
