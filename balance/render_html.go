package balance

import (
	"bufio"
	"html"
	"io"
	"strings"
)

const htmlStyle = `.curate-balance{font-family:sans-serif;color:#333;max-width:60em}
.curate-balance table{border-collapse:collapse;font-size:13px;margin-top:1em}
.curate-balance th,.curate-balance td{padding:3px 8px;border-bottom:1px solid #e5e5e5}
.curate-balance th{text-align:left;background:#f5f5f5}
.curate-balance td.n{text-align:right;font-variant-numeric:tabular-nums}
.curate-balance .s-ok{color:#2e7d32}
.curate-balance .s-conflicting{color:#c62828;font-weight:bold}
.curate-balance .s-few-positives,.curate-balance .s-no-negatives,.curate-balance .s-few-negatives{color:#b26a00}
.curate-balance .warn{color:#b26a00}
`

// WriteHTML writes a self-contained HTML page: the summary, an SVG chart
// of positives against negatives (see [Report.ChartSVG]) and the table. It
// loads no scripts, fonts or style sheets.
func (r *Report) WriteHTML(w io.Writer) error {
	bw := bufio.NewWriter(w)
	bw.WriteString("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>curate balance report</title>\n</head>\n<body>\n")
	if err := r.WriteHTMLFragment(bw); err != nil {
		return err
	}
	bw.WriteString("</body>\n</html>\n")
	return bw.Flush()
}

// WriteHTMLFragment writes the body of [Report.WriteHTML] as one <div>
// with its own scoped style, for embedding in a page or a notebook cell.
func (r *Report) WriteHTMLFragment(w io.Writer) error {
	bw := bufio.NewWriter(w)
	esc := html.EscapeString
	bw.WriteString("<div class=\"curate-balance\">\n<style>\n" + htmlStyle + "</style>\n<h2>Balance report</h2>\n<ul>\n")
	for _, line := range r.summaryLines() {
		bw.WriteString("<li>" + esc(line) + "</li>\n")
	}
	for _, warn := range r.Warnings {
		bw.WriteString("<li class=\"warn\">warning: " + esc(warn) + "</li>\n")
	}
	bw.WriteString("</ul>\n<figure style=\"margin:0\">\n")
	if err := r.ChartSVG(bw); err != nil {
		return err
	}
	bw.WriteString("</figure>\n<table>\n<thead><tr>")
	prop := r.propagated()
	head := colNames
	if prop {
		head = append(head[:len(head):len(head)], propNames...)
	}
	for _, h := range head {
		bw.WriteString("<th>" + esc(strings.ReplaceAll(h, "_", " ")) + "</th>")
	}
	bw.WriteString("</tr></thead>\n<tbody>\n")
	for i := range r.Concepts {
		cs := &r.Concepts[i]
		bw.WriteString("<tr>")
		for j, cell := range cs.cells(ratio2, prop) {
			switch {
			case j < 2:
				bw.WriteString("<td>" + esc(cell) + "</td>")
			case j == 9:
				bw.WriteString("<td class=\"s-" + esc(cell) + "\">" + esc(cell) + "</td>")
			default:
				bw.WriteString("<td class=\"n\">" + esc(cell) + "</td>")
			}
		}
		bw.WriteString("</tr>\n")
	}
	bw.WriteString("</tbody>\n</table>\n</div>\n")
	return bw.Flush()
}
