package synth

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/apache/arrow/go/v15/arrow/memory"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"curate.dev/dataset"
)

// TestExamplesLoad loads every committed example file with the dataset
// loaders. (internal/cli's TestSynthExamples checks they are reproducible.)
func TestExamplesLoad(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		file       string
		inputs     int64
		embeddings bool
	}{
		{"animals.jsonl", 200, true},
		{"labels.csv", 0, false},
		{"openimages.csv", 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			f, err := os.Open(filepath.Join("..", "..", "examples", tt.file))
			require.NoError(t, err)
			defer f.Close()
			r, err := dataset.NewReader(ctx, f, dataset.WithName(tt.file), dataset.WithAllocator(mem))
			require.NoError(t, err)
			defer r.Release()
			sawEmbedding := false
			for r.Next() {
				if in := r.Inputs(); in != nil {
					sawEmbedding = sawEmbedding || in.Schema().HasField("embedding")
				}
			}
			require.NoError(t, r.Err())
			st := r.Stats()
			assert.Positive(t, st.Annotations)
			if tt.inputs > 0 {
				assert.Equal(t, tt.inputs, st.Inputs)
			}
			assert.Equal(t, tt.embeddings, sawEmbedding)
		})
	}
	t.Run("relations.jsonl", func(t *testing.T) {
		f, err := os.Open(filepath.Join("..", "..", "examples", "relations.jsonl"))
		require.NoError(t, err)
		defer f.Close()
		rels, err := dataset.ReadRelations(ctx, f, "relations.jsonl")
		require.NoError(t, err)
		assert.Equal(t, newWorld(t, DefaultConfig()).Relations(), rels)
	})
}
