package dataset

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"sync"
)

// The loaders' own reading of lines, values and formats, for packages that
// edit a source in place (curate.dev/writeback): an editor must read a
// file exactly as the loaders will read it afterwards, so it calls these
// rather than keeping copies of the rules.

// DetectFormat recognises the format of br from its first bytes, without
// consuming them, as [NewReader] does when no [WithFormat] is given.
func DetectFormat(br *bufio.Reader) (Format, error) { return sniff(br) }

// ParseJSONValue reads a concept's "value" as the JSON loaders do: raw is
// its JSON text, empty when the key is absent. An omitted or null value is
// a positive from Clarifai's HTTP default ([ValueHTTPDefault]) unless
// strict, which makes it an error wrapping [ErrImplicitValue]; soft allows
// any value in [0, 1]. Other values are errors wrapping [ErrValue].
func ParseJSONValue(raw []byte, strict, soft bool) (float32, ValueSource, error) {
	return parseJSONValue(raw, strict, soft)
}

// ParseCSVValue reads a CSV value field as the CSV loader does (soft: any
// value in [0, 1]). A bad value is an error wrapping [ErrValue].
func ParseCSVValue(s string, soft bool) (float32, error) { return parseCSVValue(s, soft) }

// NewCSVReader returns an encoding/csv Reader with the CSV loader's
// grammar: strict quoting, the header fixing the number of fields, the
// record's slice reused by the next Read. Turn its errors into the
// loader's with [CSVError].
func NewCSVReader(r io.Reader) *csv.Reader {
	// csvScanner, which the loader reads with, follows encoding/csv's
	// grammar exactly (a differential fuzz target holds the two together).
	cr := csv.NewReader(r)
	cr.ReuseRecord = true
	cr.FieldsPerRecord = 0 // the header fixes the count
	return cr
}

// CSVError turns an error of a reader from [NewCSVReader] into the
// loader's [*ParseError] for the file name (wrapping [ErrSyntax]); other
// errors are returned as they are.
func CSVError(name string, err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return &ParseError{File: name, Line: pe.Line, Err: fmt.Errorf("%w: %v", ErrSyntax, pe.Err)}
	}
	return err
}

// CSVHeader maps the column names of a long-form header (input_id,
// concept_id, value, …) to their indices as the CSV loader does; a header
// without one of the three required columns is a [*ParseError].
func CSVHeader(header []string, name string) (map[string]int, error) {
	return csvColumns(header, FormatCSV, name)
}

// CSVRow decodes one long-form row, whose columns header maps (see
// [CSVHeader]), into the annotation the CSV loader reads from it. line
// places errors; [WithName] and [WithSoftValues] apply.
func CSVRow(rec []string, header map[string]int, line int, opts ...Option) (Annotation, error) {
	cfg := defaultConfig()
	for _, o := range opts {
		o(&cfg)
	}
	if err := checkCSVRow(rec, csvNames(header, len(rec)), line, cfg.name); err != nil {
		return Annotation{}, err
	}
	return csvLongForm(rec, header, line, &cfg)
}

// LineAnnotations decodes one Clarifai input object (a JSONL line) as the
// JSON loaders do, with the same fast path and reference decoder, key
// matching, null handling and value rules, and appends the annotations
// they read from it to dst, in the loader's order: data.concepts, then
// each element of "annotations". It returns the input's id. A problem is
// a [*ParseError] naming line and the field. [WithName], [WithSoftValues]
// and [WithStrictValues] apply.
func LineAnnotations(dst []Annotation, b []byte, line int, opts ...Option) (string, []Annotation, error) {
	cfg := defaultConfig()
	for _, o := range opts {
		o(&cfg)
	}
	p := linePool.Get().(*fastParser)
	defer linePool.Put(p)
	p.soft, p.strict = cfg.soft, cfg.strict
	if p.parseLine(b) {
		id := string(p.id)
		add := func(c *fastConcept, a *fastAnnot) {
			ann := Annotation{InputID: id, ConceptID: string(c.id), ConceptName: string(c.name), Value: c.value, Source: c.src}
			if a != nil {
				ann.AnnotationID, ann.Annotator, ann.AnnotatorKind = string(a.id), string(a.who), a.kind
			}
			dst = append(dst, ann)
		}
		for i := range p.concepts { // the order of fastParser.emit
			if c := &p.concepts[i]; c.ann < 0 {
				add(c, nil)
			}
		}
		for j := range p.annots {
			for i := range p.concepts {
				if c := &p.concepts[i]; c.ann == j {
					add(c, &p.annots[j])
				}
			}
		}
		return id, dst, nil
	}
	var in Input
	in.Annotations = dst
	if err := decodeInputJSON(b, &in, &cfg); err != nil {
		return "", dst, toParseError(cfg.name, line, err)
	}
	return in.ID, in.Annotations, nil
}

// EachLineAnnotation is [LineAnnotations] without the copies: it calls fn
// for each annotation the loaders read from one JSONL line, in their
// order, with its concept id, value and annotator kind, and returns the
// input's id. conceptID is valid only during the call.
func EachLineAnnotation(b []byte, line int, fn func(conceptID []byte, value float32, kind AnnotatorKind), opts ...Option) (string, error) {
	cfg := defaultConfig()
	for _, o := range opts {
		o(&cfg)
	}
	p := linePool.Get().(*fastParser)
	defer linePool.Put(p)
	p.soft, p.strict = cfg.soft, cfg.strict
	if p.parseLine(b) {
		id := string(p.id)
		for i := range p.concepts { // the order of fastParser.emit
			if c := &p.concepts[i]; c.ann < 0 {
				fn(c.id, c.value, AnnotatorUnknown)
			}
		}
		for j := range p.annots {
			for i := range p.concepts {
				if c := &p.concepts[i]; c.ann == j {
					fn(c.id, c.value, p.annots[j].kind)
				}
			}
		}
		return id, nil
	}
	var in Input
	if err := decodeInputJSON(b, &in, &cfg); err != nil {
		return "", toParseError(cfg.name, line, err)
	}
	for _, a := range in.Annotations {
		fn([]byte(a.ConceptID), a.Value, a.AnnotatorKind)
	}
	return in.ID, nil
}

var linePool = sync.Pool{New: func() any { return new(fastParser) }}
