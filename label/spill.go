package label

import (
	"bufio"
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
// A record is the fingerprint (4 bytes, little endian), the id's length
// and bytes, the number of entries and the entries, lengths and entries
// as unsigned varints.
type spillLog struct {
	budget int
	dir    string

	buf  []byte
	f    *os.File
	name string // f's name, when it could not be removed while open
	size int64  // bytes in f
}

func (l *spillLog) append(fp uint32, id []byte, ents []uint32) error {
	l.buf = binary.LittleEndian.AppendUint32(l.buf, fp)
	l.buf = binary.AppendUvarint(l.buf, uint64(len(id)))
	l.buf = append(l.buf, id...)
	l.buf = binary.AppendUvarint(l.buf, uint64(len(ents)))
	for _, e := range ents {
		l.buf = binary.AppendUvarint(l.buf, uint64(e))
	}
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

// each calls fn for every record in the order appended. id and ents are
// valid only during the call.
func (l *spillLog) each(fn func(fp uint32, id []byte, ents []uint32)) error {
	var id []byte
	var ents []uint32
	read := func(r io.ByteReader) error {
		var fp [4]byte
		for i := range fp {
			b, err := r.ReadByte()
			if err != nil {
				if i == 0 && err == io.EOF {
					return io.EOF
				}
				return err
			}
			fp[i] = b
		}
		n, err := binary.ReadUvarint(r)
		if err != nil {
			return err
		}
		id = id[:0]
		for range n {
			b, err := r.ReadByte()
			if err != nil {
				return err
			}
			id = append(id, b)
		}
		m, err := binary.ReadUvarint(r)
		if err != nil {
			return err
		}
		ents = ents[:0]
		for range m {
			e, err := binary.ReadUvarint(r)
			if err != nil {
				return err
			}
			ents = append(ents, uint32(e))
		}
		fn(binary.LittleEndian.Uint32(fp[:]), id, ents)
		return nil
	}
	if l.f != nil {
		r := bufio.NewReaderSize(io.NewSectionReader(l.f, 0, l.size), 1<<20)
		for {
			err := read(r)
			if err == io.EOF {
				break
			}
			if err != nil {
				return fmt.Errorf("label: reading the spilled inputs back: %w", noEOF(err))
			}
		}
	}
	r := &byteReader{b: l.buf}
	for {
		if err := read(r); err == io.EOF {
			return nil
		} else if err != nil {
			return fmt.Errorf("label: reading the buffered inputs back: %w", noEOF(err))
		}
	}
}

func noEOF(err error) error {
	if errors.Is(err, io.EOF) {
		return io.ErrUnexpectedEOF
	}
	return err
}

type byteReader struct {
	b []byte
	i int
}

func (r *byteReader) ReadByte() (byte, error) {
	if r.i == len(r.b) {
		return 0, io.EOF
	}
	r.i++
	return r.b[r.i-1], nil
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
