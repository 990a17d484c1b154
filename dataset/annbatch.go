package dataset

import (
	"hash/maphash"
	"unsafe"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"
	"github.com/apache/arrow/go/v15/arrow/bitutil"
	"github.com/apache/arrow/go/v15/arrow/memory"
)

// annBatch accumulates annotation rows in plain Go slices, with its own
// dictionaries, and turns them into one record of [AnnotationSchema]. It
// is what the fast JSONL path appends to: a row costs a few slice appends
// and map lookups that do not allocate once a string has been seen in the
// batch. Dictionaries list values in order of first appearance, as
// [AnnotationBuilder] does, so both give equal records for equal rows.
type annBatch struct {
	input, concept, name, annotator dictCol

	inputs    []int32
	concepts  []int32
	names     []int32 // -1: null
	values    []float32
	sources   []int8 // index into srcDict
	annIDs    []byte
	annOffs   []int32
	annValid  []bool
	annots    []int32 // -1: null
	kinds     []int8  // index into kindDict; -1: null
	srcIdx    [3]int8 // ValueSource -> index in srcDict, -1 when absent
	srcDict   []ValueSource
	kindIdx   [4]int8
	kindDict  []AnnotatorKind
	implicits int64
	// pairs remembers (concept, name) index pairs by concept id: a concept
	// nearly always comes with the same name.
	pairs [256]conceptPair
}

type conceptPair struct {
	concept, name int32 // name -1: null
	ok            bool
}

// dictCol is a string dictionary under construction: the values one after
// another in data, with an open-addressing hash table over them, so that a
// lookup hashes once and never allocates.
type dictCol struct {
	data  []byte
	offs  []int32
	table []int32 // index+1 of the value in each slot; 0: empty
	// memo caches recent values by a cheap hash in front of the table:
	// concept ids and names repeat on every line and are few.
	memo [256]int32 // index+1; 0: empty
}

var dictSeed = maphash.MakeSeed()

func (d *dictCol) reset() {
	d.data = d.data[:0]
	d.offs = append(d.offs[:0], 0)
	if len(d.table) > 1<<16 {
		d.table = nil // do not keep a huge table for the next batch
	}
	clear(d.table)
	d.memo = [256]int32{}
}

func memoSlot(b []byte) int {
	if len(b) == 0 {
		return 0
	}
	return (len(b)*31 + int(b[0])*7 + int(b[len(b)-1])*3 + int(b[len(b)/2])) & 255
}

func (d *dictCol) value(i int32) []byte { return d.data[d.offs[i]:d.offs[i+1]] }

// get returns b's index, adding it on first sight.
func (d *dictCol) get(b []byte) int32 {
	slot := memoSlot(b)
	if m := d.memo[slot] - 1; m >= 0 && string(d.value(m)) == string(b) {
		return m
	}
	i := d.lookup(b)
	d.memo[slot] = i + 1
	return i
}

// lookup finds or adds b in the hash table.
func (d *dictCol) lookup(b []byte) int32 {
	n := int32(len(d.offs) - 1)
	if 2*(int(n)+1) > len(d.table) {
		d.grow()
	}
	mask := uint64(len(d.table) - 1)
	for h := maphash.Bytes(dictSeed, b) & mask; ; h = (h + 1) & mask {
		e := d.table[h] - 1
		if e < 0 {
			d.table[h] = n + 1
			d.data = append(d.data, b...)
			d.offs = append(d.offs, int32(len(d.data)))
			return n
		}
		if string(d.value(e)) == string(b) {
			return e
		}
	}
}

func (d *dictCol) grow() {
	size := max(64, 2*len(d.table))
	d.table = make([]int32, size)
	mask := uint64(size - 1)
	for i := int32(0); i < int32(len(d.offs)-1); i++ {
		h := maphash.Bytes(dictSeed, d.value(i)) & mask
		for d.table[h] != 0 {
			h = (h + 1) & mask
		}
		d.table[h] = i + 1
	}
}

