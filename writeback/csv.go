package writeback

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/apache/arrow/go/v15/arrow"

	"curate.dev/dataset"
)

// ApplyCSV merges the chosen changes into a CSV long-form file
// (input_id,concept_id,value[,…]) read from src and writes the result to
// dst. Existing rows are copied byte for byte; a row with the opposite
// value refuses its change unless opts.Force, which rewrites that row's
// value field only. New annotations are appended as rows at the end in the
// header's column order and line ending, with concept_name, annotator
// (opts.Annotator) and annotator_kind filled when the header has them.
// Idempotence, unknown inputs and errors are as in [ApplyJSONL]; an input
// exists when some row names it.
func ApplyCSV(ctx context.Context, src io.Reader, dst io.Writer, changes arrow.Table, opts Options) (Summary, error) {
	var sum Summary
	cs, err := loadChanges(changes, &opts)
	if err != nil {
		return sum, err
	}
	sum.begin(cs, &opts)
	ra := newReadAhead(src)
	defer ra.Close()
	lr := rawLineReader{br: bufio.NewReaderSize(ra, 1<<20), max: opts.maxLine()}
	bw := newWriteBehind(dst)
	defer bw.Close()
	var (
		rec     []byte
		fields  []dataset.JSONSpan
		col     map[string]int
		eol     = "\n"
		lastEOL = true
		recLine int64
		firstAt = make(map[int32]int64) // change -> source line of its first row
		differs = make(map[int32]bool)
	)
	get := func(name string) (dataset.JSONSpan, bool) {
		i, ok := col[name]
		if !ok || i >= len(fields) {
			return dataset.JSONSpan{}, false
		}
		return fields[i], true
	}
	for {
		if sum.Lines%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return sum, err
			}
		}
		line, err := lr.next()
		if errors.Is(err, io.EOF) {
			break
		}
		sum.Lines++
		if err != nil {
			return sum, &dataset.ParseError{File: opts.Name, Line: int(sum.Lines), Err: err}
		}
		// A quoted field may dataset.JSONSpan lines: gather until the quotes balance.
		out := line
		if len(rec) == 0 {
			recLine = sum.Lines
		}
		if len(rec) > 0 || bytes.Count(line, []byte{'"'})%2 == 1 {
			rec = append(rec, line...)
			if bytes.Count(rec, []byte{'"'})%2 == 1 {
				if line[len(line)-1] == '\n' {
					continue
				}
				return sum, &dataset.ParseError{File: opts.Name, Line: int(recLine), Err: fmt.Errorf("%w: unterminated quoted field", dataset.ErrSyntax)}
			}
			out = rec
			rec = rec[:0] // out stays valid until the next append
		}
		lastEOL = out[len(out)-1] == '\n'
		body := trimLineEnd(out)
		if isBlank(body) {
			bw.Write(out)
			continue
		}
		if fields, err = splitCSV(body, fields[:0]); err != nil {
			return sum, &dataset.ParseError{File: opts.Name, Line: int(recLine), Err: err}
		}
		if col == nil {
			if col, err = csvHeader(body, fields, opts.Name); err != nil {
				return sum, err
			}
			if bytes.HasSuffix(out, []byte("\r\n")) {
				eol = "\r\n"
			}
			bw.Write(out)
			continue
		}
		var edits []edit
		in, _ := get("input_id")
		if ic := cs.byInput[csvField(body, in)]; ic != nil {
			ic.seen = true
			cf, _ := get("concept_id")
			concept := csvField(body, cf)
			for _, ci := range ic.idx {
				c := &cs.all[ci]
				if c.conceptID != concept {
					continue
				}
				vf, _ := get("value")
				v, err := dataset.ParseCSVValue(csvField(body, vf), true)
				if err != nil {
					return sum, &dataset.ParseError{File: opts.Name, Line: int(recLine), Field: "value", Err: err}
				}
				if !c.hadOld {
					c.old, c.hadOld = v, true
					firstAt[ci] = recLine
				}
				if v != c.value {
					differs[ci] = true
					if opts.Force {
						edits = append(edits, edit{at: vf.Start, end: vf.End, text: appendValue(nil, c.value)})
					}
				}
			}
		}
		if err := writeEdited(bw, out, edits); err != nil {
			return sum, err
		}
	}
	if len(rec) > 0 {
		return sum, &dataset.ParseError{File: opts.Name, Line: int(recLine), Err: fmt.Errorf("%w: unterminated quoted field", dataset.ErrSyntax)}
	}
	if err := cs.unknownInputs(&opts); err != nil {
		return sum, err
	}
	var row []string
	for i := range cs.all {
		c := &cs.all[i]
		if !c.chosen {
			continue
		}
		ci := int32(i)
		switch {
		case !c.hadOld:
			c.state = ActionAdded
			if !lastEOL {
				bw.WriteString(eol)
				lastEOL = true
			}
			row = csvRow(row[:0], col, c, opts.Annotator)
			bw.WriteString(strings.Join(row, ","))
			bw.WriteString(eol)
		case !differs[ci]:
			c.state = ActionPresent
		case opts.Force:
			c.state = ActionUpdated
		default:
			c.state = ActionRefused
		}
		sum.tally(c, &opts, firstAt[ci])
	}
	return sum, bw.Close()
}

