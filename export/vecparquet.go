package export

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"math/bits"
	"reflect"
	"slices"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"
	"github.com/apache/arrow/go/v15/arrow/memory"
	"github.com/apache/arrow/go/v15/parquet"
	"github.com/apache/arrow/go/v15/parquet/compress"
	"github.com/apache/arrow/go/v15/parquet/metadata"
	"github.com/apache/arrow/go/v15/parquet/pqarrow"
)

// The label vectors of the training layout (labels: list<int8>; targets,
// mask: list<float32>) hold one value per concept in every row: 75M
// values for 1M inputs and 75 concepts, each with a definition and a
// repetition level. v15's column writer encodes levels and dictionary
// indices one value at a time (half the CPU of a training export went
// there), although the levels of a list whose length never changes are
// two runs per row and the values come from a dictionary of two or three
// entries fixed in advance. The concept lists (positives, negatives:
// list<utf8>) are the same story with a dictionary known in advance, the
// concept list.
//
// A vecWriter writes such a column chunk itself: a dictionary page with
// the fixed entries (or the concepts), then data pages (v1, so that the
// levels are compressed too) whose levels and dictionary indices are in
// Parquet's RLE/bit-packed hybrid, compressed with the column's codec.
// The flat writer hands v15 the other columns and splices these chunks in
// after each row group, and the footer is rewritten to list them (see
// spliceChunks). The pages are the ones the format defines for an
// RLE_DICTIONARY column; every reader in .ci/run reads them back.

// vecKind is what a vecWriter writes.
type vecKind int

const (
	vecInt8    vecKind = iota + 1 // -1, 0, 1 (INT32 in Parquet)
	vecFloat32                    // 0, 1
	vecString                     // concept ids (positives, negatives): lists of any length
)

// vecKindOf reports whether f is a label vector or a concept list of the
// training layout (schema s), which a vecWriter writes.
func vecKindOf(s *arrow.Schema, f arrow.Field) vecKind {
	if _, ok := s.Metadata().GetValue(MetaLabelEncoding); !ok {
		return 0
	}
	lt, ok := f.Type.(*arrow.ListType)
	if !ok || f.Nullable || lt.ElemField().Nullable {
		return 0
	}
	switch id := lt.Elem().ID(); f.Name {
	case ColLabels, ColTargets, ColMask:
		switch id {
		case arrow.INT8:
			return vecInt8
		case arrow.FLOAT32:
			return vecFloat32
		}
	case ColPositives, ColNegatives:
		if id == arrow.STRING {
			return vecString
		}
	}
	return 0
}

// vecPageValues is how many values a data page holds at most.
const vecPageValues = 1 << 22

// vecWriter encodes one label-vector or concept-list column, one row
// group's chunk at a time; only its column's goroutine touches it.
type vecWriter struct {
	kind     vecKind
	width    int // values per row
	leaf     int // the column's leaf index in the file schema
	codec    compress.Codec
	level    int
	compress bool
	dictEnc  parquet.Encoding // of the dictionary page
	dataEnc  parquet.Encoding // of the data pages' values

	// concept lists: the dictionary is the concept list
	dict      []string
	dictIndex map[string]int32
	dictPlain []byte

	chunk   bytes.Buffer // the current row group's pages
	dictLen int          // header and dictionary page at the chunk's start
	values  int64        // levels written (one per value, or empty list)
	nulls   int64        // empty lists, which v15 counts as nulls
	raw     int64        // uncompressed size, page headers included
	pages   int32
	used    [3]bool // vectors: the dictionary entries used
	lo, hi  int     // concept lists: the least and greatest index used (-1: none)

	idx      []uint8
	idx16    []uint16
	rep, def []uint8
	page     []byte
	comp     []byte
	hdr      []byte
	lv       []byte
}

