package cli

import (
	"bufio"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"curate.dev/internal/synth"
)

func TestNewCmdSynth(t *testing.T) {
	def := synth.DefaultConfig()
	tests := []struct {
		name    string
		args    string
		want    func(o *SynthOptions)
		wantErr string
	}{
		{
			name: "defaults",
			args: "--out a.jsonl",
			want: func(o *SynthOptions) { o.Out = "a.jsonl"; o.Config = def },
		},
		{
			name: "bench preset",
			args: "--preset bench --inputs 1000 --out a.jsonl",
			want: func(o *SynthOptions) { o.Out = "a.jsonl"; o.Preset = "bench"; o.Config = synth.BenchConfig(1000) },
		},
		{
			name: "bench preset with overrides",
			args: "--preset bench --classes 500 --dim 512 --context-rate 0.5 --seed 3 --out a.jsonl",
			want: func(o *SynthOptions) {
				o.Out = "a.jsonl"
				o.Preset = "bench"
				o.Config = synth.BenchConfig(def.Inputs)
				o.Config.Concepts, o.Config.EmbeddingDim, o.Config.ContextRate, o.Config.Seed = 500, 512, 0.5, 3
			},
		},
		{name: "unknown preset", args: "--preset huge --out a", wantErr: "--preset"},
		{
			name: "all flags",
			args: "--seed 9 --inputs 1000 --classes 50 --contexts 16 --dim 32 --flat --positive-rate 0.5 --omitted-rate 0.2 --parent-rate 0.9 --context-prob 0.4 --context-rate 0.8 --negative-rate 0.3 --sibling-share 0.6 --conflict-rate 0.02 --model-rate 0.1 --duplicate-rate -1 --synonyms 2 --parent-only-rate 0.2 --noise-rate 0.05 --out a --relations-out r --truth-out t --csv-out c --openimages-out o",
			want: func(o *SynthOptions) {
				o.Config = synth.Config{Seed: 9, Inputs: 1000, Concepts: 50, Contexts: 16, EmbeddingDim: 32,
					PositiveRate: 0.5, OmittedRate: 0.2, ParentRate: 0.9, ContextProb: 0.4, ContextRate: 0.8, NegativeRate: 0.3,
					SiblingNegativeShare: 0.6, ConflictRate: 0.02, ModelRate: 0.1, DuplicateRate: synth.Off,
					Synonyms: 2, ParentOnlyRate: 0.2, NoiseRate: 0.05}
				o.Flat = true
				o.Out, o.RelationsOut, o.TruthOut, o.CSVOut, o.OpenImagesOut = "a", "r", "t", "c", "o"
			},
		},
		{name: "no output", args: "--inputs 5", wantErr: "nothing to write"},
		{name: "zero inputs", args: "--inputs 0 --out a", wantErr: "--inputs"},
		{name: "two classes", args: "--classes 2 --out a", wantErr: "--classes"},
		{name: "too many contexts", args: "--contexts 65 --out a", wantErr: "--contexts"},
		{name: "negative dim", args: "--dim -3 --out a", wantErr: "--dim"},
		{name: "bad rate", args: "--negative-rate 1.5 --out a", wantErr: "NegativeRate"},
		{name: "positional argument", args: "x --out a", wantErr: "unknown command"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ios, _, _, _ := Test()
			got, err := parseFlags(t, &Factory{IO: ios}, NewCmdSynth, tt.args)
			if tt.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.wantErr)
				return
			}
			require.NoError(t, err)
			want := &SynthOptions{IO: ios, Preset: "default"}
			tt.want(want)
			want.Config.WithRelations = !want.Flat
			assert.Equal(t, want, got)
		})
	}
}

func TestSynthRun(t *testing.T) {
	dir := t.TempDir()
	ios, _, out, errOut := Test()
	code := Run(context.Background(), &Factory{IO: ios}, []string{"synth", "--inputs", "50", "--dim", "4",
		"--out", filepath.Join(dir, "a.jsonl"), "--relations-out", filepath.Join(dir, "r.jsonl"), "--truth-out", "-"})
	require.Equal(t, ExitOK, code, errOut.String())
	assert.Equal(t, 50, strings.Count(out.String(), "\n"), "truth on stdout: one line per input")
	assert.Contains(t, errOut.String(), "a.jsonl")

	w, err := synth.New(synth.Config{Seed: 1, Inputs: 50, EmbeddingDim: 4, WithRelations: true})
	require.NoError(t, err)
	var want strings.Builder
	require.NoError(t, w.WriteJSONL(context.Background(), &want))
	got, err := os.ReadFile(filepath.Join(dir, "a.jsonl"))
	require.NoError(t, err)
	assert.Equal(t, want.String(), string(got))

	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	assert.Len(t, entries, 2, "no temporary files left behind")

	code = Run(context.Background(), &Factory{IO: ios}, []string{"synth", "--inputs", "5"})
	assert.Equal(t, ExitUsage, code)
}

// TestSynthExamples runs every `curate synth` command in examples/README.md
// into a temporary folder and compares the files with the committed ones,
// so the example data stays reproducible from the documented commands.
func TestSynthExamples(t *testing.T) {
	root := filepath.Join("..", "..")
	f, err := os.Open(filepath.Join(root, "examples", "README.md"))
	require.NoError(t, err)
	defer f.Close()
	dir := t.TempDir()
	var files []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		const prefix = "go run ./cmd/curate synth "
		if !strings.HasPrefix(line, prefix) {
			continue
		}
		args := strings.Fields(strings.TrimPrefix(line, "go run ./cmd/curate "))
		for i, a := range args {
			if strings.HasPrefix(a, "examples/") {
				args[i] = filepath.Join(dir, strings.TrimPrefix(a, "examples/"))
				files = append(files, strings.TrimPrefix(a, "examples/"))
			}
		}
		ios, _, _, errOut := Test()
		require.Equal(t, ExitOK, Run(context.Background(), &Factory{IO: ios}, args), "%s: %s", line, errOut)
	}
	require.NoError(t, sc.Err())
	require.Subset(t, files, []string{"animals.jsonl", "relations.jsonl", "labels.csv", "openimages.csv"})
	for _, name := range files {
		want, err := os.ReadFile(filepath.Join(root, "examples", name))
		require.NoError(t, err, name)
		got, err := os.ReadFile(filepath.Join(dir, name))
		require.NoError(t, err, name)
		assert.True(t, string(want) == string(got), "examples/%s differs from what its command in examples/README.md makes", name)
	}
}

// --concepts is kept for old scripts as a deprecated name of --classes.
func TestSynthConceptsAlias(t *testing.T) {
	ios, _, _, _ := Test()
	got, err := parseFlags(t, &Factory{IO: ios}, NewCmdSynth, "--preset bench --concepts 40 --out a.jsonl")
	require.NoError(t, err)
	assert.Equal(t, 40, got.Config.Concepts, "not the preset's count")
}
