package svg

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestThousands(t *testing.T) {
	for _, tt := range []struct {
		n    int64
		want string
	}{{0, "0"}, {7, "7"}, {999, "999"}, {1000, "1,000"}, {12345, "12,345"}, {1234567, "1,234,567"}, {-1234567, "-1,234,567"}} {
		assert.Equal(t, tt.want, Thousands(tt.n), tt.n)
	}
}

func TestCanvas(t *testing.T) {
	c := New(100, 50.04, `a "chart" <x>`)
	c.Title(1, 2, "T&T")
	c.Text(1.26, 2, "<b>", A("text-anchor", "end"))
	c.Rect(0, 0, -3, 4, "#123456", `t<"`)
	c.Rect(0, 0, 3, 4, "#123456", "")
	c.Line(0, 0, 1, 1)
	c.Line(0, 0, 1, 1, A("stroke", "#fff"))
	c.Grid(0, 0, 1, 1)
	var b strings.Builder
	_, err := c.WriteTo(&b)
	require.NoError(t, err)
	got := b.String()
	assert.True(t, strings.HasPrefix(got, `<svg xmlns="http://www.w3.org/2000/svg" class="curate-chart" viewBox="0 0 100 50"`), got)
	assert.Contains(t, got, `aria-label="a &#34;chart&#34; &lt;x&gt;"`)
	assert.Contains(t, got, `fill="currentColor"`, "text follows the page's colour")
	assert.Contains(t, got, `>T&amp;T</text>`)
	assert.Contains(t, got, `<text x="1.3" y="2" text-anchor="end">&lt;b&gt;</text>`)
	assert.Contains(t, got, `width="0" height="4" fill="#123456"><title>t&lt;&#34;</title></rect>`, "negative widths clamp to 0")
	assert.Contains(t, got, `<rect x="0" y="0" width="3" height="4" fill="#123456"/>`)
	assert.Contains(t, got, `<line x1="0" y1="0" x2="1" y2="1" stroke="currentColor"/>`)
	assert.Contains(t, got, `<line x1="0" y1="0" x2="1" y2="1" stroke="#fff"/>`)
	assert.Contains(t, got, `stroke="currentColor" stroke-opacity="0.2"/>`)
	assert.True(t, strings.HasSuffix(got, "</svg>\n"))
	assert.NotContains(t, got, "<?xml")
}
