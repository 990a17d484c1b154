package cli

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestTerminalSafe(t *testing.T) {
	var b bytes.Buffer
	w := terminalSafe{&b}
	for _, s := range []string{"dog\t1\n", "\x1b[31mred\x1b[0m\tx\n", "bell\a del\x7f cr\r", "é ✓\n"} {
		n, err := w.Write([]byte(s))
		require.NoError(t, err)
		assert.Equal(t, len(s), n)
	}
	assert.Equal(t, "dog\t1\n\\x1b[31mred\\x1b[0m\tx\nbell\\x07 del\\x7f cr\\x0dé ✓\n", b.String())
}
