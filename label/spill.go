package label

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
)

// spillLog is an append-only log of input runs (fingerprint, id,
// entries), read back whole. It keeps up to budget bytes in memory, then
// moves them to a temporary file, so its memory stays within the budget
// however many runs it holds.
//
// A record is the fingerprint (4 bytes, little endian) and the length of
// the rest as an unsigned varint, so that a reader looking for some
// fingerprints skips the others unread; then the id's length and bytes,
// the number of entries and the entries, all unsigned varints; a record
// may end with extra bytes of its writer's (a [Spool]'s input row).
type spillLog struct {
	budget int
	dir    string

	buf     []byte
	payload []byte // scratch
	f       *os.File
	name    string // f's name, when it could not be removed while open
	size    int64  // bytes in f
}

func (l *spillLog) append(fp uint32, id []byte, ents []uint32) error {
	return l.appendExtra(fp, id, ents, nil)
}

// appendExtra appends a record that ends with extra.
func (l *spillLog) appendExtra(fp uint32, id []byte, ents []uint32, extra ...[]byte) error {
	p := binary.AppendUvarint(l.payload[:0], uint64(len(id)))
	p = append(p, id...)
	p = binary.AppendUvarint(p, uint64(len(ents)))
	for _, e := range ents {
		p = binary.AppendUvarint(p, uint64(e))
	}
	for _, x := range extra {
		p = append(p, x...)
	}
	l.payload = p
	l.buf = binary.LittleEndian.AppendUint32(l.buf, fp)
	l.buf = binary.AppendUvarint(l.buf, uint64(len(p)))
	l.buf = append(l.buf, p...)
	if len(l.buf) < l.budget {
		return nil
	}
	return l.spill()
}

// spill moves the buffered records to the file.
func (l *spillLog) spill() error {
	if l.f == nil {
		f, err := os.CreateTemp(l.dir, "curate-labels-*")
		if err != nil {
			return fmt.Errorf("label: spilling past the memory budget: %w", err)
		}
		// Gone from the directory at once where the system allows it:
		// nothing is left behind, whatever happens to the process.
		if os.Remove(f.Name()) != nil {
			l.name = f.Name() // removed by close
		}
		l.f = f
	}
	if _, err := l.f.Write(l.buf); err != nil {
		return fmt.Errorf("label: spilling past the memory budget: %w", err)
	}
	l.size += int64(len(l.buf))
	l.buf = l.buf[:0]
	return nil
}

var errCorrupt = errors.New("label: temporary file of spilled inputs is corrupt")

// each calls fn, in the order appended, for every record whose
// fingerprint want accepts. id and ents are valid only during the call.
func (l *spillLog) each(want func(fp uint32) bool, fn func(fp uint32, id []byte, ents []uint32)) error {
	return l.eachExtra(want, func(fp uint32, id []byte, ents []uint32, _ []byte) error {
		fn(fp, id, ents)
		return nil
	})
}

// eachExtra is each with the record's extra bytes; an error from fn ends
// the read with it.
func (l *spillLog) eachExtra(want func(fp uint32) bool, fn func(fp uint32, id []byte, ents []uint32, extra []byte) error) error {
	var ents []uint32
	// scan handles the whole records at the start of b and returns how
	// many bytes they take.
	scan := func(b []byte) (int, error) {
		done := 0
		for len(b)-done >= 5 {
			r := b[done:]
			fp := binary.LittleEndian.Uint32(r)
			n, w := binary.Uvarint(r[4:])
			if w <= 0 {
				if w == 0 && len(r) < 4+binary.MaxVarintLen64 {
					break // the length goes on in the next chunk
				}
				return 0, errCorrupt
			}
			end := 4 + w + int(n)
			if end > len(r) {
				break
			}
			if want(fp) {
				p := r[4+w : end]
				idLen, w := binary.Uvarint(p)
				if w <= 0 || w+int(idLen) > len(p) {
					return 0, errCorrupt
				}
				id := p[w : w+int(idLen)]
				p = p[w+int(idLen):]
				m, w := binary.Uvarint(p)
				if w <= 0 {
					return 0, errCorrupt
				}
				p = p[w:]
				ents = ents[:0]
				for range m {
					e, w := binary.Uvarint(p)
					if w <= 0 {
						return 0, errCorrupt
					}
					ents = append(ents, uint32(e))
					p = p[w:]
				}
				if err := fn(fp, id, ents, p); err != nil {
					return 0, err
				}
			}
			done += end
		}
		return done, nil
	}
	if l.f != nil {
		chunk := make([]byte, 0, 1<<20)
		for off := int64(0); off < l.size; {
			n := min(int64(cap(chunk)-len(chunk)), l.size-off)
			if n == 0 { // a record longer than the chunk
				chunk = append(chunk[:cap(chunk)], 0)[:len(chunk)]
				continue
			}
			got, err := l.f.ReadAt(chunk[len(chunk):len(chunk)+int(n)], off)
			if got < int(n) {
				return fmt.Errorf("label: reading the spilled inputs back: %w", noEOF(err))
			}
			off += n
			chunk = chunk[:len(chunk)+int(n)]
			done, err := scan(chunk)
			if err != nil {
				return err
			}
			chunk = chunk[:copy(chunk, chunk[done:])]
		}
		if len(chunk) > 0 {
			return errCorrupt
		}
	}
	done, err := scan(l.buf)
	if err == nil && done != len(l.buf) {
		err = errCorrupt
	}
	return err
}

func noEOF(err error) error {
	if err == nil || errors.Is(err, io.EOF) {
		return io.ErrUnexpectedEOF
	}
	return err
}

func (l *spillLog) close() error {
	l.buf = nil
	if l.f == nil {
		return nil
	}
	err := l.f.Close()
	if l.name != "" {
		err = errors.Join(err, os.Remove(l.name))
	}
	l.f = nil
	return err
}
