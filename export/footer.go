package export

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"fmt"
	"io"
	"reflect"
	"runtime/debug"
	"slices"
	"strings"
	"sync"

	"github.com/apache/arrow/go/v15/parquet/metadata"
)

// footerWriter passes a Parquet file through to w, holding back its last
// three writes: the Thrift footer, the footer's length and "PAR1", which
// is how v15's file writer ends a file. finish rewrites the footer
//
//   - without distinct_count: v15 sets it to 0 in every column chunk's
//     statistics without counting anything, and a reader may trust it (a
//     planner that takes 0 distinct values as an empty column);
//   - with each chunk's encodings listed in a fixed order (v15 lists them
//     in map order), so the same export gives byte-identical files.
//
// It counts what passes through (pos), so that the flat writer can
// write chunks of its own between v15's row groups, and fix, when set,
// amends the footer first (see spliceChunks).
type footerWriter struct {
	w    io.Writer
	held [3][]byte
	n    int
	pos  int64
	fix  func(*metadata.FileMetaData) error
}

func (f *footerWriter) Write(p []byte) (int, error) {
	if f.n == len(f.held) {
		if _, err := f.w.Write(f.held[0]); err != nil {
			return 0, err
		}
		first := f.held[0]
		copy(f.held[:], f.held[1:])
		f.held[len(f.held)-1] = first
		f.n--
	}
	f.held[f.n] = append(f.held[f.n][:0], p...)
	f.n++
	f.pos += int64(len(p))
	return len(p), nil
}

// finish writes what is held, with the footer rewritten when it is one.
func (f *footerWriter) finish() error {
	held := f.held[:f.n]
	if f.n == 3 && string(held[2]) == "PAR1" && len(held[1]) == 4 &&
		int(binary.LittleEndian.Uint32(held[1])) == len(held[0]) {
		if meta, err := rewriteFooter(held[0], f.fix); err == nil {
			held = [][]byte{meta, binary.LittleEndian.AppendUint32(nil, uint32(len(meta))), held[2]}
		} else {
			return fmt.Errorf("parquet footer: %w", err)
		}
	} else if f.fix != nil {
		return fmt.Errorf("parquet footer: not found where the file ends")
	}
	for _, b := range held {
		if _, err := f.w.Write(b); err != nil {
			return err
		}
	}
	f.n = 0
	return nil
}

// rewriteFooter amends a footer with fix (when not nil), then drops its
// distinct counts and orders its encodings.
func rewriteFooter(footer []byte, fix func(*metadata.FileMetaData) error) ([]byte, error) {
	md, err := metadata.NewFileMetaData(footer, nil)
	if err != nil {
		return nil, err
	}
	if fix != nil {
		if err := fix(md); err != nil {
			return nil, err
		}
	}
	for _, rg := range md.RowGroups {
		for _, cc := range rg.Columns {
			m := cc.MetaData
			if m == nil {
				continue
			}
			if m.Statistics != nil {
				m.Statistics.DistinctCount = nil
			}
			slices.Sort(m.Encodings)
			sortEncodingStats(m.EncodingStats)
		}
	}
	var buf bytes.Buffer
	if _, err := md.WriteTo(&buf, nil); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// createdBy is the created_by string of every Parquet file, in the
// "NAME version X (build Y)" form parquet-java's VersionParser expects:
// Spark and Hive ignore the min/max statistics of binary columns in a
// file whose created_by they cannot parse.
var createdBy = sync.OnceValue(func() string {
	version, build := "0.0.0-devel", "unknown"
	if bi, ok := debug.ReadBuildInfo(); ok {
		if v := strings.TrimPrefix(bi.Main.Version, "v"); v != "" && !strings.ContainsAny(v, "() ") {
			version = v
		}
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" && len(s.Value) >= 12 {
				build = s.Value[:12]
			}
		}
	}
	return fmt.Sprintf("curate version %s (build %s)", version, build)
})

// sortEncodingStats orders a chunk's encoding_stats entries by page type,
// then encoding. v15's Thrift type for them is in an internal package, so
// its fields are read by name.
func sortEncodingStats[E any](stats []E) {
	key := func(e E) (int64, int64) {
		v := reflect.ValueOf(e).Elem()
		return v.FieldByName("PageType").Int(), v.FieldByName("Encoding").Int()
	}
	slices.SortFunc(stats, func(a, b E) int {
		pa, ea := key(a)
		pb, eb := key(b)
		return cmp.Or(cmp.Compare(pa, pb), cmp.Compare(ea, eb))
	})
}
