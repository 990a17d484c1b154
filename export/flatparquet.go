package export

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"
	"github.com/apache/arrow/go/v15/arrow/bitutil"
	"github.com/apache/arrow/go/v15/arrow/flight"
	"github.com/apache/arrow/go/v15/arrow/memory"
	"github.com/apache/arrow/go/v15/parquet"
	"github.com/apache/arrow/go/v15/parquet/file"
	"github.com/apache/arrow/go/v15/parquet/metadata"
	"github.com/apache/arrow/go/v15/parquet/pqarrow"
)

// flatWriter writes records of a flat schema (primitive, utf8 and
// dictionary<utf8> columns, no nesting) to Parquet, writing the columns of
// each batch in parallel into a buffered row group. It writes the same
// Parquet schema, values and Arrow schema metadata as pqarrow.FileWriter
// on the dense schema, but:
//
//   - dictionary<utf8> columns that Parquet dictionary-encodes are mapped
//     onto one dictionary per column and file and handed to the encoder as
//     indices, so no value is hashed (v15's byte-array dictionary encoder
//     allocates for every value it hashes);
//   - other dictionary<utf8> columns are written as views into their
//     dictionary, never materialised as dense strings.
type flatWriter struct {
	schema  *arrow.Schema
	fw      *file.Writer
	rgw     file.BufferedRowGroupWriter
	rgRows  int64
	maxRows int64
	cols    []*flatCol
	zeros   []int16
	footer  *footerWriter

	// columns written by vecWriters and spliced in (vecparquet.go)
	tmpl    []byte       // footer of a one-row file of the full schema
	spliced [][]vecChunk // per row group closed

	// the columns' goroutines
	jobs    []chan colJob
	colErr  []error // per column, written by its goroutine
	failed  atomic.Bool
	pending sync.WaitGroup // batches given, not yet written
	running sync.WaitGroup
}

// flatSchema reports whether s can go through the flat writer.
func flatSchema(s *arrow.Schema) bool {
	for _, f := range s.Fields() {
		switch t := f.Type.(type) {
		case *arrow.DictionaryType:
			if t.ValueType.ID() != arrow.STRING {
				return false
			}
		case *arrow.ListType:
			if !listLeaf(f) {
				return false
			}
		case arrow.NestedType, arrow.ExtensionType:
			return false
		}
	}
	return true
}

func newFlatWriter(w *footerWriter, schema, dense *arrow.Schema, props *parquet.WriterProperties, aprops pqarrow.ArrowWriterProperties) (*flatWriter, error) {
	full, err := pqarrow.ToParquet(dense, props, aprops)
	if err != nil {
		return nil, err
	}
	meta := make(metadata.KeyValueMetadata, 0)
	md := dense.Metadata()
	for i := 0; i < md.Len(); i++ {
		meta.Append(md.Keys()[i], md.Values()[i])
	}
	meta.Append("ARROW:schema", base64.StdEncoding.EncodeToString(flight.SerializeSchema(dense, props.Allocator())))
	// The concept list seeds the dictionaries of list<utf8> columns
	// (positives, negatives), whose values are concept ids.
	var concepts []string
	if v, ok := schema.Metadata().GetValue(MetaConcepts); ok {
		json.Unmarshal([]byte(v), &concepts)
	}
	// The training layout's label vectors and concept lists (with at
	// least one concept) are written by vecWriters, the other columns by
	// v15 into a file of their own schema.
	vec := make([]*vecWriter, len(schema.Fields()))
	var keep []arrow.Field
	for i, fld := range dense.Fields() {
		path := full.Column(i).Path()
		k := vecKindOf(schema, fld)
		if k == vecString && !conceptDictOK(concepts, props) {
			k = 0
		}
		if k != 0 && len(concepts) > 0 && props.DictionaryEnabledFor(path) &&
			full.Column(i).MaxDefinitionLevel() == 2 && full.Column(i).MaxRepetitionLevel() == 1 {
			if vec[i], err = newVecWriter(k, len(concepts), i, props.CompressionFor(path), props.CompressionLevelFor(path), props, concepts); err != nil {
				return nil, err
			}
			continue
		}
		keep = append(keep, fld)
	}
	pqschema := full
	f := &flatWriter{schema: schema, maxRows: props.MaxRowGroupLength(), footer: w}
	if len(keep) < len(dense.Fields()) {
		if f.tmpl, err = vecTemplate(dense, props, aprops); err != nil {
			return nil, fmt.Errorf("label vectors: %w", err)
		}
		dmd := dense.Metadata()
		if pqschema, err = pqarrow.ToParquet(arrow.NewSchema(keep, &dmd), props, aprops); err != nil {
			return nil, err
		}
		w.fix = func(md *metadata.FileMetaData) error { return spliceChunks(md, f.tmpl, f.spliced) }
	}
	f.fw = file.NewParquetWriter(w, pqschema.Root(), file.WithWriterProps(props), file.WithWriteMetadata(meta))
	at := 0 // the column's index in v15's file
	for i, fld := range schema.Fields() {
		c := &flatCol{
			nullable: fld.Nullable,
			ctx:      pqarrow.NewArrowWriteContext(context.Background(), &aprops),
			vec:      vec[i],
			at:       at,
		}
		f.cols = append(f.cols, c)
		if c.vec != nil {
			continue
		}
		at++
		if _, ok := fld.Type.(*arrow.DictionaryType); ok && props.DictionaryEnabledFor(full.Column(i).Path()) {
			c.stable = newStableDict()
		}
		if lt, ok := fld.Type.(*arrow.ListType); ok {
			c.list = &listCol{}
			if lt.Elem().ID() == arrow.STRING {
				c.list.seed(concepts)
			}
		}
	}
	return f, nil
}

