package dataset

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"
)

// A small byte-level JSON scanner for lossless edits: it finds the spans
// of members and elements so write-back can insert or replace a few bytes
// and copy everything else as it was. It checks structure only as far as
// it needs to; the loaders do the full validation.

// JSONSpan is a half-open byte range [start, end).
type JSONSpan struct{ Start, End int }

// JSONMember is one key/value pair of an object.
type JSONMember struct {
	Key, Value JSONSpan // Key includes its quotes
}

// JSONObject describes an object: the positions of its braces, and the end
// of its last value (where a new JSONMember is inserted).
type JSONObject struct {
	Open, Close int
	LastEnd     int // -1 when empty
}

func SkipJSONSpace(b []byte, i int) int {
	for i < len(b) {
		switch b[i] {
		case ' ', '\t', '\r', '\n':
			i++
		default:
			return i
		}
	}
	return i
}

func syntaxErr(i int, what string) error {
	return fmt.Errorf("%w: %s at byte %d", ErrSyntax, what, i+1)
}

const (
	clsQuote = 1 + iota
	clsOpen
	clsClose
	clsEscape
)

// scanClass marks the bytes that matter outside strings, strClass inside.
var scanClass, strClass = func() (out, in [256]uint8) {
	out['"'], out['{'], out['['], out['}'], out[']'] = clsQuote, clsOpen, clsOpen, clsClose, clsClose
	in['"'], in['\\'] = clsQuote, clsEscape
	return out, in
}()

// skipString returns the index after the string that starts at b[i] == '"'.
// Most strings are short, so a plain loop beats bytes.IndexByte's call
// overhead; long ones (raw text) switch to IndexByte.
func skipString(b []byte, i int) (int, error) {
	for j := i + 1; j < len(b); j++ {
		switch b[j] {
		case '\\':
			j++
		case '"':
			return j + 1, nil
		default:
			if j-i > 64 {
				return skipLongString(b, i, j)
			}
		}
	}
	return 0, syntaxErr(i, "unterminated string")
}

func skipLongString(b []byte, i, j int) (int, error) {
	for {
		k := bytes.IndexByte(b[j:], '"')
		if k < 0 {
			return 0, syntaxErr(i, "unterminated string")
		}
		q := j + k
		bs := 0
		for p := q - 1; p > i && b[p] == '\\'; p-- {
			bs++
		}
		if bs%2 == 0 {
			return q + 1, nil
		}
		j = q + 1
	}
}

// skipValue returns the index after the value starting at b[i] (no
// leading white space). Nested objects and arrays are skipped in one
// tight pass that only tracks strings and depth.
func skipValue(b []byte, i int) (int, error) {
	if i >= len(b) {
		return 0, syntaxErr(i, "missing value")
	}
	switch b[i] {
	case '"':
		return skipString(b, i)
	case '{', '[':
		// One table load and one well-predicted branch per byte: most
		// bytes are neither quotes nor brackets.
		depth := 0
		for j := i; j < len(b); j++ {
			cls := scanClass[b[j]]
			if cls == 0 {
				continue
			}
			switch cls {
			case clsQuote:
				for j++; j < len(b); j++ {
					c := strClass[b[j]]
					if c == 0 {
						continue
					}
					if c == clsQuote {
						break
					}
					j++ // a backslash escapes the next byte
				}
				if j >= len(b) {
					return 0, syntaxErr(i, "unterminated string")
				}
			case clsOpen:
				depth++
			case clsClose:
				depth--
				if depth == 0 {
					return j + 1, nil
				}
			}
		}
		return 0, syntaxErr(i, "unterminated object or array")
	}
	j := i
	for j < len(b) {
		switch b[j] {
		case ',', '}', ']', ' ', '\t', '\r', '\n':
			if j == i {
				return 0, syntaxErr(i, "unexpected character")
			}
			return j, nil
		}
		j++
	}
	if j == i {
		return 0, syntaxErr(i, "missing value")
	}
	return j, nil
}

// ScanJSONObject calls fn for each JSONMember of the object at b[i] == '{'. fn may
// stop the scan by returning an error.
func ScanJSONObject(b []byte, i int, fn func(m JSONMember) error) (JSONObject, error) {
	it := newObjectIter(b, i)
	for {
		mb, ok := it.next()
		if !ok {
			return it.o, it.err
		}
		if err := fn(mb); err != nil {
			return it.o, err
		}
	}
}

// objectIter walks the members of an object without a callback, for the
// hot paths; ScanJSONObject is the same walk with one.
type objectIter struct {
	b       []byte
	j       int
	o       JSONObject
	err     error
	done    bool
	started bool // a JSONMember was returned
}

func newObjectIter(b []byte, i int) objectIter {
	it := objectIter{b: b, o: JSONObject{Open: i, LastEnd: -1}}
	if i >= len(b) || b[i] != '{' {
		it.err, it.done = syntaxErr(i, "want an object"), true
		return it
	}
	it.j = SkipJSONSpace(b, i+1)
	if it.j < len(b) && b[it.j] == '}' {
		it.o.Close, it.done = it.j, true
	}
	return it
}