func newAnnBatch() *annBatch {
	b := &annBatch{}
	b.reset()
	return b
}

func (b *annBatch) reset() {
	b.input.reset()
	b.concept.reset()
	b.name.reset()
	b.annotator.reset()
	b.inputs = b.inputs[:0]
	b.concepts = b.concepts[:0]
	b.names = b.names[:0]
	b.values = b.values[:0]
	b.sources = b.sources[:0]
	b.annIDs = b.annIDs[:0]
	b.annOffs = append(b.annOffs[:0], 0)
	b.annValid = b.annValid[:0]
	b.annots = b.annots[:0]
	b.kinds = b.kinds[:0]
	b.srcIdx = [3]int8{-1, -1, -1}
	b.srcDict = b.srcDict[:0]
	b.kindIdx = [4]int8{-1, -1, -1, -1}
	b.kindDict = b.kindDict[:0]
	b.implicits = 0
	b.pairs = [256]conceptPair{}
}

// Len returns the number of rows.
func (b *annBatch) Len() int { return len(b.values) }

// addConcept appends a row from the common JSONL shape: no annotation id,
// no annotator.
func (b *annBatch) addConcept(input int32, id, name []byte, v float32, src ValueSource) {
	b.inputs = append(b.inputs, input)
	e := &b.pairs[memoSlot(id)]
	if !e.ok || string(b.concept.value(e.concept)) != string(id) || !b.isName(e.name, name) {
		e.concept, e.name, e.ok = b.concept.get(id), -1, true
		if len(name) > 0 {
			e.name = b.name.get(name)
		}
	}
	b.concepts = append(b.concepts, e.concept)
	b.names = append(b.names, e.name)
	b.values = append(b.values, v)
	b.sources = append(b.sources, b.source(src))
	// The annotation id, annotator and kind columns are filled in only
	// once a row has one (padAnn): plain concepts leave them all null.
	if src.Implicit() {
		b.implicits++
	}
}

// padAnn gives the rows up to n null annotation ids, annotators and kinds.
func (b *annBatch) padAnn(n int) {
	for len(b.annValid) < n {
		b.annOffs = append(b.annOffs, int32(len(b.annIDs)))
		b.annValid = append(b.annValid, false)
		b.annots = append(b.annots, -1)
		b.kinds = append(b.kinds, -1)
	}
}

// addAnnotated appends a row from an input's "annotations" list.
func (b *annBatch) addAnnotated(input int32, c *fastConcept, annID, who []byte, kind AnnotatorKind) {
	b.addConcept(input, c.id, c.name, c.value, c.src)
	last := len(b.values) - 1
	b.padAnn(last + 1)
	if len(annID) > 0 {
		b.annIDs = append(b.annIDs, annID...)
		b.annOffs[last+1] = int32(len(b.annIDs))
		b.annValid[last] = true
	}
	if len(who) > 0 {
		b.annots[last] = b.annotator.get(who)
	}
	if kind != AnnotatorUnknown {
		if b.kindIdx[kind] < 0 {
			b.kindIdx[kind] = int8(len(b.kindDict))
			b.kindDict = append(b.kindDict, kind)
		}
		b.kinds[last] = b.kindIdx[kind]
	}
}

// isName reports whether name is the name with index n (-1: none).
func (b *annBatch) isName(n int32, name []byte) bool {
	if n < 0 {
		return len(name) == 0
	}
	return string(b.name.value(n)) == string(name)
}

