package export

import (
	"fmt"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"
	"github.com/apache/arrow/go/v15/arrow/bitutil"
	"github.com/apache/arrow/go/v15/arrow/memory"
	"github.com/apache/arrow/go/v15/parquet"
	"github.com/apache/arrow/go/v15/parquet/file"
	"github.com/apache/arrow/go/v15/parquet/pqarrow"
)

// The training layout's list columns (positives, negatives: list<utf8>;
// labels: list<int8>; targets, mask: list<float32>) are written by the
// flat writer too, a column per core, with levels computed here from the
// column's descriptor (v15 writes list elements OPTIONAL even for
// non-nullable ones, so a value has definition level 2 and an empty list
// 0); the repetition level is 0 where a row starts.
// Their values go to Parquet's dictionary encoder as indices into a
// dictionary that stays the same for the whole column chunk, so no value
// is hashed: concept ids are looked up once per batch in a small map, and
// label values are -1/0/1 (int8) or 0/1 (float32). pqarrow's own path
// converts and hashes every one of the 75M label values of a 1M-input
// export, one column after the other.

// listLeaf reports whether t is a list the flat writer handles.
func listLeaf(f arrow.Field) bool {
	lt, ok := f.Type.(*arrow.ListType)
	if !ok || f.Nullable || lt.ElemField().Nullable {
		return false
	}
	switch lt.Elem().ID() {
	case arrow.STRING, arrow.INT8, arrow.FLOAT32:
		return true
	}
	return false
}

// listCol is the per-column state of a list column.
type listCol struct {
	def, rep     []int16
	leafNullable bool
	idx          []int32
	views        []parquet.ByteArray

	// strings: one dictionary per column chunk, in first-seen order
	strIndex map[string]int32
	strVals  []string
	strBytes int
	strArr   *array.String // dictionary of the current chunk; rebuilt when it grows
	noDict   bool          // past the limits: plain values from now on

	// numbers: the fixed dictionary of the label values
	numDict arrow.Array
}

// levels fills def and rep for l's rows and returns the value range.
// valueDef is the definition level of a value, emptyDef that of an empty
// list.
func (c *listCol) levels(l *array.List, valueDef, emptyDef int16) (start, end int) {
	n := l.Len()
	off := l.Data().Offset()
	offs := l.Offsets()[off : off+n+1] // Offsets is not sliced with the array
	start, end = int(offs[0]), int(offs[n])
	total := end - start
	for i := 0; i < n; i++ {
		if offs[i+1] == offs[i] {
			total++
		}
	}
	if cap(c.def) < total {
		c.def, c.rep = make([]int16, total), make([]int16, total)
	}
	def, rep := c.def[:total], c.rep[:total]
	k := 0
	for i := 0; i < n; i++ {
		a, b := int(offs[i]), int(offs[i+1])
		if a == b {
			def[k], rep[k] = emptyDef, 0
			k++
			continue
		}
		def[k], rep[k] = valueDef, 0
		k++
		for j := a + 1; j < b; j++ {
			def[k], rep[k] = valueDef, 1
			k++
		}
	}
	c.def, c.rep = def, rep
	return start, end
}

func (c *listCol) write(fc *flatCol, cw file.ColumnChunkWriter, l *array.List) error {
	if l.NullN() > 0 {
		return fmt.Errorf("list column with nulls")
	}
	info := cw.LevelInfo()
	if info.RepLevel != 1 || info.RepeatedAncestorDefLevel < 1 {
		return fmt.Errorf("list column with levels %+v", info)
	}
	start, end := c.levels(l, info.DefLevel, info.RepeatedAncestorDefLevel-1)
	// An OPTIONAL element of a list is a "single nullable" leaf for
	// pqarrow: no validity bitmap, whose v15 handling mis-slices batches.
	c.leafNullable = cw.Descr().SchemaNode().RepetitionType() == parquet.Repetitions.Optional
	vals := l.ListValues()
	// Only levels (every list empty): pqarrow's dictionary path cannot
	// take a batch without values, the plain one can.
	dictOK := end > start && cw.Properties().DictionaryEnabledFor(cw.Descr().Path())
	switch v := vals.(type) {
	case *array.String:
		return c.writeStrings(fc, cw, v, start, end, dictOK)
	case *array.Int8:
		raw := v.Int8Values()[start:end]
		if dictOK && isDictEncoding(cw) {
			idx, seen := c.int8Indices(raw)
			if idx != nil {
				return c.writeFixedDict(fc, cw, idx, seen, func(mem memory.Allocator) arrow.Array {
					// Parquet stores int8 as INT32: the encoder's dictionary is int32.
					b := array.NewInt32Builder(mem)
					defer b.Release()
					b.AppendValues([]int32{-1, 0, 1}, nil)
					return b.NewArray()
				})
			}
		}
		iw, ok := cw.(*file.Int32ColumnChunkWriter)
		if !ok {
			return fmt.Errorf("column is %s, want int32", cw.Type())
		}
		wide := make([]int32, len(raw))
		for k, x := range raw {
			wide[k] = int32(x)
		}
		_, err := iw.WriteBatch(wide, c.def, c.rep)
		return err
	case *array.Float32:
		raw := v.Float32Values()[start:end]
		if dictOK && isDictEncoding(cw) {
			idx, seen := c.float32Indices(raw)
			if idx != nil {
				return c.writeFixedDict(fc, cw, idx, seen, func(mem memory.Allocator) arrow.Array {
					b := array.NewFloat32Builder(mem)
					defer b.Release()
					b.AppendValues([]float32{0, 1}, nil)
					return b.NewArray()
				})
			}
		}
		fw, ok := cw.(*file.Float32ColumnChunkWriter)
		if !ok {
			return fmt.Errorf("column is %s, want float", cw.Type())
		}
		_, err := fw.WriteBatch(raw, c.def, c.rep)
		return err
	}
	return fmt.Errorf("list of %s", vals.DataType())
}

