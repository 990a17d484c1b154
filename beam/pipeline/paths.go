package pipeline

import (
	"crypto/rand"
	"encoding/hex"
	"path"
	"reflect"
	"strings"
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
