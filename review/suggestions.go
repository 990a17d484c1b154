package review

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"curate.dev/dataset"
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
	first := true
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
		if first {
			first = false
			if isSourceLine(body) {
				continue // the record of the dataset the suggestions came from
			}
		}
		sg, err2 := indexLine(body)
		if err2 != nil {
			return nil, fmt.Errorf("review: %s:%d: %w", name, n, err2)
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

// indexLine picks the indexed fields out of a suggestion line with the
// loaders' JSON scanner, which leaves the reason, URL and text unread
// (they are read back for the page shown). Keys match as in
// encoding/json, case-insensitively.
func indexLine(line []byte) (Suggestion, error) {
	var sg Suggestion
	start := dataset.SkipJSONSpace(line, 0)
	if start >= len(line) || line[start] != '{' {
		return sg, fmt.Errorf("want an object")
	}
	str := func(field string, v []byte, dst *string) error {
		if string(v) == "null" {
			return nil
		}
		s, ok := dataset.UnquoteJSON(v)
		if !ok {
			return fmt.Errorf("field %q: want a string, got %s", field, v)
		}
		*dst = s
		return nil
	}
	num := func(field string, v []byte) (float64, bool, error) {
		if string(v) == "null" {
			return 0, false, nil
		}
		x, err := strconv.ParseFloat(string(v), 64)
		if err != nil {
			return 0, false, fmt.Errorf("field %q: want a number, got %s", field, v)
		}
		return x, true, nil
	}
	obj, err := dataset.ScanJSONObject(line, start, func(m dataset.JSONMember) error {
		v := line[m.Value.Start:m.Value.End]
		if !dataset.ValidJSONValue(v) {
			return fmt.Errorf("invalid JSON at byte %d", m.Value.Start+1)
		}
		switch {
		case dataset.JSONKeyIs(line, m.Key, "input_id"):
			return str("input_id", v, &sg.InputID)
		case dataset.JSONKeyIs(line, m.Key, "concept_id"):
			return str("concept_id", v, &sg.ConceptID)
		case dataset.JSONKeyIs(line, m.Key, "source_concept_id"):
			return str("source_concept_id", v, &sg.SourceConceptID)
		case dataset.JSONKeyIs(line, m.Key, "value"):
			x, ok, err := num("value", v)
			if ok {
				f := float32(x)
				sg.Value = &f
			}
			return err
		case dataset.JSONKeyIs(line, m.Key, "score"):
			x, ok, err := num("score", v)
			if ok {
				sg.Score = &x
			}
			return err
		}
		return nil
	})
	if err == nil && dataset.SkipJSONSpace(line, obj.Close+1) != len(line) {
		err = fmt.Errorf("text after the object at byte %d", obj.Close+2)
	}
	return sg, err
}

// isSourceLine reports whether line is the first line curate suggest
// writes to record its source: an object with the one key
// "curate_source".
func isSourceLine(line []byte) bool {
	if !bytes.Contains(line, []byte(`"curate_source"`)) {
		return false
	}
	var m map[string]json.RawMessage
	return json.Unmarshal(line, &m) == nil && len(m) == 1 && m["curate_source"] != nil
}
