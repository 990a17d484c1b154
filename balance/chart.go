package balance

import (
	"bufio"
	"fmt"
	"html"
	"io"
	"math"
	"strconv"
)

// Chart colours, shared by the chart and the HTML legend.
const (
	colorPositive = "#2b7bba"
	colorNegative = "#e8833a"
	colorGrid     = "#d9d9d9"
	colorText     = "#333333"
)

// chart geometry, in SVG user units (pixels at 100%)
const (
	chartWidth  = 760.0
	chartBarH   = 9.0
	chartRowH   = 2*chartBarH + 10
	chartTop    = 44.0
	chartBottom = 30.0
	chartRight  = 70.0 // room for the value after the longest bar
	charWidth   = 6.6  // rough width of a 11px sans-serif character
)

// ChartSVG writes an SVG bar chart of positives against negatives per
// concept, one pair of bars per concept in r's order. The SVG has no
// external references and no XML prolog, so it can stand alone in a file
// or be inlined in HTML; it scales to its container through its viewBox.
// The output depends only on r, byte for byte.
func (r *Report) ChartSVG(w io.Writer) error {
	bw := bufio.NewWriter(w)
	n := len(r.Concepts)
	labelW := 60.0
	for i := range r.Concepts {
		labelW = max(labelW, float64(len([]rune(r.Concepts[i].Name())))*charWidth+12)
	}
	labelW = min(labelW, 220)
	plotW := chartWidth - labelW - chartRight
	height := chartTop + float64(max(n, 1))*chartRowH + chartBottom
	top := 1
	for i := range r.Concepts {
		top = max(top, r.Concepts[i].Positives, r.Concepts[i].Negatives)
	}
	step, axisMax := niceAxis(top)
	x := func(v int) float64 { return labelW + plotW*float64(v)/float64(axisMax) }

	fmt.Fprintf(bw, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %s %s" width="%s" height="%s" role="img" aria-label="Positives and negatives per concept" font-family="sans-serif" font-size="11" style="max-width:100%%;height:auto">`+"\n",
		num(chartWidth), num(height), num(chartWidth), num(height))
	fmt.Fprintf(bw, `<text x="%s" y="18" font-size="14" font-weight="bold" fill="%s">Positives and negatives per concept</text>`+"\n", num(labelW), colorText)
	// legend
	lx := labelW
	for _, item := range []struct{ label, color string }{{"positives", colorPositive}, {"negatives", colorNegative}} {
		fmt.Fprintf(bw, `<rect x="%s" y="27" width="10" height="10" fill="%s"/><text x="%s" y="36" fill="%s">%s</text>`+"\n",
			num(lx), item.color, num(lx+14), colorText, item.label)
		lx += 90
	}
	// grid and axis labels
	plotBottom := chartTop + float64(n)*chartRowH
	for v := 0; v <= axisMax; v += step {
		gx := num(x(v))
		fmt.Fprintf(bw, `<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="%s" stroke-width="1"/>`+"\n", gx, num(chartTop-4), gx, num(plotBottom), colorGrid)
		fmt.Fprintf(bw, `<text x="%s" y="%s" text-anchor="middle" fill="%s">%d</text>`+"\n", gx, num(plotBottom+16), colorText, v)
	}
	for i := range r.Concepts {
		cs := &r.Concepts[i]
		y := chartTop + float64(i)*chartRowH + 4
		name := html.EscapeString(cs.Name())
		fmt.Fprintf(bw, `<text x="%s" y="%s" text-anchor="end" fill="%s">%s</text>`+"\n", num(labelW-8), num(y+chartBarH+4), colorText, name)
		for j, bar := range []struct {
			v            int
			color, label string
		}{{cs.Positives, colorPositive, "positives"}, {cs.Negatives, colorNegative, "negatives"}} {
			by := y + float64(j)*chartBarH
			bwid := x(bar.v) - labelW
			fmt.Fprintf(bw, `<rect x="%s" y="%s" width="%s" height="%s" fill="%s"><title>%s: %d %s</title></rect>`,
				num(labelW), num(by), num(bwid), num(chartBarH-1), bar.color, name, bar.v, bar.label)
			fmt.Fprintf(bw, `<text x="%s" y="%s" font-size="9" fill="%s">%d</text>`+"\n", num(labelW+bwid+3), num(by+chartBarH-1.5), colorText, bar.v)
		}
	}
	bw.WriteString("</svg>\n")
	return bw.Flush()
}

// niceAxis returns a tick step of 1, 2 or 5 times a power of ten giving at
// most 6 intervals, and the axis maximum, a multiple of step >= top.
func niceAxis(top int) (step, axisMax int) {
	raw := float64(top) / 6
	mag := math.Pow(10, math.Floor(math.Log10(max(raw, 1))))
	for _, m := range []float64{1, 2, 5, 10} {
		if m*mag >= raw {
			step = int(m * mag)
			break
		}
	}
	step = max(step, 1)
	axisMax = (top + step - 1) / step * step
	return step, axisMax
}

// num formats a coordinate with at most one decimal, so output is stable.
func num(v float64) string { return strconv.FormatFloat(math.Round(v*10)/10, 'f', -1, 64) }
