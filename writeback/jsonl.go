package writeback

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"

	"github.com/apache/arrow/go/v15/arrow"

	"curate.dev/dataset"
)

// ApplyJSONL merges the chosen changes into a JSONL file of Clarifai
// inputs read from src and writes the result to dst.
//
// Each change becomes an entry {"id":…,"name":…,"value":0|1} in its
// input's data.concepts; the value is always written. Everything else is
// copied as it was: lines without changes byte for byte, and on changed
// lines every other byte (unknown fields, key order, spacing, escapes,
// line endings). An existing entry for the concept with the same value
// (an omitted value counts as positive, Clarifai's HTTP rule) leaves the
// line alone, so applying the same changes twice changes nothing the
// second time. An entry with the opposite value refuses the change unless
// opts.Force, which overwrites it. If an input id appears on several lines,
// only the first is changed.
//
// A line is matched to its input by its top-level "id". Lines that start
// with it (as Clarifai writes them) are matched without scanning the rest,
// and only lines with changes are parsed further; a line that repeats the
// id key later is read by the loaders under the last one, so a change for
// that id is reported as unknown rather than applied. Lines without
// changes are checked only as far as finding their id takes.
//
// Memory holds the changes, indexed by input id, never the file. The
// source streams once; a change whose input never appears is reported at
// the end as a [*dataset.ParseError] naming the suggestions line and wrapping
// [ErrUnknownInput] (an [*dataset.ErrorList] when there are several). On any error
// dst holds partial output: write to a temporary file and commit it only
// on success. A line whose id cannot be found (not an object, or no
// string "id") is a [*dataset.ParseError] naming the source line.
//
// changes has the columns of [ChangesSchema] (input_id, concept_id and
// value are required); nil means no changes.
func ApplyJSONL(ctx context.Context, src io.Reader, dst io.Writer, changes arrow.Table, opts Options) (sum Summary, err error) {
	cs, err := loadChanges(changes, &opts)
	if err != nil {
		return sum, err
	}
	sum.begin(cs, &opts)
	ls := newLineScanner(src, opts.maxLine(), cs, &opts)
	defer ls.close()
	bw := newWriteBehind(dst)
	defer bw.Close()
	m := jsonMerger{cs: cs, opts: &opts, sum: &sum}
	var ids idSum
	defer func() { sum.Source = ids.source(opts.Name) }()
	for batch := ls.next(); batch != nil; batch = ls.next() {
		if err := ctx.Err(); err != nil {
			return sum, err
		}
		base := sum.Lines
		pos := 0 // batch.buf[pos:] is not written yet
		for i := range batch.lines {
			l := &batch.lines[i]
			lineNo := base + int64(l.n) + 1
			if l.err != nil {
				bw.Write(batch.buf[pos:l.start])
				sum.Lines = lineNo
				return sum, toParseError(opts.Name, int(lineNo), l.err)
			}
			out, err := m.claim(&l.parsed, lineNo)
			if err != nil {
				bw.Write(batch.buf[pos:l.start])
				sum.Lines = lineNo
				return sum, toParseError(opts.Name, int(lineNo), err)
			}
			if out == nil {
				continue
			}
			bw.Write(batch.buf[pos:l.start])
			bw.Write(out)
			bw.Write(batch.buf[l.start+l.body : l.end]) // the line ending
			pos = l.end
		}
		if _, err := bw.Write(batch.buf[pos:batch.end]); err != nil {
			return sum, err
		}
		sum.Lines = base + int64(batch.count)
		ids.merge(batch.ids)
		if batch.err != nil {
			return sum, fmt.Errorf("dataset: reading %s: %w", opts.Name, batch.err)
		}
		ls.done(batch)
	}
	if err := bw.Close(); err != nil {
		return sum, err
	}
	return sum, cs.unknownInputs(&opts)
}

// edit replaces b[at:end] with text (an insertion when at == end).
type edit struct {
	at, end int
	text    []byte
}

// appendEdited appends line with the edits made.
func appendEdited(dst, line []byte, edits []edit) []byte {
	slices.SortStableFunc(edits, func(a, b edit) int { return a.at - b.at })
	pos := 0
	for _, e := range edits {
		dst = append(dst, line[pos:e.at]...)
		dst = append(dst, e.text...)
		pos = e.end
	}
	return append(dst, line[pos:]...)
}

// jsonMerger settles the changes of one input line at a time. Lines are
// parsed and their edits prepared by the scanning goroutines (parse, which
// only reads the change set); the caller claims them in file order
// (claim), which is the only step that changes state.
type jsonMerger struct {
	cs   *changeSet
	opts *Options
	sum  *Summary
}

