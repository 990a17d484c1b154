package agree_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/apache/arrow/go/v15/arrow/array"
	"github.com/apache/arrow/go/v15/arrow/ipc"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"curate.dev/balance"
	"curate.dev/dataset"
	"curate.dev/export"
	"curate.dev/internal/cli"
	"curate.dev/label"
)

// row is one annotation as the generator wrote it: the oracle's input.
type row struct {
	input, concept string
	value          float32
	model          bool
	omitted        bool // written without "value": a positive by the HTTP rule
}

// world is a random dataset spread over two JSONL files.
type world struct {
	concepts []string
	rels     []dataset.Relation
	files    [2][]byte
	rows     []row
	ids      []string // every input id, once, annotated or not
	soft     bool
}

// newWorld draws n inputs. Concepts form a random forest of hyponyms with
// one synonym pair; values are 1, 0, omitted, soft (when soft) or model
// scores; some inputs repeat on a later line (in either file) with more
// labels, some conflict, some carry no label at all.
func newWorld(seed uint64, n int, soft bool) *world {
	rng := rand.New(rand.NewPCG(seed, 0xa9ee))
	w := &world{soft: soft}
	k := 8 + rng.IntN(12)
	for c := range k {
		w.concepts = append(w.concepts, fmt.Sprintf("c%02d", c))
	}
	for c := 1; c < k; c++ {
		if rng.IntN(3) > 0 { // a kind of an earlier concept
			w.rels = append(w.rels, dataset.Relation{Subject: w.concepts[c], Object: w.concepts[rng.IntN(c)], Predicate: dataset.Hyponym})
		}
	}
	// A synonym pair of two fresh concepts, one of them under a root.
	w.concepts = append(w.concepts, "s0", "s1")
	w.rels = append(w.rels,
		dataset.Relation{Subject: "s0", Object: "s1", Predicate: dataset.Synonym},
		dataset.Relation{Subject: "s0", Object: w.concepts[0], Predicate: dataset.Hyponym})

	type line struct {
		id   string
		rows []row
	}
	var lines [2][]line
	value := func() (float32, bool) {
		switch r := rng.IntN(20); {
		case r < 2:
			return 1, true // omitted
		case r < 4 && soft:
			return float32(rng.IntN(9)+1) / 10, false
		case r < 10:
			return 0, false
		}
		return 1, false
	}
	draw := func(id string) []row {
		var out []row
		for range rng.IntN(5) {
			c := w.concepts[rng.IntN(len(w.concepts))]
			if rng.IntN(12) == 0 {
				out = append(out, row{input: id, concept: c, value: float32(rng.IntN(101)) / 100, model: true})
				continue
			}
			v, omitted := value()
			out = append(out, row{input: id, concept: c, value: v, omitted: omitted})
			if rng.IntN(30) == 0 { // the opposite label too: a conflict
				out = append(out, row{input: id, concept: c, value: 1 - v})
			}
		}
		return out
	}
	for i := range n {
		id := "in-" + strconv.Itoa(i)
		w.ids = append(w.ids, id)
		f := rng.IntN(2)
		rows := draw(id)
		if rng.IntN(20) == 0 {
			rows = nil // a bare input
		}
		lines[f] = append(lines[f], line{id, rows})
		w.rows = append(w.rows, rows...)
		if rng.IntN(15) == 0 { // the same input again, later, maybe in the other file
			more, g := draw(id), rng.IntN(2)
			lines[g] = append(lines[g], line{id, more})
			w.rows = append(w.rows, more...)
		}
	}
	for f := range lines {
		var b bytes.Buffer
		for _, l := range lines[f] {
			writeLine(&b, l.id, l.rows)
		}
		w.files[f] = b.Bytes()
	}
	return w
}

