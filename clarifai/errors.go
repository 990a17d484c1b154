package clarifai

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

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
	// ErrConflict: the app holds the opposite value for labels a push was
	// asked to write, and it was not asked to overwrite them; the
	// [*PushError] lists them.
	ErrConflict = errors.New("clarifai: labels conflict with the app's")
	// ErrStalled: the server took a call but sent no reply within the
	// call's deadline; the [*StallError] names the call.
	ErrStalled = errors.New("clarifai: server stalled")
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
	red *redactor
}

func (e *rpcError) Error() string {
	st := status.Convert(e.err)
	msg := fmt.Sprintf("clarifai: %s %s: %s: %s", e.op, e.app, st.Code(), e.red.redact(st.Message()))
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

// StallError: op was sent but no reply came within After, and the retries
// allowed for a stall were used up. It matches [ErrStalled].
type StallError struct {
	Op       string
	App      App
	After    time.Duration
	Attempts int
}

func (e *StallError) Error() string {
	return fmt.Sprintf("clarifai: %s %s: no reply within %s (%d attempt(s)): the server accepted the call but does not answer", e.Op, e.App, e.After, e.Attempts)
}

func (e *StallError) Is(target error) bool { return target == ErrStalled }

// redactor removes the key from text, whatever its case: a server may
// echo the key back in an error message, upper-cased or not.
type redactor struct{ re *regexp.Regexp }

func newRedactor(key Secret) *redactor {
	if key.Empty() {
		return nil
	}
	return &redactor{re: regexp.MustCompile("(?i)" + regexp.QuoteMeta(key.s))}
}

// redact returns s without the key. A nil redactor returns s.
func (r *redactor) redact(s string) string {
	if r == nil {
		return s
	}
	return r.re.ReplaceAllLiteralString(s, "[redacted]")
}

// redactedError is the last guard on every error the client returns: its
// message has the key removed; errors.Is and errors.As see the cause.
type redactedError struct {
	err error
	red *redactor
}

func (e *redactedError) Error() string { return e.red.redact(e.err.Error()) }
func (e *redactedError) Unwrap() error { return e.err }

// guard wraps err so that its message can never carry the key.
func (r *redactor) guard(err error) error {
	if err == nil || r == nil {
		return err
	}
	var re *redactedError
	if errors.As(err, &re) {
		return err
	}
	return &redactedError{err: err, red: r}
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

// PushError lists the labels a push did not write: those the service
// refused or that could not be confirmed (Failed), and those refused
// because the app holds the opposite value (Conflicts). It matches
// [ErrNotWritten] when Failed is not empty and [ErrConflict] when
// Conflicts is not.
type PushError struct {
	App       App
	Failed    []ItemError
	Conflicts []Result
}

// maxListed is how many failures and conflicts an error message lists.
const maxListed = 20

func (e *PushError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "clarifai: %s:", e.App)
	if len(e.Failed) > 0 {
		fmt.Fprintf(&b, " %d label(s) not written", len(e.Failed))
		if len(e.Conflicts) > 0 {
			b.WriteString(";")
		}
	}
	if len(e.Conflicts) > 0 {
		fmt.Fprintf(&b, " %d label(s) refused: the app holds the opposite value (--overwrite patches them)", len(e.Conflicts))
	}
	for i, f := range e.Failed {
		if i == maxListed {
			fmt.Fprintf(&b, "\n  … and %d more not written", len(e.Failed)-i)
			break
		}
		b.WriteString("\n  ")
		b.WriteString(f.String())
	}
	for i, c := range e.Conflicts {
		if i == maxListed {
			fmt.Fprintf(&b, "\n  … and %d more conflicts", len(e.Conflicts)-i)
			break
		}
		b.WriteString("\n  conflict: ")
		b.WriteString(c.String())
	}
	return b.String()
}

func (e *PushError) Is(target error) bool {
	return (target == ErrNotWritten && len(e.Failed) > 0) || (target == ErrConflict && len(e.Conflicts) > 0)
}
