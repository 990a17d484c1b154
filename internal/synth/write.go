package synth

import (
	"context"
	"io"
	"strconv"
)

// flushAt is the buffer size at which writers hand bytes to the io.Writer.
const flushAt = 1 << 20

// batchWriter buffers output and checks ctx every few thousand inputs.
type batchWriter struct {
	ctx context.Context
	w   io.Writer
	buf []byte
}

func newBatchWriter(ctx context.Context, w io.Writer) *batchWriter {
	return &batchWriter{ctx: ctx, w: w, buf: make([]byte, 0, flushAt+64<<10)}
}

// done ends input i; it flushes a full buffer.
func (b *batchWriter) done(i int) error {
	if i%4096 == 0 {
		if err := b.ctx.Err(); err != nil {
			return err
		}
	}
	if len(b.buf) >= flushAt {
		return b.flush()
	}
	return nil
}

func (b *batchWriter) flush() error {
	if len(b.buf) == 0 {
		return nil
	}
	_, err := b.w.Write(b.buf)
	b.buf = b.buf[:0]
	return err
}

// WriteJSONL writes the observed inputs as JSONL in Clarifai's HTTP JSON
// shape, one input per line:
//
//	{"id":"in-000001","data":{"image":{"url":"…"},"concepts":[{"id":"husky","name":"Husky","value":1},{"id":"snow","name":"Snow"}],
//	 "metadata":{"source":"synth","group_key":"scene-000001","capture":"cam-03"},"embeddings":[{"vector":[…]}]},
//	 "dataset_ids":["synth"],"annotations":[{"id":"in-000001-model","worker":{"model":{"id":"synth-classifier"}},"data":{"concepts":[…]}}]}
//
// A value is omitted only where the world omits it (read as a positive).
// The conflicting negative of a second annotator and model scores go in
// the top-level annotations array. The output is the same for the same
// Config, byte for byte.
func (w *World) WriteJSONL(ctx context.Context, out io.Writer) error {
	bw := newBatchWriter(ctx, out)
	s := w.newSample()
	for i := 0; i < w.cfg.Inputs; i++ {
		w.observe(s, i)
		bw.buf = w.appendJSON(bw.buf, s)
		if err := bw.done(i); err != nil {
			return err
		}
	}
	return bw.flush()
}

func (w *World) appendJSON(b []byte, s *sample) []byte {
	i := s.i
	b = append(b, `{"id":"`...)
	b = w.appendInputID(b, i)
	b = append(b, `","data":{"image":{"url":"`+URLPrefix...)
	b = w.appendInputID(b, i)
	b = append(b, `.jpg"}`...)
	n := 0
	for _, l := range s.labels {
		if l.kind != labelExplicit && l.kind != labelOmitted {
			continue
		}
		if n == 0 {
			b = append(b, `,"concepts":[`...)
		} else {
			b = append(b, ',')
		}
		n++
		b = w.appendConcept(b, l)
	}
	if n > 0 {
		b = append(b, ']')
	}
	b = append(b, `,"metadata":`...)
	b = w.appendMetadata(b, i)
	if s.emb != nil {
		b = append(b, `,"embeddings":[{"vector":[`...)
		for k, x := range s.emb {
			if k > 0 {
				b = append(b, ',')
			}
			b = strconv.AppendFloat(b, float64(x), 'f', -1, 32)
		}
		b = append(b, "]}]"...)
	}
	b = append(b, `},"dataset_ids":["`+DatasetID+`"]`...)
	first := true
	for _, kind := range [...]labelKind{labelConflict, labelModel} {
		m := 0
		for _, l := range s.labels {
			if l.kind != kind {
				continue
			}
			if m == 0 {
				if first {
					b = append(b, `,"annotations":[`...)
					first = false
				} else {
					b = append(b, ',')
				}
				b = append(b, `{"id":"`...)
				b = w.appendInputID(b, i)
				if kind == labelConflict {
					b = append(b, `-review","worker":{"user":{"id":"`+ReviewerID+`"}}`...)
				} else {
					b = append(b, `-model","worker":{"model":{"id":"`+ModelID+`"}}`...)
				}
				b = append(b, `,"data":{"concepts":[`...)
			} else {
				b = append(b, ',')
			}
			m++
			b = w.appendConcept(b, l)
		}
		if m > 0 {
			b = append(b, "]}}"...)
		}
	}
	if !first {
		b = append(b, ']')
	}
	return append(b, "}\n"...)
}

func (w *World) appendConcept(b []byte, l label) []byte {
	b = append(b, w.names[l.c]...)
	switch {
	case l.kind == labelOmitted:
	case l.v == 1:
		b = append(b, `,"value":1`...)
	case l.v == 0:
		b = append(b, `,"value":0`...)
	default:
		b = append(b, `,"value":`...)
		b = strconv.AppendFloat(b, float64(l.v), 'f', -1, 32)
	}
	return append(b, '}')
}

