package cli

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"
	"github.com/apache/arrow/go/v15/arrow/memory"
	"github.com/apache/arrow/go/v15/parquet/file"
	"github.com/apache/arrow/go/v15/parquet/pqarrow"

	"curate.dev/dataset"
	"curate.dev/review"
	"curate.dev/writeback"
)

// readSuggestions reads a suggestions file in the format of its extension
// (.jsonl, .csv or .parquet, as curate suggest writes them) into a changes
// table. In CSV and Parquet an "accept" column is the reviewer's verdict
// as in JSONL (true, false or empty: true).
func readSuggestions(ctx context.Context, path string) (arrow.Table, error) {
	return readSuggestionsKeys(ctx, path, nil)
}

// readSuggestionsKeys is readSuggestions that also reports the unknown
// keys of JSONL lines to unknown.
func readSuggestionsKeys(ctx context.Context, path string, unknown func(line int, key string)) (arrow.Table, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	name := filepath.Base(path)
	switch strings.ToLower(filepath.Ext(path)) {
	case ".csv":
		return readSuggestionsCSV(ctx, f, name)
	case ".parquet":
		return readSuggestionsParquet(ctx, f, name)
	}
	return writeback.ReadChanges(ctx, f, writeback.ReadOptions{Name: name, UnknownKey: unknown})
}

// nearAccept reports whether key looks like a misspelt "accept": within
// two edits of it, ignoring case, and not the field itself.
func nearAccept(key string) bool {
	k := strings.ToLower(key)
	return k != dataset.ColAccept && editDistance(k, dataset.ColAccept) <= 2
}

// editDistance is the Levenshtein distance between a and b (bytes).
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// changeRow is one suggestion on its way into a changes table.
type changeRow struct {
	inputID, conceptID, conceptName, source, reason string
	value                                           float32
	score                                           *float64
	accept                                          bool
	line                                            int64
}

type changesBuilder struct{ b *array.RecordBuilder }

func newChangesBuilder() *changesBuilder {
	return &changesBuilder{array.NewRecordBuilder(memory.DefaultAllocator, dataset.ChangesSchema())}
}

func (cb *changesBuilder) add(r changeRow) {
	b := cb.b
	str := func(i int, s string) {
		if s == "" {
			b.Field(i).AppendNull()
		} else {
			b.Field(i).(*array.StringBuilder).Append(s)
		}
	}
	b.Field(dataset.ChgInputID).(*array.StringBuilder).Append(r.inputID)
	b.Field(dataset.ChgConceptID).(*array.StringBuilder).Append(r.conceptID)
	str(dataset.ChgConceptName, r.conceptName)
	b.Field(dataset.ChgValue).(*array.Float32Builder).Append(r.value)
	if r.score != nil {
		b.Field(dataset.ChgScore).(*array.Float64Builder).Append(*r.score)
	} else {
		b.Field(dataset.ChgScore).AppendNull()
	}
	str(dataset.ChgSourceConceptID, r.source)
	str(dataset.ChgReason, r.reason)
	b.Field(dataset.ChgAccept).(*array.BooleanBuilder).Append(r.accept)
	b.Field(dataset.ChgLine).(*array.Int64Builder).Append(r.line)
}

func (cb *changesBuilder) table() arrow.Table {
	rec := cb.b.NewRecord()
	defer rec.Release()
	cb.b.Release()
	return array.NewTableFromRecords(dataset.ChangesSchema(), []arrow.Record{rec})
}

func parseAccept(s string) (bool, bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "true", "1", "yes":
		return true, true
	case "false", "0", "no":
		return false, true
	}
	return false, false
}

func parseChangeValue(s string) (float32, bool) {
	v, err := strconv.ParseFloat(strings.TrimSpace(s), 32)
	if err != nil || (v != 0 && v != 1) {
		return 0, false
	}
	return float32(v), true
}

