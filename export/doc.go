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
// [Write] runs up to two passes over a source ([Opener]) and writes
// through a [Sink]: "NAME-00000.parquet" per split (or "part-00000.parquet")
// and so on, capped by [WithMaxRowsPerFile]. [DirSink] writes the whole
// export into a hidden folder and puts it in the target's place in one
// rename when it has succeeded (replacing an earlier export whole with
// [WithReplace]); a failed or killed export leaves the target as it was.
//
// Parquet files have a REQUIRED root, a created_by of the form
// "curate version X (build Y)" and no distinct_count in their statistics.
// [WriteRecords] and [WriteStats] write a single file to an io.Writer.
package export
