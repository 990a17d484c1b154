package dataset

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/memory"
)

// The fuzz targets feed arbitrary bytes to each loader. Properties: no
// panic; nothing leaks from the checked allocator; every error is a
// *ParseError (or an *ErrorList of them) naming the file and a line; on
// success the rows read equal the Stats.

// fuzzLoad reads src in format f with small limits so that batching, the
// first-batch embedding rule and the line limit are all exercised.
func fuzzLoad(t *testing.T, src []byte, f Format, batch uint8, maxErrors uint8) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	r, err := NewReader(context.Background(), strings.NewReader(string(src)),
		WithAllocator(mem), WithName("fuzz"), WithFormat(f),
		WithBatchSize(int(batch%8)+1), WithMaxErrors(int(maxErrors%4)+1), WithMaxLineBytes(512))
	if err != nil {
		checkFuzzError(t, err)
		return
	}
	defer r.Release()
	var anns, inputs int64
	for r.Next() {
		a := r.Annotations()
		if a == nil {
			t.Fatal("Next returned true without annotations")
		}
		checkRecord(t, a)
		anns += a.NumRows()
		if in := r.Inputs(); in != nil {
			checkRecord(t, in)
			inputs += in.NumRows()
		}
	}
	if err := r.Err(); err != nil {
		checkFuzzError(t, err)
		return
	}
	st := r.Stats()
	if anns != st.Annotations || inputs != st.Inputs {
		t.Fatalf("read %d annotations and %d inputs, stats say %+v", anns, inputs, st)
	}
	if st.ImplicitValues > st.Annotations || st.Skipped != 0 {
		t.Fatalf("inconsistent stats %+v", st)
	}
}

// checkRecord checks column lengths and reads every value back.
func checkRecord(t *testing.T, rec arrow.Record) {
	t.Helper()
	for i, col := range rec.Columns() {
		if int64(col.Len()) != rec.NumRows() {
			t.Fatalf("column %d has %d rows, record %d", i, col.Len(), rec.NumRows())
		}
		for j := 0; j < col.Len(); j++ {
			_ = col.ValueStr(j)
		}
	}
}

func checkFuzzError(t *testing.T, err error) {
	t.Helper()
	var l *ErrorList
	if errors.As(err, &l) {
		if len(l.Errs) == 0 {
			t.Fatal("empty error list")
		}
		for _, e := range l.Errs {
			checkOneFuzzError(t, e)
		}
		return
	}
	checkOneFuzzError(t, err)
}

func checkOneFuzzError(t *testing.T, err error) {
	t.Helper()
	var pe *ParseError
	if !errors.As(err, &pe) {
		t.Fatalf("want a *ParseError, got %T: %v", err, err)
	}
	// A file of another kind, or compressed, is a finding about the whole file.
	whole := errors.Is(err, ErrNotDataset) || errors.Is(err, ErrFormat)
	if pe.File != "fuzz" || (pe.Line <= 0 && !whole) || pe.Err == nil {
		t.Fatalf("error without a position: %#v (%v)", pe, err)
	}
	if !strings.HasPrefix(err.Error(), "dataset: fuzz:") {
		t.Fatalf("badly formatted error %q", err.Error())
	}
}

var jsonSeeds = []string{
	jsonFull,
	"",
	"\n\n",
	"\xef\xbb\xbf{\"id\":\"a\"}\r\n",
	`{"id":"a","data":{"concepts":[{"id":"wolf","value":0},{"id":"dog"}]}}`,
	`{"id":"a","data":{"concepts":[{"id":"dog","value":0.5}],"embeddings":[{"vector":[1,2]}]}}` + "\n" + `{"id":"b","data":{"embeddings":[{"vector":[1]}]}}`,
	`{"id":1}`,
	`{"id":"a","data":"x"}`,
	`{"id":"a","data":{"concepts":{}}}`,
	`{"id":"a","data":{"concepts":[{"id":"c","value":"1"}]}}`,
	`{"id":"a","data":{"concepts":[{"id":"c","value":true}]}}`,
	`{"id":"a","data":{"metadata":{"k":[1,{"x":null}]}},"dataset_ids":["d"]}`,
	`{"id":"a","annotations":[{"id":"x","data":{"concepts":[{"id":"c","value":0.3}]},"worker":{"model":{"id":"m"}}}]}`,
	`{"id":"` + strings.Repeat("a", 600) + `"}`,
	`{"id":"a\ud800","data":{"concepts":[{"id":"c\udc00","value":1e-400}]}}`,
	"{\"id\":\"a\xff\",\"annotations\":[{\"user_id\":\"\xfe\",\"data\":{\"concepts\":[{\"id\":\" \"}]}}]}",
	`{"subject_concept":{"id":"husky"},"object_concept":{"id":"dog"},"predicate":"hyponym"}`,
	`{"input_id":"a","concept_id":"c","value":0}`,
}

