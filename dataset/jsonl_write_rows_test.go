package dataset_test

import (
	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"
)

// jwCell reads a string or dictionary-of-string cell ("" for null).
func jwCell(c arrow.Array, i int) string {
	if c.IsNull(i) {
		return ""
	}
	if d, ok := c.(*array.Dictionary); ok {
		return d.Dictionary().(*array.String).Value(d.GetValueIndex(i))
	}
	return c.(*array.String).Value(i)
}
