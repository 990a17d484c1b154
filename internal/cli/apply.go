package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"curate.dev/internal/atomicfile"
	"curate.dev/writeback"
)

// ApplyOptions are the inputs of curate apply.
type ApplyOptions struct {
	IO      *IOStreams
	Now     func() time.Time
	Factory *Factory

	// To is a Clarifai app (clarifai://USER/APP) to write to instead of a
	// local file; Clarifai and Journal configure that push.
	To       string
	Clarifai ClarifaiFlags
	Journal  string
	Load     LoadOptions

	Source        string
	Suggestions   string
	Out           string
	Backup        bool
	DryRun        bool
	Force         bool // replace a file curate would refuse to (one with other hard links)
	Overwrite     bool // overwrite annotations of the opposite value instead of refusing
	AnySource     bool // apply suggestions recorded as made from another source
	Concepts      []string
	MinScore      float64
	TopPerConcept int
	Log           string
	Annotator     string
	Show          int
	Review        ReviewFlags
}

// NewCmdApply builds "curate apply". runF replaces applyRun in tests.
func NewCmdApply(f *Factory, runF func(*ApplyOptions) error) *cobra.Command {
	opts := &ApplyOptions{IO: f.IO, Now: time.Now, Factory: f}
	cmd := &cobra.Command{
		Use:   "apply SOURCE --suggestions FILE | apply --to clarifai://USER/APP (--suggestions FILE | SOURCE)",
		Short: "Write reviewed annotations back into a JSONL or CSV source",
		Long: `Apply merges the reviewed suggestions (from curate suggest) into SOURCE, a
JSONL file of Clarifai inputs or a CSV long-form file. After curate review (the
decisions file beside the suggestions, NAME.decisions.jsonl, has decisions),
exactly the accepted suggestions are applied, and those flipped to positive as
positives; lines nobody decided on are skipped unless --include-unreviewed.
Without a review every suggestion line is applied unless it says
"accept":false; a value flipped to 1 is written as a positive. The suggestions
may be .jsonl, .csv or .parquet, as curate suggest writes them (an "accept"
column in CSV and Parquet). Values are always written explicitly. Everything
else in the file is kept as it was.

The file is replaced atomically (a crash leaves the old or the new file, never
a partial one), or the result goes to --out. Applying the same suggestions
twice changes nothing. A suggestion that contradicts an existing annotation is
refused unless --overwrite; an input id not in SOURCE is an error.

With --to clarifai://USER_ID/APP_ID the annotations go to a Clarifai app
instead: the chosen suggestions (--suggestions FILE, same filters), or every
human label of a local SOURCE. They are posted in batches of at most 128, each
value explicit, with ids derived from input, concept and value so that a rerun
never duplicates; --journal records what the app confirmed so an interrupted
push resumes. The key comes from $CLARIFAI_PAT or --pat-file.`,
		Example: `  curate apply animals.jsonl --suggestions wolf.jsonl --dry-run
  curate apply animals.jsonl --suggestions wolf.jsonl --backup --log apply.log
  curate apply labels.csv --suggestions s.jsonl --concepts wolf,fox --min-score 0.7 --out labels.new.csv
  CLARIFAI_PAT=… curate apply --to clarifai://me/animals --suggestions wolf.jsonl --journal push.journal
  CLARIFAI_PAT=… curate apply animals.jsonl --to clarifai://me/animals`,
		Args: cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) > 1 {
				return flagErrorf("apply: want one SOURCE, got %d", len(args))
			}
			if len(args) == 1 {
				opts.Source = args[0]
			}
			if opts.To != "" {
				if err := checkApplyTo(opts); err != nil {
					return err
				}
				if runF != nil {
					return runF(opts)
				}
				return applyToApp(cmd.Context(), opts)
			}
			if opts.Source == "" {
				return flagErrorf("apply: missing SOURCE")
			}
			if opts.Suggestions == "" {
				return flagErrorf("apply: --suggestions FILE is required")
			}
			if opts.MinScore < 0 || opts.MinScore > 1 {
				return flagErrorf("--min-score: want a value from 0 to 1, got %v", opts.MinScore)
			}
			if opts.TopPerConcept < 0 {
				return flagErrorf("--top-per-concept: want 0 or more, got %d", opts.TopPerConcept)
			}
			if opts.Show < 0 {
				return flagErrorf("--show: want 0 or more, got %d", opts.Show)
			}
			if opts.Source == "-" && opts.Out == "" && !opts.DryRun {
				return flagErrorf("apply: reading standard input needs --out or --dry-run")
			}
			if opts.Annotator == "" {
				return flagErrorf("--annotator: must not be empty")
			}
			if runF != nil {
				return runF(opts)
			}
			return applyRun(cmd.Context(), opts)
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&opts.Suggestions, "suggestions", "", "reviewed suggestions `FILE` (.jsonl, .csv or .parquet from curate suggest)")
	fs.StringVar(&opts.Review.Decisions, "decisions", "", "decisions `FILE` from curate review (default: beside the suggestions, NAME.decisions.jsonl)")
	fs.BoolVar(&opts.Review.IncludeUnreviewed, "include-unreviewed", false, "with a review: also apply the lines nobody decided on (as without a review)")
	fs.StringVar(&opts.Out, "out", "", "write the result to `FILE` instead of replacing SOURCE")
	fs.BoolVar(&opts.Backup, "backup", false, "keep the replaced file as FILE.bak")
	fs.BoolVar(&opts.DryRun, "dry-run", false, "print what would change and write nothing")
	fs.BoolVar(&opts.Overwrite, "overwrite", false, "overwrite existing annotations of the opposite value instead of refusing")
	fs.BoolVar(&opts.AnySource, "any-source", false, "apply suggestions made from another source file")
	fs.BoolVar(&opts.Force, "force", false, "replace SOURCE (or --out) even where it has other hard links")
	fs.StringSliceVar(&opts.Concepts, "concepts", nil, "apply only these concepts (`ids or names`, comma-separated); one not in the suggestions is an error")
	fs.Float64Var(&opts.MinScore, "min-score", 0, "skip suggestions scored below `X`")
	fs.IntVar(&opts.TopPerConcept, "top-per-concept", 0, "apply at most `N` suggestions per concept, highest score first (0: all)")
	fs.StringVar(&opts.Log, "log", "", "append an audit record per change to `FILE` (JSONL)")
	fs.StringVar(&opts.Annotator, "annotator", "curate", "annotator `NAME` for the audit log and new CSV rows")
	fs.IntVar(&opts.Show, "show", 10, "list the first `N` changes and refusals")
	fs.StringVar(&opts.To, "to", "", "write to a Clarifai app `clarifai://USER_ID/APP_ID` instead of a local file")
	fs.StringVar(&opts.Journal, "journal", "", "with --to: record confirmed annotations in `FILE` and skip those already there")
	addLoadFlagsExcept(fs, &opts.Load, "relations") // apply has no use for relations
	return cmd
}

