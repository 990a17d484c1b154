package balance_test

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"regexp"
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
		t.Run(string(f), func(t *testing.T) {
			var buf bytes.Buffer
			require.NoError(t, rep.Write(&buf, f))
			golden(t, "report."+string(f)+".golden", buf.Bytes())
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
		assert.Contains(t, page, "<td>"+cs.ConceptID+"</td>")
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
	assert.Error(t, rep.Write(&buf, "yaml"))
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
