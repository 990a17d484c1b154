package export

import (
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"
	"github.com/apache/arrow/go/v15/arrow/ipc"
	"github.com/apache/arrow/go/v15/arrow/memory"
	"github.com/apache/arrow/go/v15/parquet"
	"github.com/apache/arrow/go/v15/parquet/compress"
	"github.com/apache/arrow/go/v15/parquet/pqarrow"

	"curate.dev/dataset"
)

// Format is an output file format.
type Format int

const (
	Parquet Format = iota // Apache Parquet (default)
	Arrow                 // Arrow IPC file (Feather v2)
	CSV                   // comma-separated text; lists as JSON arrays
)

var formatNames = [...]string{"parquet", "arrow", "csv"}
var formatExts = [...]string{".parquet", ".arrow", ".csv"}

func (f Format) String() string { return formatNames[f] }

// Ext returns the file extension with its dot.
func (f Format) Ext() string { return formatExts[f] }

// ParseFormat is the inverse of [Format.String].
func ParseFormat(s string) (Format, bool) {
	for i, n := range formatNames {
		if n == s {
			return Format(i), true
		}
	}
	return 0, false
}

// Compression is a codec for Parquet pages or Arrow IPC buffers.
type Compression int

const (
	Zstd Compression = iota // default
	Snappy
	Uncompressed
)

var compressionNames = [...]string{"zstd", "snappy", "none"}

func (c Compression) String() string { return compressionNames[c] }

// ParseCompression is the inverse of [Compression.String].
func ParseCompression(s string) (Compression, bool) {
	for i, n := range compressionNames {
		if n == s {
			return Compression(i), true
		}
	}
	return 0, false
}

// tableWriter writes records of one schema into one file; Close writes
// the footer but does not close the underlying writer.
type tableWriter interface {
	Write(rec arrow.Record) error
	Close() error
	// abort gives up on the file (the sink discards it) and frees what
	// the writer holds.
	abort()
}

func newTableWriter(w io.Writer, schema *arrow.Schema, cfg *config) (tableWriter, error) {
	switch cfg.format {
	case Parquet:
		return newParquetWriter(w, schema, cfg)
	case Arrow:
		return newIPCWriter(w, schema, cfg)
	case CSV:
		return newCSVWriter(w, schema, cfg)
	}
	return nil, fmt.Errorf("export: unknown format %d", cfg.format)
}

// parquetProps returns the writer properties every Parquet file of an
// export uses.
func parquetProps(cfg *config) (*parquet.WriterProperties, pqarrow.ArrowWriterProperties) {
	codec := compress.Codecs.Zstd
	switch cfg.compression {
	case Snappy:
		codec = compress.Codecs.Snappy
	case Uncompressed:
		codec = compress.Codecs.Uncompressed
	}
	// The writer's internal buffers come from Go's allocator, not cfg.mem:
	// v15 leaks page buffers under the uncompressed codec, which the
	// garbage collector reclaims but a checked allocator reports.
	props := parquet.NewWriterProperties(
		parquet.WithAllocator(memory.DefaultAllocator),
		parquet.WithCompression(codec),
		parquet.WithMaxRowGroupLength(int64(cfg.rowGroupRows)),
		parquet.WithDictionaryDefault(true),
		// Annotation ids are unique and an input id repeats only over its
		// own adjacent rows: a dictionary costs a hash per value there (v15
		// boxes each one) and zstd already folds the runs of plain values.
		parquet.WithDictionaryFor(dataset.ColAnnotationID, false),
		parquet.WithDictionaryFor(dataset.ColInputID, false),
		// Urls and metadata are mostly one per input too: at 1M inputs
		// the dictionary filled, fell back to plain pages in every row
		// group, and left the columns 7-28% larger than plain pages alone.
		parquet.WithDictionaryFor(dataset.ColURL, false),
		parquet.WithDictionaryFor(dataset.ColMetadata, false),
		// Urls, texts and metadata (the training layout's) take zstd's
		// fastest level: in a training export of 1M inputs it wrote them
		// 7-21% smaller than the default level, in less time
		// (BENCHMARKS.md). Ids and concept lists keep the default, where
		// it is smaller.
		parquet.WithCompressionLevelFor(dataset.ColURL, zstdFastest(codec)),
		parquet.WithCompressionLevelFor(dataset.ColText, zstdFastest(codec)),
		parquet.WithCompressionLevelFor(dataset.ColMetadata, zstdFastest(codec)),
		parquet.WithDataPageSize(1<<20),
		parquet.WithDataPageVersion(parquet.DataPageV2),
		parquet.WithCreatedBy(createdBy()),
		// A required root, as the format and every reader expect (v15's
		// default is REPEATED, which Snowflake, Impala and hyparquet reject).
		parquet.WithRootRepetition(parquet.Repetitions.Required),
	)
	aprops := pqarrow.NewArrowWriterProperties(pqarrow.WithStoreSchema(), pqarrow.WithAllocator(memory.DefaultAllocator))
	return props, aprops
}

