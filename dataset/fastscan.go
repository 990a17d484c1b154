package dataset

import (
	"encoding/binary"
	"math/bits"
	"strconv"
	"unicode/utf8"
)

// The byte-level scanner of the fast JSONL path: JSON values checked by
// the grammar, strings without escapes, numbers. Each function reports
// false on anything it does not handle, and the caller falls back to the
// reference decoder.

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

// number parses a JSON number (see scanNumber).
func (p *fastParser) number() (raw []byte, plain bool, ok bool) {
	end, plain, ok := scanNumber(p.s, p.i)
	if !ok {
		return nil, false, false
	}
	raw, p.i = p.s[p.i:end], end
	return raw, plain, true
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

// compact returns v (a checked JSON object with no string escapes) as
// json.Compact writes it: every space, tab, CR and LF outside strings
// dropped, everything else byte for byte. Without such whitespace it is v
// itself.
func (p *fastParser) compact(v []byte) []byte {
	ws := false
	for _, c := range v {
		if c <= ' ' {
			ws = true
			break
		}
	}
	if !ws {
		return v
	}
	// Strings hold no backslash (str rejects escapes), so a quote always
	// opens or closes one. The buffer is reused: the batch copies the
	// value before the next line.
	out := p.metaBuf[:0]
	in := false
	for _, c := range v {
		switch {
		case c == '"':
			in = !in
		case !in && (c == ' ' || c == '\t' || c == '\r' || c == '\n'):
			continue
		}
		out = append(out, c)
	}
	p.metaBuf = out
	return out
}

// pow10f64 holds the powers of ten that float64 represents exactly.
var pow10f64 = [...]float64{1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10,
	1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22}

// parseFloat32 returns float32(strconv.ParseFloat(raw, 64)) for a JSON
// number without exponent, as encoding/json decodes into a float64 and
// the reference decoder converts. Up to 15 significant digits and 22
// decimals, the float64 is an exact integer divided by an exact power of
// ten, which IEEE division rounds correctly (strconv's own exact path);
// anything longer goes to strconv.
func parseFloat32(raw []byte) float32 {
	i, neg := 0, false
	if raw[0] == '-' {
		i, neg = 1, true
	}
	var mant uint64
	digits, frac, dot := 0, 0, false
	for ; i < len(raw); i++ {
		c := raw[i]
		if c == '.' {
			dot = true
			continue
		}
		if dot {
			frac++
		}
		if mant == 0 && c == '0' {
			continue
		}
		mant = mant*10 + uint64(c-'0')
		digits++
	}
	if digits > 15 || frac >= len(pow10f64) {
		f, _ := strconv.ParseFloat(string(raw), 64) // number() checked the syntax
		return float32(f)
	}
	f := float64(mant) / pow10f64[frac]
	if neg {
		f = -f
	}
	return float32(f)
}
