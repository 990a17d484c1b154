package balance

import (
	"fmt"
	"html/template"
	"io"
	"math"
	"slices"
)

// verdictHue colours a heatmap cell by verdict; the score sets its strength.
var verdictHue = map[Verdict]float64{
	VerdictOverlapping: 8,   // red: hard negatives come from here
	VerdictCooccurring: 210, // blue: never negatives for each other
	VerdictRelated:     270, // purple: hierarchy
	VerdictExclusive:   120, // green
}

// overlapStyle lays out the matrix; the fragment style does the rest.
const overlapStyle = `.curate.curate-overlap table td,.curate.curate-overlap table th{width:2.6em;min-width:2.6em;height:2.4em;text-align:center;border:1px solid var(--curate-rule);font-size:11px;padding:0;vertical-align:middle}
.curate.curate-overlap table th.row{text-align:right;width:auto;padding:0 .5em;white-space:nowrap;border:0}
.curate.curate-overlap table th.col{height:7em;vertical-align:bottom;white-space:nowrap;border:0;background:none}
.curate.curate-overlap table th.col div{transform:rotate(-60deg);width:1.5em}
.curate.curate-overlap .legend span{display:inline-block;padding:.2em .6em;margin-right:.5em}
`

var overlapTmpl = template.Must(template.New("overlap").Funcs(funcs).Parse(`<div class="curate curate-overlap" role="region" aria-label="Concept overlap">
<style>
{{style}}{{.Style}}</style>
<p class="legend">{{range .Legend}}<span style="background:{{.BG}};color:{{.FG}}">{{.Verdict}}</span>{{end}}</p>
<p>The number in a cell is the pair's overlap score, from 0 to 1: embedding similarity, annotator confusions and a shared parent combined. The colour is the verdict, darker for a higher score. Hover a cell for the figures.</p>
<table>
<tr><th class="col"></th>{{range .IDs}}<th class="col"><div>{{.}}</div></th>{{end}}</tr>
{{range .Rows}}<tr><th class="row">{{.ID}}</th>{{range .Cells}}{{if .Tip}}<td style="background:{{.BG}};color:{{.FG}}" title="{{.Tip}}">{{.Score}}</td>{{else}}<td></td>{{end}}{{end}}</tr>
{{end}}</table>
</div>
`))

type overlapCell struct{ BG, FG, Tip, Score string }

// WriteOverlapHTML writes a heatmap of pairs as a self-contained HTML
// fragment (one <div> with its own scoped style; no scripts, no external
// resources): one row and one column per concept named in pairs, sorted by
// id; a cell shows the pair's score, its colour is the pair's verdict and
// its strength the score, and hovering shows the figures. Every cell's
// text has a contrast of at least 4.5:1 on its background (WCAG AA) in
// light and dark pages alike. Concept pairs not in pairs stay blank, so
// pass [Overlap.Pairs] or its strongest few. Every string from the data is
// escaped; the output depends only on pairs.
func WriteOverlapHTML(w io.Writer, pairs []Pair) error {
	var ids []string
	cell := make(map[[2]string]*Pair, 2*len(pairs))
	for i := range pairs {
		p := &pairs[i]
		ids = append(ids, p.A, p.B)
		cell[[2]string{p.A, p.B}] = p
		cell[[2]string{p.B, p.A}] = p
	}
	slices.Sort(ids)
	ids = slices.Compact(ids)
	type legendItem struct {
		BG, FG  string
		Verdict Verdict
	}
	var legend []legendItem
	for _, v := range []Verdict{VerdictOverlapping, VerdictCooccurring, VerdictRelated, VerdictExclusive} {
		bg := hslHex(verdictHue[v], 0.7, 0.4)
		legend = append(legend, legendItem{bg, textOn(bg), v})
	}
	type row struct {
		ID    string
		Cells []overlapCell
	}
	rows := make([]row, len(ids))
	for i, a := range ids {
		rows[i].ID = a
		for _, b := range ids {
			p, ok := cell[[2]string{a, b}]
			if !ok {
				rows[i].Cells = append(rows[i].Cells, overlapCell{})
				continue
			}
			score := p.Score
			if math.IsNaN(score) {
				score = 0
			}
			bg := hslHex(verdictHue[p.Verdict], 0.7, 0.95-0.5*math.Max(0, math.Min(1, score)))
			sim := "-"
			if !math.IsNaN(p.Similarity) {
				sim = fmt.Sprintf("%.2f", p.Similarity)
			}
			tip := fmt.Sprintf("%s / %s: %s, score %.2f, similarity %s, confusions %d, together %d", p.A, p.B, p.Verdict, score, sim, p.Confusions(), p.Together)
			rows[i].Cells = append(rows[i].Cells, overlapCell{BG: bg, FG: textOn(bg), Tip: tip, Score: fmt.Sprintf("%.2f", score)})
		}
	}
	return overlapTmpl.Execute(w, struct {
		Style  template.CSS
		Legend []legendItem
		IDs    []string
		Rows   []row
	}{template.CSS(overlapStyle), legend, ids, rows})
}

// WriteOverlapPage writes a page of its own around [WriteOverlapHTML]:
// a heading and what the matrix shows of source, the name of the data as
// the caller wants it shown (a file's base name, not a path of the user's
// machine). It follows the viewer's light or dark scheme.
func WriteOverlapPage(w io.Writer, source string, pairs []Pair) error {
	note := fmt.Sprintf("Source: %s. The %d strongest pairs by overlap score.", source, len(pairs))
	return writePage(w, "curate overlap: "+source, "Concept overlap", []string{note}, func(w io.Writer) error { return WriteOverlapHTML(w, pairs) })
}

// hslHex converts a colour from HSL (h in degrees, s and l in [0, 1]) to
// #rrggbb.
func hslHex(h, s, l float64) string {
	c := (1 - math.Abs(2*l-1)) * s
	hp := math.Mod(h, 360) / 60
	x := c * (1 - math.Abs(math.Mod(hp, 2)-1))
	var r, g, b float64
	switch {
	case hp < 1:
		r, g = c, x
	case hp < 2:
		r, g = x, c
	case hp < 3:
		g, b = c, x
	case hp < 4:
		g, b = x, c
	case hp < 5:
		r, b = x, c
	default:
		r, b = c, x
	}
	m := l - c/2
	to := func(v float64) int { return int(math.Round((v + m) * 255)) }
	return fmt.Sprintf("#%02x%02x%02x", to(r), to(g), to(b))
}

// luminance is the WCAG relative luminance of a #rrggbb colour.
func luminance(hex string) float64 {
	var r, g, b int
	fmt.Sscanf(hex, "#%02x%02x%02x", &r, &g, &b)
	lin := func(v int) float64 {
		c := float64(v) / 255
		if c <= 0.03928 {
			return c / 12.92
		}
		return math.Pow((c+0.055)/1.055, 2.4)
	}
	return 0.2126*lin(r) + 0.7152*lin(g) + 0.0722*lin(b)
}

// contrast is the WCAG contrast ratio of two #rrggbb colours.
func contrast(a, b string) float64 {
	la, lb := luminance(a), luminance(b)
	return (max(la, lb) + 0.05) / (min(la, lb) + 0.05)
}

// textOn returns black or white, whichever contrasts more with bg: at
// least 4.58:1 on any background.
func textOn(bg string) string {
	if contrast(bg, "#000000") >= contrast(bg, "#ffffff") {
		return "#000000"
	}
	return "#ffffff"
}
