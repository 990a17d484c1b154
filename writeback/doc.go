// Package writeback merges reviewed annotations into the files they came
// from: a JSONL file of Clarifai inputs or a CSV long-form file. It builds
// on curate.dev/dataset (the data model and the loaders) and is what
// `curate apply` runs; dataset does not import it.
//
// # The changes table
//
// A change is one annotation a reviewer chose to write: input, concept and
// value, with the suggestion's score, reason and the reviewer's verdict.
// [ReadChanges] reads a suggestions file, as `curate suggest` writes it and
// a reviewer edits it, into a table of [dataset.ChangesSchema]:
//
//	{"input_id":"i1","concept_id":"wolf","value":0,"score":0.83,"source_concept_id":"husky","reason":"…"}
//	{"input_id":"i2","concept_id":"wolf","value":0,"accept":false}     rejected by the reviewer
//	{"input_id":"i3","concept_id":"wolf","value":1}                    flipped to a positive
//
// Every function here takes that table; a table built in memory (such as
// balance's Suggestions.Record) works as well, and only input_id,
// concept_id and value are required. [Options] choose among the rows: the
// reviewer's accept column, then Concepts, MinScore and TopPerConcept.
// Repeats of a change are dropped; two rows that contradict each other are
// an error wrapping [ErrConflict].
//
// # Merging
//
// [Apply] streams a source from an [io.Reader] to an [io.Writer] with the
// chosen changes merged in; it recognises the format, or call
// [ApplyJSONL] or [ApplyCSV]. Every value is written explicitly. A change
// the source already holds is left alone ([ActionPresent]), so applying the
// same changes twice changes nothing the second time; a change that
// contradicts the source is refused ([ActionRefused]) unless
// [Options].Force. Everything else is kept as it was: in JSONL, lines
// without changes byte for byte and, on changed lines, every byte but the
// edit. A change whose input is not in the source is an error wrapping
// [ErrUnknownInput], reported after the pass with the suggestions line.
//
// Lines are read the way the loaders read them, by the loaders' own code:
// what is present on a JSONL line is what [dataset.EachLineAnnotation]
// reads (the same key matching, null handling and value rules), a CSV row
// is read with the CSV loader's grammar and row rules ([dataset.CSVRow]);
// the byte scanner ([dataset.ScanJSONObject]) only places the edits, and a
// line whose keys could be read two ways is read back after the edit and
// must hold exactly what was meant ([ErrUnsafeEdit] otherwise).
// FuzzApplyBelievesTheLoader holds the two together.
//
// Memory holds the changes, indexed by input id, never the source: a
// reading goroutine and a writing one overlap the scan with the I/O, and
// only lines with changes are parsed in full. On an error the writer holds
// partial output; write to a temporary file and keep it only on success,
// as `curate apply` does.
//
// # Sources
//
// A suggestions file knows the file it was made from: [WriteSource] puts a
// [Source] (name, size, and a fingerprint of the input ids) on its first
// line, [ReadChanges] keeps it with the table ([SourceOf]), and every apply
// fingerprints the file it reads ([Summary].Source), so a caller can
// refuse suggestions made from another dataset. An apply changes
// annotations, never ids, so the fingerprint of an applied file still
// matches; [Fingerprint] computes it for a file alone.
//
// [Summary] counts the outcomes per concept and lists the first changes
// and refusals; [Options].OnChange sees every written change, for an audit
// log. [ChosenChanges] returns the same selection as annotations, for a
// target that is not a file (a Clarifai app).
package writeback
