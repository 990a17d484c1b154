package export

import (
	"encoding/json"
	"slices"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"
	"github.com/apache/arrow/go/v15/arrow/memory"

	"curate.dev/dataset"
)

// Layout is the shape of the exported rows.
type Layout int

const (
	// Long: one row per annotation, the columns of
	// [dataset.AnnotationSchema] (every annotation, model output included:
	// the annotator_kind column tells them apart).
	Long Layout = iota
	// Training: one row per input with its labels (see [TrainingSchema]).
	Training
	// Stats: one row per concept with counts and class weights (see
	// [StatsSchema]).
	Stats
)

var layoutNames = [...]string{"long", "training", "stats"}

func (l Layout) String() string { return layoutNames[l] }

// ParseLayout is the inverse of [Layout.String].
func ParseLayout(s string) (Layout, bool) {
	for i, n := range layoutNames {
		if n == s {
			return Layout(i), true
		}
	}
	return 0, false
}

// Key-value metadata keys written into every Parquet file of the
// training and stats layouts (and into the Arrow schema).
const (
	// MetaConcepts holds the concept ids in label-vector order, as a JSON array.
	MetaConcepts = "curate.concepts"
	// MetaLabelEncoding describes the label columns.
	MetaLabelEncoding = "curate.label_encoding"
)

// Column names of the training and stats layouts.
const (
	ColSplit     = "split"
	ColPositives = "positives"
	ColNegatives = "negatives"
	ColLabels    = "labels"
	ColTargets   = "targets"
	ColMask      = "mask"

	ColUnknown        = "unknown"
	ColConflicts      = "conflicts"
	ColPosWeight      = "pos_weight"
	ColWeightPositive = "weight_positive"
	ColWeightNegative = "weight_negative"
	ColOneClass       = "one_class"
)

const (
	encodingLabels      = "labels: int8 per concept, 1 present, 0 absent, -1 unknown (no annotation or conflicting ones)"
	encodingTargetsMask = "targets: float32 per concept, 1 present else 0; mask: float32, 1 when known (present or absent), 0 unknown"
)

// TrainingSchema returns the schema of the training layout for concepts:
//
//	input_id   utf8
//	url, text, metadata  utf8, null when the input has none
//	positives  list<utf8>  concept ids present
//	negatives  list<utf8>  concept ids explicitly absent
//	labels     list<int8>, len(concepts) long in every row: 1 / 0 / -1
//	split      utf8 (only when splitting; last in every layout)
//
// or, with targetsMask, targets and mask as list<float32>. The vectors
// are variable-size lists of fixed length rather than fixed_size_list
// because Arrow Go v15's Parquet writer loses fixed_size_list values.
// The concept order is in the schema metadata under [MetaConcepts].
func TrainingSchema(concepts []string, withSplit, targetsMask bool) *arrow.Schema {
	fields := []arrow.Field{
		{Name: dataset.ColInputID, Type: arrow.BinaryTypes.String},
		{Name: dataset.ColURL, Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: dataset.ColText, Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: dataset.ColMetadata, Type: arrow.BinaryTypes.String, Nullable: true},
	}
	strList := arrow.ListOfNonNullable(arrow.BinaryTypes.String)
	fields = append(fields,
		arrow.Field{Name: ColPositives, Type: strList},
		arrow.Field{Name: ColNegatives, Type: strList},
	)
	enc := encodingLabels
	if targetsMask {
		enc = encodingTargetsMask
		f32 := arrow.ListOfNonNullable(arrow.PrimitiveTypes.Float32)
		fields = append(fields,
			arrow.Field{Name: ColTargets, Type: f32},
			arrow.Field{Name: ColMask, Type: f32})
	} else {
		fields = append(fields, arrow.Field{Name: ColLabels, Type: arrow.ListOfNonNullable(arrow.PrimitiveTypes.Int8)})
	}
	if withSplit {
		fields = append(fields, arrow.Field{Name: ColSplit, Type: arrow.BinaryTypes.String})
	}
	md := conceptMetadata(concepts, enc)
	return arrow.NewSchema(fields, &md)
}

func conceptMetadata(concepts []string, enc string) arrow.Metadata {
	if concepts == nil {
		concepts = []string{} // "[]", not "null", for a dataset without concepts
	}
	js, _ := json.Marshal(concepts)
	return arrow.NewMetadata([]string{MetaConcepts, MetaLabelEncoding}, []string{string(js), enc})
}

// trainingBuilder holds what the training rows are built with (see
// trainingRows).
type trainingBuilder struct {
	l      *Labels
	schema *arrow.Schema
	mask   bool
	mem    memory.Allocator
}

func newTrainingBuilder(l *Labels, splits []Fraction, cfg *config) *trainingBuilder {
	b := &trainingBuilder{l: l, mask: cfg.targetsMask, mem: cfg.mem}
	// The split column is added by the part writer, as in every layout.
	b.schema = TrainingSchema(l.Concepts, false, b.mask)
	return b
}