// auditRecord is one line of the --log file per written change. The
// records of a run are written and synced before the file is replaced;
// then a runRecord says whether the run's changes landed. A run without
// one did not replace the file (it was killed before the rename, or the
// rename's outcome is unknown: check the file).
type auditRecord struct {
	Time       string   `json:"time"`
	Run        string   `json:"run"`
	Annotator  string   `json:"annotator"`
	Source     string   `json:"source"`
	InputID    string   `json:"input_id"`
	ConceptID  string   `json:"concept_id"`
	Old        *float32 `json:"old"`
	New        float32  `json:"new"`
	Action     string   `json:"action"`
	Suggestion int64    `json:"suggestions_line,omitempty"`
}

// runRecord closes a run in the --log file.
type runRecord struct {
	Time      string `json:"time"`
	Run       string `json:"run"`
	Source    string `json:"source"`
	Committed bool   `json:"committed"`
	Error     string `json:"error,omitempty"`
}

func applyRun(ctx context.Context, opts *ApplyOptions) error {
	target := opts.Out
	if target == "" {
		target = opts.Source
	}
	// No output replaces an input of the same run but the source itself
	// (in place is what apply is for).
	if opts.Out != "" && !opts.DryRun {
		if sameFile(opts.Out, opts.Suggestions) {
			return fmt.Errorf("apply: --out %s is the suggestions file; name another file", opts.Out)
		}
		if opts.Log != "" && sameFile(opts.Out, opts.Log) {
			return fmt.Errorf("apply: --out %s is the audit log; name another file", opts.Out)
		}
	}
	if opts.Log != "" && !opts.DryRun && (sameFile(opts.Log, opts.Source) || sameFile(opts.Log, opts.Suggestions)) {
		return fmt.Errorf("apply: --log %s is an input of the run; name another file", opts.Log)
	}
	changes, err := loadChanges(ctx, opts.IO, opts.Suggestions, &opts.Review)
	if err != nil {
		return err
	}
	defer changes.Release()
	concepts, err := selectConcepts(opts.Concepts, changeConcepts(changes), opts.Suggestions)
	if err != nil {
		return fmt.Errorf("apply: %w", err)
	}

	var audit []writeback.Change
	wopts := writeback.Options{
		Name:          filepath.Base(opts.Source),
		ChangesName:   filepath.Base(opts.Suggestions),
		Concepts:      concepts,
		MinScore:      opts.MinScore,
		TopPerConcept: opts.TopPerConcept,
		Force:         opts.Overwrite,
		Preview:       opts.Show,
		Annotator:     opts.Annotator,
	}
	if opts.Log != "" && !opts.DryRun {
		wopts.OnChange = func(c writeback.Change) { audit = append(audit, c) }
	}

	// Take the target (lock, checks, leftovers) before reading the
	// source, so a concurrent writer waits and a changed file is caught.
	var af *atomicfile.File
	if !opts.DryRun {
		aopts := []atomicfile.Option{atomicfile.WithLock(), atomicfile.WithForce(opts.Force)}
		if opts.Backup {
			aopts = append(aopts, atomicfile.WithBackup(target+".bak"))
		}
		if af, err = atomicfile.Create(target, 0o666, aopts...); err != nil {
			return fmt.Errorf("apply: %w%s", err, forceHint(err))
		}
		defer af.Close() // removes the temporary file unless committed
		for _, n := range af.Cleaned() {
			fmt.Fprintf(opts.IO.ErrOut, "curate: removed %s, left by an interrupted run\n", n)
		}
	}
	var src io.Reader = opts.IO.In
	var size int64 = -1
	if opts.Source != "-" {
		f, err := os.Open(opts.Source)
		if err != nil {
			return err
		}
		defer f.Close()
		if st, err := f.Stat(); err == nil {
			size = st.Size()
		}
		src = f
	}
	var dst io.Writer = io.Discard
	if af != nil {
		dst = af
	}
	sum, err := writeback.Apply(ctx, src, dst, changes, wopts)
	if rec, ok := writeback.SourceOf(changes); ok && !opts.AnySource && opts.Source != "-" {
		// Checked after the pass, which fingerprints the source; a
		// foreign file usually also names unknown inputs, and this is
		// the clearer message.
		got := sum.Source
		got.Name, got.Size = opts.Source, size
		if !got.Same(rec) {
			return fmt.Errorf("apply: %s was made from %s, not from %s: --any-source applies it anyway", opts.Suggestions, rec, got)
		}
	}
	if err != nil {
		return err
	}
	inPlace := sameFile(target, opts.Source)
	printApplySummary(opts, &sum, target)
	if opts.DryRun || inPlace && sum.Written() == 0 {
		return nil // nothing changed: leave the file alone
	}
	run := fmt.Sprintf("%s-%d", opts.Now().UTC().Format("20060102T150405.000000000"), os.Getpid())
	if len(audit) > 0 {
		if err := writeAudit(opts, target, run, audit, nil); err != nil {
			return fmt.Errorf("apply: the audit log %s could not be written, so %s was left unchanged: %w", opts.Log, target, err)
		}
	}
	if err := af.Commit(); err != nil {
		if len(audit) > 0 {
			_ = writeAudit(opts, target, run, nil, err)
		}
		return fmt.Errorf("apply: %w", err)
	}
	if len(audit) > 0 {
		if err := writeAudit(opts, target, run, nil, nil); err != nil {
			return fmt.Errorf("apply: %s was written, but marking its %d change(s) committed in %s failed: %w", target, len(audit), opts.Log, err)
		}
	}
	return nil
}

