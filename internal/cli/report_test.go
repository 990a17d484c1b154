package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"curate.dev/balance"
)

func TestNewCmdReport(t *testing.T) {
	defaults := ReportOptions{
		Sources: []string{"a.jsonl"}, Format: balance.FormatText, Sort: balance.SortName,
		Ratio: balance.DefaultTargetRatio, MinPositives: balance.DefaultMinPositives,
		Labels: LabelFlags{ModelThreshold: balance.DefaultModelThreshold},
		Load:   LoadOptions{Format: "auto", MaxErrors: 1},
	}
	tests := []struct {
		name    string
		cli     string
		want    func(o *ReportOptions)
		wantErr string
	}{
		{name: "defaults", cli: "a.jsonl", want: func(o *ReportOptions) {}},
		{name: "several sources", cli: "a.jsonl b.csv -", want: func(o *ReportOptions) { o.Sources = []string{"a.jsonl", "b.csv", "-"} }},
		{name: "json flag", cli: "a.jsonl --json", want: func(o *ReportOptions) { o.Format = balance.FormatJSON }},
		{name: "json flag agrees with format", cli: "a.jsonl --json --format json", want: func(o *ReportOptions) { o.Format = balance.FormatJSON }},
		{name: "html", cli: "a.jsonl --format html", want: func(o *ReportOptions) { o.Format = balance.FormatHTML }},
		{
			name: "everything",
			cli: "a.jsonl --sort ratio --top 5 --concepts dog,Wolf --fail-on conflicting,no-negatives --ratio 1.5 " +
				"--min-positives 3 --include-models --model-threshold 0.8 --relations rel.jsonl --strict-values --max-errors 4",
			want: func(o *ReportOptions) {
				o.Sort, o.Top, o.Concepts = balance.SortRatio, 5, []string{"dog", "Wolf"}
				o.FailOn = []balance.Status{balance.StatusConflicting, balance.StatusNoNegatives}
				o.Ratio, o.MinPositives = 1.5, 3
				o.Labels = LabelFlags{Relations: "rel.jsonl", IncludeModels: true, ModelThreshold: 0.8, thresholdSet: true}
				o.Load.StrictValues, o.Load.MaxErrors = true, 4
			},
		},
		{name: "no source", cli: "", wantErr: "missing SOURCE"},
		{name: "bad format", cli: "a.jsonl --format yaml", wantErr: `--format: unknown format "yaml"`},
		{name: "json and format disagree", cli: "a.jsonl --json --format csv", wantErr: "--json and --format csv disagree"},
		{name: "bad sort", cli: "a.jsonl --sort size", wantErr: `--sort: unknown key "size"`},
		{name: "negative top", cli: "a.jsonl --top -1", wantErr: "--top"},
		{name: "bad status", cli: "a.jsonl --fail-on bad", wantErr: `--fail-on: unknown status "bad"`},
		{name: "zero ratio", cli: "a.jsonl --ratio 0", wantErr: "--ratio"},
		{name: "negative min positives", cli: "a.jsonl --min-positives -2", wantErr: "--min-positives"},
		{name: "threshold without models", cli: "a.jsonl --model-threshold 0.7", wantErr: "--model-threshold needs --include-models"},
		{name: "threshold out of range", cli: "a.jsonl --include-models --model-threshold 2", wantErr: "--model-threshold: want a score from 0 to 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ios, _, _, _ := Test()
			got, err := parseFlags(t, &Factory{IO: ios}, NewCmdReport, tt.cli)
			if tt.wantErr != "" {
				require.Error(t, err)
				var fe *FlagError
				assert.ErrorAs(t, err, &fe, "a usage error")
				assert.Contains(t, err.Error(), tt.wantErr)
				return
			}
			require.NoError(t, err)
			want := defaults
			want.IO = ios
			tt.want(&want)
			assert.Equal(t, &want, got)
		})
	}
}

const reportData = `{"id":"in1","data":{"concepts":[{"id":"dog","name":"Dog","value":1},{"id":"wolf","name":"Wolf","value":0}]}}
{"id":"in2","data":{"concepts":[{"id":"dog","value":1},{"id":"wolf","value":0}]}}
{"id":"in3","data":{"concepts":[{"id":"wolf","value":1},{"id":"dog","value":0}]}}
{"id":"in4","data":{"concepts":[{"id":"husky","name":"Husky","value":1}]},"annotations":[{"model_version_id":"m1","data":{"concepts":[{"id":"wolf","value":0.9}]}}]}
`

// The same input in1 appears in the CSV: sources are counted together.
const reportCSV = `input_id,concept_id,value
in1,dog,0
in5,wolf,1
`

const reportRelations = `{"subject_concept":{"id":"husky"},"object_concept":{"id":"dog"},"predicate":"hyponym"}
`

func writeFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, body := range files {
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644))
	}
	return dir
}

