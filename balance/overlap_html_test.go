package balance_test

import (
	"bytes"
	"context"
	"math"
	"os"
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