// forceHint tells how to go past a refusal that --force lifts.
func forceHint(err error) string {
	if errors.Is(err, atomicfile.ErrHardLinks) {
		return "; --force replaces this name only"
	}
	return ""
}

// sameFile reports whether a and b name the same existing file.
func sameFile(a, b string) bool {
	sa, err := os.Stat(a)
	if err != nil {
		return false
	}
	sb, err := os.Stat(b)
	return err == nil && os.SameFile(sa, sb)
}

func printApplySummary(opts *ApplyOptions, sum *writeback.Summary, target string) {
	out := opts.IO.Out
	var w io.Writer = out
	var tw *tabwriter.Writer
	sep := "\t"
	if opts.IO.OutTTY {
		tw = tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
		w = tw
	}
	fmt.Fprintln(w, join(sep, "concept", "added", "updated", "present", "skipped", "refused"))
	for _, id := range sum.Concepts() {
		c := sum.PerConcept[id]
		fmt.Fprintln(w, join(sep, id, c.Added, c.Updated, c.Present, c.Skipped, c.Refused))
	}
	fmt.Fprintln(w, join(sep, "total", sum.Added, sum.Updated, sum.Present, sum.Skipped, sum.Refused))
	if tw != nil {
		tw.Flush()
	}
	verb := map[writeback.Action]string{writeback.ActionAdded: "add", writeback.ActionUpdated: "set", writeback.ActionRefused: "refused"}
	if len(sum.Preview) > 0 {
		fmt.Fprintf(out, "\nfirst %d change(s):\n", len(sum.Preview))
		for _, c := range sum.Preview {
			fmt.Fprintf(out, "  %s %s=%v on %s%s\n", verb[c.Action], c.ConceptID, c.New, c.InputID, where(c))
		}
	}
	if sum.Refused > 0 {
		fmt.Fprintf(opts.IO.ErrOut, "curate: refused %d change(s) that contradict existing annotations (--overwrite overwrites them)\n", sum.Refused)
		for _, c := range sum.Refusals {
			fmt.Fprintf(opts.IO.ErrOut, "  %s=%v on %s, which has %v%s\n", c.ConceptID, c.New, c.InputID, c.Old, where(c))
		}
	}
	switch {
	case opts.DryRun:
		fmt.Fprintf(out, "\ndry run: would write %d annotation(s) to %s; nothing written\n", sum.Written(), target)
	case sum.Written() == 0 && sameFile(target, opts.Source):
		fmt.Fprintf(out, "\nnothing to change in %s\n", target)
	default:
		fmt.Fprintf(out, "\nwrote %d annotation(s) to %s\n", sum.Written(), target)
	}
}

