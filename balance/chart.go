package balance

import (
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"curate.dev/internal/svg"
)

// Chart colours, shared by the chart and the HTML legend: a blue and an
// orange that read on light and dark backgrounds alike.
const (
	colorPositive = "#3a86c8"
	colorNegative = "#e8833a"
)

// ChartScale is how [Report.ChartSVG] lays out its axis.
type ChartScale string

const (
	// ScaleLinear draws positives and negatives on a linear axis.
	ScaleLinear ChartScale = "linear"
	// ScaleLog draws them on a logarithmic axis (of 1 + count), so that a
	// concept's few negatives stay visible next to thousands of positives.
	ScaleLog ChartScale = "log"
	// ScaleRatio draws one bar per concept, negatives per positive,
	// against a line at the target ratio.
	ScaleRatio ChartScale = "ratio"
)

// ChartScales lists the valid scales.
var ChartScales = []ChartScale{ScaleLinear, ScaleLog, ScaleRatio}

// ParseChartScale returns the scale named s.
func ParseChartScale(s string) (ChartScale, error) {
	for _, c := range ChartScales {
		if string(c) == s {
			return c, nil
		}
	}
	return "", fmt.Errorf("balance: unknown chart scale %q (want linear, log or ratio)", s)
}

// ChartOption configures [Report.ChartSVG] and the HTML renderings that
// embed the chart.
type ChartOption func(*chartConfig)

type chartConfig struct{ scale ChartScale }

// WithChartScale sets the chart's scale (default [ScaleLinear]); an
// unknown scale is an error when the chart is drawn.
func WithChartScale(s ChartScale) ChartOption { return func(c *chartConfig) { c.scale = s } }

// chart geometry, in SVG user units (pixels at 100%)
const (
	chartWidth  = 760.0
	chartBarH   = 9.0
	chartRowH   = 2*chartBarH + 10
	chartTop    = 48.0
	chartBottom = 30.0
	chartRight  = 70.0 // room for the value after the longest bar
)