// newVecWriter returns the writer of a column of width values per row
// (at least 1), its chunks compressed with codec at level; concepts is
// the dictionary of a concept-list column.
func newVecWriter(kind vecKind, width, leaf int, codec compress.Compression, level int, props *parquet.WriterProperties, concepts []string) (*vecWriter, error) {
	c, err := compress.GetCodec(codec)
	if err != nil {
		return nil, err
	}
	if codec == compress.Codecs.Zstd && level == compress.DefaultCompressionLevel && kind != vecString {
		// Bit-packed indices give zstd's match finder little to find:
		// its fastest level takes half the time of the default on a
		// label vector's pages, for 1.5% more bytes (BENCHMARKS.md).
		level = 1
	}
	f := &vecWriter{
		kind: kind, width: width, leaf: leaf, codec: c, level: level,
		compress: codec != compress.Codecs.Uncompressed,
		dictEnc:  props.DictionaryPageEncoding(),
		dataEnc:  props.DictionaryIndexEncoding(),
		lo:       -1, hi: -1,
	}
	if kind == vecString {
		if len(concepts) == 0 || len(concepts) > 1<<16 {
			return nil, fmt.Errorf("a concept list of %d concepts", len(concepts))
		}
		f.dict, f.dictIndex = concepts, make(map[string]int32, len(concepts))
		for i, c := range concepts {
			f.dictIndex[c] = int32(i)
			f.dictPlain = binary.LittleEndian.AppendUint32(f.dictPlain, uint32(len(c)))
			f.dictPlain = append(f.dictPlain, c...)
		}
	}
	return f, nil
}

// conceptDictOK reports whether a concept-list column's dictionary, the
// concepts, stays within what a dictionary page holds.
func conceptDictOK(concepts []string, props *parquet.WriterProperties) bool {
	n := 0
	for _, c := range concepts {
		n += 4 + len(c)
	}
	return len(concepts) > 0 && len(concepts) <= 1<<16 && int64(n) <= props.DictionaryPageSizeLimit()
}

// dictEntries returns the dictionary's entries in PLAIN encoding and
// their number: index i stands for value i-1 (int8) or i (float32).
func (f *vecWriter) dictEntries() ([]byte, int) {
	var b []byte
	switch f.kind {
	case vecString:
		return f.dictPlain, len(f.dict)
	case vecInt8:
		for _, v := range []int32{-1, 0, 1} {
			b = binary.LittleEndian.AppendUint32(b, uint32(v))
		}
		return b, 3
	}
	for _, v := range []float32{0, 1} {
		b = binary.LittleEndian.AppendUint32(b, math.Float32bits(v))
	}
	return b, 2
}

// indexWidth is the bit width of the dictionary indices.
func (f *vecWriter) indexWidth() int {
	switch f.kind {
	case vecString:
		return bits.Len(uint(len(f.dict) - 1))
	case vecInt8:
		return 2
	}
	return 1
}

// write encodes l's rows, every one f.width values long.
func (f *vecWriter) write(l *array.List) error {
	if l.NullN() > 0 {
		return fmt.Errorf("list column with nulls")
	}
	if f.kind == vecString {
		return f.writeLists(l)
	}
	n := l.Len()
	off := l.Data().Offset()
	offs := l.Offsets()[off : off+n+1]
	for i := 0; i < n; i++ {
		if int(offs[i+1]-offs[i]) != f.width {
			return fmt.Errorf("row %d: label vector of %d values, want %d", i, offs[i+1]-offs[i], f.width)
		}
	}
	start, end := int(offs[0]), int(offs[n])
	if cap(f.idx) < end-start {
		f.idx = make([]uint8, end-start)
	}
	idx := f.idx[:end-start]
	switch v := l.ListValues().(type) {
	case *array.Int8:
		if err := f.int8Indices(idx, v.Int8Values()[start:end]); err != nil {
			return err
		}
	case *array.Float32:
		var used [2]int
		for k, x := range v.Float32Values()[start:end] {
			switch x {
			case 0:
				idx[k] = 0
			case 1:
				idx[k] = 1
			default:
				return fmt.Errorf("label value %v is not 0 or 1", x)
			}
			used[idx[k]]++
		}
		for i, u := range used {
			f.used[i] = f.used[i] || u > 0
		}
	default:
		return fmt.Errorf("label vector of %s", l.ListValues().DataType())
	}
	if f.chunk.Len() == 0 {
		if err := f.writeDict(); err != nil {
			return err
		}
	}
	rows := max(1, vecPageValues/f.width)
	for r := 0; r < n; r += rows {
		m := min(rows, n-r)
		f.writePage(idx[r*f.width:(r+m)*f.width], m)
	}
	return nil
}

