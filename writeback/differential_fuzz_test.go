package writeback_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/apache/arrow/go/v15/arrow/array"
	"github.com/apache/arrow/go/v15/arrow/memory"

	"curate.dev/dataset"
	"curate.dev/writeback"
)

// loadLine reads a one-input JSONL text with the loader (soft values, as
// write-back reads them) and returns the input's id and annotations.
func loadLine(src string) (id string, anns []dataset.Annotation, err error) {
	r, err := dataset.NewReader(context.Background(), strings.NewReader(src), dataset.WithSoftValues(true), dataset.WithFormat(dataset.FormatJSONL))
	if err != nil {
		return "", nil, err
	}
	defer r.Release()
	n := 0
	for r.Next() {
		ids := r.Inputs().Column(0).(*array.String)
		for i := 0; i < ids.Len(); i++ {
			id = ids.Value(i)
			n++
		}
		if anns, err = dataset.AppendAnnotations(anns, r.Annotations()); err != nil {
			return "", nil, err
		}
	}
	if err := r.Err(); err != nil {
		return "", nil, err
	}
	if n != 1 {
		return "", nil, fmt.Errorf("%d inputs", n)
	}
	return id, anns, nil
}

// labels are the values of concept's labels (not a model's or workflow's
// scores) among anns.
func labels(anns []dataset.Annotation, concept string) []float32 {
	var vs []float32
	for _, a := range anns {
		if a.ConceptID == concept && a.AnnotatorKind != dataset.AnnotatorModel && a.AnnotatorKind != dataset.AnnotatorWorkflow {
			vs = append(vs, a.Value)
		}
	}
	return vs
}

// keys renders annotations for comparing them as multisets.
func keys(anns []dataset.Annotation) []string {
	out := make([]string, 0, len(anns))
	for _, a := range anns {
		out = append(out, fmt.Sprintf("%s|%v|%s|%s|%v", a.ConceptID, a.Value, a.AnnotationID, a.Annotator, a.AnnotatorKind))
	}
	slices.Sort(out)
	return out
}