// Write appends rec, starting a new row group every maxRows rows. The
// columns are written by one goroutine each, which run up to flatQueue
// batches apart within a row group: a wide column (the label vector)
// does not hold the others back at every batch. Errors surface at the
// next row group, or at Close.
func (f *flatWriter) Write(rec arrow.Record) error {
	if !rec.Schema().Equal(f.schema) {
		return fmt.Errorf("record schema does not match writer's\nrecord: %s\nwriter: %s", rec.Schema(), f.schema)
	}
	if f.failed.Load() {
		return f.abortOn(f.drain())
	}
	n := rec.NumRows()
	for off := int64(0); off < n; {
		if f.rgw == nil {
			f.rgw = f.fw.AppendBufferedRowGroup()
			f.rgRows = 0
			for _, c := range f.cols {
				c.state = chunkFresh
				c.started = false
			}
		}
		take := min(n-off, f.maxRows-f.rgRows)
		part := rec
		if off > 0 || take < n {
			part = rec.NewSlice(off, off+take)
		}
		f.dispatch(part)
		if part != rec {
			part.Release()
		}
		f.rgRows += take
		off += take
		if f.rgRows >= f.maxRows {
			if err := f.closeRowGroup(); err != nil {
				return f.abortOn(err)
			}
		}
	}
	return nil
}

// flatQueue is how many batches a column's goroutine may have waiting.
const flatQueue = 1

type colJob struct {
	rec   arrow.Record
	zeros []int16
}

// dispatch hands rec to every column's goroutine, starting them first.
func (f *flatWriter) dispatch(rec arrow.Record) {
	if f.jobs == nil {
		f.jobs = make([]chan colJob, len(f.cols))
		f.colErr = make([]error, len(f.cols))
		for i := range f.cols {
			ch := make(chan colJob, flatQueue)
			f.jobs[i] = ch
			f.running.Add(1)
			go func() {
				defer f.running.Done()
				for j := range ch {
					if f.colErr[i] == nil && !f.failed.Load() {
						if err := f.writeColumn(i, j.rec.Column(i), j.zeros); err != nil {
							f.colErr[i] = fmt.Errorf("parquet: column %s: %w", j.rec.ColumnName(i), err)
							f.failed.Store(true)
						}
					}
					j.rec.Release()
					f.pending.Done()
				}
			}()
		}
	}
	n := int(rec.NumRows())
	if len(f.zeros) < n {
		f.zeros = make([]int16, n)
	}
	zeros := f.zeros[:n]
	f.pending.Add(len(f.cols))
	for _, ch := range f.jobs {
		rec.Retain()
		ch <- colJob{rec, zeros}
	}
}

