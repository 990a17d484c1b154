package dataset

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// csvDecoder reads the long form (input_id,concept_id,value with optional
// concept_name, annotator, annotator_kind, annotation_id columns) or an Open
// Images label file (ImageID,Source,LabelName,Confidence). Each row is one
// annotation.
type csvDecoder struct {
	r      *csv.Reader
	cfg    *config
	format Format
	col    map[string]int
	header bool
	line   int  // line where the record last read starts
	failed bool // the header was bad: nothing more can be read
}

func newCSVDecoder(br *bufio.Reader, cfg *config, f Format) (*csvDecoder, error) {
	if b, _ := br.Peek(3); bytes.Equal(b, bom) {
		_, _ = br.Discard(3)
	}
	return &csvDecoder{r: newCSVReader(newLineGuard(br, cfg)), cfg: cfg, format: f}, nil
}

// newCSVReader is the loaders' CSV grammar: encoding/csv's, the header
// fixing the number of fields.
func newCSVReader(r io.Reader) *csv.Reader {
	cr := csv.NewReader(r)
	cr.ReuseRecord = true
	cr.FieldsPerRecord = 0 // the header fixes the count
	return cr
}

func (d *csvDecoder) grouped() bool { return false }

func (d *csvDecoder) readHeader() error {
	rec, err := d.r.Read()
	if errors.Is(err, io.EOF) {
		return io.EOF
	}
	if err != nil {
		return d.csvErr(err)
	}
	if d.col, err = csvColumns(rec, d.format, d.cfg.name); err != nil {
		return err
	}
	d.header = true
	return nil
}

// csvColumns maps the header's column names to their indices.
func csvColumns(rec []string, f Format, name string) (map[string]int, error) {
	col := make(map[string]int, len(rec))
	for i, h := range rec {
		h = strings.TrimSpace(strings.TrimPrefix(h, "\xef\xbb\xbf"))
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

func (d *csvDecoder) csvErr(err error) error { return csvError(d.cfg.name, err) }

func csvError(name string, err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return &ParseError{File: name, Line: pe.Line, Err: fmt.Errorf("%w: %v", ErrSyntax, pe.Err)}
	}
	return err
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
	rec, err := d.r.Read()
	if err != nil {
		return d.csvErr(err)
	}
	line, _ := d.r.FieldPos(0)
	d.line = line
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

func parseCSVValue(s string, soft bool) (float32, error) {
	t := strings.TrimSpace(s)
	if t == "" {
		return 0, valueError("0 or 1", `""`)
	}
	f, err := strconv.ParseFloat(t, 64)
	if err != nil || strings.ContainsAny(t, "xXnN") { // no hex, NaN or Inf spellings
		return 0, valueError("0 or 1", strconv.Quote(s))
	}
	v, _, err := checkValue(f, s, soft)
	return v, err
}