// writeLine writes one input in Clarifai's JSON shape: people's labels in
// data.concepts, model scores in curate's "annotations" array.
func writeLine(b *bytes.Buffer, id string, rows []row) {
	fmt.Fprintf(b, `{"id":%q,"data":{"image":{"url":"https://example.com/%s.jpg"},"concepts":[`, id, id)
	first := true
	for _, r := range rows {
		if r.model {
			continue
		}
		if !first {
			b.WriteByte(',')
		}
		first = false
		if r.omitted {
			fmt.Fprintf(b, `{"id":%q}`, r.concept)
		} else {
			fmt.Fprintf(b, `{"id":%q,"value":%s}`, r.concept, strconv.FormatFloat(float64(r.value), 'g', -1, 32))
		}
	}
	b.WriteString(`]}`)
	var models []string
	for _, r := range rows {
		if r.model {
			models = append(models, fmt.Sprintf(`{"worker":{"model":{"id":"m1"}},"data":{"concepts":[{"id":%q,"value":%s}]}}`,
				r.concept, strconv.FormatFloat(float64(r.value), 'g', -1, 32)))
		}
	}
	if len(models) > 0 {
		b.WriteString(`,"annotations":[` + strings.Join(models, ",") + `]`)
	}
	b.WriteString("}\n")
}

// both is the two files as one, for the commands that read one source.
func (w *world) both() []byte { return slices.Concat(w.files[0], w.files[1]) }

// relationsJSONL writes the relations as Clarifai ConceptRelation JSONL.
func (w *world) relationsJSONL() []byte {
	var b bytes.Buffer
	for _, r := range w.rels {
		fmt.Fprintf(&b, `{"subject_concept":{"id":%q},"object_concept":{"id":%q},"predicate":%q}`+"\n", r.Subject, r.Object, r.Predicate)
	}
	return b.Bytes()
}

// counts is the oracle's answer for one concept.
type counts struct{ pos, neg, conf, implied, unknown, implicit int }

// oracle counts the world by the documented rules, written out plainly
// here: distinct inputs; a person's value from 0.5 on is a positive; model
// scores only when included, from threshold on; a positive also counts
// for hypernyms and synonyms, a negative for hyponyms and synonyms; both
// on one input is a conflict; implied negatives are inputs with no label
// for the concept and a positive (or conflict) for another.
func (w *world) oracle(includeModels bool, threshold float32, relations bool) map[string]*counts {
	up, down := map[string][]string{}, map[string][]string{}
	if relations {
		up, down = w.closure()
	}
	const pos, neg = 1, 2
	flags := map[string]map[string]int{}
	for _, id := range w.ids {
		flags[id] = map[string]int{}
	}
	out := map[string]*counts{}
	for _, r := range w.rows {
		th := float32(0.5)
		if r.model {
			if !includeModels {
				continue
			}
			th = threshold
		}
		if out[r.concept] == nil {
			out[r.concept] = &counts{}
		}
		if r.omitted {
			out[r.concept].implicit++
		}
		f := neg
		if r.value >= th {
			f = pos
		}
		flags[r.input][r.concept] |= f
	}
	for _, id := range w.ids {
		raw := flags[id]
		closed := map[string]int{}
		for c, f := range raw {
			closed[c] |= f
			if f&pos != 0 {
				for _, a := range up[c] {
					if out[a] != nil {
						closed[a] |= pos
					}
				}
			}
			if f&neg != 0 {
				for _, d := range down[c] {
					if out[d] != nil {
						closed[d] |= neg
					}
				}
			}
		}
		hasPos := false
		for _, f := range closed {
			hasPos = hasPos || f&pos != 0
		}
		for c, k := range out {
			switch f := closed[c]; {
			case f == pos:
				k.pos++
			case f == neg:
				k.neg++
			case f == pos|neg:
				k.conf++
			case hasPos:
				k.implied++
			default:
				k.unknown++
			}
		}
	}
	return out
}

