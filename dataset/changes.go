package dataset

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"unicode/utf8"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"
)

// Column names of the changes table (ColInputID, ColConceptID,
// ColConceptName and ColValue are shared with the annotations table).
const (
	ColScore           = "score"
	ColSourceConceptID = "source_concept_id"
	ColReason          = "reason"
	ColAccept          = "accept"
	ColLine            = "line"
)

// Column indices of [ChangesSchema].
const (
	ChgInputID = iota
	ChgConceptID
	ChgConceptName
	ChgValue
	ChgScore
	ChgSourceConceptID
	ChgReason
	ChgAccept
	ChgLine
)

var changesSchema = arrow.NewSchema([]arrow.Field{
	{Name: ColInputID, Type: arrow.BinaryTypes.String},
	{Name: ColConceptID, Type: arrow.BinaryTypes.String},
	{Name: ColConceptName, Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: ColValue, Type: arrow.PrimitiveTypes.Float32},
	{Name: ColScore, Type: arrow.PrimitiveTypes.Float64, Nullable: true},
	{Name: ColSourceConceptID, Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: ColReason, Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: ColAccept, Type: arrow.FixedWidthTypes.Boolean},
	{Name: ColLine, Type: arrow.PrimitiveTypes.Int64},
}, nil)

// ChangesSchema returns the schema of a changes table: the annotations a
// reviewer chose to write back, one row per suggestion.
//
//	input_id           utf8
//	concept_id         utf8
//	concept_name       utf8      null when unknown
//	value              float32   0 (negative) or 1 (positive)
//	score              float64   the suggestion's score; null when none
//	source_concept_id  utf8      the concept the suggestion came from; null when none
//	reason             utf8      why it was suggested; null when none
//	accept             bool      false: the reviewer rejected it (default true)
//	line               int64     1-based line in the suggestions file; 0 when not from a file
//
// The returned schema is shared; do not modify it. [ApplyJSONL] and the
// other write-back functions also accept tables that have only input_id,
// concept_id and value, dictionary-encoded strings and a float64 value.
func ChangesSchema() *arrow.Schema { return changesSchema }

// ReadChanges reads a suggestions file (JSONL, one suggestion per line, as
// written by curate suggest and edited by a reviewer) into a table of
// [ChangesSchema]. name is used in errors. Blank lines are skipped and
// unknown fields ignored. Values must be stated and be 0 or 1; "accept"
// is true, false, null or absent (true). A bad line is a [*ParseError]
// naming the line and field. [WithAllocator], [WithBatchSize] and
// [WithMaxLineBytes] apply. The caller releases the table.
func ReadChanges(ctx context.Context, r io.Reader, name string, opts ...Option) (arrow.Table, error) {
	cfg := defaultConfig()
	for _, o := range opts {
		o(&cfg)
	}
	lines := newLineReader(bufio.NewReaderSize(r, 1<<16), cfg.maxLineBytes)
	b := array.NewRecordBuilder(cfg.mem, changesSchema)
	defer b.Release()
	var recs []arrow.Record
	defer func() {
		for _, rec := range recs {
			rec.Release()
		}
	}()
	for {
		if lines.line%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		line, err := lines.next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, &ParseError{File: name, Line: lines.line, Err: err}
		}
		if lines.line == 1 {
			line = bytes.TrimPrefix(line, []byte("\xef\xbb\xbf"))
		}
		if isBlank(line) {
			continue
		}
		if err := appendChange(b, line, int64(lines.line)); err != nil {
			return nil, toParseError(name, lines.line, err)
		}
		if b.Field(ChgLine).Len() >= cfg.batchSize {
			recs = append(recs, b.NewRecord())
		}
	}
	recs = append(recs, b.NewRecord())
	return array.NewTableFromRecords(changesSchema, recs), nil
}

