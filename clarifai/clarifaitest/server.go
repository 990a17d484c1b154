// Package clarifaitest is an in-memory Clarifai-compatible gRPC server for
// tests, benchmarks and notebooks. It serves the subset of the V2 service
// that curate uses, checks the key and the app on every call, and injects
// faults on demand: dropped requests, lost replies, throttling,
// MIXED_STATUS replies and pages cut short.
//
// It decodes requests with the wire's rules: a concept whose value is
// absent reads as 0.0, a negative, exactly as Clarifai's servers read it.
//
//	srv := clarifaitest.New("test-key")
//	app := srv.AddApp("me", "animals")
//	app.AddInput(&apipb.Input{Id: "in1", Data: …})
//	addr, stop := srv.Start(ctx) // 127.0.0.1:PORT, plain text
//	defer stop()
package clarifaitest

import (
	"context"
	"fmt"
	"net"
	"strings"
	"sync"
	"unicode"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	grpcstatus "google.golang.org/grpc/status"
	"google.golang.org/grpc/test/bufconn"

	"curate.dev/clarifai/apipb"
)

// Fault is what the server does to one call instead of serving it plainly.
type Fault int

const (
	// NoFault serves the call.
	NoFault Fault = iota
	// Drop fails the call with gRPC UNAVAILABLE before applying it.
	Drop
	// LoseReply applies a write, then fails with gRPC UNAVAILABLE, as if
	// the reply were lost (reads just fail).
	LoseReply
	// Deadline applies a write, then fails with DEADLINE_EXCEEDED.
	Deadline
	// Throttle replies CONN_THROTTLED (11005) without applying anything.
	Throttle
	// Mixed makes the first annotation of a PostAnnotations or
	// PatchAnnotations fail with ANNOTATION_INVALID_ARGUMENT, applies the
	// rest and replies MIXED_STATUS.
	Mixed
	// Transient replies RPC_SERVER_UNAVAILABLE (40031) without applying.
	Transient
	// EmptySuccess replies SUCCESS naming no item and applies nothing, as
	// a faulty proxy or service might.
	EmptySuccess
	// Stall holds the call without replying until the client gives up.
	Stall
	// EchoStatus replies FAILURE with the caller's key, upper-cased, in
	// the status description and details.
	EchoStatus
	// EchoError fails the call with a gRPC error whose message holds the
	// caller's key, in mixed case.
	EchoError
)

// Server is the fake service. Set its exported fields before serving.
type Server struct {
	apipb.UnimplementedV2Server

	// Key is the accepted key; a call must carry "authorization: Key <Key>".
	Key string
	// MaxPerPage cuts every page to at most this many items (default 1000,
	// Clarifai's limit), so a client asking for more sees short pages that
	// are not the end.
	MaxPerPage int
	// Fault, when set, picks a fault for the n-th call (1-based) of method
	// ("PostAnnotations", …). It runs with the server's lock held.
	Fault func(method string, n int) Fault
	// DuplicateStatus, when set, is the item status of a PostAnnotations
	// whose annotation id is taken (default DATABASE_DUPLICATE_KEY 40010).
	DuplicateStatus *apipb.Status
	// ZeroMergeIgnored makes a PatchAnnotations merge leave a concept's
	// value alone when the patch's value is 0.0 (absent on the wire), as
	// Clarifai's docs say a merge of a null does.
	ZeroMergeIgnored bool
	// AdjustCounts, when set, may change each GetConceptCounts entry
	// before it is sent, so tests can make the app's own counts disagree
	// with its annotations.
	AdjustCounts func(*apipb.ConceptCount)

	mu    sync.Mutex
	apps  map[[2]string]*App
	calls map[string]int
}

// New returns a server that accepts key.
func New(key string) *Server {
	return &Server{Key: key, MaxPerPage: 1000, apps: map[[2]string]*App{}, calls: map[string]int{}}
}

// AddApp creates an empty app (or returns the existing one).
func (s *Server) AddApp(userID, appID string) *App {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := [2]string{userID, appID}
	if a, ok := s.apps[k]; ok {
		return a
	}
	a := newApp(s, userID, appID)
	s.apps[k] = a
	return a
}

// Calls returns how many calls of method arrived (including refused ones).
func (s *Server) Calls(method string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[method]
}

// Register adds the service to a grpc.Server of the caller's.
func (s *Server) Register(g *grpc.Server) { apipb.RegisterV2Server(g, s) }

// Start serves on a fresh 127.0.0.1 port until stop is called or ctx ends.
// addr is HOST:PORT; connect with plain text.
func (s *Server) Start(ctx context.Context) (addr string, stop func()) {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(fmt.Sprintf("clarifaitest: listen: %v", err))
	}
	return lis.Addr().String(), s.serve(ctx, lis)
}