// int8Indices maps label values -1, 0, 1 to dictionary indices 0, 1, 2,
// 8 at a time, and marks which were used.
func (f *vecWriter) int8Indices(idx []uint8, raw []int8) error {
	const (
		ones = 0x0101010101010101
		low7 = 0x7f7f7f7f7f7f7f7f
		high = 0x8080808080808080
	)
	src := arrow.Int8Traits.CastToBytes(raw)
	// hasByte reports whether a byte of x is b.
	hasByte := func(x uint64, b uint64) bool {
		y := x ^ b*ones
		return (y-ones)&^y&high != 0
	}
	var seen [3]bool
	i := 0
	for ; i+8 <= len(src); i += 8 {
		x := binary.LittleEndian.Uint64(src[i:])
		y := ((x & low7) + ones) ^ (x & high) // each byte plus one, without carries
		if y&high != 0 || ((y&low7)+0x7d7d7d7d7d7d7d7d)&high != 0 {
			break // a byte above 2: reported below
		}
		binary.LittleEndian.PutUint64(idx[i:], y)
		for b := range seen {
			seen[b] = seen[b] || hasByte(y, uint64(b))
		}
	}
	for ; i < len(src); i++ {
		k := uint8(raw[i] + 1)
		if k > 2 {
			return fmt.Errorf("label value %d is not -1, 0 or 1", raw[i])
		}
		idx[i] = k
		seen[k] = true
	}
	for b, u := range seen {
		f.used[b] = f.used[b] || u
	}
	return nil
}

func (f *vecWriter) writeDict() error {
	entries, n := f.dictEntries()
	body := entries
	if f.compress {
		f.comp = f.codec.EncodeLevel(f.comp[:0], entries, f.level)
		body = f.comp
	}
	f.hdr = appendDictPageHeader(f.hdr[:0], len(entries), len(body), n, f.dictEnc)
	f.chunk.Write(f.hdr)
	f.chunk.Write(body)
	f.dictLen = f.chunk.Len()
	f.raw += int64(len(f.hdr) + len(entries))
	return nil
}

// writePage writes the values idx of rows rows as one data page. It is
// a v1 page, whose levels are compressed with the values: a v2 page
// keeps them raw, 5 bytes a row for the repetition levels alone, half
// the column's size.
func (f *vecWriter) writePage(idx []uint8, rows int) {
	// Repetition levels (bit width 1): 0 where a row starts, 1 after.
	p := appendLevels(f.page[:0], func(p []byte) []byte {
		if f.width >= 9 {
			for range rows {
				p = appendRLERun(p, 0, 1, 1)
				p = appendRLERun(p, 1, f.width-1, 1)
			}
			return p
		}
		if cap(f.lv) < len(idx) {
			f.lv = make([]uint8, len(idx))
		}
		lv := f.lv[:len(idx)]
		for i := range lv {
			lv[i] = 0
			if i%f.width != 0 {
				lv[i] = 1
			}
		}
		return appendHybrid(p, lv, 1)
	})
	// Definition levels: every value is there (level 2 of 2: v15's list
	// elements are OPTIONAL), in runs below the format's 2^31 values.
	p = appendLevels(p, func(p []byte) []byte {
		for left := len(idx); left > 0; {
			k := min(left, 1<<30)
			p = appendRLERun(p, 2, k, 2)
			left -= k
		}
		return p
	})
	// Values: the indices' bit width, then the indices.
	w := f.indexWidth()
	p = append(p, byte(w))
	p = appendHybrid(p, idx, w)
	f.page = p
	f.writeBody(p, len(idx))
}

// appendLevels appends a v1 page's levels: their length (4 bytes, little
// endian), then what fill appends.
func appendLevels(p []byte, fill func([]byte) []byte) []byte {
	at := len(p)
	p = fill(append(p, 0, 0, 0, 0))
	binary.LittleEndian.PutUint32(p[at:], uint32(len(p)-at-4))
	return p
}

// writeBody writes the data page p of levels levels: compressed, after
// its header.
func (f *vecWriter) writeBody(p []byte, levels int) {
	body := p
	if f.compress {
		f.comp = f.codec.EncodeLevel(f.comp[:0], p, f.level)
		body = f.comp
	}
	f.hdr = appendDataPageHeader(f.hdr[:0], len(p), len(body), levels, f.dataEnc)
	f.chunk.Write(f.hdr)
	f.chunk.Write(body)
	f.values += int64(levels)
	f.raw += int64(len(f.hdr) + len(p))
	f.pages++
}

// vecMaxStats is the longest min or max value the statistics keep
// (v15's default).
const vecMaxStats = 4096

