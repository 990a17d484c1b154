// Package svg draws the small charts curate renders (the balance chart,
// the split chart): a [Canvas] of rectangles, lines and text with escaped
// strings and coordinates rounded to one decimal, so the same data gives
// the same bytes.
//
// Colours follow the page: text and axes are drawn in currentColor, which
// an inline SVG inherits from the surrounding HTML (a JupyterLab output
// area, light or dark), and grid lines in a translucent currentColor. Only
// data series carry fixed colours, chosen to read on light and dark
// backgrounds alike. Opened on its own (a file, an <img>), the SVG is dark
// text on the viewer's background, or light text when the viewer prefers a
// dark scheme.
package svg

import (
	"html"
	"io"
	"math"
	"strconv"
	"strings"
)

// Class is the class of every chart's root element; pages may style it.
const Class = "curate-chart"

// Attr is one extra attribute of an element. Its value is escaped.
type Attr struct{ Name, Value string }

// A returns the attribute name=value.
func A(name, value string) Attr { return Attr{name, value} }

// Canvas collects the elements of one SVG image. The zero value is not
// usable: call [New].
type Canvas struct {
	width, height float64
	label         string
	b             strings.Builder
}

// New starts an image of width×height user units (pixels at 100%) whose
// accessible name is label.
func New(width, height float64, label string) *Canvas {
	return &Canvas{width: width, height: height, label: label}
}

func (c *Canvas) attrs(attrs []Attr) {
	for _, a := range attrs {
		c.b.WriteString(" " + a.Name + `="` + html.EscapeString(a.Value) + `"`)
	}
}

// Text draws s with its baseline starting at (x, y), in currentColor unless
// attrs set a fill.
func (c *Canvas) Text(x, y float64, s string, attrs ...Attr) {
	c.b.WriteString(`<text x="` + Num(x) + `" y="` + Num(y) + `"`)
	c.attrs(attrs)
	c.b.WriteString(">" + html.EscapeString(s) + "</text>\n")
}

// Rect draws a filled rectangle; a non-empty title becomes its tooltip.
func (c *Canvas) Rect(x, y, w, h float64, fill, title string, attrs ...Attr) {
	c.b.WriteString(`<rect x="` + Num(x) + `" y="` + Num(y) + `" width="` + Num(max(w, 0)) + `" height="` + Num(max(h, 0)) + `" fill="` + html.EscapeString(fill) + `"`)
	c.attrs(attrs)
	if title == "" {
		c.b.WriteString("/>\n")
		return
	}
	c.b.WriteString("><title>" + html.EscapeString(title) + "</title></rect>\n")
}

// Line draws a line in currentColor unless attrs set a stroke.
func (c *Canvas) Line(x1, y1, x2, y2 float64, attrs ...Attr) {
	c.b.WriteString(`<line x1="` + Num(x1) + `" y1="` + Num(y1) + `" x2="` + Num(x2) + `" y2="` + Num(y2) + `"`)
	hasStroke := false
	for _, a := range attrs {
		hasStroke = hasStroke || a.Name == "stroke"
	}
	if !hasStroke {
		c.b.WriteString(` stroke="currentColor"`)
	}
	c.attrs(attrs)
	c.b.WriteString("/>\n")
}

// Grid draws a faint grid line, a translucent currentColor.
func (c *Canvas) Grid(x1, y1, x2, y2 float64) {
	c.Line(x1, y1, x2, y2, A("stroke-opacity", "0.2"))
}

// Title draws the chart's heading at (x, y).
func (c *Canvas) Title(x, y float64, s string) {
	c.Text(x, y, s, A("font-size", "14"), A("font-weight", "bold"))
}

// LegendItem draws a swatch of fill and its label at (x, y), the top left
// of the swatch, and returns the x after the label.
func (c *Canvas) LegendItem(x, y float64, fill, label string) float64 {
	c.Rect(x, y, 10, 10, fill, "")
	c.Text(x+14, y+9, label)
	return x + 14 + TextWidth(label, 11) + 16
}

// style applies only when the SVG is the root of its document (a file, an
// <img>): light text when the viewer prefers a dark scheme. Inline in a
// page, currentColor is the page's colour.
const style = `<style>@media (prefers-color-scheme:dark){svg.` + Class + `:root{color:#e8e8e8}}</style>`

// WriteTo writes the image: no XML prolog and no external references, so
// it can stand alone in a file or be inlined in HTML; it scales to its
// container through its viewBox.
func (c *Canvas) WriteTo(w io.Writer) (int64, error) {
	var b strings.Builder
	b.WriteString(`<svg xmlns="http://www.w3.org/2000/svg" class="` + Class + `" viewBox="0 0 ` + Num(c.width) + " " + Num(c.height) +
		`" width="` + Num(c.width) + `" height="` + Num(c.height) + `" role="img" aria-label="` + html.EscapeString(c.label) +
		`" font-family="sans-serif" font-size="11" fill="currentColor" style="max-width:100%;height:auto">` + "\n")
	b.WriteString(style + "\n")
	b.WriteString(c.b.String())
	b.WriteString("</svg>\n")
	n, err := io.WriteString(w, b.String())
	return int64(n), err
}

// Num formats a coordinate with at most one decimal, so output is stable.
func Num(v float64) string { return strconv.FormatFloat(math.Round(v*10)/10, 'f', -1, 64) }

// Thousands formats n with a comma between groups of three digits:
// 1234567 is "1,234,567".
func Thousands(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	if neg {
		s = s[1:]
	}
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i, d := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(d)
	}
	return b.String()
}

// TextWidth estimates the width of s in a sans-serif font of size px,
// enough to lay out labels without measuring them.
func TextWidth(s string, px float64) float64 {
	return float64(len([]rune(s))) * px * 0.6
}
