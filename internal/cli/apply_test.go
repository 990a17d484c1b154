package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow/go/v15/arrow/array"
	"github.com/apache/arrow/go/v15/arrow/memory"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"curate.dev/dataset"
)

func TestNewCmdApply(t *testing.T) {
	tests := []struct {
		name    string
		args    string
		want    ApplyOptions
		wantErr string
	}{
		{
			name: "defaults",
			args: "a.jsonl --suggestions s.jsonl",
			want: ApplyOptions{Source: "a.jsonl", Suggestions: "s.jsonl", Annotator: "curate", Show: 10, Load: defaultLoad},
		},
		{
			name: "all flags",
			args: "a.jsonl --suggestions s.jsonl --out b.jsonl --backup --dry-run --force --overwrite --any-source --concepts wolf,fox --min-score 0.5 --top-per-concept 3 --log l.jsonl --annotator ann --show 2",
			want: ApplyOptions{Source: "a.jsonl", Suggestions: "s.jsonl", Out: "b.jsonl", Backup: true, DryRun: true, Force: true, Overwrite: true, AnySource: true,
				Concepts: []string{"wolf", "fox"}, MinScore: 0.5, TopPerConcept: 3, Log: "l.jsonl", Annotator: "ann", Show: 2, Load: defaultLoad},
		},
		{
			name: "to an app, suggestions",
			args: "--to clarifai://me/animals --suggestions s.jsonl --journal j --endpoint 127.0.0.1:9 --insecure --rate -1",
			want: ApplyOptions{To: "clarifai://me/animals", Suggestions: "s.jsonl", Journal: "j", Annotator: "curate", Show: 10,
				Load: LoadOptions{Format: "auto", MaxErrors: 1, Clarifai: ClarifaiFlags{Endpoint: "127.0.0.1:9", Insecure: true, Rate: -1}}},
		},
		{
			name: "to an app, a local source",
			args: "a.jsonl --to clarifai://me/animals",
			want: ApplyOptions{To: "clarifai://me/animals", Source: "a.jsonl", Annotator: "curate", Show: 10, Load: defaultLoad},
		},
		{name: "to an app, both", args: "a.jsonl --to clarifai://me/animals --suggestions s.jsonl", wantErr: "not both"},
		{name: "to an app, neither", args: "--to clarifai://me/animals", wantErr: "missing --suggestions FILE or SOURCE"},
		{name: "to a bad app", args: "--to http://x --suggestions s.jsonl", wantErr: "--to"},
		{name: "to an app with --out", args: "--to clarifai://me/animals --suggestions s.jsonl --out x", wantErr: "for local files"},
		{name: "no suggestions", args: "a.jsonl", wantErr: "--suggestions FILE is required"},
		{name: "no source", args: "--suggestions s.jsonl", wantErr: "missing SOURCE"},
		{name: "bad min score", args: "a.jsonl --suggestions s.jsonl --min-score 2", wantErr: "--min-score"},
		{name: "negative top", args: "a.jsonl --suggestions s.jsonl --top-per-concept -1", wantErr: "--top-per-concept"},
		{name: "stdin in place", args: "- --suggestions s.jsonl", wantErr: "needs --out or --dry-run"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ios, _, _, _ := Test()
			got, err := parseFlags(t, &Factory{IO: ios}, NewCmdApply, tt.args)
			if tt.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.wantErr)
				return
			}
			require.NoError(t, err)
			require.NotNil(t, got)
			got.IO, got.Now, got.Factory = nil, nil, nil
			assert.Equal(t, tt.want, *got)
		})
	}
}

var defaultLoad = LoadOptions{Format: "auto", MaxErrors: 1}

// applyFixture writes a small JSONL source and a suggestions file.
func applyFixture(t *testing.T, src, sugg string) (dir, srcPath, suggPath string) {
	t.Helper()
	dir = t.TempDir()
	srcPath, suggPath = filepath.Join(dir, "animals.jsonl"), filepath.Join(dir, "sugg.jsonl")
	require.NoError(t, os.WriteFile(srcPath, []byte(src), 0o644))
	require.NoError(t, os.WriteFile(suggPath, []byte(sugg), 0o644))
	return dir, srcPath, suggPath
}

