package balance

import (
	"bytes"
	"html/template"
	"io"
)

// The HTML renderings ([Report.WriteHTMLFragment], [Suggestions.WriteHTMLPage],
// [WriteOverlapHTML]) are html/template templates sharing one scoped
// style. Each fragment is one <div class="curate …"> that carries its own
// <style>, loads nothing and follows the page's colours: text inherits
// them, rules and header shading are translucent or JupyterLab's theme
// variables with fallbacks, and the few fixed colours switch under
// JupyterLab's dark theme and, on a page of its own, the viewer's dark
// scheme. Text cells are aligned left by rules more specific than
// JupyterLab's right-aligned output tables, and ids and statuses never
// wrap at their hyphens.

// fragmentStyle is the style every fragment carries.
const fragmentStyle = `.curate{font-family:sans-serif;max-width:72em;
--curate-ok:#1b7a36;--curate-bad:#c62828;--curate-warn:#955200;
--curate-rule:var(--jp-border-color2,rgba(128,128,128,.35));--curate-head:var(--jp-layout-color2,rgba(128,128,128,.15))}
[data-jp-theme-light=false] .curate{--curate-ok:#81c995;--curate-bad:#ff8a80;--curate-warn:#ffb74d}
.curate table{border-collapse:collapse;font-size:13px;margin:.5em 0 1em;table-layout:auto;color:inherit}
.curate table th,.curate table td{padding:3px 8px;border:0;border-bottom:1px solid var(--curate-rule);vertical-align:top}
.curate table thead th{background:var(--curate-head);color:inherit;font-weight:bold}
.curate table th.t,.curate table td.t{text-align:left}
.curate table th.n,.curate table td.n{text-align:right;font-variant-numeric:tabular-nums}
.curate table .id{white-space:nowrap}
.curate table td.why{max-width:40em}
.curate .s-ok{color:var(--curate-ok)}
.curate .s-conflicting{color:var(--curate-bad);font-weight:bold}
.curate .s-few-positives,.curate .s-no-negatives,.curate .s-few-negatives,.curate .warn{color:var(--curate-warn)}
.curate p,.curate li{text-align:left}
`

// pageStyle adds, on a page of its own, the viewer's dark scheme.
const pageStyle = `body{margin:2em;font-family:sans-serif}
@media (prefers-color-scheme:dark){body{background:#111;color:#e8e8e8}.curate{--curate-ok:#81c995;--curate-bad:#ff8a80;--curate-warn:#ffb74d}}
`

// pageTmpl wraps a fragment into a page; .Style and .Body are trusted
// (rendered by this package), .Title is escaped.
var pageTmpl = template.Must(template.New("page").Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="color-scheme" content="light dark">
<title>{{.Title}}</title>
<style>
{{.Style}}</style>
</head>
<body>
<h1>{{.Heading}}</h1>
{{range .Notes}}<p>{{.}}</p>
{{end}}{{.Body}}</body>
</html>
`))

type page struct {
	Title, Heading string
	Notes          []string
	Style          template.CSS
	Body           template.HTML
}

// writePage writes a page holding the fragment that body renders.
func writePage(w io.Writer, title, heading string, notes []string, body func(io.Writer) error) error {
	var b bytes.Buffer
	if err := body(&b); err != nil {
		return err
	}
	return pageTmpl.Execute(w, page{Title: title, Heading: heading, Notes: notes, Style: template.CSS(pageStyle), Body: template.HTML(b.String())})
}

// style is fragmentStyle for the templates.
func style() template.CSS { return template.CSS(fragmentStyle) }

// funcs are the helpers every fragment template may call.
var funcs = template.FuncMap{"style": style}
