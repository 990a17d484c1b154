package cli

import (
	"context"
	"encoding/json"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"curate.dev/balance"
)

func TestNewCmdOverlapSelection(t *testing.T) {
	tests := []struct {
		name     string
		cli      string
		top      int
		verdicts []balance.Verdict
		wantErr  string
	}{
		{name: "defaults", cli: "a.jsonl", top: 20},
		{name: "all", cli: "a.jsonl --top 0", top: 0},
		{name: "verdicts", cli: "a.jsonl --verdict overlapping,co-occurring", top: 20, verdicts: []balance.Verdict{balance.VerdictOverlapping, balance.VerdictCooccurring}},
		{name: "negative top", cli: "a.jsonl --top -1", wantErr: "--top: want at least 0, got -1"},
		{name: "unknown verdict", cli: "a.jsonl --verdict similar", wantErr: `--verdict: unknown verdict "similar"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ios, _, _, _ := Test()
			got, err := parseFlags(t, &Factory{IO: ios}, NewCmdOverlap, tt.cli)
			if tt.wantErr != "" {
				var fe *FlagError
				require.ErrorAs(t, err, &fe)
				assert.ErrorContains(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.top, got.Top)
			assert.Equal(t, tt.verdicts, got.Verdicts)
		})
	}
}

// The default view puts the overlapping pairs, which drive suggestions,
// first; --top 0 shows every pair; --verdict keeps the pairs of that
// verdict, in the order of the full list.
func TestOverlapRunSelection(t *testing.T) {
	data, rels := synthFiles(t, 8)
	run := func(args ...string) []jsonPair {
		t.Helper()
		ios, _, stdout, stderr := Test()
		code := Run(context.Background(), &Factory{IO: ios}, append([]string{"overlap", data, "--relations", rels, "--format", "json"}, args...))
		require.Equal(t, ExitOK, code, stderr.String())
		var doc struct{ Pairs []jsonPair }
		require.NoError(t, json.Unmarshal(stdout.Bytes(), &doc))
		return doc.Pairs
	}
	all := run("--top", "0")
	byVerdict := map[string]int{}
	for _, p := range all {
		byVerdict[p.Verdict]++
	}
	require.Greater(t, byVerdict["overlapping"], 0, "the fixture has overlapping pairs")
	require.Greater(t, byVerdict["related"]+byVerdict["co-occurring"], 0, "and others")
	require.Greater(t, len(all), 20, "more pairs than the default shows")

	rank := func(p jsonPair) int { return slices.Index(verdictOrder, balance.Verdict(p.Verdict)) }
	assert.True(t, slices.IsSortedFunc(all, func(x, y jsonPair) int { return rank(x) - rank(y) }), "grouped by verdict, overlapping first")
	for i := 1; i < len(all); i++ {
		if all[i].Verdict == all[i-1].Verdict {
			assert.GreaterOrEqual(t, all[i-1].Score, all[i].Score, "by score within a verdict")
		}
	}
	assert.Equal(t, all[:20], run(), "the default is the first 20 of all")

	var overlapping []jsonPair
	for _, p := range all {
		if p.Verdict == "overlapping" {
			overlapping = append(overlapping, p)
		}
	}
	assert.Equal(t, overlapping, run("--verdict", "overlapping", "--top", "0"))
}
