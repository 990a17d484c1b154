package review

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"os"
	"slices"
	"sort"
	"sync"
	"time"

	"curate.dev/balance"
	"curate.dev/dataset"
	"curate.dev/label"
)

// Options tune [Open]. A nil *Options means the zero value.
type Options struct {
	// Decisions is the decisions file; "" means [DecisionsPath] of the
	// suggestions file.
	Decisions string
	// Rules say how the source's annotations read as labels (relations,
	// model scores), for the balance and for each input's positives, as
	// for curate report.
	Rules label.Rules
	// Ratio is the target negatives:positives ratio shown per concept; 0
	// means [balance.DefaultRatio].
	Ratio float64
}

// Session is a review in progress: the suggestions, what the source says
// about their inputs, and the decisions so far. Its methods are safe for
// concurrent use.
type Session struct {
	path  string
	file  *os.File
	sugg  *suggestions
	src   *sourceInfo
	log   *Log
	ratio float64
	// origins are the http(s) origins of the inputs' media.
	origins []string

	mu    sync.Mutex
	state []Decision
	// counts[d][c]: suggestions for concept c with decision d.
	counts [4][]int
	undo   [][]change

	scoreOnce sync.Once
	byScore   []int32
}

type change struct {
	i    int32
	prev Decision
}

// Open starts (or resumes) the review of the suggestions file at path. It
// reads the suggestions, then src once (the caller keeps ownership of src
// and releases it; Open does not), and opens the decisions file, whose
// decisions are the starting state. Decisions in the file for pairs that
// are no longer suggested are kept in the file and left alone. The caller
// closes the session.
func Open(ctx context.Context, path string, src *dataset.Reader, opts *Options) (*Session, error) {
	var o Options
	if opts != nil {
		o = *opts
	}
	if o.Decisions == "" {
		o.Decisions = DecisionsPath(path)
	}
	if o.Ratio == 0 {
		o.Ratio = balance.DefaultRatio
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("review: %w", err)
	}
	sugg, err := readSuggestions(ctx, f, path)
	if err != nil {
		f.Close()
		return nil, err
	}
	info, err := readSource(ctx, src, sugg, o.Rules)
	if err != nil {
		f.Close()
		return nil, err
	}
	log, ds, err := OpenLog(ctx, o.Decisions)
	if err != nil {
		f.Close()
		return nil, err
	}
	s := &Session{path: path, file: f, sugg: sugg, src: info, log: log, ratio: o.Ratio, state: make([]Decision, sugg.len())}
	for d := range s.counts {
		s.counts[d] = make([]int, len(sugg.concepts))
	}
	for i := range s.state {
		k := Key{sugg.inputIDs[sugg.inputs[i]], sugg.concepts[sugg.concept[i]]}
		d := ds[k]
		s.state[i] = d
		s.counts[d][sugg.concept[i]]++
	}
	seen := map[string]bool{}
	for _, in := range info.inputs {
		if o := mediaOrigin(in.url); o != "" && !seen[o] {
			seen[o] = true
			s.origins = append(s.origins, o)
		}
	}
	slices.Sort(s.origins)
	s.scoreOrder() // sorting by score is then instant on the page
	return s, nil
}

// Close closes the decisions file and the suggestions file.
func (s *Session) Close() error {
	err := s.log.Close()
	if e := s.file.Close(); err == nil {
		err = e
	}
	return err
}

// Len returns the number of suggestions.
func (s *Session) Len() int { return s.sugg.len() }

// DecisionsPath returns the decisions file the session appends to.
func (s *Session) DecisionsPath() string { return s.log.Path() }

// Missing returns how many suggested inputs the source does not have.
func (s *Session) Missing() int { return s.src.missing }

// Decisions returns the current decisions on this file's suggestions.
func (s *Session) Decisions() Decisions {
	s.mu.Lock()
	defer s.mu.Unlock()
	ds := Decisions{}
	for i, d := range s.state {
		if d != Unreviewed {
			ds[s.key(i)] = d
		}
	}
	return ds
}

func (s *Session) key(i int) Key {
	return Key{s.sugg.inputIDs[s.sugg.inputs[i]], s.sugg.concepts[s.sugg.concept[i]]}
}

