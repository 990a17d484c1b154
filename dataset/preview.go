package dataset

import (
	"html/template"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"
)

// previewTmpl renders [WritePreviewHTML]. Its rules are more specific than
// JupyterLab's right-aligned output tables, so text cells stay left-aligned
// there; colours come from the page (light or dark).
var previewTmpl = template.Must(template.New("preview").Parse(`<div class="curate-preview">
<style>
.curate-preview{font-family:sans-serif;font-size:13px}
.curate-preview table{border-collapse:collapse;table-layout:auto;color:inherit}
.curate-preview table th,.curate-preview table td{padding:2px 8px;border:0;white-space:nowrap;vertical-align:top}
.curate-preview table thead th{border-bottom:1px solid var(--jp-border-color1,rgba(128,128,128,.6));background:var(--jp-layout-color2,rgba(128,128,128,.15));color:inherit}
.curate-preview table th.t,.curate-preview table td.t{text-align:left}
.curate-preview table th.n,.curate-preview table td.n{text-align:right;font-variant-numeric:tabular-nums}
.curate-preview p{text-align:left}
</style>
<p><b>{{.Rows}} rows</b>, {{len .Fields}} columns</p>
<details><summary>schema</summary><pre>{{range .Fields}}{{.Name}}: {{.Type}}{{if .Nullable}} (nullable){{end}}
{{end}}</pre></details>
<table>
<thead><tr>{{range .Fields}}<th class="{{.Class}}">{{.Name}}</th>{{end}}</tr></thead>
<tbody>
{{range .Cells}}<tr>{{range .}}<td class="{{.Class}}">{{.Text}}</td>{{end}}</tr>
{{end}}</tbody>
</table>
{{if .More}}<p>… {{.More}} more rows</p>
{{end}}</div>
`))

type previewField struct {
	Name, Type, Class string
	Nullable          bool
}

type previewCell struct{ Text, Class string }

// WritePreviewHTML writes an HTML fragment previewing t, as a notebook
// shows it: the row count, the schema, and the first n rows (n <= 0 means
// 10). Long cell values are shortened and floats shown to 4 significant
// digits; numbers are right-aligned, text left-aligned. Every value is
// escaped. It reads t without changing it.
func WritePreviewHTML(w io.Writer, t arrow.Table, n int) error {
	if n <= 0 {
		n = 10
	}
	var fields []previewField
	for _, f := range t.Schema().Fields() {
		class := "t"
		if numeric(f.Type) {
			class = "n"
		}
		fields = append(fields, previewField{Name: f.Name, Type: f.Type.String(), Class: class, Nullable: f.Nullable})
	}
	var cells [][]previewCell
	tr := array.NewTableReader(t, int64(n))
	defer tr.Release()
	for len(cells) < n && tr.Next() {
		rec := tr.Record()
		for i := 0; i < int(rec.NumRows()) && len(cells) < n; i++ {
			row := make([]previewCell, rec.NumCols())
			for c := range row {
				row[c] = previewCell{Text: cellString(rec.Column(c), i), Class: fields[c].Class}
			}
			cells = append(cells, row)
		}
	}
	return previewTmpl.Execute(w, struct {
		Rows   int64
		Fields []previewField
		Cells  [][]previewCell
		More   int64
	}{t.NumRows(), fields, cells, t.NumRows() - int64(len(cells))})
}

// numeric reports whether a column of type dt holds numbers.
func numeric(dt arrow.DataType) bool {
	switch dt.ID() {
	case arrow.INT8, arrow.INT16, arrow.INT32, arrow.INT64, arrow.UINT8, arrow.UINT16, arrow.UINT32, arrow.UINT64,
		arrow.FLOAT16, arrow.FLOAT32, arrow.FLOAT64:
		return true
	}
	return false
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
	case *array.Float64:
		s = shortFloat(a.Value(i))
	case *array.Float32:
		s = shortFloat(float64(a.Value(i)))
	default:
		s = a.ValueStr(i)
	}
	if r := []rune(s); len(r) > 60 {
		s = string(r[:57]) + "…"
	}
	return s
}

// shortFloat formats v to 4 significant digits without an exponent for
// everyday magnitudes: 0.05555555555555555 is "0.05556", 2 is "2".
func shortFloat(v float64) string {
	a := math.Abs(v)
	if math.IsNaN(v) || math.IsInf(v, 0) || a == 0 {
		return strconv.FormatFloat(v, 'g', -1, 64)
	}
	if a < 1e-4 || a >= 1e15 {
		return strconv.FormatFloat(v, 'g', 4, 64)
	}
	decimals := max(0, 3-int(math.Floor(math.Log10(a))))
	s := strconv.FormatFloat(v, 'f', decimals, 64)
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	return s
}