func readSuggestionsCSV(ctx context.Context, r io.Reader, name string) (arrow.Table, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return newChangesBuilder().table(), nil
	}
	if err != nil {
		return nil, &dataset.ParseError{File: name, Line: 1, Err: err}
	}
	col := map[string]int{}
	for i, h := range header {
		col[strings.TrimPrefix(strings.TrimSpace(h), "\ufeff")] = i
	}
	for _, need := range []string{dataset.ColInputID, dataset.ColConceptID, dataset.ColValue} {
		if _, ok := col[need]; !ok {
			return nil, &dataset.ParseError{File: name, Line: 1, Field: need, Err: fmt.Errorf("%w: missing column", dataset.ErrShape)}
		}
	}
	cb := newChangesBuilder()
	for {
		if err := ctx.Err(); err != nil {
			cb.b.Release()
			return nil, err
		}
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		line, _ := cr.FieldPos(0)
		fail := func(field string, err error) (arrow.Table, error) {
			cb.b.Release()
			return nil, &dataset.ParseError{File: name, Line: line, Field: field, Err: err}
		}
		if err != nil {
			return fail("", err)
		}
		get := func(c string) string {
			if i, ok := col[c]; ok && i < len(rec) {
				return rec[i]
			}
			return ""
		}
		row := changeRow{inputID: get(dataset.ColInputID), conceptID: get(dataset.ColConceptID), conceptName: get(dataset.ColConceptName),
			source: get(dataset.ColSourceConceptID), reason: get(dataset.ColReason), line: int64(line)}
		if row.inputID == "" {
			return fail(dataset.ColInputID, fmt.Errorf("%w: missing input id", dataset.ErrShape))
		}
		if row.conceptID == "" {
			return fail(dataset.ColConceptID, fmt.Errorf("%w: missing concept id", dataset.ErrShape))
		}
		var ok bool
		if row.value, ok = parseChangeValue(get(dataset.ColValue)); !ok {
			return fail(dataset.ColValue, fmt.Errorf("%w: want 0 or 1, got %q", dataset.ErrShape, get(dataset.ColValue)))
		}
		if s := strings.TrimSpace(get(dataset.ColScore)); s != "" {
			x, err := strconv.ParseFloat(s, 64)
			if err != nil {
				return fail(dataset.ColScore, fmt.Errorf("%w: want a number, got %q", dataset.ErrShape, s))
			}
			row.score = &x
		}
		if row.accept, ok = parseAccept(get(dataset.ColAccept)); !ok {
			return fail(dataset.ColAccept, fmt.Errorf("%w: want true or false, got %q", dataset.ErrShape, get(dataset.ColAccept)))
		}
		cb.add(row)
	}
	return cb.table(), nil
}

