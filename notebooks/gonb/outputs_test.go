package gonb

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "write each code cell's displays and stdout into the notebook's outputs")

// nbFile is an .ipynb file with its cells' fields in the order Jupyter
// writes them (alphabetical), so rewriting a notebook keeps diffs small.
type nbFile struct {
	Cells         []nbCell        `json:"cells"`
	Metadata      json.RawMessage `json:"metadata"`
	NBFormat      int             `json:"nbformat"`
	NBFormatMinor int             `json:"nbformat_minor"`
}

type nbCell struct {
	CellType       string          `json:"cell_type"`
	ExecutionCount *int            `json:"execution_count,omitempty"`
	Metadata       json.RawMessage `json:"metadata"`
	Outputs        *[]nbOutput     `json:"outputs,omitempty"`
	Source         json.RawMessage `json:"source"`
}

type nbOutput struct {
	Data       map[string][]string `json:"data,omitempty"`
	Metadata   *struct{}           `json:"metadata,omitempty"`
	Name       string              `json:"name,omitempty"`
	OutputType string              `json:"output_type"`
	Text       []string            `json:"text,omitempty"`
}

// lines splits s the way Jupyter stores multi-line strings: each line
// keeps its "\n".
func lines(s string) []string {
	parts := strings.SplitAfter(s, "\n")
	if parts[len(parts)-1] == "" {
		parts = parts[:len(parts)-1]
	}
	return parts
}

// withOutputs returns the notebook raw with each code cell's outputs in
// the order the cell produced them (stretches of stdout as stdout streams,
// displays as display_data), and every code cell numbered in order. Cells
// that printed and showed nothing get no outputs.
func withOutputs(raw []byte, res []cellResult) ([]byte, error) {
	var nb nbFile
	if err := json.Unmarshal(raw, &nb); err != nil {
		return nil, err
	}
	byIndex := map[int]cellResult{}
	for _, r := range res {
		byIndex[r.Index] = r
	}
	n := 0
	for i := range nb.Cells {
		c := &nb.Cells[i]
		if c.CellType != "code" {
			continue
		}
		if c.Metadata == nil {
			c.Metadata = json.RawMessage("{}")
		}
		n++
		count := n
		c.ExecutionCount = &count
		outs := []nbOutput{}
		r := byIndex[i]
		for _, o := range r.Outputs {
			if d := o.Display; d != nil {
				outs = append(outs, nbOutput{Data: map[string][]string{d.Mime: lines(d.Data)}, Metadata: &struct{}{}, OutputType: "display_data"})
				continue
			}
			outs = append(outs, nbOutput{Name: "stdout", OutputType: "stream", Text: lines(o.Stdout)})
		}
		c.Outputs = &outs
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", " ")
	if err := enc.Encode(nb); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// writeOutputs rewrites the notebook at path with the outputs of res.
func writeOutputs(path string, res []cellResult) error {
	raw, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	out, err := withOutputs(raw, res)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return os.WriteFile(path, out, 0o644)
}

func TestWithOutputs(t *testing.T) {
	raw := []byte(`{"cells":[
 {"cell_type":"markdown","metadata":{},"source":["# <b>title</b>"]},
 {"cell_type":"code","metadata":{},"source":["!*true"],"execution_count":null,"outputs":[]},
 {"cell_type":"code","metadata":{"x":1},"source":["%%\n","fmt.Println(1)"],"execution_count":null,"outputs":[{"output_type":"stream","name":"stdout","text":["stale\n"]}]}
],"metadata":{"kernelspec":{"name":"gonb"}},"nbformat":4,"nbformat_minor":4}`)
	var ran cellResult
	ran.Index, ran.Ran = 2, true
	require.NoError(t, ran.addProgramOutput("a\nb\n\x1egonbui "+`{"mime":"text/html","data":"<p>x</p>\n<p>&amp;</p>"}`+"\nc"))
	res := []cellResult{{Index: 1}, ran}
	out, err := withOutputs(raw, res)
	require.NoError(t, err)

	var nb map[string]any
	require.NoError(t, json.Unmarshal(out, &nb))
	cells := nb["cells"].([]any)
	require.Len(t, cells, 3)
	md := cells[0].(map[string]any)
	assert.NotContains(t, md, "outputs", "markdown cells get no outputs")
	assert.Equal(t, []any{"# <b>title</b>"}, md["source"])
	first := cells[1].(map[string]any)
	assert.Equal(t, []any{}, first["outputs"], "a cell that showed nothing has no outputs")
	assert.EqualValues(t, 1, first["execution_count"])
	second := cells[2].(map[string]any)
	assert.EqualValues(t, 2, second["execution_count"])
	assert.Equal(t, map[string]any{"x": float64(1)}, second["metadata"])
	assert.Equal(t, []any{
		map[string]any{"name": "stdout", "output_type": "stream", "text": []any{"a\n", "b\n"}},
		map[string]any{"data": map[string]any{"text/html": []any{"<p>x</p>\n", "<p>&amp;</p>"}}, "metadata": map[string]any{}, "output_type": "display_data"},
		map[string]any{"name": "stdout", "output_type": "stream", "text": []any{"c"}},
	}, second["outputs"], "stale outputs are replaced, in program order")
	assert.Contains(t, string(out), `"<p>x</p>\n"`, "HTML is not escaped")
	assert.Equal(t, map[string]any{"kernelspec": map[string]any{"name": "gonb"}}, nb["metadata"])

	again, err := withOutputs(out, res)
	require.NoError(t, err)
	assert.Equal(t, string(out), string(again), "rewriting is idempotent")
}