// drain waits until every column has written what it was given and
// returns the first column's error.
func (f *flatWriter) drain() error {
	f.pending.Wait()
	for _, err := range f.colErr {
		if err != nil {
			return err
		}
	}
	return nil
}

// stop ends the columns' goroutines once they are done.
func (f *flatWriter) stop() {
	if f.jobs == nil {
		return
	}
	for _, ch := range f.jobs {
		close(ch)
	}
	f.running.Wait()
	f.jobs = nil
}

// abortOn stops the goroutines when err is not nil and returns err.
func (f *flatWriter) abortOn(err error) error {
	if err != nil {
		f.stop()
	}
	return err
}

// abort stops the writer without finishing the file.
func (f *flatWriter) abort() {
	f.drain()
	f.stop()
}

func (f *flatWriter) closeRowGroup() error {
	if f.rgw == nil {
		return nil
	}
	if err := f.drain(); err != nil {
		return err
	}
	err := f.rgw.Close()
	f.rgw = nil
	if err != nil || f.tmpl == nil {
		return err
	}
	var chunks []vecChunk
	for _, c := range f.cols {
		if c.vec == nil {
			continue
		}
		b, ch := c.vec.take(f.footer.pos)
		if _, err := f.footer.Write(b); err != nil {
			return err
		}
		chunks = append(chunks, ch)
	}
	f.spliced = append(f.spliced, chunks)
	return nil
}

func (f *flatWriter) writeColumn(i int, arr arrow.Array, zeros []int16) (err error) {
	defer func() {
		// v15's column writers panic on some internal errors.
		if r := recover(); r != nil {
			err = fmt.Errorf("%v", r)
		}
	}()
	if v := f.cols[i].vec; v != nil {
		l, ok := arr.(*array.List)
		if !ok {
			return fmt.Errorf("label vector of %s", arr.DataType())
		}
		return v.write(l)
	}
	cw, err := f.rgw.Column(f.cols[i].at)
	if err != nil {
		return err
	}
	if c := f.cols[i]; !c.started {
		// v15 starts each chunk's page statistics claiming a distinct
		// count (0) it never computes; Reset clears the claim.
		c.started = true
		if ps := cw.PageStatistics(); ps != nil {
			ps.Reset()
		}
	}
	return f.cols[i].write(cw, arr, zeros)
}

func (f *flatWriter) Close() error {
	derr := f.drain()
	f.stop()
	if derr != nil {
		return derr
	}
	for _, c := range f.cols {
		if c.stable != nil && c.stable.arr != nil {
			c.stable.arr.Release()
			c.stable.arr = nil
		}
		if c.list != nil {
			c.list.release()
		}
	}
	err := f.closeRowGroup()
	if cerr := f.fw.Close(); err == nil {
		err = cerr
	}
	if err == nil && f.footer != nil {
		err = f.footer.finish()
	}
	return err
}

// chunk states of a dictionary column within one row group.
const (
	chunkFresh  = iota // nothing written yet
	chunkDirect        // indices into stable.arr handed to the encoder
	chunkDense         // values written; stays so until the row group ends
)

// flatCol is the per-column state; only its own goroutine touches it
// during a batch.
type flatCol struct {
	nullable bool
	ctx      context.Context // pqarrow's per-writer scratch buffers
	stable   *stableDict     // nil: dictionary columns written as views
	list     *listCol        // list columns
	vec      *vecWriter      // label vectors, spliced in (see vecparquet.go)
	at       int             // the column's index in v15's file, when not vec
	state    int
	started  bool // something written to this row group's chunk
	def      []int16
	views    []parquet.ByteArray
}

