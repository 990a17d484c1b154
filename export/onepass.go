package export

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"
	"github.com/apache/arrow/go/v15/arrow/bitutil"
	"github.com/apache/arrow/go/v15/arrow/memory"

	"curate.dev/dataset"
	"curate.dev/label"
)

// The training and stats layouts read their source once. A label.Spool
// keeps a 4-byte fingerprint per input in memory and writes each
// distinct input (its id, url, text and metadata, and its labels) to a
// temporary file as its rows end; once the concept list is known it is
// read back in order of first sight, as often as needed: once for the
// label matrix when splitting, once for the rows. Without a split no
// per-input state stays in memory.

// spooled is a source read once into a Spool.
type spooled struct {
	sp       *label.Spool
	renum    []int32 // the Spool's concept k is Concepts[renum[k]]
	concepts []string
	names    []string
	excluded int64
	closes   bool // relations add labels
	merger   *rowMerger
}

// spool reads the source once with its inputs table. withRow keeps each
// input's url, text and metadata (the training layout); otherwise only
// the metadata, when a group field needs it.
func spool(ctx context.Context, open Opener, rules label.Rules, keep rowParts) (*spooled, error) {
	r, err := open(ctx, true)
	if err != nil {
		return nil, err
	}
	released := false
	defer func() {
		if !released {
			r.Release()
		}
	}()
	sp := label.NewSpool(rules, nil)
	var merger *rowMerger
	if keep != rowNone {
		merger = &rowMerger{}
		sp.MergeRows(merger.merge)
	}
	ok := false
	defer func() {
		if !ok {
			sp.Close()
		}
	}()
	var enc rowEncoder
	for r.Next() {
		in := r.Inputs()
		if in == nil {
			return nil, errors.New("export: the training layout needs the inputs table")
		}
		if err := enc.reset(in, keep); err != nil {
			return nil, err
		}
		if err := sp.Add(r.Annotations(), in, enc.row); err != nil {
			return nil, fmt.Errorf("export: %w", err)
		}
		r.UnannotatedIDs() // the inputs table lists them
	}
	if err := r.Err(); err != nil {
		return nil, err
	}
	r.Release()
	released = true
	if err := sp.Finish(); err != nil {
		return nil, fmt.Errorf("export: %w", err)
	}
	s := &spooled{sp: sp, excluded: int64(sp.Totals().Excluded), closes: rules.Hierarchy != nil, merger: merger}
	nc := sp.NumConcepts()
	order := make([]int32, nc)
	for i := range order {
		order[i] = int32(i)
	}
	slices.SortFunc(order, func(a, b int32) int { return strings.Compare(sp.ConceptID(int(a)), sp.ConceptID(int(b))) })
	s.renum = make([]int32, nc)
	s.concepts, s.names = make([]string, nc), make([]string, nc)
	for newI, old := range order {
		s.renum[old] = int32(newI)
		s.concepts[newI], s.names[newI] = sp.ConceptID(int(old)), sp.ConceptName(int(old))
	}
	ok = true
	return s, nil
}

func (s *spooled) Close() error { return s.sp.Close() }

// labels returns the concepts of a Labels, without rows.
func (s *spooled) labels() *Labels {
	return &Labels{Concepts: s.concepts, Names: s.names, Excluded: s.excluded}
}

