package main

import (
	"bufio"
	"bytes"
	"database/sql"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"curate.dev/internal/testutil"
)

// The readback tests export a generated dataset in every layout and read
// the files back with readers that are not Arrow Go: DuckDB (through
// duckdb-go), hyparquet (JavaScript) and Polars (its Node.js package),
// comparing every value with what DuckDB reads from the source JSONL.
// The JavaScript readers come from bench/js (npm ci); without them the
// test is skipped, except under CI, where it fails.

func TestMain(m *testing.M) {
	code := m.Run()
	testutil.RemoveCurate()
	os.Exit(code)
}

// curate is the curate binary built from this checkout, once.
func curate(t *testing.T) string { return testutil.Curate(t) }

func runCmd(t *testing.T, name string, args ...string) []byte {
	t.Helper()
	cmd := exec.Command(name, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	require.NoError(t, err, "%s %s\n%s", filepath.Base(name), strings.Join(args, " "), stderr.String())
	return out
}

// jsReaders reports whether node and bench/js/node_modules are there.
func jsReaders(t *testing.T) bool {
	t.Helper()
	_, nodeErr := exec.LookPath("node")
	_, modErr := os.Stat("js/node_modules/hyparquet")
	if nodeErr == nil && modErr == nil {
		return true
	}
	if os.Getenv("CI") != "" {
		t.Fatalf("the JavaScript readers are missing (node: %v, bench/js/node_modules: %v); run npm ci in bench/js", nodeErr, modErr)
	}
	t.Log("skipping the JavaScript readers: run npm ci in bench/js")
	return false
}

// cell is one input's state for one concept, as the source says.
type cell struct{ pos, neg bool } // both false: a conflict

// source is what DuckDB reads from the JSONL: every input id and the
// label cells of the annotations that are not a model's or workflow's.
type source struct {
	file   string
	inputs []string
	cells  map[string]map[string]cell
	long   map[string]int // multiset of long rows
}

func readSource(t *testing.T, db *sql.DB, file string) *source {
	t.Helper()
	s := &source{file: file, cells: map[string]map[string]cell{}, long: map[string]int{}}
	rows, err := db.Query(fmt.Sprintf(`WITH %s SELECT id FROM src`, srcSQL(file)))
	require.NoError(t, err)
	for rows.Next() {
		var id string
		require.NoError(t, rows.Scan(&id))
		s.inputs = append(s.inputs, id)
	}
	require.NoError(t, rows.Err())
	rows.Close()
	rows, err = db.Query(fmt.Sprintf(`WITH %s, a AS (%s)
SELECT input_id, concept_id, bool_and(value = 1), bool_and(value = 0) FROM a GROUP BY ALL`, srcSQL(file), annotationsSQL(false)))
	require.NoError(t, err)
	for rows.Next() {
		var in, c string
		var pos, neg bool
		require.NoError(t, rows.Scan(&in, &c, &pos, &neg))
		if s.cells[in] == nil {
			s.cells[in] = map[string]cell{}
		}
		s.cells[in][c] = cell{pos, neg}
	}
	require.NoError(t, rows.Err())
	rows.Close()
	rows, err = db.Query(fmt.Sprintf(`WITH %s SELECT input_id, concept_id, value, value_source, coalesce(annotation_id, ''), coalesce(annotator_kind, '') FROM (%s)`, srcSQL(file), longSQL))
	require.NoError(t, err)
	for rows.Next() {
		var in, c, vs, an, kind string
		var v float32
		require.NoError(t, rows.Scan(&in, &c, &v, &vs, &an, &kind))
		s.long[longKey(in, c, float64(v), vs, an, kind)]++
	}
	require.NoError(t, rows.Err())
	rows.Close()
	return s
}

func longKey(in, c string, v float64, vs, an, kind string) string {
	return fmt.Sprintf("%s|%s|%g|%s|%s|%s", in, c, v, vs, an, kind)
}

// trainingRow is one row of the training layout as a reader returned it.
type trainingRow struct {
	input, split   string
	pos, neg       []string
	labels         []float64 // labels, or targets with mask below
	mask           []float64
	file           string
	conceptsInFile []string
}

// checkTraining compares training rows with the source.
func checkTraining(t *testing.T, reader string, src *source, rows []trainingRow, splits []string, targetsMask bool) map[string]string {
	t.Helper()
	splitOf := map[string]string{}
	for _, r := range rows {
		_, dup := splitOf[r.input]
		require.False(t, dup, "%s: input %s appears twice", reader, r.input)
		splitOf[r.input] = r.split
		want := src.cells[r.input]
		var wantPos, wantNeg []string
		for c, s := range want {
			switch {
			case s.pos:
				wantPos = append(wantPos, c)
			case s.neg:
				wantNeg = append(wantNeg, c)
			}
		}
		sort.Strings(wantPos)
		sort.Strings(wantNeg)
		pos, neg := slices.Sorted(slices.Values(r.pos)), slices.Sorted(slices.Values(r.neg))
		require.Equal(t, fmt.Sprint(wantPos), fmt.Sprint(pos), "%s: %s positives", reader, r.input)
		require.Equal(t, fmt.Sprint(wantNeg), fmt.Sprint(neg), "%s: %s negatives", reader, r.input)
		require.Len(t, r.labels, len(r.conceptsInFile), "%s: %s vector length", reader, r.input)
		for k, c := range r.conceptsInFile {
			s, ok := want[c]
			switch {
			case targetsMask:
				wantT, wantM := 0.0, 0.0
				if ok && s.pos {
					wantT = 1
				}
				if ok && (s.pos || s.neg) {
					wantM = 1
				}
				require.Equal(t, wantT, r.labels[k], "%s: %s target %s", reader, r.input, c)
				require.Equal(t, wantM, r.mask[k], "%s: %s mask %s", reader, r.input, c)
			default:
				wantL := -1.0
				if ok && s.pos {
					wantL = 1
				} else if ok && s.neg {
					wantL = 0
				}
				require.Equal(t, wantL, r.labels[k], "%s: %s label %s", reader, r.input, c)
			}
		}
		if splits == nil {
			require.Empty(t, r.split, reader)
		} else {
			require.Contains(t, splits, r.split, reader)
			require.True(t, strings.HasPrefix(filepath.Base(r.file), r.split+"-"), "%s: row of split %s in %s", reader, r.split, r.file)
		}
	}
	require.Len(t, splitOf, len(src.inputs), "%s: every input once", reader)
	return splitOf
}

// conceptsOf returns the concept list of the training layout: every
// concept the kept annotations name, sorted.
func conceptsOf(src *source) []string {
	set := map[string]bool{}
	for _, cs := range src.cells {
		for c := range cs {
			set[c] = true
		}
	}
	return slices.Sorted(func(yield func(string) bool) {
		for c := range set {
			if !yield(c) {
				return
			}
		}
	})
}

type statsRow struct {
	concept, split        string
	pos, neg, unk, conf   int64
	posWeight, wPos, wNeg float64
	oneClass              bool
}

// checkStats compares stats rows with the source counted per split
// (splitOf from a training export with the same split and seed).
func checkStats(t *testing.T, reader string, src *source, rows []statsRow, splitOf map[string]string) {
	t.Helper()
	type key struct{ concept, split string }
	want := map[key]*statsRow{}
	inSplit := map[string]int64{}
	for _, in := range src.inputs {
		inSplit[splitOf[in]]++
	}
	for _, c := range conceptsOf(src) {
		for sp := range inSplit {
			want[key{c, sp}] = &statsRow{}
		}
	}
	for in, cs := range src.cells {
		for c, s := range cs {
			w := want[key{c, splitOf[in]}]
			switch {
			case s.pos:
				w.pos++
			case s.neg:
				w.neg++
			default:
				w.conf++
			}
		}
	}
	require.Len(t, rows, len(want), "%s: one row per concept and split", reader)
	for _, r := range rows {
		w, ok := want[key{r.concept, r.split}]
		require.True(t, ok, "%s: unexpected row %s/%s", reader, r.concept, r.split)
		require.Equal(t, [3]int64{w.pos, w.neg, w.conf}, [3]int64{r.pos, r.neg, r.conf}, "%s: %s/%s counts", reader, r.concept, r.split)
		require.Equal(t, inSplit[r.split]-w.pos-w.neg-w.conf, r.unk, "%s: %s/%s unknown: no label (conflicts apart)", reader, r.concept, r.split)
		one := w.pos == 0 || w.neg == 0
		require.Equal(t, one, r.oneClass, "%s: %s/%s one_class", reader, r.concept, r.split)
		for _, v := range []float64{r.posWeight, r.wPos, r.wNeg} {
			require.False(t, math.IsNaN(v) || math.IsInf(v, 0) || v <= 0, "%s: %s/%s weight %v", reader, r.concept, r.split, v)
		}
		if one {
			require.Equal(t, [3]float64{1, 1, 1}, [3]float64{r.posWeight, r.wPos, r.wNeg}, "%s: %s/%s", reader, r.concept, r.split)
		} else {
			n := float64(w.pos + w.neg)
			require.InDelta(t, float64(w.neg)/float64(w.pos), r.posWeight, 1e-9)
			require.InDelta(t, n/float64(2*w.pos), r.wPos, 1e-9)
			require.InDelta(t, n/float64(2*w.neg), r.wNeg, 1e-9)
		}
	}
}

func splitList(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ",")
}