func (c *flatCol) write(cw file.ColumnChunkWriter, arr arrow.Array, zeros []int16) error {
	var def []int16
	if c.nullable {
		def = c.levels(arr)
	}
	if str, ok := arr.(*array.String); ok {
		return c.writeStrings(cw, str, def)
	}
	if l, ok := arr.(*array.List); ok && c.list != nil {
		return c.list.write(c, cw, l)
	}
	d, ok := arr.(*array.Dictionary)
	if !ok {
		return pqarrow.WriteArrowToColumn(c.ctx, cw, arr, def, nil, c.nullable)
	}
	if c.stable != nil && c.state != chunkDense {
		idx, all, grew, ok := c.stable.remap(d)
		if ok && (!grew || c.state == chunkFresh) {
			if c.state == chunkFresh {
				c.stable.rebuild()
			}
			var dict arrow.Array = c.stable.arr
			if !all {
				// A dictionary other than the encoder's own object makes
				// pqarrow compute statistics from the referenced values
				// only, as it does for dense data.
				dict = array.NewSlice(c.stable.arr, 0, int64(c.stable.arr.Len()))
				defer dict.Release()
			}
			da := array.NewDictionaryArray(&arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int32, ValueType: arrow.BinaryTypes.String}, idx, dict)
			idx.Release()
			defer da.Release()
			if def == nil {
				// A required column gets zero levels (ignored by the
				// encoder) so v15 does not count -len(rows) nulls.
				def = zeros
			}
			c.state = chunkDirect
			return pqarrow.WriteArrowToColumn(c.ctx, cw, da, def, nil, c.nullable)
		}
		if idx != nil {
			idx.Release()
		}
		if !ok {
			c.stable = nil // too many distinct values: views from now on
		}
	}
	c.state = chunkDense
	return c.writeViews(cw, d, def)
}

// writeStrings writes the non-null values of a utf8 column.
func (c *flatCol) writeStrings(cw file.ColumnChunkWriter, a *array.String, def []int16) error {
	bw, ok := cw.(*file.ByteArrayColumnChunkWriter)
	if !ok {
		return fmt.Errorf("column is %s, want byte array", cw.Type())
	}
	n := a.Len()
	data := ownedBytes(a)
	base := a.ValueOffset(0)
	views := c.views[:0]
	noNulls := a.NullN() == 0
	for i := 0; i < n; i++ {
		if noNulls || a.IsValid(i) {
			views = append(views, data[a.ValueOffset(i)-base:a.ValueOffset(i+1)-base])
		}
	}
	c.views = views
	_, err := bw.WriteBatch(views, def, nil)
	return err
}

// ownedBytes copies the value bytes of a (from a.ValueOffset(0) on): the
// column statistics keep slices of the smallest and largest values, and
// the loader recycles record buffers once a batch is released.
func ownedBytes(a *array.String) []byte {
	return append([]byte(nil), a.ValueBytes()...)
}

// writeViews writes the non-null values of d as slices of its dictionary.
func (c *flatCol) writeViews(cw file.ColumnChunkWriter, d *array.Dictionary, def []int16) error {
	bw, ok := cw.(*file.ByteArrayColumnChunkWriter)
	if !ok {
		return fmt.Errorf("column is %s, want byte array", cw.Type())
	}
	dict, ok := d.Dictionary().(*array.String)
	if !ok {
		return fmt.Errorf("dictionary of %s, want utf8", d.Dictionary().DataType())
	}
	data := ownedBytes(dict)
	offs := dict.ValueOffsets()
	base := offs[0]
	views := c.views[:0]
	eachIndex(d, func(_ int, k int) {
		views = append(views, data[offs[k]-base:offs[k+1]-base])
	})
	c.views = views
	_, err := bw.WriteBatch(views, def, nil)
	return err
}

// levels returns the definition levels of a flat nullable column: 1 for
// a value, 0 for a null.
func (c *flatCol) levels(arr arrow.Array) []int16 {
	n := arr.Len()
	if cap(c.def) < n {
		c.def = make([]int16, n)
	}
	def := c.def[:n]
	if arr.NullN() == 0 {
		for i := range def {
			def[i] = 1
		}
		return def
	}
	bits, off := arr.NullBitmapBytes(), arr.Data().Offset()
	for i := range def {
		if bitutil.BitIsSet(bits, off+i) {
			def[i] = 1
		} else {
			def[i] = 0
		}
	}
	return def
}