// conceptHit is an existing data.concepts entry for a changed concept: a
// place write-back may edit.
type conceptHit struct {
	change int32 // index into changeSet.all
	value  float32
	valAt  dataset.JSONSpan // the value's span; Start < 0 when the entry has no "value"
	objEnd int              // end of the entry's last member, where a value is inserted
}

// outcome is the decision for one change of a line, applied when the line
// is claimed.
type outcome struct {
	change int32
	state  Action
	old    float32
	hadOld bool
}

// parsedLine is what parse makes of a line with changes.
type parsedLine struct {
	err      error         // the line cannot be read: report it before anything else
	ic       *inputChanges // the changes for the line's input, as the loader reads its id; nil: none
	late     error         // reported only if the line is claimed for ic
	out      []byte        // the edited line without its ending; nil: unchanged
	outcomes []outcome
	hits     []conceptHit
	plain    bool    // the keys edits depend on are unique and spelled exactly
	id       string  // the input's id, as the loader reads it
	labels   []label // the labels the loader reads for changed concepts
}

// label is a value the loader reads for the concept of a change.
type label struct {
	change int32
	value  float32
}

// parse reads a line whose leading id has changes and decides them as if
// the line were the first for its input. What is present is what the
// loader reads ([dataset.LineAnnotations]); the byte scanner only finds
// where edits go. Where the keys the edits depend on ("data", "concepts",
// an entry's "id" and "value") are unique and spelled exactly, the
// loader's decoder reads them as the scanner does; otherwise (a key in
// another case or with escapes, a repeated key) the edited line is read
// again by the loader and must hold exactly what was meant, so the two
// never disagree in the output.
func parse(cs *changeSet, opts *Options, lead *inputChanges, b []byte, start int, p *parsedLine) {
	out := p.out[:0]
	p.ic, p.late, p.out, p.outcomes, p.hits, p.plain = nil, nil, nil, p.outcomes[:0], p.hits[:0], true
	// What the loader reads for the concepts with changes: labels, not a
	// model's or workflow's scores.
	labelsOf := func(ic *inputChanges) (string, error) {
		p.labels = p.labels[:0]
		return dataset.EachLineAnnotation(b[start:], 0, func(concept []byte, v float32, k dataset.AnnotatorKind) {
			if ic == nil || k == dataset.AnnotatorModel || k == dataset.AnnotatorWorkflow {
				return
			}
			for _, ci := range ic.idx {
				if string(concept) == cs.all[ci].conceptID {
					p.labels = append(p.labels, label{ci, v})
				}
			}
		}, dataset.WithSoftValues(true))
	}
	if p.id, p.err = labelsOf(lead); p.err != nil {
		return
	}
	if p.ic = cs.byInput[p.id]; p.ic == nil {
		return
	}
	if p.ic != lead { // a later id key wins, as in the loader
		labelsOf(p.ic)
	}
	data, nData := dataset.JSONMember{Value: noSpan}, 0
	top, err := dataset.ScanJSONObject(b, start, func(mb dataset.JSONMember) error {
		if dataset.JSONKeyIs(b, mb.Key, "data") {
			data = mb
			nData++
			p.plain = p.plain && exactKey(b, mb.Key, "data")
		}
		return nil
	})
	if err != nil {
		p.err = err
		return
	}
	// New entries go at add (replacing add.Start:add.End, a null, when
	// that is not empty), wrapped in prefix and suffix.
	var add dataset.JSONSpan
	var prefix, suffix string
	switch {
	case nData > 1:
		p.late = &fieldError{"data", fmt.Errorf("%w: the key appears %d times", dataset.ErrShape, nData)}
		return
	case nData == 0:
		add.Start, prefix = insertPoint(top, `"data":{"concepts":[`)
		add.End, suffix = add.Start, "]}"
	case bytes.Equal(b[data.Value.Start:data.Value.End], []byte("null")):
		add, prefix, suffix = data.Value, `{"concepts":[`, "]}"
	default:
		if add, prefix, suffix, err = concepts(cs, b, data.Value.Start, p); err != nil {
			p.late = err
			return
		}
	}
	edits, added := decide(cs, opts, p)
	if len(added) > 0 {
		text := make([]byte, 0, len(prefix)+len(added)+len(suffix))
		text = append(append(append(text, prefix...), added...), suffix...)
		edits = append(edits, edit{at: add.Start, end: add.End, text: text})
	}
	if len(edits) == 0 {
		return
	}
	p.out = appendEdited(out, b, edits)
	if !p.plain {
		p.late = verify(cs, p, b, start)
	}
}

// exactKey reports whether the key is name as written, with no escape or
// case folding: then the loader's decoder can read the member no other
// way than the scanner does.
func exactKey(b []byte, key dataset.JSONSpan, name string) bool {
	return string(b[key.Start+1:key.End-1]) == name
}

