package balance

import (
	"fmt"
	"html/template"
	"io"
	"strconv"
	"strings"

	"curate.dev/label"
)

// Pages returns how many pages of pageSize suggestions s has: at least 1,
// so that page 0 of an empty result is valid. pageSize <= 0 means one page
// of everything.
func (s *Suggestions) Pages(pageSize int) int {
	n := len(s.Suggestions)
	if pageSize <= 0 || n == 0 {
		return 1
	}
	return (n + pageSize - 1) / pageSize
}

var suggestTmpl = template.Must(template.New("suggest").Funcs(funcs).Parse(`<div class="curate curate-suggest" role="region" aria-label="Suggested negatives">
<style>
{{style}}</style>
<p>{{.Total}} suggestion(s) for {{.Short}} concept(s) short of negatives.</p>
{{with .Warnings}}<ul>
{{range .}}<li class="warn">warning: {{.}}</li>
{{end}}</ul>
{{end}}{{with .Concepts}}<table>
<thead><tr><th class="t">concept</th><th class="n">positives</th><th class="n">negatives</th><th class="n">wanted</th><th class="n">deficit</th><th class="n">candidates</th><th class="n">suggested</th><th class="t">drawn from</th></tr></thead>
<tbody>
{{range .}}<tr><td class="t id">{{.Label}}</td>{{range .Counts}}<td class="n">{{.}}</td>{{end}}<td class="t">{{.Sources}}</td></tr>
{{end}}</tbody>
</table>
{{end}}{{if .Rows}}<p>{{if .Paged}}Page {{.Page}} of {{.Pages}}: suggestions {{.From}} to {{.To}} of {{.Total}}. {{end}}In the order of the result: by concept, then in turn from each concept drawn from (strongest overlap first), each one's hardest candidates first. The score is the hardness.</p>
<table>
<thead><tr><th class="n">#</th><th class="t">input</th><th class="t">not</th><th class="t">positive for</th><th class="n">score</th><th class="t">reason</th></tr></thead>
<tbody>
{{range .Rows}}<tr><td class="n">{{.N}}</td><td class="t id">{{.InputID}}</td><td class="t id">{{.ConceptID}}</td><td class="t id">{{.SourceConceptID}}</td><td class="n">{{.Score}}</td><td class="t why">{{.Reason}}</td></tr>
{{end}}</tbody>
</table>
{{end}}</div>
`))

// WriteHTMLPage writes one page of the suggestions as a self-contained
// HTML fragment (one <div> with its own scoped style, no scripts, no
// heading), for a notebook cell or a page: the concepts short of negatives
// with what was found for them, then suggestions page*pageSize up to
// (page+1)*pageSize in s's order (which the page states), each with its
// score, the concept it was drawn from and the reason. page counts from 0;
// pageSize <= 0 puts every suggestion on page 0. A page outside
// [0, s.Pages(pageSize)) is an error. Every string from the data is
// escaped; the output depends only on s, page and pageSize.
func (s *Suggestions) WriteHTMLPage(w io.Writer, page, pageSize int) error {
	pages := s.Pages(pageSize)
	if page < 0 || page >= pages {
		return fmt.Errorf("balance: suggestions page %d out of range: %d page(s) of %d", page, pages, max(pageSize, 0))
	}
	n := len(s.Suggestions)
	lo, hi := 0, n
	if pageSize > 0 {
		lo, hi = min(page*pageSize, n), min((page+1)*pageSize, n)
	}
	type conceptRow struct {
		Label   string
		Counts  []int
		Sources string
	}
	type row struct {
		N                                           int
		InputID, ConceptID, SourceConceptID, Reason string
		Score                                       string
	}
	var concepts []conceptRow
	for i := range s.Concepts {
		c := &s.Concepts[i]
		if c.Deficit == 0 {
			continue
		}
		concepts = append(concepts, conceptRow{
			Label:   conceptLabel(c.ConceptID, c.ConceptName),
			Counts:  []int{c.Positives, c.Negatives, c.Wanted, c.Deficit, c.Candidates, c.Suggested},
			Sources: strings.Join(c.Sources, ", "),
		})
	}
	var rows []row
	for i := lo; i < hi; i++ {
		sg := &s.Suggestions[i]
		rows = append(rows, row{N: i + 1, InputID: sg.InputID, ConceptID: sg.ConceptID, SourceConceptID: sg.SourceConceptID,
			Score: strconv.FormatFloat(sg.Score, 'f', 4, 64), Reason: sg.Reason})
	}
	return suggestTmpl.Execute(w, struct {
		Total, Short          int
		Warnings              []string
		Concepts              []conceptRow
		Rows                  []row
		Paged                 bool
		Page, Pages, From, To int
	}{n, len(concepts), warningLines(s.Warnings), concepts, rows, pages > 1, page + 1, pages, lo + 1, hi})
}

// conceptLabel is "Name (id)", or the id alone when it has no other name.
func conceptLabel(id, name string) string {
	if name == "" || name == id {
		return id
	}
	return name + " (" + id + ")"
}

// warningLines says what w counts, one line per kind.
func warningLines(w Warnings) []string {
	var out []string
	if w.NaNEmbeddings > 0 {
		out = append(out, fmt.Sprintf("%d embedding(s) with NaN or Inf skipped", w.NaNEmbeddings))
	}
	if w.ZeroEmbeddings > 0 {
		out = append(out, fmt.Sprintf("%d all-zero embedding(s) skipped", w.ZeroEmbeddings))
	}
	if w.SoftValues > 0 {
		out = append(out, fmt.Sprintf("%d annotation(s) with a value between 0 and 1 (positive from %.1f on, negative below)", w.SoftValues, label.SoftThreshold))
	}
	if len(w.UnknownRelationConcepts) > 0 {
		out = append(out, "concepts in relations but never annotated: "+strings.Join(w.UnknownRelationConcepts, ", "))
	}
	return out
}
