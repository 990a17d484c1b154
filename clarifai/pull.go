package clarifai

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"sync"

	"google.golang.org/protobuf/encoding/protojson"

	"curate.dev/clarifai/apipb"
	"curate.dev/dataset"
)

// PullOptions tune [Client.Pull].
type PullOptions struct {
	// IncludeModels keeps annotations made by models and workflows
	// (scores, not labels); by default they are counted and left out.
	IncludeModels bool
	// Progress, when set, is called after each page with the inputs
	// delivered so far.
	Progress func(inputs int64)
	// Concurrency is how many pages' annotations are listed at once, all
	// within the client's rate limit (default 3).
	Concurrency int
}

// PullStats counts what a pull has delivered so far.
type PullStats struct {
	Inputs           int64
	Annotations      int64 // annotation rows delivered (one per concept)
	ModelLeftOut     int64 // model/workflow rows left out (without IncludeModels)
	GRPCDefaults     int64 // values absent on the wire, read as 0.0
	Requests         int64
	InputLevelCopies int64 // inputs whose labels came from input.data.concepts
}

// Puller streams an app's inputs with their annotations. Next has the
// shape [dataset.NewFuncReader] wants; [Puller.Reader] wires them. A page
// of inputs and its annotations is fetched ahead while the caller decodes
// the previous one. Close stops the fetching; it must be called.
type Puller struct {
	c      *Client
	opts   PullOptions
	ctx    context.Context
	cancel context.CancelFunc
	once   sync.Once
	pages  chan page
	cur    []dataset.Input
	err    error

	mu       sync.Mutex
	stats    PullStats
	concepts map[string]*[2]int // human labels: inputs with 1.0, with 0.0
}

type page struct {
	inputs []dataset.Input
	err    error
}

// Pull starts a pull of every input in the app and all its annotations
// (list_all_annotations). Nothing is fetched until the first Next.
func (c *Client) Pull(ctx context.Context, opts PullOptions) *Puller {
	ctx, cancel := context.WithCancel(ctx)
	if opts.Concurrency <= 0 {
		opts.Concurrency = 3
	}
	return &Puller{c: c, opts: opts, ctx: ctx, cancel: cancel, pages: make(chan page, 2), concepts: map[string]*[2]int{}}
}

// Reader returns a [dataset.Reader] over the pull: the same Arrow batches
// a local file gives. Release the reader and Close the puller.
func (p *Puller) Reader(opts ...dataset.Option) *dataset.Reader {
	return dataset.NewFuncReader(p.ctx, p.Next, append([]dataset.Option{dataset.WithName(p.c.app.String())}, opts...)...)
}

// Next fills in with the next input and its annotations; it returns io.EOF
// after the last one.
func (p *Puller) Next(in *dataset.Input) error {
	p.once.Do(func() { go p.fetch() })
	for len(p.cur) == 0 {
		if p.err != nil {
			return p.err
		}
		pg, ok := <-p.pages
		switch {
		case !ok:
			p.err = io.EOF
		case pg.err != nil:
			p.err = p.c.red.guard(pg.err)
		default:
			p.cur = pg.inputs
		}
	}
	*in = p.cur[0]
	p.cur[0] = dataset.Input{}
	p.cur = p.cur[1:]
	return nil
}

// Stats returns the counts so far.
func (p *Puller) Stats() PullStats {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.stats
}

// ConceptCounts returns, per concept, the inputs delivered so far that
// hold it in a human annotation with value 1.0 and with 0.0: what the
// app's own GetConceptCounts counts ([Client.ConceptCounts]).
func (p *Puller) ConceptCounts() map[string][2]int {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make(map[string][2]int, len(p.concepts))
	for id, c := range p.concepts {
		out[id] = *c
	}
	return out
}

// Done reports whether the pull delivered every input (Next returned
// io.EOF).
func (p *Puller) Done() bool { return errors.Is(p.err, io.EOF) }

