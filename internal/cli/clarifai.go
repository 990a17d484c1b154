package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/pflag"

	"curate.dev/clarifai"
	"curate.dev/dataset"
)

// ClarifaiFlags are the connection flags of commands that talk to a
// Clarifai app. The key itself never is a flag: it comes from
// CLARIFAI_PAT or the --pat-file.
type ClarifaiFlags struct {
	Endpoint string
	Insecure bool
	PATFile  string
	Rate     float64 // requests per second; 0: clarifai.DefaultRate; negative: no limit
	// CallTimeout bounds each call (0: the client's per-call defaults).
	CallTimeout time.Duration
}

// addClarifaiFlags registers the connection flags on fs, leaving out any
// that fs already has (addLoadFlags registers them too).
func addClarifaiFlags(fs *pflag.FlagSet, c *ClarifaiFlags) {
	if fs.Lookup("endpoint") == nil {
		fs.StringVar(&c.Endpoint, "endpoint", "", "Clarifai gRPC `HOST:PORT` (default $CLARIFAI_GRPC_BASE or api.clarifai.com:443)")
	}
	if fs.Lookup("insecure") == nil {
		fs.BoolVar(&c.Insecure, "insecure", false, "plain text instead of TLS; only for a loopback --endpoint")
	}
	if fs.Lookup("pat-file") == nil {
		fs.StringVar(&c.PATFile, "pat-file", "", "read the Clarifai key from `FILE` instead of $CLARIFAI_PAT")
	}
	if fs.Lookup("call-timeout") == nil {
		fs.DurationVar(&c.CallTimeout, "call-timeout", 0, fmt.Sprintf("wait at most `D` for the reply to one call (0: %s for a listing, %s for a batch of writes)", clarifai.ReadTimeout, clarifai.WriteTimeout))
	}
	if fs.Lookup("rate") == nil {
		fs.Float64Var(&c.Rate, "rate", 0, fmt.Sprintf("at most `N` requests per second to Clarifai (0: the default, %d; negative: no limit, for a local server)", clarifai.DefaultRate))
	}
}

// dialClarifai connects to the app target names. A malformed target or an
// --insecure remote endpoint is a FlagError. Stalled calls and their
// retries are reported on errOut (nil: not at all).
func dialClarifai(ctx context.Context, getenv func(string) string, errOut io.Writer, target string, c ClarifaiFlags) (*clarifai.Client, error) {
	app, err := clarifai.ParseApp(target)
	if err != nil {
		return nil, flagErrorf("%v", err)
	}
	if getenv == nil {
		getenv = os.Getenv
	}
	endpoint := clarifai.ResolveEndpoint(c.Endpoint, getenv)
	if c.Insecure && !clarifai.IsLoopback(endpoint) {
		return nil, flagErrorf("--insecure: %v (endpoint %s)", clarifai.ErrInsecureRemote, endpoint)
	}
	key, err := clarifai.LoadKey(getenv, c.PATFile)
	if err != nil {
		return nil, err
	}
	var opts []clarifai.Option
	switch {
	case c.Rate < 0:
		opts = append(opts, clarifai.WithRate(0)) // no limit
	case c.Rate > 0:
		opts = append(opts, clarifai.WithRate(c.Rate))
	}
	if c.CallTimeout > 0 {
		opts = append(opts, clarifai.WithCallTimeout(c.CallTimeout))
	}
	if errOut != nil {
		var mu sync.Mutex
		opts = append(opts, clarifai.WithNotify(func(msg string) {
			mu.Lock()
			defer mu.Unlock()
			fmt.Fprintln(errOut, msg)
		}))
	}
	return clarifai.Dial(ctx, clarifai.Config{App: app, Key: key, Endpoint: endpoint, Insecure: c.Insecure, Options: opts})
}

