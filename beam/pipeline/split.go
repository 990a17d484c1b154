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
	register.DoFn3x1[string, []byte, func(string, []byte), error](&singleUnitFn{})
	register.DoFn3x1[string, []byte, func(string, []byte), error](&groupKeyFn{})
	register.DoFn3x1[string, func(*[]byte) bool, func(string, []byte), error](&groupUnitFn{})
	register.DoFn5x1[context.Context, string, []byte, []byte, func(string, []byte), error](&bucketFn{})
	register.DoFn3x1[string, func(*[]byte) bool, func(string, []byte), error](&assignFn{})
}

// maxBucket bounds the units one assignment worker sorts: a bucket of
// more is cut into sub-buckets by a hash of the unit's key.
const maxBucket = 1 << 20

// Split assigns every grouped input (KV input id, packed value) to one
// of splits, stratified at scale by rarest-label buckets. The units it
// moves are inputs or, with groupField, the groups of inputs whose
// metadata field has one value (export.GroupKey; an input without it is a
// group of its own), which stay in one split:
//
//  1. Count the closed positives per concept over the whole dataset (the
//     report's combiner), passed on as a side input.
//  2. Put each unit in the bucket of its rarest positive concept (the
//     fewest positives over the dataset; ties by id; units without a
//     positive share one bucket), cut into sub-buckets of at most
//     maxBucket units by a hash of the unit's key.
//  3. In each bucket, order the units by a seeded hash of their key and
//     deal them out: a unit of n inputs goes to the split furthest below
//     its share of the inputs dealt so far plus n (largest deficit first,
//     ties to the earlier split).
//
// Every bucket's splits thus hold its inputs in the requested shares to
// within a unit per split and sub-bucket, so every concept's rarest
// holders (what iterative stratification places first) are spread as
// asked; concepts are stratified only through the units whose rarest
// label they are, and more common concepts ride along. It returns the
// inputs keyed by id with their split in the packed value.
func Split(s beam.Scope, rows beam.PCollection, labels Labels, splits []export.Fraction, seed uint64, groupField string) beam.PCollection {
	s = s.Scope("split")
	partial := beam.Combine(s, &countFn{Labels: labels}, beam.DropKey(s, rows))
	var units beam.PCollection
	if groupField == "" {
		units = beam.ParDo(s, &singleUnitFn{}, rows)
	} else {
		units = beam.ParDo(s, &groupUnitFn{}, beam.GroupByKey(s, beam.ParDo(s, &groupKeyFn{Field: groupField}, rows)))
	}
	buckets := beam.ParDo(s, &bucketFn{Labels: labels, Seed: seed}, units, beam.SideInput{Input: partial})
	shares := make([]float64, len(splits))
	for j, f := range splits {
		shares[j] = f.Share
	}
	return beam.ParDo(s, &assignFn{Shares: shares, Seed: seed}, beam.GroupByKey(s, buckets))
}

// A unit is the inputs a split keeps together, packed: per member the
// input id and its packed value, each length-prefixed.

func appendMember(dst []byte, id string, packed []byte) []byte {
	dst = appendUvarint(dst, uint64(len(id)))
	dst = append(dst, id...)
	dst = appendUvarint(dst, uint64(len(packed)))
	return append(dst, packed...)
}

// members calls fn for each member of a packed unit.
func members(unit []byte, fn func(id string, packed []byte) error) error {
	for len(unit) > 0 {
		var parts [2][]byte
		for k := range parts {
			n, w := uvarint(unit)
			if w <= 0 || uint64(len(unit)-w) < n {
				return fmt.Errorf("pipeline: packed unit is cut short")
			}
			parts[k], unit = unit[w:w+int(n)], unit[w+int(n):]
		}
		if err := fn(string(parts[0]), parts[1]); err != nil {
			return err
		}
	}
	return nil
}

// singleUnitFn makes every input a unit of its own, keyed by its id.
type singleUnitFn struct{}