// Close stops fetching. It returns nil.
func (p *Puller) Close() error {
	p.cancel()
	p.once.Do(func() { close(p.pages) })
	for range p.pages { // let the fetcher finish
	}
	return nil
}

// fetch pages through the inputs (a cursor, so one page at a time) and
// hands each page to a few workers that list its annotations; pages are
// delivered in order.
func (p *Puller) fetch() {
	defer close(p.pages)
	// ctx stops the fetching on an error without cancelling p.ctx, which
	// the reader checks: the error itself must reach the reader.
	ctx, stop := context.WithCancel(p.ctx)
	defer stop()
	send := func(pg page) bool {
		select {
		case p.pages <- pg:
			return true
		case <-ctx.Done():
			return false
		}
	}
	names, err := p.c.conceptNames(ctx, p.count)
	if err != nil {
		send(page{err: err})
		return
	}
	type job struct {
		ins  []*apipb.Input
		done chan page
	}
	workers := max(p.opts.Concurrency, 1)
	jobs := make(chan job)
	order := make(chan job, workers)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				anns, err := p.c.annotationsOf(ctx, j.ins, p.count)
				if err != nil {
					j.done <- page{err: err}
					continue
				}
				j.done <- page{inputs: p.decode(j.ins, anns, names)}
			}
		}()
	}
	// Deliver in order while the cursor runs ahead.
	delivered := make(chan struct{})
	go func() {
		defer close(delivered)
		for j := range order {
			pg := <-j.done
			if p.opts.Progress != nil && pg.err == nil {
				p.opts.Progress(p.Stats().Inputs)
			}
			if !send(pg) || pg.err != nil {
				stop()
				for j := range order { // unblock the workers
					<-j.done
				}
				return
			}
		}
	}()
	defer func() {
		close(jobs)
		close(order)
		wg.Wait()
		<-delivered
	}()
	lastID := ""
	for {
		var resp *apipb.MultiInputResponse
		err := p.c.read(ctx, "StreamInputs", func(ctx context.Context) (*apipb.Status, error) {
			p.count()
			var err error
			resp, err = p.c.api.StreamInputs(ctx, &apipb.StreamInputsRequest{UserAppId: p.c.userApp(), PerPage: uint32(p.c.perPage), LastId: lastID})
			return resp.GetStatus(), err
		})
		if err != nil {
			if ctx.Err() == nil {
				j := job{done: make(chan page, 1)}
				j.done <- page{err: err}
				order <- j
			}
			return
		}
		ins := resp.GetInputs()
		if len(ins) == 0 {
			return
		}
		lastID = ins[len(ins)-1].GetId()
		j := job{ins: ins, done: make(chan page, 1)}
		select {
		case order <- j:
		case <-ctx.Done():
			return
		}
		select {
		case jobs <- j:
		case <-ctx.Done():
			j.done <- page{err: ctx.Err()}
			return
		}
	}
}

func (p *Puller) count() {
	p.mu.Lock()
	p.stats.Requests++
	p.mu.Unlock()
}

// annotationsOf lists every annotation of the given inputs, page by page
// until an empty page.
func (c *Client) annotationsOf(ctx context.Context, ins []*apipb.Input, count func()) ([]*apipb.Annotation, error) {
	ids := make([]string, len(ins))
	for i, in := range ins {
		ids[i] = in.GetId()
	}
	var all []*apipb.Annotation
	for pg := uint32(1); ; pg++ {
		var resp *apipb.MultiAnnotationResponse
		err := c.read(ctx, "ListAnnotations", func(ctx context.Context) (*apipb.Status, error) {
			count()
			var err error
			resp, err = c.api.ListAnnotations(ctx, &apipb.ListAnnotationsRequest{
				UserAppId: c.userApp(), InputIds: ids, ListAllAnnotations: true, Page: pg, PerPage: uint32(c.perPage),
			})
			return resp.GetStatus(), err
		})
		if err != nil {
			return nil, err
		}
		if len(resp.GetAnnotations()) == 0 {
			return all, nil
		}
		all = append(all, resp.GetAnnotations()...)
	}
}