// connectClarifai dials the app and checks the key and the app with one
// cheap call, so that a wrong key or app is reported before any file is
// read.
func connectClarifai(ctx context.Context, f *Factory, target string, conn ClarifaiFlags) (*clarifai.Client, error) {
	c, err := dialClarifai(ctx, f.Getenv, f.IO.ErrOut, target, conn)
	if err != nil {
		return nil, err
	}
	if err := c.Check(ctx); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

// withTimeout bounds a whole command by d (0: no bound). done turns an
// error caused by the bound into one that says so; the error keeps
// naming the call that was waiting.
func withTimeout(ctx context.Context, d time.Duration) (context.Context, context.CancelFunc, func(error) error) {
	if d <= 0 {
		return ctx, func() {}, func(err error) error { return err }
	}
	tctx, cancel := context.WithTimeout(ctx, d)
	dl, _ := tctx.Deadline()
	return tctx, cancel, func(err error) error {
		// (The server may report the deadline a moment before our timer.)
		if err != nil && errors.Is(err, context.DeadlineExceeded) && (tctx.Err() == context.DeadlineExceeded || time.Until(dl) < 50*time.Millisecond) && ctx.Err() == nil {
			return &exitError{Code: ExitError, Err: fmt.Errorf("--timeout %s reached: %w", d, err)}
		}
		return err
	}
}

// PushSummary is the outcome of pushLabels.
type PushSummary = clarifai.PushSummary

// pushRequest says how pushLabels writes.
type pushRequest struct {
	Journal   string
	Overwrite bool
	DryRun    bool
	// Report, when set, sees every label settled against the app.
	Report func(clarifai.Result)
}

// pushLabels writes anns (labels, value 0 or 1) to the app c talks to,
// reading what the app holds first (see clarifai.Client.Push). With a
// journal path, confirmed labels are appended there (the file is created
// on the first confirmation, so a wrong key leaves no file) and those
// already in it are skipped: rerunning an interrupted push resumes it. A
// torn last line, left by a kill mid-write, is cut off first. A progress
// bar shows on a terminal.
func pushLabels(ctx context.Context, f *Factory, c *clarifai.Client, anns []dataset.Annotation, req pushRequest) (PushSummary, error) {
	opts := clarifai.PushOptions{Overwrite: req.Overwrite, DryRun: req.DryRun, Report: req.Report}
	if req.Journal != "" {
		j, err := openJournal(f.IO.ErrOut, req.Journal, req.DryRun)
		if err != nil {
			return PushSummary{}, err
		}
		if !req.DryRun {
			jf := &lazyAppend{path: req.Journal}
			defer jf.Close()
			j.AppendTo(jf)
		}
		opts.Journal = j
	}
	if f.IO.ErrTTY {
		what := "pushing to "
		if req.DryRun {
			what = "reading "
		}
		bar := progressbar.NewOptions(len(anns),
			progressbar.OptionSetWriter(f.IO.ErrOut),
			progressbar.OptionSetDescription(what+c.App().String()),
			progressbar.OptionSetItsString("labels"),
			progressbar.OptionShowIts(),
			progressbar.OptionShowCount(),
			progressbar.OptionClearOnFinish(),
			progressbar.OptionThrottle(100_000_000),
		)
		defer bar.Close()
		bar.RenderBlank() // show it before the first batch settles
		opts.Progress = func(n int) { bar.Set(n) }
	}
	return c.Push(ctx, anns, opts)
}

// openJournal reads the journal at path (none yet is fine). A torn last
// line is cut off the file, unless dryRun, so that the next entry starts
// on a line of its own.
func openJournal(errOut io.Writer, path string, dryRun bool) (*clarifai.Journal, error) {
	old, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return clarifai.NewJournal(nil, nil)
	}
	if err != nil {
		return nil, err
	}
	defer old.Close()
	j, err := clarifai.NewJournal(old, nil)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if j.Torn() && !dryRun {
		if err := os.Truncate(path, j.Good()); err != nil {
			return nil, fmt.Errorf("%s: cutting off a torn last line: %w", path, err)
		}
		fmt.Fprintf(errOut, "%s: cut off a torn last line (left by an interrupted push); its label is settled by reading the app\n", path)
	}
	return j, nil
}