// WriteRelations writes the hierarchy as Clarifai ConceptRelation JSONL,
// one relation per line:
//
//	{"subject_concept":{"id":"husky"},"object_concept":{"id":"dog"},"predicate":"hyponym"}
//
// A world without relations writes nothing.
func (w *World) WriteRelations(ctx context.Context, out io.Writer) error {
	var b []byte
	for _, r := range w.Relations() {
		b = append(b, `{"subject_concept":{"id":`...)
		b = strconv.AppendQuote(b, r.Subject)
		b = append(b, `},"object_concept":{"id":`...)
		b = strconv.AppendQuote(b, r.Object)
		b = append(b, `},"predicate":"`...)
		b = append(b, r.Predicate...)
		b = append(b, "\"}\n"...)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	_, err := out.Write(b)
	return err
}

// WriteTruth writes the hidden truth as JSONL, one input per line: its id,
// primary class, scene and every truly present concept (primary class,
// ancestors, contexts):
//
//	{"input_id":"in-000001","primary":"husky","scene":"scene-000001","concepts":["husky","dog","canine","animal","snow"]}
func (w *World) WriteTruth(ctx context.Context, out io.Writer) error {
	bw := newBatchWriter(ctx, out)
	var tc []int32
	for i := 0; i < w.cfg.Inputs; i++ {
		b := append(bw.buf, `{"input_id":"`...)
		b = w.appendInputID(b, i)
		b = append(b, `","primary":`...)
		b = strconv.AppendQuote(b, w.concepts[w.primary[i]].ID)
		b = append(b, `,"scene":"scene-`...)
		b = appendPadded(b, int(w.scene[i]), w.idWidth)
		b = append(b, `","concepts":[`...)
		tc = w.trueConcepts(tc[:0], i)
		for k, c := range tc {
			if k > 0 {
				b = append(b, ',')
			}
			b = strconv.AppendQuote(b, w.concepts[c].ID)
		}
		bw.buf = append(b, "]}\n"...)
		if err := bw.done(i); err != nil {
			return err
		}
	}
	return bw.flush()
}

// WriteCSV writes the observed annotations in curate's long CSV form, one
// annotation per row:
//
//	input_id,concept_id,value,concept_name,annotator,annotator_kind
//
// CSV cannot omit a value, so omitted values are written as 1 (their
// meaning). annotator and annotator_kind are empty for the first
// annotator, "reviewer-2,user" for conflicting negatives and
// "synth-classifier,model" for model scores. Inputs without annotations
// do not appear.
func (w *World) WriteCSV(ctx context.Context, out io.Writer) error {
	bw := newBatchWriter(ctx, out)
	bw.buf = append(bw.buf, "input_id,concept_id,value,concept_name,annotator,annotator_kind\n"...)
	s := w.newSample()
	for i := 0; i < w.cfg.Inputs; i++ {
		w.observe(s, i)
		for _, l := range s.labels {
			c := &w.concepts[l.c]
			b := w.appendInputID(bw.buf, i)
			b = append(b, ',')
			b = appendCSVField(b, c.ID)
			b = append(b, ',')
			b = strconv.AppendFloat(b, float64(l.v), 'f', -1, 32)
			b = append(b, ',')
			b = appendCSVField(b, c.Name)
			switch l.kind {
			case labelConflict:
				b = append(b, ","+ReviewerID+",user\n"...)
			case labelModel:
				b = append(b, ","+ModelID+",model\n"...)
			default:
				b = append(b, ",,\n"...)
			}
			bw.buf = b
		}
		if err := bw.done(i); err != nil {
			return err
		}
	}
	return bw.flush()
}

// WriteOpenImages writes the observed annotations as an Open Images
// image-level label file:
//
//	ImageID,Source,LabelName,Confidence
//
// Human labels have Source "verification" and Confidence 1 (present) or 0
// (absent); model scores have Source "machine". LabelName is the concept
// id.
func (w *World) WriteOpenImages(ctx context.Context, out io.Writer) error {
	bw := newBatchWriter(ctx, out)
	bw.buf = append(bw.buf, "ImageID,Source,LabelName,Confidence\n"...)
	s := w.newSample()
	for i := 0; i < w.cfg.Inputs; i++ {
		w.observe(s, i)
		for _, l := range s.labels {
			b := w.appendInputID(bw.buf, i)
			if l.kind == labelModel {
				b = append(b, ",machine,"...)
			} else {
				b = append(b, ",verification,"...)
			}
			b = appendCSVField(b, w.concepts[l.c].ID)
			b = append(b, ',')
			b = strconv.AppendFloat(b, float64(l.v), 'f', -1, 32)
			bw.buf = append(b, '\n')
		}
		if err := bw.done(i); err != nil {
			return err
		}
	}
	return bw.flush()
}

// appendCSVField quotes s if it needs it.
func appendCSVField(b []byte, s string) []byte {
	quote := false
	for k := 0; k < len(s); k++ {
		if c := s[k]; c == ',' || c == '"' || c == '\n' || c == '\r' {
			quote = true
			break
		}
	}
	if !quote {
		return append(b, s...)
	}
	b = append(b, '"')
	for k := 0; k < len(s); k++ {
		if s[k] == '"' {
			b = append(b, '"')
		}
		b = append(b, s[k])
	}
	return append(b, '"')
}