// FuzzApplyBelievesTheLoader is the differential test of write-back
// against the loader: for any line the loader reads, a change for its
// input is added exactly when the loader reads no label for the concept,
// present exactly when every label it reads has the change's value, and
// refused otherwise; and after the apply, the loader reads the line's
// annotations as they were plus exactly the written one.
func FuzzApplyBelievesTheLoader(f *testing.F) {
	for _, s := range []string{
		`{"id":"a"}`,
		`{"id":"a","data":{"concepts":[{"id":"wolf","value":1}]}}`,
		`{"id":"a","data":{"concepts":[{"id":"wolf"}]}}`,
		`{"id":"a","data":{"concept\u017f":[{"id":"wolf","value":1}]}}`,
		`{"id":"a","data":{"conceptſ":[{"id":"wolf","value":1}]}}`,
		`{"id":"a","data":{"concepts":[],"Concepts":[{"id":"wolf","value":1}]}}`,
		`{"id":"a","Data":{"concepts":[{"id":"wolf","value":0}]}}`,
		`{"id":"a","annotations":[{"worker":{"model":null},"data":{"concepts":[{"id":"wolf","value":1}]}}]}`,
		`{"id":"a","annotations":[{"worker":{"model":{"id":"m"}},"data":{"concepts":[{"id":"wolf","value":0.7}]}}]}`,
		`{"id":"a","annotations":[{"model_version_id":"v","worker":{"user":{"id":"u"}},"data":{"concepts":[{"id":"wolf","value":1}]}}]}`,
		`{"id":"a","annotations":[{"user_id":"u","data":{"concepts":[{"id":"wolf","value":1}]}}],"data":null}`,
		`{"id":"a","data":{"concepts":[{"id":"wolf","value":1},{"ID":"wolf","value":0}]}}`,
		`{"id":"a","data":{"concepts":[{"id":"wolf","value":1,"Value":0}]}}`,
		`{"id":"a","data":{"concepts":[{"id":"w\u006flf","value":null}]}}`,
		`{"id":"b","ID":"a","data":{"concepts":[{"id":"wolf","value":1}]}}`,
		`{"id":"a","data":{"image":{"url":"u"},"concepts":null,"metadata":{"concepts":[{"id":"wolf"}]}}}`,
		"\ufeff{\"id\":\"a\"}\r",
	} {
		f.Add(s, false)
		f.Add(s, true)
	}
	f.Fuzz(func(t *testing.T, line string, positive bool) {
		if strings.ContainsAny(line, "\n") {
			return
		}
		src := line + "\n"
		id, before, err := loadLine(src)
		if err != nil {
			return // the loader reads no input here: nothing to agree on
		}
		value := 0
		if positive {
			value = 1
		}
		q, _ := json.Marshal(id)
		sugg := fmt.Sprintf(`{"input_id":%s,"concept_id":"wolf","value":%d}`, q, value)
		mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
		defer mem.AssertSize(t, 0)
		tbl, err := writeback.ReadChanges(context.Background(), strings.NewReader(sugg), writeback.ReadOptions{Allocator: mem})
		if err != nil {
			t.Fatalf("suggestion %s: %v", sugg, err)
		}
		defer tbl.Release()
		was := labels(before, "wolf")

		for _, force := range []bool{false, true} {
			var out bytes.Buffer
			sum, err := writeback.ApplyJSONL(context.Background(), strings.NewReader(src), &out, tbl, writeback.Options{Force: force})
			if err != nil {
				// Write-back may decline a line (an id key it cannot reach
				// without reading the whole line, an edit the loader would
				// read otherwise), but never for a reason the loader sees.
				if !errors.Is(err, writeback.ErrUnknownInput) && !errors.Is(err, writeback.ErrUnsafeEdit) && !errors.Is(err, dataset.ErrShape) {
					t.Fatalf("force=%v: the loader reads %q, apply fails: %v", force, line, err)
				}
				continue
			}
			want := writeback.ActionAdded
			switch {
			case len(was) == 0:
			case !slices.ContainsFunc(was, func(v float32) bool { return v != float32(value) }):
				want = writeback.ActionPresent
			case force:
				want = writeback.ActionUpdated
			default:
				want = writeback.ActionRefused
			}
			got := map[writeback.Action]int64{writeback.ActionAdded: sum.Added, writeback.ActionPresent: sum.Present,
				writeback.ActionRefused: sum.Refused, writeback.ActionUpdated: sum.Updated}
			if got[want] != 1 || sum.Added+sum.Present+sum.Refused+sum.Updated != 1 {
				t.Fatalf("force=%v: the loader reads wolf=%v in %q, so want %v; apply: %+v", force, was, line, want, sum)
			}
			if sum.Written() == 0 {
				if out.String() != src {
					t.Fatalf("unchanged line rewritten:\n in: %q\nout: %q", src, out.String())
				}
				continue
			}
			_, after, err := loadLine(out.String())
			if err != nil {
				t.Fatalf("the loader cannot read the result: %v\n in: %q\nout: %q", err, line, out.String())
			}
			if want == writeback.ActionAdded {
				wantKeys := keys(append(slices.Clone(before), dataset.Annotation{ConceptID: "wolf", Value: float32(value)}))
				if !slices.Equal(wantKeys, keys(after)) {
					t.Fatalf("want the annotations as they were plus wolf=%d:\nbefore %v\n after %v\n in: %q\nout: %q", value, keys(before), keys(after), line, out.String())
				}
				continue
			}
			// Forced: wolf is read with the value, and nothing else changed.
			other := func(anns []dataset.Annotation) []dataset.Annotation {
				return slices.DeleteFunc(slices.Clone(anns), func(a dataset.Annotation) bool {
					return a.ConceptID == "wolf" && a.AnnotationID == "" && a.Annotator == "" && a.AnnotatorKind == dataset.AnnotatorUnknown
				})
			}
			if !slices.Equal(keys(other(before)), keys(other(after))) {
				t.Fatalf("forced apply changed other annotations:\nbefore %v\n after %v\n in: %q\nout: %q", keys(before), keys(after), line, out.String())
			}
			// (A user's record without id or user reads like a
			// data.concepts entry; it is never edited, so it may keep
			// its value.)
			if !slices.Contains(labels(after, "wolf"), float32(value)) {
				t.Fatalf("forced wolf=%d not read after the apply:\n in: %q\nout: %q", value, line, out.String())
			}
		}
	})
}
