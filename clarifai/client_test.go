package clarifai_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"curate.dev/clarifai"
	"curate.dev/clarifai/apipb"
	"curate.dev/clarifai/clarifaitest"
)

func TestParseApp(t *testing.T) {
	tests := []struct {
		in      string
		want    clarifai.App
		wantErr bool
	}{
		{in: "clarifai://me/animals", want: clarifai.App{UserID: "me", AppID: "animals"}},
		{in: "clarifai://u_1/app-2", want: clarifai.App{UserID: "u_1", AppID: "app-2"}},
		{in: "clarifai://me", wantErr: true},
		{in: "clarifai://me/", wantErr: true},
		{in: "clarifai:///app", wantErr: true},
		{in: "clarifai://me/a/b", wantErr: true},
		{in: "clarifai://me/a?x=1", wantErr: true},
		{in: "clarifai://key@me/a", wantErr: true},
		{in: "https://me/a", wantErr: true},
		{in: "data.jsonl", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := clarifai.ParseApp(tt.in)
			if tt.wantErr {
				assert.Error(t, err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
			assert.Equal(t, tt.in, got.String())
		})
	}
}

func TestResolveEndpoint(t *testing.T) {
	env := func(v string) func(string) string {
		return func(k string) string {
			if k == clarifai.EnvGRPCBase {
				return v
			}
			return ""
		}
	}
	tests := []struct {
		name, flag, env, want string
	}{
		{"default", "", "", "api.clarifai.com:443"},
		{"env host", "", "api-dev.clarifai.com", "api-dev.clarifai.com:443"},
		{"env url", "", "https://api-dev.clarifai.com/", "api-dev.clarifai.com:443"},
		{"flag wins", "127.0.0.1:9000", "api-dev.clarifai.com", "127.0.0.1:9000"},
		{"ipv6", "[::1]:9000", "", "[::1]:9000"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, clarifai.ResolveEndpoint(tt.flag, env(tt.env)))
		})
	}
}

func TestInsecureOnlyForLoopback(t *testing.T) {
	tests := []struct {
		endpoint string
		ok       bool
	}{
		{"127.0.0.1:9000", true},
		{"127.1.2.3:9000", true},
		{"localhost:9000", true},
		{"[::1]:9000", true},
		{"api.clarifai.com:443", false},
		{"10.0.0.5:18080", false},
		{"localhost.evil.com:80", false},
		{"[::ffff:8.8.8.8]:80", false},
	}
	for _, tt := range tests {
		t.Run(tt.endpoint, func(t *testing.T) {
			c, err := clarifai.Dial(context.Background(), clarifai.Config{App: testApp, Key: clarifai.NewSecret(testKey), Endpoint: tt.endpoint, Insecure: true})
			if tt.ok {
				require.NoError(t, err)
				c.Close()
				return
			}
			require.ErrorIs(t, err, clarifai.ErrInsecureRemote)
			assert.Contains(t, err.Error(), tt.endpoint)
			assert.Contains(t, err.Error(), "loopback")
			assert.NotContains(t, err.Error(), testKey)
		})
	}
}

func TestSecretNeverPrints(t *testing.T) {
	s := clarifai.NewSecret(" " + testKey + "\n")
	assert.Equal(t, testKey, s.Reveal())
	cfg := clarifai.Config{App: testApp, Key: s}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X"} {
		out := fmt.Sprintf(verb, cfg) + fmt.Sprintf(verb, s)
		assert.NotContains(t, out, testKey, verb)
		assert.NotContains(t, out, fmt.Sprintf("%x", testKey), verb)
	}
	b, err := s.MarshalText()
	require.NoError(t, err)
	assert.NotContains(t, string(b), testKey)
}

