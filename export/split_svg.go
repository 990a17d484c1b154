package export

import (
	"bufio"
	"fmt"
	"html"
	"io"
	"math"
	"strconv"
)

// splitColors colour the splits in order; more splits reuse them.
var splitColors = []string{"#2b7bba", "#e8833a", "#4e9a4e", "#8e6bb8", "#c44e52", "#8c8c8c"}

// geometry of [SplitReport.ChartSVG], in SVG user units
const (
	splitChartWidth = 760.0
	splitBarH       = 14.0
	splitRowH       = splitBarH + 6
	splitTop        = 48.0
	splitBottom     = 28.0
	splitRight      = 20.0
	splitCharW      = 6.6 // rough width of an 11px sans-serif character
)

// ChartSVG writes an SVG chart of the split shares: for all inputs and
// then for each concept with positives, in r's order, one bar split into
// the splits' shares of its positives (of the inputs, for the first bar),
// with dashed lines at the target shares. A concept whose bar meets the
// lines is split as asked. The SVG has no external references and no XML
// prolog, so it can stand alone or be inlined in HTML; it scales through
// its viewBox. Names are escaped; the output depends only on r.
func (r *SplitReport) ChartSVG(w io.Writer) error {
	type row struct {
		label  string
		total  int64
		counts []int64
	}
	rows := []row{{label: "all inputs", counts: r.Inputs}}
	for _, n := range r.Inputs {
		rows[0].total += n
	}
	for c, id := range r.Concepts {
		if r.Positives[c] > 0 {
			rows = append(rows, row{label: id, total: r.Positives[c], counts: r.Counts[c]})
		}
	}
	labelW := 80.0
	for _, rw := range rows {
		labelW = max(labelW, float64(len([]rune(rw.label))+len(strconv.FormatInt(rw.total, 10))+3)*splitCharW+12)
	}
	labelW = min(labelW, 260)
	plotW := splitChartWidth - labelW - splitRight
	height := splitTop + float64(len(rows))*splitRowH + splitBottom
	plotBottom := splitTop + float64(len(rows))*splitRowH
	esc := html.EscapeString

	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %s %s" width="%s" height="%s" role="img" aria-label="Split shares per concept" font-family="sans-serif" font-size="11" style="max-width:100%%;height:auto">`+"\n",
		num(splitChartWidth), num(height), num(splitChartWidth), num(height))
	fmt.Fprintf(bw, `<text x="%s" y="18" font-size="14" font-weight="bold" fill="#333333">Split shares per concept (of its positives)</text>`+"\n", num(labelW))
	lx := labelW
	for j, s := range r.Splits {
		label := fmt.Sprintf("%s (target %s)", s.Name, pct(s.Share))
		fmt.Fprintf(bw, `<rect x="%s" y="27" width="10" height="10" fill="%s"/><text x="%s" y="36" fill="#333333">%s</text>`+"\n",
			num(lx), splitColors[j%len(splitColors)], num(lx+14), esc(label))
		lx += 14 + float64(len([]rune(label)))*splitCharW + 16
	}
	for i, rw := range rows {
		y := splitTop + float64(i)*splitRowH
		fmt.Fprintf(bw, `<text x="%s" y="%s" text-anchor="end" fill="#333333">%s (%d)</text>`+"\n", num(labelW-8), num(y+splitBarH-3), esc(rw.label), rw.total)
		x := labelW
		for j, n := range rw.counts {
			share := 0.0
			if rw.total > 0 {
				share = float64(n) / float64(rw.total)
			}
			wd := plotW * share
			name := ""
			if j < len(r.Splits) {
				name = r.Splits[j].Name
			}
			fmt.Fprintf(bw, `<rect x="%s" y="%s" width="%s" height="%s" fill="%s"><title>%s, %s: %d of %d (%s)</title></rect>`,
				num(x), num(y), num(wd), num(splitBarH), splitColors[j%len(splitColors)], esc(rw.label), esc(name), n, rw.total, pct(share))
			if wd >= 30 {
				fmt.Fprintf(bw, `<text x="%s" y="%s" text-anchor="middle" font-size="9" fill="#ffffff">%s</text>`, num(x+wd/2), num(y+splitBarH-4), pct(share))
			}
			bw.WriteString("\n")
			x += wd
		}
	}
	// target boundaries
	cum := 0.0
	for j := 0; j+1 < len(r.Splits); j++ {
		cum += r.Splits[j].Share
		gx := num(labelW + plotW*cum)
		fmt.Fprintf(bw, `<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="#222222" stroke-width="1" stroke-dasharray="3,3"/>`+"\n", gx, num(splitTop-4), gx, num(plotBottom))
	}
	for _, v := range []float64{0, 0.25, 0.5, 0.75, 1} {
		fmt.Fprintf(bw, `<text x="%s" y="%s" text-anchor="middle" fill="#333333">%s</text>`+"\n", num(labelW+plotW*v), num(plotBottom+16), pct(v))
	}
	bw.WriteString("</svg>\n")
	return bw.Flush()
}

// pct formats a share as a whole percentage.
func pct(share float64) string { return strconv.Itoa(int(math.Round(share*100))) + "%" }

// num formats a coordinate with at most one decimal, so output is stable.
func num(v float64) string { return strconv.FormatFloat(math.Round(v*10)/10, 'f', -1, 64) }
