package dataset

import (
	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"
	"github.com/apache/arrow/go/v15/arrow/memory"
)

// inBatch accumulates input rows for the parallel JSONL path in plain Go
// slices, next to the annBatch holding their annotations. The embedding
// values are kept packed (each input's values after the last's, whatever
// its length): the dimension is decided in file order by the consumer,
// which lays them out as a fixed_size_list (see Reader.cutChunk).
type inBatch struct {
	ids       []byte
	idOffs    []int32
	kinds     []int8 // index into kind; -1: null
	kind      dictCol
	url, text nullStrs
	meta      nullStrs
	dsOffs    []int32 // per input, into dsStrs
	dsData    []byte
	dsStrs    []int32 // offsets of the dataset id strings in dsData
	emb       []float32
	embLens   []int32 // values per input; 0: none
	lines     []int32 // line of each input, relative to its block
	annEnd    []int32 // annotation rows up to and including each input
}

// nullStrs is a nullable utf8 column; an empty value is null.
type nullStrs struct {
	data  []byte
	offs  []int32
	valid []bool
}

func (c *nullStrs) reset() {
	c.data = c.data[:0]
	c.offs = append(c.offs[:0], 0)
	c.valid = c.valid[:0]
}

func (c *nullStrs) add(b []byte) {
	c.data = append(c.data, b...)
	c.offs = append(c.offs, int32(len(c.data)))
	c.valid = append(c.valid, len(b) > 0)
}

func newInBatch() *inBatch {
	b := &inBatch{}
	b.reset()
	return b
}

func (b *inBatch) reset() {
	b.ids = b.ids[:0]
	b.idOffs = append(b.idOffs[:0], 0)
	b.kinds = b.kinds[:0]
	b.kind.reset()
	b.url.reset()
	b.text.reset()
	b.meta.reset()
	b.dsOffs = append(b.dsOffs[:0], 0)
	b.dsData = b.dsData[:0]
	b.dsStrs = append(b.dsStrs[:0], 0)
	b.emb = b.emb[:0]
	b.embLens = b.embLens[:0]
	b.lines = b.lines[:0]
	b.annEnd = b.annEnd[:0]
}

// Len returns the number of inputs.
func (b *inBatch) Len() int { return len(b.lines) }

var kindNames = [...][]byte{[]byte("image"), []byte("video"), []byte("audio"), []byte("text")}

// addFast appends the input the fast parser has just parsed; rows is the
// number of annotation rows in the batch after it.
func (b *inBatch) addFast(p *fastParser, line, rows int) {
	b.ids = append(b.ids, p.id...)
	b.idOffs = append(b.idOffs, int32(len(b.ids)))
	// The reference decoder's precedence: image, text, video, audio.
	var url, raw []byte
	k := -1
	switch {
	case p.med[mediaImage].has:
		k, url = mediaImage, p.med[mediaImage].url
	case p.med[mediaText].has:
		k, url, raw = mediaText, p.med[mediaText].url, p.med[mediaText].raw
	case p.med[mediaVideo].has:
		k, url = mediaVideo, p.med[mediaVideo].url
	case p.med[mediaAudio].has:
		k, url = mediaAudio, p.med[mediaAudio].url
	}
	if k < 0 {
		b.kinds = append(b.kinds, -1)
	} else {
		b.kinds = append(b.kinds, int8(b.kind.get(kindNames[k])))
	}
	b.url.add(url)
	b.text.add(raw)
	b.meta.add(p.meta)
	for _, d := range p.ds {
		b.dsData = append(b.dsData, d...)
		b.dsStrs = append(b.dsStrs, int32(len(b.dsData)))
	}
	b.dsOffs = append(b.dsOffs, int32(len(b.dsStrs)-1))
	b.emb = append(b.emb, p.emb...)
	b.embLens = append(b.embLens, int32(len(p.emb)))
	b.lines = append(b.lines, int32(line))
	b.annEnd = append(b.annEnd, int32(rows))
}

// addInput appends an input the reference decoder produced.
func (b *inBatch) addInput(in *Input, line, rows int) {
	b.ids = append(b.ids, in.ID...)
	b.idOffs = append(b.idOffs, int32(len(b.ids)))
	if in.Kind == "" {
		b.kinds = append(b.kinds, -1)
	} else {
		b.kinds = append(b.kinds, int8(b.kind.get([]byte(in.Kind))))
	}
	b.url.add([]byte(in.URL))
	b.text.add([]byte(in.Text))
	b.meta.add(in.Metadata)
	for _, d := range in.DatasetIDs {
		b.dsData = append(b.dsData, d...)
		b.dsStrs = append(b.dsStrs, int32(len(b.dsData)))
	}
	b.dsOffs = append(b.dsOffs, int32(len(b.dsStrs)-1))
	b.emb = append(b.emb, in.Embedding...)
	b.embLens = append(b.embLens, int32(len(in.Embedding)))
	b.lines = append(b.lines, int32(line))
	b.annEnd = append(b.annEnd, int32(rows))
}

var inputSchema0 = InputSchema(0)

// fill moves the batch into c: a record of the inputs table without the
// embedding column, and the packed embedding values. The batch is reset.
func (b *inBatch) fill(mem memory.Allocator, c *parChunk) {
	n := b.Len()
	kindValid := validity(b.kinds)
	ds := stringArray(mem, b.dsData, b.dsStrs, nil)
	defer ds.Release()
	dsData := array.NewData(inputSchema0.Field(inDatasetIDs).Type, n,
		[]*memory.Buffer{nil, bufferOf(mem, int32Bytes(b.dsOffs))}, []arrow.ArrayData{ds.Data()}, 0, 0)
	releaseBufs(dsData)
	cols := []arrow.Array{
		stringArray(mem, b.ids, b.idOffs, nil),
		dictArray(mem, dictString8, nullableIdx8(b.kinds), kindValid, n, &b.kind),
		stringArray(mem, b.url.data, b.url.offs, validityBool(b.url.valid)),
		stringArray(mem, b.text.data, b.text.offs, validityBool(b.text.valid)),
		stringArray(mem, b.meta.data, b.meta.offs, validityBool(b.meta.valid)),
		array.NewListData(dsData),
	}
	dsData.Release()
	for _, col := range cols {
		defer col.Release()
	}
	c.inp = array.NewRecord(inputSchema0, cols, int64(n))
	if len(b.emb) > 0 {
		c.emb = bufferOf(mem, arrow.Float32Traits.CastToBytes(b.emb))
	}
	c.embLens = append([]int32(nil), b.embLens...)
	c.lines = append([]int32(nil), b.lines...)
	c.annEnd = append([]int32(nil), b.annEnd...)
	b.reset()
}