// claim takes a parsed line for its input and returns its edited text
// (nil: copy the line as it is).
func (m *jsonMerger) claim(p *parsedLine, lineNo int64) ([]byte, error) {
	if p.err != nil {
		return nil, p.err
	}
	ic := p.ic
	if ic == nil || ic.seen {
		return nil, nil
	}
	ic.seen = true
	if p.late != nil {
		return nil, p.late
	}
	for _, o := range p.outcomes {
		c := &m.cs.all[o.change]
		c.state, c.old, c.hadOld = o.state, o.old, o.hadOld
		m.sum.tally(c, m.opts, lineNo)
	}
	return p.out, nil
}

// insertPoint returns where a new member or element goes in o, and the
// separator that must precede it.
func insertPoint(o dataset.JSONObject, text string) (int, string) {
	if o.LastEnd < 0 {
		return o.Open + 1, text
	}
	return o.LastEnd, "," + text
}

// lookupQuoted returns the changes for the input whose id is the JSON
// string q (with its quotes), or nil. It only reads cs, so the scanning
// goroutine can call it while the caller edits lines.
func (cs *changeSet) lookupQuoted(q []byte) *inputChanges {
	if raw := q[1 : len(q)-1]; bytes.IndexByte(raw, '\\') < 0 {
		return cs.get(raw)
	}
	s, ok := dataset.UnquoteJSON(q)
	if !ok {
		return nil
	}
	return cs.byInput[s]
}

// concepts finds the data.concepts array in the data object at b[i],
// records the entries of changed concepts in p.hits, and returns where new
// entries go with the text around them.
func concepts(cs *changeSet, b []byte, i int, p *parsedLine) (add dataset.JSONSpan, prefix, suffix string, err error) {
	arr := dataset.JSONMember{Value: noSpan}
	n := 0
	obj, err := dataset.ScanJSONObject(b, i, func(mb dataset.JSONMember) error {
		if dataset.JSONKeyIs(b, mb.Key, "concepts") {
			arr = mb
			n++
			p.plain = p.plain && exactKey(b, mb.Key, "concepts")
		}
		return nil
	})
	if err != nil {
		return add, "", "", &fieldError{"data", err}
	}
	switch {
	case n > 1:
		return add, "", "", &fieldError{"data.concepts", fmt.Errorf("%w: the key appears %d times", dataset.ErrShape, n)}
	case n == 0:
		add.Start, prefix = insertPoint(obj, `"concepts":[`)
		add.End = add.Start
		return add, prefix, "]", nil
	case bytes.Equal(b[arr.Value.Start:arr.Value.End], []byte("null")):
		return arr.Value, "[", "]", nil
	case b[arr.Value.Start] != '[':
		return add, "", "", &fieldError{"data.concepts", fmt.Errorf("%w: want an array", dataset.ErrShape)}
	}
	list, err := dataset.ScanJSONArray(b, arr.Value.Start, func(k int, el dataset.JSONSpan) error {
		return entry(cs, b, k, el, p)
	})
	if err != nil {
		var fe *fieldError
		if errors.As(err, &fe) {
			return add, "", "", err
		}
		return add, "", "", &fieldError{"data.concepts", err}
	}
	add.Start, prefix = insertPoint(list, "")
	add.End = add.Start
	return add, prefix, "", nil
}

// entry records a data.concepts element if it is for a changed concept.
func entry(cs *changeSet, b []byte, k int, el dataset.JSONSpan, p *parsedLine) error {
	path := func() string { return fmt.Sprintf("data.concepts[%d]", k) }
	if b[el.Start] != '{' {
		return &fieldError{path(), fmt.Errorf("%w: want an object", dataset.ErrShape)}
	}
	id, val := noSpan, noSpan
	o, err := dataset.ScanJSONObject(b, el.Start, func(mb dataset.JSONMember) error {
		switch {
		case dataset.JSONKeyIs(b, mb.Key, "id"):
			p.plain = p.plain && id.Start < 0 && exactKey(b, mb.Key, "id")
			id = mb.Value
		case dataset.JSONKeyIs(b, mb.Key, "value"):
			p.plain = p.plain && val.Start < 0 && exactKey(b, mb.Key, "value")
			val = mb.Value
		}
		return nil
	})
	if err != nil {
		return &fieldError{path(), err}
	}
	if id.Start < 0 {
		return nil // the loader reports it; nothing here can match
	}
	for _, ci := range p.ic.idx {
		if !dataset.JSONStringEquals(b[id.Start:id.End], cs.all[ci].conceptID) {
			continue
		}
		var raw []byte
		if val.Start >= 0 {
			raw = b[val.Start:val.End]
		}
		v, _, err := dataset.ParseJSONValue(raw, false, true)
		if err != nil {
			return &fieldError{path() + ".value", err}
		}
		p.hits = append(p.hits, conceptHit{change: ci, value: v, valAt: val, objEnd: o.LastEnd})
	}
	return nil
}