func runCurate(t *testing.T, args ...string) (ExitCode, string, string) {
	t.Helper()
	ios, _, out, errOut := Test()
	code := Run(context.Background(), &Factory{IO: ios, Getenv: func(string) string { return "" }}, args)
	return code, out.String(), errOut.String()
}

// dirNames lists a folder's file names.
func dirNames(t *testing.T, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	require.NoError(t, err)
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	return names
}

const (
	applySrc = `{"id":"a","data":{"concepts":[{"id":"husky","value":1}]},"x":"é"}
{"id":"b","data":{"concepts":[{"id":"husky","value":1}]}}
{"id":"c","data":{"concepts":[{"id":"wolf"}]}}
`
	applySugg = `{"input_id":"a","concept_id":"wolf","value":0,"score":0.9,"source_concept_id":"husky","reason":"r"}
{"input_id":"b","concept_id":"wolf","value":0,"score":0.8,"accept":false}
{"input_id":"c","concept_id":"wolf","value":0,"score":0.7}
`
)

func TestApplyRunInPlace(t *testing.T) {
	dir, src, sugg := applyFixture(t, applySrc, applySugg)
	logPath := filepath.Join(dir, "audit.log")
	code, out, errOut := runCurate(t, "apply", src, "--suggestions", sugg, "--backup", "--log", logPath)
	require.Equal(t, ExitOK, code, errOut)

	want := strings.Replace(applySrc, `[{"id":"husky","value":1}]},"x"`, `[{"id":"husky","value":1},{"id":"wolf","value":0}]},"x"`, 1)
	got, err := os.ReadFile(src)
	require.NoError(t, err)
	assert.Equal(t, want, string(got))
	bak, err := os.ReadFile(src + ".bak")
	require.NoError(t, err)
	assert.Equal(t, applySrc, string(bak))
	assert.ElementsMatch(t, []string{"animals.jsonl", "animals.jsonl.bak", "sugg.jsonl", "audit.log"}, dirNames(t, dir))

	assert.Equal(t, "concept\tadded\tupdated\tpresent\tskipped\trefused\n"+
		"wolf\t1\t0\t0\t1\t1\n"+
		"total\t1\t0\t0\t1\t1\n\n"+
		"first 1 change(s):\n  add wolf=0 on a (suggestions line 1)\n\n"+
		"wrote 1 annotation(s) to "+src+"\n", out)
	assert.Contains(t, errOut, "refused 1 change(s)")
	assert.Contains(t, errOut, "wolf=0 on c, which has 1 (suggestions line 3)")

	logData, err := os.ReadFile(logPath)
	require.NoError(t, err)
	lines := strings.Split(strings.TrimSpace(string(logData)), "\n")
	require.Len(t, lines, 2, "the change, then the record that it landed")
	var rec, done map[string]any
	require.NoError(t, json.Unmarshal([]byte(lines[0]), &rec))
	require.NoError(t, json.Unmarshal([]byte(lines[1]), &done))
	_, err = time.Parse(time.RFC3339Nano, rec["time"].(string))
	assert.NoError(t, err)
	assert.NotEmpty(t, rec["run"])
	assert.Equal(t, map[string]any{"time": rec["time"], "run": rec["run"], "annotator": "curate", "source": src, "input_id": "a", "concept_id": "wolf",
		"old": nil, "new": 0.0, "action": "added", "suggestions_line": 1.0}, rec)
	assert.Equal(t, map[string]any{"time": done["time"], "run": rec["run"], "source": src, "committed": true}, done)

	// Applying again changes nothing and leaves the file alone.
	st1, err := os.Stat(src)
	require.NoError(t, err)
	code, out, errOut = runCurate(t, "apply", src, "--suggestions", sugg)
	require.Equal(t, ExitOK, code, errOut)
	assert.Contains(t, out, "wolf\t0\t0\t1\t1\t1\n")
	assert.Contains(t, out, "nothing to change")
	got2, err := os.ReadFile(src)
	require.NoError(t, err)
	assert.Equal(t, want, string(got2))
	st2, err := os.Stat(src)
	require.NoError(t, err)
	assert.Equal(t, st1.ModTime(), st2.ModTime())
}

