package dataset

// The fast JSONL path reads the common shape of a Clarifai input line
// straight into an [annBatch] without building an [Input]:
//
//	{"id":"…","data":{"image":{"url":"…"},"concepts":[{"id":"…","name":"…","value":1},…],
//	 "metadata":{…},"embeddings":[{"vector":[…]}]},"dataset_ids":["…"],"status":{…}}
//
// Media, metadata, embeddings and dataset ids are checked for the shape the
// reference decoder accepts, and kept for the inputs table when it is read
// (fastParser.inputs); otherwise skipped. Anything else — string
// escapes, a null where an object is expected, an upper-case or non-ASCII
// key (encoding/json matches keys case-insensitively), a repeated key, an
// value the value rules reject, any syntax error — makes
// parseLine return false, and the caller decodes the line with the
// reference decoder (decodeInputJSON), which also produces every error. So
// the fast path never decides anything the reference decoder would decide
// differently.

// fastConcept is one concept of the line being parsed. Each concept starts
// from the zero value: nothing carries over from the concept before.
type fastConcept struct {
	id, name []byte
	hasID    bool
	value    float32
	src      ValueSource
	raw      []byte // a value other than 0, 1 or null, checked at the end
	ann      int    // index into annots; -1 for data.concepts
}

// fastAnnot is one element of the input's "annotations" list.
type fastAnnot struct {
	id, inputID, userID, modelVersionID []byte
	user, model, workflow               []byte
	hasUser, hasModel, hasWorkflow      bool
	who                                 []byte
	kind                                AnnotatorKind
}

// fastParser holds the scratch state of the fast path; it is reset for
// every line and reused to avoid allocation.
type fastParser struct {
	s        []byte
	i        int
	strict   bool
	soft     bool
	id       []byte
	hasID    bool
	concepts []fastConcept
	annots   []fastAnnot
	curAnn   int // annotation whose data is being parsed; -1: the input's data

	// What the inputs table needs, kept only when inputs is set; all are
	// slices of the line but emb.
	inputs  bool
	embOn   bool // keep embedding values (inputs on, dimension not -1)
	med     [4]fastMedia
	meta    []byte // compact JSON; nil when none
	ds      [][]byte
	emb     []float32
	metaBuf []byte
}

// fastMedia is one of data.image, video, audio, text.
type fastMedia struct {
	has      bool
	url, raw []byte
}

const (
	mediaImage = iota
	mediaVideo
	mediaAudio
	mediaText
)

const maxFastDepth = 64

// parseLine parses one line (without its line ending). It reports false
// when the line is not in the common shape; nothing is kept then.
func (p *fastParser) parseLine(line []byte) bool {
	p.s, p.i = line, 0
	p.id, p.hasID = nil, false
	p.concepts = p.concepts[:0]
	p.annots = p.annots[:0]
	p.curAnn = -1
	if p.inputs {
		p.med = [4]fastMedia{}
		p.meta = nil
		p.ds = p.ds[:0]
		p.emb = p.emb[:0]
	}
	p.ws()
	if !p.eat('{') {
		return false
	}
	var seen uint
	ok := p.object(func(key []byte) bool {
		var bit uint
		switch string(key) {
		case "id":
			bit = 1
			s, ok := p.str()
			p.id, p.hasID = s, ok
			if !ok {
				return false
			}
		case "data":
			bit = 2
			if !p.eat('{') {
				return false
			}
			if !p.data() {
				return false
			}
		case "dataset_ids":
			bit = 4
			if !p.eat('[') {
				return false
			}
			if !p.array(func() bool {
				v, ok := p.str()
				if ok && p.inputs {
					p.ds = append(p.ds, v)
				}
				return ok
			}) {
				return false
			}
		case "annotations":
			bit = 8
			if !p.eat('[') {
				return false
			}
			if !p.array(p.annotation) {
				return false
			}
		case "status":
			bit = 16
			if !p.skip(1) {
				return false
			}
		default:
			return p.otherKey(key) && p.skip(1)
		}
		if seen&bit != 0 {
			return false
		}
		seen |= bit
		return true
	})
	if !ok {
		return false
	}
	p.ws()
	if p.i != len(p.s) || !p.hasID || len(p.id) == 0 || blankBytes(p.id) {
		return false
	}
	// The checks the reference decoder makes after decoding, in any order:
	// a failure here means it reports an error.
	for i := range p.annots {
		a := &p.annots[i]
		if len(a.inputID) > 0 && string(a.inputID) != string(p.id) {
			return false
		}
		a.who, a.kind = a.userID, AnnotatorUser
		if len(a.modelVersionID) > 0 {
			a.who, a.kind = a.modelVersionID, AnnotatorModel
		}
		switch {
		case a.hasUser:
			a.who, a.kind = a.user, AnnotatorUser
		case a.hasModel:
			a.who, a.kind = a.model, AnnotatorModel
		case a.hasWorkflow:
			a.who, a.kind = a.workflow, AnnotatorWorkflow
		}
		if len(a.who) == 0 {
			a.kind = AnnotatorUnknown
		}
	}
	for i := range p.concepts {
		c := &p.concepts[i]
		if !c.hasID || len(c.id) == 0 || blankBytes(c.id) {
			return false // the reference decoder reports it
		}
		if c.raw != nil {
			// Model output carries scores, not labels: any value in [0,1].
			soft := p.soft
			if c.ann >= 0 {
				k := p.annots[c.ann].kind
				soft = soft || k == AnnotatorModel || k == AnnotatorWorkflow
			}
			v, src, err := parseJSONValue(c.raw, p.strict, soft)
			if err != nil {
				return false
			}
			c.value, c.src = v, src
		}
	}
	return true
}