func csvHeader(body []byte, fields []dataset.JSONSpan, name string) (map[string]int, error) {
	col := make(map[string]int, len(fields))
	for i, f := range fields {
		h := strings.TrimSpace(strings.TrimPrefix(csvField(body, f), "\xef\xbb\xbf"))
		if _, dup := col[h]; !dup {
			col[h] = i
		}
	}
	for _, c := range []string{"input_id", "concept_id", "value"} {
		if _, ok := col[c]; !ok {
			return nil, &dataset.ParseError{File: name, Line: 1, Field: c, Err: fmt.Errorf("%w: header has no %q column", dataset.ErrShape, c)}
		}
	}
	return col, nil
}

// csvRow lays out a new annotation in the header's column order.
func csvRow(row []string, col map[string]int, c *change, annotator string) []string {
	n := 0
	for _, i := range col {
		n = max(n, i+1)
	}
	for range n {
		row = append(row, "")
	}
	set := func(name, v string) {
		if i, ok := col[name]; ok {
			row[i] = csvQuote(v)
		}
	}
	set("input_id", c.inputID)
	set("concept_id", c.conceptID)
	set("value", string(appendValue(nil, c.value)))
	set("concept_name", c.conceptName)
	if annotator != "" {
		set("annotator", annotator)
		set("annotator_kind", dataset.AnnotatorUser.String())
	}
	return row
}

func csvQuote(s string) string {
	if s == "" || (!strings.ContainsAny(s, ",\"\r\n") && s[0] != ' ' && s[0] != '\t') {
		return s
	}
	return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
}

// splitCSV returns the spans of the fields of one record (quotes
// included).
func splitCSV(b []byte, fields []dataset.JSONSpan) ([]dataset.JSONSpan, error) {
	i := 0
	for {
		if i < len(b) && b[i] == '"' {
			j := i + 1
			for {
				k := bytes.IndexByte(b[j:], '"')
				if k < 0 {
					return nil, fmt.Errorf("%w: unterminated quoted field", dataset.ErrSyntax)
				}
				j += k
				if j+1 < len(b) && b[j+1] == '"' {
					j += 2
					continue
				}
				break
			}
			fields = append(fields, dataset.JSONSpan{Start: i, End: j + 1})
			i = j + 1
			if i < len(b) && b[i] != ',' {
				return nil, fmt.Errorf("%w: extraneous %q after a quoted field", dataset.ErrSyntax, b[i])
			}
		} else {
			k := bytes.IndexByte(b[i:], ',')
			end := len(b)
			if k >= 0 {
				end = i + k
			}
			fields = append(fields, dataset.JSONSpan{Start: i, End: end})
			i = end
		}
		if i >= len(b) {
			return fields, nil
		}
		i++ // the comma
	}
}

// csvField decodes a field dataset.JSONSpan.
func csvField(b []byte, f dataset.JSONSpan) string {
	s := b[f.Start:f.End]
	if len(s) >= 2 && s[0] == '"' {
		return strings.ReplaceAll(string(s[1:len(s)-1]), `""`, `"`)
	}
	return string(s)
}
