package export

import (
	"context"
	"fmt"
	"io"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"
	"github.com/apache/arrow/go/v15/arrow/bitutil"
	"github.com/apache/arrow/go/v15/arrow/compute"
	"github.com/apache/arrow/go/v15/arrow/memory"
)

// FileInfo describes one written file.
type FileInfo struct {
	Name string // slash-separated, relative to the sink
	Rows int64
}

// partWriter writes one split's rows as part files named
// "SPLIT-NNNNN.EXT" ("part-NNNNN.EXT" without splits), starting a new file
// every maxRowsPerFile rows. With a split, every row gets a last column
// [ColSplit] holding the split's name, so every layout and every reader
// sees the split the same way: one utf8 column in the data, not a folder
// name a reader may or may not parse.
type partWriter struct {
	sink   Sink
	base   string
	split  string // "" without splits
	schema *arrow.Schema
	cfg    *config
	mem    memory.Allocator
	col    *array.Dictionary // split names, sliced per record

	file  io.WriteCloser
	tw    tableWriter
	rows  int64
	files []FileInfo
}

func newPartWriter(sink Sink, split string, schema *arrow.Schema, cfg *config) *partWriter {
	// The split column comes from Go's allocator, like the Parquet
	// writer's own buffers: an export that fails midway drops it unreleased.
	p := &partWriter{sink: sink, base: "part", split: split, schema: schema, cfg: cfg, mem: memory.DefaultAllocator}
	if split != "" {
		p.base = split
		p.schema = withSplitField(schema)
	}
	return p
}

// withSplitField appends the [ColSplit] field to s.
func withSplitField(s *arrow.Schema) *arrow.Schema {
	fields := append(s.Fields(), arrow.Field{Name: ColSplit, Type: splitType})
	md := s.Metadata()
	return arrow.NewSchema(fields, &md)
}

// splitType is the in-memory type of the split column: one dictionary
// entry, so no value is hashed or copied per row. Files store it as utf8.
var splitType = &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int32, ValueType: arrow.BinaryTypes.String}

// withSplit returns rec with the split column appended. The caller
// releases the result.
func (p *partWriter) withSplit(rec arrow.Record) arrow.Record {
	n := int(rec.NumRows())
	if p.col == nil || p.col.Len() < n {
		if p.col != nil {
			p.col.Release()
		}
		size := max(n, 1<<14)
		ib := array.NewInt32Builder(p.mem)
		ib.AppendValues(make([]int32, size), nil)
		idx := ib.NewArray()
		ib.Release()
		sb := array.NewStringBuilder(p.mem)
		sb.Append(p.split)
		dict := sb.NewArray()
		sb.Release()
		p.col = array.NewDictionaryArray(splitType, idx, dict)
		idx.Release()
		dict.Release()
	}
	col := array.NewSlice(p.col, 0, int64(n))
	defer col.Release()
	cols := append(append([]arrow.Array(nil), rec.Columns()...), col)
	return array.NewRecord(p.schema, cols, int64(n))
}

func (p *partWriter) open(ctx context.Context) error {
	name := fmt.Sprintf("%s-%05d%s", p.base, len(p.files), p.cfg.format.Ext())
	f, err := p.sink.Create(ctx, name)
	if err != nil {
		return err
	}
	tw, err := newTableWriter(f, p.schema, p.cfg)
	if err != nil {
		return err // the sink discards f on Abort
	}
	p.file, p.tw, p.rows = f, tw, 0
	p.files = append(p.files, FileInfo{Name: name})
	return nil
}

func (p *partWriter) finish() error {
	if p.tw == nil {
		return nil
	}
	err := p.tw.Close()
	if err == nil {
		err = p.file.Close()
	}
	p.tw, p.file = nil, nil
	if err != nil {
		return fmt.Errorf("export: %s: %w", p.files[len(p.files)-1].Name, err)
	}
	return nil
}

