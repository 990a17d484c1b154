package balance_test

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/apache/arrow/go/v15/arrow/memory"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"curate.dev/balance"
	"curate.dev/dataset"
	"curate.dev/label"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden from this run")

// readHierarchy builds the hierarchy of a relations file.
func readHierarchy(t *testing.T, path string) *label.Hierarchy {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	rels, err := dataset.ReadRelations(context.Background(), f, filepath.Base(path))
	require.NoError(t, err)
	h, err := label.NewHierarchy(rels)
	require.NoError(t, err)
	return h
}

// fixtureReport counts testdata/small.jsonl with its relations, sorted by
// name. Its concepts cover every status, relations, an implicit value and
// a model annotation left out.
func fixtureReport(t *testing.T) *balance.Report {
	t.Helper()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	ctx := context.Background()

	h := readHierarchy(t, "testdata/small_relations.jsonl")

	f, err := os.Open("testdata/small.jsonl")
	require.NoError(t, err)
	defer f.Close()
	r, err := dataset.NewReader(ctx, f, dataset.WithName("small.jsonl"), dataset.WithAllocator(mem), dataset.WithInputs(false))
	require.NoError(t, err)
	defer r.Release()
	rr := r.AnnotationReader()
	defer rr.Release()
	rep, err := balance.Compute(ctx, rr, balance.WithHierarchy(h), balance.WithMinPositives(3), balance.WithTargetRatio(0.5))
	require.NoError(t, err)
	checkInvariants(t, rep)
	rep, err = rep.Sorted(balance.SortName)
	require.NoError(t, err)
	return rep
}

// golden compares got with testdata/name, or rewrites it under -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		require.NoError(t, os.WriteFile(path, got, 0o644))
		return
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "run go test ./balance -update to create it")
	assert.Equal(t, string(want), string(got))
}

func TestRenderGolden(t *testing.T) {
	rep := fixtureReport(t)
	// The fixture must exercise what the renderings show.
	statuses := map[balance.Status]bool{}
	for _, cs := range rep.Concepts {
		statuses[cs.Status] = true
	}
	require.Len(t, statuses, len(balance.Statuses), "every status appears in the fixture")
	require.Positive(t, rep.Summary.PropagatedPositives)
	require.Positive(t, rep.Summary.PropagatedNegatives)
	require.Equal(t, 1, rep.Summary.ModelsExcluded)
	require.Equal(t, 1, rep.Summary.ImplicitValues)
	require.Equal(t, 1, rep.Summary.UnknownRelationConcepts)

	for _, f := range balance.Formats {
		t.Run(f.String(), func(t *testing.T) {
			var buf bytes.Buffer
			require.NoError(t, rep.Write(&buf, f))
			golden(t, "report."+f.String()+".golden", buf.Bytes())
			var again bytes.Buffer
			require.NoError(t, rep.Write(&again, f))
			assert.Equal(t, buf.String(), again.String(), "rendering is deterministic")
		})
	}
	t.Run("chart", func(t *testing.T) {
		var buf bytes.Buffer
		require.NoError(t, rep.ChartSVG(&buf))
		golden(t, "chart.svg.golden", buf.Bytes())
	})
	for _, scale := range []balance.ChartScale{balance.ScaleLog, balance.ScaleRatio} {
		t.Run("chart "+string(scale), func(t *testing.T) {
			var buf bytes.Buffer
			require.NoError(t, rep.ChartSVG(&buf, balance.WithChartScale(scale)))
			golden(t, "chart."+string(scale)+".svg.golden", buf.Bytes())
		})
	}
}

func TestWriteJSONShape(t *testing.T) {
	rep := fixtureReport(t)
	var buf bytes.Buffer
	require.NoError(t, rep.WriteJSON(&buf))
	out := buf.String()
	// The documented fields come first, in order.
	assert.True(t, strings.HasPrefix(out, `{"summary":{"inputs":14,"annotations":`), out)
	assert.Regexp(t, `^\{"summary":\{"inputs":\d+,"annotations":\d+,"concepts":\d+,"implicit_values":\d+,"conflicts":\d+[,}]`, out)
	assert.Regexp(t, `"concepts":\[\{"concept_id":"[^"]*","concept_name":"[^"]*","positives":\d+,"negatives":\d+,"conflicts":\d+,"implied_negatives":\d+,"unknown":\d+,"implicit_values":\d+,"ratio":[\d.]+,"status":"[a-z-]+"`, out)

	var got struct {
		Summary  map[string]any   `json:"summary"`
		Concepts []map[string]any `json:"concepts"`
	}
	require.NoError(t, json.Unmarshal(buf.Bytes(), &got))
	assert.EqualValues(t, rep.Summary.Inputs, got.Summary["inputs"])
	require.Len(t, got.Concepts, len(rep.Concepts))
	for i, c := range got.Concepts {
		assert.Equal(t, rep.Concepts[i].ConceptID, c["concept_id"])
		assert.EqualValues(t, rep.Concepts[i].Positives, c["positives"])
		assert.Equal(t, string(rep.Concepts[i].Status), c["status"])
	}
}