// StatsSchema returns the schema of the stats layout:
//
//	concept_id, concept_name  utf8 (name null when unknown)
//	positives, negatives      int64  inputs with the concept present / absent
//	unknown                   int64  inputs without a label for the concept (conflicts counted apart)
//	conflicts                 int64  inputs with both a positive and a negative
//	pos_weight                float64 negatives/positives, BCEWithLogitsLoss's pos_weight
//	weight_positive, weight_negative  float64  balanced class weights, (pos+neg)/(2·count)
//	one_class                 bool   no positive or no negative: the weights are 1
//
// Every weight is finite and positive, so the column can go to a loss as
// it is; see [ConceptStats.PosWeight] for the rule when a class is
// missing.
func StatsSchema(concepts []string) *arrow.Schema {
	i64, f64, str := arrow.PrimitiveTypes.Int64, arrow.PrimitiveTypes.Float64, arrow.BinaryTypes.String
	md := conceptMetadata(concepts, encodingLabels)
	return arrow.NewSchema([]arrow.Field{
		{Name: dataset.ColConceptID, Type: str},
		{Name: dataset.ColConceptName, Type: str, Nullable: true},
		{Name: ColPositives, Type: i64},
		{Name: ColNegatives, Type: i64},
		{Name: ColUnknown, Type: i64},
		{Name: ColConflicts, Type: i64},
		{Name: ColPosWeight, Type: f64},
		{Name: ColWeightPositive, Type: f64},
		{Name: ColWeightNegative, Type: f64},
		{Name: ColOneClass, Type: arrow.FixedWidthTypes.Boolean},
	}, &md)
}

// ConceptStats are one concept's counts over a set of inputs, as the label
// core counts them (the balance report's numbers). Positives + Negatives +
// Conflicts + Unknown is the number of inputs; Unknown holds every input
// without a label for the concept (the report's implied negatives and
// unknown together).
type ConceptStats struct {
	Positives, Negatives, Unknown, Conflicts int64
}

// OneClass reports a concept with no positive or no negative: a loss
// sees only one of its classes, so there is no ratio to weight by.
func (s ConceptStats) OneClass() bool { return s.Positives == 0 || s.Negatives == 0 }

// PosWeight returns negatives/positives, the pos_weight of PyTorch's
// BCEWithLogitsLoss. For a [ConceptStats.OneClass] concept it returns 1,
// the neutral weight: with no negative, negatives/positives would be 0
// and switch the positive term off; with no positive it would be
// undefined (a NaN loss). Mask such concepts, or keep them at weight 1.
func (s ConceptStats) PosWeight() float64 {
	if s.OneClass() {
		return 1
	}
	return float64(s.Negatives) / float64(s.Positives)
}

// WeightPositive and WeightNegative return the balanced class weights
// (pos+neg)/(2·count) (scikit-learn's "balanced"); 1 for a
// [ConceptStats.OneClass] concept, like [ConceptStats.PosWeight].
func (s ConceptStats) WeightPositive() float64 { return s.balanced(s.Positives) }

// WeightNegative: see [ConceptStats.WeightPositive].
func (s ConceptStats) WeightNegative() float64 { return s.balanced(s.Negatives) }

func (s ConceptStats) balanced(count int64) float64 {
	if s.OneClass() {
		return 1
	}
	return float64(s.Positives+s.Negatives) / float64(2*count)
}

// CountStats counts each concept over the inputs i with keep(i) (nil: all).
// On a Labels without rows ([Labels.HasRows]) keep must be nil.
func CountStats(l *Labels, keep func(i int) bool) []ConceptStats {
	if !l.HasRows() {
		if keep != nil {
			panic("export: CountStats with a filter on Labels without rows")
		}
		return slices.Clone(l.stats)
	}
	_, counts := l.counts(keep)
	out := make([]ConceptStats, len(counts))
	for c, k := range counts {
		out[c] = StatsOf(k)
	}
	return out
}

// statsRecord builds the stats rows. The caller releases the record.
func statsRecord(mem memory.Allocator, l *Labels, st []ConceptStats) arrow.Record {
	b := array.NewRecordBuilder(mem, StatsSchema(l.Concepts))
	defer b.Release()
	for c, s := range st {
		b.Field(0).(*array.StringBuilder).Append(l.Concepts[c])
		if l.Names[c] == "" {
			b.Field(1).AppendNull()
		} else {
			b.Field(1).(*array.StringBuilder).Append(l.Names[c])
		}
		b.Field(2).(*array.Int64Builder).Append(s.Positives)
		b.Field(3).(*array.Int64Builder).Append(s.Negatives)
		b.Field(4).(*array.Int64Builder).Append(s.Unknown)
		b.Field(5).(*array.Int64Builder).Append(s.Conflicts)
		b.Field(6).(*array.Float64Builder).Append(s.PosWeight())
		b.Field(7).(*array.Float64Builder).Append(s.WeightPositive())
		b.Field(8).(*array.Float64Builder).Append(s.WeightNegative())
		b.Field(9).(*array.BooleanBuilder).Append(s.OneClass())
	}
	return b.NewRecord()
}

// fixedList wraps n rows of len(vals)/n values as a list array of type dt.
func fixedList[T int8 | float32](mem memory.Allocator, dt arrow.DataType, n int, vals []T) arrow.Array {
	var values arrow.Array
	switch v := any(vals).(type) {
	case []int8:
		b := array.NewInt8Builder(mem)
		b.AppendValues(v, nil)
		values = b.NewArray()
		b.Release()
	case []float32:
		b := array.NewFloat32Builder(mem)
		b.AppendValues(v, nil)
		values = b.NewArray()
		b.Release()
	}
	defer values.Release()
	width := 0
	if n > 0 {
		width = len(vals) / n
	}
	offsets := make([]int32, n+1)
	for i := range offsets {
		offsets[i] = int32(i * width)
	}
	offBuf := ownedBuffer(mem, arrow.Int32Traits.CastToBytes(offsets))
	defer offBuf.Release()
	data := array.NewData(dt, n, []*memory.Buffer{nil, offBuf}, []arrow.ArrayData{values.Data()}, 0, 0)
	defer data.Release()
	return array.MakeFromData(data)
}

// ownedBuffer returns a copy of b in a buffer from mem.
func ownedBuffer(mem memory.Allocator, b []byte) *memory.Buffer {
	m := memory.NewResizableBuffer(mem)
	m.Resize(len(b))
	copy(m.Bytes(), b)
	return m
}