func (singleUnitFn) ProcessElement(id string, packed []byte, emit func(string, []byte)) error {
	emit("i"+id, appendMember(nil, id, packed))
	return nil
}

// groupKeyFn keys every input by its group: the metadata field's value,
// or its own id when it has none.
type groupKeyFn struct {
	Field string
	in    Packed
}

func (f *groupKeyFn) ProcessElement(id string, packed []byte, emit func(string, []byte)) error {
	if err := f.in.Unpack(packed); err != nil {
		return fmt.Errorf("input %q: %w", id, err)
	}
	key := "i" + id
	if g, ok := export.GroupKey(f.in.Fields.Metadata, f.Field); ok {
		key = "g" + g
	}
	emit(key, appendMember(nil, id, packed))
	return nil
}

// groupUnitFn packs a group's inputs into one unit.
type groupUnitFn struct{}

func (groupUnitFn) ProcessElement(key string, vals func(*[]byte) bool, emit func(string, []byte)) error {
	var unit, v []byte
	for vals(&v) {
		unit = append(unit, v...)
	}
	emit(key, unit)
	return nil
}

// idHash is the seeded hash that orders a bucket's units.
func idHash(seed uint64, key string) uint64 {
	h := fnv.New64a()
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], seed)
	h.Write(b[:])
	h.Write([]byte(key))
	return h.Sum64()
}

// bucketFn keys each unit by its bucket, carrying the unit's key in the
// value.
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

func (f *bucketFn) ProcessElement(ctx context.Context, key string, unit []byte, partial []byte, emit func(string, []byte)) error {
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
	rarest, n := "", f.none
	err := members(unit, func(id string, packed []byte) error {
		if err := f.in.Unpack(packed); err != nil {
			return fmt.Errorf("input %q: %w", id, err)
		}
		f.closed = f.closer.Close(f.closed[:0], f.in.Row)
		for _, e := range f.closed {
			if !e.Flags.IsPositive() {
				continue
			}
			if c := f.positives[e.Concept]; rarest == "" || c < n || (c == n && e.Concept < rarest) {
				rarest, n = e.Concept, c
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	sub := idHash(f.Seed, key) % uint64(n/maxBucket+1)
	v := appendUvarint(nil, uint64(len(key)))
	v = append(v, key...)
	emit(fmt.Sprintf("%d/%s", sub, rarest), append(v, unit...))
	return nil
}

// assignFn deals a bucket's units out to the splits.
type assignFn struct {
	Shares []float64
	Seed   uint64
}

func (f *assignFn) ProcessElement(bucket string, vals func(*[]byte) bool, emit func(string, []byte)) error {
	type unit struct {
		h    uint64
		key  string
		body []byte
		n    int
	}
	var us []unit
	var v []byte
	for vals(&v) {
		n, w := uvarint(v)
		if w <= 0 || uint64(len(v)-w) < n {
			return fmt.Errorf("bucket %q: a value is cut short", bucket)
		}
		key := string(v[w : w+int(n)])
		u := unit{h: idHash(f.Seed, key), key: key, body: append([]byte(nil), v[w+int(n):]...)}
		if err := members(u.body, func(string, []byte) error { u.n++; return nil }); err != nil {
			return err
		}
		us = append(us, u)
	}
	slices.SortFunc(us, func(a, b unit) int { return cmp.Or(cmp.Compare(a.h, b.h), cmp.Compare(a.key, b.key)) })
	got := make([]int, len(f.Shares))
	dealt := 0
	var p Packed
	for _, u := range us {
		best, bestDef := 0, 0.0
		for j, sh := range f.Shares {
			if d := sh*float64(dealt+u.n) - float64(got[j]); j == 0 || d > bestDef {
				best, bestDef = j, d
			}
		}
		got[best] += u.n
		dealt += u.n
		err := members(u.body, func(id string, packed []byte) error {
			if err := p.Unpack(packed); err != nil {
				return fmt.Errorf("input %q: %w", id, err)
			}
			p.HasSplit, p.Split = true, int8(best)
			emit(id, p.Append(nil))
			return nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}
