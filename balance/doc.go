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
// # Memory
//
// Negative suggestions look at every input's labels again once the
// counts are known: once for co-occurrence and confusions (which decide
// each concept's sources of negatives), once for the candidates. For a
// source without embeddings the analysis keeps them as the report's
// label.Stream does and reads them back through label.Inputs: in memory a
// 4-byte fingerprint per input (5 to 11 bytes with the set's slack); each
// input's first run of rows (id and entries, about 30 bytes) in a log
// kept in memory up to a budget (16 MiB, or a sixteenth of GOMEMLIMIT or
// --memory-limit) and in a temporary file past it, read back twice;
// inputs that come back merged by exact id. A candidate's id is copied
// only while it is among the best of its source (at most the deficit, or
// MaxPerConcept). So the analysis grows by the fingerprint per input,
// not by the inputs' ids and labels; [Overlap.Close] releases the file.
//
// Why: the alternatives were a label.Set with packed entries (2 bytes
// each instead of 4) and no ids, 30 to 40 bytes per input held, with the
// candidates' ids read from the source again; or keeping the ids of the
// few thousand candidates, which are known only after the pass. Reading
// back a log that exists anyway (the Stream writes it for the report)
// costs two sequential reads of about 30 bytes per input and keeps
// nothing per input but the fingerprint, for up to a tenth more CPU time
// (the wall time stays the parser's; BENCHMARKS.md). The suggestions are the same, byte for byte: concepts are
// numbered in the order a Set numbers them, which the tie-breaks hash.
//
// A source with embeddings still uses a label.Set (about 16 bytes per
// input plus its id and 4 bytes per entry): each embedding is matched to
// its input's labels by id as it goes by (for the centroids) and again in
// the second pass (to score it against its targets), and those lookups
// take every id in memory. Such a source carries 4 bytes per dimension
// per input itself.
//
// # Ownership
//
// Every string in a Report, a Pair or a Suggestion is the caller's to
// keep: the package copies what it keeps from the records it reads,
// whatever allocator built them and whether or not the reader recycles
// buffers.
package balance
