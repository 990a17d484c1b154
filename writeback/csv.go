package writeback

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"

	"github.com/apache/arrow/go/v15/arrow"

	"curate.dev/dataset"
)

// ApplyCSV merges the chosen changes into a CSV long-form file
// (input_id,concept_id,value[,…]) read from src and writes the result to
// dst.
//
// The file is read with the CSV loader's grammar and header rules
// ([dataset.NewCSVReader], [dataset.CSVHeader]) and each row of an input
// with changes is decoded as the loader decodes it ([dataset.CSVRow]), so
// a row the loader would reject is an error here too, and a model's or
// workflow's score does not count as a label. Rows are copied byte for
// byte. A row with the opposite value refuses its change unless
// opts.Force, which rewrites that row with the new value through
// encoding/csv's Writer. New annotations are appended through the same
// Writer, one row per annotation with as many fields as the header, with
// concept_name, annotator (opts.Annotator) and annotator_kind filled when
// the header has them, in the file's line ending. Idempotence, unknown
// inputs and errors are as in [ApplyJSONL]; an input exists when some row
// names it.
func ApplyCSV(ctx context.Context, src io.Reader, dst io.Writer, changes arrow.Table, opts Options) (sum Summary, err error) {
	cs, err := loadChanges(changes, &opts)
	if err != nil {
		return sum, err
	}
	sum.begin(cs, &opts)
	ra := newReadAhead(src)
	defer ra.Close()
	br := bufio.NewReaderSize(ra, 1<<16)
	bw := newWriteBehind(dst)
	defer bw.Close()
	if b, _ := br.Peek(3); bytes.Equal(b, []byte("\xef\xbb\xbf")) {
		br.Discard(3)
		bw.Write(b[:3:3])
	}
	raw := &rawTee{r: br, w: bw, max: opts.maxLine(), name: opts.Name}
	cr := dataset.NewCSVReader(raw)
	fail := func(err error) (Summary, error) {
		if raw.err != nil {
			return sum, raw.err
		}
		return sum, dataset.CSVError(opts.Name, err)
	}
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return sum, toParseError(opts.Name, 1, fmt.Errorf("%w: no header", dataset.ErrShape))
	}
	if err != nil {
		return fail(err)
	}
	header = append([]string(nil), header...)
	col, err := dataset.CSVHeader(header, opts.Name)
	if err != nil {
		return sum, err
	}
	eol := "\n"
	if bytes.HasSuffix(raw.record(cr.InputOffset()), []byte("\r\n")) {
		eol = "\r\n"
	}
	var rowBuf bytes.Buffer
	cw := csv.NewWriter(&rowBuf)
	cw.UseCRLF = eol == "\r\n"
	iIn, iCon, iVal := col["input_id"], col["concept_id"], col["value"]
	firstAt := make(map[int32]int64) // change -> source line of its first row
	differs := make(map[int32]bool)
	dopts := []dataset.Option{dataset.WithName(opts.Name), dataset.WithSoftValues(true)}
	seen := make(map[uint64]struct{}) // hashes of the distinct input ids
	defer func() {
		var ids idSum
		for h := range seen {
			ids.n++
			ids.sum += h
		}
		sum.Source = ids.source(opts.Name)
	}()
	for rows := 0; ; rows++ {
		if rows%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return sum, err
			}
		}
		start := raw.prev
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return fail(err)
		}
		end := cr.InputOffset()
		seen[fnv64a([]byte(rec[iIn]))] = struct{}{}
		ic := cs.byInput[rec[iIn]]
		if ic == nil {
			raw.prev = end
			continue
		}
		line, _ := cr.FieldPos(0)
		ic.seen = true
		var a dataset.Annotation
		decoded, rewrite := false, false
		for _, ci := range ic.idx {
			c := &cs.all[ci]
			if c.conceptID != rec[iCon] {
				continue
			}
			if !decoded {
				if a, err = dataset.CSVRow(rec, col, line, dopts...); err != nil {
					return sum, err
				}
				decoded = true
			}
			if a.AnnotatorKind == dataset.AnnotatorModel || a.AnnotatorKind == dataset.AnnotatorWorkflow {
				break // a score, not a label
			}
			if !c.hadOld {
				c.old, c.hadOld = a.Value, true
				firstAt[ci] = int64(line)
			}
			if a.Value != c.value {
				differs[ci] = true
				if opts.Force {
					rec[iVal] = string(appendValue(nil, c.value))
					rewrite = true
				}
			}
		}
		b := raw.record(end)
		if !rewrite {
			continue
		}
		// The row as csv writes it, after the blank lines before it,
		// without a line ending if it had none.
		blank := 0
		for blank < len(b) && (b[blank] == '\n' || b[blank] == '\r' && blank+1 < len(b) && b[blank+1] == '\n') {
			blank++
		}
		rowBuf.Reset()
		if err := cw.Write(rec); err != nil {
			return sum, err
		}
		cw.Flush()
		text := rowBuf.Bytes()
		if b[len(b)-1] != '\n' {
			text = bytes.TrimSuffix(text, []byte(eol))
		}
		raw.replace(start+int64(blank), text)
	}
	raw.flush()
	sum.Lines = raw.lines
	needEOL := raw.lastByte != '\n' && raw.lastByte != 0
	if needEOL {
		sum.Lines++
	}
	if err := cs.unknownInputs(&opts); err != nil {
		return sum, err
	}
	out := csv.NewWriter(bw)
	out.UseCRLF = cw.UseCRLF
	row := make([]string, len(header))
	for i := range cs.all {
		c := &cs.all[i]
		if !c.chosen {
			continue
		}
		ci := int32(i)
		switch {
		case !c.hadOld:
			c.state = ActionAdded
			if needEOL {
				out.Flush()
				bw.WriteString(eol)
				needEOL = false
			}
			csvRow(row, col, c, opts.Annotator)
			if err := out.Write(row); err != nil {
				return sum, err
			}
		case !differs[ci]:
			c.state = ActionPresent
		case opts.Force:
			c.state = ActionUpdated
		default:
			c.state = ActionRefused
		}
		sum.tally(c, &opts, firstAt[ci])
	}
	out.Flush()
	if err := out.Error(); err != nil {
		return sum, err
	}
	return sum, bw.Close()
}