func readSuggestionsParquet(ctx context.Context, f *os.File, name string) (arrow.Table, error) {
	pf, err := file.NewParquetReader(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	defer pf.Close()
	fr, err := pqarrow.NewFileReader(pf, pqarrow.ArrowReadProperties{BatchSize: 1 << 14}, memory.DefaultAllocator)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	rr, err := fr.GetRecordReader(ctx, nil, nil)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	defer rr.Release()
	cb := newChangesBuilder()
	row := int64(0)
	for rr.Next() {
		rec := rr.Record()
		s := rec.Schema()
		colOf := func(n string) arrow.Array {
			if idx := s.FieldIndices(n); len(idx) > 0 {
				return rec.Column(idx[0])
			}
			return nil
		}
		ids, cs, vals := colOf(dataset.ColInputID), colOf(dataset.ColConceptID), colOf(dataset.ColValue)
		if ids == nil || cs == nil || vals == nil {
			cb.b.Release()
			return nil, fmt.Errorf("%s: %w: want columns input_id, concept_id and value", name, dataset.ErrShape)
		}
		names, srcs, why, scores, acc := colOf(dataset.ColConceptName), colOf(dataset.ColSourceConceptID), colOf(dataset.ColReason), colOf(dataset.ColScore), colOf(dataset.ColAccept)
		for i := 0; i < int(rec.NumRows()); i++ {
			row++
			fail := func(field string, err error) (arrow.Table, error) {
				cb.b.Release()
				return nil, &dataset.ParseError{File: name, Line: int(row), Field: field, Err: err}
			}
			r := changeRow{inputID: cellString(ids, i), conceptID: cellString(cs, i), conceptName: cellString(names, i),
				source: cellString(srcs, i), reason: cellString(why, i), line: row, accept: true}
			if r.inputID == "" || r.conceptID == "" {
				return fail(dataset.ColInputID, fmt.Errorf("%w: missing input or concept id", dataset.ErrShape))
			}
			v, ok := cellFloat(vals, i)
			if !ok || (v != 0 && v != 1) {
				return fail(dataset.ColValue, fmt.Errorf("%w: want 0 or 1", dataset.ErrShape))
			}
			r.value = float32(v)
			if x, ok := cellFloat(scores, i); ok {
				r.score = &x
			}
			if acc != nil && !acc.IsNull(i) {
				switch a := acc.(type) {
				case *array.Boolean:
					r.accept = a.Value(i)
				default:
					if r.accept, ok = parseAccept(cellString(acc, i)); !ok {
						return fail(dataset.ColAccept, fmt.Errorf("%w: want true or false", dataset.ErrShape))
					}
				}
			}
			cb.add(r)
		}
	}
	if err := rr.Err(); err != nil && !errors.Is(err, io.EOF) {
		cb.b.Release()
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return cb.table(), nil
}

// cellString reads a string (or dictionary of strings) cell; "" for null
// or a missing column.
func cellString(a arrow.Array, i int) string {
	if a == nil || a.IsNull(i) {
		return ""
	}
	switch c := a.(type) {
	case *array.String:
		return strings.Clone(c.Value(i))
	case *array.LargeString:
		return strings.Clone(c.Value(i))
	case *array.Dictionary:
		return cellString(c.Dictionary(), c.GetValueIndex(i))
	}
	return a.ValueStr(i)
}

// cellFloat reads a numeric cell.
func cellFloat(a arrow.Array, i int) (float64, bool) {
	if a == nil || a.IsNull(i) {
		return 0, false
	}
	switch c := a.(type) {
	case *array.Float32:
		return float64(c.Value(i)), true
	case *array.Float64:
		return c.Value(i), true
	case *array.Int64:
		return float64(c.Value(i)), true
	case *array.Int32:
		return float64(c.Value(i)), true
	}
	return 0, false
}

// ReviewFlags choose how a reviewed suggestions file applies.
type ReviewFlags struct {
	Decisions         string
	IncludeUnreviewed bool
}

// decisionsFor returns the decisions file of a suggestions file: the flag,
// or the one beside it.
func (r *ReviewFlags) decisionsFor(suggestions string) string {
	if r.Decisions != "" {
		return r.Decisions
	}
	return review.DecisionsPath(suggestions)
}

// loadChanges reads the suggestions and, when they were reviewed (the
// decisions file has decisions), keeps exactly the decided ones. It tells
// the user which rule applied.
func loadChanges(ctx context.Context, ios *IOStreams, suggestions string, rf *ReviewFlags) (arrow.Table, error) {
	type typo struct {
		line int
		key  string
	}
	var typos []typo
	nTypos := 0
	changes, err := readSuggestionsKeys(ctx, suggestions, func(line int, key string) {
		if nearAccept(key) {
			if nTypos++; len(typos) < 5 {
				typos = append(typos, typo{line, key})
			}
		}
	})
	if err != nil {
		return nil, err
	}
	path := rf.decisionsFor(suggestions)
	ds, err := review.ReadDecisionsFile(ctx, path)
	if err != nil {
		changes.Release()
		return nil, err
	}
	if len(ds) == 0 {
		for _, t := range typos {
			fmt.Fprintf(ios.ErrOut, "warning: %s:%d: unknown key %q; did you mean \"accept\"? The line applies as if it were not there\n", filepath.Base(suggestions), t.line, t.key)
		}
		if nTypos > len(typos) {
			fmt.Fprintf(ios.ErrOut, "warning: %d more lines have a key like \"accept\"\n", nTypos-len(typos))
		}
		if rf.IncludeUnreviewed {
			fmt.Fprintf(ios.ErrOut, "note: %s has no decisions; every line not marked \"accept\":false applies\n", path)
		}
		return changes, nil
	}
	chosen, n, err := review.Choose(changes, ds, rf.IncludeUnreviewed, nil)
	changes.Release()
	if err != nil {
		return nil, err
	}
	left := "skipped"
	if rf.IncludeUnreviewed {
		left = "applied unless \"accept\":false"
	}
	fmt.Fprintf(ios.ErrOut, "reviewed in %s: %d accepted, %d flipped to positive, %d rejected; %d unreviewed %s\n",
		path, n.Accepted, n.Positive, n.Rejected, n.Unreviewed, left)
	return chosen, nil
}
