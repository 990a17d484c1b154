package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"curate.dev/clarifai"
)

// PushOptions are the flags of `curate push`.
type PushOptions struct {
	IO        *IOStreams
	Factory   *Factory
	Target    string
	Source    string
	Load      LoadOptions
	Journal   string
	Overwrite bool
	DryRun    bool
	Show      int
	Timeout   time.Duration
}

// NewCmdPush builds `curate push`. runF replaces pushRun in tests.
func NewCmdPush(f *Factory, runF func(*PushOptions) error) *cobra.Command {
	opts := &PushOptions{IO: f.IO, Factory: f}
	cmd := &cobra.Command{
		Use:   "push clarifai://USER_ID/APP_ID SOURCE [flags]",
		Short: "Write a local file's labels to a Clarifai app",
		Long: `push writes the human labels of SOURCE (any file curate reads) to a Clarifai
app. Model and workflow scores are not pushed.

The key and the app are checked before SOURCE is read. Then, batch by batch,
push reads what the app already holds for those inputs and settles each label:

  present    the app holds the same value (under any annotation id, also one
             made in the Portal or by another user): nothing is written;
  new        posted as an input-level annotation, the value explicit, with an
             id derived from input, concept and value, so a rerun never
             duplicates;
  conflict   the app holds the opposite value: refused, nothing written, and
             listed with the app's value, annotation id and annotator; the
             exit status is 1. With --overwrite the app's annotation is
             patched (PatchAnnotations, action merge, the value explicit) and
             read back to confirm (a 0.0 is not on the gRPC wire: where the
             merge changed nothing, the negative is posted and then the
             positive removed); a patch of another user's annotation says so.

Where SOURCE gives one input and concept both 1 and 0, neither is written: each
is present if the app holds it, else refused. A label counts as written only
when the reply names it or a listing finds it. --dry-run reads the app and
prints the three groups without writing (exit status 0). With
--journal an interrupted push resumes where it stopped. Each call has its own
deadline (--call-timeout); --timeout bounds the whole push. Failed labels are
listed with their status code and the exit status is 1. The closing summary
adds up: posted + present + conflicts + failed = labels.

The key comes from $CLARIFAI_PAT or --pat-file.`,
		Example: `  CLARIFAI_PAT=… curate push clarifai://me/animals labels.jsonl --dry-run
  CLARIFAI_PAT=… curate push clarifai://me/animals labels.jsonl --journal push.journal
  CLARIFAI_PAT=… curate push clarifai://me/animals labels.jsonl --overwrite --timeout 30m
  curate push clarifai://me/animals labels.jsonl --endpoint 127.0.0.1:50051 --insecure`,
		Args: requireArgs(2, "the app (clarifai://USER_ID/APP_ID) and SOURCE"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) > 2 {
				return flagErrorf("push: want an app and one SOURCE, got %d arguments", len(args))
			}
			opts.Target, opts.Source = args[0], args[1]
			if _, err := clarifai.ParseApp(opts.Target); err != nil {
				return flagErrorf("%v", err)
			}
			if clarifai.IsAppURL(opts.Source) {
				return flagErrorf("push: SOURCE must be a local file, got %s", opts.Source)
			}
			if opts.Show < 0 {
				return flagErrorf("--show: want 0 or more, got %d", opts.Show)
			}
			if opts.Timeout < 0 {
				return flagErrorf("--timeout: want 0 (none) or more, got %s", opts.Timeout)
			}
			if runF != nil {
				return runF(opts)
			}
			return pushRun(cmd.Context(), opts)
		},
	}
	fs := cmd.Flags()
	// Only labels (0 and 1) are pushed, and relations are not: neither
	// flag has a use here.
	addLoadFlagsExcept(fs, &opts.Load, "relations", "soft-values")
	addPushFlags(fs, &opts.Journal, &opts.DryRun, &opts.Show, &opts.Timeout)
	fs.BoolVar(&opts.Overwrite, "overwrite", false, "patch the app's annotations that hold the opposite value instead of refusing")
	return cmd
}

