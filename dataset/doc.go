// Package dataset is curate's data model: inputs and their concept
// annotations as Apache Arrow record batches, and the loaders that stream
// them from Clarifai-shaped JSON, CSV and Open Images label files.
//
// Every other package builds on this one: balance counts over the
// annotation batches, export writes them to Parquet, and the Clarifai
// client fills the same batches from an app. dataset imports no sibling
// package.
//
// # Values
//
// A concept annotation has a value: 1 means the concept is present (a
// positive), 0 means it is explicitly absent (a negative). No annotation
// means unknown. Sources disagree on what an omitted value means:
//
//   - Clarifai's HTTP/JSON API reads an omitted "value" as 1.0, a positive.
//     The JSON loaders follow that rule and record the annotation's
//     [ValueSource] as [ValueHTTPDefault], so reports can count implicit
//     values; [WithStrictValues] makes an omitted value an error instead.
//   - Over gRPC an omitted value reads as 0.0, a negative ([ValueGRPCDefault]).
//
// curate always writes values explicitly.
//
// # Annotations schema
//
// [AnnotationSchema] has one row per (input, concept, annotation):
//
//	input_id       dictionary<int32, utf8>   the input's id
//	concept_id     dictionary<int32, utf8>   the concept's id (case-sensitive)
//	concept_name   dictionary<int32, utf8>   display name; null when unknown
//	value          float32                   1 positive, 0 negative (a score for model output)
//	value_source   dictionary<int8, utf8>    "explicit", "http_default" or "grpc_default"
//	annotation_id  utf8                      null when the source has none
//	annotator      dictionary<int32, utf8>   user, model or workflow id; null when unknown
//	annotator_kind dictionary<int8, utf8>    "user", "model", "workflow"; null when unknown
//
// Repeated strings are dictionary-encoded. Each batch carries its own
// dictionaries; consumers map dictionary indices once per batch. The rows of
// one input are adjacent in batches read from JSON, where an input's
// annotations sit on one line; CSV rows keep file order.
//
// # Inputs schema
//
// [InputSchema] has one row per input:
//
//	input_id     utf8
//	kind         dictionary<int8, utf8>        "image", "text", "video", "audio" or null
//	url          utf8                          image/text/video/audio URL; null when none
//	text         utf8                          raw text; null when none
//	metadata     utf8                          the input's metadata as compact JSON; null when none
//	dataset_ids  list<utf8>
//	embedding    fixed_size_list<float32>[D]   optional; present only when embeddings are read
//
// # Reading
//
// [NewReader] streams any supported file from an [io.Reader]. Each call to
// [Reader.Next] decodes a chunk of whole inputs and exposes it as an
// annotations record and, unless disabled, an inputs record:
//
//	r, err := dataset.NewReader(ctx, f, dataset.WithName("animals.jsonl"))
//	if err != nil { ... }
//	defer r.Release()
//	for r.Next() {
//		rec := r.Annotations() // valid until the next call to Next
//		...
//	}
//	if err := r.Err(); err != nil { ... }
//
// [Reader.AnnotationReader] and [Reader.InputReader] present the same
// stream as an [array.RecordReader], and [ReadTables] materialises both
// tables for a notebook.
//
// # Errors
//
// Bad input yields a [*ParseError] naming the file, line and field and
// wrapping the cause; [WithMaxErrors] collects several into an
// [ErrorList] before failing. Loaders never panic on file contents.
package dataset