// writeLists encodes l's rows of concept ids, each list as long as it
// is: a page per vecPageValues levels at most.
func (f *vecWriter) writeLists(l *array.List) error {
	vals, ok := l.ListValues().(*array.String)
	if !ok {
		return fmt.Errorf("concept list of %s", l.ListValues().DataType())
	}
	if f.chunk.Len() == 0 {
		if err := f.writeDict(); err != nil {
			return err
		}
	}
	n := l.Len()
	off := l.Data().Offset()
	offs := l.Offsets()[off : off+n+1]
	for r := 0; r < n; {
		rep, def, idx := f.rep[:0], f.def[:0], f.idx16[:0]
		e := r
		for ; e < n && len(rep) < vecPageValues; e++ {
			a, b := int(offs[e]), int(offs[e+1])
			if a == b {
				rep, def = append(rep, 0), append(def, 0)
				f.nulls++
				continue
			}
			for k := a; k < b; k++ {
				i, ok := f.dictIndex[vals.Value(k)]
				if !ok {
					return fmt.Errorf("row %d: %q is not in the concept list", e, vals.Value(k))
				}
				if f.lo < 0 || int(i) < f.lo {
					f.lo = int(i)
				}
				f.hi = max(f.hi, int(i))
				idx = append(idx, uint16(i))
				rep, def = append(rep, 1), append(def, 2)
			}
			rep[len(rep)-(b-a)] = 0
		}
		f.rep, f.def, f.idx16 = rep, def, idx
		f.writeListPage(rep, def, idx)
		r = e
	}
	return nil
}

// writeListPage writes one v1 data page of concept lists.
func (f *vecWriter) writeListPage(rep, def []uint8, idx []uint16) {
	p := appendLevels(f.page[:0], func(p []byte) []byte { return appendHybrid(p, rep, 1) })
	p = appendLevels(p, func(p []byte) []byte { return appendHybrid(p, def, 2) })
	w := f.indexWidth()
	p = append(p, byte(w))
	if w <= 8 {
		if cap(f.idx) < len(idx) {
			f.idx = make([]uint8, len(idx))
		}
		narrow := f.idx[:len(idx)]
		for i, x := range idx {
			narrow[i] = uint8(x)
		}
		p = appendHybrid(p, narrow, w)
	} else {
		p = appendHybridWide(p, idx, w)
	}
	f.page = p
	f.writeBody(p, len(rep))
}

// vecChunk is a written chunk as the footer lists it.
type vecChunk struct {
	leaf             int
	offset           int64 // of the dictionary page, in the file
	dataOffset       int64
	size, raw        int64 // compressed and uncompressed, headers included
	values, nulls    int64
	pages            int32
	min, max         []byte // PLAIN statistics; nil when no value
	dictEnc, dataEnc parquet.Encoding
}

// take returns the current chunk's bytes and its description (at offset
// in the file) and starts the next chunk. The bytes are valid until the
// next write.
func (f *vecWriter) take(offset int64) ([]byte, vecChunk) {
	c := vecChunk{
		leaf: f.leaf, offset: offset, dataOffset: offset + int64(f.dictLen),
		size: int64(f.chunk.Len()), raw: f.raw, values: f.values, pages: f.pages,
		dictEnc: f.dictEnc, dataEnc: f.dataEnc,
	}
	c.nulls = f.nulls
	switch {
	case f.kind == vecString:
		if f.lo >= 0 {
			c.min, c.max = []byte(f.dict[f.lo]), []byte(f.dict[f.hi])
		}
	default:
		entries, _ := f.dictEntries()
		lo, hi := -1, -1
		for i, u := range f.used {
			if u {
				if lo < 0 {
					lo = i
				}
				hi = i
			}
		}
		if lo >= 0 {
			c.min = append([]byte(nil), entries[4*lo:4*lo+4]...)
			c.max = append([]byte(nil), entries[4*hi:4*hi+4]...)
		}
	}
	b := f.chunk.Bytes()
	f.chunk = bytes.Buffer{}
	f.values, f.nulls, f.raw, f.pages, f.dictLen, f.used, f.lo, f.hi = 0, 0, 0, 0, 0, [3]bool{}, -1, -1
	return b, c
}

// appendRLERun appends a run of n copies of v, of bit width w (at most
// 16), in the RLE/bit-packed hybrid.
func appendRLERun(dst []byte, v uint64, n, w int) []byte {
	dst = binary.AppendUvarint(dst, uint64(n)<<1)
	for b := 0; b < (w+7)/8; b++ {
		dst = append(dst, byte(v>>(8*b)))
	}
	return dst
}