// Write appends rec, splitting it across files at the row cap.
func (p *partWriter) Write(ctx context.Context, rec arrow.Record) error {
	if p.split != "" {
		rec = p.withSplit(rec)
		defer rec.Release()
	}
	n := rec.NumRows()
	for off := int64(0); off < n; {
		if p.tw == nil {
			if err := p.open(ctx); err != nil {
				return err
			}
		}
		take := n - off
		if p.cfg.maxRowsPerFile > 0 && p.rows+take > p.cfg.maxRowsPerFile {
			take = p.cfg.maxRowsPerFile - p.rows
		}
		part := rec
		if off > 0 || take < n {
			part = rec.NewSlice(off, off+take)
		}
		err := p.tw.Write(part)
		if part != rec {
			part.Release()
		}
		if err != nil {
			return fmt.Errorf("export: %s: %w", p.files[len(p.files)-1].Name, err)
		}
		p.rows += take
		p.files[len(p.files)-1].Rows += take
		off += take
		if p.cfg.maxRowsPerFile > 0 && p.rows >= p.cfg.maxRowsPerFile {
			if err := p.finish(); err != nil {
				return err
			}
		}
	}
	return nil
}

// abort gives up on the open file, if any.
func (p *partWriter) abort() {
	if p.col != nil {
		p.col.Release()
		p.col = nil
	}
	if p.tw != nil {
		p.tw.abort()
		p.tw, p.file = nil, nil
	}
}

// Close finishes the last file; a split without rows still gets one
// empty file so readers see its schema.
func (p *partWriter) Close(ctx context.Context) error {
	if p.col != nil {
		p.col.Release()
		p.col = nil
	}
	if len(p.files) == 0 {
		if err := p.open(ctx); err != nil {
			return err
		}
	}
	return p.finish()
}

// splitWriter routes rows to one partWriter per split (or one for all
// rows when there are no splits).
type splitWriter struct {
	parts []*partWriter
	mem   memory.Allocator
	idx   [][]int32
}

func newSplitWriter(sink Sink, splits []Fraction, schema *arrow.Schema, cfg *config) *splitWriter {
	s := &splitWriter{mem: cfg.mem}
	if len(splits) == 0 {
		s.parts = []*partWriter{newPartWriter(sink, "", schema, cfg)}
		return s
	}
	for _, f := range splits {
		s.parts = append(s.parts, newPartWriter(sink, f.Name, schema, cfg))
	}
	s.idx = make([][]int32, len(splits))
	return s
}

// Write sends row i of rec to split splitOf(i). splitOf is ignored when
// there are no splits.
func (s *splitWriter) Write(ctx context.Context, rec arrow.Record, splitOf func(i int) int8) error {
	if len(s.parts) == 1 && s.idx == nil {
		return s.parts[0].Write(ctx, rec)
	}
	for j := range s.idx {
		s.idx[j] = s.idx[j][:0]
	}
	n := int(rec.NumRows())
	for i := 0; i < n; i++ {
		j := splitOf(i)
		s.idx[j] = append(s.idx[j], int32(i))
	}
	for j, rows := range s.idx {
		if len(rows) == 0 {
			continue
		}
		if len(rows) == n {
			if err := s.parts[j].Write(ctx, rec); err != nil {
				return err
			}
			continue
		}
		sub, err := takeRows(ctx, s.mem, rec, rows)
		if err != nil {
			return err
		}
		err = s.parts[j].Write(ctx, sub)
		sub.Release()
		if err != nil {
			return err
		}
	}
	return nil
}

func (s *splitWriter) Close(ctx context.Context) error {
	for _, p := range s.parts {
		if err := p.Close(ctx); err != nil {
			s.abort()
			return err
		}
	}
	return nil
}

// abort gives up on every open file (the sink discards them).
func (s *splitWriter) abort() {
	for _, p := range s.parts {
		p.abort()
	}
}

func (s *splitWriter) Files() []FileInfo {
	var out []FileInfo
	for _, p := range s.parts {
		out = append(out, p.files...)
	}
	return out
}