// add appends any annotation row (the reference decoder's output).
func (b *annBatch) add(a *Annotation) {
	b.addConcept(b.input.get([]byte(a.InputID)), []byte(a.ConceptID), []byte(a.ConceptName), a.Value, a.Source)
	last := len(b.values) - 1
	b.padAnn(last + 1)
	if a.AnnotationID != "" {
		b.annIDs = append(b.annIDs, a.AnnotationID...)
		b.annOffs[last+1] = int32(len(b.annIDs))
		b.annValid[last] = true
	}
	if a.Annotator != "" {
		b.annots[last] = b.annotator.get([]byte(a.Annotator))
	}
	if a.AnnotatorKind.String() != "" {
		k := a.AnnotatorKind
		if b.kindIdx[k] < 0 {
			b.kindIdx[k] = int8(len(b.kindDict))
			b.kindDict = append(b.kindDict, k)
		}
		b.kinds[last] = b.kindIdx[k]
	}
}

func (b *annBatch) source(s ValueSource) int8 {
	if b.srcIdx[s] < 0 {
		b.srcIdx[s] = int8(len(b.srcDict))
		b.srcDict = append(b.srcDict, s)
	}
	return b.srcIdx[s]
}

// newRecord builds the record from the rows and resets the batch. The
// caller owns the record.
func (b *annBatch) newRecord(mem memory.Allocator) arrow.Record {
	n := b.Len()
	var srcDict, kindDict dictCol
	srcDict.reset()
	for _, s := range b.srcDict {
		srcDict.get([]byte(s.String()))
	}
	kindDict.reset()
	for _, k := range b.kindDict {
		kindDict.get([]byte(k.String()))
	}
	nameValid := validity(b.names) // before nullableIdx32 rewrites the -1s
	cols := []arrow.Array{
		dictArray(mem, dictString32, int32Bytes(b.inputs), nil, n, &b.input),
		dictArray(mem, dictString32, int32Bytes(b.concepts), nil, n, &b.concept),
		dictArray(mem, dictString32, nullableIdx32(b.names), nameValid, n, &b.name),
		float32Array(mem, b.values),
		dictArray(mem, dictString8, int8Bytes(b.sources), nil, n, &srcDict),
	}
	if len(b.annIDs) > 0 || len(b.annotator.offs) > 1 || len(b.kindDict) > 0 {
		b.padAnn(n)
		annValid := validityBool(b.annValid)
		annotValid := validity(b.annots)
		kindValid := validity(b.kinds)
		cols = append(cols,
			stringArray(mem, b.annIDs, b.annOffs, annValid),
			dictArray(mem, dictString32, nullableIdx32(b.annots), annotValid, n, &b.annotator),
			dictArray(mem, dictString8, nullableIdx8(b.kinds), kindValid, n, &kindDict))
	} else {
		// The common JSONL shape: no annotation ids or annotators. The
		// three all-null columns share one zeroed buffer for their
		// validity bitmaps, indices and offsets.
		zero := memory.NewResizableBuffer(mem)
		zero.Resize(4 * (n + 1))
		clear(zero.Bytes())
		defer zero.Release()
		cols = append(cols,
			nullArray(arrow.BinaryTypes.String, n, zero, nil),
			nullArray(dictString32, n, zero, nullArray(arrow.BinaryTypes.String, 0, zero, nil)),
			nullArray(dictString8, n, zero, nullArray(arrow.BinaryTypes.String, 0, zero, nil)))
	}
	for _, c := range cols {
		// The record takes its own references.
		defer c.Release()
	}
	b.reset()
	return array.NewRecord(annotationSchema, cols, int64(n))
}

// nullArray returns an array of n nulls of type dt (utf8 or a dictionary
// of utf8 with dict as its values) whose buffers are all zero, a buffer of
// at least 4*(n+1) zero bytes.
func nullArray(dt arrow.DataType, n int, zero *memory.Buffer, dict arrow.Array) arrow.Array {
	var d *array.Data
	if dict != nil {
		defer dict.Release()
		d = array.NewDataWithDictionary(dt, n, []*memory.Buffer{zero, zero}, n, 0, dict.Data().(*array.Data))
	} else {
		d = array.NewData(dt, n, []*memory.Buffer{zero, zero, zero}, nil, n, 0)
	}
	defer d.Release()
	return array.MakeFromData(d)
}

