//go:build !linux

package export

import "errors"

// exchange is not available on this system: DirSink falls back to two
// renames.
func exchange(a, b string) error { return errors.ErrUnsupported }