// Listen serves on addr, which must be a loopback address, until stop is
// called or ctx ends.
func (s *Server) Listen(ctx context.Context, addr string) (at string, stop func(), err error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return "", nil, err
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return "", nil, fmt.Errorf("clarifaitest: %s is not a loopback address", addr)
	}
	lis, err := net.Listen("tcp", addr)
	if err != nil {
		return "", nil, err
	}
	return lis.Addr().String(), s.serve(ctx, lis), nil
}

// Bufconn serves in memory. dial connects to it (pass it as a context
// dialer; any address works).
func (s *Server) Bufconn(ctx context.Context) (dial func(context.Context, string) (net.Conn, error), stop func()) {
	lis := bufconn.Listen(1 << 20)
	stop = s.serve(ctx, lis)
	return func(ctx context.Context, _ string) (net.Conn, error) { return lis.DialContext(ctx) }, stop
}

func (s *Server) serve(ctx context.Context, lis net.Listener) func() {
	g := grpc.NewServer(grpc.MaxRecvMsgSize(256 << 20))
	s.Register(g)
	go g.Serve(lis)
	var once sync.Once
	stop := func() { once.Do(g.Stop) }
	go func() {
		<-ctx.Done()
		stop()
	}()
	return stop
}

func st(code apipb.StatusCode, desc string) *apipb.Status {
	return &apipb.Status{Code: code, Description: desc}
}

// begin does what every call shares: count it, check the key and the app,
// and pick a fault. With a non-nil status the handler replies with it;
// with a non-nil error it fails the call.
func (s *Server) begin(ctx context.Context, method string, ua *apipb.UserAppIDSet) (*App, Fault, *apipb.Status, error) {
	s.calls[method]++
	n := s.calls[method]
	md, _ := metadata.FromIncomingContext(ctx)
	auth := md.Get("authorization")
	if len(auth) != 1 || auth[0] != "Key "+s.Key {
		return nil, NoFault, st(apipb.StatusCode_CONN_KEY_INVALID, "API key not found"), nil
	}
	a := s.apps[[2]string{ua.GetUserId(), ua.GetAppId()}]
	if a == nil {
		return nil, NoFault, st(apipb.StatusCode_CONN_DOES_NOT_EXIST, fmt.Sprintf("app %s/%s not found", ua.GetUserId(), ua.GetAppId())), nil
	}
	f := NoFault
	if s.Fault != nil {
		f = s.Fault(method, n)
	}
	switch f {
	case Drop:
		return nil, f, nil, grpcstatus.Error(codes.Unavailable, "clarifaitest: dropped")
	case Throttle:
		return nil, f, st(apipb.StatusCode_CONN_THROTTLED, "Making too many requests"), nil
	case Transient:
		return nil, f, st(apipb.StatusCode_RPC_SERVER_UNAVAILABLE, "server unavailable"), nil
	case EmptySuccess:
		if method[:4] == "Post" || method[:5] == "Patch" {
			return nil, f, success(), nil
		}
	case Stall:
		s.mu.Unlock()
		<-ctx.Done()
		s.mu.Lock()
		return nil, f, nil, grpcstatus.Error(codes.DeadlineExceeded, "clarifaitest: stalled")
	case EchoStatus:
		key := strings.ToUpper(strings.TrimPrefix(auth[0], "Key "))
		return nil, f, &apipb.Status{Code: apipb.StatusCode_FAILURE, Description: "request with key " + key + " failed", Details: "KEY " + key}, nil
	case EchoError:
		key := []byte(strings.TrimPrefix(auth[0], "Key "))
		for i := 0; i < len(key); i += 2 {
			key[i] = byte(unicode.ToUpper(rune(key[i])))
		}
		return nil, f, nil, grpcstatus.Errorf(codes.Internal, "backend rejected authorization %s", key)
	case LoseReply, Deadline:
		if method[:4] == "List" || method == "StreamInputs" {
			return nil, f, nil, grpcstatus.Error(codes.Unavailable, "clarifaitest: reply lost")
		}
	}
	return a, f, nil, nil
}

// lost turns an applied write into the error of a lost reply.
func lost(f Fault) error {
	switch f {
	case LoseReply:
		return grpcstatus.Error(codes.Unavailable, "clarifaitest: reply lost")
	case Deadline:
		return grpcstatus.Error(codes.DeadlineExceeded, "clarifaitest: deadline exceeded")
	}
	return nil
}

// window returns the slice bounds of a page of n items.
func (s *Server) window(n int, page, perPage uint32) (int, int) {
	pp := int(perPage)
	if pp == 0 {
		pp = 128
	}
	pp = min(pp, 1000, s.MaxPerPage)
	p := max(int(page), 1)
	lo := min((p-1)*pp, n)
	return lo, min(lo+pp, n)
}

func success() *apipb.Status { return st(apipb.StatusCode_SUCCESS, "Ok") }