func where(c writeback.Change) string {
	if c.Line > 0 {
		return fmt.Sprintf(" (suggestions line %d)", c.Line)
	}
	return ""
}

func join(sep string, vals ...any) string {
	s := ""
	for i, v := range vals {
		if i > 0 {
			s += sep
		}
		s += fmt.Sprint(v)
	}
	return s
}

// writeAudit appends to --log and syncs it: one record per change of the
// run (pending until marked), or, with no changes, the record that marks
// the run committed (failed set: not committed).
func writeAudit(opts *ApplyOptions, target, run string, changes []writeback.Change, failed error) error {
	f, err := os.OpenFile(opts.Log, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o666)
	if err != nil {
		return err
	}
	defer f.Close()
	bw := bufio.NewWriter(f)
	enc := json.NewEncoder(bw)
	now := opts.Now().UTC().Format(time.RFC3339Nano)
	if changes == nil {
		rec := runRecord{Time: now, Run: run, Source: target, Committed: failed == nil}
		if failed != nil {
			rec.Error = failed.Error()
		}
		if err := enc.Encode(&rec); err != nil {
			return err
		}
	}
	for _, c := range changes {
		rec := auditRecord{Time: now, Run: run, Annotator: opts.Annotator, Source: target, InputID: c.InputID,
			ConceptID: c.ConceptID, New: c.New, Action: c.Action.String(), Suggestion: c.Line}
		if c.HadOld {
			old := c.Old
			rec.Old = &old
		}
		if err := enc.Encode(&rec); err != nil {
			return err
		}
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		return err
	}
	return f.Close()
}
