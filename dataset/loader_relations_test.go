package dataset

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const relationsJSONL = `{"subject_concept":{"id":"husky"},"object_concept":{"id":"dog"},"predicate":"hyponym"}
{"id":"rel-2","subject_concept":{"id":"dog","name":"Dog"},"object_concept":{"id":"wolf"},"predicate":"hypernym"}

{"subject_concept":{"id":"puppy"},"object_concept":{"id":"dog"},"predicate":"synonym","knowledge_graph_id":""}
`

var relationsWant = []Relation{
	{Subject: "husky", Object: "dog", Predicate: Hyponym},
	{Subject: "dog", Object: "wolf", Predicate: Hypernym},
	{Subject: "puppy", Object: "dog", Predicate: Synonym},
}

func TestReadRelations(t *testing.T) {
	for _, tc := range []struct {
		name string
		src  string
		want []Relation
	}{
		{"jsonl", relationsJSONL, relationsWant},
		{"jsonl crlf bom", "\xef\xbb\xbf" + strings.ReplaceAll(relationsJSONL, "\n", "\r\n"), relationsWant},
		{"array", toArray(relationsJSONL), relationsWant},
		{"array bom", "\xef\xbb\xbf" + toArray(relationsJSONL), relationsWant},
		{"response", `{"status":{"code":10000},"concept_relations":` + toArray(relationsJSONL) + `}`, relationsWant},
		{"response relations first", `{"concept_relations":` + toArray(relationsJSONL) + `,"status":{"code":10000}}`, relationsWant},
		{"response without relations", `{"status":{"code":10000}}`, nil},
		{"empty", "", nil},
		{"empty array", "[]", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ReadRelations(context.Background(), strings.NewReader(tc.src), "rel.json")
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
		})
	}
}

func TestReadRelationsErrors(t *testing.T) {
	const pretty = `{
  "status": {"code": 10000},
  "concept_relations": [
    {
      "subject_concept": {"id": "husky"},
      "object_concept": {"id": "dog"},
      "predicate": "hyponym"
    },
    {
      "subject_concept": {"id": "cat"},
      "object_concept": {"id": "animal"},
      "predicate": "is_a"
    }
  ]
}
`
	good := `{"subject_concept":{"id":"a"},"object_concept":{"id":"b"},"predicate":"synonym"}`
	for _, tc := range []struct {
		name string
		src  string
		want wantErr
	}{
		{"jsonl predicate", good + "\n" + `{"subject_concept":{"id":"a"},"object_concept":{"id":"b"},"predicate":"parent"}` + "\n",
			wantErr{line: 2, field: "predicate", is: ErrShape,
				msg: `dataset: rel.json:2: field "predicate": unexpected shape: want hyponym, hypernym or synonym, got "parent"`}},
		{"jsonl missing subject", good + "\n\n" + `{"object_concept":{"id":"b"},"predicate":"synonym"}`, wantErr{line: 3, field: "subject_concept.id", is: ErrShape}},
		{"jsonl empty object id", `{"subject_concept":{"id":"a"},"object_concept":{"id":""},"predicate":"synonym"}`, wantErr{line: 1, field: "object_concept.id", is: ErrShape}},
		{"jsonl id a number", good + "\n" + `{"subject_concept":{"id":1},"object_concept":{"id":"b"},"predicate":"synonym"}`,
			wantErr{line: 2, field: "subject_concept.id", is: ErrShape}},
		{"jsonl syntax", good + "\n" + `{"subject_concept":`, wantErr{line: 2, is: ErrSyntax}},
		{"jsonl not an object", good + "\n" + `"a is b"`, wantErr{line: 2, is: ErrShape}},
		{"pretty response", pretty, wantErr{line: 12, field: "predicate", is: ErrShape}},
		{"pretty type", strings.Replace(pretty, `{"id": "animal"}`, `"animal"`, 1), wantErr{line: 11, field: "object_concept", is: ErrShape}},
		{"pretty syntax", strings.Replace(pretty, `"predicate": "is_a"`, `"predicate": is_a`, 1), wantErr{line: 12, is: ErrSyntax}},
		{"array one per line", "[\n" + good + ",\n" + good + ",\n" + `{"subject_concept":{"id":"a"},"predicate":"synonym"}` + "\n]", wantErr{line: 4, field: "object_concept.id", is: ErrShape}},
		{"array truncated", "[\n" + good + ",\n" + good + "\n", wantErr{line: 4, is: ErrSyntax}},
		{"relations not an array", `{"concept_relations": {"a": 1}}`, wantErr{line: 1, field: "concept_relations", is: ErrShape}},
		{"failed status", strings.Replace(pretty, `"code": 10000`, `"code": 11006`, 1), wantErr{line: 2, field: "status", is: ErrStatus}},
		{"failed status, no relations", `{"status": {"code": "CONN_DOES_NOT_EXIST"}}`, wantErr{line: 1, field: "status", is: ErrStatus}},
		{"lone surrogate in a subject", good + "\n" + `{"subject_concept":{"id":"a\ud800"},"object_concept":{"id":"b"},"predicate":"synonym"}`,
			wantErr{line: 2, field: "subject_concept.id", is: ErrID}},
		{"white space object", `{"subject_concept":{"id":"a"},"object_concept":{"id":"  "},"predicate":"synonym"}`,
			wantErr{line: 1, field: "object_concept.id", is: ErrID}},
		{"repeated relations", "{\"concept_relations\": [" + good + "],\n \"concept_relations\": [" + good + "]}",
			wantErr{line: 2, field: "concept_relations", is: ErrShape}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ReadRelations(context.Background(), strings.NewReader(tc.src), "rel.json")
			assert.Nil(t, got)
			checkParseError(t, err, "rel.json", tc.want)
		})
	}
}

func TestReadRelationsCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for _, src := range []string{relationsJSONL, toArray(relationsJSONL)} {
		_, err := ReadRelations(ctx, strings.NewReader(src), "rel.json")
		assert.ErrorIs(t, err, context.Canceled)
	}
}

func TestRelationParent(t *testing.T) {
	for _, r := range relationsWant {
		child, parent, ok := r.Parent()
		switch r.Predicate {
		case Hyponym:
			assert.Equal(t, [3]any{"husky", "dog", true}, [3]any{child, parent, ok})
		case Hypernym:
			assert.Equal(t, [3]any{"wolf", "dog", true}, [3]any{child, parent, ok})
		case Synonym:
			assert.False(t, ok)
		}
	}
}
