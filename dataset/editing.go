package dataset

import (
	"bufio"
	"io"
)

// The loaders' own reading of lines, values and formats, for packages that
// edit a source in place (curate.dev/writeback): an editor must read a
// file exactly as the loaders will read it afterwards, so it calls these
// rather than keeping copies of the rules.

// DetectFormat recognises the format of br from its first bytes, without
// consuming them, as [NewReader] does when no [WithFormat] is given.
func DetectFormat(br *bufio.Reader) (Format, error) { return sniff(br) }

// LineReader reads lines as the JSONL loader does: any length up to a
// limit, CR LF or LF endings, line numbers counted from 1.
type LineReader struct{ l *lineReader }

// NewLineReader returns a LineReader over r; maxLineBytes <= 0 means
// [DefaultMaxLineBytes].
func NewLineReader(r io.Reader, maxLineBytes int) *LineReader {
	if maxLineBytes <= 0 {
		maxLineBytes = DefaultMaxLineBytes
	}
	br, ok := r.(*bufio.Reader)
	if !ok {
		br = bufio.NewReaderSize(r, 1<<16)
	}
	return &LineReader{newLineReader(br, maxLineBytes)}
}

// Next returns the next line without its ending. The slice is valid until
// the next call. At the end it returns [io.EOF]; a line longer than the
// limit is consumed and reported as an error wrapping [ErrLineTooLong].
func (r *LineReader) Next() ([]byte, error) { return r.l.next() }

// Line is the 1-based number of the line Next returned last.
func (r *LineReader) Line() int { return r.l.line }

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
