package gonb

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/apache/arrow/go/v15/arrow/memory"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"curate.dev/balance"
	"curate.dev/dataset"
	"curate.dev/label"
)

// chartFile is the balance chart of the example data shown in README.md.
const chartFile = "../../docs/balance-chart.svg"

// TestReadmeBalanceChart checks that docs/balance-chart.svg is the chart
// of the example data's balance report, as notebook 01 draws it; run
// go test ./notebooks/gonb -run TestReadmeBalanceChart -update to
// regenerate it.
func TestReadmeBalanceChart(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	ctx := context.Background()

	rf, err := os.Open("../../examples/relations.jsonl")
	require.NoError(t, err)
	defer rf.Close()
	rels, err := dataset.ReadRelations(ctx, rf, "relations.jsonl")
	require.NoError(t, err)
	h, err := label.NewHierarchy(rels)
	require.NoError(t, err)

	f, err := os.Open("../../examples/animals.jsonl")
	require.NoError(t, err)
	defer f.Close()
	r, err := dataset.NewReader(ctx, f, dataset.WithName("animals.jsonl"), dataset.WithInputs(false), dataset.WithAllocator(mem))
	require.NoError(t, err)
	defer r.Release()
	rr := r.AnnotationReader()
	defer rr.Release()
	rep, err := balance.Compute(ctx, rr, balance.WithHierarchy(h))
	require.NoError(t, err)

	var got bytes.Buffer
	require.NoError(t, rep.ChartSVG(&got))
	if *update {
		require.NoError(t, os.MkdirAll(filepath.Dir(chartFile), 0o755))
		require.NoError(t, os.WriteFile(chartFile, got.Bytes(), 0o644))
	}
	want, err := os.ReadFile(chartFile)
	require.NoError(t, err, "run go test ./notebooks/gonb -run TestReadmeBalanceChart -update to create it")
	assert.Equal(t, string(want), got.String(), "docs/balance-chart.svg is stale: run go test ./notebooks/gonb -run TestReadmeBalanceChart -update")
	assert.Contains(t, got.String(), ">Husky<", "the chart names the example concepts")
}