func TestWriteHTMLSelfContained(t *testing.T) {
	rep := fixtureReport(t)
	var buf bytes.Buffer
	require.NoError(t, rep.WriteHTML(&buf))
	page := buf.String()
	assert.True(t, strings.HasPrefix(page, "<!DOCTYPE html>"))
	for _, bad := range []string{"<script", "<link", "@import", "url(", "src="} {
		assert.NotContains(t, page, bad)
	}
	// The only URL is the SVG namespace.
	urls := regexp.MustCompile(`https?://[^"' ]+`).FindAllString(page, -1)
	for _, u := range urls {
		assert.Equal(t, "http://www.w3.org/2000/svg", u)
	}
	assert.Contains(t, page, "<svg")
	for _, cs := range rep.Concepts {
		assert.Contains(t, page, `<td class="t id">`+cs.ConceptID+"</td>")
	}
}

func TestRenderEscapes(t *testing.T) {
	rep := &balance.Report{Concepts: []balance.ConceptStats{{
		ConceptID: "a|b", ConceptName: "<x>\t\"y\"", Positives: 1, Status: balance.StatusFewPositives,
	}}}
	for _, tt := range []struct {
		f        balance.Format
		want     string
		mustNot  string
		describe string
	}{
		{balance.FormatMarkdown, `a\|b`, "<x>", "pipes and tags escaped"},
		{balance.FormatHTML, "&lt;x&gt;", "<x>", "HTML escaped"},
		{balance.FormatTSV, "<x> \"y\"", "<x>\t", "tabs in names become spaces"},
		{balance.FormatCSV, `"<x>	""y"""`, "", "CSV quoting"},
	} {
		var buf bytes.Buffer
		require.NoError(t, rep.Write(&buf, tt.f))
		assert.Contains(t, buf.String(), tt.want, tt.describe)
		if tt.mustNot != "" {
			assert.NotContains(t, buf.String(), tt.mustNot, tt.describe)
		}
	}
	var buf bytes.Buffer
	require.NoError(t, rep.ChartSVG(&buf))
	assert.Contains(t, buf.String(), "&lt;x&gt;")
	assert.Error(t, rep.Write(&buf, balance.Format(99)))
}

func TestSortedTopSelect(t *testing.T) {
	rep := fixtureReport(t)
	ids := func(r *balance.Report) []string {
		var out []string
		for _, cs := range r.Concepts {
			out = append(out, cs.ConceptID)
		}
		return out
	}
	for _, key := range balance.SortKeys {
		t.Run(string(key), func(t *testing.T) {
			s, err := rep.Sorted(key)
			require.NoError(t, err)
			require.Len(t, s.Concepts, len(rep.Concepts))
			for i := 1; i < len(s.Concepts); i++ {
				a, b := s.Concepts[i-1], s.Concepts[i]
				switch key {
				case balance.SortName:
					assert.LessOrEqual(t, a.Name(), b.Name())
				case balance.SortPositives:
					assert.GreaterOrEqual(t, a.Positives, b.Positives)
				case balance.SortNegatives:
					assert.GreaterOrEqual(t, a.Negatives, b.Negatives)
				case balance.SortRatio:
					assert.LessOrEqual(t, a.Ratio, b.Ratio)
				case balance.SortStatus:
					ra, rb := indexOf(balance.Statuses, a.Status), indexOf(balance.Statuses, b.Status)
					assert.LessOrEqual(t, ra, rb)
				}
			}
			assert.Equal(t, rep.Summary, s.Summary)
		})
	}
	_, err := rep.Sorted("size")
	assert.Error(t, err)

	top := rep.Top(2)
	assert.Equal(t, ids(rep)[:2], ids(top))
	assert.Len(t, rep.Top(0).Concepts, len(rep.Concepts))

	sel, missing := rep.Select([]string{"Wolf", "cat", "zebra"})
	assert.Equal(t, []string{"cat", "wolf"}, ids(sel), "by id or name, in report order")
	assert.Equal(t, []string{"zebra"}, missing)

	assert.ElementsMatch(t, []string{"cat"}, rep.ConceptsWith(balance.StatusConflicting))
}