// int8Indices maps label values -1, 0, 1 to dictionary indices 0, 1, 2
// and reports which were used; nil when a value is outside the dictionary.
func (c *listCol) int8Indices(raw []int8) ([]int32, []bool) {
	idx := c.idxBuf(len(raw))
	var used [3]int
	for k, x := range raw {
		i := int32(x) + 1
		if uint32(i) > 2 {
			return nil, nil
		}
		idx[k] = i
		used[i]++
	}
	return idx, []bool{used[0] > 0, used[1] > 0, used[2] > 0}
}

// float32Indices maps 0 and 1 to dictionary indices 0 and 1, like
// int8Indices.
func (c *listCol) float32Indices(raw []float32) ([]int32, []bool) {
	idx := c.idxBuf(len(raw))
	var used [2]int
	for k, x := range raw {
		var i int32
		switch x {
		case 0:
		case 1:
			i = 1
		default:
			return nil, nil
		}
		idx[k] = i
		used[i]++
	}
	return idx, []bool{used[0] > 0, used[1] > 0}
}

func (c *listCol) idxBuf(n int) []int32 {
	if cap(c.idx) < n {
		c.idx = make([]int32, n)
	}
	return c.idx[:n]
}

// writeFixedDict writes indices into a dictionary made once per column
// (mk); seen says which of its entries the batch uses.
func (c *listCol) writeFixedDict(fc *flatCol, cw file.ColumnChunkWriter, idx []int32, seen []bool, mk func(memory.Allocator) arrow.Array) error {
	if c.numDict == nil {
		c.numDict = mk(memory.DefaultAllocator)
	}
	return writeIndices(fc, cw, idx, c.numDict, seen, c.def, c.rep, c.leafNullable)
}

// dictEncoder is the part of Parquet's dictionary encoders that
// writeIndices drives.
type dictEncoder interface {
	PutDictionary(arrow.Array) error
	NumEntries() int
	PreservedDictionary() arrow.Array
}

// writeIndices hands idx (into dict, of which the batch uses the entries
// marked in used) to the column's dictionary encoder. It does what
// pqarrow does for a dictionary array, but takes the statistics from the
// entries used, which the caller knows, instead of hashing every index to
// find them (arrow's unique kernel was a tenth of a training export).
func writeIndices(fc *flatCol, cw file.ColumnChunkWriter, idx []int32, dict arrow.Array, used []bool, def, rep []int16, leafNullable bool) error {
	// idx is wrapped, not copied: the encoder copies what it keeps.
	data := array.NewData(arrow.PrimitiveTypes.Int32, len(idx), []*memory.Buffer{nil, memory.NewBufferBytes(arrow.Int32Traits.CastToBytes(idx))}, nil, 0, 0)
	ia := array.NewInt32Data(data)
	data.Release()
	defer ia.Release()
	dense := func() error {
		// Not dictionary-encoding (any more): pqarrow writes the values.
		da := array.NewDictionaryArray(&arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int32, ValueType: dict.DataType()}, ia, dict)
		defer da.Release()
		return pqarrow.WriteArrowToColumn(fc.ctx, cw, da, def, rep, leafNullable)
	}
	enc, ok := cw.CurrentEncoder().(dictEncoder)
	if !ok || cw.CurrentEncoder().Encoding() != parquet.Encodings.PlainDict {
		return dense()
	}
	switch pres := enc.PreservedDictionary(); {
	case pres == nil:
		if err := enc.PutDictionary(dict); err != nil {
			return err
		}
		if enc.NumEntries() != dict.Len() {
			// Duplicate values: the encoder's indices differ from ours.
			cw.FallbackToPlain()
			return dense()
		}
	case pres != dict && !array.Equal(pres, dict):
		// The dictionary grew within the chunk: plain values from here
		// on, as pqarrow does.
		cw.FallbackToPlain()
		return dense()
	}
	info := cw.LevelInfo()
	singleNullable := info.DefLevel == info.RepeatedAncestorDefLevel+1 && leafNullable
	if info.HasNullableValues() && !singleNullable && !cw.HasBitsBuffer() {
		buf := memory.NewResizableBuffer(cw.Properties().Allocator())
		buf.Resize(int(bitutil.BytesForBits(cw.Properties().WriteBatchSize())))
		cw.SetBitsBuffer(buf)
	}
	if ps := cw.PageStatistics(); ps != nil {
		var keep []int
		for k, u := range used {
			if u {
				keep = append(keep, k)
			}
		}
		ref := dict
		if len(keep) < dict.Len() {
			ref = takeEntries(dict, keep)
			defer ref.Release()
		}
		ps.IncNulls(int64(len(def) - len(idx)))
		ps.IncNumValues(int64(len(idx)))
		if err := ps.UpdateFromArrow(ref, false); err != nil {
			return err
		}
	}
	return cw.WriteDictIndices(ia, def, rep)
}

