package pipeline

import (
	"fmt"

	"curate.dev/label"
)

// Fields are an input's url, text and metadata ("": none) from the file
// and chunk of Rank.
type Fields struct {
	Rank                int64
	URL, Text, Metadata string
}

// Packed is what travels per input and file chunk to the group-by: the
// input's labels as annotated and, for the training layout, its fields
// and, once assigned, its split.
type Packed struct {
	Row       []label.IDEntry
	HasFields bool
	Fields    Fields
	HasSplit  bool
	Split     int8 // index into the export's splits
}

const (
	packedFields = 1 << iota
	packedSplit
)

// Append appends p's packed form to dst: a byte saying what follows, the
// split's index (a byte), the fields (rank as a uvarint, three
// length-prefixed strings), then the row ([PackRow]).
func (p *Packed) Append(dst []byte) []byte {
	var head byte
	if p.HasFields {
		head |= packedFields
	}
	if p.HasSplit {
		head |= packedSplit
	}
	dst = append(dst, head)
	if p.HasSplit {
		dst = append(dst, byte(p.Split))
	}
	if p.HasFields {
		dst = appendUvarint(dst, uint64(p.Fields.Rank))
		for _, s := range []string{p.Fields.URL, p.Fields.Text, p.Fields.Metadata} {
			dst = appendUvarint(dst, uint64(len(s)))
			dst = append(dst, s...)
		}
	}
	return PackRow(dst, p.Row)
}

// Unpack reads a packed value into p, reusing its row.
func (p *Packed) Unpack(b []byte) error {
	short := fmt.Errorf("pipeline: packed value is cut short")
	if len(b) == 0 {
		return short
	}
	head := b[0]
	b = b[1:]
	p.HasFields, p.HasSplit = head&packedFields != 0, head&packedSplit != 0
	p.Fields, p.Split = Fields{}, 0
	if p.HasSplit {
		if len(b) == 0 {
			return short
		}
		p.Split, b = int8(b[0]), b[1:]
	}
	if p.HasFields {
		r, w := uvarint(b)
		if w <= 0 {
			return short
		}
		p.Fields.Rank, b = int64(r), b[w:]
		for _, s := range []*string{&p.Fields.URL, &p.Fields.Text, &p.Fields.Metadata} {
			n, w := uvarint(b)
			if w <= 0 || uint64(len(b)-w) < n {
				return short
			}
			*s, b = string(b[w:w+int(n)]), b[w+int(n):]
		}
	}
	var err error
	p.Row, err = UnpackRow(p.Row[:0], b)
	return err
}

// PackRow appends the packed form of an input's labels to dst: per entry
// the concept id's length (uvarint), the id and the flags byte.
func PackRow(dst []byte, row []label.IDEntry) []byte {
	for _, e := range row {
		dst = appendUvarint(dst, uint64(len(e.Concept)))
		dst = append(dst, e.Concept...)
		dst = append(dst, byte(e.Flags))
	}
	return dst
}

// UnpackRow appends the entries of a packed row to dst.
func UnpackRow(dst []label.IDEntry, p []byte) ([]label.IDEntry, error) {
	for len(p) > 0 {
		n, w := uvarint(p)
		if w <= 0 || uint64(len(p)-w) < n+1 {
			return dst, fmt.Errorf("pipeline: packed row is cut short")
		}
		p = p[w:]
		dst = append(dst, label.IDEntry{Concept: string(p[:n]), Flags: label.Flags(p[n])})
		p = p[n+1:]
	}
	return dst, nil
}

func appendUvarint(dst []byte, v uint64) []byte {
	for v >= 0x80 {
		dst = append(dst, byte(v)|0x80)
		v >>= 7
	}
	return append(dst, byte(v))
}

func uvarint(p []byte) (uint64, int) {
	var v uint64
	for i, b := range p {
		if i == 10 {
			return 0, -1
		}
		v |= uint64(b&0x7f) << (7 * i)
		if b < 0x80 {
			return v, i + 1
		}
	}
	return 0, 0
}
