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
	th    Thresholds
	rules label.Rules
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

// WithRules reads rows by rules (models, threshold and hierarchy at once),
// as package label defines them.
func WithRules(r label.Rules) Option { return func(c *config) { c.rules = r } }

// Counter accumulates per-concept counts over annotation records of
// [dataset.AnnotationSchema]. Records may come in any order: the rows of
// one input need not be adjacent (CSV) and an input may appear in several
// records or sources; it is counted once ([label.Set]). A Counter is not
// safe for concurrent use.
type Counter struct {
	cfg config
	set *label.Set
}

// NewCounter returns an empty Counter.
func NewCounter(opts ...Option) *Counter {
	cfg := config{th: Thresholds{TargetRatio: DefaultTargetRatio, MinPositives: DefaultMinPositives}}
	for _, o := range opts {
		o(&cfg)
	}
	return &Counter{cfg: cfg, set: label.NewSet(cfg.rules)}
}

// Set returns the labels counted so far. It is the Counter's own: adding
// to the Counter changes it.
func (c *Counter) Set() *label.Set { return c.set }

// Add counts the rows of rec, which must have the columns of
// [dataset.AnnotationSchema] (found by name). rec is not retained.
func (c *Counter) Add(rec arrow.Record) error { return c.set.AddAnnotations(rec) }

// AddIDs counts inputs by id that carry no annotation (a reader's
// dataset.Reader.UnannotatedIDs): they produce no rows, yet they are
// inputs of the dataset, unknown for every concept. An id seen before is
// the same input.
func (c *Counter) AddIDs(ids []string) { c.set.AddIDs(ids) }

// AddInputs counts the inputs of a record of [dataset.InputSchema], with
// or without annotations.
func (c *Counter) AddInputs(rec arrow.Record) error { return c.set.AddInputs(rec) }

// unannotated is implemented by readers that know their inputs without
// annotations: *dataset.Reader and its AnnotationReader view.
type unannotated interface{ UnannotatedIDs() []string }

// Compute counts every record of rr and returns the report. When rr also
// lists inputs without annotations (dataset.Reader.AnnotationReader does),
// they are counted as inputs, as `curate report` counts them. It checks ctx
// between records. rr is not released.
func Compute(ctx context.Context, rr array.RecordReader, opts ...Option) (*Report, error) {
	c := NewCounter(opts...)
	bare, _ := rr.(unannotated)
	for rr.Next() {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if err := c.Add(rr.Record()); err != nil {
			return nil, err
		}
		if bare != nil {
			c.AddIDs(bare.UnannotatedIDs())
		}
	}
	if err := rr.Err(); err != nil {
		return nil, err
	}
	if bare != nil {
		c.AddIDs(bare.UnannotatedIDs())
	}
	return c.Report(), nil
}
