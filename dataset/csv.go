package dataset

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
)

// csvDecoder reads the long form (input_id,concept_id,value with optional
// concept_name, annotator, annotator_kind, annotation_id columns) or an Open
// Images label file (ImageID,Source,LabelName,Confidence). Each row is one
// annotation.
type csvDecoder struct {
	r      *csvScanner
	cfg    *config
	format Format
	col    map[string]int
	names  []string // by column: its header name ("" when unnamed)
	width  int      // the header's number of fields
	header bool
	line   int  // line where the record last read starts
	failed bool // the header was bad: nothing more can be read
}

func newCSVDecoder(br *bufio.Reader, cfg *config, f Format) (*csvDecoder, error) {
	if b, _ := br.Peek(3); bytes.Equal(b, bom) {
		_, _ = br.Discard(3)
	}
	return &csvDecoder{r: newCSVScanner(newLineReader(br, cfg.maxLineBytes)), cfg: cfg, format: f}, nil
}

// csvColumns maps a header's column names to their indices: a repeated
// name or a byte order mark inside it is an error, unnamed columns are
// ignored, and the format's required columns must be there.
func csvColumns(rec []string, f Format, name string) (map[string]int, error) {
	col := make(map[string]int, len(rec))
	for i, h := range rec {
		h = strings.TrimSpace(h)
		if strings.Contains(h, "\ufeff") {
			return nil, &ParseError{File: name, Line: 1, Field: h, Err: fmt.Errorf("%w: a byte order mark inside the header (files joined together?)", ErrSyntax)}
		}
		if h == "" {
			continue // an unnamed column (a spreadsheet's empty trailing ones): ignored
		}
		if j, dup := col[h]; dup {
			return nil, &ParseError{File: name, Line: 1, Field: h, Err: fmt.Errorf("%w: the header names %s twice (columns %d and %d)", ErrShape, quoteID(h), j+1, i+1)}
		}
		col[h] = i
	}
	required := []string{"input_id", "concept_id", "value"}
	if f == FormatOpenImages {
		required = []string{"ImageID", "LabelName", "Confidence"}
	}
	for _, c := range required {
		if _, ok := col[c]; !ok {
			return nil, &ParseError{File: name, Line: 1, Field: c, Err: fmt.Errorf("%w: header has no %q column", ErrShape, c)}
		}
	}
	return col, nil
}

func (d *csvDecoder) grouped() bool { return false }

// read scans the next record: its fields, or io.EOF at the end, a
// *ParseError for a bad record (reading may go on) or a read failure.
func (d *csvDecoder) read() ([]string, error) {
	if d.r.Scan() {
		return d.r.Fields(), nil
	}
	err := d.r.Err()
	switch {
	case err == nil:
		return nil, io.EOF
	case errors.Is(err, ErrSyntax), errors.Is(err, ErrLineTooLong):
		return nil, &ParseError{File: d.cfg.name, Line: d.r.Line(), Err: err}
	}
	return nil, err
}

func (d *csvDecoder) readHeader() error {
	rec, err := d.read()
	if err != nil {
		return err
	}
	d.width = len(rec)
	if d.col, err = csvColumns(rec, d.format, d.cfg.name); err != nil {
		return err
	}
	d.names = csvNames(d.col, len(rec))
	d.header = true
	return nil
}

// csvNames lists the header name of each of n columns ("" when unnamed).
func csvNames(col map[string]int, n int) []string {
	names := make([]string, n)
	for name, i := range col {
		if i < n {
			names[i] = name
		}
	}
	return names
}

// csvIDColumns are the columns that hold input or concept ids.
var csvIDColumns = map[string]bool{"input_id": true, "concept_id": true, "ImageID": true, "LabelName": true}

// checkCSVRow refuses a byte order mark inside a row (files joined
// together), text that is not UTF-8, and ids of white space only; names
// are the columns' header names (see csvNames).
func checkCSVRow(rec, names []string, line int, file string) error {
	for i, f := range rec {
		name := ""
		if i < len(names) {
			name = names[i]
		}
		var err error
		switch {
		case strings.Contains(f, "\ufeff"):
			err = fmt.Errorf("%w: a byte order mark inside a row (files joined together?)", ErrSyntax)
		case csvIDColumns[name]:
			err = checkID(f)
		default:
			err = checkText(f)
		}
		if err != nil {
			if name == "" {
				name = fmt.Sprintf("column %d", i+1)
			}
			return &ParseError{File: file, Line: line, Field: name, Err: err}
		}
	}
	return nil
}

