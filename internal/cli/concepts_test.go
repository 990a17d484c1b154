package cli

import (
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"curate.dev/dataset"
)

func TestSelectConcepts(t *testing.T) {
	known := []dataset.Annotation{{ConceptID: "wolf", ConceptName: "Wolf"}, {ConceptID: "dog"}, {ConceptID: "wolf"}, {ConceptID: "fox", ConceptName: "Fox"}}
	tests := []struct {
		name    string
		given   []string
		want    []string
		wantErr string
	}{
		{name: "none given", given: nil, want: nil},
		{name: "ids", given: []string{"fox", "wolf"}, want: []string{"wolf", "fox"}},
		{name: "a name", given: []string{"Wolf"}, want: []string{"wolf"}},
		{name: "id and name of one concept", given: []string{"Wolf", "wolf"}, want: []string{"wolf"}},
		{name: "a typo", given: []string{"wolf", "wofl"}, wantErr: `--concepts: no concept "wofl" in s.jsonl`},
		{name: "names match exactly", given: []string{"fox", "FOX"}, wantErr: `no concept "FOX"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := selectConcepts(tt.given, annotationConcepts(known), "s.jsonl")
			if tt.wantErr != "" {
				assert.ErrorContains(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

// In apply, a --concepts word that names no concept in the suggestions
// is an error and nothing is written; a name given in the suggestions
// selects its concept.
func TestApplyConcepts(t *testing.T) {
	sugg := `{"input_id":"a","concept_id":"wolf","concept_name":"Wolf","value":0,"score":0.9}
{"input_id":"c","concept_id":"husky","value":0,"score":0.7}
`
	t.Run("unknown", func(t *testing.T) {
		_, src, s := applyFixture(t, applySrc, sugg)
		code, out, errOut := runCurate(t, "apply", src, "--suggestions", s, "--concepts", "wolf,wofl")
		assert.Equal(t, ExitError, code)
		assert.Equal(t, `curate: apply: --concepts: no concept "wofl" in `+s+"\n", errOut)
		assert.Empty(t, out)
		got, err := os.ReadFile(src)
		require.NoError(t, err)
		assert.Equal(t, applySrc, string(got), "nothing written")
	})
	t.Run("by name", func(t *testing.T) {
		_, src, s := applyFixture(t, applySrc, sugg)
		code, out, errOut := runCurate(t, "apply", src, "--suggestions", s, "--concepts", "Wolf", "--show", "0")
		require.Equal(t, ExitOK, code, errOut)
		assert.Equal(t, "concept\tadded\tupdated\tpresent\tskipped\trefused\n"+
			"husky\t0\t0\t0\t1\t0\n"+
			"wolf\t1\t0\t0\t0\t0\n"+
			"total\t1\t0\t0\t1\t0\n\n"+
			"wrote 1 annotation(s) to "+src+"\n", out)
	})
}
