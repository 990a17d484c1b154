package review

import (
	"fmt"
)

// Card is one suggestion as the review page shows it.
type Card struct {
	// Index is the suggestion's place in the file (0-based); the page
	// names suggestions by it.
	Index       int     `json:"i"`
	InputID     string  `json:"input_id"`
	ConceptID   string  `json:"concept_id"`
	ConceptName string  `json:"concept_name"`
	Value       float32 `json:"value"`
	Score       float64 `json:"score"`
	Source      string  `json:"source_concept_id,omitempty"`
	SourceName  string  `json:"source_name,omitempty"`
	Reason      string  `json:"reason,omitempty"`
	Kind        string  `json:"kind,omitempty"`
	URL         string  `json:"url,omitempty"`
	Text        string  `json:"text,omitempty"`
	// Positives names the concepts the input is positive for now.
	Positives []string `json:"positives"`
	Decision  Decision `json:"decision"`
	// Missing: the source has no such input.
	Missing bool `json:"missing,omitempty"`
}

// Page is one page of the filtered suggestions.
type Page struct {
	// Total is the number of suggestions the filter chooses.
	Total  int    `json:"total"`
	Offset int    `json:"offset"`
	Cards  []Card `json:"cards"`
}

// Page returns the cards offset to offset+limit of the suggestions f
// chooses. Only those lines are read back from the suggestions file;
// the rest is a scan of the in-memory index.
func (s *Session) Page(f Filter, offset, limit int) (*Page, error) {
	m, err := s.compile(f)
	if err != nil {
		return nil, err
	}
	if offset < 0 || limit < 0 {
		return nil, fmt.Errorf("review: bad page %d+%d", offset, limit)
	}
	p := &Page{Offset: offset, Cards: []Card{}}
	var picked []int32
	var states []Decision
	s.mu.Lock()
	for i := range s.order(f.Sort) {
		if !s.match(m, i) {
			continue
		}
		if p.Total >= offset && len(picked) < limit {
			picked = append(picked, i)
			states = append(states, s.state[i])
		}
		p.Total++
	}
	s.mu.Unlock()
	for j, i := range picked {
		c, err := s.card(int(i))
		if err != nil {
			return nil, err
		}
		c.Decision = states[j]
		p.Cards = append(p.Cards, c)
	}
	return p, nil
}

func (s *Session) card(i int) (Card, error) {
	sg := s.sugg
	line, err := sg.line(s.file, i)
	if err != nil {
		return Card{}, fmt.Errorf("review: %s: item %d: %w", s.path, i+1, err)
	}
	k := s.key(i)
	if line.InputID != k.InputID || line.ConceptID != k.ConceptID {
		return Card{}, fmt.Errorf("review: %s changed while reviewing; restart the review", s.path)
	}
	in := &s.src.inputs[sg.inputs[i]]
	c := Card{
		Index: i, InputID: k.InputID, ConceptID: k.ConceptID, ConceptName: s.name(k.ConceptID),
		Value: sg.value[i], Reason: line.Reason, Kind: in.kind, URL: in.url, Text: in.text,
		Positives: make([]string, 0, len(in.positives)), Missing: !in.found,
	}
	if line.Score != nil {
		c.Score = *line.Score
	}
	if src := sg.source[i]; src >= 0 {
		c.Source = sg.concepts[src]
		c.SourceName = s.name(c.Source)
	}
	if c.URL == "" && c.Text == "" { // the source had none: the line may
		c.URL, c.Text = line.URL, clip(line.Text, maxText)
	}
	if mediaOrigin(c.URL) == "" {
		c.URL = "" // only http(s) media are shown
	}
	for _, p := range in.positives {
		c.Positives = append(c.Positives, s.name(sg.concepts[p]))
	}
	return c, nil
}

// DecideIndices records d for the suggestions at the given file indices
// (as in [Card.Index]), as one undo step.
func (s *Session) DecideIndices(idx []int, d Decision) (int, error) {
	ii := make([]int32, len(idx))
	for j, i := range idx {
		if i < 0 || i >= s.sugg.len() {
			return 0, fmt.Errorf("review: no suggestion %d", i)
		}
		ii[j] = int32(i)
	}
	return s.decide(ii, d)
}

// DecideFilter records d for every suggestion f chooses (all from one
// source concept, all above a score, ...), as one undo step.
func (s *Session) DecideFilter(f Filter, d Decision) (int, error) {
	m, err := s.compile(f)
	if err != nil {
		return 0, err
	}
	var idx []int32
	s.mu.Lock()
	for i := range s.order("") {
		if s.match(m, i) {
			idx = append(idx, i)
		}
	}
	s.mu.Unlock()
	return s.decide(idx, d)
}