// ChartSVG writes an SVG bar chart of each concept's positives and
// negatives in r's order, with a mark where the negatives reach the target
// ratio; [WithChartScale] picks a linear or a log axis, or one bar of
// negatives per positive against the target. Counts carry thousands
// separators. Text and axes are drawn in currentColor, so the chart follows
// a light or dark page it is inlined in. The SVG has no external
// references and no XML prolog, so it can stand alone in a file or be
// inlined in HTML; it scales to its container through its viewBox. The
// output depends only on r and opts, byte for byte.
func (r *Report) ChartSVG(w io.Writer, opts ...ChartOption) error {
	cfg := chartConfig{scale: ScaleLinear}
	for _, o := range opts {
		o(&cfg)
	}
	if _, err := ParseChartScale(string(cfg.scale)); err != nil {
		return err
	}
	n := len(r.Concepts)
	labelW := 60.0
	for i := range r.Concepts {
		labelW = max(labelW, svg.TextWidth(r.Concepts[i].Name(), 11)+12)
	}
	labelW = min(labelW, 220)
	plotW := chartWidth - labelW - chartRight
	rowH := chartRowH
	if cfg.scale == ScaleRatio {
		rowH = chartBarH + 10
	}
	plotBottom := chartTop + float64(n)*rowH
	target := r.Thresholds.TargetRatio

	var title, label string
	var x func(v float64) float64
	var ticks []float64
	var tickLabel func(v float64) string
	switch cfg.scale {
	case ScaleRatio:
		title, label = "Negatives per positive, per concept", "Negatives per positive per concept"
		top := max(target, 0.1)
		for i := range r.Concepts {
			top = max(top, r.Concepts[i].Ratio)
		}
		step, axisMax := niceAxisFloat(top)
		x = func(v float64) float64 { return labelW + plotW*v/axisMax }
		for v := 0.0; v <= axisMax+step/2; v += step {
			ticks = append(ticks, v)
		}
		tickLabel = func(v float64) string { return strconv.FormatFloat(v, 'g', 3, 64) }
	case ScaleLog:
		title, label = "Positives and negatives per concept (log scale)", "Positives and negatives per concept, log scale"
		top := r.chartTop()
		decades := math.Ceil(math.Log10(float64(top) + 1))
		x = func(v float64) float64 { return labelW + plotW*math.Log10(1+v)/decades }
		ticks = []float64{0}
		for p := 1.0; p <= math.Pow(10, decades)+0.5; p *= 10 {
			if p == 1 && plotW*math.Log10(2)/decades < 24 {
				continue // too close to 0 to label
			}
			ticks = append(ticks, p)
		}
		tickLabel = func(v float64) string { return svg.Thousands(int64(v)) }
	default:
		title, label = "Positives and negatives per concept", "Positives and negatives per concept"
		top := r.chartTop()
		step, axisMax := niceAxis(top)
		x = func(v float64) float64 { return labelW + plotW*v/float64(axisMax) }
		for v := 0; v <= axisMax; v += step {
			ticks = append(ticks, float64(v))
		}
		tickLabel = func(v float64) string { return svg.Thousands(int64(v)) }
	}

	c := svg.New(chartWidth, plotBottom+chartBottom, label)
	c.Title(labelW, 18, title)
	// legend
	lx := labelW
	targetLabel := "target: " + strconv.FormatFloat(target, 'g', 3, 64) + " negatives per positive"
	if target == 1 {
		targetLabel = "target: 1 negative per positive"
	}
	if cfg.scale == ScaleRatio {
		lx = c.LegendItem(lx, 28, colorNegative, "negatives per positive")
	} else {
		lx = c.LegendItem(lx, 28, colorPositive, "positives")
		lx = c.LegendItem(lx, 28, colorNegative, "negatives")
	}
	if cfg.scale == ScaleRatio {
		c.Line(lx+4, 27, lx+4, 39, svg.A("stroke-width", "1.5"), svg.A("stroke-dasharray", "4,3"))
	} else {
		c.Line(lx+4, 27, lx+4, 39, svg.A("stroke-width", "2"))
	}
	c.Text(lx+10, 37, targetLabel)
	// grid and axis labels
	for _, v := range ticks {
		gx := x(v)
		c.Grid(gx, chartTop-4, gx, plotBottom)
		c.Text(gx, plotBottom+16, tickLabel(v), svg.A("text-anchor", "middle"))
	}
	for i := range r.Concepts {
		cs := &r.Concepts[i]
		y := chartTop + float64(i)*rowH + 4
		name := cs.Name()
		if cfg.scale == ScaleRatio {
			c.Text(labelW-8, y+chartBarH-1, name, svg.A("text-anchor", "end"))
			ratio := ratioLabel(cs.Ratio)
			c.Rect(labelW, y, x(cs.Ratio)-labelW, chartBarH-1, colorNegative,
				fmt.Sprintf("%s: %s negatives per positive (%s negatives, %s positives)", name, ratio, svg.Thousands(int64(cs.Negatives)), svg.Thousands(int64(cs.Positives))))
			c.Text(x(cs.Ratio)+3, y+chartBarH-1.5, ratio, svg.A("font-size", "9"))
			continue
		}
		c.Text(labelW-8, y+chartBarH+4, name, svg.A("text-anchor", "end"))
		tx := x(target * float64(cs.Positives)) // where the negatives reach the target ratio
		for j, bar := range []struct {
			v            int
			color, label string
		}{{cs.Positives, colorPositive, "positives"}, {cs.Negatives, colorNegative, "negatives"}} {
			by := y + float64(j)*chartBarH
			end := x(float64(bar.v))
			labelX := end
			if j == 1 && cs.Positives > 0 {
				labelX = max(end, tx) // the value clears the target mark
			}
			noun := bar.label
			if bar.v == 1 {
				noun = strings.TrimSuffix(noun, "s")
			}
			c.Rect(labelW, by, end-labelW, chartBarH-1, bar.color, name+": "+svg.Thousands(int64(bar.v))+" "+noun)
			c.Text(labelX+3, by+chartBarH-1.5, svg.Thousands(int64(bar.v)), svg.A("font-size", "9"))
		}
		if cs.Positives > 0 {
			by := y + chartBarH
			c.Line(tx, by-1, tx, by+chartBarH, svg.A("stroke-width", "2"))
		}
	}
	if cfg.scale == ScaleRatio {
		tx := x(target)
		c.Line(tx, chartTop-4, tx, plotBottom, svg.A("stroke-width", "1.5"), svg.A("stroke-dasharray", "4,3"))
	}
	_, err := c.WriteTo(w)
	return err
}

// ratioLabel shows a ratio to two decimals, or to two significant digits
// below 0.01, so that a small ratio does not read as none.
func ratioLabel(r float64) string {
	if r > 0 && r < 0.01 {
		return strconv.FormatFloat(r, 'g', 2, 64)
	}
	return strconv.FormatFloat(r, 'f', 2, 64)
}

// chartTop is the largest count the chart shows: a bar, or where a
// concept's negatives would reach the target ratio.
func (r *Report) chartTop() int {
	top := 1
	for i := range r.Concepts {
		cs := &r.Concepts[i]
		top = max(top, cs.Positives, cs.Negatives, int(math.Ceil(r.Thresholds.TargetRatio*float64(cs.Positives))))
	}
	return top
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

// niceAxisFloat is niceAxis for a positive real top.
func niceAxisFloat(top float64) (step, axisMax float64) {
	raw := top / 6
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	for _, m := range []float64{1, 2, 5, 10} {
		if m*mag >= raw {
			step = m * mag
			break
		}
	}
	axisMax = math.Ceil(top/step-1e-9) * step
	return step, axisMax
}