// takeRows returns the rows of rec at rows, in order.
func takeRows(ctx context.Context, mem memory.Allocator, rec arrow.Record, rows []int32) (arrow.Record, error) {
	b := array.NewInt32Builder(mem)
	defer b.Release()
	b.AppendValues(rows, nil)
	idx := b.NewArray()
	defer idx.Release()
	cctx := compute.WithAllocator(ctx, mem)
	cols := make([]arrow.Array, rec.NumCols())
	defer func() {
		for _, c := range cols {
			if c != nil {
				c.Release()
			}
		}
	}()
	for i, c := range rec.Columns() {
		// The take kernel has no dictionary case: take the indices and
		// keep the dictionary.
		d, isDict := c.(*array.Dictionary)
		src := c
		if isDict {
			src = d.Indices()
		}
		t, err := take(cctx, src, idx, rows)
		if err != nil {
			return nil, fmt.Errorf("export: take %s: %w", rec.ColumnName(i), err)
		}
		if isDict {
			cols[i] = array.NewDictionaryArray(c.DataType(), t, d.Dictionary())
			t.Release()
		} else {
			cols[i] = t
		}
	}
	return array.NewRecord(rec.Schema(), cols, int64(len(rows))), nil
}

// take returns the rows of arr at rows (idx holds the same positions as an
// array). Arrow v15's take kernel grows its output buffer for strings and
// list values one reservation at a time, quadratic in the output, so those
// are gathered here; fixed-width columns use the kernel.
func take(ctx context.Context, arr arrow.Array, idx arrow.Array, rows []int32) (arrow.Array, error) {
	switch a := arr.(type) {
	case *array.List:
		return takeList(ctx, a, rows)
	case *array.String:
		return takeString(a, rows), nil
	}
	return compute.TakeArrayOpts(ctx, arr, idx, compute.TakeOptions{BoundsCheck: false})
}

// takeString gathers the strings of s at rows into a new array.
func takeString(s *array.String, rows []int32) arrow.Array {
	offsets := make([]int32, len(rows)+1)
	for i, r := range rows {
		offsets[i+1] = offsets[i] + int32(s.ValueLen(int(r)))
	}
	data := make([]byte, 0, offsets[len(rows)])
	var validity []byte
	nulls := 0
	if s.NullN() > 0 {
		validity = make([]byte, bitutil.BytesForBits(int64(len(rows))))
	}
	for i, r := range rows {
		data = append(data, s.Value(int(r))...)
		if validity != nil {
			if s.IsNull(int(r)) {
				nulls++
			} else {
				bitutil.SetBit(validity, i)
			}
		}
	}
	var vbuf *memory.Buffer
	if validity != nil {
		vbuf = memory.NewBufferBytes(validity)
	}
	d := array.NewData(arrow.BinaryTypes.String, len(rows),
		[]*memory.Buffer{vbuf, memory.NewBufferBytes(arrow.Int32Traits.CastToBytes(offsets)), memory.NewBufferBytes(data)},
		nil, nulls, 0)
	defer d.Release()
	return array.NewStringData(d)
}

// takeList returns the rows of l at rows, in order, taking its child values
// with one flat take of their positions.
func takeList(ctx context.Context, l *array.List, rows []int32) (arrow.Array, error) {
	offsets := make([]int32, len(rows)+1)
	var childRows []int32
	var validity []byte
	nulls := 0
	if l.NullN() > 0 {
		validity = make([]byte, bitutil.BytesForBits(int64(len(rows))))
	}
	for i, r := range rows {
		start, end := l.ValueOffsets(int(r))
		for k := start; k < end; k++ {
			childRows = append(childRows, int32(k))
		}
		offsets[i+1] = offsets[i] + int32(end-start)
		if validity != nil {
			if l.IsNull(int(r)) {
				nulls++
			} else {
				bitutil.SetBit(validity, i)
			}
		}
	}
	mem := compute.GetAllocator(ctx)
	b := array.NewInt32Builder(mem)
	defer b.Release()
	b.AppendValues(childRows, nil)
	idx := b.NewArray()
	defer idx.Release()
	child, err := take(ctx, l.ListValues(), idx, childRows)
	if err != nil {
		return nil, err
	}
	defer child.Release()
	var vbuf *memory.Buffer
	if validity != nil {
		vbuf = memory.NewBufferBytes(validity)
	}
	data := array.NewData(l.DataType(), len(rows),
		[]*memory.Buffer{vbuf, memory.NewBufferBytes(arrow.Int32Traits.CastToBytes(offsets))},
		[]arrow.ArrayData{child.Data()}, nulls, 0)
	defer data.Release()
	return array.MakeFromData(data), nil
}
