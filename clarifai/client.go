package clarifai

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"strings"
	"time"

	"golang.org/x/time/rate"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"

	"curate.dev/clarifai/apipb"
)

// DefaultEndpoint is Clarifai's gRPC endpoint (TLS).
const DefaultEndpoint = "api.clarifai.com:443"

// DefaultRate is the default request rate, under Clarifai's 15 requests
// per second per user.
const DefaultRate = 12

// maxRecvBytes lifts gRPC-Go's 4 MiB receive limit: a page of 1000 inputs
// with metadata can be larger.
const maxRecvBytes = 512 << 20

// Config says how to reach an app.
type Config struct {
	App App
	// Key is the personal access token (or app key).
	Key Secret
	// Endpoint is HOST:PORT (a bare HOST gets :443); "" means
	// [DefaultEndpoint]. See [ResolveEndpoint] for CLARIFAI_GRPC_BASE.
	Endpoint string
	// Insecure uses plain text. It is refused unless Endpoint is a
	// loopback address (localhost, 127.0.0.0/8, ::1).
	Insecure bool
	// Dialer, when set, makes the connection (an in-process server over
	// bufconn, say); the transport is then plain text and Endpoint only
	// names it.
	Dialer func(ctx context.Context, addr string) (net.Conn, error)
	// Options tune the client (rate, retries, page size).
	Options []Option
}

// ResolveEndpoint picks the endpoint: flag if set, else
// getenv(CLARIFAI_GRPC_BASE), else [DefaultEndpoint]. A value without a
// port gets :443; a scheme such as https:// is dropped.
func ResolveEndpoint(flag string, getenv func(string) string) string {
	e := flag
	if e == "" && getenv != nil {
		e = getenv(EnvGRPCBase)
	}
	if e == "" {
		return DefaultEndpoint
	}
	if i := strings.Index(e, "://"); i >= 0 {
		e = e[i+3:]
	}
	e = strings.TrimSuffix(e, "/")
	if _, _, err := net.SplitHostPort(e); err != nil {
		e = net.JoinHostPort(strings.Trim(e, "[]"), "443")
	}
	return e
}

// ErrInsecureRemote: plain text was asked for a non-loopback endpoint.
var ErrInsecureRemote = errors.New("clarifai: --insecure (plain text) is allowed only for loopback endpoints (localhost, 127.0.0.1, ::1); the key would cross the network unencrypted")

// IsLoopback reports whether endpoint (HOST:PORT) is a loopback address.
// Names other than "localhost" are not resolved.
func IsLoopback(endpoint string) bool {
	host, _, err := net.SplitHostPort(endpoint)
	if err != nil {
		host = endpoint
	}
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(strings.Trim(host, "[]"))
	return ip != nil && ip.IsLoopback()
}

// Dial connects to cfg.App. It does no I/O itself (grpc.NewClient connects
// lazily); the first call reports a wrong endpoint, key or app.
func Dial(ctx context.Context, cfg Config) (*Client, error) {
	if cfg.App.UserID == "" || cfg.App.AppID == "" {
		return nil, errors.New("clarifai: no app: want clarifai://USER_ID/APP_ID")
	}
	if cfg.Key.Empty() {
		return nil, ErrNoKey
	}
	endpoint := cfg.Endpoint
	if endpoint == "" {
		endpoint = DefaultEndpoint
	}
	opts := []grpc.DialOption{
		grpc.WithUnaryInterceptor(authInterceptor(cfg.Key)),
		grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(maxRecvBytes)),
	}
	target := endpoint
	switch {
	case cfg.Dialer != nil:
		target = "passthrough:///" + endpoint
		opts = append(opts, grpc.WithContextDialer(cfg.Dialer), grpc.WithTransportCredentials(insecure.NewCredentials()))
	case cfg.Insecure:
		if !IsLoopback(endpoint) {
			return nil, fmt.Errorf("%w (endpoint %s)", ErrInsecureRemote, endpoint)
		}
		opts = append(opts, grpc.WithTransportCredentials(insecure.NewCredentials()))
	default:
		opts = append(opts, grpc.WithTransportCredentials(credentials.NewTLS(&tls.Config{MinVersion: tls.VersionTLS12})))
	}
	conn, err := grpc.NewClient(target, opts...)
	if err != nil {
		return nil, fmt.Errorf("clarifai: connecting to %s: %w", endpoint, err)
	}
	c := NewClient(apipb.NewV2Client(conn), cfg.App, cfg.Options...)
	c.conn = conn
	c.key = cfg.Key
	return c, nil
}

// authInterceptor adds the key to every call. It is the only place the
// key is revealed.
func authInterceptor(key Secret) grpc.UnaryClientInterceptor {
	value := "Key " + key.Reveal()
	return func(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
		ctx = metadata.AppendToOutgoingContext(ctx, "authorization", value)
		return invoker(ctx, method, req, reply, cc, opts...)
	}
}

// Option tunes a [Client].
type Option func(*Client)

// WithRate limits requests to r per second; r <= 0 turns the limit off
// (for a local server). The default is [DefaultRate].
func WithRate(r float64) Option {
	return func(c *Client) {
		if r <= 0 {
			c.limiter = rate.NewLimiter(rate.Inf, 1)
			return
		}
		c.limiter = rate.NewLimiter(rate.Limit(r), 1)
	}
}