// closure computes, from the world's relations alone, where a positive
// (up: hypernyms and synonyms) and a negative (down: hyponyms and
// synonyms) of each concept also count.
func (w *world) closure() (up, down map[string][]string) {
	class := map[string]string{} // synonym class representative
	for _, c := range w.concepts {
		class[c] = c
	}
	for _, r := range w.rels {
		if r.Predicate == dataset.Synonym {
			a, b := class[r.Subject], class[r.Object]
			for c, x := range class {
				if x == b {
					class[c] = a
				}
			}
		}
	}
	parents := map[string][]string{} // class -> parent classes
	for _, r := range w.rels {
		if r.Predicate == dataset.Hyponym {
			parents[class[r.Subject]] = append(parents[class[r.Subject]], class[r.Object])
		}
	}
	var ancestors func(c string) []string
	ancestors = func(c string) []string {
		var out []string
		for _, p := range parents[c] {
			out = append(out, p)
			out = append(out, ancestors(p)...)
		}
		return out
	}
	members := func(classes []string) []string {
		var out []string
		for c, x := range class {
			if slices.Contains(classes, x) {
				out = append(out, c)
			}
		}
		return out
	}
	up, down = map[string][]string{}, map[string][]string{}
	for _, c := range w.concepts {
		syn := slices.DeleteFunc(members([]string{class[c]}), func(x string) bool { return x == c })
		up[c] = append(members(ancestors(class[c])), syn...)
	}
	// A negative travels the other way: to every concept whose positive
	// reaches this one (its hyponyms and synonyms).
	for _, c := range w.concepts {
		for _, a := range up[c] {
			down[a] = append(down[a], c)
		}
	}
	return up, down
}

type variant struct {
	name          string
	soft          bool
	includeModels bool
	threshold     float32
	relations     bool
}

var variants = []variant{
	{name: "plain"},
	{name: "relations", relations: true},
	{name: "soft, models, relations", soft: true, includeModels: true, threshold: 0.7, relations: true},
	{name: "models", includeModels: true, threshold: 0.5},
}

// TestAgree checks every road against the oracle on several small worlds.
func TestAgree(t *testing.T) {
	for seed := range uint64(4) {
		for _, v := range variants {
			t.Run(fmt.Sprintf("seed %d, %s", seed, v.name), func(t *testing.T) {
				w := newWorld(seed, 1500+int(seed)*700, v.soft)
				checkAll(t, w, v, true)
			})
		}
	}
}

// TestAgreeLarge is TestAgree at scale: CURATE_AGREE_INPUTS inputs (1M
// for the figure in the README), on the default allocator.
func TestAgreeLarge(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("CURATE_AGREE_INPUTS"))
	if n == 0 {
		t.Skip("set CURATE_AGREE_INPUTS=1000000 to run")
	}
	w := newWorld(99, n, true)
	checkAll(t, w, variants[2], false)
}

