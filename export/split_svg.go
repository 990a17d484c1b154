package export

import (
	"fmt"
	"io"
	"math"
	"strconv"

	"curate.dev/internal/svg"
)

// splitColors colour the splits in order; more splits reuse them. Each
// carries a share label in white, so all are dark enough for it.
var splitColors = []string{"#2b6ca3", "#b35806", "#2f7d32", "#6a4c9c", "#b0353a", "#5f5f5f"}

// geometry of [SplitReport.ChartSVG], in SVG user units
const (
	splitChartWidth = 760.0
	splitBarH       = 14.0
	splitRowH       = splitBarH + 6
	splitTop        = 48.0
	splitBottom     = 28.0
	splitRight      = 20.0
)

// ChartSVG writes an SVG chart of the split shares: for all inputs and
// then for each concept with positives, in r's order, one bar split into
// the splits' shares of its positives (of the inputs, for the first bar),
// with dashed lines at the target shares. A concept whose bar meets the
// lines is split as asked. Text and lines are drawn in currentColor, so
// the chart follows a light or dark page it is inlined in. The SVG has no
// external references and no XML prolog, so it can stand alone or be
// inlined in HTML; it scales through its viewBox. Names are escaped; the
// output depends only on r.
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
		labelW = max(labelW, svg.TextWidth(rw.label+" ("+svg.Thousands(rw.total)+")", 11)+12)
	}
	labelW = min(labelW, 260)
	plotW := splitChartWidth - labelW - splitRight
	plotBottom := splitTop + float64(len(rows))*splitRowH

	c := svg.New(splitChartWidth, plotBottom+splitBottom, "Split shares per concept")
	c.Title(labelW, 18, "Split shares per concept (of its positives)")
	lx := labelW
	for j, s := range r.Splits {
		lx = c.LegendItem(lx, 27, splitColors[j%len(splitColors)], fmt.Sprintf("%s (target %s)", s.Name, pct(s.Share)))
	}
	for i, rw := range rows {
		y := splitTop + float64(i)*splitRowH
		c.Text(labelW-8, y+splitBarH-3, rw.label+" ("+svg.Thousands(rw.total)+")", svg.A("text-anchor", "end"))
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
			c.Rect(x, y, wd, splitBarH, splitColors[j%len(splitColors)],
				fmt.Sprintf("%s, %s: %s of %s (%s)", rw.label, name, svg.Thousands(n), svg.Thousands(rw.total), pct(share)))
			if wd >= 30 {
				c.Text(x+wd/2, y+splitBarH-4, pct(share), svg.A("text-anchor", "middle"), svg.A("font-size", "9"), svg.A("fill", "#ffffff"))
			}
			x += wd
		}
	}
	// target boundaries
	cum := 0.0
	for j := 0; j+1 < len(r.Splits); j++ {
		cum += r.Splits[j].Share
		gx := labelW + plotW*cum
		c.Line(gx, splitTop-4, gx, plotBottom, svg.A("stroke-width", "1"), svg.A("stroke-dasharray", "3,3"))
	}
	for _, v := range []float64{0, 0.25, 0.5, 0.75, 1} {
		c.Text(labelW+plotW*v, plotBottom+16, pct(v), svg.A("text-anchor", "middle"))
	}
	_, err := c.WriteTo(w)
	return err
}

// pct formats a share as a whole percentage.
func pct(share float64) string { return strconv.Itoa(int(math.Round(share*100))) + "%" }