func indexOf(s []balance.Status, x balance.Status) int {
	for i, v := range s {
		if v == x {
			return i
		}
	}
	return -1
}

// barWidths returns the width of each bar titled "NAME: COUNT WHAT" in an
// SVG chart, keyed by the title.
func barWidths(t *testing.T, svg string) map[string]float64 {
	t.Helper()
	out := map[string]float64{}
	for _, m := range regexp.MustCompile(`<rect x="[\d.]+" y="[\d.]+" width="([\d.]+)" height="[\d.]+" fill="#[0-9a-f]+"><title>([^<]+)</title>`).FindAllStringSubmatch(svg, -1) {
		w, err := strconv.ParseFloat(m[1], 64)
		require.NoError(t, err)
		out[m[2]] = w
	}
	return out
}

// TestChartScales: at scale, a linear axis squeezes a few negatives to
// nothing; the log axis keeps them visible, the ratio chart draws the
// target, and counts carry thousands separators.
func TestChartScales(t *testing.T) {
	rep := &balance.Report{
		Thresholds: balance.Thresholds{TargetRatio: 1, MinPositives: 10},
		Concepts: []balance.ConceptStats{
			{ConceptID: "big", Positives: 1234567, Negatives: 20, Ratio: 20.0 / 1234567, Status: balance.StatusFewNegatives},
			{ConceptID: "even", Positives: 500, Negatives: 750, Ratio: 1.5, Status: balance.StatusOK},
		},
	}
	render := func(opts ...balance.ChartOption) string {
		var b bytes.Buffer
		require.NoError(t, rep.ChartSVG(&b, opts...))
		return b.String()
	}
	linear, logScale, ratio := render(), render(balance.WithChartScale(balance.ScaleLog)), render(balance.WithChartScale(balance.ScaleRatio))
	assert.Equal(t, linear, render(balance.WithChartScale(balance.ScaleLinear)), "linear is the default")

	lw, gw := barWidths(t, linear), barWidths(t, logScale)
	require.Contains(t, lw, "big: 1,234,567 positives")
	require.Contains(t, lw, "big: 20 negatives")
	assert.Less(t, lw["big: 20 negatives"], 1.0, "linear: 20 next to 1.2M is invisible")
	assert.Greater(t, gw["big: 20 negatives"], 0.2*gw["big: 1,234,567 positives"], "log: 20 stays visible")
	assert.Less(t, gw["big: 20 negatives"], gw["even: 500 positives"], "log keeps the order")
	for _, svg := range []string{linear, logScale} {
		assert.Contains(t, svg, ">1,234,567</text>", "bar values carry thousands separators")
		assert.Contains(t, svg, "target: 1 negative per positive")
	}
	assert.Contains(t, logScale, ">1,000,000</text>", "log ticks at powers of ten")

	rw := barWidths(t, ratio)
	require.Contains(t, rw, "even: 1.50 negatives per positive (750 negatives, 500 positives)")
	assert.Equal(t, 2, strings.Count(ratio, `stroke-dasharray="4,3"`), "one target line, and its legend")
	assert.Contains(t, ratio, ">1.6e-05</text>", "a small ratio does not read as 0.00")
	target := regexp.MustCompile(`<line x1="([\d.]+)" y1="44" x2="[\d.]+" y2="[\d.]+" stroke="currentColor" stroke-width="1.5" stroke-dasharray="4,3"/>`).FindStringSubmatch(ratio)
	require.NotNil(t, target)
	x0 := regexp.MustCompile(`<rect x="([\d.]+)" y="[\d.]+" width="[\d.]+" height="8" fill`).FindStringSubmatch(ratio)
	require.NotNil(t, x0)
	left, _ := strconv.ParseFloat(x0[1], 64)
	tx, _ := strconv.ParseFloat(target[1], 64)
	assert.InDelta(t, left+rw["even: 1.50 negatives per positive (750 negatives, 500 positives)"]/1.5, tx, 0.2, "the target line sits at ratio 1")

	for _, svg := range []string{linear, logScale, ratio} {
		assert.NotRegexp(t, `fill="#[0-9a-f]{6}">[^<]*</text>|<text[^>]*fill="#333`, svg, "text is drawn in currentColor")
	}
	var b bytes.Buffer
	assert.Error(t, rep.ChartSVG(&b, balance.WithChartScale("cubic")))
	_, err := balance.ParseChartScale("cubic")
	assert.Error(t, err)
}
