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
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

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
	c.red = newRedactor(cfg.Key)
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
// least Throttle after a CONN_THROTTLED reply. A call that gets no reply
// within its deadline (a stalled server) is tried at most Stalls times.
type Retry struct {
	Attempts int
	Base     time.Duration
	Max      time.Duration
	Throttle time.Duration
	Stalls   int
}

// DefaultRetry is the policy unless [WithRetry] changes it.
var DefaultRetry = Retry{Attempts: 8, Base: 500 * time.Millisecond, Max: 30 * time.Second, Throttle: 5 * time.Second, Stalls: 2}

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
		if r.Stalls > 0 {
			c.retry.Stalls = r.Stalls
		}
	}
}

// Per-call deadlines by default: a cheap check, a page of a listing, a
// batch of at most 128 writes. Each is generous for its call, and short
// enough that a stalled server is noticed within a minute or two.
const (
	CheckTimeout = 15 * time.Second
	ReadTimeout  = 30 * time.Second
	WriteTimeout = 60 * time.Second
)

// WithCallTimeout bounds every RPC by d instead of the per-call defaults
// ([CheckTimeout], [ReadTimeout], [WriteTimeout]).
func WithCallTimeout(d time.Duration) Option {
	return func(c *Client) {
		if d > 0 {
			c.timeout = d
		}
	}
}

// WithNotify sets where the client says what it is waiting for: a
// stalled call and its retry, say. Calls may come from several
// goroutines; nil (the default) says nothing.
func WithNotify(f func(msg string)) Option {
	return func(c *Client) { c.notifyf = f }
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
	red     *redactor // removes the key from replies; the interceptor sends it
	limiter *rate.Limiter
	retry   Retry
	timeout time.Duration // 0: per call, see callTimeout
	perPage int
	sleep   func(ctx context.Context, d time.Duration) error
	notifyf func(string)
}

// NewClient returns a Client over api, which must add the key itself (an
// interceptor on its connection); tests pass a fake.
func NewClient(api apipb.V2Client, app App, opts ...Option) *Client {
	c := &Client{
		api: api, app: app,
		limiter: rate.NewLimiter(DefaultRate, 1),
		retry:   DefaultRetry,
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

func (c *Client) notify(format string, a ...any) {
	if c.notifyf != nil {
		c.notifyf(c.red.redact(fmt.Sprintf(format, a...)))
	}
}

// callTimeout is the deadline of one call of op.
func (c *Client) callTimeout(op string) time.Duration {
	switch {
	case c.timeout > 0:
		return c.timeout
	case op == "Check":
		return CheckTimeout
	case strings.HasPrefix(op, "Post"), strings.HasPrefix(op, "Patch"), strings.HasPrefix(op, "Delete"):
		return WriteTimeout
	}
	return ReadTimeout
}

// once makes one rate-limited call with its own deadline and turns a
// non-success reply into a *StatusError. ok lists the codes, besides
// SUCCESS, that are not errors for this call. A call that outlives its
// deadline while ctx is still live returns a *StallError (Attempts 1);
// when ctx ends, the error names op and wraps ctx.Err().
func (c *Client) once(ctx context.Context, op string, fn func(ctx context.Context) (*apipb.Status, error), ok ...apipb.StatusCode) error {
	rpc := op
	if op == "Check" {
		rpc = "ListConcepts"
	}
	if err := c.limiter.Wait(ctx); err != nil {
		return fmt.Errorf("clarifai: %s %s: %w", rpc, c.app, ctxErr(ctx, err))
	}
	d := c.callTimeout(op)
	cctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	deadline, _ := cctx.Deadline()
	st, err := fn(cctx)
	if err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("clarifai: %s %s: %w", rpc, c.app, ctx.Err())
		}
		// The deadline travels with the call (grpc-timeout), so the
		// server may be the one to give up on it a moment before we do.
		if cctx.Err() == context.DeadlineExceeded || (status.Code(err) == codes.DeadlineExceeded && time.Until(deadline) < d/10) {
			if pd, ok := ctx.Deadline(); ok && !pd.After(deadline) {
				// The caller's deadline, not the call's, ran out.
				return fmt.Errorf("clarifai: %s %s: %w", rpc, c.app, context.DeadlineExceeded)
			}
			return &StallError{Op: rpc, App: c.app, After: d, Attempts: 1}
		}
		return &rpcError{op: rpc, app: c.app, err: err, red: c.red}
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
	return &StatusError{Op: rpc, App: c.app, Code: code, Description: c.red.redact(st.GetDescription()), Details: c.red.redact(st.GetDetails())}
}

// ctxErr is ctx's error if it has one, else err (the limiter's own).
func ctxErr(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	return err
}

// retryable reports whether to try a failed call again: a transient
// failure with attempts left, or a stall with stall attempts left. It
// counts stalls in *stalls, says what it waits for, and turns the last
// stall into its final *StallError.
func (c *Client) retryable(err error, n int, stalls *int) (bool, error) {
	var se *StallError
	if errors.As(err, &se) {
		*stalls++
		if *stalls >= c.retry.Stalls || n+1 >= c.retry.Attempts {
			se.Attempts = *stalls
			return false, se
		}
		c.notify("clarifai: %s %s: no reply within %s; trying again (%d of %d)", se.Op, se.App, se.After, *stalls+1, c.retry.Stalls)
		return true, err
	}
	return transient(err) && n+1 < c.retry.Attempts, err
}

// read calls fn, retrying transient failures: reads are idempotent.
func (c *Client) read(ctx context.Context, op string, fn func(ctx context.Context) (*apipb.Status, error)) error {
	stalls := 0
	for n := 0; ; n++ {
		err := c.once(ctx, op, fn)
		if err == nil {
			return nil
		}
		again, err := c.retryable(err, n, &stalls)
		if !again {
			return err
		}
		if err := c.sleep(ctx, c.backoff(n, err)); err != nil {
			return fmt.Errorf("clarifai: %s %s: waiting to try again: %w", op, c.app, err)
		}
	}
}

// Check makes one cheap call so a wrong key or app is reported before any
// work starts.
func (c *Client) Check(ctx context.Context) error {
	return c.red.guard(c.read(ctx, "Check", func(ctx context.Context) (*apipb.Status, error) {
		r, err := c.api.ListConcepts(ctx, &apipb.ListConceptsRequest{UserAppId: c.userApp(), Page: 1, PerPage: 1})
		return r.GetStatus(), err
	}))
}
