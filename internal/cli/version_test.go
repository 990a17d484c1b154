package cli

import (
	"context"
	"runtime/debug"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestVersion(t *testing.T) {
	tests := []struct {
		name string
		info debug.BuildInfo
		want string
	}{
		{name: "tagged", info: debug.BuildInfo{GoVersion: "go1.23.4", Main: debug.Module{Version: "v0.3.0"},
			Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: "0db7983abc"}, {Key: "vcs.time", Value: "2026-12-01T09:00:00Z"}, {Key: "vcs.modified", Value: "false"}}},
			want: "v0.3.0 commit 0db7983abc of 2026-12-01T09:00:00Z go1.23.4"},
		{name: "checkout with changes", info: debug.BuildInfo{GoVersion: "go1.23.4", Main: debug.Module{Version: "(devel)"},
			Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: "0db7983abc"}, {Key: "vcs.modified", Value: "true"}}},
			want: "(devel) commit 0db7983abc (modified) go1.23.4"},
		{name: "no vcs", info: debug.BuildInfo{GoVersion: "go1.23.4"}, want: "(devel) go1.23.4"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, version(&tt.info))
		})
	}
}

func TestVersionFlag(t *testing.T) {
	ios, _, out, errOut := Test()
	code := Run(context.Background(), &Factory{IO: ios}, []string{"--version"})
	assert.Equal(t, ExitOK, code, errOut.String())
	assert.Equal(t, "curate "+version(nil)+"\n", out.String())
}
