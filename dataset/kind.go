package dataset

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
)

// otherKind recognises, from the first record in br's buffer, a file of
// another kind curate reads, passed where a dataset is expected: concept
// relations or suggestions. It returns an error wrapping [ErrRelationsFile]
// or [ErrSuggestionsFile], or nil (a dataset, or not JSON at all: the decoders
// report that).
func otherKind(br *bufio.Reader, format Format) error {
	if format != FormatJSONL && format != FormatJSON {
		return nil
	}
	// Only what one read brings: never wait for more of a slow stream.
	if br.Buffered() == 0 {
		_, _ = br.Peek(1)
	}
	head, _ := br.Peek(br.Buffered())
	head = bytes.TrimPrefix(head, bom)
	head = bytes.TrimLeft(head, " \t\r\n")
	if len(head) > 0 && head[0] == '[' {
		head = bytes.TrimLeft(head[1:], " \t\r\n")
	}
	keys := topKeys(head)
	has := func(k string) bool { return slices.Contains(keys, k) }
	switch {
	case len(keys) == 0 || has("id") || has("inputs") || has("hits"):
		return nil
	case has("concept_relations") || (has("subject_concept") && has("object_concept")):
		return fmt.Errorf("%w (subject_concept, predicate, object_concept)", ErrRelationsFile)
	case has("input_id") && has("concept_id"):
		return fmt.Errorf("%w (input_id, concept_id, value per line)", ErrSuggestionsFile)
	}
	return nil
}

// topKeys returns the keys of the JSON object b starts with, as far as b
// holds it.
func topKeys(b []byte) []string {
	dec := json.NewDecoder(bytes.NewReader(b))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil
	}
	var keys []string
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return keys
		}
		k, _ := tok.(string)
		keys = append(keys, k)
		var skip json.RawMessage
		if dec.Decode(&skip) != nil {
			return keys
		}
	}
	return keys
}