// hybrid is the run state of the RLE/bit-packed hybrid, 8 values at a
// time: a group of 8 equal values starts or extends an RLE run, any other
// group is bit-packed into a literal run (of at most 63 groups, so that
// its header is one byte); the values past the last whole group extend
// the open run when they equal it, else end the stream as a padded
// literal group. appendHybrid and appendHybridWide drive it.
type hybrid struct {
	dst    []byte
	w      int
	lit    int // where the open literal run's header goes (-1: none)
	groups int // in the open literal run
	runVal uint64
	runLen int
}

func newHybrid(dst []byte, w int) hybrid { return hybrid{dst: dst, w: w, lit: -1} }

// extends reports whether a value v continues the open RLE run.
func (h *hybrid) extends(v uint64) bool { return h.runLen > 0 && v == h.runVal }

// repeat adds n copies of v (inlined where it extends the run).
func (h *hybrid) repeat(v uint64, n int) {
	if h.extends(v) {
		h.runLen += n
		return
	}
	h.startRun(v, n)
}

func (h *hybrid) startRun(v uint64, n int) {
	h.closeLit()
	h.flushRun()
	h.runVal, h.runLen = v, n
}

// literal readies h.dst for one bit-packed group, which the caller
// appends, then calls packed.
func (h *hybrid) literal() {
	if h.lit < 0 {
		h.startLit()
	}
}

func (h *hybrid) startLit() {
	h.flushRun()
	h.lit = len(h.dst)
	h.dst = append(h.dst, 0)
}

func (h *hybrid) packed() {
	if h.groups++; h.groups == 63 {
		h.closeLit()
	}
}

func (h *hybrid) closeLit() {
	if h.lit >= 0 {
		h.dst[h.lit] = byte(h.groups<<1 | 1)
		h.lit, h.groups = -1, 0
	}
}

func (h *hybrid) flushRun() {
	if h.runLen > 0 {
		h.dst = appendRLERun(h.dst, h.runVal, h.runLen, h.w)
		h.runLen = 0
	}
}

func (h *hybrid) finish() []byte {
	h.closeLit()
	h.flushRun()
	return h.dst
}

// appendHybrid appends v (values below 1<<w, w at most 8) in the
// RLE/bit-packed hybrid (see hybrid), reading 8 values a word.
func appendHybrid(dst []byte, v []uint8, w int) []byte {
	const ones = 0x0101010101010101
	h := newHybrid(dst, w)
	i := 0
	for ; i+8 <= len(v); i += 8 {
		x := binary.LittleEndian.Uint64(v[i:])
		if b := x & 0xff; x == b*ones {
			h.repeat(b, 8)
			continue
		}
		h.literal()
		h.dst = appendPacked8(h.dst, x, w)
		h.packed()
	}
	if tail := v[i:]; len(tail) > 0 {
		if !slices.ContainsFunc(tail, func(b uint8) bool { return !h.extends(uint64(b)) }) {
			h.runLen += len(tail)
		} else {
			var g [8]byte
			copy(g[:], tail)
			h.literal()
			h.dst = appendPacked8(h.dst, binary.LittleEndian.Uint64(g[:]), w)
			h.packed()
		}
	}
	return h.finish()
}

// appendHybridWide is appendHybrid for values of more than 8 bits (at
// most 16), one value at a time.
func appendHybridWide(dst []byte, v []uint16, w int) []byte {
	h := newHybrid(dst, w)
	pack := func(g []uint16) {
		h.literal()
		var acc uint64
		bits := 0
		for _, x := range g {
			acc |= uint64(x) << bits
			for bits += w; bits >= 8; bits -= 8 {
				h.dst = append(h.dst, byte(acc))
				acc >>= 8
			}
		}
		h.packed()
	}
	i := 0
	for ; i+8 <= len(v); i += 8 {
		g := v[i : i+8]
		if !slices.ContainsFunc(g[1:], func(x uint16) bool { return x != g[0] }) {
			h.repeat(uint64(g[0]), 8)
			continue
		}
		pack(g)
	}
	if tail := v[i:]; len(tail) > 0 {
		if !slices.ContainsFunc(tail, func(x uint16) bool { return !h.extends(uint64(x)) }) {
			h.runLen += len(tail)
		} else {
			var g [8]uint16
			copy(g[:], tail)
			pack(g[:])
		}
	}
	return h.finish()
}

