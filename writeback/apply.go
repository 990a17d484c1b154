package writeback

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"slices"

	"github.com/apache/arrow/go/v15/arrow"

	"curate.dev/dataset"
)

// Action is what write-back did, or would do, with one change.
type Action int8

const (
	// ActionSkipped: not chosen (accept:false, or filtered out).
	ActionSkipped Action = iota
	// ActionDuplicate: the same change appears on an earlier line.
	ActionDuplicate
	// ActionAdded: a new annotation was written.
	ActionAdded
	// ActionUpdated: an existing annotation's value was overwritten (Force).
	ActionUpdated
	// ActionPresent: the source already holds this annotation; nothing written.
	ActionPresent
	// ActionRefused: the source holds the opposite value; nothing written.
	ActionRefused

	actionPending // internal: chosen, source not yet seen
)

var actionNames = [...]string{"skipped", "duplicate", "added", "updated", "present", "refused", "pending"}

func (a Action) String() string {
	if int(a) < len(actionNames) && a >= 0 {
		return actionNames[a]
	}
	return "unknown"
}

// Change is one decided change, as reported in [Summary] and to
// [Options.OnChange].
type Change struct {
	Line        int64 // line in the suggestions file (0: none)
	SourceLine  int64 // line of the source file that holds the input (0: appended to CSV)
	InputID     string
	ConceptID   string
	ConceptName string
	// Old is the value the source held before; HadOld is false when the
	// input had no annotation for the concept. An omitted JSON value
	// counts as the HTTP default, a positive.
	Old    float32
	HadOld bool
	New    float32
	Action Action
}

// Options configure write-back. The zero value applies every accepted
// change and refuses conflicts.
type Options struct {
	// Name is the source's name for errors; ChangesName the suggestions
	// file's.
	Name, ChangesName string
	// Concepts, when not empty, limits the changes to these concept ids.
	Concepts []string
	// MinScore skips changes whose score is below it (or missing) when > 0.
	MinScore float64
	// TopPerConcept keeps, per concept, only the N highest-scoring changes
	// (file order breaks ties) when > 0.
	TopPerConcept int
	// Force overwrites an annotation of the opposite value in
	// data.concepts (or CSV row) instead of refusing the change. A user's
	// record under "annotations" also counts as existing, but is never
	// edited: with Force the new value is stated in data.concepts.
	Force bool
	// Preview is how many changes (added or updated) and refusals the
	// summary lists (0: none).
	Preview int
	// Annotator is written to the annotator column of appended CSV rows
	// when the file has one.
	Annotator string
	// MaxLineBytes bounds a source line (default [dataset.DefaultMaxLineBytes]).
	MaxLineBytes int
	// OnChange, if set, is called for each change that was written
	// (added or updated): in source order for JSONL, in changes-table
	// order at the end for CSV. Nothing is final until the apply call
	// returns without error; collect the changes and act on them then.
	OnChange func(Change)
}

func (o *Options) changesName() string {
	if o.ChangesName == "" {
		return "<changes>"
	}
	return o.ChangesName
}

func (o *Options) maxLine() int {
	if o.MaxLineBytes > 0 {
		return o.MaxLineBytes
	}
	return dataset.DefaultMaxLineBytes
}

// ConceptCounts counts the changes of one concept by outcome.
type ConceptCounts struct {
	Added, Updated, Present, Skipped, Refused int64
}

// Summary says what a write-back did.
type Summary struct {
	Lines   int64 // source lines read
	Changes int64 // rows in the changes table
	// Outcomes over all concepts. Skipped includes duplicates.
	Added, Updated, Present, Skipped, Refused int64
	PerConcept                                map[string]*ConceptCounts
	// Preview holds the first Options.Preview written changes in
	// source order; Refusals the first refused ones.
	Preview, Refusals []Change
	// Source fingerprints the source read (Name is Options.Name; Size is
	// left to the caller, who knows the file).
	Source Source
}

