package balance

import (
	"curate.dev/label"

	"bufio"
	"fmt"
	"html"
	"io"
	"strconv"
	"strings"
)

const suggestStyle = `.curate-suggest{font-family:sans-serif;color:#333;max-width:72em}
.curate-suggest table{border-collapse:collapse;font-size:13px;margin:0.5em 0 1em}
.curate-suggest th,.curate-suggest td{padding:3px 8px;border-bottom:1px solid #e5e5e5;vertical-align:top}
.curate-suggest th{text-align:left;background:#f5f5f5}
.curate-suggest td.n{text-align:right;font-variant-numeric:tabular-nums}
.curate-suggest td.why{color:#555;max-width:40em}
.curate-suggest .warn{color:#b26a00}
`

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

// WriteHTMLPage writes one page of the suggestions as a self-contained
// HTML fragment (one <div> with its own scoped style, no scripts), for a
// notebook cell or a page: the concepts short of negatives with what was
// found for them, then suggestions page*pageSize up to (page+1)*pageSize
// in s's order, each with its score, the concept it was drawn from and the
// reason. page counts from 0; pageSize <= 0 puts every suggestion on page
// 0. A page outside [0, s.Pages(pageSize)) is an error. Every string from
// the data is escaped; the output depends only on s, page and pageSize.
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
	esc := html.EscapeString
	bw := bufio.NewWriter(w)
	bw.WriteString("<div class=\"curate-suggest\">\n<style>\n" + suggestStyle + "</style>\n<h2>Suggested negatives</h2>\n")

	short := 0
	for i := range s.Concepts {
		if s.Concepts[i].Deficit > 0 {
			short++
		}
	}
	fmt.Fprintf(bw, "<p>%d suggestion(s) for %d concept(s) short of negatives.</p>\n", n, short)
	if w := s.Warnings; w.Any() {
		bw.WriteString("<ul>\n")
		for _, line := range warningLines(w) {
			bw.WriteString("<li class=\"warn\">warning: " + esc(line) + "</li>\n")
		}
		bw.WriteString("</ul>\n")
	}
	if short > 0 {
		bw.WriteString("<table>\n<thead><tr><th>concept</th><th>positives</th><th>negatives</th><th>wanted</th><th>deficit</th><th>candidates</th><th>suggested</th><th>drawn from</th></tr></thead>\n<tbody>\n")
		for i := range s.Concepts {
			c := &s.Concepts[i]
			if c.Deficit == 0 {
				continue
			}
			bw.WriteString("<tr><td>" + esc(conceptLabel(c.ConceptID, c.ConceptName)) + "</td>")
			for _, v := range []int{c.Positives, c.Negatives, c.Wanted, c.Deficit, c.Candidates, c.Suggested} {
				bw.WriteString("<td class=\"n\">" + strconv.Itoa(v) + "</td>")
			}
			bw.WriteString("<td>" + esc(strings.Join(c.Sources, ", ")) + "</td></tr>\n")
		}
		bw.WriteString("</tbody>\n</table>\n")
	}
	if n == 0 {
		bw.WriteString("</div>\n")
		return bw.Flush()
	}
	if pages > 1 {
		fmt.Fprintf(bw, "<p>Page %d of %d: suggestions %d to %d of %d.</p>\n", page+1, pages, lo+1, hi, n)
	}
	bw.WriteString("<table>\n<thead><tr><th>#</th><th>input</th><th>not</th><th>positive for</th><th>score</th><th>reason</th></tr></thead>\n<tbody>\n")
	for i := lo; i < hi; i++ {
		sg := &s.Suggestions[i]
		fmt.Fprintf(bw, "<tr><td class=\"n\">%d</td><td>%s</td><td>%s</td><td>%s</td><td class=\"n\">%s</td><td class=\"why\">%s</td></tr>\n",
			i+1, esc(sg.InputID), esc(sg.ConceptID), esc(sg.SourceConceptID), strconv.FormatFloat(sg.Score, 'f', 4, 64), esc(sg.Reason))
	}
	bw.WriteString("</tbody>\n</table>\n</div>\n")
	return bw.Flush()
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
