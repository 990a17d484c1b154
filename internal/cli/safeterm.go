package cli

import (
	"fmt"
	"io"
)

// terminalSafe writes to a terminal with control characters other than
// tab and newline shown escaped (ESC as \x1b), so an id holding a
// terminal escape sequence is printed, not obeyed.
type terminalSafe struct{ w io.Writer }

func (t terminalSafe) Write(p []byte) (int, error) {
	start := 0
	var buf []byte
	for i, c := range p {
		if (c < 0x20 && c != '\t' && c != '\n') || c == 0x7f {
			if buf == nil {
				buf = make([]byte, 0, len(p)+16)
			}
			buf = append(buf, p[start:i]...)
			buf = fmt.Appendf(buf, `\x%02x`, c)
			start = i + 1
		}
	}
	if buf == nil {
		return t.w.Write(p)
	}
	buf = append(buf, p[start:]...)
	if _, err := t.w.Write(buf); err != nil {
		return 0, err
	}
	return len(p), nil
}