// addLoadFlagsExcept registers the shared loading flags on fs, leaving out
// those named: a command does not accept a flag it has no use for.
func addLoadFlagsExcept(fs *pflag.FlagSet, o *LoadOptions, names ...string) {
	all := pflag.NewFlagSet("load", pflag.ContinueOnError)
	addLoadFlags(all, o)
	all.VisitAll(func(fl *pflag.Flag) {
		if !slices.Contains(names, fl.Name) && fs.Lookup(fl.Name) == nil {
			fs.AddFlag(fl)
		}
	})
}

// addPushFlags registers the flags push and apply --to share (apply has
// its own --dry-run and --show).
func addPushFlags(fs *pflag.FlagSet, journal *string, dryRun *bool, show *int, timeout *time.Duration) {
	fs.StringVar(journal, "journal", "", "record confirmed labels in `FILE` and skip those already there")
	if fs.Lookup("dry-run") == nil {
		fs.BoolVar(dryRun, "dry-run", false, "read the app and print what would be posted, what is present and the conflicts; write nothing")
	}
	if fs.Lookup("show") == nil {
		fs.IntVar(show, "show", 10, "with --dry-run, list the first `N` new and present labels (conflicts are all listed)")
	}
	fs.DurationVar(timeout, "timeout", 0, "give up after `D` in all (0: no limit)")
}

func pushRun(ctx context.Context, opts *PushOptions) error {
	ctx, cancel, timedOut := withTimeout(ctx, opts.Timeout)
	defer cancel()
	c, err := connectClarifai(ctx, opts.Factory, opts.Target, opts.Load.Clarifai)
	if err != nil {
		return timedOut(err)
	}
	defer c.Close()
	labels, models, err := readLabels(ctx, opts.IO, opts.Source, &opts.Load)
	if err != nil {
		return timedOut(err)
	}
	if models > 0 {
		fmt.Fprintf(opts.IO.ErrOut, "%s: %d model and workflow score(s) not pushed\n", opts.Source, models)
	}
	t := newPushTally(opts.Show)
	sum, err := pushLabels(ctx, opts.Factory, c, labels, pushRequest{Journal: opts.Journal, Overwrite: opts.Overwrite, DryRun: opts.DryRun, Report: t.add})
	return timedOut(finishPush(opts.IO, opts.Target, sum, t, err, opts.DryRun, opts.Overwrite, "--overwrite"))
}

// pushTally keeps what the closing report of a push shows.
type pushTally struct {
	show       int
	perConcept map[string]*[3]int // new or posted, present, conflicts
	examples   [2][]clarifai.Result
}

func newPushTally(show int) *pushTally {
	return &pushTally{show: show, perConcept: map[string]*[3]int{}}
}

func (t *pushTally) add(r clarifai.Result) {
	g := -1
	switch r.Outcome {
	case clarifai.OutcomeNew, clarifai.OutcomePosted:
		g = 0
	case clarifai.OutcomePresent:
		g = 1
	case clarifai.OutcomeRefused, clarifai.OutcomeOverwritten:
		g = 2
	}
	if g < 0 {
		return
	}
	n := t.perConcept[r.ConceptID]
	if n == nil {
		n = &[3]int{}
		t.perConcept[r.ConceptID] = n
	}
	n[g]++
	if g < 2 && len(t.examples[g]) < t.show {
		t.examples[g] = append(t.examples[g], r)
	}
}