func TestReportRun(t *testing.T) {
	dir := writeFiles(t, map[string]string{"data.jsonl": reportData, "more.csv": reportCSV, "rel.jsonl": reportRelations})
	data, more, rel := filepath.Join(dir, "data.jsonl"), filepath.Join(dir, "more.csv"), filepath.Join(dir, "rel.jsonl")
	base := func() *ReportOptions {
		return &ReportOptions{
			Sources: []string{data}, Format: balance.FormatText, Sort: balance.SortName,
			Ratio: 0.5, MinPositives: 1, Labels: LabelFlags{ModelThreshold: 0.5}, Load: LoadOptions{Format: "auto", MaxErrors: 1},
		}
	}
	tests := []struct {
		name    string
		tty     bool
		opts    func(o *ReportOptions)
		wantOut string
		wantErr string // on ErrOut
	}{
		{
			name: "piped text is TSV",
			opts: func(o *ReportOptions) {},
			wantOut: "concept_id\tconcept_name\tpositives\tnegatives\tconflicts\timplied_negatives\tunknown\timplicit_values\tratio\tstatus\tpropagated_positives\tpropagated_negatives\n" +
				"dog\tDog\t2\t1\t0\t1\t0\t0\t0.5\tok\t0\t0\n" +
				"husky\tHusky\t1\t0\t0\t3\t0\t0\t0\tno-negatives\t0\t0\n" +
				"wolf\tWolf\t1\t2\t0\t1\t0\t0\t2\tok\t0\t0\n",
			wantErr: "curate: 1 model and workflow score(s) left out; --include-models counts them\n",
		},
		{
			name: "terminal text is aligned",
			tty:  true,
			opts: func(o *ReportOptions) { o.Concepts = []string{"Dog"} },
			wantOut: "CONCEPT  NAME  POSITIVES  NEGATIVES  CONFLICTS  IMPLIED NEG  UNKNOWN  IMPLICIT  RATIO  STATUS\n" +
				"dog      Dog   2          1          0          1            0        0         0.50   ok\n" +
				"\n" +
				"4 inputs, 7 annotations, 3 concepts; 0 implicit values, 0 conflicts\n" +
				"1 model annotation left out (model and workflow scores are not labels)\n" +
				"status thresholds: ratio >= 0.5 negatives per positive, at least 1 positive\n",
		},
		{
			name: "sources together, relations, models, sort and top",
			opts: func(o *ReportOptions) {
				o.Sources = []string{data, more}
				o.Labels = LabelFlags{Relations: rel, IncludeModels: true, ModelThreshold: 0.95}
				o.Sort, o.Top = balance.SortPositives, 2
			},
			// in1 has dog+ (JSON) and dog- (CSV): a conflict; husky on in4 is
			// a dog; the model's wolf 0.9 is below 0.95, a negative.
			wantOut: "concept_id\tconcept_name\tpositives\tnegatives\tconflicts\timplied_negatives\tunknown\timplicit_values\tratio\tstatus\tpropagated_positives\tpropagated_negatives\n" +
				"dog\tDog\t2\t1\t1\t1\t0\t0\t0.5\tconflicting\t1\t0\n" +
				"wolf\tWolf\t2\t3\t0\t0\t0\t0\t1.5\tok\t0\t0\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ios, _, out, errOut := Test()
			ios.OutTTY = tt.tty
			o := base()
			o.IO = ios
			tt.opts(o)
			require.NoError(t, reportRun(context.Background(), o))
			assert.Equal(t, tt.wantOut, out.String())
			assert.Equal(t, tt.wantErr, errOut.String())
		})
	}
}

func TestReportJSON(t *testing.T) {
	dir := writeFiles(t, map[string]string{"data.jsonl": reportData})
	f, _, out, errOut := testFactory()
	code := Run(context.Background(), f, []string{"report", filepath.Join(dir, "data.jsonl"), "--json", "--min-positives", "1"})
	require.Equal(t, ExitOK, code, errOut.String())
	var got struct {
		Summary  map[string]any `json:"summary"`
		Concepts []struct {
			ConceptID string         `json:"concept_id"`
			Status    balance.Status `json:"status"`
		} `json:"concepts"`
	}
	require.NoError(t, json.Unmarshal(out.Bytes(), &got), out.String())
	assert.EqualValues(t, 4, got.Summary["inputs"])
	assert.EqualValues(t, 1, got.Summary["models_excluded"])
	require.Len(t, got.Concepts, 3)
	assert.Equal(t, "dog", got.Concepts[0].ConceptID)
}

func testFactory() (*Factory, *IOStreams, *bytes.Buffer, *bytes.Buffer) {
	ios, _, out, errOut := Test()
	return &Factory{IO: ios, Getenv: func(string) string { return "" }}, ios, out, errOut
}

