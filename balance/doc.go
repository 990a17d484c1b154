// Package balance tells, per concept, whether a dataset can be trained as
// it is, which concepts overlap, and which safe negatives would fix the
// concepts short of them. It does no I/O of its own: it consumes the
// record batches of package dataset and returns results that render to any
// io.Writer. What an annotation means as a label (value states, model
// scores, the hierarchy closure, conflicts, distinct inputs) is decided by
// package label, which the export uses too, so the numbers here are the
// numbers in every exported file.
//
// # Balance
//
// A [Counter] counts annotation records (in any order, from any number of
// sources) into a [Report]: per concept ([ConceptStats]) the inputs that
// are positive, negative, in conflict, implied negatives (no label for the
// concept but a positive for another, as Clarifai's training treats them)
// and unknown — five counts that add up to the inputs — with the implicit
// values, the negatives:positives ratio and a [Status] decided by
// [Thresholds]. [Compute] is the one-call form over an
// array.RecordReader; given a dataset.Reader's AnnotationReader it counts
// inputs without annotations too, as `curate report` does.
//
//	c := balance.NewCounter(balance.WithHierarchy(h), balance.WithTargetRatio(1))
//	defer c.Close()
//	for r.Next() {
//		if err := c.Add(r.Annotations()); err != nil { … }
//		if err := c.AddIDs(r.UnannotatedIDs()); err != nil { … }
//	}
//	rep, err := c.Report()
//	…
//	rep.Write(os.Stdout, balance.FormatText)
//
// A Report sorts ([Report.Sorted]), selects ([Report.Select],
// [Report.Top]) and writes itself as text, TSV, CSV, Markdown, JSON or a
// self-contained HTML page with an SVG chart ([Report.Write],
// [Report.WriteHTMLFragment] and [Report.ChartSVG] for notebooks; the chart
// takes a linear, log or ratio scale, [WithChartScale]). The HTML follows a
// light or dark page, JupyterLab's themes included.
//
// # Overlap
//
// [AnalyzeOverlap] reads a source once and learns how concepts relate: the
// report's counts, embedding centroids, co-occurrence and explicit
// confusions, combined with the hierarchy. [Overlap.Pairs] gives every pair
// a [Verdict] — overlapping (similar but distinct: the pairs that need
// negatives), exclusive, co-occurring or related — with the evidence in
// [Pair]. [WriteOverlapHTML] draws the matrix, [WriteOverlapPage] a page
// around it.
//
// # Suggestions
//
// [Suggest] (or [Overlap.Suggest]) fills each concept's deficit of
// negatives up to [SuggestOptions.Ratio] with inputs positive for an
// overlapping, exclusive concept: never across related or co-occurring
// concepts, never on an input that is already labelled for the target
// (through the hierarchy too) or in conflict, the hardest first (the
// input's embedding similarity to the target's centroid) and round robin
// across sources. Each [Suggestion] carries a reason a reviewer can read.
// [Suggestions] write as JSONL, CSV or an Arrow record of the
// dataset.ChangesSchema, which package writeback applies.
//
// # Inferred relations
//
// Without a relations file a parent labelled instead of its kinds (canine
// for a wolf) and a second name of a class (automobile for car) look like
// ideal hard negatives. [Overlap.InferRelations] estimates such likely
// hyponym and synonym pairs from co-occurrence asymmetry, one-sided
// negatives and the embeddings' spreads, each with an [Evidence] and a
// confidence; [Suggest] never draws a concept's negatives from them (pairs
// the hierarchy names are left to it) and, with embeddings, skips an input
// closer to the target's centroid than to its own positives' (the
// per-input margin). [WriteInferredRelations] writes them as
// ConceptRelation JSONL for a person to confirm.
//
// # Ownership
//
// Every string in a Report, a Pair or a Suggestion is the caller's to
// keep: the package copies what it keeps from the records it reads,
// whatever allocator built them and whether or not the reader recycles
// buffers.
package balance
