package dataset

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
)

// jsonInput is the Clarifai HTTP JSON shape of an input. A fresh value is
// decoded for every record, so no field can carry over from the one before.
type jsonInput struct {
	ID         string          `json:"id"`
	Data       *jsonData       `json:"data"`
	DatasetIDs []string        `json:"dataset_ids"`
	Annots     []jsonAnnot     `json:"annotations"`
	Status     json.RawMessage `json:"status"`
}

type jsonData struct {
	Image      *jsonMedia      `json:"image"`
	Video      *jsonMedia      `json:"video"`
	Audio      *jsonMedia      `json:"audio"`
	Text       *jsonMedia      `json:"text"`
	Concepts   []jsonConcept   `json:"concepts"`
	Metadata   json.RawMessage `json:"metadata"`
	Embeddings []struct {
		Vector []float64 `json:"vector"`
	} `json:"embeddings"`
}

type jsonMedia struct {
	URL string `json:"url"`
	Raw string `json:"raw"`
}

type jsonConcept struct {
	ID    *string         `json:"id"`
	Name  string          `json:"name"`
	Value json.RawMessage `json:"value"`
}

type jsonAnnot struct {
	ID             string    `json:"id"`
	InputID        string    `json:"input_id"`
	Data           *jsonData `json:"data"`
	UserID         string    `json:"user_id"`
	ModelVersionID string    `json:"model_version_id"`
	Worker         *struct {
		User *struct {
			ID string `json:"id"`
		} `json:"user"`
		Model *struct {
			ID string `json:"id"`
		} `json:"model"`
		Workflow *struct {
			ID string `json:"id"`
		} `json:"workflow"`
	} `json:"worker"`
}

// fieldError is a problem at a JSON path inside one record.
type fieldError struct {
	field string
	err   error
}

func (e *fieldError) Error() string { return e.field + ": " + e.err.Error() }
func (e *fieldError) Unwrap() error { return e.err }

// decodeInputJSON decodes one Clarifai input object into in. Annotation
// values are checked against the rules in cfg.
func decodeInputJSON(b []byte, in *Input, cfg *config) error {
	var j jsonInput
	if err := json.Unmarshal(b, &j); err != nil {
		return jsonFieldError(err)
	}
	if j.ID == "" {
		return &fieldError{"id", fmt.Errorf("%w: missing input id", ErrShape)}
	}
	in.ID = j.ID
	in.DatasetIDs = j.DatasetIDs
	if d := j.Data; d != nil {
		switch {
		case d.Image != nil:
			in.Kind, in.URL = "image", d.Image.URL
		case d.Text != nil:
			in.Kind, in.URL, in.Text = "text", d.Text.URL, d.Text.Raw
		case d.Video != nil:
			in.Kind, in.URL = "video", d.Video.URL
		case d.Audio != nil:
			in.Kind, in.URL = "audio", d.Audio.URL
		}
		if m := bytes.TrimSpace(d.Metadata); len(m) > 0 && !bytes.Equal(m, []byte("null")) {
			if m[0] != '{' {
				return &fieldError{"data.metadata", fmt.Errorf("%w: want an object", ErrShape)}
			}
			var buf bytes.Buffer
			if err := json.Compact(&buf, m); err != nil {
				return &fieldError{"data.metadata", fmt.Errorf("%w: %v", ErrSyntax, err)}
			}
			in.Metadata = buf.Bytes()
		}
		if len(d.Embeddings) > 0 && len(d.Embeddings[0].Vector) > 0 && cfg.embeddingDim >= 0 {
			v := d.Embeddings[0].Vector
			in.Embedding = make([]float32, len(v))
			for i, x := range v {
				in.Embedding[i] = float32(x)
			}
		}
		if err := appendConcepts(in, "data.concepts", d.Concepts, "", AnnotatorUnknown, "", cfg); err != nil {
			return err
		}
	}
	for i, a := range j.Annots {
		if a.InputID != "" && a.InputID != in.ID {
			return &fieldError{fmt.Sprintf("annotations[%d].input_id", i), fmt.Errorf("%w: %q is not the input's id %q", ErrShape, a.InputID, in.ID)}
		}
		who, kind := a.UserID, AnnotatorUser
		if a.ModelVersionID != "" {
			who, kind = a.ModelVersionID, AnnotatorModel
		}
		if w := a.Worker; w != nil {
			switch {
			case w.User != nil:
				who, kind = w.User.ID, AnnotatorUser
			case w.Model != nil:
				who, kind = w.Model.ID, AnnotatorModel
			case w.Workflow != nil:
				who, kind = w.Workflow.ID, AnnotatorWorkflow
			}
		}
		if who == "" {
			kind = AnnotatorUnknown
		}
		if a.Data == nil {
			continue
		}
		if err := appendConcepts(in, fmt.Sprintf("annotations[%d].data.concepts", i), a.Data.Concepts, a.ID, kind, who, cfg); err != nil {
			return err
		}
	}
	return nil
}

