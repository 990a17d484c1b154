package export

import "github.com/apache/arrow/go/v15/arrow/memory"

// Default sizes.
const (
	// DefaultRowGroupRows caps the rows of a Parquet row group for the
	// long and stats layouts (the training layout scales it down by the
	// width of its label vectors, keeping row groups near 64 MiB raw).
	DefaultRowGroupRows = 1 << 20
	// DefaultBatchRows is how many rows the training layout builds per
	// record.
	DefaultBatchRows = 16 << 10
)

type config struct {
	mem            memory.Allocator
	format         Format
	compression    Compression
	rowGroupRows   int
	maxRowsPerFile int64
	targetsMask    bool
	batchRows      int
}

func defaultConfig() config {
	return config{
		mem:          memory.DefaultAllocator,
		rowGroupRows: DefaultRowGroupRows,
		batchRows:    DefaultBatchRows,
	}
}

// Option configures a writer.
type Option func(*config)

// WithAllocator sets the allocator for every Arrow buffer the export
// makes (default memory.DefaultAllocator; nil keeps the default).
func WithAllocator(mem memory.Allocator) Option {
	return func(c *config) {
		if mem != nil {
			c.mem = mem
		}
	}
}

// WithFormat sets the file format (default [Parquet]).
func WithFormat(f Format) Option { return func(c *config) { c.format = f } }

// WithCompression sets the codec (default [Zstd]; CSV ignores it).
func WithCompression(cp Compression) Option { return func(c *config) { c.compression = cp } }

// WithRowGroupRows caps the rows of a Parquet row group (n < 1 keeps the
// default).
func WithRowGroupRows(n int) Option {
	return func(c *config) {
		if n > 0 {
			c.rowGroupRows = n
		}
	}
}

// WithMaxRowsPerFile starts a new part file after n rows (0, the default:
// one file per split).
func WithMaxRowsPerFile(n int64) Option {
	return func(c *config) {
		if n > 0 {
			c.maxRowsPerFile = n
		}
	}
}

// WithTargetsMask makes the training layout write two float32 vectors,
// targets (1 present, 0 otherwise) and mask (1 known, 0 unknown), instead
// of one int8 label vector with -1 for unknown.
func WithTargetsMask(on bool) Option { return func(c *config) { c.targetsMask = on } }
