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
// (input, concept), never the rows. Every string it hands out is a copy,
// the caller's to keep, whatever allocator built the records it read.
package label