// conceptNames maps concept ids to names, for annotations that carry only
// the id.
func (c *Client) conceptNames(ctx context.Context, count func()) (map[string]string, error) {
	names := map[string]string{}
	for pg := uint32(1); ; pg++ {
		var resp *apipb.MultiConceptResponse
		err := c.read(ctx, "ListConcepts", func(ctx context.Context) (*apipb.Status, error) {
			count()
			var err error
			resp, err = c.api.ListConcepts(ctx, &apipb.ListConceptsRequest{UserAppId: c.userApp(), Page: pg, PerPage: uint32(c.perPage)})
			return resp.GetStatus(), err
		})
		if err != nil {
			return nil, err
		}
		if len(resp.GetConcepts()) == 0 {
			return names, nil
		}
		for _, k := range resp.GetConcepts() {
			if k.GetName() != "" {
				names[k.GetId()] = k.GetName()
			}
		}
	}
}

// decode turns one page into dataset inputs, each with its annotations.
func (p *Puller) decode(ins []*apipb.Input, anns []*apipb.Annotation, names map[string]string) []dataset.Input {
	byInput := make(map[string][]*apipb.Annotation, len(ins))
	for _, a := range anns {
		byInput[a.GetInputId()] = append(byInput[a.GetInputId()], a)
	}
	var st PullStats
	type label struct {
		concept string
		pos     bool
	}
	labels := map[label]bool{}
	counts := map[label]int{}
	out := make([]dataset.Input, len(ins))
	for i, pin := range ins {
		in := &out[i]
		decodeInput(pin, in)
		sawInputLevel := false
		for _, a := range byInput[in.ID] {
			who, kind := annotator(a)
			if a.GetInputLevel() {
				sawInputLevel = true
			}
			for _, k := range a.GetData().GetConcepts() {
				if (kind == dataset.AnnotatorModel || kind == dataset.AnnotatorWorkflow) && !p.opts.IncludeModels {
					st.ModelLeftOut++
					continue
				}
				in.Annotations = append(in.Annotations, conceptRow(in.ID, k, names, a.GetId(), who, kind, &st))
			}
		}
		// Where the listing did not include the input-level annotation,
		// its labels are the input's own concepts.
		if !sawInputLevel {
			for _, k := range pin.GetData().GetConcepts() {
				in.Annotations = append(in.Annotations, conceptRow(in.ID, k, names, "", "", dataset.AnnotatorUnknown, &st))
			}
			if len(pin.GetData().GetConcepts()) > 0 {
				st.InputLevelCopies++
			}
		}
		st.Annotations += int64(len(in.Annotations))
		clear(labels)
		for _, a := range in.Annotations {
			if a.AnnotatorKind != dataset.AnnotatorModel && a.AnnotatorKind != dataset.AnnotatorWorkflow && (a.Value == 0 || a.Value == 1) {
				l := label{a.ConceptID, a.Value == 1}
				if !labels[l] {
					labels[l] = true
					counts[l]++
				}
			}
		}
	}
	p.mu.Lock()
	for l, n := range counts {
		c := p.concepts[l.concept]
		if c == nil {
			c = &[2]int{}
			p.concepts[l.concept] = c
		}
		if l.pos {
			c[0] += n
		} else {
			c[1] += n
		}
	}
	p.stats.Inputs += int64(len(ins))
	p.stats.Annotations += st.Annotations
	p.stats.ModelLeftOut += st.ModelLeftOut
	p.stats.GRPCDefaults += st.GRPCDefaults
	p.stats.InputLevelCopies += st.InputLevelCopies
	p.mu.Unlock()
	return out
}

