package export_test

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"curate.dev/dataset"
	"curate.dev/export"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden from this run")

// golden compares got with testdata/name, or rewrites it under -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		require.NoError(t, os.WriteFile(path, got, 0o644))
		return
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "run go test ./export -update to create it")
	assert.Equal(t, string(want), string(got))
}

// TestSplitChartSVGGolden charts the stratified split of the bundled
// example data.
func TestSplitChartSVGGolden(t *testing.T) {
	data, err := os.ReadFile("../examples/animals.jsonl")
	require.NoError(t, err)
	open := func(ctx context.Context, inputs bool) (*dataset.Reader, error) {
		return dataset.NewReader(ctx, bytes.NewReader(data), dataset.WithName("animals.jsonl"), dataset.WithInputs(inputs))
	}
	splits, err := export.ParseSplit("train=0.8,val=0.1,test=0.1")
	require.NoError(t, err)
	plan, err := export.MakePlan(context.Background(), open, export.Request{Layout: export.Training, Splits: splits, Seed: 1})
	require.NoError(t, err)

	var b, again bytes.Buffer
	require.NoError(t, plan.Report.ChartSVG(&b))
	require.NoError(t, plan.Report.ChartSVG(&again))
	assert.Equal(t, b.String(), again.String(), "the same report renders the same bytes")
	golden(t, "split_chart.svg.golden", b.Bytes())

	got := b.String()
	assert.True(t, strings.HasPrefix(got, "<svg "))
	assert.Contains(t, got, "train (target 80%)")
	assert.Contains(t, got, ">husky (")
	// One bar per split for all inputs and for each concept with positives.
	withPositives := 0
	for _, p := range plan.Report.Positives {
		if p > 0 {
			withPositives++
		}
	}
	assert.Equal(t, (1+withPositives)*len(splits), strings.Count(got, "<rect")-len(splits), "bars, besides the legend")
	assert.Equal(t, len(splits)-1, strings.Count(got, "stroke-dasharray"), "a target line between adjacent splits")
}

func TestSplitChartSVGShares(t *testing.T) {
	r := &export.SplitReport{
		Splits:    []export.Fraction{{Name: "train", Share: 0.5}, {Name: "<b>&test", Share: 0.5}},
		Concepts:  []string{"a<b", "none"},
		Positives: []int64{4, 0},
		Inputs:    []int64{6, 4},
		Counts:    [][]int64{{1, 3}, {0, 0}},
		Deviation: [][]float64{{-0.25, 0.25}, {0, 0}},
	}
	var b bytes.Buffer
	require.NoError(t, r.ChartSVG(&b))
	got := b.String()
	assert.NotContains(t, got, "<b>")
	assert.NotContains(t, got, "a<b")
	assert.Contains(t, got, "&lt;b&gt;&amp;test (target 50%)")
	assert.Contains(t, got, "a&lt;b, train: 1 of 4 (25%)")
	assert.Contains(t, got, "a&lt;b, &lt;b&gt;&amp;test: 3 of 4 (75%)")
	assert.Contains(t, got, "all inputs, train: 6 of 10 (60%)")
	assert.NotContains(t, got, ">none (", "a concept without positives has no bar")
	// Bar widths add up to the plot width on every row.
	widths := map[string]float64{}
	for _, m := range regexp.MustCompile(`<rect x="[\d.]+" y="([\d.]+)" width="([\d.]+)" height="14"`).FindAllStringSubmatch(got, -1) {
		var w float64
		_, err := fmt.Sscan(m[2], &w)
		require.NoError(t, err)
		widths[m[1]] += w
	}
	require.Len(t, widths, 2)
	var first float64
	for _, w := range widths {
		if first == 0 {
			first = w
		}
		assert.InDelta(t, first, w, 0.2)
	}

	var empty bytes.Buffer
	require.NoError(t, (&export.SplitReport{}).ChartSVG(&empty))
	assert.Contains(t, empty.String(), "</svg>")
}