func TestApplyRunForceAndOut(t *testing.T) {
	dir, src, sugg := applyFixture(t, applySrc, applySugg)
	outPath := filepath.Join(dir, "new.jsonl")
	code, _, errOut := runCurate(t, "apply", src, "--suggestions", sugg, "--overwrite", "--out", outPath)
	require.Equal(t, ExitOK, code, errOut)
	got, err := os.ReadFile(outPath)
	require.NoError(t, err)
	assert.Contains(t, string(got), `{"id":"c","data":{"concepts":[{"id":"wolf","value":0}]}}`)
	orig, err := os.ReadFile(src)
	require.NoError(t, err)
	assert.Equal(t, applySrc, string(orig), "--out leaves the source alone")
}

func TestApplyRunDryRunWritesNothing(t *testing.T) {
	dir, src, sugg := applyFixture(t, applySrc, applySugg)
	before := dirNames(t, dir)
	code, out, errOut := runCurate(t, "apply", src, "--suggestions", sugg, "--dry-run", "--backup", "--log", filepath.Join(dir, "l.log"))
	require.Equal(t, ExitOK, code, errOut)
	assert.Contains(t, out, "wolf\t1\t0\t0\t1\t1\n")
	assert.Contains(t, out, "add wolf=0 on a")
	assert.Contains(t, out, "dry run: would write 1 annotation(s)")
	got, err := os.ReadFile(src)
	require.NoError(t, err)
	assert.Equal(t, applySrc, string(got))
	assert.Equal(t, before, dirNames(t, dir))
}

func TestApplyRunUnknownInput(t *testing.T) {
	dir, src, sugg := applyFixture(t, applySrc, applySugg+`{"input_id":"nope","concept_id":"wolf","value":0}`+"\n")
	before := dirNames(t, dir)
	code, _, errOut := runCurate(t, "apply", src, "--suggestions", sugg)
	assert.Equal(t, ExitError, code)
	assert.Contains(t, errOut, `sugg.jsonl:4: field "input_id": input not in the source: "nope" is not in animals.jsonl`)
	got, err := os.ReadFile(src)
	require.NoError(t, err)
	assert.Equal(t, applySrc, string(got))
	assert.Equal(t, before, dirNames(t, dir), "no temporary file left")
}

func TestApplyRunBadSuggestionLine(t *testing.T) {
	_, src, sugg := applyFixture(t, applySrc, applySugg+`{"input_id":"a","concept_id":"fox","value":0.4}`+"\n")
	code, _, errOut := runCurate(t, "apply", src, "--suggestions", sugg)
	assert.Equal(t, ExitError, code)
	assert.Contains(t, errOut, `sugg.jsonl:4: field "value": want 0 or 1`)
}

// countValues counts positives and negatives per concept, as a balance
// report does.
func countValues(t *testing.T, path string) map[string][2]int {
	t.Helper()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	r, err := dataset.NewReader(context.Background(), f, dataset.WithAllocator(mem), dataset.WithInputs(false))
	require.NoError(t, err)
	defer r.Release()
	counts := map[string][2]int{}
	for r.Next() {
		rec := r.Annotations()
		ids := dataset.Column(rec, dataset.ColConceptID).(*array.Dictionary)
		dict := ids.Dictionary().(*array.String)
		vals := dataset.Column(rec, dataset.ColValue).(*array.Float32)
		for i := 0; i < int(rec.NumRows()); i++ {
			c := counts[dict.Value(ids.GetValueIndex(i))]
			if vals.Value(i) == 1 {
				c[0]++
			} else {
				c[1]++
			}
			counts[dict.Value(ids.GetValueIndex(i))] = c
		}
	}
	require.NoError(t, r.Err())
	return counts
}

