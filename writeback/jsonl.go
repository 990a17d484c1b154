package writeback

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"

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
func ApplyJSONL(ctx context.Context, src io.Reader, dst io.Writer, changes arrow.Table, opts Options) (Summary, error) {
	var sum Summary
	cs, err := loadChanges(changes, &opts)
	if err != nil {
		return sum, err
	}
	sum.begin(cs, &opts)
	ls := newLineScanner(src, opts.maxLine(), cs)
	defer ls.close()
	bw := newWriteBehind(dst)
	defer bw.Close()
	m := jsonMerger{cs: cs, opts: &opts, sum: &sum}
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
			if l.ic.seen {
				continue
			}
			line := batch.buf[l.start:l.end]
			edits, err := m.apply(line[:l.body], &l.parsed, lineNo)
			if err != nil {
				bw.Write(batch.buf[pos:l.start])
				sum.Lines = lineNo
				return sum, toParseError(opts.Name, int(lineNo), err)
			}
			if len(edits) == 0 {
				continue
			}
			bw.Write(batch.buf[pos:l.start])
			if err := writeEdited(bw, line, edits); err != nil {
				return sum, err
			}
			pos = l.end
		}
		if _, err := bw.Write(batch.buf[pos:batch.end]); err != nil {
			return sum, err
		}
		sum.Lines = base + int64(batch.count)
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

func writeEdited(w io.Writer, line []byte, edits []edit) error {
	if len(edits) == 0 {
		_, err := w.Write(line)
		return err
	}
	slices.SortStableFunc(edits, func(a, b edit) int { return a.at - b.at })
	pos := 0
	for _, e := range edits {
		w.Write(line[pos:e.at])
		w.Write(e.text)
		pos = e.end
	}
	_, err := w.Write(line[pos:])
	return err
}

// jsonMerger edits one input line at a time.
type jsonMerger struct {
	cs    *changeSet
	opts  *Options
	sum   *Summary
	edits []edit
	found []conceptHit
	added []byte
}

// conceptHit is an existing data.concepts entry for a changed concept.
type conceptHit struct {
	change int32 // index into changeSet.all
	value  float32
	valAt  dataset.JSONSpan // the value's span; Start < 0 when the entry has no "value"
	objEnd int              // end of the entry's last member, where a value is inserted
	// inAnnotation: the entry is in a user's annotations[] record. It
	// counts for "present" and conflicts but is never edited.
	inAnnotation bool
}

// parsedLine is what parse finds in a line with changes. It only reads
// the change set, so the scanning goroutine can do it ahead of the caller.
type parsedLine struct {
	err    error            // the line cannot be read: report it before anything else
	ic     *inputChanges    // the changes for the line's (last) id; nil: none
	late   error            // reported only if the line is claimed for ic
	add    dataset.JSONSpan // where new entries go (replacing add.Start:add.End)
	prefix string           // text before the new entries
	suffix string           // text after them
	found  []conceptHit     // existing entries for changed concepts
}

// parse scans a line whose leading id has changes. found is appended to
// p.found's storage, which the caller owns.
func (m *jsonMerger) parse(b []byte, start int, p *parsedLine) {
	id, data, anns := noSpan, dataset.JSONMember{Value: noSpan}, noSpan
	nData := 0
	top, err := dataset.ScanJSONObject(b, start, func(mb dataset.JSONMember) error {
		// Member keys are case-insensitive, and the last one wins, as in
		// encoding/json which the loaders use.
		switch {
		case dataset.JSONKeyIs(b, mb.Key, "id"):
			id = mb.Value
		case dataset.JSONKeyIs(b, mb.Key, "data"):
			data = mb
			nData++
		case dataset.JSONKeyIs(b, mb.Key, "annotations"):
			anns = mb.Value
		}
		return nil
	})
	if err != nil {
		p.err = err
		return
	}
	if id.Start < 0 || b[id.Start] != '"' {
		p.err = &fieldError{"id", fmt.Errorf("%w: missing input id", dataset.ErrShape)}
		return
	}
	ic := m.lookup(b[id.Start:id.End])
	if ic == nil {
		return
	}
	p.ic = ic
	if nData > 1 {
		p.late = &fieldError{"data", fmt.Errorf("%w: the key appears %d times", dataset.ErrShape, nData)}
		return
	}
	m.found = p.found[:0]
	defer func() { p.found = m.found }()
	// New entries go at add (replacing add.Start:add.End, a null, when
	// that is not empty), wrapped in prefix and suffix.
	switch {
	case nData == 0:
		p.add.Start, p.prefix = insertPoint(top, `"data":{"concepts":[`)
		p.add.End, p.suffix = p.add.Start, "]}"
	case bytes.Equal(b[data.Value.Start:data.Value.End], []byte("null")):
		p.add, p.prefix, p.suffix = data.Value, `{"concepts":[`, "]}"
	case b[data.Value.Start] == '{':
		p.add, p.prefix, p.suffix, err = m.concepts(b, data.Value.Start, ic)
		if err != nil {
			p.late = err
			return
		}
	default:
		p.late = &fieldError{"data", fmt.Errorf("%w: want an object", dataset.ErrShape)}
		return
	}
	if anns.Start >= 0 && b[anns.Start] == '[' {
		if err := m.annotations(b, anns.Start, ic); err != nil {
			p.late = err
		}
	}
}

