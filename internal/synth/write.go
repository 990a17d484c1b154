package synth

import (
	"context"
	"io"
	"math"
	"runtime"
	"strconv"
	"sync"
)

// chunkInputs is how many inputs one worker turns into bytes at a time.
const chunkInputs = 2048

// workers is how many goroutines the writers use (a variable for tests).
var workers = runtime.GOMAXPROCS(0)

// writeInputs writes head, then appendInput's bytes for every input in
// order. Chunks of inputs are generated on all cores and written in
// order, so the output does not depend on the number of workers.
func (w *World) writeInputs(ctx context.Context, out io.Writer, head string, appendInput func(b []byte, s *sample, i int) []byte) error {
	if head != "" {
		if _, err := io.WriteString(out, head); err != nil {
			return err
		}
	}
	n := w.cfg.Inputs
	chunks := (n + chunkInputs - 1) / chunkInputs
	gen := func(s *sample, buf []byte, k int) []byte {
		for i := k * chunkInputs; i < min(n, (k+1)*chunkInputs); i++ {
			w.observe(s, i)
			buf = appendInput(buf, s, i)
		}
		return buf
	}
	if workers <= 1 || chunks <= 1 {
		s := w.newSample()
		var buf []byte
		for k := 0; k < chunks; k++ {
			if err := ctx.Err(); err != nil {
				return err
			}
			buf = gen(s, buf[:0], k)
			if _, err := out.Write(buf); err != nil {
				return err
			}
		}
		return ctx.Err()
	}

	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	defer wg.Wait()
	defer cancel()
	type job struct {
		k   int
		res chan []byte
	}
	jobs := make(chan job)
	order := make(chan chan []byte, 2*workers)
	free := make(chan []byte, 3*workers) // recycled buffers
	wg.Add(1)
	go func() { // hand out chunks; order remembers which result comes next
		defer wg.Done()
		defer close(jobs)
		defer close(order)
		for k := 0; k < chunks; k++ {
			res := make(chan []byte, 1)
			select {
			case order <- res:
			case <-ctx.Done():
				return
			}
			select {
			case jobs <- job{k, res}:
			case <-ctx.Done():
				return
			}
		}
	}()
	for range min(workers, chunks) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s := w.newSample()
			for j := range jobs {
				var buf []byte
				select {
				case buf = <-free:
				default:
				}
				j.res <- gen(s, buf[:0], j.k)
			}
		}()
	}
	for res := range order {
		select {
		case buf := <-res:
			if _, err := out.Write(buf); err != nil {
				return err
			}
			select {
			case free <- buf:
			default:
			}
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return ctx.Err()
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
	return w.writeInputs(ctx, out, "", func(b []byte, s *sample, _ int) []byte { return w.appendJSON(b, s) })
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
			b = appendDecimal4(b, x)
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

// appendDecimal4 appends x, a float32 nearest to a multiple of 0.0001 (as
// embed makes them), as that decimal: what strconv.AppendFloat(b, x, 'f',
// -1, 32) gives, several times faster.
func appendDecimal4(b []byte, x float32) []byte {
	k := int64(math.Round(float64(x) * 1e4))
	if k < 0 {
		b = append(b, '-')
		k = -k
	}
	b = strconv.AppendInt(b, k/10000, 10)
	frac := k % 10000
	if frac == 0 {
		return b
	}
	digits := [4]byte{byte('0' + frac/1000), byte('0' + frac/100%10), byte('0' + frac/10%10), byte('0' + frac%10)}
	n := 4
	for digits[n-1] == '0' {
		n--
	}
	b = append(b, '.')
	return append(b, digits[:n]...)
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
	return w.writeInputs(ctx, out, "", func(b []byte, s *sample, i int) []byte {
		b = append(b, `{"input_id":"`...)
		b = w.appendInputID(b, i)
		b = append(b, `","primary":`...)
		b = strconv.AppendQuote(b, w.concepts[w.primary[i]].ID)
		b = append(b, `,"scene":"scene-`...)
		b = appendPadded(b, int(w.scene[i]), w.idWidth)
		b = append(b, `","concepts":[`...)
		s.tc = w.trueConcepts(s.tc[:0], i)
		for k, c := range s.tc {
			if k > 0 {
				b = append(b, ',')
			}
			b = strconv.AppendQuote(b, w.concepts[c].ID)
		}
		return append(b, "]}\n"...)
	})
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
	return w.writeInputs(ctx, out, "input_id,concept_id,value,concept_name,annotator,annotator_kind\n", func(b []byte, s *sample, i int) []byte {
		for _, l := range s.labels {
			c := &w.concepts[l.c]
			b = w.appendInputID(b, i)
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
		}
		return b
	})
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
	return w.writeInputs(ctx, out, "ImageID,Source,LabelName,Confidence\n", func(b []byte, s *sample, i int) []byte {
		for _, l := range s.labels {
			b = w.appendInputID(b, i)
			if l.kind == labelModel {
				b = append(b, ",machine,"...)
			} else {
				b = append(b, ",verification,"...)
			}
			b = appendCSVField(b, w.concepts[l.c].ID)
			b = append(b, ',')
			b = strconv.AppendFloat(b, float64(l.v), 'f', -1, 32)
			b = append(b, '\n')
		}
		return b
	})
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
