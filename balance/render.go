package balance

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"unicode/utf8"
)

// Format is a rendering of a [Report]. Like dataset.Format and
// export.Format it is a small enum with a String method and a parser.
type Format int

// Formats a report renders to.
const (
	FormatText     Format = iota // aligned table for a terminal
	FormatTSV                    // tab-separated, for pipes
	FormatMarkdown               // GitHub-flavoured table
	FormatJSON                   // one JSON object
	FormatCSV                    // RFC 4180 with a header
	FormatHTML                   // one self-contained page with a chart
)

var formatNames = [...]string{"text", "tsv", "markdown", "json", "csv", "html"}

// Formats lists the valid formats.
var Formats = []Format{FormatText, FormatTSV, FormatMarkdown, FormatJSON, FormatCSV, FormatHTML}

// String returns the format's name ("text", "json", …).
func (f Format) String() string {
	if f >= 0 && int(f) < len(formatNames) {
		return formatNames[f]
	}
	return "unknown"
}

// ParseFormat is the inverse of [Format.String].
func ParseFormat(name string) (Format, bool) {
	for i, n := range formatNames {
		if n == name {
			return Format(i), true
		}
	}
	return 0, false
}

// Write renders r to w in format f.
func (r *Report) Write(w io.Writer, f Format) error {
	switch f {
	case FormatText:
		return r.WriteText(w)
	case FormatTSV:
		return r.WriteTSV(w)
	case FormatMarkdown:
		return r.WriteMarkdown(w)
	case FormatJSON:
		return r.WriteJSON(w)
	case FormatCSV:
		return r.WriteCSV(w)
	case FormatHTML:
		return r.WriteHTML(w)
	}
	return fmt.Errorf("balance: unknown format %q", f)
}

// columns of the tables, machine names (TSV, CSV, JSON) and labels (text).
var (
	colNames = []string{"concept_id", "concept_name", "positives", "negatives", "conflicts",
		"implied_negatives", "unknown", "implicit_values", "ratio", "status"}
	colLabels = []string{"CONCEPT", "NAME", "POSITIVES", "NEGATIVES", "CONFLICTS",
		"IMPLIED NEG", "UNKNOWN", "IMPLICIT", "RATIO", "STATUS"}
	propNames  = []string{"propagated_positives", "propagated_negatives"}
	propLabels = []string{"+POS VIA REL", "+NEG VIA REL"}
)

// propagated reports whether relations contributed any count, which adds
// two columns to the text tables.
func (r *Report) propagated() bool {
	return r.Summary.PropagatedPositives+r.Summary.PropagatedNegatives > 0
}

// cells returns a concept's row; ratio is formatted by fmtRatio.
func (cs *ConceptStats) cells(fmtRatio func(float64) string, prop bool) []string {
	row := []string{cs.ConceptID, cs.ConceptName,
		strconv.Itoa(cs.Positives), strconv.Itoa(cs.Negatives), strconv.Itoa(cs.Conflicts),
		strconv.Itoa(cs.ImpliedNegatives), strconv.Itoa(cs.Unknown), strconv.Itoa(cs.ImplicitValues),
		fmtRatio(cs.Ratio), string(cs.Status)}
	if prop {
		row = append(row, strconv.Itoa(cs.PropagatedPositives), strconv.Itoa(cs.PropagatedNegatives))
	}
	return row
}

func ratio2(x float64) string { return strconv.FormatFloat(x, 'f', 2, 64) }

// ratio4 rounds to 4 decimals and prints the shortest form: stable across
// platforms and readable.
func ratio4(x float64) string {
	return strconv.FormatFloat(round4(x), 'f', -1, 64)
}

func round4(x float64) float64 { return math.Round(x*1e4) / 1e4 }

// WriteText writes an aligned table followed by the summary, for a
// terminal.
func (r *Report) WriteText(w io.Writer) error {
	_, err := r.WriteTextFit(w, 0)
	return err
}

// textDropOrder is the order in which WriteTextFit leaves columns out of a
// table too wide for the terminal: the least needed first. CONCEPT,
// POSITIVES, NEGATIVES, RATIO and STATUS always stay.
var textDropOrder = []string{"IMPLICIT", "UNKNOWN", "+NEG VIA REL", "+POS VIA REL", "IMPLIED NEG", "CONFLICTS", "NAME"}

