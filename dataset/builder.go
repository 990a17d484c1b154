package dataset

import (
	"fmt"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"
	"github.com/apache/arrow/go/v15/arrow/memory"
)

// AnnotationBuilder accumulates annotation rows into records of
// [AnnotationSchema]. It is the one place that knows how to append to that
// schema; loaders, tests and the Clarifai client all use it.
type AnnotationBuilder struct {
	rb          *array.RecordBuilder
	inputID     *array.BinaryDictionaryBuilder
	conceptID   *array.BinaryDictionaryBuilder
	conceptName *array.BinaryDictionaryBuilder
	value       *array.Float32Builder
	source      *array.BinaryDictionaryBuilder
	annID       *array.StringBuilder
	annotator   *array.BinaryDictionaryBuilder
	kind        *array.BinaryDictionaryBuilder
}

// NewAnnotationBuilder returns a builder using mem (nil means
// memory.DefaultAllocator). Release it when done.
func NewAnnotationBuilder(mem memory.Allocator) *AnnotationBuilder {
	if mem == nil {
		mem = memory.DefaultAllocator
	}
	rb := array.NewRecordBuilder(mem, annotationSchema)
	return &AnnotationBuilder{
		rb:          rb,
		inputID:     rb.Field(annInputID).(*array.BinaryDictionaryBuilder),
		conceptID:   rb.Field(annConceptID).(*array.BinaryDictionaryBuilder),
		conceptName: rb.Field(annConceptName).(*array.BinaryDictionaryBuilder),
		value:       rb.Field(annValue).(*array.Float32Builder),
		source:      rb.Field(annValueSource).(*array.BinaryDictionaryBuilder),
		annID:       rb.Field(annAnnotationID).(*array.StringBuilder),
		annotator:   rb.Field(annAnnotator).(*array.BinaryDictionaryBuilder),
		kind:        rb.Field(annAnnotatorKind).(*array.BinaryDictionaryBuilder),
	}
}

// Append adds one row.
func (b *AnnotationBuilder) Append(a *Annotation) {
	// Dictionary appends of strings only fail on a type mismatch, which
	// the fixed schema rules out.
	_ = b.inputID.AppendString(a.InputID)
	_ = b.conceptID.AppendString(a.ConceptID)
	appendDictOrNull(b.conceptName, a.ConceptName)
	b.value.Append(a.Value)
	_ = b.source.AppendString(a.Source.String())
	if a.AnnotationID == "" {
		b.annID.AppendNull()
	} else {
		b.annID.Append(a.AnnotationID)
	}
	appendDictOrNull(b.annotator, a.Annotator)
	appendDictOrNull(b.kind, a.AnnotatorKind.String())
}

// Len returns the number of rows appended since the last record.
func (b *AnnotationBuilder) Len() int { return b.value.Len() }

// NewRecord returns the rows appended so far as a record and resets the
// builder, dictionaries included: each record carries only the values its
// rows use. The caller owns the record and must Release it.
func (b *AnnotationBuilder) NewRecord() arrow.Record {
	rec := b.rb.NewRecord()
	for _, d := range []*array.BinaryDictionaryBuilder{b.inputID, b.conceptID, b.conceptName, b.source, b.annotator, b.kind} {
		d.ResetFull()
	}
	return rec
}

// Release frees the builder's buffers.
func (b *AnnotationBuilder) Release() { b.rb.Release() }

func appendDictOrNull(b *array.BinaryDictionaryBuilder, s string) {
	if s == "" {
		b.AppendNull()
		return
	}
	_ = b.AppendString(s)
}

// InputBuilder accumulates input rows into records of [InputSchema].
type InputBuilder struct {
	rb        *array.RecordBuilder
	dim       int
	id        *array.StringBuilder
	kind      *array.BinaryDictionaryBuilder
	url       *array.StringBuilder
	text      *array.StringBuilder
	meta      *array.StringBuilder
	dsList    *array.ListBuilder
	dsValues  *array.StringBuilder
	embList   *array.FixedSizeListBuilder
	embValues *array.Float32Builder
	// embLast is how many embedding values the last record held: the
	// next batch reserves that much at once instead of regrowing the
	// buffer by doubling (a large share of the CPU at hundreds of
	// dimensions).
	embLast int
}

// NewInputBuilder returns a builder for inputs with embeddings of dim
// values (0: no embedding column). mem nil means memory.DefaultAllocator.
func NewInputBuilder(mem memory.Allocator, dim int) *InputBuilder {
	if mem == nil {
		mem = memory.DefaultAllocator
	}
	rb := array.NewRecordBuilder(mem, InputSchema(dim))
	b := &InputBuilder{
		rb:     rb,
		dim:    dim,
		id:     rb.Field(inInputID).(*array.StringBuilder),
		kind:   rb.Field(inKind).(*array.BinaryDictionaryBuilder),
		url:    rb.Field(inURL).(*array.StringBuilder),
		text:   rb.Field(inText).(*array.StringBuilder),
		meta:   rb.Field(inMetadata).(*array.StringBuilder),
		dsList: rb.Field(inDatasetIDs).(*array.ListBuilder),
	}
	b.dsValues = b.dsList.ValueBuilder().(*array.StringBuilder)
	if dim > 0 {
		b.embList = rb.Field(inEmbedding).(*array.FixedSizeListBuilder)
		b.embValues = b.embList.ValueBuilder().(*array.Float32Builder)
	}
	return b
}

// Dim returns the embedding dimension (0 when there is no embedding column).
func (b *InputBuilder) Dim() int { return b.dim }

// Schema returns the builder's schema.
func (b *InputBuilder) Schema() *arrow.Schema { return b.rb.Schema() }

// Append adds one input. An embedding whose length differs from the
// builder's dimension is an error and nothing is appended.
func (b *InputBuilder) Append(in *Input) error {
	if len(in.Embedding) > 0 && b.dim > 0 && len(in.Embedding) != b.dim {
		return fmt.Errorf("%w: embedding has %d values, want %d like the inputs before it", ErrShape, len(in.Embedding), b.dim)
	}
	b.id.Append(in.ID)
	appendDictOrNull(b.kind, in.Kind)
	appendStringOrNull(b.url, in.URL)
	appendStringOrNull(b.text, in.Text)
	if len(in.Metadata) == 0 {
		b.meta.AppendNull()
	} else {
		b.meta.BinaryBuilder.Append(in.Metadata)
	}
	b.dsList.Append(true)
	for _, d := range in.DatasetIDs {
		b.dsValues.Append(d)
	}
	if b.dim > 0 {
		if len(in.Embedding) == 0 {
			b.embList.AppendNull()
		} else {
			if b.embValues.Len() == 0 && b.embLast > 0 {
				b.embValues.Reserve(b.embLast)
			}
			b.embList.Append(true)
			b.embValues.AppendValues(in.Embedding, nil)
		}
	}
	return nil
}

// Len returns the number of rows appended since the last record.
func (b *InputBuilder) Len() int { return b.id.Len() }

// NewRecord returns the rows appended so far and resets the builder,
// dictionaries included. The caller owns the record.
func (b *InputBuilder) NewRecord() arrow.Record {
	if b.embValues != nil {
		b.embLast = max(b.embLast, b.embValues.Len())
	}
	rec := b.rb.NewRecord()
	b.kind.ResetFull()
	return rec
}

// Release frees the builder's buffers.
func (b *InputBuilder) Release() { b.rb.Release() }

func appendStringOrNull(b *array.StringBuilder, s string) {
	if s == "" {
		b.AppendNull()
		return
	}
	b.Append(s)
}
