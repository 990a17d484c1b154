// Package label decides what annotation rows mean as labels. It is the one
// place that rule lives: the balance report, the overlap analysis and
// negative suggestions (package balance) and the training and stats
// exports (package export) all read their labels through it, so two
// commands that answer the same question give the same number.
//
// # Values
//
// A row's value becomes a label by [Rules.Classify]:
//
//   - 1 is a positive, 0 a negative; a person's value strictly between
//     (read with dataset.WithSoftValues) is a positive from
//     [SoftThreshold] on.
//   - Annotations made by a model or a workflow are scores, not labels.
//     They are left out and counted as excluded, unless
//     [Rules.IncludeModels]: then a score from [Rules.ModelThreshold] on is
//     a positive, a lower one a negative.
//   - A value is implicit ([Implicit]) only when the source is known to
//     have omitted it: Clarifai JSON without "value", which the HTTP API
//     reads as a positive. A 0.0 read over gRPC is a negative and not
//     implicit: the wire cannot tell a stated 0.0 from an omitted one.
//
// # Distinct inputs
//
// A [Set] holds each distinct input once, however many lines, rows,
// records or sources it appears on, with the [Flags] of every concept
// annotated on it: a positive and a negative for one concept on one input
// are a conflict, kept and counted, never resolved silently. Inputs without
// any annotation are inputs too ([Set.AddInputs], [Set.AddIDs]): unknown
// for every concept.
//
// # Relations
//
// With [Rules.Hierarchy] (built from Clarifai ConceptRelations by
// [NewHierarchy]), a [Walker] closes each input's labels: a positive for a
// concept also counts for its hypernyms and synonyms, a negative for its
// hyponyms and synonyms. [Set.Tally] counts the closed labels per concept:
// positives, negatives, conflicts, implied negatives and unknown, which add
// up to the inputs.
//
// # Memory
//
// A Set keeps about 16 bytes per input plus its id and 4 bytes per
// (input, concept), never the rows: what the exports and an analysis
// that looks inputs up by id (embeddings) need, since they read every
// input's labels again. Every string it hands out is a copy, the caller's to keep,
// whatever allocator built the records it read.
//
// A [Stream] answers the balance report's question (a [Result]) with the
// same distinct-input semantics in a few bytes per input. Every count in
// a Result is a sum over inputs of what the input's closed row says, so
// an input can be counted the moment its run of rows ends and, should it
// come back, taken out again and counted once with its labels merged.
// The Stream keeps:
//
//   - a 4-byte fingerprint (a hash of the id) per input, in an open
//     addressing set at most 3/4 full: 5.3 to 10.7 bytes per input;
//   - the first run of every input (fingerprint, id, entries; about 30
//     bytes) in a log held in memory up to a budget (16 MiB, or a
//     sixteenth of GOMEMLIMIT) and written to a temporary file past it,
//     removed from the directory as soon as it is open;
//   - the merged rows of the inputs whose fingerprint had been seen
//     before, by exact id, in a small Set: per-input state only where an
//     input may repeat.
//
// A Result reads the log once, skipping every record whose fingerprint
// no repeat has, confirms each candidate by its exact id (two ids of one
// fingerprint stay two inputs) and swaps the first run's counts for the
// merged row's. With the hierarchy's concepts known from the start the
// closure of an input counted early is the closure it has at the end.
//
// Why this design: a fingerprint per input is the least state that can
// still tell "maybe seen" from "new" while reading once (sources may be
// streams: stdin, the Clarifai API). Exact ids per input (the Set's id
// table) cost 20 to 40 bytes more, and a full hash of 8 bytes would double
// the table. A 32-bit fingerprint makes false candidates, about n²/2³³
// (some 1,900 at 4M inputs, 1.2M at 100M): each costs a small Set entry
// and a look at the log, never a wrong count. Spilling the first runs to
// disk, rather than keeping them, bounds the rest; the log is read back
// only when some input came back, once per Result. Where the rows of
// every input are scattered over a source (a CSV sorted by concept),
// every input repeats and the Stream holds them all, like a Set.
//
// [Inputs] read a finished count back input by input (id and closed row),
// from a Set or from a Stream, with the concepts numbered the same way:
// what an analysis needs that looks at every input again once the counts
// are known (co-occurrence, negative suggestions). A Stream's Inputs read
// its log of first runs once more, from memory or its temporary file, and
// merge the inputs that came back, so they add nothing per input to the
// Stream's few bytes: the ids stay in the log, not in memory.
//
// A [Spool] is the same design for a caller that needs every input's
// row back as well as its labels: the training export, which cannot write
// a label vector before the concept list is complete. Each input's
// first run goes to the same kind of log with the caller's row (url,
// text, metadata) beside its entries; a fingerprint seen before sends the
// input's rows to a small Set by exact id, and the first run of an id
// whose fingerprint belonged to another input is logged too (as a
// candidate, its labels in the Set), so an input that only looked like a
// repeat keeps its place and its row. [Spool.Each] reads the log back
// sequentially, in order of first sight, merging the Set's rows into the
// first runs they belong to and closing each input's labels over the
// relations; it can be read again (a split reads it twice). The memory is
// the Stream's: 5.3 to 10.7 bytes per input for the fingerprints, the
// repeated inputs, and the log's buffer.
package label
