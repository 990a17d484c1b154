package clarifai

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
)

// Journal records which annotations a push has confirmed, one JSON object
// per line:
//
//	{"id":"cur-…","input_id":"in1","concept_id":"cat","value":0}
//
// A push given the journal of an interrupted one skips what it confirmed.
// The journal holds no key or other secret.
type Journal struct {
	done map[string]bool
	w    io.Writer
	buf  bytes.Buffer
	good int64
	torn bool
}

type journalLine struct {
	ID        string  `json:"id"`
	InputID   string  `json:"input_id"`
	ConceptID string  `json:"concept_id"`
	Value     float32 `json:"value"`
}

// NewJournal reads the confirmed ids in r (nil: none) and appends new ones
// to w (nil: keep them in memory only). If w has a Sync() error method (an
// *os.File) it is called after each batch.
//
// A torn last line, left by a push killed mid-write, is not an entry: the
// journal is whole up to [Journal.Good] bytes, and [Journal.Torn] reports
// the fragment. Whoever appends to the same file must first cut it to
// Good bytes, or the next entry would be glued to the fragment. A bad line
// followed by good ones is not a torn tail but damage, and an error.
func NewJournal(r io.Reader, w io.Writer) (*Journal, error) {
	j := &Journal{done: map[string]bool{}, w: w}
	if r == nil {
		return j, nil
	}
	br := bufio.NewReaderSize(r, 64<<10)
	var off int64
	var torn error
	for n := 1; ; n++ {
		line, err := br.ReadBytes('\n')
		if len(line) > 0 {
			complete := line[len(line)-1] == '\n'
			if torn != nil && len(bytes.TrimSpace(line)) > 0 {
				return nil, torn // a bad line in the middle is not a torn tail
			}
			var l journalLine
			switch {
			case len(bytes.TrimSpace(line)) == 0 && complete:
				if torn == nil {
					off += int64(len(line))
				}
			case !complete:
				j.torn = true // cut short: even if it parses, its newline is missing
			case json.Unmarshal(line, &l) != nil || l.ID == "":
				torn = fmt.Errorf("clarifai: journal line %d: not a journal entry", n)
				j.torn = true
			default:
				j.done[l.ID] = true
				off += int64(len(line))
			}
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("clarifai: reading journal: %w", err)
		}
	}
	j.good = off
	return j, nil
}

// Good returns the length in bytes of the whole entries read by
// [NewJournal]: everything before a torn last line.
func (j *Journal) Good() int64 { return j.good }

// Torn reports whether the journal read ended with a torn line, which
// was left out.
func (j *Journal) Torn() bool { return j.torn }

// AppendTo makes the journal append new entries to w from now on (nil:
// keep them in memory only). If w has a Sync() error method it is called
// after each batch.
func (j *Journal) AppendTo(w io.Writer) { j.w = w }

// Has reports whether id is confirmed. A nil Journal has nothing.
func (j *Journal) Has(id string) bool { return j != nil && j.done[id] }

// Len returns the number of confirmed annotations.
func (j *Journal) Len() int {
	if j == nil {
		return 0
	}
	return len(j.done)
}

func (j *Journal) add(items []item) error {
	j.buf.Reset()
	enc := json.NewEncoder(&j.buf)
	for _, it := range items {
		j.done[it.id] = true
		if err := enc.Encode(journalLine{ID: it.id, InputID: it.input, ConceptID: it.conc, Value: it.value}); err != nil {
			return err
		}
	}
	if j.w == nil {
		return nil
	}
	if _, err := j.w.Write(j.buf.Bytes()); err != nil {
		return fmt.Errorf("clarifai: writing journal: %w", err)
	}
	if s, ok := j.w.(interface{ Sync() error }); ok {
		if err := s.Sync(); err != nil {
			return fmt.Errorf("clarifai: syncing journal: %w", err)
		}
	}
	return nil
}