// finishPush prints the outcome of a push, every conflict and failure
// included, and turns a push that left labels unwritten into exit status
// 1 with a short message (the details are printed above it).
// overwriteFlag names the flag that overwrites conflicts.
func finishPush(ios *IOStreams, target string, sum PushSummary, t *pushTally, err error, dryRun, overwrite bool, overwriteFlag string) error {
	var pe *clarifai.PushError
	isPush := errors.As(err, &pe)
	if err != nil && !isPush {
		if sum.Requested > 0 && (sum.Posted+sum.Present+len(sum.Conflicts)+len(sum.Failed)) > 0 {
			printPushSummary(ios.ErrOut, target, sum, dryRun)
		}
		return err
	}
	if dryRun {
		printPushPlan(ios.Out, target, sum, t, overwrite, overwriteFlag)
	} else {
		for _, r := range sum.Conflicts {
			verb := "conflict, refused"
			if r.Outcome == clarifai.OutcomeOverwritten {
				verb = "overwritten"
			}
			fmt.Fprintf(ios.ErrOut, "  %s: %s\n", verb, r)
		}
	}
	for _, f := range sum.Failed {
		fmt.Fprintf(ios.ErrOut, "  failed: %s\n", f)
	}
	printPushSummary(ios.ErrOut, target, sum, dryRun)
	if !isPush {
		return nil
	}
	var parts []string
	if n := len(pe.Failed); n > 0 {
		parts = append(parts, fmt.Sprintf("%d label(s) not written", n))
	}
	both := 0
	for _, r := range pe.Conflicts {
		if r.Both {
			both++
		}
	}
	if n := len(pe.Conflicts) - both; n > 0 {
		parts = append(parts, fmt.Sprintf("%d conflict(s) refused: the app holds the opposite value (%s patches them)", n, overwriteFlag))
	}
	if both > 0 {
		parts = append(parts, fmt.Sprintf("%d label(s) refused: the labels give their input and concept both 1 and 0", both))
	}
	return &exitError{Code: ExitError, Err: fmt.Errorf("%s: %s", target, strings.Join(parts, "; "))}
}

// printPushSummary writes the closing line of a push. Its numbers add
// up: posted (or new) + present + conflicts + failed = labels.
func printPushSummary(w io.Writer, target string, s PushSummary, dryRun bool) {
	first := fmt.Sprintf("%d posted", s.Posted)
	if dryRun {
		first = fmt.Sprintf("%d new", s.New)
	}
	journal := ""
	if s.Skipped > 0 {
		journal = fmt.Sprintf(" (%d known from the journal)", s.Skipped)
	}
	conflicts := fmt.Sprintf("%d conflict(s) (%d overwritten, %d refused)", len(s.Conflicts), s.Overwritten, s.Refused())
	if dryRun {
		conflicts = fmt.Sprintf("%d conflict(s)", len(s.Conflicts))
	}
	fmt.Fprintf(w, "%s: %d label(s): %s, %d present%s, %s, %d failed; %d write request(s), %d listing(s), %d retries\n",
		target, s.Requested, first, s.Present+s.Skipped, journal, conflicts, len(s.Failed), s.Requests, s.Reads, s.Retries)
}

// printPushPlan is a push's --dry-run: the three groups, per concept and
// by example, and every conflict.
func printPushPlan(w io.Writer, target string, sum PushSummary, t *pushTally, overwrite bool, overwriteFlag string) {
	fmt.Fprintf(w, "dry run: %d label(s) for %s: %d new, %d present, %d conflict(s); nothing written\n",
		sum.Requested, target, sum.New, sum.Present+sum.Skipped, len(sum.Conflicts))
	ids := make([]string, 0, len(t.perConcept))
	for id := range t.perConcept {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "concept\tnew\tpresent\tconflicts")
	for _, id := range ids {
		n := t.perConcept[id]
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\n", id, n[0], n[1], n[2])
	}
	tw.Flush()
	for g, title := range []string{"new", "present"} {
		if len(t.examples[g]) == 0 {
			continue
		}
		fmt.Fprintf(w, "%s (first %d):\n", title, len(t.examples[g]))
		for _, r := range t.examples[g] {
			fmt.Fprintf(w, "  %s\n", r)
		}
	}
	if len(sum.Conflicts) > 0 {
		what := "refused; " + overwriteFlag + " patches them"
		if overwrite {
			what = "would be patched"
		}
		fmt.Fprintf(w, "conflicts (%s):\n", what)
		for _, r := range sum.Conflicts {
			fmt.Fprintf(w, "  %s\n", r)
		}
	}
}
