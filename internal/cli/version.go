package cli

import (
	"fmt"
	"runtime/debug"
	"strings"
)

// version describes the build: the module version (a tag for go install
// curate.dev/cmd/curate@VERSION, "(devel)" in a checkout), the commit it
// was built from and whether the tree had uncommitted changes, and the Go
// version. info nil means debug.ReadBuildInfo.
func version(info *debug.BuildInfo) string {
	if info == nil {
		var ok bool
		if info, ok = debug.ReadBuildInfo(); !ok {
			return "unknown (built without module information)"
		}
	}
	v := info.Main.Version
	if v == "" {
		v = "(devel)"
	}
	var rev, when string
	dirty := false
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.time":
			when = s.Value
		case "vcs.modified":
			dirty = s.Value == "true"
		}
	}
	var b strings.Builder
	b.WriteString(v)
	if rev != "" {
		fmt.Fprintf(&b, " commit %s", rev)
		if dirty {
			b.WriteString(" (modified)")
		}
		if when != "" {
			fmt.Fprintf(&b, " of %s", when)
		}
	}
	if info.GoVersion != "" {
		fmt.Fprintf(&b, " %s", info.GoVersion)
	}
	return b.String()
}
