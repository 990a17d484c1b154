package dataset

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// readRelationsArray streams a JSON array of relations or a
// {"concept_relations":[…]} response, so that errors name the line of the
// bad relation (and of the bad field in a pretty-printed file).
func readRelationsArray(ctx context.Context, br *bufio.Reader, name string) ([]Relation, error) {
	t := &lineTracker{r: br, max: DefaultMaxLineBytes}
	dec := json.NewDecoder(t)
	d := &jsonDecoder{t: t, dec: dec, cfg: &config{name: name}, lists: []string{"concept_relations"}}
	tok, err := dec.Token()
	if err != nil {
		return nil, d.endError(err)
	}
	switch tok {
	case json.Delim('['):
	case json.Delim('{'):
		d.object = true
		found, err := d.members(d.lists)
		if err != nil {
			return nil, err
		}
		if !found {
			// A response without relations.
			if err := d.finishStream(); !errors.Is(err, io.EOF) {
				return nil, err
			}
			return nil, nil
		}
	default:
		return nil, d.errAt(fmt.Errorf("%w: want an array of relations or an object with \"concept_relations\"", ErrShape))
	}
	var out []Relation
	for i := 0; dec.More(); i++ {
		if i%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		line := t.lineAt(dec.InputOffset())
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, d.streamError(line, err)
		}
		rel, err := parseRelation(raw)
		if err != nil {
			return nil, toParseError(name, line+errLineOffset(raw, err, new(jsonRelation)), err)
		}
		out = append(out, rel)
	}
	if err := d.finish(); !errors.Is(err, io.EOF) {
		return nil, err
	}
	return out, ctx.Err()
}
