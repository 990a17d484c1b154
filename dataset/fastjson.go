package dataset

import (
	"encoding/binary"
	"math/bits"
	"unicode/utf8"
)

// The fast JSONL path reads the common shape of a Clarifai input line
// straight into an [annBatch] without building an [Input]:
//
//	{"id":"…","data":{"image":{"url":"…"},"concepts":[{"id":"…","name":"…","value":1},…],
//	 "metadata":{…},"embeddings":[{"vector":[…]}]},"dataset_ids":["…"],"status":{…}}
//
// It is used when only annotations are read (WithInputs(false)), so media,
// metadata, embeddings and dataset ids are checked for the shape the
// reference decoder accepts and otherwise skipped. Anything else — string
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
}

const maxFastDepth = 64

// parseLine parses one line (without its line ending). It reports false
// when the line is not in the common shape; nothing is kept then.
func (p *fastParser) parseLine(line []byte) bool {
	p.s, p.i = line, 0
	p.id, p.hasID = nil, false
	p.concepts = p.concepts[:0]
	p.annots = p.annots[:0]
	p.curAnn = -1
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
			if !p.array(func() bool { _, ok := p.str(); return ok }) {
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
	if p.i != len(p.s) || !p.hasID || len(p.id) == 0 {
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
		if !c.hasID || len(c.id) == 0 {
			return false
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
			if !p.media() {
				return false
			}
		case "video":
			bit = 2
			if !p.media() {
				return false
			}
		case "audio":
			bit = 4
			if !p.media() {
				return false
			}
		case "text":
			bit = 8
			if !p.media() {
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
			if !p.skip(1) {
				return false
			}
		case "embeddings":
			bit = 64
			if !p.eat('[') {
				return false
			}
			if !p.array(p.embedding) {
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
func (p *fastParser) media() bool {
	if !p.eat('{') {
		return false
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
		_, ok := p.str()
		return ok
	})
}

// embedding parses {"vector":[numbers]}.
func (p *fastParser) embedding() bool {
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
			_, plain, ok := p.number()
			return ok && plain
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

// object parses members up to and including the closing brace, after the
// opening one; member is called with the cursor before each value.
func (p *fastParser) object(member func(key []byte) bool) bool {
	p.ws()
	if p.eat('}') {
		return true
	}
	for {
		p.ws()
		key, ok := p.str()
		if !ok {
			return false
		}
		p.ws()
		if !p.eat(':') {
			return false
		}
		p.ws()
		if !member(key) {
			return false
		}
		p.ws()
		if p.eat(',') {
			continue
		}
		return p.eat('}')
	}
}

// array parses elements up to and including the closing bracket, after
// the opening one.
func (p *fastParser) array(elem func() bool) bool {
	p.ws()
	if p.eat(']') {
		return true
	}
	for {
		p.ws()
		if !elem() {
			return false
		}
		p.ws()
		if p.eat(',') {
			continue
		}
		return p.eat(']')
	}
}

// skip checks and skips any JSON value.
func (p *fastParser) skip(depth int) bool {
	if depth > maxFastDepth {
		return false
	}
	p.ws()
	if p.i >= len(p.s) {
		return false
	}
	switch c := p.s[p.i]; c {
	case '{':
		p.i++
		return p.object(func([]byte) bool { return p.skip(depth + 1) })
	case '[':
		p.i++
		return p.array(func() bool { return p.skip(depth + 1) })
	case '"':
		_, ok := p.str()
		return ok
	case 't':
		return p.lit("true")
	case 'f':
		return p.lit("false")
	case 'n':
		return p.lit("null")
	}
	_, _, ok := p.number()
	return ok
}

// fastStrClass classifies string bytes: 0 plain, 1 the closing quote, 2 an
// escape or control character (not handled here), 3 part of a non-ASCII
// character.
var fastStrClass = func() (t [256]uint8) {
	for c := 0; c < 0x20; c++ {
		t[c] = 2
	}
	t['"'] = 1
	t['\\'] = 2
	for c := 0x80; c < 0x100; c++ {
		t[c] = 3
	}
	return t
}()

const (
	swarLo = 0x0101010101010101
	swarHi = 0x8080808080808080
)

// swarSpecial is non-zero when a byte of w is '"', '\\', below 0x20 or
// above 0x7f.
func swarSpecial(w uint64) uint64 {
	q := w ^ (swarLo * '"')
	b := w ^ (swarLo * '\\')
	return ((q-swarLo)&^q | (b-swarLo)&^b | (w - swarLo*0x20) | w) & swarHi
}

// str parses a string without escapes or control characters and with
// valid UTF-8, and returns its contents (a slice of the line).
func (p *fastParser) str() ([]byte, bool) {
	s := p.s
	if p.i >= len(s) || s[p.i] != '"' {
		return nil, false
	}
	start := p.i + 1
	ascii := true
	j := start
	// Eight bytes at a time while none is special: a quote, a backslash,
	// a control character or a non-ASCII byte.
	for ; j+8 <= len(s); j += 8 {
		if m := swarSpecial(binary.LittleEndian.Uint64(s[j:])); m != 0 {
			// The lowest flagged byte is special for sure (only bytes
			// above a special one can be flagged falsely): go there.
			j += bits.TrailingZeros64(m) >> 3
			break
		}
	}
	for ; j < len(s); j++ {
		switch fastStrClass[s[j]] {
		case 0:
			continue
		case 1:
			v := s[start:j]
			if !ascii && !utf8.Valid(v) {
				return nil, false
			}
			p.i = j + 1
			return v, true
		case 2:
			return nil, false
		default:
			ascii = false
		}
	}
	return nil, false
}

// number parses a JSON number. plain is true when it has no exponent and
// is short, so it certainly fits a float64.
func (p *fastParser) number() (raw []byte, plain bool, ok bool) {
	s, i := p.s, p.i
	start := i
	if i < len(s) && s[i] == '-' {
		i++
	}
	switch {
	case i < len(s) && s[i] == '0':
		i++
	case i < len(s) && s[i] >= '1' && s[i] <= '9':
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
	default:
		return nil, false, false
	}
	if i < len(s) && s[i] == '.' {
		i++
		d := i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		if i == d {
			return nil, false, false
		}
	}
	plain = true
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		plain = false
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		d := i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		if i == d {
			return nil, false, false
		}
	}
	p.i = i
	return s[start:i], plain && i-start < 300, true
}

func (p *fastParser) ws() {
	if p.i < len(p.s) && p.s[p.i] > ' ' {
		return // the common case: compact JSON
	}
	p.wsSlow()
}

func (p *fastParser) wsSlow() {
	for p.i < len(p.s) {
		switch p.s[p.i] {
		case ' ', '\t', '\r', '\n':
			p.i++
		default:
			return
		}
	}
}

func (p *fastParser) eat(c byte) bool {
	if p.i < len(p.s) && p.s[p.i] == c {
		p.i++
		return true
	}
	return false
}
