package dataset

import "encoding/json"

// Positive and Negative are the two label values curate writes.
const (
	Positive float32 = 1
	Negative float32 = 0
)

// ValueSource says where an annotation's value came from.
type ValueSource int8

const (
	// ValueExplicit: the source stated the value.
	ValueExplicit ValueSource = iota
	// ValueHTTPDefault: the value was omitted in Clarifai JSON and read as
	// 1.0, the HTTP API's rule.
	ValueHTTPDefault
	// ValueGRPCDefault: the value was read over gRPC as 0.0, the protobuf
	// default. The wire cannot tell a stated 0.0 from an omitted value, so
	// either way it is a negative, and it is not implicit.
	ValueGRPCDefault
)

var valueSourceNames = [...]string{"explicit", "http_default", "grpc_default"}

// String returns the name stored in the value_source column.
func (s ValueSource) String() string {
	if int(s) < len(valueSourceNames) && s >= 0 {
		return valueSourceNames[s]
	}
	return "unknown"
}

// Implicit reports whether the source is known to have omitted the value
// (ValueHTTPDefault). A gRPC 0.0 is not: it may as well have been stated.
func (s ValueSource) Implicit() bool { return s == ValueHTTPDefault }

// ParseValueSource is the inverse of [ValueSource.String].
func ParseValueSource(name string) (ValueSource, bool) {
	for i, n := range valueSourceNames {
		if n == name {
			return ValueSource(i), true
		}
	}
	return 0, false
}

// AnnotatorKind says who made an annotation.
type AnnotatorKind int8

const (
	AnnotatorUnknown AnnotatorKind = iota
	AnnotatorUser
	AnnotatorModel
	AnnotatorWorkflow
)

var annotatorKindNames = [...]string{"", "user", "model", "workflow"}

// String returns the name stored in the annotator_kind column ("" for unknown).
func (k AnnotatorKind) String() string {
	if int(k) < len(annotatorKindNames) && k >= 0 {
		return annotatorKindNames[k]
	}
	return ""
}

// ParseAnnotatorKind is the inverse of [AnnotatorKind.String].
func ParseAnnotatorKind(name string) (AnnotatorKind, bool) {
	for i, n := range annotatorKindNames {
		if n == name {
			return AnnotatorKind(i), true
		}
	}
	return 0, false
}

// Concept is one concept annotation on an input.
type Concept struct {
	ID     string
	Name   string
	Value  float32
	Source ValueSource
}

// Annotation is one row of the annotations table.
type Annotation struct {
	InputID       string
	ConceptID     string
	ConceptName   string
	Value         float32
	Source        ValueSource
	AnnotationID  string
	Annotator     string
	AnnotatorKind AnnotatorKind
}

// Input is one row of the inputs table together with its annotations.
// Loaders fill a fresh Input for every record they decode.
type Input struct {
	ID         string
	Kind       string // "image", "text", "video", "audio" or ""
	URL        string
	Text       string
	Metadata   json.RawMessage // compact JSON object; nil when none
	DatasetIDs []string
	Embedding  []float32
	// Annotations are the input's concept annotations. InputID may be left
	// empty: the input's ID is used.
	Annotations []Annotation
}

// Predicate is the kind of a concept relation.
type Predicate string

const (
	// Hyponym: the subject is a kind of the object (husky hyponym dog).
	Hyponym Predicate = "hyponym"
	// Hypernym: the subject is a parent of the object (dog hypernym husky).
	Hypernym Predicate = "hypernym"
	// Synonym: subject and object name the same thing.
	Synonym Predicate = "synonym"
)

// Relation is a Clarifai ConceptRelation between two concepts.
type Relation struct {
	Subject   string
	Object    string
	Predicate Predicate
}

// Parent returns the (child, parent) pair of a hyponym or hypernym
// relation; ok is false for synonyms.
func (r Relation) Parent() (child, parent string, ok bool) {
	switch r.Predicate {
	case Hyponym:
		return r.Subject, r.Object, true
	case Hypernym:
		return r.Object, r.Subject, true
	}
	return "", "", false
}
