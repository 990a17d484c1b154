package dataset

import "github.com/apache/arrow/go/v15/arrow/memory"

// Format is a file format the loaders understand.
type Format int

const (
	// FormatAuto recognises the format from the first bytes: '[' or a
	// response object ({"status":…}, {"inputs":…} or {"hits":…}) is JSON, another '{' is
	// JSONL, text is CSV, and a header starting ImageID,Source,LabelName is
	// an Open Images label file.
	FormatAuto Format = iota
	// FormatJSONL is one Clarifai input per line in the HTTP JSON shape.
	FormatJSONL
	// FormatJSON is an array of inputs, a {"inputs":[…]} response or a
	// search response {"hits":[{"input":{…}},…]}.
	FormatJSON
	// FormatCSV is the long form input_id,concept_id,value[,concept_name,annotator].
	FormatCSV
	// FormatOpenImages is Open Images' ImageID,Source,LabelName,Confidence.
	FormatOpenImages
)

var formatNames = [...]string{"auto", "jsonl", "json", "csv", "openimages"}

func (f Format) String() string {
	if int(f) < len(formatNames) && f >= 0 {
		return formatNames[f]
	}
	return "unknown"
}

// ParseFormat is the inverse of [Format.String].
func ParseFormat(name string) (Format, bool) {
	for i, n := range formatNames {
		if n == name {
			return Format(i), true
		}
	}
	return 0, false
}

// DefaultMaxLineBytes is the longest line the loaders accept by default.
const DefaultMaxLineBytes = 64 << 20

// DefaultBatchSize is the default number of annotation rows a batch aims for.
const DefaultBatchSize = 64 << 10

type config struct {
	mem          memory.Allocator
	name         string
	format       Format
	batchSize    int
	strict       bool
	soft         bool
	maxErrors    int
	maxLineBytes int
	inputs       bool
	reuse        bool // recycle the buffers of released records (WithReuseBuffers)
	embeddingDim int  // 0: take it from the first embedding seen; -1: never read embeddings

	// Parallel JSONL path (tests set these; 0 means the default).
	workers   int  // parse goroutines (default GOMAXPROCS)
	blockSize int  // bytes per parse job (default defaultBlockSize)
	serial    bool // force the one-line-at-a-time reference path
}

func defaultConfig() config {
	return config{
		mem:          memory.DefaultAllocator,
		batchSize:    DefaultBatchSize,
		maxErrors:    1,
		maxLineBytes: DefaultMaxLineBytes,
		inputs:       true,
	}
}

// Option configures a [Reader].
type Option func(*config)

// WithAllocator sets the allocator for every record the reader builds
// (default memory.DefaultAllocator).
func WithAllocator(mem memory.Allocator) Option {
	return func(c *config) {
		if mem != nil {
			c.mem = mem
		}
	}
}

// WithName sets the file name used in error messages.
func WithName(name string) Option { return func(c *config) { c.name = name } }

// WithFormat fixes the format instead of recognising it.
func WithFormat(f Format) Option { return func(c *config) { c.format = f } }

// WithBatchSize sets how many annotation rows a batch aims for. A batch
// always holds whole inputs, so it may be larger. n < 1 is ignored.
func WithBatchSize(n int) Option {
	return func(c *config) {
		if n > 0 {
			c.batchSize = n
		}
	}
}

// WithStrictValues makes an omitted value an error instead of reading it
// by the source's rule.
func WithStrictValues(strict bool) Option { return func(c *config) { c.strict = strict } }

// WithSoftValues accepts any value in [0, 1] instead of only 0 and 1.
func WithSoftValues(soft bool) Option { return func(c *config) { c.soft = soft } }

// WithMaxErrors sets how many bad records are collected before reading
// stops (default 1: stop at the first). With n > 1 bad records are
// skipped, and at the end of the stream Err returns an [*ErrorList] of all
// of them; no partial result is ever reported as success.
func WithMaxErrors(n int) Option {
	return func(c *config) {
		if n > 0 {
			c.maxErrors = n
		}
	}
}

// WithMaxLineBytes sets the longest accepted line (default
// [DefaultMaxLineBytes]); a longer line is a [*ParseError] wrapping
// [ErrLineTooLong].
func WithMaxLineBytes(n int) Option {
	return func(c *config) {
		if n > 0 {
			c.maxLineBytes = n
		}
	}
}

// WithInputs sets whether the inputs table is built (default true). A
// report that needs only annotations turns it off and reads faster. Either
// way JSONL is parsed on all cores (GOMAXPROCS), a few MB at a time, with
// a fast path for the common shape and the same results and errors as the
// one-line-at-a-time decoder. Batches still come in file order and hold
// whole inputs; one may hold fewer rows than [WithBatchSize] asks for.
func WithInputs(on bool) Option { return func(c *config) { c.inputs = on } }

// WithReuseBuffers lets the reader recycle the buffers of records the
// caller has released, for the next records it builds. By default (false)
// every record is built in freshly allocated memory, and a string taken
// from a record (array.String.Value) stays valid after the record is
// released, as Go code expects of a string.
//
// With reuse on, such a string changes under the caller once the record it
// came from is released and its buffers are reused: a caller that keeps a
// value past Release must copy it first (strings.Clone), as every consumer
// in this module does. It saves allocation and garbage-collection work on
// large reads, like [encoding/csv.Reader.ReuseRecord]. It applies only when
// no allocator was chosen with [WithAllocator] and only to the parallel
// JSONL path; elsewhere it has no effect.
func WithReuseBuffers(on bool) Option { return func(c *config) { c.reuse = on } }

// WithEmbeddingDim fixes the embedding dimension: d > 0 requires every
// embedding to have d values; d < 0 skips embeddings; 0 (the default) takes
// the dimension from the first embedding in the first batch.
func WithEmbeddingDim(d int) Option { return func(c *config) { c.embeddingDim = d } }