// eachIndex calls fn(row, dictionary index) for each non-null row of d.
func eachIndex(d *array.Dictionary, fn func(row, k int)) {
	n := d.Len()
	noNulls := d.NullN() == 0
	switch ix := d.Indices().(type) {
	case *array.Int32:
		v := ix.Int32Values()
		for i := 0; i < n; i++ {
			if noNulls || d.IsValid(i) {
				fn(i, int(v[i]))
			}
		}
	case *array.Int8:
		v := ix.Int8Values()
		for i := 0; i < n; i++ {
			if noNulls || d.IsValid(i) {
				fn(i, int(v[i]))
			}
		}
	default:
		for i := 0; i < n; i++ {
			if noNulls || d.IsValid(i) {
				fn(i, d.GetValueIndex(i))
			}
		}
	}
}

// Limits of a column's file-wide dictionary; past them the column is
// written as plain views (and Parquet's own dictionary encoder decides).
const (
	stableMaxEntries = 4096
	stableMaxBytes   = 1 << 20
)

// stableDict is one dictionary per column and file, in order of first
// appearance, that every batch's own dictionary is mapped onto.
type stableDict struct {
	index map[string]int32
	vals  []string
	bytes int
	arr   *array.String // the dictionary of the current row group
	m     []int32
	used  []bool
}

func newStableDict() *stableDict { return &stableDict{index: map[string]int32{}} }

// remap returns d's indices mapped onto the stable dictionary (nulls keep
// d's validity), whether every stable entry is referenced, whether the
// stable dictionary grew, and false when it would pass its limits.
func (s *stableDict) remap(d *array.Dictionary) (idx arrow.Array, all, grew, ok bool) {
	dict, isStr := d.Dictionary().(*array.String)
	if !isStr || dict.Len() > stableMaxEntries {
		return nil, false, false, false
	}
	// Map only the entries the rows use: a loader's dictionary may hold
	// more values than its batch references.
	s.used = append(s.used[:0], make([]bool, dict.Len())...)
	eachIndex(d, func(_ int, k int) { s.used[k] = true })
	s.m = append(s.m[:0], make([]int32, dict.Len())...)
	refs := 0
	for k, u := range s.used {
		if !u {
			continue
		}
		v := dict.Value(k)
		id, found := s.index[v]
		if !found {
			if len(s.vals) >= stableMaxEntries || s.bytes+len(v) > stableMaxBytes {
				return nil, false, false, false
			}
			v = string([]byte(v)) // own the bytes: dict's buffer is recycled
			id = int32(len(s.vals))
			s.index[v] = id
			s.vals = append(s.vals, v)
			s.bytes += len(v)
			grew = true
		}
		s.m[k] = id
		refs++
	}
	n := d.Len()
	off := d.Data().Offset()
	buf := memory.NewResizableBuffer(memory.DefaultAllocator)
	buf.Resize(4 * (off + n))
	out := arrow.Int32Traits.CastFromBytes(buf.Bytes())
	clear(out[:off])
	if d.NullN() > 0 {
		clear(out[off:])
	}
	eachIndex(d, func(i, k int) { out[off+i] = s.m[k] })
	bufs := []*memory.Buffer{nil, buf}
	if d.NullN() > 0 {
		bufs[0] = d.Data().Buffers()[0]
	}
	data := array.NewData(arrow.PrimitiveTypes.Int32, n, bufs, nil, d.NullN(), off)
	buf.Release()
	idx = array.MakeFromData(data)
	data.Release()
	// refs counts distinct batch entries; distinct stable ids are as many
	// because a batch dictionary has no duplicates.
	all = refs == len(s.vals)
	return idx, all, grew, true
}

// rebuild makes arr hold the current stable dictionary.
func (s *stableDict) rebuild() {
	if s.arr != nil && s.arr.Len() == len(s.vals) {
		return
	}
	if s.arr != nil {
		s.arr.Release()
	}
	b := array.NewStringBuilder(memory.DefaultAllocator)
	defer b.Release()
	b.AppendValues(s.vals, nil)
	s.arr = b.NewStringArray()
}
