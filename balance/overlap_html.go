package balance

import (
	"bufio"
	"fmt"
	"html"
	"io"
	"math"
	"slices"
)

// verdictHue colours a heatmap cell by verdict; the score sets its strength.
var verdictHue = map[Verdict]int{
	VerdictOverlapping: 8,   // red: hard negatives come from here
	VerdictCooccurring: 210, // blue: never negatives for each other
	VerdictRelated:     270, // purple: hierarchy
	VerdictExclusive:   120, // green
}

const overlapStyle = `.curate-overlap{font-family:sans-serif;color:#222}
.curate-overlap table{border-collapse:collapse}
.curate-overlap td,.curate-overlap th{width:2.4em;height:2.4em;text-align:center;border:1px solid #eee;font-size:11px;padding:0}
.curate-overlap th.row{text-align:right;width:auto;padding-right:.5em}
.curate-overlap th.col{height:7em;vertical-align:bottom;white-space:nowrap}
.curate-overlap th.col div{transform:rotate(-60deg);width:1.5em}
.curate-overlap .legend span{display:inline-block;padding:.2em .6em;margin-right:.5em;color:#fff}
`

// WriteOverlapHTML writes a heatmap of pairs as a self-contained HTML
// fragment (one <div> with its own scoped style; no scripts, no external
// resources): one row and one column per concept named in pairs, sorted by
// id; a cell's colour is the pair's verdict and its strength the score,
// and hovering shows the figures. Concept pairs not in pairs stay blank,
// so pass [Overlap.Pairs] or its strongest few. Every string from the data
// is escaped; the output depends only on pairs.
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
	e := html.EscapeString
	bw := bufio.NewWriter(w)
	bw.WriteString("<div class=\"curate-overlap\">\n<style>\n" + overlapStyle + "</style>\n<p class=\"legend\">")
	for _, v := range []Verdict{VerdictOverlapping, VerdictCooccurring, VerdictRelated, VerdictExclusive} {
		fmt.Fprintf(bw, `<span style="background:hsl(%d,70%%,40%%)">%s</span>`, verdictHue[v], v)
	}
	bw.WriteString("</p>\n<table>\n<tr><th></th>")
	for _, id := range ids {
		fmt.Fprintf(bw, `<th class="col"><div>%s</div></th>`, e(id))
	}
	bw.WriteString("</tr>\n")
	for _, a := range ids {
		fmt.Fprintf(bw, `<tr><th class="row">%s</th>`, e(a))
		for _, b := range ids {
			p, ok := cell[[2]string{a, b}]
			if !ok {
				bw.WriteString("<td></td>")
				continue
			}
			score := p.Score
			if math.IsNaN(score) {
				score = 0
			}
			light := 95 - int(50*math.Max(0, math.Min(1, score)))
			sim := "-"
			if !math.IsNaN(p.Similarity) {
				sim = fmt.Sprintf("%.2f", p.Similarity)
			}
			tip := fmt.Sprintf("%s / %s: %s, score %.2f, similarity %s, confusions %d, together %d", p.A, p.B, p.Verdict, score, sim, p.Confusions(), p.Together)
			fmt.Fprintf(bw, `<td style="background:hsl(%d,70%%,%d%%)" title="%s">%.2f</td>`, verdictHue[p.Verdict], light, e(tip), score)
		}
		bw.WriteString("</tr>\n")
	}
	bw.WriteString("</table>\n</div>\n")
	return bw.Flush()
}
