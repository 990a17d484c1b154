package clarifai

import (
	"errors"
	"fmt"
	"os"
	"strings"
)

// Secret holds the API key. It formats as "[redacted]" under every verb,
// so it cannot leak into an error, a log line or a journal by accident.
type Secret struct{ s string }

// NewSecret wraps a key; surrounding white space is dropped.
func NewSecret(key string) Secret { return Secret{strings.TrimSpace(key)} }

// Empty reports whether no key is set.
func (s Secret) Empty() bool { return s.s == "" }

// Reveal returns the key itself; only the auth interceptor calls it.
func (s Secret) Reveal() string { return s.s }

func (s Secret) String() string   { return "[redacted]" }
func (s Secret) GoString() string { return "clarifai.Secret{[redacted]}" }

// Format makes %v, %+v, %#v, %s, %q and %x print the redaction too.
func (s Secret) Format(f fmt.State, verb rune) { fmt.Fprint(f, "[redacted]") }

// MarshalText keeps the key out of encoded structs.
func (s Secret) MarshalText() ([]byte, error) { return []byte("[redacted]"), nil }

// EnvPAT is the environment variable holding the key.
const EnvPAT = "CLARIFAI_PAT"

// EnvGRPCBase is the environment variable that overrides the endpoint.
const EnvGRPCBase = "CLARIFAI_GRPC_BASE"

// ErrNoKey: neither CLARIFAI_PAT nor a key file gave a key.
var ErrNoKey = errors.New("clarifai: no key: set " + EnvPAT + " or pass --pat-file")

// LoadKey returns the key from patFile when it is set, else from
// getenv(CLARIFAI_PAT). Errors name the file, never its content.
func LoadKey(getenv func(string) string, patFile string) (Secret, error) {
	if patFile != "" {
		b, err := os.ReadFile(patFile)
		if err != nil {
			return Secret{}, fmt.Errorf("clarifai: reading key file: %w", err)
		}
		k := NewSecret(string(b))
		if k.Empty() {
			return Secret{}, fmt.Errorf("clarifai: key file %s is empty", patFile)
		}
		return k, nil
	}
	if getenv == nil {
		getenv = os.Getenv
	}
	k := NewSecret(getenv(EnvPAT))
	if k.Empty() {
		return Secret{}, ErrNoKey
	}
	return k, nil
}
