package balance_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"regexp"
	"testing"

	"github.com/apache/arrow/go/v15/arrow/memory"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"curate.dev/balance"
	"curate.dev/dataset"
)

// exampleSuggestions suggests negatives for the bundled example data
// (examples/animals.jsonl with its relations).
func exampleSuggestions(t *testing.T) *balance.Suggestions {
	t.Helper()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	ctx := context.Background()
	h := readHierarchy(t, "../examples/relations.jsonl")
	ov := balance.DefaultOverlapOptions()
	ov.Rules.Hierarchy = h
	open := func(ctx context.Context) (*dataset.Reader, error) {
		f, err := os.Open("../examples/animals.jsonl")
		if err != nil {
			return nil, err
		}
		t.Cleanup(func() { f.Close() })
		return dataset.NewReader(ctx, f, dataset.WithName("animals.jsonl"), dataset.WithAllocator(mem))
	}
	res, err := balance.Suggest(ctx, open, &ov, nil)
	require.NoError(t, err)
	return res
}

// rowNumbers returns the # column of the suggestions table.
func rowNumbers(html string) []string {
	var out []string
	for _, m := range regexp.MustCompile(`<tr><td class="n">(\d+)</td><td class="t id">`).FindAllStringSubmatch(html, -1) {
		out = append(out, m[1])
	}
	return out
}

func TestSuggestionsHTMLGolden(t *testing.T) {
	res := exampleSuggestions(t)
	require.Greater(t, len(res.Suggestions), 10, "the example data needs more than a page of suggestions")
	var first, again bytes.Buffer
	require.NoError(t, res.WriteHTMLPage(&first, 0, 10))
	require.NoError(t, res.WriteHTMLPage(&again, 0, 10))
	assert.Equal(t, first.String(), again.String(), "the same result renders the same bytes")
	golden(t, "suggestions.html.golden", first.Bytes())

	got := first.String()
	assert.Equal(t, []string{"1", "2", "3", "4", "5", "6", "7", "8", "9", "10"}, rowNumbers(got))
	assert.Contains(t, got, res.Suggestions[0].InputID)
	assert.Contains(t, got, fmt.Sprintf("Page 1 of %d", res.Pages(10)))
	assert.NotContains(t, got, "<script")
}

func TestSuggestionsHTMLPaging(t *testing.T) {
	many := &balance.Suggestions{}
	for i := range 25 {
		many.Suggestions = append(many.Suggestions, balance.Suggestion{InputID: fmt.Sprintf("in%02d", i), ConceptID: "wolf", SourceConceptID: "husky", Reason: "r"})
	}
	none := &balance.Suggestions{}
	tests := []struct {
		name           string
		s              *balance.Suggestions
		page, pageSize int
		wantPages      int
		wantRows       []string
		wantErr        bool
	}{
		{"first page", many, 0, 10, 3, []string{"1", "2", "3", "4", "5", "6", "7", "8", "9", "10"}, false},
		{"short last page", many, 2, 10, 3, []string{"21", "22", "23", "24", "25"}, false},
		{"exact fit", many, 4, 5, 5, []string{"21", "22", "23", "24", "25"}, false},
		{"past the end", many, 3, 10, 3, nil, true},
		{"negative page", many, -1, 10, 3, nil, true},
		{"no paging", many, 0, 0, 1, rowNumbersOf(1, 25), false},
		{"no paging, page 1", many, 1, 0, 1, nil, true},
		{"empty", none, 0, 10, 1, nil, false},
		{"empty, page 1", none, 1, 10, 1, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.wantPages, tt.s.Pages(tt.pageSize))
			var b bytes.Buffer
			err := tt.s.WriteHTMLPage(&b, tt.page, tt.pageSize)
			if tt.wantErr {
				assert.ErrorContains(t, err, "out of range")
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.wantRows, rowNumbers(b.String()))
			assert.Equal(t, tt.wantPages > 1, bytes.Contains(b.Bytes(), []byte("<p>Page ")), "the page line appears only when there are pages")
		})
	}
}

func rowNumbersOf(lo, hi int) []string {
	var out []string
	for i := lo; i <= hi; i++ {
		out = append(out, fmt.Sprint(i))
	}
	return out
}

func TestSuggestionsHTMLEscapes(t *testing.T) {
	s := &balance.Suggestions{
		Suggestions: []balance.Suggestion{{
			InputID: `<script>alert("in")</script>`, ConceptID: "a&b", SourceConceptID: `"q"`,
			Score: 0.5, Reason: "positive for <b>x</b> & more",
		}},
		Concepts: []balance.ConceptSummary{{
			ConceptID: "a&b", ConceptName: "<i>A</i>", Positives: 3, Wanted: 3, Deficit: 3, Candidates: 1, Suggested: 1,
			Sources: []string{"<src>"},
		}},
		Warnings: balance.Warnings{UnknownRelationConcepts: []string{"<ghost>"}},
	}
	var b bytes.Buffer
	require.NoError(t, s.WriteHTMLPage(&b, 0, 10))
	got := b.String()
	for _, raw := range []string{"<script", "<b>x", "<i>A", "<src>", "<ghost>", `"q"`, "a&b"} {
		assert.NotContains(t, got, raw)
	}
	for _, escaped := range []string{"&lt;script&gt;", "positive for &lt;b&gt;x&lt;/b&gt; &amp; more", "&lt;i&gt;A&lt;/i&gt; (a&amp;b)", "&lt;src&gt;", "&lt;ghost&gt;", "&#34;q&#34;", "0.5000"} {
		assert.Contains(t, got, escaped)
	}
}
