// Package balance computes, per concept, the balance of positives to
// negatives in a stream of annotation record batches, finds overlapping
// concepts and suggests safe negatives for them. It does no I/O of its own:
// it consumes [dataset] record batches and relations and returns results
// that render to any io.Writer.
package balance
