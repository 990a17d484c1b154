package gonb

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// shown joins everything the notebook's cells displayed and printed.
func shown(res []cellResult) (html, stdout string) {
	var h, o strings.Builder
	for _, r := range res {
		for _, d := range r.Displays {
			h.WriteString(d.Data)
			h.WriteString("\n")
		}
		o.WriteString(r.Stdout)
	}
	return h.String(), o.String()
}

// TestNotebooks runs every notebook the way GoNB would (see
// emulator_test.go) and checks what each one shows.
func TestNotebooks(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs every notebook cell")
	}
	tests := []struct {
		notebook string
		check    func(t *testing.T, html, stdout string)
	}{
		{"01-balance.ipynb", func(t *testing.T, html, stdout string) {
			assert.Contains(t, stdout, "values omitted (read as positive by the HTTP rule)")
			assert.Contains(t, html, "<h3>annotations</h3>")
			assert.NotContains(t, html, "<h2>", "the markdown has the headings; fragments add none")
			assert.Contains(t, html, "value_source")
			assert.Contains(t, html, "Balance report")
			assert.Contains(t, html, "<svg", "the chart of positives against negatives")
			assert.Contains(t, html, "Negatives per positive, per concept", "the ratio chart")
			for _, c := range []string{"husky", "wolf", "dog", "fox", "cat", "lynx", "grass"} {
				assert.Contains(t, html, ">"+c+"<", "the balance table lists %s", c)
			}
			assert.Regexp(t, `(?m)^(dog|wolf|husky|fox|coyote|cat|lynx|tiger|grass|snow|indoors|animal|canine|feline|vehicle|car|truck|bus) +\d+ positives, +\d+ negatives: (no|few)-negatives$`, stdout)
		}},
		{"02-negatives.ipynb", func(t *testing.T, html, stdout string) {
			assert.Contains(t, html, "curate-overlap", "the overlap heatmap")
			assert.Contains(t, html, "Suggested negatives")
			assert.Contains(t, html, "In the order of the result", "the page says its order")
			assert.Regexp(t, `<tr><td class="n">1</td><td class="t id">in-\d+</td>`, html, "a non-empty suggestions table")
			assert.Contains(t, html, "positive for ", "suggestions carry their reasons")
			chose := regexp.MustCompile(`chose (\d+) of (\d+) suggestions`).FindStringSubmatch(stdout)
			added := regexp.MustCompile(`applied to the copy: (\d+) added`).FindStringSubmatch(stdout)
			if assert.NotNil(t, chose) && assert.NotNil(t, added) {
				assert.NotEqual(t, "0", chose[1])
				assert.Equal(t, chose[1], added[1], "every chosen suggestion is written")
				explicit := regexp.MustCompile(`explicit negatives: (\d+) before, (\d+) after`).FindStringSubmatch(stdout)
				if assert.NotNil(t, explicit) {
					before, _ := strconv.Atoi(explicit[1])
					after, _ := strconv.Atoi(explicit[2])
					n, _ := strconv.Atoi(added[1])
					assert.Equal(t, before+n, after, "the explicit negatives grow by what was written, propagated ones apart")
				}
				assert.Regexp(t, `negatives through relations: \d+ before, \d+ after`, stdout)
			}
			for _, what := range []string{"concepts short of negatives", "concepts with no negatives"} {
				m := regexp.MustCompile(what + `: (\d+) before, (\d+) after`).FindStringSubmatch(stdout)
				if assert.NotNil(t, m, what) {
					before, _ := strconv.Atoi(m[1])
					after, _ := strconv.Atoi(m[2])
					assert.Less(t, after, before, "%s: the balance improves", what)
				}
			}
			assert.Contains(t, html, "Balance report", "the report of the copy")
			assert.Contains(t, html, "not Husky?", "the image grid asks the question")
			assert.Contains(t, html, "<i>accept</i>", "the grid shows the decisions recorded in code")
			assert.Regexp(t, `Review page: <a href="http://127\.0\.0\.1:\d+/\?token=[0-9a-f]{32}"`, html)
			assert.Regexp(t, `decided \d+ of \d+: \d+ accepted, \d+ rejected \(in neg\.decisions\.jsonl\)`, stdout)
			assert.Regexp(t, `(?m)^husky +negatives +\d+ -> +\d+`, stdout)
			assert.Regexp(t, `serving \d+ suggestions \(200 OK\)`, stdout, "the page answers while the cell runs")
			assert.Regexp(t, `review stopped: [1-9]\d* accepted`, stdout, "the decisions from code are in the file the page resumes from")
		}},
		{"03-export.ipynb", func(t *testing.T, html, stdout string) {
			assert.Contains(t, html, "Split shares per concept", "the split chart")
			files := regexp.MustCompile(`(?m)^(\w+-\d+\.parquet) +wrote +(\d+) rows, read back +(\d+) rows`).FindAllStringSubmatch(stdout, -1)
			require.Len(t, files, 3, "one Parquet file per split")
			total := 0
			for _, f := range files {
				assert.Equal(t, f[2], f[3], "%s: rows read back = rows written", f[1])
				n, _ := strconv.Atoi(f[3])
				assert.Positive(t, n, f[1])
				total += n
			}
			assert.Contains(t, stdout, fmt.Sprintf("training layout: %d rows in 3 files", total))
			assert.Equal(t, 200, total, "every example input is exported once")
			m := regexp.MustCompile(`stratified: mean \|deviation\| ([\d.]+).*\nrandom: +mean \|deviation\| ([\d.]+)`).FindStringSubmatch(stdout)
			if assert.NotNil(t, m) {
				strat, _ := strconv.ParseFloat(m[1], 64)
				random, _ := strconv.ParseFloat(m[2], 64)
				assert.Less(t, strat, random, "stratification deviates less than a random split")
			}
			assert.Contains(t, html, "pos_weight")
			assert.Contains(t, html, ">husky<", "the stats table lists the concepts")
		}},
		{"04-clarifai.ipynb", func(t *testing.T, html, stdout string) {
			m := regexp.MustCompile(`file: (\d+) inputs, (\d+) annotations; app: (\d+) inputs, (\d+) annotations`).FindStringSubmatch(stdout)
			if assert.NotNil(t, m, "the notebook compares the pulled app with the file") {
				assert.Equal(t, m[1], m[3], "inputs pulled = inputs seeded")
				assert.Equal(t, m[2], m[4], "annotations pulled = annotations seeded")
				assert.NotEqual(t, "0", m[4])
			}
			assert.Contains(t, stdout, "concepts whose counts differ between the file and the app: 0 of")
			assert.Contains(t, html, "Balance report")
			assert.Contains(t, stdout, "pushed 5 negatives (0 already present)")
			assert.Equal(t, 5, strings.Count(stdout, " dog value=0 (grpc_default)"), "each pushed negative reads back as a negative")
			d := regexp.MustCompile(`dog negatives: (\d+) before the push, (\d+) after`).FindStringSubmatch(stdout)
			if assert.NotNil(t, d) {
				before, _ := strconv.Atoi(d[1])
				after, _ := strconv.Atoi(d[2])
				assert.Equal(t, before+5, after)
			}
		}},
	}
	// The notebooks run offline: 04 uses the in-repo test server when no
	// key is set.
	t.Setenv("CLARIFAI_PAT", "")
	// Notebook 02 serves its review page this long.
	t.Setenv("CURATE_REVIEW_FOR", "1s")
	standin := standinDir(t)
	openSources(t)
	// The notebooks must never modify the bundled example data.
	examples := hashDir(t, "../../examples")
	defer func() { assert.Equal(t, examples, hashDir(t, "../../examples"), "examples/ changed") }()
	for _, tt := range tests {
		t.Run(tt.notebook, func(t *testing.T) {
			res, err := runNotebook(context.Background(), tt.notebook, t.TempDir(), standin)
			require.NoError(t, err)
			if *update {
				require.NoError(t, writeOutputs(tt.notebook, res))
			}
			html, stdout := shown(res)
			tt.check(t, html, stdout)
		})
	}
}

// hashDir returns a SHA-256 of every file's name and content in dir.
func hashDir(t *testing.T, dir string) string {
	t.Helper()
	h := sha256.New()
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	for _, e := range entries {
		if e.IsDir() {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		require.NoError(t, err)
		fmt.Fprintf(h, "%s %d\n", e.Name(), len(b))
		h.Write(b)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// openSources opens every Go file and go.mod of the module. The cells are
// built in child processes, which go test does not watch; files the test
// itself opens are part of its cache key, so a change to the library
// reruns the notebooks instead of reusing a cached pass.
func openSources(t *testing.T) {
	t.Helper()
	err := filepath.WalkDir("../..", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && strings.HasPrefix(d.Name(), ".") && path != "../.." {
			return filepath.SkipDir
		}
		if d.IsDir() || !(strings.HasSuffix(path, ".go") || d.Name() == "go.mod" || d.Name() == "go.sum") {
			return nil
		}
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		return f.Close()
	})
	require.NoError(t, err)
}