// zstdFastest is the level of zstd's fastest encoder for codec zstd,
// the default level for any other codec.
func zstdFastest(codec compress.Compression) int {
	if codec == compress.Codecs.Zstd {
		return 1
	}
	return compress.DefaultCompressionLevel
}

// parquetWriter writes dictionary columns dense: v15's direct dictionary
// path fails on batches whose dictionaries differ (slice bounds panic in
// the dictionary encoder), and Parquet dictionary-encodes the strings
// again on disk anyway.
type parquetWriter struct {
	fw     *pqarrow.FileWriter
	mem    memory.Allocator
	dense  *arrow.Schema
	footer *footerWriter
}

func newParquetWriter(w io.Writer, schema *arrow.Schema, cfg *config) (tableWriter, error) {
	props, aprops := parquetProps(cfg)
	dense := denseSchema(schema)
	// footerWriter has no Close, so FileWriter.Close (which closes an
	// io.WriteCloser sink) leaves w to the caller who opened it.
	footer := &footerWriter{w: w}
	if flatSchema(schema) {
		fw, err := newFlatWriter(footer, schema, dense, props, aprops)
		if err != nil {
			return nil, fmt.Errorf("export: parquet: %w", err)
		}
		return fw, nil
	}
	fw, err := pqarrow.NewFileWriter(dense, footer, props, aprops)
	if err != nil {
		return nil, fmt.Errorf("export: parquet: %w", err)
	}
	return &parquetWriter{fw: fw, mem: cfg.mem, dense: dense, footer: footer}, nil
}

func (p *parquetWriter) Write(rec arrow.Record) error {
	if p.dense != rec.Schema() {
		d := densify(p.mem, p.dense, rec)
		defer d.Release()
		rec = d
	}
	return p.fw.WriteBuffered(rec)
}
func (p *parquetWriter) abort() {}

func (p *parquetWriter) Close() error {
	if err := p.fw.Close(); err != nil {
		return err
	}
	return p.footer.finish()
}

// ipcWriter writes an Arrow IPC file. The IPC file format cannot replace
// dictionaries between batches, so dictionary columns are written dense.
type ipcWriter struct {
	w   *ipc.FileWriter
	mem memory.Allocator
	sch *arrow.Schema
}

func newIPCWriter(w io.Writer, schema *arrow.Schema, cfg *config) (*ipcWriter, error) {
	dense := denseSchema(schema)
	opts := []ipc.Option{ipc.WithSchema(dense), ipc.WithAllocator(cfg.mem)}
	switch cfg.compression {
	case Zstd:
		opts = append(opts, ipc.WithZstd())
	case Snappy:
		return nil, fmt.Errorf("export: arrow IPC has no snappy codec; use zstd or none")
	}
	fw, err := ipc.NewFileWriter(&posWriter{w: w}, opts...)
	if err != nil {
		return nil, fmt.Errorf("export: arrow: %w", err)
	}
	return &ipcWriter{w: fw, mem: cfg.mem, sch: dense}, nil
}

func (p *ipcWriter) Write(rec arrow.Record) error {
	d := densify(p.mem, p.sch, rec)
	defer d.Release()
	return p.w.Write(d)
}
func (p *ipcWriter) Close() error { return p.w.Close() }

func (p *ipcWriter) abort() {}

// denseSchema replaces dictionary types by their value types.
func denseSchema(s *arrow.Schema) *arrow.Schema {
	fields := make([]arrow.Field, s.NumFields())
	changed := false
	for i, f := range s.Fields() {
		if dt, ok := f.Type.(*arrow.DictionaryType); ok {
			f.Type = dt.ValueType
			changed = true
		}
		fields[i] = f
	}
	if !changed {
		return s
	}
	md := s.Metadata()
	return arrow.NewSchema(fields, &md)
}