func floats(s string) []float64 {
	var out []float64
	for _, f := range splitList(s) {
		var v float64
		fmt.Sscan(f, &v)
		out = append(out, v)
	}
	return out
}

// duckGlob is how DuckDB reads a whole export.
func duckGlob(dir string) string {
	return fmt.Sprintf("read_parquet(%s, hive_partitioning = true, filename = true)", quote(filepath.Join(dir, "**", "*.parquet")))
}

// checkDuckSchema checks that DuckDB sees one split column, VARCHAR, when
// splitting (none otherwise), and returns the column names.
func checkDuckSchema(t *testing.T, db *sql.DB, dir string, split bool) []string {
	t.Helper()
	rows, err := db.Query(fmt.Sprintf(`DESCRIBE SELECT * FROM %s`, duckGlob(dir)))
	require.NoError(t, err)
	defer rows.Close()
	var names []string
	splits := 0
	cols, _ := rows.Columns()
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		require.NoError(t, rows.Scan(ptrs...))
		name, typ := fmt.Sprint(vals[0]), fmt.Sprint(vals[1])
		names = append(names, name)
		if name == "split" {
			splits++
			assert.Equal(t, "VARCHAR", typ)
		}
	}
	if split {
		assert.Equal(t, 1, splits, "DuckDB: one split column: %v", names)
	} else {
		assert.Zero(t, splits, "DuckDB: no split column without --split: %v", names)
	}
	return names
}