func checkAll(t *testing.T, w *world, v variant, viaCLI bool) {
	ctx := context.Background()
	want := w.oracle(v.includeModels, v.threshold, v.relations)
	var rules label.Rules
	rules.IncludeModels, rules.ModelThreshold = v.includeModels, v.threshold
	if v.relations {
		h, err := label.NewHierarchy(w.rels)
		require.NoError(t, err)
		rules.Hierarchy = h
	}
	// Buffers are recycled, so a consumer that kept a string pointing into
	// a released record would see it change: every count below would be
	// off.
	readerOpts := []dataset.Option{dataset.WithSoftValues(v.soft), dataset.WithBatchSize(1000), dataset.WithReuseBuffers(true)}
	open := func(b []byte, inputs bool) *dataset.Reader {
		r, err := dataset.NewReader(ctx, bytes.NewReader(b), append(readerOpts, dataset.WithInputs(inputs))...)
		require.NoError(t, err)
		return r
	}

	// The report over both files, as `curate report A B` counts them.
	c := balance.NewCounter(balance.WithRules(rules))
	for _, f := range w.files {
		r := open(f, false)
		for r.Next() {
			require.NoError(t, c.Add(r.Annotations()))
			require.NoError(t, c.AddIDs(r.UnannotatedIDs()))
		}
		require.NoError(t, r.Err())
		require.NoError(t, c.AddIDs(r.UnannotatedIDs()))
		r.Release()
	}
	rep, err := c.Report()
	require.NoError(t, err)
	assert.Equal(t, len(w.ids), rep.Summary.Inputs, "report: distinct inputs")
	require.Len(t, rep.Concepts, len(want), "report: concepts")
	for _, cs := range rep.Concepts {
		k := want[cs.ConceptID]
		require.NotNil(t, k, cs.ConceptID)
		assert.Equal(t, counts{k.pos, k.neg, k.conf, k.implied, k.unknown, k.implicit},
			counts{cs.Positives, cs.Negatives, cs.Conflicts, cs.ImpliedNegatives, cs.Unknown, cs.ImplicitValues}, "report %s", cs.ConceptID)
	}

	// balance.Compute over a reader's annotation view gives the same.
	r := open(w.both(), false)
	rr := r.AnnotationReader()
	rep2, err := balance.Compute(ctx, rr, balance.WithRules(rules))
	rr.Release()
	r.Release()
	require.NoError(t, err)
	assert.Equal(t, rep.Summary, rep2.Summary, "Compute")
	assert.Equal(t, rep.Concepts, rep2.Concepts, "Compute")

	// The stats and training layouts: the export's label matrix.
	opener := func(ctx context.Context, inputs bool) (*dataset.Reader, error) { return open(w.both(), inputs), nil }
	plan, err := export.MakePlan(ctx, opener, export.Request{Layout: export.Stats, Rules: rules})
	require.NoError(t, err)
	l := plan.Labels
	assert.Equal(t, len(w.ids), l.NumInputs(), "export: inputs")
	stats := export.CountStats(l, nil)
	vec := make([]int8, len(l.Concepts))
	train := make([]counts, len(l.Concepts))
	for i := range l.NumInputs() {
		l.Vector(i, vec)
		for k, x := range vec {
			switch x {
			case 1:
				train[k].pos++
			case 0:
				train[k].neg++
			}
		}
		l.Row(i, func(k int, _ export.State, conflict bool) {
			if conflict {
				train[k].conf++
			}
		})
	}
	for k, id := range l.Concepts {
		o := want[id]
		require.NotNil(t, o, id)
		assert.Equal(t, export.ConceptStats{Positives: int64(o.pos), Negatives: int64(o.neg), Conflicts: int64(o.conf), Unknown: int64(o.implied + o.unknown)},
			stats[k], "stats %s", id)
		assert.Equal(t, counts{pos: o.pos, neg: o.neg, conf: o.conf}, train[k], "training labels %s", id)
	}

	// The training export as written, in one read of the source: one row
	// per distinct input carrying the matrix's label vector and, with a
	// split, the split MakePlan's stratification gives the input.
	checkTrainingExport(t, opener, rules, l)

	// The overlap analysis and the suggestions' summary.
	ovOpts := balance.DefaultOverlapOptions()
	ovOpts.Rules = rules
	ov, err := balance.AnalyzeOverlap(ctx, open(w.both(), true), &ovOpts)
	require.NoError(t, err)
	for id, o := range want {
		p, n, cf := ov.Counts(id)
		assert.Equal(t, [3]int{o.pos, o.neg, o.conf}, [3]int{p, n, cf}, "overlap %s", id)
	}
	res, err := ov.Suggest(ctx, func(ctx context.Context) (*dataset.Reader, error) { return open(w.both(), true), nil }, nil)
	require.NoError(t, err)
	for _, cs := range res.Concepts {
		o := want[cs.ConceptID]
		assert.Equal(t, [3]int{o.pos, o.neg, o.conf}, [3]int{cs.Positives, cs.Negatives, cs.Conflicts}, "suggest %s", cs.ConceptID)
	}
	// Every suggestion is for a concept the input has no label for, on an
	// input that is positive for the source concept.
	for _, s := range res.Suggestions {
		i, ok := l.Index(s.InputID)
		require.True(t, ok, s.InputID)
		l.Vector(i, vec)
		k, _ := slices.BinarySearch(l.Concepts, s.ConceptID)
		src, _ := slices.BinarySearch(l.Concepts, s.SourceConceptID)
		assert.EqualValues(t, -1, vec[k], "suggested %s for %s, which is labelled", s.ConceptID, s.InputID)
		assert.EqualValues(t, 1, vec[src], "suggested from %s, which %s is not positive for", s.SourceConceptID, s.InputID)
	}

	if viaCLI {
		checkCLI(t, w, v, rep)
	}
}

