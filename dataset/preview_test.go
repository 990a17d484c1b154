package dataset_test

import (
	"context"
	"strings"
	"testing"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"
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
	assert.Contains(t, out, `<td class="t">a&lt;1&gt;</td>`, "values are escaped, text is left-aligned")
	assert.Contains(t, out, `<th class="n">value</th>`, "numbers are right-aligned")
	assert.Contains(t, out, ">wolf<")
	assert.NotContains(t, out, ">cat<", "only the first 2 rows")
	assert.Contains(t, out, "… 1 more rows")

	b.Reset()
	require.NoError(t, dataset.WritePreviewHTML(&b, tabs.Annotations, 0))
	assert.Contains(t, b.String(), ">cat<")
	assert.Contains(t, b.String(), ">http_default<", "the omitted value shows where it came from")
	assert.NotContains(t, b.String(), "more rows")
}

func TestPreviewFloats(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	schema := arrow.NewSchema([]arrow.Field{{Name: "w", Type: arrow.PrimitiveTypes.Float64}}, nil)
	rec, _, err := array.RecordFromJSON(mem, schema, strings.NewReader(`[{"w":0.05555555555555555},{"w":2},{"w":1234.5678},{"w":0.00001234},{"w":-0.5}]`))
	require.NoError(t, err)
	defer rec.Release()
	tbl := array.NewTableFromRecords(schema, []arrow.Record{rec})
	defer tbl.Release()
	var b strings.Builder
	require.NoError(t, dataset.WritePreviewHTML(&b, tbl, 0))
	for _, want := range []string{">0.05556<", ">2<", ">1235<", ">1.234e-05<", ">-0.5<"} {
		assert.Contains(t, b.String(), want)
	}
	assert.NotContains(t, b.String(), "0.0555555")
}
