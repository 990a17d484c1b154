package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"curate.dev/clarifai"
	"curate.dev/dataset"
	"curate.dev/internal/decompress"
)

// LoadOptions are the flags every command that reads a dataset shares.
type LoadOptions struct {
	Format       string
	StrictValues bool
	SoftValues   bool
	MaxErrors    int
	// Clarifai holds the connection flags used when the source is an app
	// (clarifai://USER_ID/APP_ID).
	Clarifai ClarifaiFlags
	// Getenv reads CLARIFAI_PAT and CLARIFAI_GRPC_BASE for an app source;
	// nil means os.Getenv.
	Getenv func(string) string
	// pass names the read in the progress bar of a command that reads
	// its source more than once ("pass 2/2"); empty for one read.
	pass string
}

// passLabel names read n (from 1) of total; total 0 means not known yet.
func passLabel(n, total int) string {
	if total > 0 {
		return fmt.Sprintf("pass %d/%d", n, total)
	}
	return fmt.Sprintf("pass %d", n)
}

// addLoadFlags registers the shared loading flags on fs.
func addLoadFlags(fs *pflag.FlagSet, o *LoadOptions) {
	fs.StringVar(&o.Format, "format-in", "auto", "input format: auto, jsonl, json, csv, openimages")
	fs.BoolVar(&o.StrictValues, "strict-values", false, "treat an omitted concept value as an error instead of Clarifai's HTTP default (positive)")
	fs.BoolVar(&o.SoftValues, "soft-values", false, "accept values between 0 and 1 (otherwise only 0 and 1)")
	fs.IntVar(&o.MaxErrors, "max-errors", 1, "collect up to `N` bad records and report them all before failing")
	addClarifaiFlags(fs, &o.Clarifai)
}

// readerOptions turns the flags into dataset options for the named source.
func (o *LoadOptions) readerOptions(name string) ([]dataset.Option, error) {
	f, ok := dataset.ParseFormat(o.Format)
	if !ok {
		return nil, flagErrorf("--format-in: unknown format %q (want auto, jsonl, json, csv or openimages)", o.Format)
	}
	if o.MaxErrors < 1 {
		return nil, flagErrorf("--max-errors: want at least 1, got %d", o.MaxErrors)
	}
	return []dataset.Option{
		dataset.WithName(name),
		dataset.WithFormat(f),
		dataset.WithStrictValues(o.StrictValues),
		dataset.WithSoftValues(o.SoftValues),
		dataset.WithMaxErrors(o.MaxErrors),
	}, nil
}

// source is an opened dataset file.
type source struct {
	*dataset.Reader
	closers []io.Closer
}

// Close releases the reader and closes the file.
func (s *source) Close() error {
	s.Reader.Release()
	var first error
	for _, c := range s.closers {
		if err := c.Close(); err != nil && first == nil {
			first = err
		}
	}
	return first
}

// openSource opens path ("-" is standard input) as a dataset reader. A
// gzip or zstd file (or standard input) is decompressed on the fly,
// recognised by its first bytes. On a terminal a progress bar on stderr
// follows the bytes read. A path clarifai://USER_ID/APP_ID pulls the app
// instead (model and workflow annotations included, marked by their
// annotator kind). Errors name the source as the user gave it.
func openSource(ctx context.Context, ios *IOStreams, path string, o *LoadOptions, extra ...dataset.Option) (*source, error) {
	if clarifai.IsAppURL(path) {
		return openAppSource(ctx, ios, path, o, extra...)
	}
	name := path
	var r io.Reader
	var closers []io.Closer
	if path == "-" {
		name = "<stdin>"
		r = ios.In
	} else {
		f, err := openFile(path, "dataset")
		if err != nil {
			return nil, err
		}
		closers = append(closers, f)
		r = f
		if ios.ErrTTY {
			if st, err := f.Stat(); err == nil && st.Size() > 8<<20 {
				bar := progressbar.NewOptions64(st.Size(),
					progressbar.OptionSetWriter(ios.ErrOut),
					progressbar.OptionShowBytes(true),
					progressbar.OptionSetDescription(progressLabel(name, o.pass)),
					progressbar.OptionClearOnFinish(),
					progressbar.OptionThrottle(100_000_000),
				)
				pr := progressbar.NewReader(f, bar)
				r = &pr
				closers = append(closers, bar)
			}
		}
	}
	r, z, err := decompress.Reader(r, name)
	if err != nil {
		closeAll(closers)
		return nil, err
	}
	if z != nil {
		closers = append([]io.Closer{z}, closers...)
	}
	opts, err := o.readerOptions(name)
	if err != nil {
		closeAll(closers)
		return nil, err
	}
	rd, err := dataset.NewReader(ctx, r, append(opts, extra...)...)
	if err != nil {
		closeAll(closers)
		return nil, explainKind(err)
	}
	return &source{Reader: rd, closers: closers}, nil
}

// openFile opens a file the user named as what ("dataset", "relations
// file"); a folder is an error that says so, with the path as given.
func openFile(path, what string) (*os.File, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err // *fs.PathError: "open PATH: no such file or directory"
	}
	if st, err := f.Stat(); err == nil && st.IsDir() {
		f.Close()
		return nil, fmt.Errorf("%s is a folder; want a %s file", path, what)
	}
	return f, nil
}

// explainKind adds what to do when a file of another kind was given as a
// dataset.
func explainKind(err error) error {
	switch {
	case errors.Is(err, dataset.ErrRelationsFile):
		return fmt.Errorf("%w; pass it with --relations FILE next to a dataset", err)
	case errors.Is(err, dataset.ErrSuggestionsFile):
		return fmt.Errorf("%w; review it, then write it back with curate apply SOURCE FILE", err)
	}
	return err
}

func closeAll(cs []io.Closer) {
	for _, c := range cs {
		c.Close()
	}
}

// requireArgs is cobra.MinimumNArgs with a FlagError.
func requireArgs(n int, what string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) < n {
			return flagErrorf("missing %s", what)
		}
		return nil
	}
}

// progressLabel is the progress bar's description for reading name.
func progressLabel(name, pass string) string {
	if pass == "" {
		return "reading " + name
	}
	return pass + ": reading " + name
}
