package pipeline

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"io"
	"path"
	"reflect"
	"strings"

	"github.com/apache/beam/sdks/v2/go/pkg/beam/io/filesystem"

	"curate.dev/internal/decompress"
)

// tempName returns a hidden name beside p for writing p whole: the same
// folder, so that the rename that follows stays on one filesystem.
func tempName(p string) string {
	var b [6]byte
	rand.Read(b[:])
	dir, base := splitPath(p)
	return dir + "." + base + ".tmp-" + hex.EncodeToString(b[:])
}

// splitPath splits p after its last slash, for local paths and URLs
// (gs://bucket/dir/file) alike.
func splitPath(p string) (dir, base string) {
	i := strings.LastIndex(p, "/")
	return p[:i+1], p[i+1:]
}

// joinPath joins a folder (local or a URL) and a slash-separated name.
func joinPath(dir, name string) string {
	if strings.Contains(dir, "://") {
		return strings.TrimSuffix(dir, "/") + "/" + name
	}
	return path.Join(dir, name)
}

func reflectTypeOf[T any]() reflect.Type { return reflect.TypeOf((*T)(nil)).Elem() }

// openSource opens a dataset file on any filesystem Beam registers and
// reads it as curate does: gzip and zstd recognised by their magic bytes
// and decompressed on the fly. done closes everything it opened.
func openSource(ctx context.Context, path string) (src io.Reader, done func(), err error) {
	fs, err := filesystem.New(ctx, path)
	if err != nil {
		return nil, nil, err
	}
	rc, err := fs.OpenRead(ctx, path)
	if err != nil {
		fs.Close()
		return nil, nil, err
	}
	src, z, err := decompress.Reader(rc, path)
	if err != nil {
		rc.Close()
		fs.Close()
		return nil, nil, err
	}
	return src, func() {
		if z != nil {
			z.Close()
		}
		rc.Close()
		fs.Close()
	}, nil
}
