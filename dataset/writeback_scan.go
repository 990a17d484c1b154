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

// span is a half-open byte range [start, end).
type span struct{ start, end int }

// member is one key/value pair of an object.
type member struct {
	key, val span // key includes its quotes
}

// objectSpan describes an object: the positions of its braces, and the end
// of its last value (where a new member is inserted).
type objectSpan struct {
	open, close int
	lastEnd     int // -1 when empty
}

func skipWS(b []byte, i int) int {
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

// scanObject calls fn for each member of the object at b[i] == '{'. fn may
// stop the scan by returning an error.
func scanObject(b []byte, i int, fn func(m member) error) (objectSpan, error) {
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
// hot paths; scanObject is the same walk with one.
type objectIter struct {
	b       []byte
	j       int
	o       objectSpan
	err     error
	done    bool
	started bool // a member was returned
}

func newObjectIter(b []byte, i int) objectIter {
	it := objectIter{b: b, o: objectSpan{open: i, lastEnd: -1}}
	if i >= len(b) || b[i] != '{' {
		it.err, it.done = syntaxErr(i, "want an object"), true
		return it
	}
	it.j = skipWS(b, i+1)
	if it.j < len(b) && b[it.j] == '}' {
		it.o.close, it.done = it.j, true
	}
	return it
}

// next returns the next member; ok is false at the end or on an error
// (in it.err).
func (it *objectIter) next() (member, bool) {
	if it.done {
		return member{}, false
	}
	b, j := it.b, it.j
	if it.started {
		// after a member: expect ',' or '}'
		j = skipWS(b, j)
		if j >= len(b) {
			return it.fail(syntaxErr(j, "unterminated object"))
		}
		switch b[j] {
		case ',':
			j = skipWS(b, j+1)
		case '}':
			it.o.close, it.done = j, true
			return member{}, false
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
	k := skipWS(b, ke)
	if k >= len(b) || b[k] != ':' {
		return it.fail(syntaxErr(k, "want ':'"))
	}
	vs := skipWS(b, k+1)
	ve, err := skipValue(b, vs)
	if err != nil {
		return it.fail(err)
	}
	it.o.lastEnd, it.j, it.started = ve, ve, true
	return member{key: span{j, ke}, val: span{vs, ve}}, true
}

func (it *objectIter) fail(err error) (member, bool) {
	it.err, it.done = err, true
	return member{}, false
}

// scanArray calls fn for each element of the array at b[i] == '['.
func scanArray(b []byte, i int, fn func(idx int, el span) error) (objectSpan, error) {
	o := objectSpan{open: i, lastEnd: -1}
	if i >= len(b) || b[i] != '[' {
		return o, syntaxErr(i, "want an array")
	}
	j := skipWS(b, i+1)
	if j < len(b) && b[j] == ']' {
		o.close = j
		return o, nil
	}
	for n := 0; ; n++ {
		ve, err := skipValue(b, j)
		if err != nil {
			return o, err
		}
		if err := fn(n, span{j, ve}); err != nil {
			return o, err
		}
		o.lastEnd = ve
		j = skipWS(b, ve)
		if j >= len(b) {
			return o, syntaxErr(j, "unterminated array")
		}
		switch b[j] {
		case ',':
			j = skipWS(b, j+1)
		case ']':
			o.close = j
			return o, nil
		default:
			return o, syntaxErr(j, "want ',' or ']'")
		}
	}
}

// keyIs reports whether the quoted key matches name the way encoding/json
// matches struct fields (which the loaders use): case-insensitively.
func keyIs(b []byte, key span, name string) bool {
	raw := b[key.start+1 : key.end-1]
	// Without a backslash the key matches only at the same length; with
	// one it cannot fold to a plain name of the same length.
	if len(raw) == len(name) && strings.EqualFold(string(raw), name) {
		return true
	}
	if bytes.IndexByte(raw, '\\') < 0 {
		return false
	}
	s, ok := unquote(b[key.start:key.end])
	return ok && strings.EqualFold(s, name)
}

// unquote decodes a JSON string; ok is false when q is not a valid one.
func unquote(q []byte) (string, bool) {
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

// stringEquals reports whether the JSON string q decodes to s, without
// allocating in the common unescaped case.
func stringEquals(q []byte, s string) bool {
	if len(q) < 2 || q[0] != '"' {
		return false
	}
	if raw := q[1 : len(q)-1]; bytes.IndexByte(raw, '\\') < 0 {
		return string(raw) == s
	}
	u, ok := unquote(q)
	return ok && u == s
}

// appendJSONString appends s as a JSON string. Non-ASCII text is written
// raw (valid UTF-8); control characters, quotes and backslashes escaped.
func appendJSONString(dst []byte, s string) []byte {
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
