package dataset

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
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
		User     *jsonRef `json:"user"`
		Model    *jsonRef `json:"model"`
		Workflow *jsonRef `json:"workflow"`
	} `json:"worker"`
}

// jsonRef is a reference to a user, model or workflow: {"id":"…"}.
type jsonRef struct {
	ID string `json:"id"`
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
	ids := &idCheck{raw: b}
	if err := ids.check(j.ID, true, func() string { return "id" }); err != nil {
		return err
	}
	for i, d := range j.DatasetIDs {
		if err := ids.check(d, false, func() string { return fmt.Sprintf("dataset_ids[%d]", i) }); err != nil {
			return err
		}
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
		if err := appendConcepts(in, "data.concepts", d.Concepts, "", AnnotatorUnknown, "", cfg, ids); err != nil {
			return err
		}
	}
	for i, a := range j.Annots {
		if err := annotationIDs(ids, i, &a); err != nil {
			return err
		}
		if a.InputID != "" && a.InputID != in.ID {
			return &fieldError{fmt.Sprintf("annotations[%d].input_id", i), fmt.Errorf("%w: %s is not the input's id %s", ErrShape, quoteID(a.InputID), quoteID(in.ID))}
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
		if err := appendConcepts(in, fmt.Sprintf("annotations[%d].data.concepts", i), a.Data.Concepts, a.ID, kind, who, cfg, ids); err != nil {
			return err
		}
	}
	return nil
}

// annotationIDs checks the ids of annotations[i].
func annotationIDs(ids *idCheck, i int, a *jsonAnnot) error {
	for _, f := range [...]struct{ name, v string }{
		{"id", a.ID}, {"input_id", a.InputID}, {"user_id", a.UserID}, {"model_version_id", a.ModelVersionID},
	} {
		if err := ids.check(f.v, false, func() string { return fmt.Sprintf("annotations[%d].%s", i, f.name) }); err != nil {
			return err
		}
	}
	if w := a.Worker; w != nil {
		for _, f := range [...]struct {
			name string
			v    *jsonRef
		}{{"user", w.User}, {"model", w.Model}, {"workflow", w.Workflow}} {
			if f.v == nil {
				continue
			}
			if err := ids.check(f.v.ID, false, func() string { return fmt.Sprintf("annotations[%d].worker.%s.id", i, f.name) }); err != nil {
				return err
			}
		}
	}
	return nil
}

func appendConcepts(in *Input, path string, cs []jsonConcept, annID string, kind AnnotatorKind, who string, cfg *config, ids *idCheck) error {
	for i, c := range cs {
		if c.ID == nil || *c.ID == "" {
			return &fieldError{fmt.Sprintf("%s[%d].id", path, i), fmt.Errorf("%w: missing concept id", ErrShape)}
		}
		if err := ids.check(*c.ID, true, func() string { return fmt.Sprintf("%s[%d].id", path, i) }); err != nil {
			return err
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

// jsonFieldError turns encoding/json's errors into a fieldError.
func jsonFieldError(err error) error {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return &fieldError{te.Field, fmt.Errorf("%w: want %s, got %s", ErrShape, jsonTypeName(te.Type), jsonValueName(te.Value))}
	}
	return &fieldError{"", fmt.Errorf("%w: %s", ErrSyntax, strings.TrimPrefix(err.Error(), "json: "))}
}

// jsonValueName turns encoding/json's name of a JSON value ("number",
// "number 5", "bool") into words: a number, the number 5, a boolean.
func jsonValueName(v string) string {
	switch {
	case v == "array" || v == "object":
		return "an " + v
	case v == "bool":
		return "a boolean"
	case v == "string" || v == "number":
		return "a " + v
	case strings.HasPrefix(v, "number "):
		return "the " + v
	}
	return v
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
// or a search response {"hits":[{"input":{…}},…]}, one element at a time.
// A response's status must report success.
type jsonDecoder struct {
	t       *lineTracker
	dec     *json.Decoder
	cfg     *config
	started bool
	ended   bool
	line    int      // line of the element last decoded
	object  bool     // the array sits in a response object
	lists   []string // the members of a response that may hold the array
	list    string   // the one that does ("inputs", "hits")
}

func newJSONDecoder(br *bufio.Reader, cfg *config) *jsonDecoder {
	if b, _ := br.Peek(3); bytes.Equal(b, bom) {
		_, _ = br.Discard(3)
	}
	t := &lineTracker{r: br, max: cfg.maxLineBytes}
	dec := json.NewDecoder(t)
	dec.UseNumber()
	return &jsonDecoder{t: t, dec: dec, cfg: cfg, lists: inputLists}
}

func (d *jsonDecoder) grouped() bool { return true }

func (d *jsonDecoder) errAt(err error) *ParseError {
	return toParseError(d.cfg.name, d.t.lineAt(d.dec.InputOffset()), err)
}

// inputLists are the members of a response object that hold inputs.
var inputLists = []string{"inputs", "hits"}

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
		d.object = true
		found, err := d.members(d.lists)
		if err != nil || !found {
			// An object without "inputs" (a list response with no
			// inputs leaves it out): no inputs, once the rest is checked.
			d.ended = true
			if err == nil {
				err = d.finishStream()
			}
			if errors.Is(err, io.EOF) {
				err = nil
			}
			return err
		}
		return nil
	}
	return d.errAt(fmt.Errorf("%w: want an array of inputs or an object with \"inputs\"", ErrShape))
}

// members reads the members of a response object. At the first of lists
// it consumes the array's '[' and reports true, remembering the key in
// d.list; when one was read before, that key is an error (a second array
// would be dropped). A "status" must report success; other members are
// skipped. At the end of the object it consumes the '}' and reports false.
func (d *jsonDecoder) members(lists []string) (bool, error) {
	for d.dec.More() {
		tok, err := d.dec.Token()
		if err != nil {
			return false, d.endError(err)
		}
		key, _ := tok.(string)
		if slices.Contains(lists, key) {
			if d.list != "" {
				what := fmt.Sprintf("a second %q", key)
				if key != d.list {
					what = fmt.Sprintf("both %q and %q", d.list, key)
				}
				return false, d.errAt(&fieldError{key, fmt.Errorf("%w: the response has %s; reading one would drop the other", ErrShape, what)})
			}
			if tok, err := d.dec.Token(); err != nil || tok != json.Delim('[') {
				return false, d.errAt(&fieldError{key, fmt.Errorf("%w: want an array", ErrShape)})
			}
			d.list = key
			return true, nil
		}
		line := d.t.lineAt(d.dec.InputOffset())
		var raw json.RawMessage
		if err := d.dec.Decode(&raw); err != nil {
			return false, d.endError(err)
		}
		if key == "status" {
			if err := checkStatus(raw); err != nil {
				return false, toParseError(d.cfg.name, line, err)
			}
		}
	}
	if _, err := d.dec.Token(); err != nil { // the '}'
		return false, d.endError(err)
	}
	return false, nil
}

// checkStatus refuses a Clarifai status that reports anything but
// success (code 10000, written as a number or as "SUCCESS").
func checkStatus(raw json.RawMessage) error {
	var st struct {
		Code        json.RawMessage `json:"code"`
		Description string          `json:"description"`
		Details     string          `json:"details"`
	}
	if err := json.Unmarshal(raw, &st); err != nil {
		return &fieldError{"status", fmt.Errorf("%w: want an object with a code", ErrShape)}
	}
	code := string(bytes.TrimSpace(st.Code))
	switch code {
	case "", "null", "10000", `"SUCCESS"`:
		return nil
	}
	msg := "code " + strings.Trim(code, `"`)
	for _, s := range []string{st.Description, st.Details} {
		if s != "" {
			msg += ": " + strconv.Quote(s)
		}
	}
	return &fieldError{"status", fmt.Errorf("%w: the response reports %s, so it holds no complete list", ErrStatus, msg)}
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
	prefix := ""
	if d.list == "hits" {
		// A search hit: {"score":…,"input":{…}}.
		var hit struct {
			Input json.RawMessage `json:"input"`
		}
		if err := json.Unmarshal(raw, &hit); err != nil {
			return toParseError(d.cfg.name, line, jsonFieldError(err))
		}
		if len(hit.Input) == 0 || string(hit.Input) == "null" {
			return &ParseError{File: d.cfg.name, Line: line, Field: "input", Err: fmt.Errorf("%w: a search hit without an input", ErrShape)}
		}
		if off := locate(raw, "input"); off > 0 {
			line += bytes.Count(raw[:off], []byte{'\n'})
		}
		raw, prefix = hit.Input, "input."
	}
	if err := decodeInputJSON(raw, in, d.cfg); err != nil {
		pe := toParseError(d.cfg.name, line+errLineOffset(raw, err, new(jsonInput)), err)
		if prefix != "" {
			pe.Field = strings.TrimSuffix(prefix+pe.Field, ".")
		}
		return pe
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