func duckTrainingRows(t *testing.T, db *sql.DB, dir string, split, targetsMask bool) []trainingRow {
	t.Helper()
	sp := "''"
	if split {
		sp = "split"
	}
	vec := "array_to_string(labels, ','), ''"
	if targetsMask {
		vec = "array_to_string(targets, ','), array_to_string(mask, ',')"
	}
	rows, err := db.Query(fmt.Sprintf(`SELECT input_id, %s, array_to_string(positives, ','), array_to_string(negatives, ','), %s, filename FROM %s`, sp, vec, duckGlob(dir)))
	require.NoError(t, err)
	defer rows.Close()
	concepts := map[string][]string{}
	var out []trainingRow
	for rows.Next() {
		var r trainingRow
		var pos, neg, lab, msk string
		require.NoError(t, rows.Scan(&r.input, &r.split, &pos, &neg, &lab, &msk, &r.file))
		r.pos, r.neg, r.labels, r.mask = splitList(pos), splitList(neg), floats(lab), floats(msk)
		if _, ok := concepts[r.file]; !ok {
			var js string
			require.NoError(t, db.QueryRow(fmt.Sprintf(`SELECT decode(value) FROM parquet_kv_metadata(%s) WHERE decode(key) = 'curate.concepts'`, quote(r.file))).Scan(&js))
			var cs []string
			require.NoError(t, json.Unmarshal([]byte(js), &cs))
			concepts[r.file] = cs
		}
		r.conceptsInFile = concepts[r.file]
		out = append(out, r)
	}
	require.NoError(t, rows.Err())
	return out
}

