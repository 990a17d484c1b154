package balance_test

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/apache/arrow/go/v15/arrow/memory"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"curate.dev/balance"
	"curate.dev/dataset"
)

func TestOverlapHTMLGolden(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	ctx := context.Background()
	h := readHierarchy(t, "../examples/relations.jsonl")
	f, err := os.Open("../examples/animals.jsonl")
	require.NoError(t, err)
	defer f.Close()
	r, err := dataset.NewReader(ctx, f, dataset.WithName("animals.jsonl"), dataset.WithAllocator(mem))
	require.NoError(t, err)
	defer r.Release()
	ov := balance.DefaultOverlapOptions()
	ov.Rules.Hierarchy = h
	o, err := balance.AnalyzeOverlap(ctx, r, &ov)
	require.NoError(t, err)

	pairs := o.Pairs()
	require.Greater(t, len(pairs), 20)
	var b, again bytes.Buffer
	require.NoError(t, balance.WriteOverlapHTML(&b, pairs[:20]))
	require.NoError(t, balance.WriteOverlapHTML(&again, pairs[:20]))
	assert.Equal(t, b.String(), again.String(), "the same pairs render the same bytes")
	golden(t, "overlap.html.golden", b.Bytes())

	got := b.String()
	assert.Contains(t, got, string(balance.VerdictOverlapping))
	assert.Contains(t, got, `title="`+pairs[0].A+" / "+pairs[0].B+": ")
	assert.NotContains(t, got, "<script")
	assert.NotContains(t, got, "http", "no external resources")
}

func TestOverlapHTMLCells(t *testing.T) {
	pairs := []balance.Pair{
		{A: "<b>", B: "x&y", Verdict: balance.VerdictOverlapping, Score: 0.75, Similarity: math.NaN(), ConfusionsAB: 2},
		{A: "x&y", B: "z", Verdict: balance.VerdictExclusive, Score: math.NaN(), Similarity: 0.1},
	}
	var b bytes.Buffer
	require.NoError(t, balance.WriteOverlapHTML(&b, pairs))
	got := b.String()
	assert.NotContains(t, got, "<b>")
	assert.NotContains(t, got, "x&y")
	assert.NotContains(t, got, "NaN")
	assert.Contains(t, got, `<th class="row">&lt;b&gt;</th>`)
	assert.Contains(t, got, "&lt;b&gt; / x&amp;y: overlapping, score 0.75, similarity -, confusions 2, together 0")
	// 3 concepts: a 3×3 grid, each pair twice (symmetric), the diagonal and
	// the pair not given (<b>, z) blank.
	assert.Equal(t, 3, strings.Count(got, `<th class="row">`))
	assert.Equal(t, 4, strings.Count(got, "<td style="))
	assert.Equal(t, 5, strings.Count(got, "<td></td>"))

	var empty bytes.Buffer
	require.NoError(t, balance.WriteOverlapHTML(&empty, nil))
	assert.NotContains(t, empty.String(), "<td")
}

// relLuminance is the WCAG relative luminance of #rrggbb, computed here
// independently of the renderer.
func relLuminance(t *testing.T, hex string) float64 {
	t.Helper()
	var rgb [3]int
	_, err := fmt.Sscanf(hex, "#%02x%02x%02x", &rgb[0], &rgb[1], &rgb[2])
	require.NoError(t, err, hex)
	var lin [3]float64
	for i, v := range rgb {
		c := float64(v) / 255
		if c <= 0.04045 {
			lin[i] = c / 12.92
		} else {
			lin[i] = math.Pow((c+0.055)/1.055, 2.4)
		}
	}
	return 0.2126*lin[0] + 0.7152*lin[1] + 0.0722*lin[2]
}

// TestOverlapHTMLContrast: every coloured cell and legend entry sets both
// its background and its text colour, with a WCAG contrast of 4.5:1 or
// more, for every verdict and score from 0 to 1.
func TestOverlapHTMLContrast(t *testing.T) {
	var pairs []balance.Pair
	verdicts := []balance.Verdict{balance.VerdictOverlapping, balance.VerdictCooccurring, balance.VerdictRelated, balance.VerdictExclusive}
	for i := 0; i <= 20; i++ {
		for j, v := range verdicts {
			pairs = append(pairs, balance.Pair{A: fmt.Sprintf("c%02d", i), B: fmt.Sprintf("d%d", j), Verdict: v, Score: float64(i) / 20})
		}
	}
	var b bytes.Buffer
	require.NoError(t, balance.WriteOverlapHTML(&b, pairs))
	styled := regexp.MustCompile(`style="background:(#[0-9a-f]{6});color:(#[0-9a-f]{6})"`).FindAllStringSubmatch(b.String(), -1)
	require.Equal(t, 2*len(pairs)+len(verdicts), len(styled), "every cell (twice: the matrix is symmetric) and legend entry")
	for _, m := range styled {
		bg, fg := relLuminance(t, m[1]), relLuminance(t, m[2])
		ratio := (max(bg, fg) + 0.05) / (min(bg, fg) + 0.05)
		assert.GreaterOrEqual(t, ratio, 4.5, "text %s on %s", m[2], m[1])
	}
	assert.Contains(t, b.String(), "The number in a cell is the pair's overlap score", "the legend says what the number is")
}

// TestOverlapPage: the page names the source as given and no more.
func TestOverlapPage(t *testing.T) {
	pairs := []balance.Pair{{A: "a", B: "b<", Verdict: balance.VerdictOverlapping, Score: 0.5}}
	var b bytes.Buffer
	require.NoError(t, balance.WriteOverlapPage(&b, "animals.jsonl", pairs))
	got := b.String()
	assert.True(t, strings.HasPrefix(got, "<!DOCTYPE html>"))
	assert.Contains(t, got, "<title>curate overlap: animals.jsonl</title>")
	assert.Contains(t, got, `<meta name="color-scheme" content="light dark">`)
	assert.Contains(t, got, "Source: animals.jsonl. The 1 strongest pairs")
	assert.Contains(t, got, "b&lt;")
	assert.Equal(t, 1, strings.Count(got, "<h1>"), "one heading")
}