// Decide records d for the suggestions with the given keys, durably: when
// it returns nil the decisions are in the decisions file on disk. Keys
// that are not suggested are an error, and then nothing is recorded. It
// returns how many suggestions changed; one call is one step of [Session.Undo].
func (s *Session) Decide(keys []Key, d Decision) (int, error) {
	idx := make([]int32, 0, len(keys))
	for _, k := range keys {
		i, ok := s.sugg.keyIdx[k]
		if !ok {
			return 0, fmt.Errorf("review: input %q, concept %q is not suggested in %s", k.InputID, k.ConceptID, s.path)
		}
		idx = append(idx, i)
	}
	return s.decide(idx, d)
}

func (s *Session) decide(idx []int32, d Decision) (int, error) {
	if d > Positive {
		return 0, fmt.Errorf("review: unknown decision %d", d)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var step []change
	var entries []Entry
	now := time.Now().UTC().Truncate(time.Millisecond)
	seen := map[int32]bool{}
	for _, i := range idx {
		if i < 0 || int(i) >= len(s.state) {
			return 0, fmt.Errorf("review: no suggestion %d", i)
		}
		if s.state[i] == d || seen[i] {
			continue
		}
		seen[i] = true
		step = append(step, change{i, s.state[i]})
		k := s.key(int(i))
		entries = append(entries, Entry{InputID: k.InputID, ConceptID: k.ConceptID, Decision: d, Time: now})
	}
	if err := s.log.Append(entries); err != nil {
		return 0, err
	}
	for _, ch := range step {
		s.set(ch.i, d)
	}
	if len(step) > 0 {
		s.undo = append(s.undo, step)
	}
	return len(step), nil
}

func (s *Session) set(i int32, d Decision) {
	c := s.sugg.concept[i]
	s.counts[s.state[i]][c]--
	s.counts[d][c]++
	s.state[i] = d
}

// Undo takes back the last step of this session (a [Session.Decide] or a
// bulk decision), writing the earlier decisions to the file. It returns
// the keys it restored; none when there is nothing to undo.
func (s *Session) Undo() ([]Key, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.undo) == 0 {
		return nil, nil
	}
	step := s.undo[len(s.undo)-1]
	entries := make([]Entry, len(step))
	keys := make([]Key, len(step))
	for j, ch := range step {
		keys[j] = s.key(int(ch.i))
		entries[j] = Entry{InputID: keys[j].InputID, ConceptID: keys[j].ConceptID, Decision: ch.prev}
	}
	if err := s.log.Append(entries); err != nil {
		return nil, err
	}
	for _, ch := range step {
		s.set(ch.i, ch.prev)
	}
	s.undo = s.undo[:len(s.undo)-1]
	return keys, nil
}

// Filter chooses suggestions. The zero Filter chooses all, in file order.
type Filter struct {
	// Concept and Source are concept ids: the suggestion's target and the
	// concept it was drawn from; "" means any.
	Concept, Source string
	// MinScore and MaxScore bound the score; NaN means no bound.
	MinScore, MaxScore float64
	// Decision is "" (any), "unreviewed", "reviewed", "accept", "reject"
	// or "positive".
	Decision string
	// Sort is "" (file order), "score" (highest first) or "-score"
	// (lowest first).
	Sort string
}

// AllFilter returns the Filter that chooses everything in file order.
func AllFilter() Filter { return Filter{MinScore: math.NaN(), MaxScore: math.NaN()} }

// matcher is a Filter compiled against the session.
type matcher struct {
	concept, source int32 // -2: any
	min, max        float32
	hasMin, hasMax  bool
	decision        func(Decision) bool
}

func (s *Session) compile(f Filter) (*matcher, error) {
	m := &matcher{concept: -2, source: -2}
	look := func(id, what string) (int32, error) {
		if id == "" {
			return -2, nil
		}
		c, ok := s.sugg.cidx[id]
		if !ok {
			return -3, nil // matches nothing
		}
		return c, nil
	}
	var err error
	if m.concept, err = look(f.Concept, "concept"); err != nil {
		return nil, err
	}
	if m.source, err = look(f.Source, "source"); err != nil {
		return nil, err
	}
	if !math.IsNaN(f.MinScore) {
		m.min, m.hasMin = float32(f.MinScore), true
	}
	if !math.IsNaN(f.MaxScore) {
		m.max, m.hasMax = float32(f.MaxScore), true
	}
	switch f.Decision {
	case "", "all":
		m.decision = func(Decision) bool { return true }
	case "reviewed":
		m.decision = func(d Decision) bool { return d != Unreviewed }
	default:
		want, ok := ParseDecision(f.Decision)
		if !ok {
			return nil, fmt.Errorf("review: unknown decision filter %q", f.Decision)
		}
		m.decision = func(d Decision) bool { return d == want }
	}
	switch f.Sort {
	case "", "score", "-score":
	default:
		return nil, fmt.Errorf("review: unknown sort %q (want score or -score)", f.Sort)
	}
	return m, nil
}

