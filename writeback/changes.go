package writeback

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"
	"github.com/apache/arrow/go/v15/arrow/memory"

	"curate.dev/dataset"
)

// ReadOptions configure [ReadChanges]. The zero value reads with the
// default allocator, batches of [dataset.DefaultBatchSize] rows and lines
// up to [dataset.DefaultMaxLineBytes].
type ReadOptions struct {
	// Name is the suggestions file's name for errors.
	Name string
	// Allocator builds the table (nil: memory.DefaultAllocator).
	Allocator memory.Allocator
	// BatchSize is the number of rows per record of the table.
	BatchSize int
	// MaxLineBytes bounds a line.
	MaxLineBytes int
	// UnknownKey, when set, is called for each top-level key of a line
	// that is not one of the suggestion's fields (a reviewer's note, or a
	// typo such as "acept"), with the line number.
	UnknownKey func(line int, key string)
}

// ReadChanges reads a suggestions file (JSONL, one suggestion per line, as
// written by curate suggest and edited by a reviewer) into a table of
// [dataset.ChangesSchema], the one form every write-back function takes.
// Blank lines are skipped and unknown fields ignored. Values must be
// stated and be 0 or 1; "accept" is true, false, null or absent (true):
// a reviewer's verdict. A first line {"curate_source":{…}}, as
// [WriteSource] writes it, records the source the suggestions were made
// from ([SourceOf]). A bad line is a [*dataset.ParseError] naming the
// line and field. The caller releases the table.
func ReadChanges(ctx context.Context, r io.Reader, opts ReadOptions) (arrow.Table, error) {
	mem := opts.Allocator
	if mem == nil {
		mem = memory.DefaultAllocator
	}
	batch := opts.BatchSize
	if batch <= 0 {
		batch = dataset.DefaultBatchSize
	}
	name := opts.Name
	schema := dataset.ChangesSchema()
	lines := dataset.NewLineReader(r, opts.MaxLineBytes)
	b := array.NewRecordBuilder(mem, schema)
	defer b.Release()
	var recs []arrow.Record
	defer func() {
		for _, rec := range recs {
			rec.Release()
		}
	}()
	var src *Source
	first := true
	for {
		if lines.Line()%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		line, err := lines.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, &dataset.ParseError{File: name, Line: lines.Line(), Err: err}
		}
		line = dataset.TrimEOL(line)
		if lines.Line() == 1 {
			line = bytes.TrimPrefix(line, []byte("\xef\xbb\xbf"))
		}
		if isBlank(line) {
			continue
		}
		if first {
			first = false
			if src, err = readSourceLine(line); err != nil {
				return nil, toParseError(name, lines.Line(), err)
			} else if src != nil {
				continue
			}
		}
		var unknown func(string)
		if opts.UnknownKey != nil {
			n := lines.Line()
			unknown = func(k string) { opts.UnknownKey(n, k) }
		}
		if err := appendChange(b, line, int64(lines.Line()), unknown); err != nil {
			return nil, toParseError(name, lines.Line(), err)
		}
		if b.Field(dataset.ChgLine).Len() >= batch {
			recs = append(recs, b.NewRecord())
		}
	}
	recs = append(recs, b.NewRecord())
	return array.NewTableFromRecords(withSource(schema, src), recs), nil
}