// WriteTextFit is WriteText for a terminal width columns wide: while the
// table is wider, it leaves out columns in textDropOrder, and returns the
// labels of those it left out. width 0 means no limit (every column).
func (r *Report) WriteTextFit(w io.Writer, width int) (hidden []string, err error) {
	bw := bufio.NewWriter(w)
	tw := tabwriter.NewWriter(bw, 0, 0, 2, ' ', 0)
	prop := r.propagated()
	head := colLabels
	if prop {
		head = append(head[:len(head):len(head)], propLabels...)
	}
	rows := make([][]string, len(r.Concepts))
	widths := make([]int, len(head))
	for j, h := range head {
		widths[j] = utf8.RuneCountInString(h)
	}
	for i := range r.Concepts {
		row := r.Concepts[i].cells(ratio2, prop)
		if row[1] == "" {
			row[1] = "-"
		}
		rows[i] = row
		for j, c := range row {
			widths[j] = max(widths[j], utf8.RuneCountInString(c))
		}
	}
	keep := make([]bool, len(head))
	total := 0
	for j := range head {
		keep[j] = true
		total += widths[j] + 2
	}
	total -= 2
	for _, label := range textDropOrder {
		if width <= 0 || total <= width {
			break
		}
		if j := slices.Index(head, label); j >= 0 {
			keep[j] = false
			total -= widths[j] + 2
			hidden = append(hidden, label)
		}
	}
	pick := func(row []string) string {
		var out []string
		for j, c := range row {
			if keep[j] {
				out = append(out, c)
			}
		}
		return strings.Join(out, "\t")
	}
	fmt.Fprintln(tw, pick(head))
	for _, row := range rows {
		fmt.Fprintln(tw, pick(row))
	}
	if err := tw.Flush(); err != nil {
		return hidden, err
	}
	fmt.Fprintln(bw)
	for _, line := range r.summaryLines() {
		fmt.Fprintln(bw, line)
	}
	for _, warn := range r.Warnings {
		fmt.Fprintln(bw, "warning: "+warn)
	}
	return hidden, bw.Flush()
}

// summaryLines describes the summary and thresholds in sentences.
func (r *Report) summaryLines() []string {
	s := r.Summary
	lines := []string{
		fmt.Sprintf("%s, %s, %s; %s, %s",
			plural(s.Inputs, "input"), plural(s.Annotations, "annotation"), plural(s.Concepts, "concept"),
			plural(s.ImplicitValues, "implicit value"), plural(s.Conflicts, "conflict")),
	}
	if r.ModelsIncluded {
		lines = append(lines, fmt.Sprintf("model and workflow annotations counted: a score >= %g is a positive", r.ModelThreshold))
	} else if s.ModelsExcluded > 0 {
		lines = append(lines, fmt.Sprintf("%s left out (model and workflow scores are not labels)", plural(s.ModelsExcluded, "model annotation")))
	}
	if s.PropagatedPositives+s.PropagatedNegatives > 0 {
		lines = append(lines, fmt.Sprintf("relations added %s and %s",
			plural(s.PropagatedPositives, "positive"), plural(s.PropagatedNegatives, "negative")))
	}
	lines = append(lines, fmt.Sprintf("status thresholds: ratio >= %g negatives per positive, at least %s",
		r.Thresholds.TargetRatio, plural(r.Thresholds.MinPositives, "positive")))
	return lines
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return strconv.Itoa(n) + " " + noun + "s"
}

// WriteTSV writes the table as tab-separated values with a header of
// machine names, for pipes. Tabs and newlines in names become spaces.
func (r *Report) WriteTSV(w io.Writer) error {
	bw := bufio.NewWriter(w)
	head := append(colNames[:len(colNames):len(colNames)], propNames...)
	bw.WriteString(strings.Join(head, "\t") + "\n")
	clean := strings.NewReplacer("\t", " ", "\n", " ", "\r", " ")
	for i := range r.Concepts {
		row := r.Concepts[i].cells(ratio4, true)
		for j := range row {
			row[j] = clean.Replace(row[j])
		}
		bw.WriteString(strings.Join(row, "\t") + "\n")
	}
	return bw.Flush()
}

// WriteCSV writes the table as CSV with a header of machine names.
func (r *Report) WriteCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	cw.Write(append(colNames[:len(colNames):len(colNames)], propNames...))
	for i := range r.Concepts {
		cw.Write(r.Concepts[i].cells(ratio4, true))
	}
	cw.Flush()
	return cw.Error()
}

// WriteMarkdown writes the summary and a GitHub-flavoured table.
func (r *Report) WriteMarkdown(w io.Writer) error {
	bw := bufio.NewWriter(w)
	bw.WriteString("## Balance report\n\n")
	for _, line := range r.summaryLines() {
		bw.WriteString("- " + mdEscape(line) + "\n")
	}
	for _, warn := range r.Warnings {
		bw.WriteString("- warning: " + mdEscape(warn) + "\n")
	}
	bw.WriteString("\n")
	prop := r.propagated()
	head := colNames
	if prop {
		head = append(head[:len(head):len(head)], propNames...)
	}
	bw.WriteString("| " + strings.Join(head, " | ") + " |\n|")
	for i := range head {
		if i < 2 || i == 9 {
			bw.WriteString(" --- |")
		} else {
			bw.WriteString(" ---: |")
		}
	}
	bw.WriteString("\n")
	for i := range r.Concepts {
		row := r.Concepts[i].cells(ratio2, prop)
		for j := range row {
			row[j] = mdEscape(row[j])
		}
		bw.WriteString("| " + strings.Join(row, " | ") + " |\n")
	}
	return bw.Flush()
}

