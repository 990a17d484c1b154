package writeback_test

import (
	"context"
	"strings"
	"testing"

	"github.com/apache/arrow/go/v15/arrow/memory"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"curate.dev/dataset"
	"curate.dev/writeback"
)

func TestChosenChanges(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	src := `{"input_id":"a","concept_id":"wolf","value":0,"score":0.9}
{"input_id":"b","concept_id":"wolf","value":0,"score":0.5}
{"input_id":"c","concept_id":"wolf","value":0,"score":0.8,"accept":false}
{"input_id":"d","concept_id":"fox","value":1,"score":0.7}
{"input_id":"a","concept_id":"wolf","value":0,"score":0.9}
`
	tbl, err := writeback.ReadChanges(context.Background(), strings.NewReader(src), writeback.ReadOptions{Name: "s.jsonl", Allocator: mem})
	require.NoError(t, err)
	defer tbl.Release()

	tests := []struct {
		name string
		opts writeback.Options
		want []string
	}{
		{"all accepted, repeats dropped", writeback.Options{}, []string{"a/wolf=0", "b/wolf=0", "d/fox=1"}},
		{"min score", writeback.Options{MinScore: 0.6}, []string{"a/wolf=0", "d/fox=1"}},
		{"concepts", writeback.Options{Concepts: []string{"fox"}}, []string{"d/fox=1"}},
		{"top per concept", writeback.Options{TopPerConcept: 1}, []string{"a/wolf=0", "d/fox=1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.opts.Annotator = "curate"
			got, err := writeback.ChosenChanges(tbl, tt.opts)
			require.NoError(t, err)
			var keys []string
			for _, a := range got {
				keys = append(keys, a.InputID+"/"+a.ConceptID+"="+map[float32]string{0: "0", 1: "1"}[a.Value])
				assert.Equal(t, dataset.ValueExplicit, a.Source)
				assert.Equal(t, "curate", a.Annotator)
				assert.Equal(t, dataset.AnnotatorUser, a.AnnotatorKind)
			}
			assert.Equal(t, tt.want, keys)
		})
	}

	bad := `{"input_id":"a","concept_id":"wolf","value":0}
{"input_id":"a","concept_id":"wolf","value":1}
`
	tbl2, err := writeback.ReadChanges(context.Background(), strings.NewReader(bad), writeback.ReadOptions{Name: "s.jsonl", Allocator: mem})
	require.NoError(t, err)
	defer tbl2.Release()
	_, err = writeback.ChosenChanges(tbl2, writeback.Options{})
	assert.ErrorIs(t, err, writeback.ErrConflict)
}
