package balance

import (
	"bytes"
	"html/template"
	"io"
	"strings"
)

var reportTmpl = template.Must(template.New("report").Funcs(funcs).Parse(`<div class="curate curate-balance" role="region" aria-label="Balance report">
<style>
{{style}}</style>
<ul>
{{range .Summary}}<li>{{.}}</li>
{{end}}{{range .Warnings}}<li class="warn">warning: {{.}}</li>
{{end}}</ul>
<figure style="margin:0">
{{.Chart}}</figure>
<table>
<thead><tr>{{range .Head}}<th class="{{.Class}}">{{.Text}}</th>{{end}}</tr></thead>
<tbody>
{{range .Rows}}<tr>{{range .}}<td class="{{.Class}}">{{.Text}}</td>{{end}}</tr>
{{end}}</tbody>
</table>
</div>
`))

// cell is one table cell: its text and its class (t text, n number, id
// for a value that must not wrap, s-STATUS for a status).
type cell struct{ Text, Class string }

// WriteHTML writes a self-contained HTML page: a heading, the summary, an
// SVG chart of positives against negatives (see [Report.ChartSVG]; opts
// choose its scale) and the table. It loads no scripts, fonts or style
// sheets and follows the viewer's light or dark scheme.
func (r *Report) WriteHTML(w io.Writer, opts ...ChartOption) error {
	return writePage(w, "curate balance report", "Balance report", nil, func(w io.Writer) error { return r.WriteHTMLFragment(w, opts...) })
}

// WriteHTMLFragment writes the body of [Report.WriteHTML] without its
// heading, as one <div> with its own scoped style, for embedding in a page
// or a notebook cell under a heading of the caller's. Every string from the
// data is escaped.
func (r *Report) WriteHTMLFragment(w io.Writer, opts ...ChartOption) error {
	var chart bytes.Buffer
	if err := r.ChartSVG(&chart, opts...); err != nil {
		return err
	}
	prop := r.propagated()
	names := colNames
	if prop {
		names = append(names[:len(names):len(names)], propNames...)
	}
	var head []cell
	for j, h := range names {
		head = append(head, cell{Text: strings.ReplaceAll(h, "_", " "), Class: reportClass(j, "")})
	}
	rows := make([][]cell, len(r.Concepts))
	for i := range r.Concepts {
		for j, text := range r.Concepts[i].cells(ratio2, prop) {
			rows[i] = append(rows[i], cell{Text: text, Class: reportClass(j, text)})
		}
	}
	return reportTmpl.Execute(w, struct {
		Summary, Warnings []string
		Chart             template.HTML // rendered and escaped by ChartSVG
		Head              []cell
		Rows              [][]cell
	}{r.summaryLines(), r.Warnings, template.HTML(chart.String()), head, rows})
}

// reportClass is the class of column j of the report table; status is
// the cell's text in the status column.
func reportClass(j int, status string) string {
	switch {
	case j == 0:
		return "t id"
	case j == 1:
		return "t"
	case j == 9 && status != "":
		return "t id s-" + status
	case j == 9:
		return "t"
	}
	return "n"
}