// apply claims a parsed line for its input and returns its edits.
func (m *jsonMerger) apply(b []byte, p *parsedLine, lineNo int64) ([]edit, error) {
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
	m.edits, m.found = m.edits[:0], p.found
	m.decide(b, ic, lineNo)
	if len(m.added) > 0 {
		text := make([]byte, 0, len(p.prefix)+len(m.added)+len(p.suffix))
		text = append(append(append(text, p.prefix...), m.added...), p.suffix...)
		m.edits = append(m.edits, edit{at: p.add.Start, end: p.add.End, text: text})
	}
	return m.edits, nil
}

// insertPoint returns where a new member or element goes in o, and the
// separator that must precede it.
func insertPoint(o dataset.JSONObject, text string) (int, string) {
	if o.LastEnd < 0 {
		return o.Open + 1, text
	}
	return o.LastEnd, "," + text
}

func (m *jsonMerger) lookup(q []byte) *inputChanges { return m.cs.lookupQuoted(q) }

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
// records the entries of changed concepts, and returns where new entries
// go with the text around them.
func (m *jsonMerger) concepts(b []byte, i int, ic *inputChanges) (add dataset.JSONSpan, prefix, suffix string, err error) {
	arr := dataset.JSONMember{Value: noSpan}
	n := 0
	obj, err := dataset.ScanJSONObject(b, i, func(mb dataset.JSONMember) error {
		if dataset.JSONKeyIs(b, mb.Key, "concepts") {
			arr = mb
			n++
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
		return m.entry(b, "data.concepts", k, el, ic, false)
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
func (m *jsonMerger) entry(b []byte, path string, k int, el dataset.JSONSpan, ic *inputChanges, inAnnotation bool) error {
	if b[el.Start] != '{' {
		return &fieldError{fmt.Sprintf("%s[%d]", path, k), fmt.Errorf("%w: want an object", dataset.ErrShape)}
	}
	id, val := noSpan, noSpan
	o, err := dataset.ScanJSONObject(b, el.Start, func(mb dataset.JSONMember) error {
		switch {
		case dataset.JSONKeyIs(b, mb.Key, "id"):
			id = mb.Value
		case dataset.JSONKeyIs(b, mb.Key, "value"):
			val = mb.Value
		}
		return nil
	})
	if err != nil {
		return &fieldError{fmt.Sprintf("%s[%d]", path, k), err}
	}
	if id.Start < 0 {
		return nil // the loader reports it; nothing here can match
	}
	for _, ci := range ic.idx {
		if !dataset.JSONStringEquals(b[id.Start:id.End], m.cs.all[ci].conceptID) {
			continue
		}
		h := conceptHit{change: ci, value: dataset.Positive, valAt: val, objEnd: o.LastEnd, inAnnotation: inAnnotation}
		if val.Start >= 0 && !bytes.Equal(b[val.Start:val.End], []byte("null")) {
			f, err := strconv.ParseFloat(string(b[val.Start:val.End]), 64)
			if err != nil {
				return &fieldError{fmt.Sprintf("%s[%d].value", path, k), valueError("a number", string(b[val.Start:val.End]))}
			}
			h.value = float32(f)
		}
		m.found = append(m.found, h)
	}
	return nil
}

// annotations records the entries of changed concepts in the labels of
// users in the top-level annotations array (model and workflow records
// carry scores, not labels, and are ignored, as the loaders treat them).
func (m *jsonMerger) annotations(b []byte, i int, ic *inputChanges) error {
	_, err := dataset.ScanJSONArray(b, i, func(k int, el dataset.JSONSpan) error {
		if b[el.Start] != '{' {
			return nil
		}
		data := noSpan
		hasModelVersion, workerUser, workerAuto := false, false, false
		_, err := dataset.ScanJSONObject(b, el.Start, func(mb dataset.JSONMember) error {
			switch {
			case dataset.JSONKeyIs(b, mb.Key, "data"):
				data = mb.Value
			case dataset.JSONKeyIs(b, mb.Key, "model_version_id"):
				v := b[mb.Value.Start:mb.Value.End]
				hasModelVersion = len(v) > 2 && v[0] == '"'
			case dataset.JSONKeyIs(b, mb.Key, "worker") && b[mb.Value.Start] == '{':
				dataset.ScanJSONObject(b, mb.Value.Start, func(w dataset.JSONMember) error {
					switch {
					case dataset.JSONKeyIs(b, w.Key, "user"):
						workerUser = true
					case dataset.JSONKeyIs(b, w.Key, "model"), dataset.JSONKeyIs(b, w.Key, "workflow"):
						workerAuto = true
					}
					return nil
				})
			}
			return nil
		})
		// The loaders' precedence: worker.user, then worker.model or
		// workflow, then model_version_id.
		label := workerUser || (!workerAuto && !hasModelVersion)
		if err != nil || !label || data.Start < 0 || b[data.Start] != '{' {
			return err
		}
		path := fmt.Sprintf("annotations[%d].data.concepts", k)
		_, err = dataset.ScanJSONObject(b, data.Start, func(mb dataset.JSONMember) error {
			if !dataset.JSONKeyIs(b, mb.Key, "concepts") || b[mb.Value.Start] != '[' {
				return nil
			}
			_, err := dataset.ScanJSONArray(b, mb.Value.Start, func(j int, c dataset.JSONSpan) error {
				return m.entry(b, path, j, c, ic, true)
			})
			return err
		})
		return err
	})
	var fe *fieldError
	if err != nil && !errors.As(err, &fe) {
		err = &fieldError{"annotations", err}
	}
	return err
}

// decide settles each change of the input against the entries found, adds
// the edits and the text of new entries, and tallies the outcomes.
func (m *jsonMerger) decide(b []byte, ic *inputChanges, lineNo int64) {
	m.added = m.added[:0]
	for _, ci := range ic.idx {
		c := &m.cs.all[ci]
		c.state = ActionAdded
		differs, inData, dataDiffers := false, false, false
		for _, h := range m.found {
			if h.change != ci {
				continue
			}
			if !c.hadOld {
				c.old, c.hadOld = h.value, true
			}
			if h.value != c.value {
				differs = true
				dataDiffers = dataDiffers || !h.inAnnotation
			}
			inData = inData || !h.inAnnotation
		}
		if c.hadOld && differs && m.opts.Force && !dataDiffers {
			// Only a user's annotations[] record disagrees, which is left
			// as it is: state the forced value in data.concepts, unless a
			// forced run already did.
			c.state = ActionPresent
			if !inData {
				c.state = ActionUpdated
			}
		}
		switch {
		case !c.hadOld || c.state == ActionUpdated:
			if len(m.added) > 0 {
				m.added = append(m.added, ',')
			}
			m.added = append(m.added, `{"id":`...)
			m.added = dataset.AppendJSONString(m.added, c.conceptID)
			if c.conceptName != "" {
				m.added = append(m.added, `,"name":`...)
				m.added = dataset.AppendJSONString(m.added, c.conceptName)
			}
			m.added = append(m.added, `,"value":`...)
			m.added = appendValue(m.added, c.value)
			m.added = append(m.added, '}')
		case !differs || c.state == ActionPresent:
			c.state = ActionPresent
		case !m.opts.Force:
			c.state = ActionRefused
		default:
			c.state = ActionUpdated
			for _, h := range m.found {
				if h.change != ci || h.value == c.value || h.inAnnotation {
					continue
				}
				if h.valAt.Start >= 0 {
					m.edits = append(m.edits, edit{at: h.valAt.Start, end: h.valAt.End, text: appendValue(nil, c.value)})
				} else {
					m.edits = append(m.edits, edit{at: h.objEnd, end: h.objEnd, text: appendValue([]byte(`,"value":`), c.value)})
				}
			}
		}
		m.sum.tally(c, m.opts, lineNo)
	}
}

func appendValue(dst []byte, v float32) []byte {
	if v == dataset.Positive {
		return append(dst, '1')
	}
	return append(dst, '0')
}