// checkCLI runs `curate report` and `curate export --layout stats` as a
// user does and compares them with the library's report.
func checkCLI(t *testing.T, w *world, v variant, rep *balance.Report) {
	dir := t.TempDir()
	a, b, both, rel := filepath.Join(dir, "a.jsonl"), filepath.Join(dir, "b.jsonl"), filepath.Join(dir, "both.jsonl"), filepath.Join(dir, "rel.jsonl")
	require.NoError(t, os.WriteFile(a, w.files[0], 0o644))
	require.NoError(t, os.WriteFile(b, w.files[1], 0o644))
	require.NoError(t, os.WriteFile(both, w.both(), 0o644))
	require.NoError(t, os.WriteFile(rel, w.relationsJSONL(), 0o644))
	var flags []string
	if v.soft {
		flags = append(flags, "--soft-values")
	}
	if v.includeModels {
		flags = append(flags, "--include-models", "--model-threshold", strconv.FormatFloat(float64(v.threshold), 'g', -1, 32))
	}
	if v.relations {
		flags = append(flags, "--relations", rel)
	}
	run := func(args ...string) string {
		ios, _, out, errOut := cli.Test()
		code := cli.Run(context.Background(), &cli.Factory{IO: ios}, args)
		require.Equal(t, cli.ExitOK, code, "curate %s: %s", strings.Join(args, " "), errOut)
		return out.String()
	}
	var got struct {
		Summary struct {
			Inputs int `json:"inputs"`
		} `json:"summary"`
		Concepts []struct {
			Positives        int `json:"positives"`
			Negatives        int `json:"negatives"`
			Conflicts        int `json:"conflicts"`
			ImpliedNegatives int `json:"implied_negatives"`
			Unknown          int `json:"unknown"`
			ImplicitValues   int `json:"implicit_values"`
		} `json:"concepts"`
	}
	js := run(append([]string{"report", a, b, "--format", "json"}, flags...)...)
	require.NoError(t, json.Unmarshal([]byte(js), &got))
	require.Len(t, got.Concepts, len(rep.Concepts))
	for i, cs := range got.Concepts {
		want := rep.Concepts[i]
		assert.Equal(t, [6]int{want.Positives, want.Negatives, want.Conflicts, want.ImpliedNegatives, want.Unknown, want.ImplicitValues},
			[6]int{cs.Positives, cs.Negatives, cs.Conflicts, cs.ImpliedNegatives, cs.Unknown, cs.ImplicitValues}, "curate report %s", want.ConceptID)
	}
	assert.Equal(t, rep.Summary.Inputs, got.Summary.Inputs, "curate report: inputs")

	out := filepath.Join(dir, "stats")
	run(append([]string{"export", both, "--layout", "stats", "--format", "csv", "--out", out}, flags...)...)
	f, err := os.Open(filepath.Join(out, "part-00000.csv"))
	require.NoError(t, err)
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	require.NoError(t, err)
	col := map[string]int{}
	for i, h := range recs[0] {
		col[h] = i
	}
	byID := map[string]balance.ConceptStats{}
	for _, cs := range rep.Concepts {
		byID[cs.ConceptID] = cs
	}
	require.Len(t, recs[1:], len(rep.Concepts))
	for _, r := range recs[1:] {
		cs := byID[r[col["concept_id"]]]
		n := func(name string) int { x, _ := strconv.Atoi(r[col[name]]); return x }
		assert.Equal(t, [4]int{cs.Positives, cs.Negatives, cs.Conflicts, cs.ImpliedNegatives + cs.Unknown},
			[4]int{n("positives"), n("negatives"), n("conflicts"), n("unknown")}, "curate export --layout stats %s", cs.ConceptID)
	}
}

