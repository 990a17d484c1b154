// Package export writes curate datasets as training-ready files: Parquet
// (default), Arrow IPC or CSV, in one of three layouts, optionally split
// by multi-label iterative stratification.
//
// It reads only [dataset] record batches and knows nothing of balance
// reports or Clarifai.
//
// # Layouts
//
//	Long      one row per annotation: the columns of dataset.AnnotationSchema, strings dense
//	Training  one row per input: input_id, url, text, metadata,
//	          positives and negatives (list<utf8> of concept ids) and a label
//	          vector over the concept list: labels list<int8> with
//	          1 present / 0 absent / -1 unknown, or with [WithTargetsMask]
//	          targets and mask as list<float32>
//	Stats     one row per concept: positives, negatives, unknown, conflicts,
//	          pos_weight = negatives/positives (PyTorch BCEWithLogitsLoss),
//	          balanced class weights (pos+neg)/(2·count) and one_class;
//	          every weight finite (see [ConceptStats.PosWeight])
//
// With splits, every layout ends with a utf8 column split.
//
// The concept order of the label vectors is stored in each file's
// key-value metadata under [MetaConcepts] and in the sidecar
// [SidecarName], which [DirSink] writes beside the folder (see
// [SidecarPath]) so that directory scans see only data files.
//
// An input with both a positive and a negative for a concept is a
// conflict: its label is -1 (unknown) and the stats layout counts it.
// Annotations whose annotator_kind is "model" or "workflow" are
// predictions and are left out of labels unless [WithModelAnnotations].
//
// # Splits
//
// [Stratify] implements iterative stratification (Sechidis, Tsoumakas and
// Vlahavas, 2011) with per-concept candidate lists and a heap of concepts
// by remaining positives, so 1M inputs over 500 concepts split in about a
// second. Inputs sharing a metadata field ([WithGroupField]) move as one
// unit. [NewSplitReport] measures each concept's share per split against the
// target; [RandomSplit] is the baseline it is compared with.
//
// # Files
//
// [Write] writes through a [Sink]: "NAME-00000.parquet" per split (or
// "part-00000.parquet") and so on, capped by [WithMaxRowsPerFile].
// [DirSink] writes the whole export into a hidden folder and puts it in
// the target's place in one rename when it has succeeded (replacing an
// earlier export whole with [WithReplace]); a failed or killed export
// leaves the target as it was.
//
// # One pass
//
// The training and stats layouts read their source once ([Opener] is
// called once; standard input works); only the long layout with a split
// reads it twice, since each annotation row needs its input's split
// before it is written and the rows are not kept.
//
// The training layout goes through a label.Spool: while the source is
// read, each distinct input (its id, url, text and metadata, and its
// labels in first-seen concept numbering) is appended to a temporary file
// when its first run of rows ends, and only a 4-byte fingerprint per
// input stays in memory; an input that comes back is merged exactly, by
// id, as the balance report's label.Stream does. When the source ends the
// concept list is known: it is sorted, and the file is read back in order
// of first sight into record batches, each built while the Parquet writer
// encodes the one before. Why: the label vector's width and order are
// known only at the end, so something must hold the rows until then; a
// file written and read sequentially costs far less than reading and
// parsing the source a second time (JSON parsing was the largest cost of
// the two-pass export) and, unlike a matrix in memory, does not grow the
// heap with the inputs. The file is removed from its directory as soon as
// it is open (label.StreamOptions: the spill directory, and a sixteenth
// of GOMEMLIMIT or --memory-limit as the buffer), so nothing is left
// behind on any exit path.
//
// With splits, stratification needs every input's labels at once: the
// file is read once more into a [Labels] matrix without ids (8 bytes per
// input and 4 per label: concept, state and closure flags packed in one
// uint32), [Stratify] reads its positives in place, and the rows follow
// with their splits on the second read. Without splits, [Write] returns
// a [Labels] with the concepts and their counts only ([Labels.HasRows]).
// The stats layout without splits is the report's count: a
// label.Stream, no per-input state beyond its fingerprints.
//
// Parquet files have a REQUIRED root, a created_by of the form
// "curate version X (build Y)" and no distinct_count in their statistics;
// the min and max of a dictionary-encoded column chunk are those of the
// dictionary entries its rows use, which the writer knows without
// hashing its values.
//
// Parquet columns are written by Arrow Go's file writer, a goroutine per
// column, except the training layout's label vectors and concept lists:
// those chunks are encoded here (vecparquet.go) and spliced between
// Arrow's row groups, with the footer rewritten to list them.
//
// [WriteRecords] and [WriteStats] write a single file to an io.Writer.
package export
