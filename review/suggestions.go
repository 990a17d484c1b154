package review

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
)

// Suggestion is one line of a suggestions file, as curate suggest writes
// it and a reviewer reads it.
type Suggestion struct {
	InputID         string   `json:"input_id"`
	ConceptID       string   `json:"concept_id"`
	ConceptName     string   `json:"concept_name,omitempty"`
	Value           *float32 `json:"value"`
	Score           *float64 `json:"score,omitempty"`
	SourceConceptID string   `json:"source_concept_id,omitempty"`
	Reason          string   `json:"reason,omitempty"`
	URL             string   `json:"url,omitempty"`
	Text            string   `json:"text,omitempty"`
}

// suggestions is the index of a suggestions file kept in memory: a few
// fixed-size fields per line and the line's place in the file; the reason,
// URL and text are read back from the file for the page being shown.
type suggestions struct {
	inputs  []int32 // index into inputIDs
	concept []int32 // index into concepts
	source  []int32 // index into concepts; -1 when none
	score   []float32
	value   []float32 // the suggested value (0, or 1 when the file says so)
	off     []int64
	size    []int32

	inputIDs []string
	inputIdx map[string]int32
	concepts []string
	cidx     map[string]int32
	keyIdx   map[Key]int32
}

func (s *suggestions) len() int { return len(s.concept) }

func (s *suggestions) conceptIndex(id string) int32 {
	if i, ok := s.cidx[id]; ok {
		return i
	}
	i := int32(len(s.concepts))
	id = strings.Clone(id)
	s.concepts = append(s.concepts, id)
	s.cidx[id] = i
	return i
}

// readSuggestions indexes a suggestions file (JSONL). A bad line is an
// error naming name, the line and the field; a pair listed twice is an
// error too, since a decision could not say which line it meant.
func readSuggestions(ctx context.Context, r io.Reader, name string) (*suggestions, error) {
	s := &suggestions{inputIdx: map[string]int32{}, cidx: map[string]int32{}, keyIdx: map[Key]int32{}}
	br := bufio.NewReaderSize(r, 1<<16)
	var off int64
	for n := 1; ; n++ {
		if n%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		line, err := br.ReadBytes('\n')
		if len(line) == 0 && errors.Is(err, io.EOF) {
			break
		}
		if err != nil && !errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("review: %s: %w", name, err)
		}
		start := off
		off += int64(len(line))
		body := bytes.TrimSpace(line)
		if n == 1 {
			body = bytes.TrimPrefix(body, []byte("\xef\xbb\xbf"))
		}
		if len(body) == 0 {
			continue
		}
		var sg Suggestion
		if err := json.Unmarshal(body, &sg); err != nil {
			return nil, fmt.Errorf("review: %s:%d: %w", name, n, err)
		}
		field := ""
		switch {
		case sg.InputID == "":
			field = "input_id"
		case sg.ConceptID == "":
			field = "concept_id"
		case sg.Value == nil || (*sg.Value != 0 && *sg.Value != 1):
			field = "value"
		}
		if field != "" {
			return nil, fmt.Errorf("review: %s:%d: field %q: missing or not 0 or 1", name, n, field)
		}
		in, ok := s.inputIdx[sg.InputID]
		if !ok {
			in = int32(len(s.inputIDs))
			id := strings.Clone(sg.InputID)
			s.inputIDs = append(s.inputIDs, id)
			s.inputIdx[id] = in
		}
		c := s.conceptIndex(sg.ConceptID)
		k := Key{s.inputIDs[in], s.concepts[c]}
		if prev, dup := s.keyIdx[k]; dup {
			return nil, fmt.Errorf("review: %s:%d: input %q, concept %q is suggested twice (also item %d)", name, n, sg.InputID, sg.ConceptID, prev+1)
		}
		s.keyIdx[k] = int32(s.len())
		src := int32(-1)
		if sg.SourceConceptID != "" {
			src = s.conceptIndex(sg.SourceConceptID)
		}
		score := float32(0)
		if sg.Score != nil {
			score = float32(*sg.Score)
		}
		s.inputs = append(s.inputs, in)
		s.concept = append(s.concept, c)
		s.source = append(s.source, src)
		s.score = append(s.score, score)
		s.value = append(s.value, *sg.Value)
		s.off = append(s.off, start)
		s.size = append(s.size, int32(len(line)))
		if errors.Is(err, io.EOF) {
			break
		}
	}
	return s, nil
}

// line reads suggestion i back from the file.
func (s *suggestions) line(ra io.ReaderAt, i int) (Suggestion, error) {
	buf := make([]byte, s.size[i])
	if _, err := ra.ReadAt(buf, s.off[i]); err != nil && !errors.Is(err, io.EOF) {
		return Suggestion{}, err
	}
	var sg Suggestion
	if err := json.Unmarshal(bytes.TrimPrefix(bytes.TrimSpace(buf), []byte("\xef\xbb\xbf")), &sg); err != nil {
		return Suggestion{}, fmt.Errorf("suggestions file changed while reviewing: %w", err)
	}
	return sg, nil
}