// takeEntries returns the entries keep of a dictionary (utf8, int32 or
// float32).
func takeEntries(dict arrow.Array, keep []int) arrow.Array {
	mem := memory.DefaultAllocator
	switch d := dict.(type) {
	case *array.String:
		return takeInto(array.NewStringBuilder(mem), d.Value, keep)
	case *array.Int32:
		return takeInto(array.NewInt32Builder(mem), d.Value, keep)
	case *array.Float32:
		return takeInto(array.NewFloat32Builder(mem), d.Value, keep)
	}
	panic(fmt.Sprintf("export: dictionary of %s", dict.DataType()))
}

// takeInto appends value(k) for each k of keep to b and returns the array.
func takeInto[T any](b interface {
	Append(T)
	NewArray() arrow.Array
	Release()
}, value func(int) T, keep []int) arrow.Array {
	defer b.Release()
	for _, k := range keep {
		b.Append(value(k))
	}
	return b.NewArray()
}

// Limits of a list column's string dictionary (concept ids); past them
// the values are written plain.
const (
	listDictMaxEntries = 1 << 16
	listDictMaxBytes   = 512 << 10
)

func (c *listCol) writeStrings(fc *flatCol, cw file.ColumnChunkWriter, s *array.String, start, end int, dictOK bool) error {
	data := s.ValueBytes()
	base := s.ValueOffset(0)
	value := func(k int) []byte { return data[s.ValueOffset(k)-base : s.ValueOffset(k+1)-base] }
	if dictOK && !c.noDict && isDictEncoding(cw) {
		if c.strIndex == nil {
			c.strIndex = map[string]int32{}
		}
		n := end - start
		if cap(c.idx) < n {
			c.idx = make([]int32, n)
		}
		idx := c.idx[:n]
		grew := false
		for k := range idx {
			b := value(start + k)
			id, found := c.strIndex[string(b)]
			if !found {
				if len(c.strVals) >= listDictMaxEntries || c.strBytes+len(b) > listDictMaxBytes {
					c.noDict = true
					break
				}
				v := string(b)
				id = int32(len(c.strVals))
				c.strIndex[v] = id
				c.strVals = append(c.strVals, v)
				c.strBytes += len(v)
				grew = true
			}
			idx[k] = id
		}
		if !c.noDict {
			// A dictionary that grows within a column chunk makes pqarrow
			// fall back to plain values for the rest of the chunk; seeding
			// it with the concept list (seed) avoids that.
			if grew || c.strArr == nil {
				c.rebuild()
			}
			seen := make([]bool, len(c.strVals))
			for _, id := range idx {
				seen[id] = true
			}
			return writeIndices(fc, cw, idx, c.strArr, seen, c.def, c.rep, c.leafNullable)
		}
	}
	bw, ok := cw.(*file.ByteArrayColumnChunkWriter)
	if !ok {
		return fmt.Errorf("column is %s, want byte array", cw.Type())
	}
	// Plain values: the statistics keep slices of them, so they must not
	// alias the record's recycled buffers.
	data = ownedBytes(s)
	views := c.views[:0]
	for k := start; k < end; k++ {
		views = append(views, value(k))
	}
	c.views = views
	_, err := bw.WriteBatch(views, c.def, c.rep)
	return err
}

// seed fills the string dictionary with vals (the concept list) up front.
func (c *listCol) seed(vals []string) {
	c.strIndex = map[string]int32{}
	for _, v := range vals {
		if _, dup := c.strIndex[v]; dup || len(c.strVals) >= listDictMaxEntries || c.strBytes+len(v) > listDictMaxBytes {
			continue
		}
		c.strIndex[v] = int32(len(c.strVals))
		c.strVals = append(c.strVals, v)
		c.strBytes += len(v)
	}
}

func (c *listCol) rebuild() {
	if c.strArr != nil {
		c.strArr.Release()
	}
	b := array.NewStringBuilder(memory.DefaultAllocator)
	b.AppendValues(c.strVals, nil)
	c.strArr = b.NewStringArray()
	b.Release()
}

// isDictEncoding reports whether cw still dictionary-encodes.
func isDictEncoding(cw file.ColumnChunkWriter) bool {
	enc := cw.CurrentEncoder()
	if enc == nil {
		return false
	}
	switch enc.Encoding() {
	case parquet.Encodings.RLEDict, parquet.Encodings.PlainDict:
		return true
	}
	return false
}

func (c *listCol) release() {
	if c.strArr != nil {
		c.strArr.Release()
		c.strArr = nil
	}
	if c.numDict != nil {
		c.numDict.Release()
		c.numDict = nil
	}
}