// checkTrainingExport writes the training layout without and with a split
// and compares every row with l (built by MakePlan from the same source).
func checkTrainingExport(t *testing.T, opener export.Opener, rules label.Rules, l *export.Labels) {
	ctx := context.Background()
	splits := []export.Fraction{{Name: "train", Share: 0.7}, {Name: "val", Share: 0.2}, {Name: "test", Share: 0.1}}
	assign := export.Stratify(l, splits, 5)
	vec := make([]int8, len(l.Concepts))
	for _, split := range []bool{false, true} {
		req := export.Request{Layout: export.Training, Rules: rules, Seed: 5}
		if split {
			req.Splits = splits
		}
		out := filepath.Join(t.TempDir(), "train")
		sink, err := export.NewDirSink(out)
		require.NoError(t, err)
		res, err := export.Write(ctx, opener, sink, req, export.WithFormat(export.Arrow))
		require.NoError(t, err)
		require.Equal(t, l.Concepts, res.Plan.Labels.Concepts)
		seen := make([]bool, l.NumInputs())
		for _, fi := range res.Files {
			f, err := os.Open(filepath.Join(out, fi.Name))
			require.NoError(t, err)
			r, err := ipc.NewFileReader(f)
			require.NoError(t, err)
			for k := range r.NumRecords() {
				rec, err := r.Record(k)
				require.NoError(t, err)
				ids := rec.Column(0).(*array.String)
				labels := rec.Column(int(rec.Schema().FieldIndices(export.ColLabels)[0])).(*array.List)
				vals := labels.ListValues().(*array.Int8)
				var splitCol *array.String
				if split {
					splitCol = rec.Column(int(rec.NumCols()) - 1).(*array.String)
				}
				for row := 0; row < ids.Len(); row++ {
					i, ok := l.Index(ids.Value(row))
					require.True(t, ok, ids.Value(row))
					require.False(t, seen[i], "input %s written twice", ids.Value(row))
					seen[i] = true
					l.Vector(i, vec)
					s, e := labels.ValueOffsets(row)
					require.Equal(t, vec, vals.Int8Values()[s:e], "labels of %s", ids.Value(row))
					if split {
						require.Equal(t, splits[assign[i]].Name, splitCol.Value(row), "split of %s", ids.Value(row))
					}
				}
			}
			r.Close()
			f.Close()
		}
		if split {
			assert.Equal(t, assign, res.Plan.Assign, "the one-pass split is MakePlan's")
			for j := range splits {
				assert.Equal(t, export.CountStats(l, func(i int) bool { return int(assign[i]) == j }), res.Plan.SplitStats(j), "split %s counts", splits[j].Name)
			}
		}
	}

	// The stats layout with a split, as written: each split's rows are
	// the matrix's counts over that split's inputs.
	out := filepath.Join(t.TempDir(), "stats")
	sink, err := export.NewDirSink(out)
	require.NoError(t, err)
	res, err := export.Write(ctx, opener, sink, export.Request{Layout: export.Stats, Rules: rules, Seed: 5, Splits: splits}, export.WithFormat(export.Arrow))
	require.NoError(t, err)
	require.Len(t, res.Files, len(splits))
	for j, fi := range res.Files {
		require.Equal(t, splits[j].Name+"-00000.arrow", fi.Name)
		want := export.CountStats(l, func(i int) bool { return int(assign[i]) == j })
		f, err := os.Open(filepath.Join(out, fi.Name))
		require.NoError(t, err)
		r, err := ipc.NewFileReader(f)
		require.NoError(t, err)
		var got []export.ConceptStats
		for k := range r.NumRecords() {
			rec, err := r.Record(k)
			require.NoError(t, err)
			col := func(name string) *array.Int64 {
				return rec.Column(rec.Schema().FieldIndices(name)[0]).(*array.Int64)
			}
			pos, neg, unk, conf := col(export.ColPositives), col(export.ColNegatives), col(export.ColUnknown), col(export.ColConflicts)
			for row := 0; row < int(rec.NumRows()); row++ {
				got = append(got, export.ConceptStats{Positives: pos.Value(row), Negatives: neg.Value(row), Unknown: unk.Value(row), Conflicts: conf.Value(row)})
			}
		}
		r.Close()
		f.Close()
		assert.Equal(t, want, got, "stats of split %s", splits[j].Name)
	}
}
