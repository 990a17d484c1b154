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
}

type journalLine struct {
	ID        string  `json:"id"`
	InputID   string  `json:"input_id"`
	ConceptID string  `json:"concept_id"`
	Value     float32 `json:"value"`
}

// NewJournal reads the confirmed ids in r (nil: none) and appends new ones
// to w (nil: keep them in memory only). If w has a Sync() error method (an
// *os.File) it is called after each batch. A torn last line, left by a
// crash, is ignored.
func NewJournal(r io.Reader, w io.Writer) (*Journal, error) {
	j := &Journal{done: map[string]bool{}, w: w}
	if r == nil {
		return j, nil
	}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	var torn error
	for n := 1; sc.Scan(); n++ {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		if torn != nil {
			return nil, torn // a bad line in the middle is not a torn tail
		}
		var l journalLine
		if err := json.Unmarshal(line, &l); err != nil || l.ID == "" {
			torn = fmt.Errorf("clarifai: journal line %d: not a journal entry", n)
			continue
		}
		j.done[l.ID] = true
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("clarifai: reading journal: %w", err)
	}
	return j, nil
}

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