func appendConcepts(in *Input, path string, cs []jsonConcept, annID string, kind AnnotatorKind, who string, cfg *config) error {
	for i, c := range cs {
		if c.ID == nil || *c.ID == "" {
			return &fieldError{fmt.Sprintf("%s[%d].id", path, i), fmt.Errorf("%w: missing concept id", ErrShape)}
		}
		// Model output carries scores, not labels: any value in [0,1].
		soft := cfg.soft || kind == AnnotatorModel || kind == AnnotatorWorkflow
		v, src, err := parseJSONValue(c.Value, cfg.strict, soft)
		if err != nil {
			return &fieldError{fmt.Sprintf("%s[%d].value", path, i), err}
		}
		in.Annotations = append(in.Annotations, Annotation{
			InputID: in.ID, ConceptID: *c.ID, ConceptName: c.Name, Value: v, Source: src,
			AnnotationID: annID, Annotator: who, AnnotatorKind: kind,
		})
	}
	return nil
}

// parseJSONValue applies Clarifai's HTTP rule: an omitted (or null) value
// is a positive.
func parseJSONValue(raw json.RawMessage, strict, soft bool) (float32, ValueSource, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		if strict {
			return 0, 0, ErrImplicitValue
		}
		return Positive, ValueHTTPDefault, nil
	}
	if raw[0] != '-' && (raw[0] < '0' || raw[0] > '9') {
		return 0, 0, valueError("0 or 1", string(raw))
	}
	f, err := strconv.ParseFloat(string(raw), 64)
	if err != nil {
		return 0, 0, valueError("0 or 1", string(raw))
	}
	return checkValue(f, string(raw), soft)
}

// checkValue enforces 0 or 1 (or [0,1] when soft).
func checkValue(f float64, text string, soft bool) (float32, ValueSource, error) {
	switch {
	case math.IsNaN(f):
		return 0, 0, valueError("0 or 1", text)
	case f == 0 || f == 1:
		return float32(f), ValueExplicit, nil
	case soft && f >= 0 && f <= 1:
		return float32(f), ValueExplicit, nil
	case soft:
		return 0, 0, valueError("a value from 0 to 1", text)
	}
	return 0, 0, valueError("0 or 1", strconv.Quote(text))
}

// jsonFieldError turns encoding/json's errors into a fieldError.
func jsonFieldError(err error) error {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return &fieldError{te.Field, fmt.Errorf("%w: want %s, got %s", ErrShape, jsonTypeName(te.Type), te.Value)}
	}
	return &fieldError{"", fmt.Errorf("%w: %v", ErrSyntax, err)}
}

// jsonlDecoder reads one input per line; blank lines are skipped.
type jsonlDecoder struct {
	lines *lineReader
	cfg   *config
}

func newJSONLDecoder(br *bufio.Reader, cfg *config) *jsonlDecoder {
	return &jsonlDecoder{lines: newLineReader(br, cfg.maxLineBytes), cfg: cfg}
}

func (d *jsonlDecoder) grouped() bool { return true }

func (d *jsonlDecoder) decode(in *Input) error {
	for {
		line, err := d.lines.next()
		if errors.Is(err, ErrLineTooLong) {
			return &ParseError{File: d.cfg.name, Line: d.lines.line, Err: err}
		}
		if err != nil {
			return err
		}
		if d.lines.line == 1 {
			line = bytes.TrimPrefix(line, []byte("\xef\xbb\xbf"))
		}
		if isBlank(line) {
			continue
		}
		if err := decodeInputJSON(line, in, d.cfg); err != nil {
			return toParseError(d.cfg.name, d.lines.line, err)
		}
		return nil
	}
}

func toParseError(name string, line int, err error) *ParseError {
	var fe *fieldError
	if errors.As(err, &fe) {
		return &ParseError{File: name, Line: line, Field: fe.field, Err: fe.err}
	}
	return &ParseError{File: name, Line: line, Err: err}
}

// jsonDecoder reads an array of inputs, or a {"inputs":[…]} response,
// one element at a time.
type jsonDecoder struct {
	t       *lineTracker
	dec     *json.Decoder
	cfg     *config
	started bool
	ended   bool
	line    int  // line of the element last decoded
	object  bool // the array sits in a {"inputs":[…]} object
}