func TestLoadKey(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "pat")
	require.NoError(t, os.WriteFile(file, []byte(testKey+"\n"), 0o600))
	empty := filepath.Join(dir, "empty")
	require.NoError(t, os.WriteFile(empty, nil, 0o600))
	env := func(v string) func(string) string {
		return func(k string) string {
			if k == clarifai.EnvPAT {
				return v
			}
			return ""
		}
	}
	tests := []struct {
		name    string
		env     string
		file    string
		want    string
		wantErr error
	}{
		{name: "env", env: testKey, want: testKey},
		{name: "file wins", env: "other", file: file, want: testKey},
		{name: "none", wantErr: clarifai.ErrNoKey},
		{name: "empty file", env: testKey, file: empty},
		{name: "missing file", env: testKey, file: filepath.Join(dir, "nope")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k, err := clarifai.LoadKey(env(tt.env), tt.file)
			if tt.want == "" {
				require.Error(t, err)
				if tt.wantErr != nil {
					assert.ErrorIs(t, err, tt.wantErr)
				}
				assert.NotContains(t, err.Error(), testKey)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, k.Reveal())
		})
	}
}

func TestWrongKeyOrApp(t *testing.T) {
	srv := clarifaitest.New(testKey)
	seed(t, srv.AddApp("me", "animals"), 3)
	tests := []struct {
		name    string
		app     clarifai.App
		key     string
		wantIs  error
		wantMsg []string
	}{
		{"wrong key", testApp, "not-the-key-XYZ", clarifai.ErrUnauthenticated, []string{"key was rejected", "clarifai://me/animals", "CONN_KEY_INVALID", "CLARIFAI_PAT"}},
		{"wrong app", clarifai.App{UserID: "me", AppID: "zoo"}, testKey, clarifai.ErrAppNotFound, []string{"no such app", "clarifai://me/zoo", "CONN_DOES_NOT_EXIST"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := bufClient(t, srv, tt.app, tt.key)
			ctx := context.Background()
			check := func(err error) {
				t.Helper()
				require.Error(t, err)
				assert.ErrorIs(t, err, tt.wantIs)
				for _, m := range tt.wantMsg {
					assert.Contains(t, err.Error(), m)
				}
				assert.NotContains(t, err.Error(), testKey)
				assert.NotContains(t, err.Error(), tt.key)
			}
			check(c.Check(ctx))
			p := c.Pull(ctx, clarifai.PullOptions{})
			r := p.Reader()
			assert.False(t, r.Next())
			check(r.Err())
			r.Release()
			p.Close()
			_, err := c.Relations(ctx)
			check(err)
			before := srv.Calls("PostAnnotations")
			sum, err := c.Push(ctx, labels(10), clarifai.PushOptions{})
			check(err)
			assert.Zero(t, sum.Posted)
			assert.Equal(t, before, srv.Calls("PostAnnotations"), "a wrong key or app writes nothing")
		})
	}
	assert.Len(t, srv.AddApp("me", "animals").Annotations(), 3+1, "nothing was written")
}

func TestStatusErrorOnSuccessfulRPC(t *testing.T) {
	srv := clarifaitest.New(testKey)
	seed(t, srv.AddApp("me", "animals"), 2)
	srv.Fault = func(method string, n int) clarifaitest.Fault { return clarifaitest.Transient }
	c := bufClient(t, srv, testApp, testKey, clarifai.WithRetry(clarifai.Retry{Attempts: 3}))
	err := c.Check(context.Background())
	var se *clarifai.StatusError
	require.True(t, errors.As(err, &se), "got %v", err)
	assert.EqualValues(t, 40031, se.Code)
	assert.Equal(t, "server unavailable", se.Description)
	assert.Equal(t, 3, srv.Calls("ListConcepts"), "a transient status is retried")
	assert.True(t, strings.Contains(err.Error(), "RPC_SERVER_UNAVAILABLE"))
}

// TestAuthMetadata: Dial's interceptor is what authenticates; a client over
// a bare connection is refused by the same server.
func TestAuthMetadata(t *testing.T) {
	srv := clarifaitest.New(testKey)
	seed(t, srv.AddApp("me", "animals"), 1)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	dial, stop := srv.Bufconn(ctx)
	defer stop()
	conn, err := grpc.NewClient("passthrough:///bufnet", grpc.WithContextDialer(dial), grpc.WithTransportCredentials(insecure.NewCredentials()))
	require.NoError(t, err)
	defer conn.Close()
	bare := clarifai.NewClient(apipb.NewV2Client(conn), testApp, fast...)
	assert.ErrorIs(t, bare.Check(ctx), clarifai.ErrUnauthenticated)

	c := bufClient(t, srv, testApp, testKey)
	assert.NoError(t, c.Check(ctx))
}
