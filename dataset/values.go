package dataset

import (
	"bytes"
	"math"
	"strconv"
)

// This file holds the one reading of a concept value's text, shared by
// the JSON and CSV loaders (and the fast JSONL path): JSON's number
// grammar, then the value rules.

// scanNumber returns the end of the JSON number starting at s[i], or
// ok=false when s[i:] does not start with one. plain is true when the
// number has no exponent and is short, so it certainly fits a float64.
func scanNumber(s []byte, i int) (end int, plain, ok bool) {
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
		return start, false, false
	}
	if i < len(s) && s[i] == '.' {
		i++
		d := i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		if i == d {
			return start, false, false
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
			return start, false, false
		}
	}
	return i, plain && i-start < 300, true
}

// isNumber reports whether b is exactly one JSON number.
func isNumber(b []byte) bool {
	end, _, ok := scanNumber(b, 0)
	return ok && end == len(b)
}

// numberValue reads b, a JSON number, as a concept value; shown is how an
// error quotes it. A number float32 cannot tell from 0 (1e-400, 1e-50) is
// refused rather than read as a negative.
func numberValue(b []byte, shown string, soft bool) (float32, error) {
	f, err := strconv.ParseFloat(string(b), 64)
	if err != nil { // out of range: ±Inf
		return 0, valueError(wantValue(soft), shown)
	}
	if f == 0 || float32(f) == 0 {
		if f != 0 || nonZeroMantissa(b) {
			return 0, valueError(wantValue(soft), shown+" (too close to 0 to store; write 0 or a larger score)")
		}
		return Negative, nil // also -0
	}
	return checkValue(f, shown, soft)
}

// nonZeroMantissa reports whether a JSON number has a non-zero digit
// before its exponent.
func nonZeroMantissa(b []byte) bool {
	if e := bytes.IndexAny(b, "eE"); e >= 0 {
		b = b[:e]
	}
	for _, c := range b {
		if c >= '1' && c <= '9' {
			return true
		}
	}
	return false
}

func wantValue(soft bool) string {
	if soft {
		return "a value from 0 to 1"
	}
	return "0 or 1"
}

// checkValue enforces 0 or 1 (or [0,1] when soft) on a parsed number.
func checkValue(f float64, shown string, soft bool) (float32, error) {
	switch {
	case math.IsNaN(f):
	case f == 0 || f == 1:
		return float32(f), nil
	case soft && f >= 0 && f <= 1:
		return float32(f), nil
	}
	return 0, valueError(wantValue(soft), shown)
}

// parseJSONValue applies Clarifai's HTTP rule: an omitted (or null) value
// is a positive. Anything but a number is refused, saying what it is.
func parseJSONValue(raw []byte, strict, soft bool) (float32, ValueSource, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		if strict {
			return 0, 0, ErrImplicitValue
		}
		return Positive, ValueHTTPDefault, nil
	}
	if !isNumber(raw) {
		return 0, 0, valueError(wantValue(soft), describeJSON(raw))
	}
	v, err := numberValue(raw, string(raw), soft)
	if err != nil {
		return 0, 0, err
	}
	return v, ValueExplicit, nil
}

// describeJSON names a JSON value that is not a number the way a user
// reads it: the string "1", the boolean true, an object.
func describeJSON(raw []byte) string {
	if len(raw) == 0 {
		return "nothing"
	}
	switch raw[0] {
	case '"':
		if len(raw) <= 40 {
			if s, err := strconv.Unquote(string(raw)); err == nil {
				return "the string " + strconv.Quote(s)
			}
		}
		return "a string"
	case '{':
		return "an object"
	case '[':
		return "an array"
	case 't', 'f':
		if string(raw) == "true" || string(raw) == "false" {
			return "the boolean " + string(raw)
		}
	case 'n':
		if string(raw) == "null" {
			return "null"
		}
	}
	return strconv.Quote(string(raw))
}

// parseCSVValue reads a CSV value field: a JSON number, optionally between
// spaces. The value must be stated.
func parseCSVValue(s string, soft bool) (float32, error) {
	t := bytes.Trim([]byte(s), " \t")
	if !isNumber(t) {
		return 0, valueError(wantValue(soft), strconv.Quote(s))
	}
	return numberValue(t, strconv.Quote(s), soft)
}
