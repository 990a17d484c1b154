package dataset

import (
	"fmt"
	"html"
	"io"
	"strings"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"
)

// WritePreviewHTML writes an HTML fragment previewing t, as a notebook
// shows it: the row count, the schema, and the first n rows (n <= 0 means
// 10). Long cell values are shortened. It reads t without changing it.
func WritePreviewHTML(w io.Writer, t arrow.Table, n int) error {
	if n <= 0 {
		n = 10
	}
	var b strings.Builder
	b.WriteString(`<div class="curate-preview" style="font-family:sans-serif;font-size:13px">`)
	fmt.Fprintf(&b, "<p><b>%d rows</b>, %d columns</p>", t.NumRows(), t.NumCols())
	b.WriteString(`<details><summary>schema</summary><pre>`)
	for _, f := range t.Schema().Fields() {
		null := ""
		if f.Nullable {
			null = " (nullable)"
		}
		fmt.Fprintf(&b, "%s: %s%s\n", html.EscapeString(f.Name), html.EscapeString(f.Type.String()), null)
	}
	b.WriteString(`</pre></details>`)
	b.WriteString(`<table style="border-collapse:collapse"><thead><tr>`)
	for _, f := range t.Schema().Fields() {
		fmt.Fprintf(&b, `<th style="border-bottom:1px solid #888;padding:2px 8px;text-align:left">%s</th>`, html.EscapeString(f.Name))
	}
	b.WriteString("</tr></thead><tbody>")
	tr := array.NewTableReader(t, int64(n))
	defer tr.Release()
	shown := 0
	for shown < n && tr.Next() {
		rec := tr.Record()
		for i := 0; i < int(rec.NumRows()) && shown < n; i++ {
			b.WriteString("<tr>")
			for c := 0; c < int(rec.NumCols()); c++ {
				fmt.Fprintf(&b, `<td style="padding:2px 8px">%s</td>`, html.EscapeString(cellString(rec.Column(c), i)))
			}
			b.WriteString("</tr>")
			shown++
		}
	}
	b.WriteString("</tbody></table>")
	if int64(shown) < t.NumRows() {
		fmt.Fprintf(&b, "<p>… %d more rows</p>", t.NumRows()-int64(shown))
	}
	b.WriteString("</div>")
	_, err := io.WriteString(w, b.String())
	return err
}

// cellString formats one value for display.
func cellString(a arrow.Array, i int) string {
	if a.IsNull(i) {
		return "null"
	}
	var s string
	switch a := a.(type) {
	case *array.Dictionary:
		s = cellString(a.Dictionary(), a.GetValueIndex(i))
	case *array.String:
		s = a.Value(i)
	default:
		s = a.ValueStr(i)
	}
	if r := []rune(s); len(r) > 60 {
		s = string(r[:57]) + "…"
	}
	return s
}