func conceptRow(inputID string, k *apipb.Concept, names map[string]string, annID, who string, kind dataset.AnnotatorKind, st *PullStats) dataset.Annotation {
	name := k.GetName()
	if name == "" {
		name = names[k.GetId()]
	}
	// proto3 never puts 0.0 on the wire: a zero is always an absent
	// field, which gRPC defines as a negative.
	src := dataset.ValueExplicit
	if k.GetValue() == 0 {
		src = dataset.ValueGRPCDefault
		st.GRPCDefaults++
	}
	return dataset.Annotation{
		InputID: inputID, ConceptID: k.GetId(), ConceptName: name, Value: k.GetValue(), Source: src,
		AnnotationID: annID, Annotator: who, AnnotatorKind: kind,
	}
}

// annotator returns who made a: the worker, else the deprecated fields.
func annotator(a *apipb.Annotation) (string, dataset.AnnotatorKind) {
	w := a.GetWorker()
	switch {
	case w.GetUser() != nil:
		return w.GetUser().GetId(), dataset.AnnotatorUser
	case w.GetModel() != nil:
		return w.GetModel().GetId(), dataset.AnnotatorModel
	case w.GetWorkflow() != nil:
		return w.GetWorkflow().GetId(), dataset.AnnotatorWorkflow
	case a.GetModelVersionId() != "":
		return a.GetModelVersionId(), dataset.AnnotatorModel
	case a.GetUserId() != "":
		return a.GetUserId(), dataset.AnnotatorUser
	}
	return "", dataset.AnnotatorUnknown
}

func decodeInput(p *apipb.Input, in *dataset.Input) {
	in.ID = p.GetId()
	d := p.GetData()
	switch {
	case d.GetImage() != nil:
		in.Kind, in.URL = "image", d.GetImage().GetUrl()
		if in.URL == "" {
			in.URL = hostedURL(d.GetImage().GetHosted())
		}
	case d.GetText() != nil:
		in.Kind, in.URL, in.Text = "text", d.GetText().GetUrl(), d.GetText().GetRaw()
	case d.GetVideo() != nil:
		in.Kind, in.URL = "video", d.GetVideo().GetUrl()
	case d.GetAudio() != nil:
		in.Kind, in.URL = "audio", d.GetAudio().GetUrl()
	}
	if m := d.GetMetadata(); m != nil && len(m.GetFields()) > 0 {
		if b, err := protojson.Marshal(m); err == nil {
			in.Metadata = compactJSON(b)
		}
	}
	in.DatasetIDs = p.GetDatasetIds()
}

func hostedURL(h *apipb.HostedURL) string {
	if h.GetPrefix() == "" {
		return ""
	}
	size := "orig"
	if len(h.GetSizes()) > 0 {
		size = h.GetSizes()[0]
	}
	return h.GetPrefix() + "/" + size + "/" + h.GetSuffix()
}

// compactJSON re-encodes protojson's output (whose spacing is
// deliberately unstable) compactly.
func compactJSON(b []byte) json.RawMessage {
	var v any
	if json.Unmarshal(b, &v) != nil {
		return nil
	}
	out, _ := json.Marshal(v)
	return out
}

// Relations lists the app's concept relations, all pages.
func (c *Client) Relations(ctx context.Context) ([]dataset.Relation, error) {
	rels, err := c.relations(ctx)
	return rels, c.red.guard(err)
}

func (c *Client) relations(ctx context.Context) ([]dataset.Relation, error) {
	var out []dataset.Relation
	for pg := uint32(1); ; pg++ {
		var resp *apipb.MultiConceptRelationResponse
		err := c.read(ctx, "ListConceptRelations", func(ctx context.Context) (*apipb.Status, error) {
			var err error
			resp, err = c.api.ListConceptRelations(ctx, &apipb.ListConceptRelationsRequest{UserAppId: c.userApp(), Page: pg, PerPage: uint32(c.perPage)})
			return resp.GetStatus(), err
		})
		if err != nil {
			return nil, err
		}
		if len(resp.GetConceptRelations()) == 0 {
			return out, nil
		}
		for _, r := range resp.GetConceptRelations() {
			out = append(out, dataset.Relation{Subject: r.GetSubjectConcept().GetId(), Object: r.GetObjectConcept().GetId(), Predicate: dataset.Predicate(r.GetPredicate())})
		}
	}
}