func FuzzJSONL(f *testing.F) {
	for _, s := range jsonSeeds {
		f.Add([]byte(s), uint8(0), uint8(0))
		f.Add([]byte(s), uint8(1), uint8(3))
	}
	f.Fuzz(func(t *testing.T, src []byte, batch, maxErrors uint8) {
		fuzzLoad(t, src, FormatJSONL, batch, maxErrors)
	})
}

func FuzzJSON(f *testing.F) {
	for _, s := range jsonSeeds {
		f.Add([]byte(toArray(s)), uint8(0), uint8(0))
		f.Add([]byte(`{"status":{"code":10000},"inputs":`+toArray(s)+`}`), uint8(1), uint8(3))
	}
	f.Add([]byte(`[`), uint8(0), uint8(0))
	f.Add([]byte(`[{"id":"a"}]]`), uint8(0), uint8(0))
	f.Add([]byte(`{"inputs":7}`), uint8(0), uint8(0))
	f.Add([]byte(`{"status":{"code":10000},"hits":[{"score":0.9,"input":{"id":"a","data":{"concepts":[{"id":"c"}]}}},{"input":null}]}`), uint8(0), uint8(1))
	f.Add([]byte("{\"status\":{\"code\":21200,\"description\":\"x\"},\n\"inputs\":[{\"id\":\"a\"}]}"), uint8(0), uint8(0))
	f.Add([]byte(`{"inputs":[{"id":"a"}],"status":{"code":"SUCCESS"},"inputs":[{"id":"b"}]}`), uint8(0), uint8(0))
	f.Add([]byte(`{"concept_relations":[]}`), uint8(0), uint8(0))
	f.Add([]byte("\x1f\x8b\x08\x00"), uint8(0), uint8(0))
	f.Fuzz(func(t *testing.T, src []byte, batch, maxErrors uint8) {
		fuzzLoad(t, src, FormatJSON, batch, maxErrors)
	})
}

var csvSeeds = []string{
	"input_id,concept_id,value,concept_name,annotator,annotator_kind,annotation_id\nin-1,dog,1,Dog,alice,,ann-1\nin-1,wolf,0,,,,\nin-2,dog,0.9,Dog,m,model,\n",
	"input_id,concept_id,value\r\na,\"d\"\"og\",1\r\n\r\nb,\"multi\nline\",0\r\n",
	"\xef\xbb\xbfvalue,concept_id,input_id\n1,c,a\n",
	"input_id,concept_id,value\na,c,0.5\nb,,1\n,c,1\nd,c\n",
	"input_id,concept\na,b\n",
	"input_id,concept_id,value\na,b,\"" + strings.Repeat("1", 600) + "\"\n",
	"input_id,concept_id,value,value,,\na,b,1,0,,\n",
	"input_id,concept_id,value\na,b,0_1\nc,d,1e-400\n\xef\xbb\xbfinput_id,concept_id,value\n \t,c,1\n\xff,c,1\n",
}

func FuzzCSV(f *testing.F) {
	for _, s := range csvSeeds {
		f.Add([]byte(s), uint8(0), uint8(0))
		f.Add([]byte(s), uint8(2), uint8(3))
	}
	f.Fuzz(func(t *testing.T, src []byte, batch, maxErrors uint8) {
		fuzzLoad(t, src, FormatCSV, batch, maxErrors)
	})
}

func FuzzOpenImages(f *testing.F) {
	for _, s := range []string{
		"ImageID,Source,LabelName,Confidence\n000002b66c9c498e,verification,/m/0bt9lr,1\n000002b66c9c498e,machine,/m/01g317,0.7\n",
		"ImageID,Source,LabelName,Confidence\r\nimg,verification,/m/1,0.5\r\n,x,/m/1,1\r\nimg,x,,0\r\n",
		"ImageID,LabelName,Confidence\nimg,/m/1,1\n",
		"img,verification,/m/1,1\n",
	} {
		f.Add([]byte(s), uint8(0), uint8(0))
		f.Add([]byte(s), uint8(1), uint8(3))
	}
	f.Fuzz(func(t *testing.T, src []byte, batch, maxErrors uint8) {
		fuzzLoad(t, src, FormatOpenImages, batch, maxErrors)
	})
}

func FuzzRelations(f *testing.F) {
	for _, s := range []string{
		relationsJSONL,
		toArray(relationsJSONL),
		`{"status":{"code":10000},"concept_relations":` + toArray(relationsJSONL) + `}`,
		`{"concept_relations":{}}`,
		`{"subject_concept":{"id":"a"},"predicate":"synonym"}`,
		"[\n{\"subject_concept\":{\"id\":1}}\n",
		"\xef\xbb\xbf[]",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		rels, err := ReadRelations(context.Background(), strings.NewReader(string(src)), "fuzz")
		if err != nil {
			if rels != nil {
				t.Fatal("relations returned with an error")
			}
			checkFuzzError(t, err)
			return
		}
		for _, r := range rels {
			if r.Subject == "" || r.Object == "" {
				t.Fatalf("relation without a concept: %+v", r)
			}
			switch r.Predicate {
			case Hyponym, Hypernym, Synonym:
			default:
				t.Fatalf("bad predicate in %+v", r)
			}
		}
	})
}