// lazyAppend opens its file for appending on the first write.
type lazyAppend struct {
	path string
	mu   sync.Mutex
	f    *os.File
}

func (l *lazyAppend) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.f == nil {
		f, err := os.OpenFile(l.path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
		if err != nil {
			return 0, err
		}
		l.f = f
	}
	return l.f.Write(p)
}

func (l *lazyAppend) Sync() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.f == nil {
		return nil
	}
	return l.f.Sync()
}

func (l *lazyAppend) Close() error {
	if l.f == nil {
		return nil
	}
	return l.f.Close()
}

// openAppSource pulls the app path names as a dataset reader. Closing the
// source stops the pull and closes the connection.
func openAppSource(ctx context.Context, ios *IOStreams, path string, o *LoadOptions, extra ...dataset.Option) (*source, error) {
	c, err := dialClarifai(ctx, o.Getenv, ios.ErrOut, path, o.Clarifai)
	if err != nil {
		return nil, err
	}
	if err := c.Check(ctx); err != nil {
		c.Close()
		return nil, err
	}
	var popts clarifai.PullOptions
	popts.IncludeModels = true
	var bar *progressbar.ProgressBar
	if ios.ErrTTY {
		bar = pullBar(ios, path)
		popts.Progress = func(n int64) { bar.Set64(n) }
	}
	p := c.Pull(ctx, popts)
	opts := []dataset.Option{dataset.WithName(path), dataset.WithMaxErrors(max(o.MaxErrors, 1))}
	closers := []io.Closer{closerFunc(func() error { crossCheckCounts(ctx, ios.ErrOut, path, c, p); return nil }), p, c}
	if bar != nil {
		closers = append(closers, bar)
	}
	return &source{Reader: p.Reader(append(opts, extra...)...), closers: closers}, nil
}

// crossCheckCounts compares, after a complete pull, the labels curate
// read per concept with the app's own counts (GetConceptCounts) and
// warns on errOut about each concept that differs. A service without the
// method is not checked.
func crossCheckCounts(ctx context.Context, errOut io.Writer, app string, c *clarifai.Client, p *clarifai.Puller) {
	if !p.Done() {
		return
	}
	counts, err := c.ConceptCounts(ctx)
	if errors.Is(err, clarifai.ErrNoCounts) {
		return
	}
	if err != nil {
		fmt.Fprintf(errOut, "curate: warning: %s: could not read the app's own counts to cross-check: %v\n", app, err)
		return
	}
	diff := clarifai.CompareCounts(counts, p.ConceptCounts())
	if len(diff) == 0 {
		return
	}
	fmt.Fprintf(errOut, "curate: warning: %s: for %d concept(s) the labels read differ from the app's own counts (GetConceptCounts): inputs with 1.0 / with 0.0\n", app, len(diff))
	for i, d := range diff {
		if i == 10 {
			fmt.Fprintf(errOut, "  … and %d more\n", len(diff)-i)
			break
		}
		fmt.Fprintf(errOut, "  %s: the app counts %d / %d, curate read %d / %d\n", d.ID, d.App.Positive, d.App.Negative, d.PulledPos, d.PulledNeg)
	}
}

func pullBar(ios *IOStreams, what string) *progressbar.ProgressBar {
	return progressbar.NewOptions64(-1,
		progressbar.OptionSetWriter(ios.ErrOut),
		progressbar.OptionSetDescription("pulling "+what),
		progressbar.OptionSetItsString("inputs"),
		progressbar.OptionShowIts(),
		progressbar.OptionShowCount(),
		progressbar.OptionClearOnFinish(),
		progressbar.OptionThrottle(100_000_000),
	)
}

type closerFunc func() error

func (f closerFunc) Close() error { return f() }
