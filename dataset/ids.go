package dataset

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// This file holds the rule for ids, shared by every loader: an input or
// concept id must be valid UTF-8 holding something other than white space,
// and a JSON id must not rely on text encoding/json would replace with
// U+FFFD (invalid UTF-8, a lone UTF-16 surrogate such as "\ud800"): two
// distinct ids would load as one.

// checkID reports why s, the text of an input or concept id, cannot be
// one; nil when it can. Empty ids are the caller's to report.
func checkID(s string) error {
	if !utf8.ValidString(s) {
		return fmt.Errorf("%w: %s is not valid UTF-8", ErrID, quoteID(s))
	}
	if blankID(s) {
		return fmt.Errorf("%w: %s is only white space", ErrID, quoteID(s))
	}
	return nil
}

// checkText reports invalid UTF-8 in s, the text of another field (a CSV
// annotator or name).
func checkText(s string) error {
	if !utf8.ValidString(s) {
		return fmt.Errorf("%w: %s is not valid UTF-8", ErrID, quoteID(s))
	}
	return nil
}

// blankID reports whether s is non-empty and only white space.
func blankID(s string) bool {
	if len(s) == 0 {
		return false
	}
	if c := s[0]; c > ' ' && c < 0x80 {
		return false // the common case, decided by the first byte
	}
	return strings.TrimFunc(s, unicode.IsSpace) == ""
}

// blankBytes is blankID for the fast path's slices, without allocating.
func blankBytes(s []byte) bool {
	if len(s) == 0 {
		return false
	}
	if c := s[0]; c > ' ' && c < 0x80 {
		return false
	}
	return len(bytes.TrimFunc(s, unicode.IsSpace)) == 0
}

// quoteID quotes an id for a message: Go syntax, so control characters
// (a terminal escape sequence, say) and invalid bytes are shown escaped.
func quoteID(s string) string {
	const max = 80
	if len(s) > max {
		cut := max
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		return fmt.Sprintf("%q…", s[:cut])
	}
	return fmt.Sprintf("%q", s)
}

// hasLossyText reports whether a JSON text may hold a string that
// encoding/json decodes lossily: invalid UTF-8 or a \uD800-\uDFFF escape.
// It may report true for a valid surrogate pair; false is certain.
func hasLossyText(b []byte) bool {
	if !utf8.Valid(b) {
		return true
	}
	for i := 0; ; {
		k := bytes.Index(b[i:], []byte(`\u`))
		if k < 0 {
			return false
		}
		i += k + 2
		if i < len(b) && (b[i] == 'd' || b[i] == 'D') {
			return true
		}
	}
}

// lossyString reports whether the JSON string token at b[i] (its opening
// quote) holds invalid UTF-8 or a lone surrogate escape; ok is false when
// b[i:] does not start with a string token.
func lossyString(b []byte, i int) (lossy, ok bool) {
	if i >= len(b) || b[i] != '"' {
		return false, false
	}
	for j := i + 1; j < len(b); {
		c := b[j]
		switch {
		case c == '"':
			return false, true
		case c == '\\':
			if j+1 >= len(b) {
				return false, false
			}
			if b[j+1] != 'u' {
				j += 2
				continue
			}
			r, ok := hex4(b, j+2)
			if !ok {
				return false, false
			}
			j += 6
			switch {
			case r >= 0xDC00 && r <= 0xDFFF:
				return true, true // a low surrogate first
			case r >= 0xD800 && r <= 0xDBFF:
				if j+1 < len(b) && b[j] == '\\' && b[j+1] == 'u' {
					if lo, ok := hex4(b, j+2); ok && lo >= 0xDC00 && lo <= 0xDFFF {
						j += 6
						continue
					}
				}
				return true, true
			}
		case c < utf8.RuneSelf:
			j++
		default:
			r, n := utf8.DecodeRune(b[j:])
			if r == utf8.RuneError && n == 1 {
				return true, true
			}
			j += n
		}
	}
	return false, false
}

func hex4(b []byte, i int) (rune, bool) {
	if i+4 > len(b) {
		return 0, false
	}
	var r rune
	for _, c := range b[i : i+4] {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c = c - 'a' + 10
		case 'A' <= c && c <= 'F':
			c = c - 'A' + 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	return r, true
}

// idCheck checks the ids decoded from raw (one JSON input). An id holding
// U+FFFD is looked up in raw when raw has lossy text: if its token is
// lossy (or cannot be found), it is refused.
type idCheck struct {
	raw   []byte
	lossy int8 // 0 unknown, 1 raw has lossy text, -1 it has none
}

// check checks the id s decoded at a field; key ids (input and concept ids)
// must also hold more than white space.
// The field's name is built only for an error.
func (c *idCheck) check(s string, key bool, fieldName func() string) error {
	if key && blankID(s) {
		return &fieldError{fieldName(), fmt.Errorf("%w: %s is only white space", ErrID, quoteID(s))}
	}
	if !strings.ContainsRune(s, utf8.RuneError) {
		return nil
	}
	field := fieldName()
	if c.lossy == 0 {
		c.lossy = -1
		if hasLossyText(c.raw) {
			c.lossy = 1
		}
	}
	if c.lossy < 0 {
		return nil // a U+FFFD written as such
	}
	if off := locate(c.raw, field); off >= 0 {
		if lossy, ok := lossyString(c.raw, off); ok && !lossy {
			// The token found is clean; it must also be the one decoded
			// (with a repeated key, encoding/json keeps the last).
			var got string
			if json.NewDecoder(bytes.NewReader(c.raw[off:])).Decode(&got) == nil && got == s {
				return nil
			}
		}
	}
	return &fieldError{field, fmt.Errorf("%w: %s holds invalid UTF-8 or a lone UTF-16 surrogate (\\ud800-\\udfff), which would read as U+FFFD", ErrID, quoteID(s))}
}