// emit appends the parsed line's rows to batch in the reference order:
// the input's concepts, then each annotation's.
func (p *fastParser) emit(batch *annBatch, input int32) {
	for i := range p.concepts {
		if c := &p.concepts[i]; c.ann < 0 {
			batch.addConcept(input, c.id, c.name, c.value, c.src)
		}
	}
	if len(p.annots) == 0 {
		return
	}
	for j := range p.annots {
		a := &p.annots[j]
		for i := range p.concepts {
			if c := &p.concepts[i]; c.ann == j {
				batch.addAnnotated(input, c, a.id, a.who, a.kind)
			}
		}
	}
}

// annotation parses one element of "annotations".
func (p *fastParser) annotation() bool {
	if !p.eat('{') {
		return false
	}
	p.annots = append(p.annots, fastAnnot{})
	idx := len(p.annots) - 1
	var seen uint
	return p.object(func(key []byte) bool {
		a := &p.annots[idx] // data may grow nothing here, but stay safe
		var bit uint
		var dst *[]byte
		switch string(key) {
		case "id":
			bit, dst = 1, &a.id
		case "input_id":
			bit, dst = 2, &a.inputID
		case "user_id":
			bit, dst = 4, &a.userID
		case "model_version_id":
			bit, dst = 8, &a.modelVersionID
		case "worker":
			bit = 16
			if !p.eat('{') || !p.worker(idx) {
				return false
			}
		case "data":
			bit = 32
			if !p.eat('{') {
				return false
			}
			p.curAnn = idx
			ok := p.data()
			p.curAnn = -1
			if !ok {
				return false
			}
		default:
			return p.otherKey(key) && p.skip(3)
		}
		if seen&bit != 0 {
			return false
		}
		seen |= bit
		if dst != nil {
			v, ok := p.str()
			if !ok {
				return false
			}
			*dst = v
		}
		return true
	})
}

// worker parses {"user":{"id":…}} (or model, workflow) after its brace.
func (p *fastParser) worker(idx int) bool {
	var seen uint
	return p.object(func(key []byte) bool {
		a := &p.annots[idx]
		var bit uint
		var id *[]byte
		var has *bool
		switch string(key) {
		case "user":
			bit, id, has = 1, &a.user, &a.hasUser
		case "model":
			bit, id, has = 2, &a.model, &a.hasModel
		case "workflow":
			bit, id, has = 4, &a.workflow, &a.hasWorkflow
		default:
			return p.otherKey(key) && p.skip(4)
		}
		if seen&bit != 0 || !p.eat('{') {
			return false
		}
		seen |= bit
		*has = true
		var idSeen bool
		return p.object(func(key []byte) bool {
			if string(key) != "id" {
				return p.otherKey(key) && p.skip(5)
			}
			if idSeen {
				return false
			}
			idSeen = true
			v, ok := p.str()
			*id = v
			return ok
		})
	})
}

// data parses the object after "data":{.
func (p *fastParser) data() bool {
	var seen uint
	return p.object(func(key []byte) bool {
		var bit uint
		switch string(key) {
		case "image":
			bit = 1
			if !p.media(mediaImage) {
				return false
			}
		case "video":
			bit = 2
			if !p.media(mediaVideo) {
				return false
			}
		case "audio":
			bit = 4
			if !p.media(mediaAudio) {
				return false
			}
		case "text":
			bit = 8
			if !p.media(mediaText) {
				return false
			}
		case "concepts":
			bit = 16
			if !p.eat('[') {
				return false
			}
			if !p.array(p.concept) {
				return false
			}
		case "metadata":
			bit = 32
			p.ws()
			if p.i >= len(p.s) || p.s[p.i] != '{' {
				return false
			}
			start := p.i
			if !p.skip(1) {
				return false
			}
			if p.inputs && p.curAnn < 0 {
				p.meta = p.compact(p.s[start:p.i])
			}
		case "embeddings":
			bit = 64
			if !p.eat('[') {
				return false
			}
			first := p.embOn && p.curAnn < 0
			if !p.array(func() bool {
				ok := p.embedding(first)
				first = false
				return ok
			}) {
				return false
			}
		default:
			return p.otherKey(key) && p.skip(2)
		}
		if seen&bit != 0 {
			return false
		}
		seen |= bit
		return true
	})
}

