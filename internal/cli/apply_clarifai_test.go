package cli

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// apply --to pushes the chosen suggestions to an app: rejected lines and
// filtered ones stay out, a negative arrives as a negative, and a second
// run adds nothing.
func TestApplyToApp(t *testing.T) {
	_, app, addr := fakeApp(t, 3)
	dir := t.TempDir()
	sugg := filepath.Join(dir, "s.jsonl")
	require.NoError(t, os.WriteFile(sugg, []byte(`{"input_id":"in0","concept_id":"wolf","value":0,"score":0.9}
{"input_id":"in1","concept_id":"wolf","value":0,"score":0.8,"accept":false}
{"input_id":"in2","concept_id":"wolf","value":1,"score":0.7}
{"input_id":"in1","concept_id":"fox","value":0,"score":0.2}
`), 0o644))
	argv := []string{"apply", "--to", "clarifai://me/animals", "--suggestions", sugg, "--min-score", "0.5",
		"--endpoint", addr, "--insecure", "--rate", "-1"}

	f, out, _ := clarifaiFactory(cliKey)
	code := Run(context.Background(), f, append(argv, "--dry-run"))
	require.Equal(t, ExitOK, code)
	assert.Contains(t, out.String(), "2 new, 0 present, 0 conflict(s); nothing written")
	before := len(app.Annotations())

	f, _, errOut := clarifaiFactory(cliKey)
	code = Run(context.Background(), f, argv)
	require.Equal(t, ExitOK, code, errOut.String())
	assert.Contains(t, errOut.String(), "2 label(s): 2 posted, 0 present")
	anns := app.Annotations()
	require.Len(t, anns, before+2)
	got := map[string]float32{}
	for _, a := range anns[before:] {
		for _, c := range a.GetData().GetConcepts() {
			got[a.GetInputId()+"/"+c.GetId()] = c.GetValue()
		}
	}
	assert.Equal(t, map[string]float32{"in0/wolf": 0, "in2/wolf": 1}, got)

	f, _, errOut = clarifaiFactory(cliKey)
	code = Run(context.Background(), f, argv)
	require.Equal(t, ExitOK, code, errOut.String())
	assert.Contains(t, errOut.String(), "2 label(s): 0 posted, 2 present")
	assert.Len(t, app.Annotations(), before+2, "a rerun duplicates nothing")
	assert.NotContains(t, errOut.String(), cliKey)
}

// apply has no use for --relations, locally or with --to: it does not
// accept the flag.
func TestApplyRejectsRelations(t *testing.T) {
	for _, argv := range []string{
		"a.jsonl --suggestions s.jsonl --relations r.jsonl",
		"--to clarifai://me/a --suggestions s.jsonl --relations r.jsonl",
	} {
		f, _, _ := clarifaiFactory("")
		_, err := parseFlags(t, f, NewCmdApply, argv)
		require.Error(t, err, argv)
		assert.Contains(t, err.Error(), "unknown flag: --relations")
	}
}
