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

func TestWritePreviewHTML(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	src := `{"id":"a<1>","data":{"image":{"url":"http://x/a.jpg"},"concepts":[{"id":"dog","value":1},{"id":"wolf","value":0}]}}
{"id":"b","data":{"concepts":[{"id":"cat"}]}}
`
	r, err := dataset.NewReader(context.Background(), strings.NewReader(src), dataset.WithAllocator(mem))
	require.NoError(t, err)
	defer r.Release()
	tabs, err := dataset.ReadTables(r)
	require.NoError(t, err)
	defer tabs.Release()

	var b strings.Builder
	require.NoError(t, dataset.WritePreviewHTML(&b, tabs.Annotations, 2))
	out := b.String()
	assert.Contains(t, out, "<b>3 rows</b>, 8 columns")
	assert.Contains(t, out, "concept_id: dictionary&lt;values=utf8, indices=int32")
	assert.Contains(t, out, "<td style=\"padding:2px 8px\">a&lt;1&gt;</td>", "values are escaped")
	assert.Contains(t, out, ">wolf<")
	assert.NotContains(t, out, ">cat<", "only the first 2 rows")
	assert.Contains(t, out, "… 1 more rows")

	b.Reset()
	require.NoError(t, dataset.WritePreviewHTML(&b, tabs.Annotations, 0))
	assert.Contains(t, b.String(), ">cat<")
	assert.Contains(t, b.String(), ">http_default<", "the omitted value shows where it came from")
	assert.NotContains(t, b.String(), "more rows")
}