func (d *csvDecoder) get(rec []string, name string) string { return csvGet(rec, d.col, name) }

func csvGet(rec []string, col map[string]int, name string) string {
	if i, ok := col[name]; ok && i < len(rec) {
		return rec[i]
	}
	return ""
}

func (d *csvDecoder) decode(in *Input) error {
	if d.failed {
		return io.EOF
	}
	if !d.header {
		if err := d.readHeader(); err != nil {
			d.failed = true
			return err
		}
	}
	rec, err := d.read()
	if err != nil {
		return err
	}
	line := d.r.Line()
	d.line = line
	if len(rec) != d.width {
		return &ParseError{File: d.cfg.name, Line: line, Err: fmt.Errorf("%w: wrong number of fields (%d, the header has %d)", ErrSyntax, len(rec), d.width)}
	}
	if err := checkCSVRow(rec, d.names, line, d.cfg.name); err != nil {
		return err
	}
	if d.format == FormatOpenImages {
		return d.openImages(rec, line, in)
	}
	a, err := csvLongForm(rec, d.col, line, d.cfg)
	if err != nil {
		return err
	}
	in.ID = a.InputID
	in.Annotations = append(in.Annotations, a)
	return nil
}

// csvLongForm decodes one row of the long form.
func csvLongForm(rec []string, col map[string]int, line int, cfg *config) (Annotation, error) {
	get := func(name string) string { return csvGet(rec, col, name) }
	a := Annotation{
		InputID:      get("input_id"),
		ConceptID:    get("concept_id"),
		ConceptName:  get("concept_name"),
		Annotator:    get("annotator"),
		AnnotationID: get("annotation_id"),
	}
	if a.InputID == "" {
		return a, &ParseError{File: cfg.name, Line: line, Field: "input_id", Err: fmt.Errorf("%w: empty", ErrShape)}
	}
	if a.ConceptID == "" {
		return a, &ParseError{File: cfg.name, Line: line, Field: "concept_id", Err: fmt.Errorf("%w: empty", ErrShape)}
	}
	if k := get("annotator_kind"); k != "" {
		kind, ok := ParseAnnotatorKind(k)
		if !ok {
			return a, &ParseError{File: cfg.name, Line: line, Field: "annotator_kind", Err: fmt.Errorf("%w: want user, model or workflow, got %q", ErrShape, k)}
		}
		a.AnnotatorKind = kind
	} else if a.Annotator != "" {
		a.AnnotatorKind = AnnotatorUser
	}
	soft := cfg.soft || a.AnnotatorKind == AnnotatorModel || a.AnnotatorKind == AnnotatorWorkflow
	v, err := parseCSVValue(get("value"), soft)
	if err != nil {
		return a, &ParseError{File: cfg.name, Line: line, Field: "value", Err: err}
	}
	a.Value = v
	return a, nil
}

// openImages maps one Open Images row: Confidence 1 is verified present, 0
// verified absent; rows from the "machine" source are model scores.
func (d *csvDecoder) openImages(rec []string, line int, in *Input) error {
	a := Annotation{
		InputID:   d.get(rec, "ImageID"),
		ConceptID: d.get(rec, "LabelName"),
		Annotator: d.get(rec, "Source"),
	}
	if a.InputID == "" {
		return &ParseError{File: d.cfg.name, Line: line, Field: "ImageID", Err: fmt.Errorf("%w: empty", ErrShape)}
	}
	if a.ConceptID == "" {
		return &ParseError{File: d.cfg.name, Line: line, Field: "LabelName", Err: fmt.Errorf("%w: empty", ErrShape)}
	}
	if a.Annotator != "" {
		a.AnnotatorKind = AnnotatorUser
		if a.Annotator == "machine" {
			a.AnnotatorKind = AnnotatorModel
		}
	}
	v, err := parseCSVValue(d.get(rec, "Confidence"), d.cfg.soft || a.AnnotatorKind == AnnotatorModel)
	if err != nil {
		return &ParseError{File: d.cfg.name, Line: line, Field: "Confidence", Err: err}
	}
	a.Value = v
	in.ID = a.InputID
	in.Kind = "image"
	in.Annotations = append(in.Annotations, a)
	return nil
}