// hyFile is one file as hyparquet.mjs prints it.
type hyFile struct {
	Path      string            `json:"path"`
	Root      *string           `json:"root"`
	CreatedBy string            `json:"created_by"`
	KV        map[string]string `json:"kv"`
	Rows      []map[string]any  `json:"rows"`
}

var createdByForm = regexp.MustCompile(`^curate version [^\s()]+ \(build [^\s()]+\)$`)

func hyparquet(t *testing.T, dir string) []hyFile {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.parquet"))
	require.NoError(t, err)
	require.NotEmpty(t, files)
	out := runCmd(t, "node", append([]string{"js/hyparquet.mjs"}, files...)...)
	var res []hyFile
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(nil, 1<<30)
	for sc.Scan() {
		var f hyFile
		require.NoError(t, json.Unmarshal(sc.Bytes(), &f))
		require.NotNil(t, f.Root, "%s: the schema root has a repetition", f.Path)
		assert.Equal(t, "REQUIRED", *f.Root, f.Path)
		assert.Regexp(t, createdByForm, f.CreatedBy, f.Path)
		res = append(res, f)
	}
	require.NoError(t, sc.Err())
	require.Len(t, res, len(files))
	return res
}

func strs(v any) []string {
	var out []string
	for _, x := range v.([]any) {
		out = append(out, x.(string))
	}
	return out
}

func nums(v any) []float64 {
	var out []float64
	for _, x := range v.([]any) {
		out = append(out, x.(float64))
	}
	return out
}

func str(v any) string {
	if v == nil {
		return ""
	}
	return v.(string)
}

func hyTraining(t *testing.T, files []hyFile, targetsMask bool) []trainingRow {
	t.Helper()
	var out []trainingRow
	for _, f := range files {
		var cs []string
		require.NoError(t, json.Unmarshal([]byte(f.KV["curate.concepts"]), &cs), f.Path)
		for _, m := range f.Rows {
			r := trainingRow{input: str(m["input_id"]), split: str(m["split"]), pos: strs(m["positives"]), neg: strs(m["negatives"]), file: f.Path, conceptsInFile: cs}
			if targetsMask {
				r.labels, r.mask = nums(m["targets"]), nums(m["mask"])
			} else {
				r.labels = nums(m["labels"])
			}
			out = append(out, r)
		}
	}
	return out
}

// polarsSplits reads dir with Polars (directory scan and glob) and
// returns, for each, key -> split.
func polarsSplits(t *testing.T, dir string, keys []string, split bool) {
	t.Helper()
	out := runCmd(t, "node", "js/polars.mjs", dir, strings.Join(keys, ","))
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(nil, 1<<30)
	var seen []string
	var first map[string]string
	for sc.Scan() {
		var res struct {
			How     string           `json:"how"`
			Error   string           `json:"error"`
			Columns []string         `json:"columns"`
			Dtypes  []string         `json:"dtypes"`
			Rows    []map[string]any `json:"rows"`
		}
		require.NoError(t, json.Unmarshal(sc.Bytes(), &res))
		require.Empty(t, res.Error, "Polars %s scan of %s", res.How, dir)
		seen = append(seen, res.How)
		n := 0
		for i, c := range res.Columns {
			if c == "split" {
				n++
				assert.Equal(t, "DataType(String)", res.Dtypes[i], "Polars %s", res.How)
			}
		}
		if split {
			assert.Equal(t, 1, n, "Polars %s: one split column: %v", res.How, res.Columns)
		}
		got := map[string]string{}
		for _, r := range res.Rows {
			var k []string
			for _, key := range keys {
				k = append(k, fmt.Sprint(r[key]))
			}
			got[strings.Join(k, "|")+"|"+fmt.Sprint(len(got))] = str(r["split"])
		}
		if first == nil {
			first = got
		} else {
			assert.Equal(t, len(first), len(got), "Polars: the directory scan and the glob read as many rows")
		}
	}
	assert.Equal(t, []string{"dir", "glob"}, seen)
}

