package dataset

import (
	"bytes"
	"encoding/json"
	"io"
	"strconv"
)

// WriteInputJSONL writes in as one line of the Clarifai HTTP JSON shape
// that [NewReader] reads back. Every concept value is written explicitly,
// "value":0 included, so Clarifai's HTTP default (an omitted value is a
// positive) can never turn a negative into a positive.
//
// Annotations with no annotation id and no annotator go in
// data.concepts; the others go in the top-level "annotations" array, one
// entry per (annotation id, annotator), with the annotator as
// worker.user, worker.model or worker.workflow. Reading the line back
// gives the same rows, except that every value's source is then
// [ValueExplicit].
func WriteInputJSONL(w io.Writer, in *Input) error {
	var b bytes.Buffer
	b.WriteString(`{"id":`)
	writeJSONString(&b, in.ID)
	b.WriteString(`,"data":{`)
	sep := ""
	if in.Kind != "" {
		b.WriteByte('"')
		b.WriteString(in.Kind)
		b.WriteString(`":{`)
		inner := ""
		if in.URL != "" {
			b.WriteString(`"url":`)
			writeJSONString(&b, in.URL)
			inner = ","
		}
		if in.Text != "" {
			b.WriteString(inner + `"raw":`)
			writeJSONString(&b, in.Text)
		}
		b.WriteByte('}')
		sep = ","
	}
	if len(in.Metadata) > 0 {
		b.WriteString(sep + `"metadata":`)
		b.Write(in.Metadata)
		sep = ","
	}
	if len(in.Embedding) > 0 {
		b.WriteString(sep + `"embeddings":[{"vector":[`)
		for i, x := range in.Embedding {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(strconv.FormatFloat(float64(x), 'g', -1, 32))
		}
		b.WriteString(`]}]`)
		sep = ","
	}
	// Plain labels first, then annotations grouped in first-seen order.
	type group struct {
		id, who string
		kind    AnnotatorKind
		rows    []*Annotation
	}
	var plain []*Annotation
	var groups []*group
	index := map[[3]string]*group{}
	for i := range in.Annotations {
		a := &in.Annotations[i]
		if a.AnnotationID == "" && a.Annotator == "" {
			plain = append(plain, a)
			continue
		}
		k := [3]string{a.AnnotationID, a.Annotator, a.AnnotatorKind.String()}
		g := index[k]
		if g == nil {
			g = &group{id: a.AnnotationID, who: a.Annotator, kind: a.AnnotatorKind}
			index[k] = g
			groups = append(groups, g)
		}
		g.rows = append(g.rows, a)
	}
	if len(plain) > 0 {
		b.WriteString(sep + `"concepts":`)
		writeConcepts(&b, plain)
	}
	b.WriteByte('}')
	if len(in.DatasetIDs) > 0 {
		b.WriteString(`,"dataset_ids":[`)
		for i, d := range in.DatasetIDs {
			if i > 0 {
				b.WriteByte(',')
			}
			writeJSONString(&b, d)
		}
		b.WriteByte(']')
	}
	if len(groups) > 0 {
		b.WriteString(`,"annotations":[`)
		for i, g := range groups {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteByte('{')
			if g.id != "" {
				b.WriteString(`"id":`)
				writeJSONString(&b, g.id)
				b.WriteByte(',')
			}
			if g.who != "" {
				kind := g.kind
				if kind == AnnotatorUnknown {
					kind = AnnotatorUser
				}
				b.WriteString(`"worker":{"` + kind.String() + `":{"id":`)
				writeJSONString(&b, g.who)
				b.WriteString(`}},`)
			}
			b.WriteString(`"data":{"concepts":`)
			writeConcepts(&b, g.rows)
			b.WriteString(`}}`)
		}
		b.WriteByte(']')
	}
	b.WriteString("}\n")
	_, err := w.Write(b.Bytes())
	return err
}

func writeConcepts(b *bytes.Buffer, rows []*Annotation) {
	b.WriteByte('[')
	for i, a := range rows {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(`{"id":`)
		writeJSONString(b, a.ConceptID)
		if a.ConceptName != "" {
			b.WriteString(`,"name":`)
			writeJSONString(b, a.ConceptName)
		}
		b.WriteString(`,"value":`)
		b.WriteString(strconv.FormatFloat(float64(a.Value), 'g', -1, 32))
		b.WriteByte('}')
	}
	b.WriteByte(']')
}

func writeJSONString(b *bytes.Buffer, s string) {
	enc, _ := json.Marshal(s)
	b.Write(enc)
}

// WriteRelationJSONL writes r as one Clarifai ConceptRelation line, the
// shape [ReadRelations] reads.
func WriteRelationJSONL(w io.Writer, r Relation) error {
	var b bytes.Buffer
	b.WriteString(`{"subject_concept":{"id":`)
	writeJSONString(&b, r.Subject)
	b.WriteString(`},"object_concept":{"id":`)
	writeJSONString(&b, r.Object)
	b.WriteString(`},"predicate":`)
	writeJSONString(&b, string(r.Predicate))
	b.WriteString("}\n")
	_, err := w.Write(b.Bytes())
	return err
}