func (s *Session) match(m *matcher, i int32) bool {
	sg := s.sugg
	return (m.concept == -2 || sg.concept[i] == m.concept) &&
		(m.source == -2 || sg.source[i] == m.source) &&
		(!m.hasMin || sg.score[i] >= m.min) &&
		(!m.hasMax || sg.score[i] <= m.max) &&
		m.decision(s.state[i])
}

// order returns the suggestion indices in the filter's sort order. The
// score orders are built on first use and shared.
func (s *Session) order(sortKey string) func(yield func(int32) bool) {
	n := int32(s.sugg.len())
	if sortKey == "" {
		return func(yield func(int32) bool) {
			for i := int32(0); i < n; i++ {
				if !yield(i) {
					return
				}
			}
		}
	}
	byScore := s.scoreOrder()
	if sortKey == "-score" {
		return func(yield func(int32) bool) {
			for j := len(byScore) - 1; j >= 0; j-- {
				if !yield(byScore[j]) {
					return
				}
			}
		}
	}
	return func(yield func(int32) bool) {
		for _, i := range byScore {
			if !yield(i) {
				return
			}
		}
	}
}

func (s *Session) scoreOrder() []int32 {
	s.scoreOnce.Do(func() {
		o := make([]int32, s.sugg.len())
		for i := range o {
			o[i] = int32(i)
		}
		sc := s.sugg.score
		sort.SliceStable(o, func(a, b int) bool { return sc[o[a]] > sc[o[b]] })
		s.byScore = o
	})
	return s.byScore
}

// ConceptBalance is the balance of one suggested concept before and after
// the decisions so far: each accepted suggestion adds a negative, each
// one flipped to positive a positive.
type ConceptBalance struct {
	ConceptID   string  `json:"concept_id"`
	Name        string  `json:"name"`
	Positives   int     `json:"positives"`
	Negatives   int     `json:"negatives"`
	PosAfter    int     `json:"positives_after"`
	NegAfter    int     `json:"negatives_after"`
	Ratio       float64 `json:"ratio"`
	RatioAfter  float64 `json:"ratio_after"`
	TargetRatio float64 `json:"target_ratio"`
	// Wanted is the number of negatives the target ratio asks for after
	// the decisions.
	Wanted     int `json:"wanted"`
	Suggested  int `json:"suggested"`
	Accepted   int `json:"accepted"`
	Rejected   int `json:"rejected"`
	Flipped    int `json:"positive"`
	Unreviewed int `json:"unreviewed"`
}

// Balance returns the balance of every concept with suggestions, sorted
// by id. Positives and negatives are the balance report's (through the
// relations, when the options gave a hierarchy).
func (s *Session) Balance() []ConceptBalance {
	stats := map[string]*balance.ConceptStats{}
	for i := range s.src.report.Concepts {
		stats[s.src.report.Concepts[i].ConceptID] = &s.src.report.Concepts[i]
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []ConceptBalance
	for c, id := range s.sugg.concepts {
		total := 0
		for d := range s.counts {
			total += s.counts[d][c]
		}
		if total == 0 {
			continue
		}
		b := ConceptBalance{ConceptID: id, Name: s.name(id), TargetRatio: s.ratio, Suggested: total,
			Accepted: s.counts[Accept][c], Rejected: s.counts[Reject][c], Flipped: s.counts[Positive][c], Unreviewed: s.counts[Unreviewed][c]}
		if st := stats[id]; st != nil {
			b.Positives, b.Negatives = st.Positives, st.Negatives
		}
		b.PosAfter = b.Positives + b.Flipped
		b.NegAfter = b.Negatives + b.Accepted
		b.Ratio = ratio(b.Negatives, b.Positives)
		b.RatioAfter = ratio(b.NegAfter, b.PosAfter)
		b.Wanted = int(math.Ceil(s.ratio*float64(b.PosAfter) - 1e-9))
		out = append(out, b)
	}
	slices.SortFunc(out, func(a, b ConceptBalance) int { return cmp.Compare(a.ConceptID, b.ConceptID) })
	return out
}

func ratio(neg, pos int) float64 {
	if pos == 0 {
		return 0
	}
	return math.Round(float64(neg)/float64(pos)*1000) / 1000
}

// name returns a concept's display name, or its id.
func (s *Session) name(id string) string {
	if n := s.src.names[id]; n != "" {
		return n
	}
	return id
}
