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
// # Input formats
//
// JSONL holds one Clarifai input per line in the HTTP JSON shape; a JSON
// file holds an array of such inputs, a {"inputs":[…]} list response or a
// search response {"hits":[{"input":{…}},…]}. A response whose "status"
// reports anything but success is refused ([ErrStatus]), and so is one
// with two lists of inputs (one would be dropped). Shown pretty-printed,
// with what each part becomes:
//
//	{"id": "in-1",                                       input_id (required)
//	 "data": {
//	   "image": {"url": "https://…/1.jpg"},              kind "image", url; or "video", "audio",
//	                                                     or "text": {"raw": "…"} or {"url": "…"}
//	   "concepts": [                                     one annotation row each
//	     {"id": "dog", "name": "Dog", "value": 1},       positive
//	     {"id": "wolf", "value": 0},                     negative
//	     {"id": "husky"}],                               omitted: positive, value_source http_default
//	   "metadata": {"split": "train"},                   metadata (compacted)
//	   "embeddings": [{"vector": [0.12, -0.5, …]}]},     embedding (the first vector)
//	 "dataset_ids": ["ds-1"],
//	 "annotations": [                                    curate's extension, see below
//	   {"id": "ann-1", "worker": {"model": {"id": "general"}},
//	    "data": {"concepts": [{"id": "dog", "value": 0.87}]}},
//	   {"id": "ann-2", "user_id": "alice",
//	    "data": {"concepts": [{"id": "cat", "value": 0}]}}]}
//
// The top-level "annotations" array carries annotations together with who
// made them, in the shape of Clarifai's Annotation objects: each becomes
// rows with annotation_id and annotator taken from "worker" ({"user":…},
// {"model":…} or {"workflow":…}, each with an "id"), else from
// "model_version_id" (a model) or "user_id" (a user). A model's or
// workflow's values are scores and may lie anywhere in [0, 1]; an
// annotation's "input_id", when present, must be the input's id.
//
// A value must be 0 or 1 ([WithSoftValues]: anything in [0, 1]), written
// as a JSON number in every format, CSV included ("1.0" and "1e0" are 1;
// "+1", "0_1", "0x1", "NaN" are errors). Strings, booleans, objects and
// numbers out of range are errors, and so is a number a float32 cannot tell
// from 0 (1e-400): it is not a negative. [ParseJSONValue] and [ParseCSVValue] are this rule. Every
// line is decoded into fresh state, so a value never carries over from one
// concept to the next.
//
// Input and concept ids must be valid UTF-8 holding more than white space.
// A JSON id whose text encoding/json would replace with U+FFFD (invalid
// UTF-8, a lone UTF-16 surrogate such as "\ud800") is refused too, with
// the line and field ([ErrID]): two distinct ids would load as one. Error
// messages quote ids in Go syntax, so control characters (a terminal
// escape sequence) are shown escaped.
//
// CSV long form has a header naming its columns, in any order; the first
// three are required and the value must be stated:
//
//	input_id,concept_id,value,concept_name,annotator,annotator_kind,annotation_id
//	in-1,dog,1,Dog,alice,user,ann-1
//	in-1,wolf,0,,,,
//	in-2,dog,0.93,,general,model,
//
// The header names each column once (columns with an empty name, such as
// a spreadsheet's trailing ones, are ignored), every row has as many
// fields, and a byte order mark after the file's start (files joined
// together) is an error. annotator_kind is user, model or workflow (user
// when only annotator is given). An Open Images image-level label file is recognised by its
// header; Source becomes the annotator, and "machine" rows are model
// scores:
//
//	ImageID,Source,LabelName,Confidence
//	000002b66c9c498e,verification,/m/0bt9lr,1
//	000002b66c9c498e,verification,/m/01g317,0
//
// [ReadRelations] reads Clarifai ConceptRelations as JSONL, a JSON array
// or a {"concept_relations":[…]} response:
//
//	{"subject_concept": {"id": "husky"}, "object_concept": {"id": "dog"}, "predicate": "hyponym"}
//
// A UTF-8 byte order mark, CRLF line endings and blank lines are accepted;
// an empty file is a dataset with no rows. A file of concept relations or
// of suggestions given as a dataset is refused with [ErrRelationsFile] or
// [ErrSuggestionsFile]. The loaders read uncompressed bytes; the curate
// command decompresses gzip and zstd sources before they get here. A line (for a JSON file, an
// input element) may be up to [WithMaxLineBytes] long, 64 MiB by default;
// a longer one is a [*ParseError] wrapping [ErrLineTooLong].
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
// tables for a notebook. [Stats] counts what was read, including inputs
// that carry no annotation at all ([Stats].Unannotated), which add no rows.
// JSONL read without the inputs table ([WithInputs](false)) is parsed on
// all cores; the results are the same as on the single-core path.
// [NewFuncReader] turns any source of [Input] values (a Clarifai app, a
// generator) into the same stream. [AnnotationBuilder] and [InputBuilder]
// build records of the two schemas; [AppendAnnotations] reads rows back as
// structs, and [Column] finds a record's column by name.
//
// [LineReader] is the line reader of every loader, exported with the
// helpers below so that a tool that edits these files in place splits and
// reads them exactly as the loaders do. The CSV grammar is encoding/csv's
// ([NewCSVReader]); the loader's own scanner, which keeps each record's
// bytes, is held to it by a differential fuzz target.
//
// # Writing back
//
// [ChangesSchema] is the table of reviewed suggestions (input_id,
// concept_id, value, score, reason, accept, …) that balance suggests and
// the package curate.dev/writeback merges into a source file; writeback
// builds on this package and reads lines, values and formats through
// [DetectFormat], [LineReader], [ParseJSONValue], [ParseCSVValue] and the
// span scanner [ScanJSONObject], so a file is edited exactly as the
// loaders read it. [WriteInputJSONL] writes an [Input] in the JSONL shape
// the loaders read.
//
// # Errors
//
// Bad input yields a [*ParseError] naming the file, line and field and
// wrapping the cause; [WithMaxErrors] collects several into an
// [ErrorList] before failing. Loaders never panic on file contents.
package dataset