func bufferOf(mem memory.Allocator, b []byte) *memory.Buffer {
	buf := memory.NewResizableBuffer(mem)
	buf.Resize(len(b))
	copy(buf.Bytes(), b)
	return buf
}

// validity returns a validity bitmap for the rows whose index is not
// negative (-1 marks a null), or nil when every row is valid.
func validity[T int8 | int32](v []T) []byte {
	nulls := 0
	for _, x := range v {
		nulls += int(uint8(x>>(8*unsafe.Sizeof(x)-1))) & 1
	}
	if nulls == 0 {
		return nil
	}
	bm := make([]byte, bitutil.BytesForBits(int64(len(v))))
	if nulls == len(v) {
		return bm
	}
	for i, x := range v {
		if x >= 0 {
			bm[i>>3] |= 1 << (i & 7)
		}
	}
	return bm
}

// validityBool is validity for a []bool.
func validityBool(v []bool) []byte {
	nulls := 0
	for _, ok := range v {
		if !ok {
			nulls++
		}
	}
	if nulls == 0 {
		return nil
	}
	bm := make([]byte, bitutil.BytesForBits(int64(len(v))))
	if nulls == len(v) {
		return bm
	}
	for i, ok := range v {
		if ok {
			bm[i>>3] |= 1 << (i & 7)
		}
	}
	return bm
}

func float32Array(mem memory.Allocator, v []float32) arrow.Array {
	d := array.NewData(arrow.PrimitiveTypes.Float32, len(v),
		[]*memory.Buffer{nil, bufferOf(mem, arrow.Float32Traits.CastToBytes(v))}, nil, 0, 0)
	defer d.Release()
	releaseBufs(d)
	return array.NewFloat32Data(d)
}

func stringArray(mem memory.Allocator, data []byte, offs []int32, valid []byte) arrow.Array {
	n := len(offs) - 1
	nulls := 0
	var vb *memory.Buffer
	if valid != nil {
		nulls = n - bitutil.CountSetBits(valid, 0, n)
		vb = bufferOf(mem, valid)
	}
	d := array.NewData(arrow.BinaryTypes.String, n,
		[]*memory.Buffer{vb, bufferOf(mem, int32Bytes(offs)), bufferOf(mem, data)}, nil, nulls, 0)
	defer d.Release()
	releaseBufs(d)
	return array.NewStringData(d)
}

func dictArray(mem memory.Allocator, dt *arrow.DictionaryType, idx []byte, valid []byte, n int, dict *dictCol) arrow.Array {
	values := stringArray(mem, dict.data, dict.offs, nil)
	defer values.Release()
	nulls := 0
	var vb *memory.Buffer
	if valid != nil {
		nulls = n - bitutil.CountSetBits(valid, 0, n)
		vb = bufferOf(mem, valid)
	}
	d := array.NewDataWithDictionary(dt, n, []*memory.Buffer{vb, bufferOf(mem, idx)}, nulls, 0, values.Data().(*array.Data))
	defer d.Release()
	releaseBufs(d)
	return array.MakeFromData(d)
}

// releaseBufs drops the creation reference of d's fresh buffers: d holds
// its own.
func releaseBufs(d *array.Data) {
	for _, b := range d.Buffers() {
		if b != nil {
			b.Release()
		}
	}
}

func int32Bytes(v []int32) []byte { return arrow.Int32Traits.CastToBytes(v) }
func int8Bytes(v []int8) []byte   { return arrow.Int8Traits.CastToBytes(v) }

// nullableIdx32 returns the index bytes with nulls (-1) as 0, in place.
func nullableIdx32(v []int32) []byte {
	for i, x := range v {
		if x < 0 {
			v[i] = 0
		}
	}
	return int32Bytes(v)
}

func nullableIdx8(v []int8) []byte {
	for i, x := range v {
		if x < 0 {
			v[i] = 0
		}
	}
	return int8Bytes(v)
}
