package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"

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
	if fs.Lookup("rate") == nil {
		fs.Float64Var(&c.Rate, "rate", 0, fmt.Sprintf("at most `N` requests per second to Clarifai (0: the default, %d; negative: no limit, for a local server)", clarifai.DefaultRate))
	}
}

// dialClarifai connects to the app target names. A malformed target or an
// --insecure remote endpoint is a FlagError.
func dialClarifai(ctx context.Context, getenv func(string) string, target string, c ClarifaiFlags) (*clarifai.Client, error) {
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
	return clarifai.Dial(ctx, clarifai.Config{App: app, Key: key, Endpoint: endpoint, Insecure: c.Insecure, Options: opts})
}

// PushSummary is the outcome of pushAnnotations.
type PushSummary = clarifai.PushSummary

// pushAnnotations writes anns (labels, value 0 or 1) to the app target
// names as input-level annotations. With a journal path, confirmed
// annotations are appended there (the file is created on the first
// confirmation, so a wrong key leaves no file) and those already in it
// are skipped: rerunning an interrupted push resumes it. A progress bar
// shows on a terminal. Failed items come back in the summary and as a
// *clarifai.PushError.
func pushAnnotations(ctx context.Context, f *Factory, target string, conn ClarifaiFlags, anns []dataset.Annotation, journal string) (PushSummary, error) {
	c, err := dialClarifai(ctx, f.Getenv, target, conn)
	if err != nil {
		return PushSummary{}, err
	}
	defer c.Close()
	var opts clarifai.PushOptions
	if journal != "" {
		jf := &lazyAppend{path: journal}
		defer jf.Close()
		var r io.Reader
		if old, err := os.Open(journal); err == nil {
			defer old.Close()
			r = old
		} else if !errors.Is(err, os.ErrNotExist) {
			return PushSummary{}, err
		}
		j, err := clarifai.NewJournal(r, jf)
		if err != nil {
			return PushSummary{}, fmt.Errorf("%s: %w", journal, err)
		}
		opts.Journal = j
	}
	if f.IO.ErrTTY {
		bar := progressbar.NewOptions(len(anns),
			progressbar.OptionSetWriter(f.IO.ErrOut),
			progressbar.OptionSetDescription("pushing to "+c.App().String()),
			progressbar.OptionClearOnFinish(),
			progressbar.OptionThrottle(100_000_000),
		)
		defer bar.Close()
		opts.Progress = func(n int) { bar.Set(n) }
	}
	return c.Push(ctx, anns, opts)
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

// printPushSummary writes one line about a push.
func printPushSummary(w io.Writer, target string, s PushSummary) {
	fmt.Fprintf(w, "%s: %d annotation(s) written, %d already there, %d already in the journal, %d failed (%d requests, %d retries)\n",
		target, s.Posted, s.Present, s.Skipped, len(s.Failed), s.Requests, s.Retries)
}

// openAppSource pulls the app path names as a dataset reader. Closing the
// source stops the pull and closes the connection.
func openAppSource(ctx context.Context, ios *IOStreams, path string, o *LoadOptions, extra ...dataset.Option) (*source, error) {
	c, err := dialClarifai(ctx, o.Getenv, path, o.Clarifai)
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
	closers := []io.Closer{p, c}
	if bar != nil {
		closers = append(closers, bar)
	}
	return &source{Reader: p.Reader(append(opts, extra...)...), closers: closers}, nil
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
