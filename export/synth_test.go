package export

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/apache/arrow/go/v15/arrow/memory"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"curate.dev/dataset"
	"curate.dev/internal/synth"
)

// synthWorld builds a realistic multi-label world: a concept hierarchy,
// context concepts, near-duplicate scenes (group_key), conflicts and
// model scores.
func synthWorld(t *testing.T, inputs, concepts int) *synth.World {
	t.Helper()
	cfg := synth.DefaultConfig()
	cfg.Inputs, cfg.Concepts, cfg.Seed = inputs, concepts, 3
	cfg.ContextRate, cfg.ParentRate = 0.6, 0.5
	w, err := synth.New(cfg)
	require.NoError(t, err)
	return w
}

func TestStratifySynthBeatsRandom(t *testing.T) {
	w := synthWorld(t, 20000, 120)
	for _, group := range []string{"", "group_key"} {
		t.Run("group="+group, func(t *testing.T) {
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			var opts []CollectOption
			if group != "" {
				opts = append(opts, WithGroupField(group))
			}
			c := NewLabelCollector(opts...)
			r := w.Reader(context.Background(), dataset.WithAllocator(mem))
			for r.Next() {
				require.NoError(t, c.AddInputs(r.Inputs()))
				require.NoError(t, c.AddAnnotations(r.Annotations()))
			}
			require.NoError(t, r.Err())
			r.Release()
			l := c.Labels()
			require.Equal(t, w.Len(), l.NumInputs())
			assign := Stratify(l, split3, 7)
			strat, random := NewSplitReport(l, split3, assign), NewSplitReport(l, split3, RandomSplit(l, split3, 7))
			t.Logf("mean |dev| stratified %.4f random %.4f; max %.4f vs %.4f",
				strat.MeanAbsDeviation(), random.MeanAbsDeviation(), strat.MaxAbsDeviation(), random.MaxAbsDeviation())
			assert.Less(t, strat.MeanAbsDeviation(), random.MeanAbsDeviation())
			if group != "" {
				split := map[int32]int8{}
				for i, g := range l.Groups {
					if s, ok := split[g]; ok {
						require.Equal(t, s, assign[i], "group %d split apart", g)
					}
					split[g] = assign[i]
				}
				assert.Less(t, len(split), w.Len(), "the world must have near-duplicate groups")
			}
		})
	}
}

// TestExportSynthJSONL goes through the real JSONL loader, reading the
// file twice as the CLI does.
func TestExportSynthJSONL(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	w := synthWorld(t, 3000, 30)
	var buf bytes.Buffer
	require.NoError(t, w.WriteJSONL(context.Background(), &buf))
	src := filepath.Join(t.TempDir(), "world.jsonl")
	require.NoError(t, os.WriteFile(src, buf.Bytes(), 0o644))
	open := func(ctx context.Context, inputs bool) (*dataset.Reader, error) {
		data, err := os.ReadFile(src)
		if err != nil {
			return nil, err
		}
		return dataset.NewReader(ctx, bytes.NewReader(data), dataset.WithName("world.jsonl"), dataset.WithAllocator(mem), dataset.WithInputs(inputs))
	}
	dir := t.TempDir()
	res, err := Write(context.Background(), open, newSink(t, dir),
		Request{Layout: Training, Splits: split3, Seed: 7, GroupField: "group_key"}, WithAllocator(mem))
	require.NoError(t, err)
	assert.Equal(t, int64(w.Len()), res.Rows)
	assert.Positive(t, res.Plan.Labels.Excluded, "synth worlds carry model scores")
	var rows int64
	for _, f := range res.Files {
		tbl, kv := readParquet(t, mem, filepath.Join(dir, filepath.FromSlash(f.Name)))
		assert.Equal(t, f.Rows, tbl.NumRows())
		assert.NotEmpty(t, kv[MetaConcepts])
		rows += tbl.NumRows()
		tbl.Release()
	}
	assert.Equal(t, int64(w.Len()), rows)
}