func TestReportExitCodes(t *testing.T) {
	dir := writeFiles(t, map[string]string{"data.jsonl": reportData, "bad.jsonl": `{"id":"x","data":{"concepts":[{"id":"dog","value":0.5}]}}` + "\n"})
	data := filepath.Join(dir, "data.jsonl")
	tests := []struct {
		name    string
		args    []string
		want    ExitCode
		wantOut bool   // the report is written
		wantErr string // on stderr
	}{
		{"ok", []string{data}, ExitOK, true, ""},
		{"fail-on matches", []string{data, "--fail-on", "no-negatives,conflicting", "--min-positives", "1"}, ExitError, true,
			"curate: report: 1 concept(s) with status no-negatives or conflicting: husky\n"},
		{"fail-on does not match", []string{data, "--fail-on", "conflicting"}, ExitOK, true, ""},
		{"fail-on sees only --concepts", []string{data, "--fail-on", "no-negatives", "--concepts", "dog", "--min-positives", "1"}, ExitOK, true, ""},
		{"unknown concept", []string{data, "--concepts", "zebra"}, ExitError, false, `no concept "zebra" in the data`},
		{"bad data", []string{filepath.Join(dir, "bad.jsonl")}, ExitError, false, `bad.jsonl:1: field "data.concepts[0].value"`},
		{"missing file", []string{filepath.Join(dir, "nope.jsonl")}, ExitError, false, "nope.jsonl"},
		{"usage: no source", nil, ExitUsage, false, "missing SOURCE"},
		{"usage: bad flag", []string{data, "--bogus"}, ExitUsage, false, "unknown flag: --bogus"},
		{"usage: bad status", []string{data, "--fail-on", "great"}, ExitUsage, false, `unknown status "great"`},
		{"usage: bad input format", []string{data, "--format-in", "xml"}, ExitUsage, false, "--format-in"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, _, out, errOut := testFactory()
			code := Run(context.Background(), f, append([]string{"report"}, tt.args...))
			assert.Equal(t, tt.want, code, errOut.String())
			assert.Equal(t, tt.wantOut, out.Len() > 0, "report written")
			if tt.wantErr == "" {
				assert.NotContains(t, errOut.String(), "curate: report")
			} else {
				assert.Contains(t, errOut.String(), tt.wantErr)
			}
			if tt.want == ExitUsage {
				assert.Contains(t, errOut.String(), "Run 'curate report --help' for usage.")
				assert.NotContains(t, errOut.String(), "Usage:", "the hint, not the whole help")
			}
		})
	}
}

func TestReportStdinAndHTML(t *testing.T) {
	f, ios, out, errOut := testFactory()
	ios.In = strings.NewReader(reportData)
	code := Run(context.Background(), f, []string{"report", "-", "--format", "html"})
	require.Equal(t, ExitOK, code, errOut.String())
	page := out.String()
	assert.True(t, strings.HasPrefix(page, "<!DOCTYPE html>"))
	assert.Contains(t, page, "<svg")
	assert.Contains(t, page, `<td class="t id">husky</td>`)
	assert.NotContains(t, page, "<script")
}

// TestReportChartScale: --chart-scale picks the HTML chart's axis, and
// means nothing (a usage error) for the other formats.
func TestReportChartScale(t *testing.T) {
	html := func(args ...string) string {
		f, ios, out, errOut := testFactory()
		ios.In = strings.NewReader(reportData)
		code := Run(context.Background(), f, append([]string{"report", "-", "--format", "html"}, args...))
		require.Equal(t, ExitOK, code, errOut.String())
		return out.String()
	}
	linear, log, ratio := html(), html("--chart-scale", "log"), html("--chart-scale", "ratio")
	assert.Equal(t, linear, html("--chart-scale", "linear"))
	assert.NotContains(t, linear, "(log scale)")
	assert.Contains(t, log, "Positives and negatives per concept (log scale)")
	assert.Contains(t, ratio, "negatives per positive")
	assert.NotEqual(t, linear, ratio)
	for _, args := range [][]string{
		{"--chart-scale", "cubic", "--format", "html"},
		{"--chart-scale", "log", "--format", "json"},
		{"--chart-scale", "log"},
	} {
		f, ios, _, errOut := testFactory()
		ios.In = strings.NewReader(reportData)
		code := Run(context.Background(), f, append([]string{"report", "-"}, args...))
		assert.Equal(t, ExitUsage, code, "%v", args)
		assert.Contains(t, errOut.String(), "--chart-scale", "%v", args)
	}
}

// Inputs without any annotation still count: every concept's five counts
// add up to all the inputs of the file.
func TestReportCountsUnannotatedInputs(t *testing.T) {
	ios, _, out, errOut := Test()
	code := Run(context.Background(), &Factory{IO: ios}, []string{"report", "../../examples/animals.jsonl", "--format", "json"})
	require.Equal(t, ExitOK, code, errOut.String())
	var rep struct {
		Summary struct {
			Inputs int `json:"inputs"`
		} `json:"summary"`
		Concepts []map[string]any `json:"concepts"`
	}
	require.NoError(t, json.Unmarshal(out.Bytes(), &rep))
	b, err := os.ReadFile("../../examples/animals.jsonl")
	require.NoError(t, err)
	lines := bytes.Count(b, []byte("\n"))
	assert.Equal(t, lines, rep.Summary.Inputs)
	require.NotEmpty(t, rep.Concepts)
	for _, c := range rep.Concepts {
		sum := 0.0
		for _, k := range []string{"positives", "negatives", "conflicts", "implied_negatives", "unknown"} {
			sum += c[k].(float64)
		}
		assert.Equal(t, float64(lines), sum, "concept %v", c["concept_id"])
	}
}