// media parses {"url":"…","raw":"…"}.
func (p *fastParser) media(kind int) bool {
	if !p.eat('{') {
		return false
	}
	keep := p.inputs && p.curAnn < 0
	if keep {
		p.med[kind].has = true
	}
	var seen uint
	return p.object(func(key []byte) bool {
		var bit uint
		switch string(key) {
		case "url":
			bit = 1
		case "raw":
			bit = 2
		default:
			return p.otherKey(key) && p.skip(3)
		}
		if seen&bit != 0 {
			return false
		}
		seen |= bit
		v, ok := p.str()
		if keep {
			if bit == 1 {
				p.med[kind].url = v
			} else {
				p.med[kind].raw = v
			}
		}
		return ok
	})
}

// embedding parses {"vector":[numbers]}, keeping the values when keep is
// set (the first element of the input's embeddings).
func (p *fastParser) embedding(keep bool) bool {
	if !p.eat('{') {
		return false
	}
	seen := false
	return p.object(func(key []byte) bool {
		if string(key) != "vector" {
			return p.otherKey(key) && p.skip(3)
		}
		if seen || !p.eat('[') {
			return false
		}
		seen = true
		return p.array(func() bool {
			raw, plain, ok := p.number()
			if !ok || !plain {
				return false
			}
			if keep {
				p.emb = append(p.emb, parseFloat32(raw))
			}
			return true
		})
	})
}

// concept parses one element of "concepts" into a fresh fastConcept. It
// is the innermost loop, so it walks the members itself.
func (p *fastParser) concept() bool {
	if !p.eat('{') {
		return false
	}
	p.concepts = append(p.concepts, fastConcept{})
	c := &p.concepts[len(p.concepts)-1]
	*c = fastConcept{} // fresh state, whatever the slice held before
	c.value, c.src, c.ann = Positive, ValueHTTPDefault, p.curAnn
	var seen uint
	p.ws()
	if !p.eat('}') {
		for {
			p.ws()
			// Compact JSON first: match the whole `"key":` at once.
			var key []byte
			switch {
			case p.lit(`"id":`):
				key = keyID
			case p.lit(`"name":`):
				key = keyName
			case p.lit(`"value":`):
				key = keyValue
			default:
				var ok bool
				if key, ok = p.str(); !ok {
					return false
				}
				p.ws()
				if !p.eat(':') {
					return false
				}
			}
			p.ws()
			var bit uint
			var ok bool
			switch string(key) {
			case "id":
				bit = 1
				c.id, c.hasID = p.str()
				if !c.hasID {
					return false
				}
			case "name":
				bit = 2
				if c.name, ok = p.str(); !ok {
					return false
				}
			case "value":
				bit = 4
				if !p.value(c) {
					return false
				}
			default:
				if !p.otherKey(key) || !p.skip(3) {
					return false
				}
			}
			if seen&bit != 0 {
				return false
			}
			seen |= bit
			p.ws()
			if p.eat(',') {
				continue
			}
			if !p.eat('}') {
				return false
			}
			break
		}
	}
	if seen&4 == 0 && p.strict {
		return false // the reference decoder reports the omitted value
	}
	return true
}

var (
	keyID    = []byte("id")
	keyName  = []byte("name")
	keyValue = []byte("value")
)

// lit consumes lit if the input continues with it.
func (p *fastParser) lit(lit string) bool {
	if len(p.s)-p.i >= len(lit) && string(p.s[p.i:p.i+len(lit)]) == lit {
		p.i += len(lit)
		return true
	}
	return false
}

// value parses a concept's value: null (the HTTP default) or a number the
// value rules accept.
func (p *fastParser) value(c *fastConcept) bool {
	p.ws()
	if p.i < len(p.s) && p.s[p.i] == 'n' {
		if !p.lit("null") {
			return false
		}
		if p.strict {
			return false
		}
		c.value, c.src = Positive, ValueHTTPDefault
		return true
	}
	raw, _, ok := p.number()
	if !ok {
		return false
	}
	switch {
	case len(raw) == 1 && raw[0] == '0':
		c.value, c.src = Negative, ValueExplicit
	case len(raw) == 1 && raw[0] == '1':
		c.value, c.src = Positive, ValueExplicit
	default:
		// Whether it may be soft depends on the annotator, which may come
		// later in the line: check it at the end.
		c.raw = raw
	}
	return true
}

// otherKey reports whether an unknown key can be skipped: encoding/json
// ignores it only if it matches no field, even case-insensitively, so
// keys with upper-case or non-ASCII letters go the reference way.
func (p *fastParser) otherKey(key []byte) bool {
	for _, c := range key {
		if c >= 0x80 || ('A' <= c && c <= 'Z') {
			return false
		}
	}
	return true
}