// next returns the next JSONMember; ok is false at the end or on an error
// (in it.err).
func (it *objectIter) next() (JSONMember, bool) {
	if it.done {
		return JSONMember{}, false
	}
	b, j := it.b, it.j
	if it.started {
		// after a JSONMember: expect ',' or '}'
		j = SkipJSONSpace(b, j)
		if j >= len(b) {
			return it.fail(syntaxErr(j, "unterminated object"))
		}
		switch b[j] {
		case ',':
			j = SkipJSONSpace(b, j+1)
		case '}':
			it.o.Close, it.done = j, true
			return JSONMember{}, false
		default:
			return it.fail(syntaxErr(j, "want ',' or '}'"))
		}
	}
	if j >= len(b) || b[j] != '"' {
		return it.fail(syntaxErr(j, "want a key"))
	}
	ke, err := skipString(b, j)
	if err != nil {
		return it.fail(err)
	}
	k := SkipJSONSpace(b, ke)
	if k >= len(b) || b[k] != ':' {
		return it.fail(syntaxErr(k, "want ':'"))
	}
	vs := SkipJSONSpace(b, k+1)
	ve, err := skipValue(b, vs)
	if err != nil {
		return it.fail(err)
	}
	it.o.LastEnd, it.j, it.started = ve, ve, true
	return JSONMember{Key: JSONSpan{j, ke}, Value: JSONSpan{vs, ve}}, true
}

func (it *objectIter) fail(err error) (JSONMember, bool) {
	it.err, it.done = err, true
	return JSONMember{}, false
}

// ScanJSONArray calls fn for each element of the array at b[i] == '['.
func ScanJSONArray(b []byte, i int, fn func(idx int, el JSONSpan) error) (JSONObject, error) {
	o := JSONObject{Open: i, LastEnd: -1}
	if i >= len(b) || b[i] != '[' {
		return o, syntaxErr(i, "want an array")
	}
	j := SkipJSONSpace(b, i+1)
	if j < len(b) && b[j] == ']' {
		o.Close = j
		return o, nil
	}
	for n := 0; ; n++ {
		ve, err := skipValue(b, j)
		if err != nil {
			return o, err
		}
		if err := fn(n, JSONSpan{j, ve}); err != nil {
			return o, err
		}
		o.LastEnd = ve
		j = SkipJSONSpace(b, ve)
		if j >= len(b) {
			return o, syntaxErr(j, "unterminated array")
		}
		switch b[j] {
		case ',':
			j = SkipJSONSpace(b, j+1)
		case ']':
			o.Close = j
			return o, nil
		default:
			return o, syntaxErr(j, "want ',' or ']'")
		}
	}
}

// JSONKeyIs reports whether the quoted key matches name the way encoding/json
// matches struct fields (which the loaders use): case-insensitively.
func JSONKeyIs(b []byte, key JSONSpan, name string) bool {
	raw := b[key.Start+1 : key.End-1]
	if bytes.IndexByte(raw, '\\') < 0 {
		// Folding may change the length ("ſ" is "s", "K" is "k").
		return strings.EqualFold(string(raw), name)
	}
	s, ok := UnquoteJSON(b[key.Start:key.End])
	return ok && strings.EqualFold(s, name)
}

// UnquoteJSON decodes a JSON string; ok is false when q is not a valid one.
func UnquoteJSON(q []byte) (string, bool) {
	if len(q) < 2 || q[0] != '"' {
		return "", false
	}
	if raw := q[1 : len(q)-1]; bytes.IndexByte(raw, '\\') < 0 && utf8.Valid(raw) && !hasControl(raw) {
		return string(raw), true
	}
	var s string
	if err := json.Unmarshal(q, &s); err != nil {
		return "", false
	}
	return s, true
}

func hasControl(b []byte) bool {
	for _, c := range b {
		if c < 0x20 {
			return true
		}
	}
	return false
}

// JSONStringEquals reports whether the JSON string q decodes to s, without
// allocating in the common unescaped case.
func JSONStringEquals(q []byte, s string) bool {
	if len(q) < 2 || q[0] != '"' {
		return false
	}
	if raw := q[1 : len(q)-1]; bytes.IndexByte(raw, '\\') < 0 {
		return string(raw) == s
	}
	u, ok := UnquoteJSON(q)
	return ok && u == s
}

// AppendJSONString appends s as a JSON string. Non-ASCII text is written
// raw (valid UTF-8); control characters, quotes and backslashes escaped.
func AppendJSONString(dst []byte, s string) []byte {
	const hex = "0123456789abcdef"
	dst = append(dst, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' && c < utf8.RuneSelf {
			dst = append(dst, c)
			i++
			continue
		}
		if c < utf8.RuneSelf {
			switch c {
			case '"', '\\':
				dst = append(dst, '\\', c)
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, `\ufffd`...)
		} else if r == '\u2028' || r == '\u2029' {
			dst = append(dst, '\\', 'u', '2', '0', '2', hex[r&0xf])
		} else {
			dst = append(dst, s[i:i+size]...)
		}
		i += size
	}
	return append(dst, '"')
}

// ValidJSONValue reports whether v is one whole JSON value: a string, a
// literal, a number in JSON's grammar, or a valid object or array. Strings
// without escapes are checked without allocating.
func ValidJSONValue(v []byte) bool {
	if len(v) == 0 {
		return false
	}
	switch v[0] {
	case '"':
		if len(v) < 2 || v[len(v)-1] != '"' {
			return false
		}
		raw := v[1 : len(v)-1]
		if bytes.IndexByte(raw, '\\') < 0 && bytes.IndexByte(raw, '"') < 0 && utf8.Valid(raw) && !hasControl(raw) {
			return true
		}
		return json.Valid(v)
	case '{', '[':
		return json.Valid(v)
	}
	switch string(v) {
	case "true", "false", "null":
		return true
	}
	p := fastParser{s: v}
	_, _, ok := p.number()
	return ok && p.i == len(v)
}
