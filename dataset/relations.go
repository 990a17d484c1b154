package dataset

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

type jsonRelation struct {
	ID             string `json:"id"`
	SubjectConcept *struct {
		ID string `json:"id"`
	} `json:"subject_concept"`
	ObjectConcept *struct {
		ID string `json:"id"`
	} `json:"object_concept"`
	Predicate string `json:"predicate"`
}

// ReadRelations reads Clarifai ConceptRelation objects, as JSONL (one per
// line), a JSON array, or a {"concept_relations":[…]} response. name is
// used in errors. Relations are returned in file order.
func ReadRelations(ctx context.Context, r io.Reader, name string) ([]Relation, error) {
	br := bufio.NewReader(r)
	if b, _ := br.Peek(3); bytes.Equal(b, bom) {
		_, _ = br.Discard(3)
	}
	head, _ := br.Peek(1 << 12)
	t := bytes.TrimLeft(head, " \t\r\n")
	if len(t) > 0 && (t[0] == '[' || (t[0] == '{' && firstKey(t[1:]) == "concept_relations") || (t[0] == '{' && firstKey(t[1:]) == "status")) {
		return readRelationsArray(ctx, br, name)
	}
	lines := newLineReader(br, DefaultMaxLineBytes)
	var out []Relation
	for {
		if lines.line%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		line, err := lines.next()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, &ParseError{File: name, Line: lines.line, Err: err}
		}
		if isBlank(line) {
			continue
		}
		rel, err := parseRelation(line)
		if err != nil {
			return nil, toParseError(name, lines.line, err)
		}
		out = append(out, rel)
	}
}

func parseRelation(b []byte) (Relation, error) {
	var j jsonRelation
	if err := json.Unmarshal(b, &j); err != nil {
		return Relation{}, jsonFieldError(err)
	}
	if j.SubjectConcept == nil || j.SubjectConcept.ID == "" {
		return Relation{}, &fieldError{"subject_concept.id", fmt.Errorf("%w: missing", ErrShape)}
	}
	if j.ObjectConcept == nil || j.ObjectConcept.ID == "" {
		return Relation{}, &fieldError{"object_concept.id", fmt.Errorf("%w: missing", ErrShape)}
	}
	ids := &idCheck{raw: b}
	if err := ids.check(j.SubjectConcept.ID, true, func() string { return "subject_concept.id" }); err != nil {
		return Relation{}, err
	}
	if err := ids.check(j.ObjectConcept.ID, true, func() string { return "object_concept.id" }); err != nil {
		return Relation{}, err
	}
	p := Predicate(j.Predicate)
	switch p {
	case Hyponym, Hypernym, Synonym:
	default:
		return Relation{}, &fieldError{"predicate", fmt.Errorf("%w: want hyponym, hypernym or synonym, got %q", ErrShape, j.Predicate)}
	}
	return Relation{Subject: j.SubjectConcept.ID, Object: j.ObjectConcept.ID, Predicate: p}, nil
}