// densify returns rec with dictionary<utf8> columns decoded. The caller
// releases the result.
func densify(mem memory.Allocator, dense *arrow.Schema, rec arrow.Record) arrow.Record {
	cols := make([]arrow.Array, rec.NumCols())
	for i, c := range rec.Columns() {
		d, ok := c.(*array.Dictionary)
		if !ok {
			c.Retain()
			cols[i] = c
			continue
		}
		dict := d.Dictionary().(*array.String)
		b := array.NewStringBuilder(mem)
		b.Reserve(d.Len())
		for k := 0; k < d.Len(); k++ {
			if d.IsNull(k) {
				b.AppendNull()
			} else {
				b.Append(dict.Value(d.GetValueIndex(k)))
			}
		}
		cols[i] = b.NewArray()
		b.Release()
	}
	out := array.NewRecord(dense, cols, rec.NumRows())
	for _, c := range cols {
		c.Release()
	}
	return out
}

// csvWriter writes a header and one line per row. Nulls are empty
// fields; lists are JSON arrays.
type csvWriter struct {
	w      *csv.Writer
	row    []string
	header []string
	wrote  bool
}

func newCSVWriter(w io.Writer, schema *arrow.Schema, _ *config) (*csvWriter, error) {
	h := make([]string, schema.NumFields())
	for i, f := range schema.Fields() {
		h[i] = f.Name
	}
	return &csvWriter{w: csv.NewWriter(w), header: h, row: make([]string, len(h))}, nil
}

func (c *csvWriter) Write(rec arrow.Record) error {
	if !c.wrote {
		c.wrote = true
		if err := c.w.Write(c.header); err != nil {
			return err
		}
	}
	cols := rec.Columns()
	var sb strings.Builder
	for r := 0; r < int(rec.NumRows()); r++ {
		for i, col := range cols {
			sb.Reset()
			appendValue(&sb, col, r, false)
			c.row[i] = sb.String()
		}
		if err := c.w.Write(c.row); err != nil {
			return err
		}
	}
	return c.w.Error()
}

func (c *csvWriter) abort() {}

func (c *csvWriter) Close() error {
	if !c.wrote {
		c.wrote = true
		if err := c.w.Write(c.header); err != nil {
			return err
		}
	}
	c.w.Flush()
	return c.w.Error()
}

// appendValue formats row r of a; inside a list strings are JSON-quoted.
func appendValue(sb *strings.Builder, a arrow.Array, r int, quoted bool) {
	if a.IsNull(r) {
		if quoted {
			sb.WriteString("null")
		}
		return
	}
	switch a := a.(type) {
	case *array.String:
		writeStr(sb, a.Value(r), quoted)
	case *array.Dictionary:
		appendValue(sb, a.Dictionary(), a.GetValueIndex(r), quoted)
	case *array.Float32:
		sb.WriteString(strconv.FormatFloat(float64(a.Value(r)), 'g', -1, 32))
	case *array.Float64:
		sb.WriteString(strconv.FormatFloat(a.Value(r), 'g', -1, 64))
	case *array.Int8:
		sb.WriteString(strconv.Itoa(int(a.Value(r))))
	case *array.Int64:
		sb.WriteString(strconv.FormatInt(a.Value(r), 10))
	case *array.Int32:
		sb.WriteString(strconv.Itoa(int(a.Value(r))))
	case array.ListLike:
		start, end := a.ValueOffsets(r)
		sb.WriteByte('[')
		for k := start; k < end; k++ {
			if k > start {
				sb.WriteByte(',')
			}
			appendValue(sb, a.ListValues(), int(k), true)
		}
		sb.WriteByte(']')
	default:
		writeStr(sb, a.ValueStr(r), quoted)
	}
}

func writeStr(sb *strings.Builder, s string, quoted bool) {
	if quoted {
		sb.WriteString(strconv.Quote(s))
	} else {
		sb.WriteString(s)
	}
}

// posWriter gives the IPC file writer the only Seek it makes: asking for
// the current position.
type posWriter struct {
	w   io.Writer
	pos int64
}

func (p *posWriter) Write(b []byte) (int, error) {
	n, err := p.w.Write(b)
	p.pos += int64(n)
	return n, err
}

func (p *posWriter) Seek(offset int64, whence int) (int64, error) {
	if offset == 0 && whence == io.SeekCurrent {
		return p.pos, nil
	}
	return 0, fmt.Errorf("export: seek not supported")
}
