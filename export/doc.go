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
//	Training  one row per input: input_id, url, text, metadata, split,
//	          positives and negatives (list<utf8> of concept ids) and a label
//	          vector over the concept list: labels list<int8> with
//	          1 present / 0 absent / -1 unknown, or with [WithTargetsMask]
//	          targets and mask as list<float32>
//	Stats     one row per concept: positives, negatives, unknown, conflicts,
//	          pos_weight = negatives/positives (PyTorch BCEWithLogitsLoss) and
//	          balanced class weights (pos+neg)/(2·count)
//
// The concept order of the label vectors is stored in each file's
// key-value metadata under [MetaConcepts] and in the sidecar
// [SidecarName] beside the data files.
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
// unit. [Report] measures each concept's share per split against the
// target; [RandomSplit] is the baseline it is compared with.
//
// # Files
//
// [Export] runs up to two passes over a source ([Opener]) and writes
// through a [Sink]: "split=NAME/part-00000.parquet" and so on, capped by
// [WithMaxRowsPerFile]. [DirSink] writes every file under a temporary name
// and renames them only when the whole export has succeeded; a failed
// export aborts the sink and leaves no file that looks complete.
// [WriteLong] and [WriteStats] write a single file to an io.Writer.
package export
