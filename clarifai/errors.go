package clarifai

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"curate.dev/clarifai/apipb"
)

// Conditions callers act on; test with errors.Is.
var (
	// ErrUnauthenticated: the key was missing, unknown or lacks the scopes.
	ErrUnauthenticated = errors.New("clarifai: key rejected")
	// ErrAppNotFound: the app does not exist or the key cannot see it.
	ErrAppNotFound = errors.New("clarifai: app not found")
	// ErrThrottled: the service asked curate to slow down (CONN_THROTTLED).
	ErrThrottled = errors.New("clarifai: throttled")
	// ErrNotWritten: a push ended with annotations that were not written;
	// the [*PushError] lists them.
	ErrNotWritten = errors.New("clarifai: annotations not written")
)

// StatusError is a reply whose status code was not SUCCESS. Clarifai
// reports most failures this way with a gRPC status of OK.
type StatusError struct {
	Op          string // the RPC, e.g. "ListInputs"
	App         App
	Code        apipb.StatusCode
	Description string
	Details     string
}

func codeName(c apipb.StatusCode) string {
	if n, ok := apipb.StatusCode_name[int32(c)]; ok {
		return fmt.Sprintf("%s %d", n, int32(c))
	}
	return fmt.Sprintf("status %d", int32(c))
}

func (e *StatusError) Error() string {
	what := codeName(e.Code)
	if e.Description != "" {
		what += ": " + e.Description
	}
	if e.Details != "" {
		what += " (" + e.Details + ")"
	}
	switch {
	case isAuthCode(e.Code):
		return fmt.Sprintf("clarifai: %s: the key was rejected (%s); check %s or --pat-file", e.App, what, EnvPAT)
	case isAppCode(e.Code):
		return fmt.Sprintf("clarifai: %s: no such app, or the key cannot see it (%s); check USER_ID and APP_ID", e.App, what)
	}
	return fmt.Sprintf("clarifai: %s %s: %s", e.Op, e.App, what)
}

// Is matches [ErrUnauthenticated], [ErrAppNotFound] and [ErrThrottled].
func (e *StatusError) Is(target error) bool {
	switch target {
	case ErrUnauthenticated:
		return isAuthCode(e.Code)
	case ErrAppNotFound:
		return isAppCode(e.Code)
	case ErrThrottled:
		return e.Code == apipb.StatusCode_CONN_THROTTLED
	}
	return false
}

func isAuthCode(c apipb.StatusCode) bool {
	switch c {
	case apipb.StatusCode_CONN_TOKEN_INVALID, apipb.StatusCode_CONN_CREDENTIALS_INVALID,
		apipb.StatusCode_CONN_INSUFFICIENT_SCOPES, apipb.StatusCode_CONN_KEY_INVALID, apipb.StatusCode_CONN_KEY_NOT_FOUND:
		return true
	}
	return false
}

func isAppCode(c apipb.StatusCode) bool { return c == apipb.StatusCode_CONN_DOES_NOT_EXIST }

// transientCode reports whether a status code is worth retrying.
func transientCode(c apipb.StatusCode) bool {
	switch {
	case c == apipb.StatusCode_TRY_AGAIN, c == apipb.StatusCode_CONN_THROTTLED,
		c >= apipb.StatusCode_RPC_REQUEST_QUEUE_FULL && c <= apipb.StatusCode_RPC_REQUEST_TIMEOUT,
		c >= 98000 && c <= 98999:
		return true
	}
	return false
}

// transient reports whether err may go away on a retry.
func transient(err error) bool {
	var se *StatusError
	if errors.As(err, &se) {
		return transientCode(se.Code)
	}
	if errors.Is(err, context.Canceled) {
		return false
	}
	var re *rpcError
	if !errors.As(err, &re) {
		return false
	}
	switch status.Code(re.err) {
	case codes.Unavailable, codes.DeadlineExceeded, codes.ResourceExhausted, codes.Aborted:
		return true
	}
	return false
}

// ambiguous reports whether a failed write may have been applied: anything
// but a throttling reply (which rejects the request before it runs).
func ambiguous(err error) bool { return !errors.Is(err, ErrThrottled) }

// rpcError wraps a gRPC-level failure of op; it unwraps to the gRPC error.
type rpcError struct {
	op  string
	app App
	err error
}

func (e *rpcError) Error() string {
	st := status.Convert(e.err)
	msg := fmt.Sprintf("clarifai: %s %s: %s: %s", e.op, e.app, st.Code(), st.Message())
	if st.Code() == codes.Unauthenticated || st.Code() == codes.PermissionDenied {
		msg += "; check " + EnvPAT + " or --pat-file"
	}
	return msg
}

func (e *rpcError) Unwrap() error { return e.err }

func (e *rpcError) Is(target error) bool {
	c := status.Code(e.err)
	return target == ErrUnauthenticated && (c == codes.Unauthenticated || c == codes.PermissionDenied)
}

// scrub removes the key from text a server sent back.
func scrub(s string, key Secret) string {
	if key.Empty() || !strings.Contains(s, key.s) {
		return s
	}
	return strings.ReplaceAll(s, key.s, "[redacted]")
}

// ItemError is one annotation the service did not accept.
type ItemError struct {
	ID          string // the annotation id curate chose
	InputID     string
	ConceptID   string
	Value       float32
	Code        apipb.StatusCode
	Description string
}

func (e ItemError) String() string {
	s := fmt.Sprintf("input %s concept %s value %g (annotation %s): %s", e.InputID, e.ConceptID, e.Value, e.ID, codeName(e.Code))
	if e.Description != "" {
		s += ": " + e.Description
	}
	return s
}

// PushError lists the annotations a push could not write. It matches
// [ErrNotWritten].
type PushError struct {
	App    App
	Failed []ItemError
}

func (e *PushError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "clarifai: %s: %d annotation(s) not written", e.App, len(e.Failed))
	for i, f := range e.Failed {
		if i == 20 {
			fmt.Fprintf(&b, "\n  … and %d more", len(e.Failed)-i)
			break
		}
		b.WriteString("\n  ")
		b.WriteString(f.String())
	}
	return b.String()
}

func (e *PushError) Is(target error) bool { return target == ErrNotWritten }
