package balance

import (
	"context"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"

	"curate.dev/label"
)

// Defaults for the status thresholds and the model score threshold.
const (
	DefaultTargetRatio    = 1.0
	DefaultMinPositives   = 10
	DefaultModelThreshold = label.DefaultModelThreshold
)

// ErrSchema reports a record that lacks a column of
// [dataset.AnnotationSchema] or holds it with another type.
var ErrSchema = label.ErrSchema

type config struct {
	th      Thresholds
	rules   label.Rules
	stream  label.StreamOptions
	keepSet bool
}

// Option configures a [Counter] or [Compute].
type Option func(*config)

// WithHierarchy counts along concept relations (nil: none), by the label
// rules of package label: a positive for a concept also counts for its
// hypernyms and synonyms; a negative for its hyponyms and synonyms. The
// report says how many counts came from this.
func WithHierarchy(h *label.Hierarchy) Option { return func(c *config) { c.rules.Hierarchy = h } }

// WithTargetRatio sets the negatives:positives ratio below which a concept
// has status few-negatives (default [DefaultTargetRatio]). r <= 0 is ignored.
func WithTargetRatio(r float64) Option {
	return func(c *config) {
		if r > 0 {
			c.th.TargetRatio = r
		}
	}
}

// WithMinPositives sets the number of positives below which a concept has
// status few-positives (default [DefaultMinPositives]). n < 0 is ignored.
func WithMinPositives(n int) Option {
	return func(c *config) {
		if n >= 0 {
			c.th.MinPositives = n
		}
	}
}

// WithModels counts annotations made by a model or a workflow (annotator
// kind "model" or "workflow"), which are left out by default: a score of at
// least threshold is a positive, a lower one a negative.
func WithModels(threshold float32) Option {
	return func(c *config) {
		c.rules.IncludeModels = true
		c.rules.ModelThreshold = threshold
	}
}

// WithMemory tunes how the Counter keeps its memory from growing with the
// inputs (see label.StreamOptions: the budget past which it spills to a
// temporary file, and where that file goes).
func WithMemory(o label.StreamOptions) Option { return func(c *config) { c.stream = o } }

// keepSet makes the Counter hold every input's labels in a label.Set, for
// an analysis that reads them again ([AnalyzeOverlap]).
func keepSet() Option { return func(c *config) { c.keepSet = true } }

// WithRules reads rows by rules (models, threshold and hierarchy at once),
// as package label defines them.
func WithRules(r label.Rules) Option { return func(c *config) { c.rules = r } }

// Counter accumulates per-concept counts over annotation records of
// [dataset.AnnotationSchema]. Records may come in any order: the rows of
// one input need not be adjacent (CSV) and an input may appear in several
// records or sources; it is counted once. It counts through a
// [label.Stream], whose memory grows by a few bytes per input rather than
// with the inputs' ids and labels. A Counter is not safe for concurrent
// use; Close releases its temporary file, if it made one.
type Counter struct {
	cfg    config
	set    *label.Set    // with keepSet
	stream *label.Stream // otherwise
}

// NewCounter returns an empty Counter.
func NewCounter(opts ...Option) *Counter {
	cfg := config{th: Thresholds{TargetRatio: DefaultTargetRatio, MinPositives: DefaultMinPositives}}
	for _, o := range opts {
		o(&cfg)
	}
	c := &Counter{cfg: cfg}
	if cfg.keepSet {
		c.set = label.NewSet(cfg.rules)
	} else {
		c.stream = label.NewStream(cfg.rules, &cfg.stream)
	}
	return c
}

// Add counts the rows of rec, which must have the columns of
// [dataset.AnnotationSchema] (found by name). rec is not retained.
func (c *Counter) Add(rec arrow.Record) error {
	if c.set != nil {
		return c.set.AddAnnotations(rec)
	}
	return c.stream.AddAnnotations(rec)
}

// AddIDs counts inputs by id that carry no annotation (a reader's
// dataset.Reader.UnannotatedIDs): they produce no rows, yet they are
// inputs of the dataset, unknown for every concept. An id seen before is
// the same input.
func (c *Counter) AddIDs(ids []string) error {
	if c.set != nil {
		c.set.AddIDs(ids)
		return nil
	}
	return c.stream.AddIDs(ids)
}

// AddInputs counts the inputs of a record of [dataset.InputSchema], with
// or without annotations.
func (c *Counter) AddInputs(rec arrow.Record) error {
	if c.set != nil {
		return c.set.AddInputs(rec)
	}
	return c.stream.AddInputs(rec)
}

// Close releases the Counter's temporary file, if any; it can no longer
// report.
func (c *Counter) Close() error {
	if c.stream != nil {
		return c.stream.Close()
	}
	return nil
}

// unannotated is implemented by readers that know their inputs without
// annotations: *dataset.Reader and its AnnotationReader view.
type unannotated interface{ UnannotatedIDs() []string }

// Compute counts every record of rr and returns the report. When rr also
// lists inputs without annotations (dataset.Reader.AnnotationReader does),
// they are counted as inputs, as `curate report` counts them. It checks ctx
// between records. rr is not released.
func Compute(ctx context.Context, rr array.RecordReader, opts ...Option) (*Report, error) {
	c := NewCounter(opts...)
	defer c.Close()
	bare, _ := rr.(unannotated)
	for rr.Next() {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if err := c.Add(rr.Record()); err != nil {
			return nil, err
		}
		if bare != nil {
			if err := c.AddIDs(bare.UnannotatedIDs()); err != nil {
				return nil, err
			}
		}
	}
	if err := rr.Err(); err != nil {
		return nil, err
	}
	if bare != nil {
		if err := c.AddIDs(bare.UnannotatedIDs()); err != nil {
			return nil, err
		}
	}
	return c.Report()
}