func TestApplyThenBalanceShowsNewNegatives(t *testing.T) {
	var src, sugg strings.Builder
	for i := range 300 {
		switch {
		case i%3 == 0:
			fmt.Fprintf(&src, `{"id":"in%03d","data":{"concepts":[{"id":"wolf","value":1}]}}`+"\n", i)
		default:
			fmt.Fprintf(&src, `{"id":"in%03d","data":{"concepts":[{"id":"husky","value":1}]},"meta":{"n":%d}}`+"\n", i, i)
			if i%2 == 0 {
				fmt.Fprintf(&sugg, `{"input_id":"in%03d","concept_id":"wolf","value":0,"score":%.2f}`+"\n", i, float64(i%100)/100)
			}
		}
	}
	_, srcPath, suggPath := applyFixture(t, src.String(), sugg.String())
	before := countValues(t, srcPath)
	code, _, errOut := runCurate(t, "apply", srcPath, "--suggestions", suggPath, "--top-per-concept", "50")
	require.Equal(t, ExitOK, code, errOut)
	after := countValues(t, srcPath)
	assert.Equal(t, [2]int{100, 0}, before["wolf"])
	assert.Equal(t, [2]int{100, 50}, after["wolf"])
	assert.Equal(t, before["husky"], after["husky"])

	// curate report sees them too.
	code, out, errOut := runCurate(t, "report", srcPath, "--json", "--concepts", "wolf")
	require.Equal(t, ExitOK, code, errOut)
	var rep struct {
		Concepts []struct {
			ConceptID string `json:"concept_id"`
			Positives int    `json:"positives"`
			Negatives int    `json:"negatives"`
		} `json:"concepts"`
	}
	require.NoError(t, json.Unmarshal([]byte(out), &rep), out)
	require.Len(t, rep.Concepts, 1)
	assert.Equal(t, "wolf", rep.Concepts[0].ConceptID)
	assert.Equal(t, 100, rep.Concepts[0].Positives)
	assert.Equal(t, 50, rep.Concepts[0].Negatives)
}

// lineCount counts lines of a file (used by the audit tests).
func lineCount(t *testing.T, path string) int {
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	n := 0
	for s := bufio.NewScanner(f); s.Scan(); {
		n++
	}
	return n
}

func TestApplyAuditAppends(t *testing.T) {
	dir, src, sugg := applyFixture(t, applySrc, applySugg)
	logPath := filepath.Join(dir, "audit.log")
	code, _, errOut := runCurate(t, "apply", src, "--suggestions", sugg, "--log", logPath, "--overwrite", "--annotator", "ana")
	require.Equal(t, ExitOK, code, errOut)
	assert.Equal(t, 3, lineCount(t, logPath), "two changes and the run's commit")
	data, err := os.ReadFile(logPath)
	require.NoError(t, err)
	assert.Contains(t, string(data), `"annotator":"ana","source":"`+src+`","input_id":"c","concept_id":"wolf","old":1,"new":0,"action":"updated","suggestions_line":3}`)
}

func TestApplyRunCSV(t *testing.T) {
	src := "input_id,concept_id,value,annotator\r\na,husky,1,ann\r\nc,wolf,1,ann\r\n"
	dir := t.TempDir()
	srcPath, suggPath := filepath.Join(dir, "labels.csv"), filepath.Join(dir, "sugg.jsonl")
	require.NoError(t, os.WriteFile(srcPath, []byte(src), 0o600))
	require.NoError(t, os.WriteFile(suggPath, []byte(applySugg), 0o644))
	code, out, errOut := runCurate(t, "apply", srcPath, "--suggestions", suggPath, "--annotator", "rev")
	require.Equal(t, ExitOK, code, errOut)
	assert.Contains(t, out, "wolf\t1\t0\t0\t1\t1\n")
	got, err := os.ReadFile(srcPath)
	require.NoError(t, err)
	assert.Equal(t, src+"a,wolf,0,rev\r\n", string(got))
	st, err := os.Stat(srcPath)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), st.Mode().Perm(), "the file keeps its mode")
}