// appendChange decodes one suggestion and appends it; nothing is appended
// on error. It picks the fields out with the write-back scanner (keys
// match as in encoding/json: case-insensitively, the last one wins),
// which is several times faster than decoding through reflection.
func appendChange(b *array.RecordBuilder, line []byte, n int64, unknown func(key string)) error {
	start := dataset.SkipJSONSpace(line, 0)
	if line[start] != '{' {
		return &fieldError{"", fmt.Errorf("%w: want an object", dataset.ErrShape)}
	}
	none := noSpan
	f := [...]dataset.JSONSpan{none, none, none, none, none, none, none, none}
	names := [...]string{dataset.ColInputID, dataset.ColConceptID, dataset.ColConceptName, dataset.ColValue, dataset.ColScore, dataset.ColSourceConceptID, dataset.ColReason, dataset.ColAccept}
	obj, err := dataset.ScanJSONObject(line, start, func(mb dataset.JSONMember) error {
		// The scanner only finds the spans: check each value as JSON.
		v := line[mb.Value.Start:mb.Value.End]
		if !dataset.ValidJSONValue(v) || !dataset.ValidJSONValue(line[mb.Key.Start:mb.Key.End]) {
			return fmt.Errorf("%w: invalid JSON at byte %d", dataset.ErrSyntax, mb.Key.Start+1)
		}
		key := line[mb.Key.Start+1 : mb.Key.End-1]
		for i, name := range names {
			if string(key) == name {
				f[i] = mb.Value
				return nil
			}
		}
		known := false
		for i, name := range names { // "Input_ID", escapes: as encoding/json
			if dataset.JSONKeyIs(line, mb.Key, name) {
				f[i] = mb.Value
				known = true
			}
		}
		if !known && unknown != nil {
			unknown(string(key))
		}
		return nil
	})
	if err == nil && dataset.SkipJSONSpace(line, obj.Close+1) != len(line) {
		err = fmt.Errorf("%w: text after the object at byte %d", dataset.ErrSyntax, obj.Close+2)
	}
	if err != nil {
		return &fieldError{"", err}
	}
	var str [len(names)]*string
	for _, i := range []int{dataset.ChgInputID, dataset.ChgConceptID, dataset.ChgConceptName, dataset.ChgSourceConceptID, dataset.ChgReason} {
		v := f[i]
		if v.Start < 0 || string(line[v.Start:v.End]) == "null" {
			continue
		}
		if line[v.Start] != '"' {
			return &fieldError{names[i], fmt.Errorf("%w: want string, got %s", dataset.ErrShape, line[v.Start:v.End])}
		}
		s, _ := dataset.UnquoteJSON(line[v.Start:v.End])
		str[i] = &s
	}
	if str[dataset.ChgInputID] == nil || *str[dataset.ChgInputID] == "" {
		return &fieldError{dataset.ColInputID, fmt.Errorf("%w: missing input id", dataset.ErrShape)}
	}
	if str[dataset.ChgConceptID] == nil || *str[dataset.ChgConceptID] == "" {
		return &fieldError{dataset.ColConceptID, fmt.Errorf("%w: missing concept id", dataset.ErrShape)}
	}
	raw := func(i int) []byte {
		if f[i].Start < 0 {
			return nil
		}
		return line[f[i].Start:f[i].End]
	}
	v, _, err := dataset.ParseJSONValue(raw(dataset.ChgValue), true, false)
	if err != nil {
		return &fieldError{dataset.ColValue, err}
	}
	var score float64
	hasScore := false
	if s := raw(dataset.ChgScore); len(s) > 0 && string(s) != "null" {
		if score, err = strconv.ParseFloat(string(s), 64); err != nil {
			return &fieldError{dataset.ColScore, fmt.Errorf("%w: want a number, got %s", dataset.ErrShape, s)}
		}
		hasScore = true
	}
	accept := true
	switch a := string(raw(dataset.ChgAccept)); a {
	case "", "null", "true":
	case "false":
		accept = false
	default:
		return &fieldError{dataset.ColAccept, fmt.Errorf("%w: want true or false, got %s", dataset.ErrShape, a)}
	}
	b.Field(dataset.ChgInputID).(*array.StringBuilder).Append(*str[dataset.ChgInputID])
	b.Field(dataset.ChgConceptID).(*array.StringBuilder).Append(*str[dataset.ChgConceptID])
	appendStringPtr(b.Field(dataset.ChgConceptName).(*array.StringBuilder), str[dataset.ChgConceptName])
	b.Field(dataset.ChgValue).(*array.Float32Builder).Append(v)
	if hasScore {
		b.Field(dataset.ChgScore).(*array.Float64Builder).Append(score)
	} else {
		b.Field(dataset.ChgScore).AppendNull()
	}
	appendStringPtr(b.Field(dataset.ChgSourceConceptID).(*array.StringBuilder), str[dataset.ChgSourceConceptID])
	appendStringPtr(b.Field(dataset.ChgReason).(*array.StringBuilder), str[dataset.ChgReason])
	b.Field(dataset.ChgAccept).(*array.BooleanBuilder).Append(accept)
	b.Field(dataset.ChgLine).(*array.Int64Builder).Append(n)
	return nil
}

func appendStringPtr(b *array.StringBuilder, s *string) {
	if s == nil || *s == "" {
		b.AppendNull()
		return
	}
	b.Append(*s)
}
