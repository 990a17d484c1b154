package pipeline

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/io/filesystem"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/register"

	"curate.dev/dataset"
	"curate.dev/export"
)

func init() {
	register.DoFn3x1[context.Context, File, func(Shard), error](&longFn{})
	register.Emitter1[Shard]()
	register.Combiner2[[]Shard, Shard](&shardsFn{})
	beam.RegisterType(reflectTypeOf[Shard]())
}

// ManifestName is the file, written last in an export's folder, that
// lists every shard: a folder without it is not a whole export.
const ManifestName = "_manifest.json"

// Shard is one written data file of an export.
type Shard struct {
	Name string // relative to the export's folder
	Rows int64
	// Source is the dataset file the shard holds the rows of (long layout).
	Source string `json:",omitempty"`
	// Split is the split the shard's rows are in ("": no split).
	Split string `json:",omitempty"`
}

// Manifest is the content of [ManifestName].
type Manifest struct {
	Layout string
	Rows   int64
	// Concepts are the training layout's concept ids in label-vector
	// order (also in every shard's metadata); none for the long layout.
	Concepts []string `json:",omitempty"`
	Shards   []Shard
}

// ExportOptions are what `curate-beam export` writes.
type ExportOptions struct {
	Files  []File
	Load   Load
	Labels Labels // the training layout's rules
	Out    string
	// Splits divide the training layout's inputs (see [Split]); none:
	// one unsplit set.
	Splits []export.Fraction
	Seed   uint64
	// GroupField keeps the inputs whose metadata field has one value in
	// one split ("": none).
	GroupField string
}

// ExportLong adds the long layout to the pipeline: every dataset file's
// annotations, as curate reads them, in a Parquet shard of its own written
// through package export (a temporary name, then the final one), and the
// manifest once every shard is whole.
func ExportLong(s beam.Scope, opts ExportOptions) {
	s = s.Scope("export-long")
	fc := beam.Reshuffle(s, beam.CreateList(s, opts.Files))
	shards := beam.ParDo(s, &longFn{Load: opts.Load, Out: opts.Out}, fc)
	all := beam.Combine(s, &shardsFn{}, shards)
	none := beam.Create(s, []byte("null"))
	beam.ParDo0(s, &manifestFn{Out: opts.Out, Layout: "long"}, all, beam.SideInput{Input: none})
}

// longFn writes one dataset file's annotations as one Parquet shard.
type longFn struct {
	Load Load
	Out  string
}

func (f *longFn) ProcessElement(ctx context.Context, file File, emit func(Shard)) error {
	src, done, err := openSource(ctx, file.Path)
	if err != nil {
		return err
	}
	defer done()
	opts, err := f.Load.options(file.Path)
	if err != nil {
		return err
	}
	r, err := dataset.NewReader(ctx, src, append(opts, dataset.WithInputs(false), dataset.WithEmbeddingDim(-1))...)
	if err != nil {
		return err
	}
	defer r.Release()
	var b [8]byte
	rand.Read(b[:])
	name := fmt.Sprintf("part-%05d-%s.parquet", file.Rank>>32, hex.EncodeToString(b[:]))
	var rows int64
	err = WriteWhole(ctx, joinPath(f.Out, name), func(w io.Writer) error {
		var err error
		rows, err = export.WriteRecords(ctx, w, r.AnnotationReader(), export.WithFormat(export.Parquet))
		return err
	})
	if err != nil {
		return fmt.Errorf("%s: %w", file.Path, err)
	}
	emit(Shard{Name: name, Rows: rows, Source: file.Path})
	return nil
}

// shardsFn gathers the shards' names: a list of one entry per file.
type shardsFn struct{}

func (shardsFn) CreateAccumulator() []Shard             { return nil }
func (shardsFn) AddInput(a []Shard, s Shard) []Shard    { return append(a, s) }
func (shardsFn) MergeAccumulators(a, b []Shard) []Shard { return append(a, b...) }

// manifestFn writes the manifest, last and whole.
type manifestFn struct {
	Out    string
	Layout string
}

func (f *manifestFn) ProcessElement(ctx context.Context, shards []Shard, concepts []byte) error {
	shards = slices.Clone(shards)
	slices.SortFunc(shards, func(a, b Shard) int {
		if a.Name < b.Name {
			return -1
		}
		if a.Name > b.Name {
			return 1
		}
		return 0
	})
	m := Manifest{Layout: f.Layout, Shards: shards}
	if err := json.Unmarshal(concepts, &m.Concepts); err != nil {
		return err
	}
	for _, s := range shards {
		m.Rows += s.Rows
	}
	js, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	return WriteWhole(ctx, joinPath(f.Out, ManifestName), func(w io.Writer) error {
		_, err := w.Write(append(js, '\n'))
		return err
	})
}

// shardName matches the files a job writes into an export folder: its
// shards (SPLIT-HEX.parquet and part-HEX.parquet for the training layout,
// part-NNNNN-HEX.parquet for the long one, part-00000.parquet for the
// stats) and their temporary names (.NAME.tmp-HEX).
var shardName = regexp.MustCompile(`^([a-z][a-z0-9_]*-([0-9]{5}-)?[0-9a-f]{16}\.parquet|part-00000\.parquet|\..+\.tmp-[0-9a-f]{12})$`)

// PrepareOut checks the export folder before a job. A folder with a
// manifest holds an export, and one with files but no manifest a job that
// did not finish or someone else's files: both are refused unless force.
// With force the old manifest goes first (so that a job killed from then
// on leaves no manifest), then every file a job writes by name. A folder
// that holds any other file is refused, force or not.
func PrepareOut(ctx context.Context, dir string, force bool) error {
	mpath := joinPath(dir, ManifestName)
	fs, err := filesystem.New(ctx, mpath)
	if err != nil {
		return err
	}
	defer fs.Close()
	names, err := fs.List(ctx, joinPath(dir, "*"))
	if err != nil {
		return fmt.Errorf("%s: %w", dir, err)
	}
	hidden, err := fs.List(ctx, joinPath(dir, ".*"))
	if err != nil {
		return fmt.Errorf("%s: %w", dir, err)
	}
	// Some filesystems' * matches names that start with a dot, some not.
	names = append(names, hidden...)
	slices.Sort(names)
	names = slices.Compact(names)
	if len(names) == 0 {
		return nil
	}
	_, err = fs.Size(ctx, mpath)
	hasManifest := err == nil
	if hasManifest && !force {
		return fmt.Errorf("%s holds an export (%s); pass --force to replace it", dir, ManifestName)
	}
	var foreign []string
	for _, n := range names {
		if _, base := splitPath(n); !shardName.MatchString(base) && base != ManifestName {
			foreign = append(foreign, base)
		}
	}
	if len(foreign) > 0 {
		return fmt.Errorf("%s holds files a curate-beam export does not write (%s); choose another --out", dir, strings.Join(foreign[:min(len(foreign), 3)], ", "))
	}
	if !force {
		return fmt.Errorf("%s holds the shards of an export without a manifest (a job that did not finish); pass --force to replace them", dir)
	}
	rm, ok := fs.(filesystem.Remover)
	if !ok {
		return fmt.Errorf("%s: the filesystem cannot remove the old export's files", dir)
	}
	if hasManifest {
		if err := rm.Remove(ctx, mpath); err != nil {
			return err
		}
	}
	for _, n := range names {
		if _, base := splitPath(n); base != ManifestName {
			if err := rm.Remove(ctx, n); err != nil {
				return err
			}
		}
	}
	return nil
}