// csvRow lays out a new annotation in the header's column order; row has
// one field per header column.
func csvRow(row []string, col map[string]int, c *change, annotator string) {
	clear(row)
	set := func(name, v string) {
		if i, ok := col[name]; ok {
			row[i] = v
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
}

// rawTee hands the source to encoding/csv and keeps the bytes it handed
// out until they are copied to w, so rows reach the output exactly as they
// were, in runs. It also enforces the loaders' line limit, which
// encoding/csv lacks.
type rawTee struct {
	r    io.Reader
	w    io.Writer
	max  int
	name string

	buf      []byte // source bytes from offset base on
	base     int64
	off      int64 // source bytes before off are in w
	prev     int64 // end of the last record read
	lines    int64 // line endings seen
	sinceEOL int   // bytes since the last line ending
	lastByte byte
	err      error // a line too long
}

func (t *rawTee) Read(p []byte) (int, error) {
	if t.err != nil {
		return 0, t.err
	}
	if t.prev-t.off > ioChunk {
		t.w.Write(t.buf[t.off-t.base : t.prev-t.base])
		t.off = t.prev
	}
	if k := int(t.off - t.base); k > len(t.buf)/2 && k > 1<<16 {
		t.buf = t.buf[:copy(t.buf, t.buf[k:])]
		t.base = t.off
	}
	n, err := t.r.Read(p)
	q := p[:n]
	if n > 0 {
		t.lastByte = q[n-1]
		for rest := q; ; {
			k := bytes.IndexByte(rest, '\n')
			if k < 0 {
				t.sinceEOL += len(rest)
			} else {
				t.sinceEOL += k
			}
			if t.sinceEOL > t.max+1 { // +1 for a CR
				t.err = toParseError(t.name, int(t.lines)+1, fmt.Errorf("%w: longer than %d bytes", dataset.ErrLineTooLong, t.max))
				return 0, t.err
			}
			if k < 0 {
				break
			}
			t.lines++
			t.sinceEOL = 0
			rest = rest[k+1:]
		}
		t.buf = append(t.buf, q...)
	}
	return n, err
}

// record returns the bytes of the record that ends at end (an input
// offset of the csv reader) and marks it read; blank lines before it are
// included. The slice is valid until the next Read.
func (t *rawTee) record(end int64) []byte {
	b := t.buf[t.prev-t.base : end-t.base]
	t.prev = end
	return b
}

// replace writes what precedes the record read last, then text in its
// place.
func (t *rawTee) replace(start int64, text []byte) {
	t.w.Write(t.buf[t.off-t.base : start-t.base])
	t.w.Write(text)
	t.off = t.prev
}

// flush copies the rest of what was read.
func (t *rawTee) flush() {
	t.w.Write(t.buf[t.off-t.base:])
	t.off = t.base + int64(len(t.buf))
	t.prev = t.off
}
