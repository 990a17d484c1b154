package pipeline

import (
	"cmp"
	"context"
	"encoding/binary"
	"fmt"
	"hash/fnv"
	"slices"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/register"

	"curate.dev/export"
	"curate.dev/label"
)

func init() {
	register.DoFn5x1[context.Context, string, []byte, []byte, func(string, []byte), error](&bucketFn{})
	register.DoFn3x1[string, func(*[]byte) bool, func(string, []byte), error](&assignFn{})
}

// maxBucket bounds the inputs one assignment worker sorts: a bucket of
// more is cut into sub-buckets by a hash of the input id.
const maxBucket = 1 << 20

// Split assigns every grouped input (KV input id, packed value) to one
// of splits, stratified at scale by rarest-label buckets:
//
//  1. Count the closed positives per concept over the whole dataset (the
//     report's combiner), passed on as a side input.
//  2. Put each input in the bucket of its rarest positive concept (the
//     fewest positives; ties by id; inputs without a positive share one
//     bucket), cut into sub-buckets of at most maxBucket inputs by a hash
//     of the id.
//  3. In each bucket, order the inputs by a seeded hash of their id and
//     deal them out: input i goes to the split furthest below its share of
//     i+1 inputs (largest deficit first, ties to the earlier split).
//
// Every bucket's splits thus hold its inputs in the requested shares to
// within one input per split and sub-bucket, so every concept's rarest
// holders (what iterative stratification places first) are spread as
// asked; concepts are stratified only through the inputs whose rarest
// label they are, and more common concepts ride along. It returns the
// inputs keyed by id with their split in the packed value.
func Split(s beam.Scope, rows beam.PCollection, labels Labels, splits []export.Fraction, seed uint64) beam.PCollection {
	s = s.Scope("split")
	partial := beam.Combine(s, &countFn{Labels: labels}, beam.DropKey(s, rows))
	buckets := beam.ParDo(s, &bucketFn{Labels: labels, Seed: seed}, rows, beam.SideInput{Input: partial})
	shares := make([]float64, len(splits))
	for j, f := range splits {
		shares[j] = f.Share
	}
	return beam.ParDo(s, &assignFn{Shares: shares, Seed: seed}, beam.GroupByKey(s, buckets))
}

// idHash is the seeded hash that orders a bucket's inputs.
func idHash(seed uint64, id string) uint64 {
	h := fnv.New64a()
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], seed)
	h.Write(b[:])
	h.Write([]byte(id))
	return h.Sum64()
}

// bucketFn keys each input by its bucket, carrying the id in the value.
type bucketFn struct {
	Labels Labels
	Seed   uint64

	closer    *label.Closer
	positives map[string]int
	none      int
	in        Packed
	closed    []label.IDEntry
}

func (f *bucketFn) Setup(ctx context.Context) error {
	rules, err := f.Labels.Rules(ctx)
	if err != nil {
		return err
	}
	f.closer = label.NewCloser(rules)
	return nil
}

func (f *bucketFn) ProcessElement(ctx context.Context, id string, packed []byte, partial []byte, emit func(string, []byte)) error {
	if f.positives == nil {
		p, err := decodePartial(partial)
		if err != nil {
			return err
		}
		f.positives = make(map[string]int, len(p.Concepts))
		for c, pc := range p.Concepts {
			f.positives[c] = pc.Positives
		}
		f.none = p.Inputs - p.WithPositive
	}
	if err := f.in.Unpack(packed); err != nil {
		return fmt.Errorf("input %q: %w", id, err)
	}
	f.closed = f.closer.Close(f.closed[:0], f.in.Row)
	rarest, n := "", f.none
	for _, e := range f.closed {
		if !e.Flags.IsPositive() {
			continue
		}
		if c := f.positives[e.Concept]; rarest == "" || c < n || (c == n && e.Concept < rarest) {
			rarest, n = e.Concept, c
		}
	}
	sub := idHash(f.Seed, id) % uint64(n/maxBucket+1)
	key := fmt.Sprintf("%d/%s", sub, rarest)
	v := appendUvarint(nil, uint64(len(id)))
	v = append(v, id...)
	emit(key, append(v, packed...))
	return nil
}

// assignFn deals a bucket's inputs out to the splits.
type assignFn struct {
	Shares []float64
	Seed   uint64
}

func (f *assignFn) ProcessElement(bucket string, vals func(*[]byte) bool, emit func(string, []byte)) error {
	type member struct {
		h      uint64
		id     string
		packed []byte
	}
	var ms []member
	var v []byte
	for vals(&v) {
		n, w := uvarint(v)
		if w <= 0 || uint64(len(v)-w) < n {
			return fmt.Errorf("bucket %q: a value is cut short", bucket)
		}
		id := string(v[w : w+int(n)])
		ms = append(ms, member{idHash(f.Seed, id), id, append([]byte(nil), v[w+int(n):]...)})
	}
	slices.SortFunc(ms, func(a, b member) int { return cmp.Or(cmp.Compare(a.h, b.h), cmp.Compare(a.id, b.id)) })
	got := make([]int, len(f.Shares))
	var p Packed
	for i, m := range ms {
		best, bestDef := 0, 0.0
		for j, sh := range f.Shares {
			if d := sh*float64(i+1) - float64(got[j]); j == 0 || d > bestDef {
				best, bestDef = j, d
			}
		}
		got[best]++
		if err := p.Unpack(m.packed); err != nil {
			return fmt.Errorf("input %q: %w", m.id, err)
		}
		p.HasSplit, p.Split = true, int8(best)
		emit(m.id, p.Append(nil))
	}
	return nil
}