// decide settles each change of the input against what the loader reads
// (p.labels) and returns the edits and the text of new entries.
func decide(cs *changeSet, opts *Options, p *parsedLine) (edits []edit, added []byte) {
	for _, ci := range p.ic.idx {
		c := &cs.all[ci]
		o := outcome{change: ci, state: ActionAdded}
		differs := false
		for _, l := range p.labels {
			if l.change != ci {
				continue
			}
			if !o.hadOld {
				o.old, o.hadOld = l.value, true
			}
			differs = differs || l.value != c.value
		}
		inData, dataDiffers := false, false
		for _, h := range p.hits {
			if h.change == ci {
				inData = true
				dataDiffers = dataDiffers || h.value != c.value
			}
		}
		if o.hadOld && differs && opts.Force && !dataDiffers {
			// Only a user's annotations[] record disagrees, which is left
			// as it is: state the forced value in data.concepts, unless a
			// forced run already did.
			o.state = ActionPresent
			if !inData {
				o.state = ActionUpdated
			}
		}
		switch {
		case !o.hadOld || o.state == ActionUpdated:
			if len(added) > 0 {
				added = append(added, ',')
			}
			added = append(added, `{"id":`...)
			added = dataset.AppendJSONString(added, c.conceptID)
			if c.conceptName != "" {
				added = append(added, `,"name":`...)
				added = dataset.AppendJSONString(added, c.conceptName)
			}
			added = append(added, `,"value":`...)
			added = appendValue(added, c.value)
			added = append(added, '}')
		case !differs || o.state == ActionPresent:
			o.state = ActionPresent
		case !opts.Force:
			o.state = ActionRefused
		default:
			o.state = ActionUpdated
			for _, h := range p.hits {
				if h.change != ci || h.value == c.value {
					continue
				}
				if h.valAt.Start >= 0 {
					edits = append(edits, edit{at: h.valAt.Start, end: h.valAt.End, text: appendValue(nil, c.value)})
				} else {
					edits = append(edits, edit{at: h.objEnd, end: h.objEnd, text: appendValue([]byte(`,"value":`), c.value)})
				}
			}
		}
		p.outcomes = append(p.outcomes, o)
	}
	return edits, added
}

// verify reads the edited line with the loader and checks that it holds
// what the line held, with the edited data.concepts entries at their new
// value and the new entries added, and nothing else changed.
func verify(cs *changeSet, p *parsedLine, b []byte, start int) error {
	_, before, err := dataset.LineAnnotations(nil, b[start:], 0, dataset.WithSoftValues(true))
	if err != nil {
		return err
	}
	id, after, err := dataset.LineAnnotations(nil, p.out[start:], 0, dataset.WithSoftValues(true))
	if err != nil {
		return fmt.Errorf("%w: the edited line does not load: %v", ErrUnsafeEdit, err)
	}
	type key struct {
		concept, annID, who string
		kind                dataset.AnnotatorKind
		value               float32
	}
	want := make(map[key]int, len(before)+len(p.outcomes))
	for _, a := range before {
		want[key{a.ConceptID, a.AnnotationID, a.Annotator, a.AnnotatorKind, a.Value}]++
	}
	for _, o := range p.outcomes {
		c := &cs.all[o.change]
		switch {
		case o.state == ActionAdded, o.state == ActionUpdated && !hitDiffers(p, o.change, c.value):
			want[key{c.conceptID, "", "", dataset.AnnotatorUnknown, c.value}]++
		case o.state == ActionUpdated:
			for _, h := range p.hits {
				if h.change == o.change && h.value != c.value {
					want[key{c.conceptID, "", "", dataset.AnnotatorUnknown, h.value}]--
					want[key{c.conceptID, "", "", dataset.AnnotatorUnknown, c.value}]++
				}
			}
		}
	}
	for _, a := range after {
		want[key{a.ConceptID, a.AnnotationID, a.Annotator, a.AnnotatorKind, a.Value}]--
	}
	for k, n := range want {
		if n != 0 {
			return fmt.Errorf("%w: the loader would read %s=%v %s after the edit", ErrUnsafeEdit, k.concept, k.value, map[bool]string{true: "once less", false: "once more"}[n > 0])
		}
	}
	if id != p.id {
		return fmt.Errorf("%w: the loader would read the id %q after the edit", ErrUnsafeEdit, id)
	}
	return nil
}

func hitDiffers(p *parsedLine, ci int32, v float32) bool {
	for _, h := range p.hits {
		if h.change == ci && h.value != v {
			return true
		}
	}
	return false
}

func appendValue(dst []byte, v float32) []byte {
	if v == dataset.Positive {
		return append(dst, '1')
	}
	return append(dst, '0')
}