func TestReadback(t *testing.T) {
	if testing.Short() {
		t.Skip("exports and reads back a generated dataset")
	}
	bin := curate(t)
	js := jsReaders(t)
	work := t.TempDir()
	file := filepath.Join(work, "src.jsonl")
	runCmd(t, bin, "synth", "--preset", "bench", "--inputs", "20000", "--classes", "30", "--seed", "1", "--out", file)
	db, err := openDuck()
	require.NoError(t, err)
	defer db.Close()
	src := readSource(t, db, file)
	require.Len(t, src.inputs, 20000)
	splits := []string{"train", "val", "test"}
	splitArgs := []string{"--split", "train=0.8,val=0.1,test=0.1", "--seed", "7"}

	var splitOf map[string]string
	for _, tc := range []struct {
		name   string
		layout string
		split  bool
		args   []string
	}{
		{"training", "training", false, nil},
		{"training split", "training", true, []string{"--max-rows-per-file", "6000"}},
		{"training targets-mask split", "training", true, []string{"--targets-mask"}},
		{"stats", "stats", false, nil},
		{"stats split", "stats", true, nil},
		{"long", "long", false, []string{"--max-rows-per-file", "50000"}},
		{"long split", "long", true, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "out")
			args := append([]string{"export", file, "--out", dir, "--layout", tc.layout}, tc.args...)
			var names []string
			if tc.split {
				args = append(args, splitArgs...)
				names = splits
			}
			runCmd(t, bin, args...)
			cols := checkDuckSchema(t, db, dir, tc.split)
			if js {
				polarsSplits(t, dir, map[string][]string{"training": {"input_id"}, "stats": {"concept_id"}, "long": {"input_id", "concept_id"}}[tc.layout], tc.split)
			}
			mask := slices.Contains(tc.args, "--targets-mask")
			switch tc.layout {
			case "training":
				got := checkTraining(t, "DuckDB", src, duckTrainingRows(t, db, dir, tc.split, mask), names, mask)
				for _, rows := range [][]trainingRow{duckTrainingRows(t, db, dir, tc.split, mask)} {
					require.NotEmpty(t, rows)
					assert.Equal(t, conceptsOf(src), rows[0].conceptsInFile, "the concept order in the file's metadata")
				}
				if js {
					hy := checkTraining(t, "hyparquet", src, hyTraining(t, hyparquet(t, dir), mask), names, mask)
					assert.Equal(t, got, hy, "both readers see the same split per input")
				}
				sc, err := os.ReadFile(dir + "_concepts.json")
				require.NoError(t, err, "the sidecar beside the folder")
				var side struct {
					Concepts []struct{ ID string } `json:"concepts"`
				}
				require.NoError(t, json.Unmarshal(sc, &side))
				var ids []string
				for _, c := range side.Concepts {
					ids = append(ids, c.ID)
				}
				assert.Equal(t, conceptsOf(src), ids)
				if tc.split {
					splitOf = got
				}
			case "stats":
				sp := map[string]string{}
				for _, in := range src.inputs {
					sp[in] = ""
				}
				if tc.split {
					require.NotNil(t, splitOf, "the split training export runs first")
					sp = splitOf
				}
				spCol := "''"
				if tc.split {
					spCol = "split"
				}
				rows, err := db.Query(fmt.Sprintf(`SELECT concept_id, %s, positives, negatives, unknown, conflicts, pos_weight, weight_positive, weight_negative, one_class FROM %s`, spCol, duckGlob(dir)))
				require.NoError(t, err)
				var got []statsRow
				for rows.Next() {
					var r statsRow
					require.NoError(t, rows.Scan(&r.concept, &r.split, &r.pos, &r.neg, &r.unk, &r.conf, &r.posWeight, &r.wPos, &r.wNeg, &r.oneClass))
					got = append(got, r)
				}
				require.NoError(t, rows.Err())
				rows.Close()
				checkStats(t, "DuckDB", src, got, sp)
				if js {
					var hy []statsRow
					for _, f := range hyparquet(t, dir) {
						for _, m := range f.Rows {
							hy = append(hy, statsRow{
								concept: str(m["concept_id"]), split: str(m["split"]),
								pos: int64(m["positives"].(float64)), neg: int64(m["negatives"].(float64)),
								unk: int64(m["unknown"].(float64)), conf: int64(m["conflicts"].(float64)),
								posWeight: m["pos_weight"].(float64), wPos: m["weight_positive"].(float64), wNeg: m["weight_negative"].(float64),
								oneClass: m["one_class"].(bool),
							})
						}
					}
					checkStats(t, "hyparquet", src, hy, sp)
				}
			case "long":
				if tc.split {
					assert.Equal(t, "split", cols[len(cols)-2], "split is the last data column (filename follows)")
				}
				got := map[string]int{}
				perInput := map[string]string{}
				spCol := "''"
				if tc.split {
					spCol = "split"
				}
				rows, err := db.Query(fmt.Sprintf(`SELECT input_id, concept_id, value, value_source, coalesce(annotation_id, ''), coalesce(annotator_kind, ''), %s FROM %s`, spCol, duckGlob(dir)))
				require.NoError(t, err)
				for rows.Next() {
					var in, c, vs, an, kind, sp string
					var v float32
					require.NoError(t, rows.Scan(&in, &c, &v, &vs, &an, &kind, &sp))
					got[longKey(in, c, float64(v), vs, an, kind)]++
					if prev, ok := perInput[in]; ok {
						require.Equal(t, prev, sp, "an input's annotations share its split")
					}
					perInput[in] = sp
				}
				require.NoError(t, rows.Err())
				rows.Close()
				assert.Equal(t, src.long, got, "DuckDB: the long rows are the source's annotations")
				if tc.split {
					require.NotNil(t, splitOf)
					for in, sp := range perInput {
						require.Equal(t, splitOf[in], sp, "input %s: the same split as in the training layout", in)
					}
				}
				if js {
					hy := map[string]int{}
					for _, f := range hyparquet(t, dir) {
						for _, m := range f.Rows {
							hy[longKey(str(m["input_id"]), str(m["concept_id"]), m["value"].(float64), str(m["value_source"]), str(m["annotation_id"]), str(m["annotator_kind"]))]++
							if tc.split {
								require.Equal(t, splitOf[str(m["input_id"])], str(m["split"]))
							}
						}
					}
					assert.Equal(t, src.long, hy, "hyparquet: the long rows are the source's annotations")
				}
			}
		})
	}
}

