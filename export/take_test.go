package export

import (
	"context"
	"testing"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"
	"github.com/apache/arrow/go/v15/arrow/compute"
	"github.com/apache/arrow/go/v15/arrow/memory"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// takeList gives what the take kernel gives, nulls and sliced arrays
// included.
func TestTakeList(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	b := array.NewListBuilder(mem, arrow.BinaryTypes.String)
	defer b.Release()
	vb := b.ValueBuilder().(*array.StringBuilder)
	for i, row := range [][]string{{"a"}, nil, {"b", "c"}, {}, {"d", "e", "f"}, {"g"}} {
		if row == nil && i == 1 {
			b.AppendNull()
			continue
		}
		b.Append(true)
		for _, v := range row {
			vb.Append(v)
		}
	}
	full := b.NewListArray()
	defer full.Release()
	sliced := array.NewSlice(full, 1, 6).(*array.List) // null, [b c], [], [d e f], [g]
	defer sliced.Release()

	ctx := compute.WithAllocator(context.Background(), mem)
	rows := []int32{3, 0, 1, 2, 1}
	got, err := takeList(ctx, sliced, rows)
	require.NoError(t, err)
	defer got.Release()
	assert.Equal(t, `[["d" "e" "f"] (null) ["b" "c"] [] ["b" "c"]]`, got.String())
	assert.Equal(t, 1, got.NullN())

	ib := array.NewInt32Builder(mem)
	defer ib.Release()
	ib.AppendValues(rows, nil)
	idx := ib.NewArray()
	defer idx.Release()
	want, err := compute.TakeArray(ctx, sliced, idx)
	require.NoError(t, err)
	defer want.Release()
	assert.True(t, array.Equal(want, got), "want %v, got %v", want, got)
}

func TestTakeString(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	b := array.NewStringBuilder(mem)
	defer b.Release()
	b.AppendValues([]string{"x", "héllo", "", "z"}, []bool{true, true, false, true})
	full := b.NewStringArray()
	defer full.Release()
	sliced := array.NewSlice(full, 1, 4) // héllo, null, z
	defer sliced.Release()
	got := takeString(sliced.(*array.String), []int32{2, 0, 1, 0})
	defer got.Release()
	assert.Equal(t, `["z" "héllo" (null) "héllo"]`, got.String())
	assert.Equal(t, 1, got.NullN())
}