// Retry is the retry policy for transient failures: up to Attempts tries,
// waiting a random time up to Base·2ⁿ (capped at Max) between them, and at
// least Throttle after a CONN_THROTTLED reply.
type Retry struct {
	Attempts int
	Base     time.Duration
	Max      time.Duration
	Throttle time.Duration
}

// DefaultRetry is the policy unless [WithRetry] changes it.
var DefaultRetry = Retry{Attempts: 8, Base: 500 * time.Millisecond, Max: 30 * time.Second, Throttle: 5 * time.Second}

// WithRetry sets the retry policy; zero fields keep their defaults.
func WithRetry(r Retry) Option {
	return func(c *Client) {
		if r.Attempts > 0 {
			c.retry.Attempts = r.Attempts
		}
		if r.Base > 0 {
			c.retry.Base = r.Base
		}
		if r.Max > 0 {
			c.retry.Max = r.Max
		}
		if r.Throttle > 0 {
			c.retry.Throttle = r.Throttle
		}
	}
}

// WithCallTimeout bounds each RPC (default 2 minutes).
func WithCallTimeout(d time.Duration) Option {
	return func(c *Client) {
		if d > 0 {
			c.timeout = d
		}
	}
}

// WithPageSize sets per_page for listings (1..1000, default 1000).
func WithPageSize(n int) Option {
	return func(c *Client) {
		if n > 0 && n <= 1000 {
			c.perPage = n
		}
	}
}

// Client talks to one app. It is safe for concurrent use.
type Client struct {
	api     apipb.V2Client
	app     App
	conn    *grpc.ClientConn
	key     Secret // only to scrub replies; sent by the interceptor
	limiter *rate.Limiter
	retry   Retry
	timeout time.Duration
	perPage int
	sleep   func(ctx context.Context, d time.Duration) error
}

// NewClient returns a Client over api, which must add the key itself (an
// interceptor on its connection); tests pass a fake.
func NewClient(api apipb.V2Client, app App, opts ...Option) *Client {
	c := &Client{
		api: api, app: app,
		limiter: rate.NewLimiter(DefaultRate, 1),
		retry:   DefaultRetry,
		timeout: 2 * time.Minute,
		perPage: 1000,
		sleep:   sleepCtx,
	}
	for _, o := range opts {
		o(c)
	}
	return c
}

// App returns the app the client talks to.
func (c *Client) App() App { return c.app }

// Close closes the connection Dial made.
func (c *Client) Close() error {
	if c.conn == nil {
		return nil
	}
	return c.conn.Close()
}

func (c *Client) userApp() *apipb.UserAppIDSet {
	return &apipb.UserAppIDSet{UserId: c.app.UserID, AppId: c.app.AppID}
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// backoff returns the wait before retry n (0-based): full jitter over
// Base·2ⁿ capped at Max, and at least Throttle after throttling.
func (c *Client) backoff(n int, err error) time.Duration {
	d := c.retry.Base << min(n, 20)
	if d > c.retry.Max || d <= 0 {
		d = c.retry.Max
	}
	d = time.Duration(rand.Int64N(int64(d)) + 1)
	if errors.Is(err, ErrThrottled) && d < c.retry.Throttle {
		d = c.retry.Throttle + time.Duration(rand.Int64N(int64(c.retry.Throttle)/4+1))
	}
	return d
}

// once makes one rate-limited call with its own timeout and turns a
// non-success reply into a *StatusError. ok lists the codes, besides
// SUCCESS, that are not errors for this call.
func (c *Client) once(ctx context.Context, op string, fn func(ctx context.Context) (*apipb.Status, error), ok ...apipb.StatusCode) error {
	if err := c.limiter.Wait(ctx); err != nil {
		return err
	}
	cctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	st, err := fn(cctx)
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return &rpcError{op: op, app: c.app, err: err}
	}
	code := st.GetCode()
	if code == apipb.StatusCode_SUCCESS {
		return nil
	}
	for _, k := range ok {
		if code == k {
			return nil
		}
	}
	return &StatusError{Op: op, App: c.app, Code: code, Description: scrub(st.GetDescription(), c.key), Details: scrub(st.GetDetails(), c.key)}
}

// read calls fn, retrying transient failures: reads are idempotent.
func (c *Client) read(ctx context.Context, op string, fn func(ctx context.Context) (*apipb.Status, error)) error {
	for n := 0; ; n++ {
		err := c.once(ctx, op, fn)
		if err == nil || !transient(err) || n+1 >= c.retry.Attempts {
			return err
		}
		if err := c.sleep(ctx, c.backoff(n, err)); err != nil {
			return err
		}
	}
}

// Check makes one cheap call so a wrong key or app is reported before any
// work starts.
func (c *Client) Check(ctx context.Context) error {
	return c.read(ctx, "ListConcepts", func(ctx context.Context) (*apipb.Status, error) {
		r, err := c.api.ListConcepts(ctx, &apipb.ListConceptsRequest{UserAppId: c.userApp(), Page: 1, PerPage: 1})
		return r.GetStatus(), err
	})
}