// appendChange decodes one suggestion and appends it; nothing is appended
// on error. It picks the fields out with the write-back scanner (keys
// match as in encoding/json: case-insensitively, the last one wins),
// which is several times faster than decoding through reflection.
func appendChange(b *array.RecordBuilder, line []byte, n int64) error {
	start := skipWS(line, 0)
	if line[start] != '{' {
		return &fieldError{"", fmt.Errorf("%w: want an object", ErrShape)}
	}
	none := span{-1, -1}
	f := [...]span{none, none, none, none, none, none, none, none}
	names := [...]string{ColInputID, ColConceptID, ColConceptName, ColValue, ColScore, ColSourceConceptID, ColReason, ColAccept}
	obj, err := scanObject(line, start, func(mb member) error {
		// The scanner only finds the spans: check each value as JSON.
		v := line[mb.val.start:mb.val.end]
		ok := true
		switch v[0] {
		case '"':
			ok = validString(v)
		case '{', '[':
			ok = json.Valid(v) // rare: a reviewer's own fields
		default:
			ok = validLiteral(v)
		}
		if !ok || !validString(line[mb.key.start:mb.key.end]) {
			return fmt.Errorf("%w: invalid JSON at byte %d", ErrSyntax, mb.key.start+1)
		}
		key := line[mb.key.start+1 : mb.key.end-1]
		for i, name := range names {
			if string(key) == name {
				f[i] = mb.val
				return nil
			}
		}
		for i, name := range names { // "Input_ID", escapes: as encoding/json
			if keyIs(line, mb.key, name) {
				f[i] = mb.val
			}
		}
		return nil
	})
	if err == nil && skipWS(line, obj.close+1) != len(line) {
		err = fmt.Errorf("%w: text after the object at byte %d", ErrSyntax, obj.close+2)
	}
	if err != nil {
		return &fieldError{"", err}
	}
	var str [len(names)]*string
	for _, i := range []int{ChgInputID, ChgConceptID, ChgConceptName, ChgSourceConceptID, ChgReason} {
		v := f[i]
		if v.start < 0 || string(line[v.start:v.end]) == "null" {
			continue
		}
		if line[v.start] != '"' {
			return &fieldError{names[i], fmt.Errorf("%w: want string, got %s", ErrShape, line[v.start:v.end])}
		}
		s, _ := unquote(line[v.start:v.end])
		str[i] = &s
	}
	if str[ChgInputID] == nil || *str[ChgInputID] == "" {
		return &fieldError{ColInputID, fmt.Errorf("%w: missing input id", ErrShape)}
	}
	if str[ChgConceptID] == nil || *str[ChgConceptID] == "" {
		return &fieldError{ColConceptID, fmt.Errorf("%w: missing concept id", ErrShape)}
	}
	raw := func(i int) []byte {
		if f[i].start < 0 {
			return nil
		}
		return line[f[i].start:f[i].end]
	}
	v, _, err := parseJSONValue(raw(ChgValue), true, false)
	if err != nil {
		return &fieldError{ColValue, err}
	}
	var score float64
	hasScore := false
	if s := raw(ChgScore); len(s) > 0 && string(s) != "null" {
		if score, err = strconv.ParseFloat(string(s), 64); err != nil {
			return &fieldError{ColScore, fmt.Errorf("%w: want a number, got %s", ErrShape, s)}
		}
		hasScore = true
	}
	accept := true
	switch a := string(raw(ChgAccept)); a {
	case "", "null", "true":
	case "false":
		accept = false
	default:
		return &fieldError{ColAccept, fmt.Errorf("%w: want true or false, got %s", ErrShape, a)}
	}
	b.Field(ChgInputID).(*array.StringBuilder).Append(*str[ChgInputID])
	b.Field(ChgConceptID).(*array.StringBuilder).Append(*str[ChgConceptID])
	appendStringPtr(b.Field(ChgConceptName).(*array.StringBuilder), str[ChgConceptName])
	b.Field(ChgValue).(*array.Float32Builder).Append(v)
	if hasScore {
		b.Field(ChgScore).(*array.Float64Builder).Append(score)
	} else {
		b.Field(ChgScore).AppendNull()
	}
	appendStringPtr(b.Field(ChgSourceConceptID).(*array.StringBuilder), str[ChgSourceConceptID])
	appendStringPtr(b.Field(ChgReason).(*array.StringBuilder), str[ChgReason])
	b.Field(ChgAccept).(*array.BooleanBuilder).Append(accept)
	b.Field(ChgLine).(*array.Int64Builder).Append(n)
	return nil
}

// validString reports whether q is a valid JSON string, without
// allocating in the common case.
func validString(q []byte) bool {
	raw := q[1 : len(q)-1]
	if bytes.IndexByte(raw, '\\') < 0 && utf8.Valid(raw) && !hasControl(raw) {
		return true
	}
	return json.Valid(q)
}

// validLiteral reports whether b is true, false, null or a JSON number
// (-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?).
func validLiteral(b []byte) bool {
	switch string(b) {
	case "true", "false", "null":
		return true
	}
	i := 0
	digits := func() bool {
		j := i
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
		return i > j
	}
	if i < len(b) && b[i] == '-' {
		i++
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case !digits():
		return false
	}
	if i < len(b) && b[i] == '.' {
		i++
		if !digits() {
			return false
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		if !digits() {
			return false
		}
	}
	return i == len(b)
}

func appendStringPtr(b *array.StringBuilder, s *string) {
	if s == nil || *s == "" {
		b.AppendNull()
		return
	}
	b.Append(*s)
}
