package writeback_test

import (
	"bytes"
	"context"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"curate.dev/writeback"
)

// BenchmarkReadChanges reads a suggestions file of 100k lines.
func BenchmarkReadChanges(b *testing.B) {
	var buf bytes.Buffer
	for i := range 100_000 {
		fmt.Fprintf(&buf, `{"input_id":"in-%06d","concept_id":"wolf","value":0,"score":0.%d,"source_concept_id":"husky","reason":"positive for husky; husky and wolf overlap (embedding similarity 0.83); never seen together in 412 husky inputs"}`+"\n", i, i%100)
	}
	b.SetBytes(int64(buf.Len()))
	for b.Loop() {
		tbl, err := writeback.ReadChanges(context.Background(), bytes.NewReader(buf.Bytes()), writeback.ReadOptions{Name: "s.jsonl"})
		require.NoError(b, err)
		tbl.Release()
	}
}