// matrix reads the spool once into a label matrix without ids, with each
// input's group when groupField is set.
func (s *spooled) matrix(groupField string) (*Labels, error) {
	l := s.labels()
	// Sized once: grown by append, the matrix would leave as much garbage
	// as it holds, and the split's peak memory with it.
	inputs, entries := s.sp.Sizes()
	if s.closes {
		entries += entries / 4
	}
	l.off = make([]int64, 1, inputs+1)
	l.ents = make([]uint32, 0, entries)
	var groupKeys map[string]int32
	var groups []int32
	if groupField != "" {
		groupKeys = map[string]int32{}
		groups = make([]int32, 0, inputs)
	}
	var obj map[string]json.RawMessage
	err := s.sp.Each(func(_, row []byte, ents []label.Entry) error {
		l.ents = appendRow(l.ents, ents, s.renum)
		l.off = append(l.off, int64(len(l.ents)))
		if groupKeys == nil {
			return nil
		}
		g := int32(-1)
		if f, err := decodeRow(row); err != nil {
			return err
		} else if f[2] != nil {
			if key, ok := groupKey(f[2], groupField, &obj); ok {
				var seen bool
				if g, seen = groupKeys[key]; !seen {
					g = int32(len(groupKeys))
					groupKeys[key] = g
				}
			}
		}
		groups = append(groups, g)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("export: %w", err)
	}
	l.n = len(l.off) - 1
	l.off, l.ents = slices.Clip(l.off), slices.Clip(l.ents)
	if groupKeys != nil {
		next := int32(len(groupKeys))
		for i, g := range groups {
			if g < 0 {
				groups[i] = next
				next++
			}
		}
		l.Groups = groups
	}
	return l, nil
}

// groupKey returns the JSON text of field in a metadata object, when it
// is there and not null.
func groupKey(meta []byte, field string, obj *map[string]json.RawMessage) (string, bool) {
	clear(*obj)
	if json.Unmarshal(meta, obj) != nil {
		return "", false
	}
	if v, ok := (*obj)[field]; ok && string(v) != "null" {
		return string(v), true
	}
	return "", false
}

// stats fills l's counts from the Spool's last Each.
func (s *spooled) stats(l *Labels) error {
	res, err := s.sp.Result()
	if err != nil {
		return fmt.Errorf("export: %w", err)
	}
	l.n = res.Inputs
	l.stats = resultStats(res, l.Concepts)
	return nil
}

// resultStats maps a label.Result onto concepts (sorted, as the Result's).
func resultStats(res label.Result, concepts []string) []ConceptStats {
	st := make([]ConceptStats, len(concepts))
	for _, cc := range res.Concepts {
		c, ok := slices.BinarySearch(concepts, cc.ID)
		if !ok {
			continue
		}
		st[c] = StatsOf(cc.Counts)
	}
	return st
}

// rowParts says which input fields a spool keeps.
type rowParts int

const (
	rowNone     rowParts = iota
	rowMetadata          // the metadata only (for a group field)
	rowAll               // url, text and metadata (the training layout)
)

// rowEncoder writes an input's url, text and metadata as a Spool row:
// per field an unsigned varint, 0 for null, else the length plus one,
// then the bytes. Fields not kept are null.
type rowEncoder struct {
	cols [3]*array.String
	keep rowParts
}

var rowFields = [3]string{dataset.ColURL, dataset.ColText, dataset.ColMetadata}

func (e *rowEncoder) reset(in arrow.Record, keep rowParts) error {
	e.keep = keep
	sch := in.Schema()
	for k, name := range rowFields {
		e.cols[k] = nil
		if keep == rowNone || keep == rowMetadata && k != 2 {
			continue
		}
		idx := sch.FieldIndices(name)
		if len(idx) == 0 {
			return fmt.Errorf("export: inputs record lacks %s", name)
		}
		c, ok := in.Column(idx[0]).(*array.String)
		if !ok {
			return fmt.Errorf("export: inputs column %s is %s, want utf8", name, in.Column(idx[0]).DataType())
		}
		e.cols[k] = c
	}
	return nil
}

func (e *rowEncoder) row(dst []byte, i int) []byte {
	if e.keep == rowNone {
		return dst
	}
	for _, c := range e.cols {
		if c == nil || c.IsNull(i) {
			dst = append(dst, 0)
			continue
		}
		v := c.Value(i)
		dst = binary.AppendUvarint(dst, uint64(len(v))+1)
		dst = append(dst, v...)
	}
	return dst
}

var errRow = errors.New("export: temporary file of spooled inputs is corrupt")

// rowMerger merges the rows of an input that comes back on a later line:
// each field (url, text, metadata) the earlier lines left null or empty
// is taken from the later one; a field both give, with different values,
// keeps the earlier value and counts as a conflict.
type rowMerger struct{ conflicts int64 }

func (m *rowMerger) merge(dst, first, later []byte) []byte {
	a, errA := decodeRow(first)
	b, errB := decodeRow(later)
	if errA != nil || errB != nil || len(later) == 0 {
		return append(dst, first...) // Each reports a corrupt row
	}
	if len(first) == 0 {
		return append(dst, later...)
	}
	conflict := false
	for k := range a {
		switch {
		case len(a[k]) == 0 && b[k] != nil:
			a[k] = b[k]
		case len(a[k]) > 0 && len(b[k]) > 0 && !bytes.Equal(a[k], b[k]):
			conflict = true
		}
	}
	if conflict {
		m.conflicts++
	}
	for _, f := range a {
		if f == nil {
			dst = append(dst, 0)
			continue
		}
		dst = binary.AppendUvarint(dst, uint64(len(f))+1)
		dst = append(dst, f...)
	}
	return dst
}

// decodeRow splits a row into url, text and metadata (nil: null; every
// field null for an input that came without an input row).
func decodeRow(row []byte) ([3][]byte, error) {
	var f [3][]byte
	if len(row) == 0 {
		return f, nil
	}
	for k := range f {
		n, w := binary.Uvarint(row)
		if w <= 0 || n > uint64(len(row)-w)+1 {
			return f, errRow
		}
		row = row[w:]
		if n > 0 {
			f[k] = row[: n-1 : n-1]
			row = row[n-1:]
		}
	}
	return f, nil
}

// exportTrainingOnce writes the training layout from one read of the
// source.
func exportTrainingOnce(ctx context.Context, open Opener, sink Sink, req Request, cfg *config) (*Plan, *splitWriter, error) {
	s, err := spool(ctx, open, req.Rules, rowAll)
	if err != nil {
		return nil, nil, err
	}
	defer s.Close()
	plan := &Plan{Splits: req.Splits}
	if len(req.Splits) > 0 {
		if plan.Labels, err = s.matrix(req.GroupField); err != nil {
			return nil, nil, err
		}
		splitPlan(plan, req)
		// The rows come back from the spool with their split: the
		// matrix is not needed past its counts.
		plan.dropRows()
	} else {
		plan.Labels = s.labels()
	}
	if cfg.rowGroupRows == DefaultRowGroupRows {
		// Keep raw row groups near 64 MiB whatever the concept count.
		width := len(plan.Labels.Concepts) + 256
		if cfg.targetsMask {
			width = 8*len(plan.Labels.Concepts) + 256
		}
		cfg.rowGroupRows = max(1024, min(DefaultRowGroupRows, (64<<20)/width))
	}
	tb := newTrainingBuilder(plan.Labels, plan.Splits, cfg)
	sw := newSplitWriter(sink, plan.Splits, tb.schema, cfg)

	// The rows are built from the spool while the writer encodes the
	// batch before.
	type built struct {
		rec    arrow.Record
		splits []int8
		err    error
	}
	rctx, cancel := context.WithCancel(ctx)
	defer cancel()
	out := make(chan built, 1)
	go func() {
		defer close(out)
		rb := tb.rows(s.renum)
		i := 0
		send := func() bool {
			rec, splits := rb.finish()
			select {
			case out <- built{rec: rec, splits: splits}:
				return true
			case <-rctx.Done():
				rec.Release()
				return false
			}
		}
		if s.merger != nil {
			s.merger.conflicts = 0
		}
		err := s.sp.Each(func(id, row []byte, ents []label.Entry) error {
			split := int8(0)
			if plan.Assign != nil {
				split = plan.Assign[i]
			}
			i++
			if err := rb.add(id, row, ents, split); err != nil {
				return err
			}
			if rb.n >= cfg.batchRows && !send() {
				return rctx.Err()
			}
			return nil
		})
		if err == nil && rb.n > 0 && !send() {
			err = rctx.Err()
		}
		if err != nil {
			if !errors.Is(err, errRow) {
				err = fmt.Errorf("export: %w", err)
			}
			select {
			case out <- built{err: err}:
			case <-rctx.Done():
			}
		}
	}()
	var werr error
	for b := range out {
		if b.err != nil {
			werr = b.err
			break
		}
		if werr == nil {
			werr = ctx.Err()
		}
		if werr == nil {
			werr = sw.Write(ctx, b.rec, func(i int) int8 { return b.splits[i] })
		}
		b.rec.Release()
		if werr != nil {
			break
		}
	}
	cancel()
	for b := range out { // the builder stops at its next send
		if b.rec != nil {
			b.rec.Release()
		}
	}
	if werr != nil {
		sw.abort()
		return nil, nil, werr
	}
	if s.merger != nil {
		plan.RowConflicts = s.merger.conflicts
	}
	if plan.Assign == nil {
		if err := s.stats(plan.Labels); err != nil {
			sw.abort()
			return nil, nil, err
		}
	}
	return plan, sw, sw.Close(ctx)
}

// splitPlan stratifies plan.Labels by req's splits.
func splitPlan(p *Plan, req Request) {
	p.Assign = Stratify(p.Labels, req.Splits, req.Seed)
	p.Report = NewSplitReport(p.Labels, req.Splits, p.Assign)
	p.Random = NewSplitReport(p.Labels, req.Splits, RandomSplit(p.Labels, req.Splits, req.Seed))
}

// statsPlan reads the source once for the stats layout: a label.Stream's
// counts without splits (no per-input state beyond the report's), the
// label matrix of a Spool with them.
func statsPlan(ctx context.Context, open Opener, req Request) (*Plan, error) {
	if len(req.Splits) > 0 {
		keep := rowNone
		if req.GroupField != "" {
			keep = rowMetadata
		}
		s, err := spool(ctx, open, req.Rules, keep)
		if err != nil {
			return nil, err
		}
		defer s.Close()
		p := &Plan{Splits: req.Splits}
		if p.Labels, err = s.matrix(req.GroupField); err != nil {
			return nil, err
		}
		splitPlan(p, req)
		p.dropRows()
		return p, nil
	}
	r, err := open(ctx, false)
	if err != nil {
		return nil, err
	}
	defer r.Release()
	st := label.NewStream(req.Rules, nil)
	defer st.Close()
	for r.Next() {
		if err := st.AddAnnotations(r.Annotations()); err != nil {
			return nil, fmt.Errorf("export: %w", err)
		}
		if err := st.AddIDs(r.UnannotatedIDs()); err != nil {
			return nil, fmt.Errorf("export: %w", err)
		}
	}
	if err := r.Err(); err != nil {
		return nil, err
	}
	if err := st.AddIDs(r.UnannotatedIDs()); err != nil {
		return nil, fmt.Errorf("export: %w", err)
	}
	res, err := st.Result()
	if err != nil {
		return nil, fmt.Errorf("export: %w", err)
	}
	l := &Labels{Excluded: int64(res.Totals.Excluded), n: res.Inputs, Concepts: []string{}, Names: []string{}}
	for _, cc := range res.Concepts {
		l.Concepts = append(l.Concepts, cc.ID)
		l.Names = append(l.Names, cc.Name)
	}
	l.stats = resultStats(res, l.Concepts)
	return &Plan{Labels: l}, nil
}

// trainingRows builds training rows from a spool's inputs, a batch at a
// time.
type trainingRows struct {
	b                   *trainingBuilder
	renum               []int32
	id, url, text, meta strCol
	pos, neg            strLists
	labels              []int8
	targets, masks      []float32
	splits              []int8
	cells               []uint32
	n                   int
}

func (b *trainingBuilder) rows(renum []int32) *trainingRows {
	r := &trainingRows{b: b, renum: renum}
	for _, c := range []*strCol{&r.id, &r.url, &r.text, &r.meta} {
		c.reset()
	}
	r.pos.reset()
	r.neg.reset()
	return r
}

// add appends one input's row.
func (r *trainingRows) add(id, row []byte, ents []label.Entry, split int8) error {
	f, err := decodeRow(row)
	if err != nil {
		return err
	}
	r.id.add(id, true)
	for k, c := range [3]*strCol{&r.url, &r.text, &r.meta} {
		c.add(f[k], f[k] != nil)
	}
	r.cells = appendRow(r.cells[:0], ents, r.renum)
	concepts := r.b.l.Concepts
	for _, e := range r.cells {
		switch cellOf(e) {
		case cellPresent:
			r.pos.value(concepts[conceptOf(e)])
		case cellAbsent:
			r.neg.value(concepts[conceptOf(e)])
		}
	}
	r.pos.endRow()
	r.neg.endRow()
	nC := len(concepts)
	if r.b.mask {
		at := len(r.targets)
		r.targets = append(r.targets, make([]float32, nC)...)
		r.masks = append(r.masks, make([]float32, nC)...)
		for _, e := range r.cells {
			c := at + int(conceptOf(e))
			switch cellOf(e) {
			case cellPresent:
				r.targets[c], r.masks[c] = 1, 1
			case cellAbsent:
				r.masks[c] = 1
			}
		}
	} else {
		at := len(r.labels)
		r.labels = slices.Grow(r.labels, nC)[:at+nC]
		v := r.labels[at:]
		for k := range v {
			v[k] = int8(Unknown)
		}
		for _, e := range r.cells {
			switch cellOf(e) {
			case cellPresent:
				v[conceptOf(e)] = int8(Present)
			case cellAbsent:
				v[conceptOf(e)] = int8(Absent)
			}
		}
	}
	r.splits = append(r.splits, split)
	r.n++
	return nil
}

// finish returns the batch built so far and each row's split, and starts
// the next. The caller releases the record; the splits are its to keep.
func (r *trainingRows) finish() (arrow.Record, []int8) {
	b, n := r.b, r.n
	fieldType := func(name string) arrow.DataType {
		f, _ := b.schema.FieldsByName(name)
		return f[0].Type
	}
	cols := []arrow.Array{r.id.finish(b.mem), r.url.finish(b.mem), r.text.finish(b.mem), r.meta.finish(b.mem),
		r.pos.finish(b.mem, fieldType(ColPositives)), r.neg.finish(b.mem, fieldType(ColNegatives))}
	if b.mask {
		cols = append(cols, fixedList(b.mem, fieldType(ColTargets), n, r.targets), fixedList(b.mem, fieldType(ColMask), n, r.masks))
	} else {
		cols = append(cols, fixedList(b.mem, fieldType(ColLabels), n, r.labels))
	}
	rec := array.NewRecord(b.schema, cols, int64(n))
	for _, c := range cols {
		c.Release()
	}
	splits := r.splits
	r.splits, r.n = nil, 0
	r.labels, r.targets, r.masks = r.labels[:0], r.targets[:0], r.masks[:0]
	return rec, splits
}

// strCol builds a utf8 column a value at a time, as strLists does a list
// column.
type strCol struct {
	offs  []int32
	data  []byte
	valid []bool
	nulls int
}

func (c *strCol) reset() {
	c.offs, c.data, c.valid, c.nulls = append(c.offs[:0], 0), c.data[:0], c.valid[:0], 0
}

// add appends v, or a null when not ok.
func (c *strCol) add(v []byte, ok bool) {
	c.data = append(c.data, v...)
	c.end(ok)
}

// addString appends s.
func (c *strCol) addString(s string) {
	c.data = append(c.data, s...)
	c.end(true)
}

func (c *strCol) end(ok bool) {
	c.offs = append(c.offs, int32(len(c.data)))
	c.valid = append(c.valid, ok)
	if !ok {
		c.nulls++
	}
}

// finish returns the values added since the last finish as a utf8 array
// allocated from mem, and starts again.
func (c *strCol) finish(mem memory.Allocator) arrow.Array {
	n := len(c.valid)
	var bitmap *memory.Buffer
	if c.nulls > 0 {
		bitmap = memory.NewResizableBuffer(mem)
		bitmap.Resize(int(bitutil.BytesForBits(int64(n))))
		bm := bitmap.Bytes()
		clear(bm)
		for i, ok := range c.valid {
			if ok {
				bitutil.SetBit(bm, i)
			}
		}
	}
	ob, db := ownedBuffer(mem, arrow.Int32Traits.CastToBytes(c.offs)), ownedBuffer(mem, c.data)
	data := array.NewData(arrow.BinaryTypes.String, n, []*memory.Buffer{bitmap, ob, db}, nil, c.nulls, 0)
	for _, b := range []*memory.Buffer{bitmap, ob, db} {
		if b != nil {
			b.Release()
		}
	}
	defer data.Release()
	c.reset()
	return array.MakeFromData(data)
}

// strLists builds a list<utf8> column without nulls, a row at a time:
// StringBuilder's per-value bookkeeping was a tenth of a training
// export's row building.
type strLists struct {
	offs []int32 // where each row's values start in vals
	vals strCol
}

func (l *strLists) reset() {
	l.offs = append(l.offs[:0], 0)
	l.vals.reset()
}

func (l *strLists) value(s string) { l.vals.addString(s) }

func (l *strLists) endRow() { l.offs = append(l.offs, int32(len(l.vals.valid))) }

// finish returns the rows added since the last finish as a list array
// of type dt (allocated from mem) and starts again.
func (l *strLists) finish(mem memory.Allocator, dt arrow.DataType) arrow.Array {
	values := l.vals.finish(mem)
	defer values.Release()
	ob := ownedBuffer(mem, arrow.Int32Traits.CastToBytes(l.offs))
	defer ob.Release()
	data := array.NewData(dt, len(l.offs)-1, []*memory.Buffer{nil, ob}, []arrow.ArrayData{values.Data()}, 0, 0)
	defer data.Release()
	l.reset()
	return array.MakeFromData(data)
}