// TestReadbackEmpty: a dataset without annotations exports an empty
// concept list, not null.
func TestReadbackEmpty(t *testing.T) {
	bin := curate(t)
	work := t.TempDir()
	file := filepath.Join(work, "empty.jsonl")
	require.NoError(t, os.WriteFile(file, []byte(`{"id":"a","data":{}}`+"\n"+`{"id":"b","data":{}}`+"\n"), 0o644))
	dir := filepath.Join(work, "out")
	runCmd(t, bin, "export", file, "--out", dir, "--layout", "training")
	db, err := openDuck()
	require.NoError(t, err)
	defer db.Close()
	var js string
	require.NoError(t, db.QueryRow(fmt.Sprintf(`SELECT decode(value) FROM parquet_kv_metadata(%s) WHERE decode(key) = 'curate.concepts'`, quote(filepath.Join(dir, "part-00000.parquet")))).Scan(&js))
	assert.Equal(t, "[]", js)
	b, err := os.ReadFile(dir + "_concepts.json")
	require.NoError(t, err)
	assert.Contains(t, string(b), `"concepts": []`)
	var n int
	require.NoError(t, db.QueryRow(fmt.Sprintf(`SELECT count(*) FROM %s WHERE len(labels) = 0`, duckGlob(dir))).Scan(&n))
	assert.Equal(t, 2, n)
}