var mdReplacer = strings.NewReplacer("|", `\|`, "\n", " ", "<", "&lt;", ">", "&gt;", "*", `\*`, "_", `\_`, "`", "\\`")

func mdEscape(s string) string { return mdReplacer.Replace(s) }

// jsonReport fixes the JSON field order: the documented fields first.
type jsonReport struct {
	Summary    jsonSummary    `json:"summary"`
	Concepts   []jsonConcept  `json:"concepts"`
	Thresholds jsonThresholds `json:"thresholds"`
	Warnings   []string       `json:"warnings"`
}

type jsonSummary struct {
	Inputs                  int      `json:"inputs"`
	Annotations             int      `json:"annotations"`
	Concepts                int      `json:"concepts"`
	ImplicitValues          int      `json:"implicit_values"`
	Conflicts               int      `json:"conflicts"`
	ModelsExcluded          int      `json:"models_excluded"`
	ModelsIncluded          bool     `json:"models_included"`
	ModelThreshold          *float32 `json:"model_threshold,omitempty"`
	PropagatedPositives     int      `json:"propagated_positives"`
	PropagatedNegatives     int      `json:"propagated_negatives"`
	UnknownRelationConcepts int      `json:"unknown_relation_concepts"`
}

type jsonConcept struct {
	ConceptID           string  `json:"concept_id"`
	ConceptName         string  `json:"concept_name"`
	Positives           int     `json:"positives"`
	Negatives           int     `json:"negatives"`
	Conflicts           int     `json:"conflicts"`
	ImpliedNegatives    int     `json:"implied_negatives"`
	Unknown             int     `json:"unknown"`
	ImplicitValues      int     `json:"implicit_values"`
	Ratio               float64 `json:"ratio"`
	Status              Status  `json:"status"`
	PropagatedPositives int     `json:"propagated_positives"`
	PropagatedNegatives int     `json:"propagated_negatives"`
}

type jsonThresholds struct {
	TargetRatio  float64 `json:"target_ratio"`
	MinPositives int     `json:"min_positives"`
}

// WriteJSON writes the report as one JSON object followed by a newline:
//
//	{"summary":{"inputs":N,"annotations":N,"concepts":N,"implicit_values":N,"conflicts":N,…},
//	 "concepts":[{"concept_id":…,"concept_name":…,"positives":N,"negatives":N,"conflicts":N,
//	   "implied_negatives":N,"unknown":N,"implicit_values":N,"ratio":R,"status":"…",…}],
//	 "thresholds":{…},"warnings":[…]}
//
// The fields shown come first in this order; more may follow. Ratios are
// rounded to 4 decimals.
func (r *Report) WriteJSON(w io.Writer) error {
	s := r.Summary
	out := jsonReport{
		Summary: jsonSummary{
			Inputs: s.Inputs, Annotations: s.Annotations, Concepts: s.Concepts,
			ImplicitValues: s.ImplicitValues, Conflicts: s.Conflicts,
			ModelsExcluded: s.ModelsExcluded, ModelsIncluded: r.ModelsIncluded,
			PropagatedPositives: s.PropagatedPositives, PropagatedNegatives: s.PropagatedNegatives,
			UnknownRelationConcepts: s.UnknownRelationConcepts,
		},
		Concepts:   make([]jsonConcept, len(r.Concepts)),
		Thresholds: jsonThresholds{TargetRatio: r.Thresholds.TargetRatio, MinPositives: r.Thresholds.MinPositives},
		Warnings:   r.Warnings,
	}
	if r.ModelsIncluded {
		th := r.ModelThreshold
		out.Summary.ModelThreshold = &th
	}
	if out.Warnings == nil {
		out.Warnings = []string{}
	}
	for i, cs := range r.Concepts {
		out.Concepts[i] = jsonConcept{
			ConceptID: cs.ConceptID, ConceptName: cs.ConceptName,
			Positives: cs.Positives, Negatives: cs.Negatives, Conflicts: cs.Conflicts,
			ImpliedNegatives: cs.ImpliedNegatives, Unknown: cs.Unknown, ImplicitValues: cs.ImplicitValues,
			Ratio: round4(cs.Ratio), Status: cs.Status,
			PropagatedPositives: cs.PropagatedPositives, PropagatedNegatives: cs.PropagatedNegatives,
		}
	}
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return enc.Encode(out)
}