// appendPacked8 appends the 8 values in the bytes of x (below 1<<w)
// bit-packed, least significant bits first: w bytes.
func appendPacked8(dst []byte, x uint64, w int) []byte {
	switch w {
	case 1:
		x = (x | x>>7) & 0x0003000300030003
		x = (x | x>>14) & 0x0000000f0000000f
		x = (x | x>>28) & 0xff
		return append(dst, byte(x))
	case 2:
		x = (x | x>>6) & 0x000f000f000f000f
		x = (x | x>>12) & 0x000000ff000000ff
		x = (x | x>>24) & 0xffff
		return append(dst, byte(x), byte(x>>8))
	}
	var acc uint64
	for k := 0; k < 8; k++ {
		acc |= (x >> (8 * k) & 0xff) << (uint(k) * uint(w))
	}
	for b := 0; b < w; b++ {
		dst = append(dst, byte(acc>>(8*b)))
	}
	return dst
}

// Thrift compact protocol, as much of it as a page header needs.
const (
	tI32    = 5
	tStruct = 12
)

func thriftField(dst []byte, delta, typ int) []byte { return append(dst, byte(delta<<4|typ)) }

func thriftI32(dst []byte, delta int, v int32) []byte {
	dst = thriftField(dst, delta, tI32)
	return binary.AppendUvarint(dst, uint64(uint32(v<<1)^uint32(v>>31)))
}

// Page types and header fields of parquet.thrift.
const (
	pageData       = 0
	pageDictionary = 2
)

// appendDictPageHeader appends a PageHeader for a dictionary page.
func appendDictPageHeader(dst []byte, uncompressed, compressed, entries int, enc parquet.Encoding) []byte {
	dst = thriftI32(dst, 1, pageDictionary)
	dst = thriftI32(dst, 1, int32(uncompressed))
	dst = thriftI32(dst, 1, int32(compressed))
	dst = thriftField(dst, 4, tStruct) // 7: dictionary_page_header
	dst = thriftI32(dst, 1, int32(entries))
	dst = thriftI32(dst, 1, int32(enc))
	dst = append(dst, 0) // end of DictionaryPageHeader
	return append(dst, 0)
}

// appendDataPageHeader appends a PageHeader for a data page (v1) whose
// levels are RLE.
func appendDataPageHeader(dst []byte, uncompressed, compressed, values int, enc parquet.Encoding) []byte {
	dst = thriftI32(dst, 1, pageData)
	dst = thriftI32(dst, 1, int32(uncompressed))
	dst = thriftI32(dst, 1, int32(compressed))
	dst = thriftField(dst, 2, tStruct) // 5: data_page_header
	dst = thriftI32(dst, 1, int32(values))
	dst = thriftI32(dst, 1, int32(enc))
	dst = thriftI32(dst, 1, int32(parquet.Encodings.RLE)) // definition levels
	dst = thriftI32(dst, 1, int32(parquet.Encodings.RLE)) // repetition levels
	dst = append(dst, 0)                                  // end of DataPageHeader
	return append(dst, 0)
}

