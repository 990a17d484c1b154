package dataset_test

import (
	"context"
	"strings"
	"testing"

	"github.com/apache/arrow/go/v15/arrow/memory"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"curate.dev/dataset"
)

// Inputs without annotations add no rows but are counted, on the fast
// annotations-only path and the full path alike, and a file of them still
// streams in batches.
func TestUnannotatedInputs(t *testing.T) {
	var b strings.Builder
	b.WriteString(`{"id":"a","data":{"concepts":[{"id":"dog","value":1}]}}` + "\n")
	for i := 0; i < 2500; i++ {
		b.WriteString(`{"id":"u` + strings.Repeat("x", i%7) + `","data":{"image":{"url":"http://x/1.jpg"}}}` + "\n")
	}
	b.WriteString(`{"id":"c","data":{"concepts":[]}}` + "\n")
	for _, inputs := range []bool{false, true} {
		mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
		r, err := dataset.NewReader(context.Background(), strings.NewReader(b.String()),
			dataset.WithAllocator(mem), dataset.WithInputs(inputs), dataset.WithBatchSize(1000))
		require.NoError(t, err)
		batches := 0
		for r.Next() {
			batches++
		}
		require.NoError(t, r.Err())
		st := r.Stats()
		assert.Equal(t, int64(2502), st.Inputs, "inputs=%v", inputs)
		assert.Equal(t, int64(2501), st.Unannotated, "inputs=%v", inputs)
		assert.Equal(t, int64(1), st.Annotations)
		if inputs {
			assert.GreaterOrEqual(t, batches, 3, "records, not only rows, end a batch")
		}
		r.Release()
		mem.AssertSize(t, 0)
	}
}