func newJSONDecoder(br *bufio.Reader, cfg *config) *jsonDecoder {
	if b, _ := br.Peek(3); bytes.Equal(b, bom) {
		_, _ = br.Discard(3)
	}
	t := &lineTracker{r: br, max: cfg.maxLineBytes}
	dec := json.NewDecoder(t)
	dec.UseNumber()
	return &jsonDecoder{t: t, dec: dec, cfg: cfg}
}

func (d *jsonDecoder) grouped() bool { return true }

func (d *jsonDecoder) errAt(err error) *ParseError {
	return toParseError(d.cfg.name, d.t.lineAt(d.dec.InputOffset()), err)
}

// start consumes everything up to the first element of the inputs array.
func (d *jsonDecoder) start() error {
	tok, err := d.dec.Token()
	if errors.Is(err, io.EOF) {
		d.ended = true
		return nil
	}
	if err != nil {
		return d.errAt(fmt.Errorf("%w: %v", ErrSyntax, err))
	}
	switch tok {
	case json.Delim('['):
		return nil
	case json.Delim('{'):
		for d.dec.More() {
			key, err := d.dec.Token()
			if err != nil {
				return d.errAt(fmt.Errorf("%w: %v", ErrSyntax, err))
			}
			if key == "inputs" {
				tok, err := d.dec.Token()
				if err != nil || tok != json.Delim('[') {
					return d.errAt(&fieldError{"inputs", fmt.Errorf("%w: want an array", ErrShape)})
				}
				d.object = true
				return nil
			}
			var skip json.RawMessage
			if err := d.dec.Decode(&skip); err != nil {
				return d.errAt(fmt.Errorf("%w: %v", ErrSyntax, err))
			}
		}
		d.ended = true // an object without "inputs": no inputs
		return nil
	}
	return d.errAt(fmt.Errorf("%w: want an array of inputs or an object with \"inputs\"", ErrShape))
}

func (d *jsonDecoder) decode(in *Input) error {
	if !d.started {
		d.started = true
		if err := d.start(); err != nil {
			d.ended = true
			return err
		}
	}
	if d.ended {
		return io.EOF
	}
	if !d.dec.More() {
		d.ended = true
		return d.finish()
	}
	line := d.t.lineAt(d.dec.InputOffset())
	d.line = line
	var raw json.RawMessage
	if err := d.dec.Decode(&raw); err != nil {
		d.ended = true // the stream cannot be resynchronised
		return d.streamError(line, err)
	}
	if len(raw) > d.cfg.maxLineBytes {
		return &ParseError{File: d.cfg.name, Line: line, Err: fmt.Errorf("%w: an element is longer than %d bytes", ErrLineTooLong, d.cfg.maxLineBytes)}
	}
	if err := decodeInputJSON(raw, in, d.cfg); err != nil {
		return toParseError(d.cfg.name, line+errLineOffset(raw, err, new(jsonInput)), err)
	}
	return nil
}

// lineTracker counts lines in what a json.Decoder has consumed. It keeps
// only the bytes read but not yet accounted for.
type lineTracker struct {
	r     io.Reader
	max   int // longest element accepted (0: no limit)
	hist  []byte
	base  int64 // stream offset of hist[0]
	lines int   // newlines before base
}

func (t *lineTracker) Read(p []byte) (int, error) {
	// Small reads bound the decoder's read-ahead, so that hist (the
	// current element and what follows it) measures the element.
	if len(p) > trackerReadSize {
		p = p[:trackerReadSize]
	}
	n, err := t.r.Read(p)
	t.hist = append(t.hist, p[:n]...)
	if t.max > 0 && len(t.hist) > t.max+2*trackerReadSize {
		return n, fmt.Errorf("%w: an element is longer than %d bytes", ErrLineTooLong, t.max)
	}
	return n, err
}

// lineAt returns the 1-based line of the first non-space byte at or after
// off, and forgets everything before off.
func (t *lineTracker) lineAt(off int64) int {
	k := int(off - t.base)
	if k < 0 {
		k = 0
	}
	if k > len(t.hist) {
		k = len(t.hist)
	}
	t.lines += bytes.Count(t.hist[:k], []byte{'\n'})
	t.hist = append(t.hist[:0], t.hist[k:]...)
	t.base += int64(k)
	line := t.lines + 1
	for _, c := range t.hist {
		if c == '\n' {
			line++
		} else if c != ' ' && c != '\t' && c != '\r' && c != ',' {
			break
		}
	}
	return line
}