// vecTemplate writes one row of dense, the full schema, with v15 and
// returns the file's footer: its schema and column orders are those of
// the spliced file, and its chunks of the vector columns are the
// skeletons (type, path, codec, encodings) the spliced chunks fill in.
func vecTemplate(dense *arrow.Schema, props *parquet.WriterProperties, aprops pqarrow.ArrowWriterProperties) ([]byte, error) {
	b := array.NewRecordBuilder(memory.DefaultAllocator, dense)
	defer b.Release()
	for _, fb := range b.Fields() {
		lb, ok := fb.(*array.ListBuilder)
		if !ok {
			fb.AppendEmptyValue()
			continue
		}
		lb.Append(true)
		switch vb := lb.ValueBuilder().(type) {
		case *array.Int8Builder:
			vb.Append(1)
		case *array.Float32Builder:
			vb.Append(1)
		case *array.StringBuilder:
			vb.Append("a") // so that the template chunk has statistics
		default:
			vb.AppendEmptyValue()
		}
	}
	rec := b.NewRecord()
	defer rec.Release()
	var buf bytes.Buffer
	w, err := pqarrow.NewFileWriter(dense, &buf, props, aprops)
	if err != nil {
		return nil, err
	}
	if err := w.Write(rec); err != nil {
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	data := buf.Bytes()
	if len(data) < 12 || string(data[len(data)-4:]) != "PAR1" {
		return nil, fmt.Errorf("template file has no footer")
	}
	n := int(binary.LittleEndian.Uint32(data[len(data)-8:]))
	if n > len(data)-12 {
		return nil, fmt.Errorf("template footer of %d bytes in a file of %d", n, len(data))
	}
	return data[len(data)-8-n : len(data)-8], nil
}

// spliceChunks turns md, the footer of a file v15 wrote without the
// vector columns, into the footer of the whole file: the schema and
// column orders of tmpl (see vecTemplate), and in row group r the chunks
// rgs[r], which were written after v15's chunks of that row group. v15
// counted offsets without them, so every later offset moves by their
// size.
func spliceChunks(md *metadata.FileMetaData, tmpl []byte, rgs [][]vecChunk) error {
	t, err := metadata.NewFileMetaData(tmpl, nil)
	if err != nil {
		return err
	}
	if len(md.RowGroups) != len(rgs) {
		return fmt.Errorf("%d row groups, %d with vector chunks", len(md.RowGroups), len(rgs))
	}
	md.FileMetaData.Schema = t.FileMetaData.Schema
	md.ColumnOrders = t.ColumnOrders
	var shift int64
	for r, rg := range md.RowGroups {
		for _, cc := range rg.Columns {
			cc.FileOffset += shift
			if m := cc.MetaData; m != nil {
				m.DataPageOffset += shift
				for _, p := range []*int64{m.DictionaryPageOffset, m.IndexPageOffset, m.BloomFilterOffset} {
					if p != nil {
						*p += shift
					}
				}
			}
			for _, p := range []*int64{cc.OffsetIndexOffset, cc.ColumnIndexOffset} {
				if p != nil {
					*p += shift
				}
			}
		}
		if rg.FileOffset != nil {
			*rg.FileOffset += shift
		}
		for _, ch := range rgs[r] {
			fresh, err := metadata.NewFileMetaData(tmpl, nil)
			if err != nil {
				return err
			}
			if len(fresh.RowGroups) != 1 || ch.leaf >= len(fresh.RowGroups[0].Columns) || ch.leaf > len(rg.Columns) {
				return fmt.Errorf("no template for column %d", ch.leaf)
			}
			// The chunk is the template's, with what ch says filled in.
			// Its Thrift types are in v15's internal package: fields are
			// set by name, and through reflection where a type is needed.
			cc := fresh.RowGroups[0].Columns[ch.leaf]
			m := cc.MetaData
			if m == nil {
				return fmt.Errorf("template chunk without metadata")
			}
			cc.FileOffset = ch.offset
			cc.FilePath = nil
			m.NumValues = ch.values
			m.TotalUncompressedSize = ch.raw
			m.TotalCompressedSize = ch.size
			m.DataPageOffset = ch.dataOffset
			off := ch.offset
			m.DictionaryPageOffset = &off
			m.IndexPageOffset = nil
			if st := m.Statistics; st != nil {
				if st.Min != nil {
					st.Min, st.Max = ch.min, ch.max
				}
				if st.MinValue != nil {
					st.MinValue, st.MaxValue = ch.min, ch.max
				}
				if ch.min == nil || len(ch.min) > vecMaxStats || len(ch.max) > vecMaxStats {
					// no values, or values v15 leaves out for their length
					st.Min, st.Max, st.MinValue, st.MaxValue = nil, nil, nil, nil
				}
				nulls := ch.nulls
				st.NullCount = &nulls
				st.DistinctCount = nil
			}
			for _, e := range m.EncodingStats {
				v := reflect.ValueOf(e).Elem()
				switch v.FieldByName("PageType").Int() {
				case pageDictionary:
					v.FieldByName("Count").SetInt(1)
				default:
					if parquet.Encoding(v.FieldByName("Encoding").Int()) != ch.dataEnc {
						return fmt.Errorf("template data pages are %v, not %v", v.FieldByName("Encoding").Int(), ch.dataEnc)
					}
					v.FieldByName("Count").SetInt(int64(ch.pages))
				}
			}
			rg.Columns = slices.Insert(rg.Columns, ch.leaf, cc)
			rg.TotalByteSize += ch.raw
			if rg.TotalCompressedSize != nil {
				*rg.TotalCompressedSize += ch.size
			}
			shift += ch.size
		}
	}
	return nil
}
