package cli

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestProgressLabel(t *testing.T) {
	assert.Equal(t, "reading a.jsonl", progressLabel("a.jsonl", ""))
	assert.Equal(t, "pass 1: reading a.jsonl", progressLabel("a.jsonl", passLabel(1, 0)), "the total not known yet")
	assert.Equal(t, "pass 2/2: reading a.jsonl", progressLabel("a.jsonl", passLabel(2, 2)))
}