// Written is the number of annotations written (added or updated).
func (s *Summary) Written() int64 { return s.Added + s.Updated }

// Concepts returns the concept ids of PerConcept, sorted.
func (s *Summary) Concepts() []string {
	ids := make([]string, 0, len(s.PerConcept))
	for id := range s.PerConcept {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

// Apply writes the changes into src and streams the result to dst. The
// format is recognised from the first bytes: JSONL ([ApplyJSONL]) or CSV
// long form ([ApplyCSV]); other formats are an error wrapping [dataset.ErrFormat].
func Apply(ctx context.Context, src io.Reader, dst io.Writer, changes arrow.Table, opts Options) (Summary, error) {
	br := bufio.NewReaderSize(src, 1<<20)
	f, err := dataset.DetectFormat(br)
	if err != nil {
		return Summary{}, &dataset.ParseError{File: opts.Name, Line: 1, Err: err}
	}
	switch f {
	case dataset.FormatJSONL:
		return ApplyJSONL(ctx, br, dst, changes, opts)
	case dataset.FormatCSV:
		return ApplyCSV(ctx, br, dst, changes, opts)
	}
	return Summary{}, &dataset.ParseError{File: opts.Name, Err: fmt.Errorf("%w: write-back supports JSONL and CSV long form, not %s", dataset.ErrFormat, f)}
}

// tally records a decided change in the summary.
func (s *Summary) tally(c *change, opts *Options, srcLine int64) {
	if s.PerConcept == nil {
		s.PerConcept = make(map[string]*ConceptCounts)
	}
	pc := s.PerConcept[c.conceptID]
	if pc == nil {
		pc = &ConceptCounts{}
		s.PerConcept[c.conceptID] = pc
	}
	ch := Change{Line: c.line, SourceLine: srcLine, InputID: c.inputID, ConceptID: c.conceptID,
		ConceptName: c.conceptName, Old: c.old, HadOld: c.hadOld, New: c.value, Action: c.state}
	switch c.state {
	case ActionAdded, ActionUpdated:
		if c.state == ActionAdded {
			s.Added++
			pc.Added++
		} else {
			s.Updated++
			pc.Updated++
		}
		if len(s.Preview) < opts.Preview {
			s.Preview = append(s.Preview, ch)
		}
		if opts.OnChange != nil {
			opts.OnChange(ch)
		}
	case ActionPresent:
		s.Present++
		pc.Present++
	case ActionRefused:
		s.Refused++
		pc.Refused++
		if len(s.Refusals) < opts.Preview {
			s.Refusals = append(s.Refusals, ch)
		}
	default:
		s.Skipped++
		pc.Skipped++
	}
}

// begin counts the changes that were not chosen.
func (s *Summary) begin(cs *changeSet, opts *Options) {
	s.Changes = int64(len(cs.all))
	for i := range cs.all {
		if c := &cs.all[i]; !c.chosen {
			s.tally(c, opts, 0)
		}
	}
}

// unknownInputs reports the chosen changes whose input never appeared, in
// suggestions file order.
func (cs *changeSet) unknownInputs(opts *Options) error {
	const limit = 20
	var errs []error
	truncated := false
	for i := range cs.all {
		c := &cs.all[i]
		if !c.chosen || cs.byInput[c.inputID].seen {
			continue
		}
		if len(errs) == limit {
			truncated = true
			break
		}
		src := opts.Name
		if src == "" {
			src = "the source"
		}
		errs = append(errs, &dataset.ParseError{File: opts.changesName(), Line: int(c.line), Field: dataset.ColInputID,
			Err: fmt.Errorf("%w: %q is not in %s", ErrUnknownInput, c.inputID, src)})
	}
	switch len(errs) {
	case 0:
		return nil
	case 1:
		return errs[0]
	}
	return &dataset.ErrorList{Errs: errs, Truncated: truncated}
}
