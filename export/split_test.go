package export

import (
	"context"
	"strings"
	"testing"

	"github.com/apache/arrow/go/v15/arrow/memory"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"curate.dev/label"
)

// collect builds Labels from a world through the package's own reader path.
func collect(t testing.TB, w world, opts ...CollectOption) *Labels {
	t.Helper()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	r, err := w.opener(mem)(context.Background(), true)
	require.NoError(t, err)
	c := NewLabelCollector(opts...)
	for r.Next() {
		require.NoError(t, c.AddInputs(r.Inputs()))
		require.NoError(t, c.AddAnnotations(r.Annotations()))
	}
	require.NoError(t, r.Err())
	r.Release()
	if tt, ok := t.(*testing.T); ok {
		mem.AssertSize(tt, 0)
	}
	return c.Labels()
}

func TestParseSplit(t *testing.T) {
	for _, tc := range []struct {
		name, spec string
		want       []Fraction
		wantErr    bool
	}{
		{"three", "train=0.8,val=0.1,test=0.1", []Fraction{{"train", 0.8}, {"val", 0.1}, {"test", 0.1}}, false},
		{"spaces", " a=0.5, b=0.5", []Fraction{{"a", 0.5}, {"b", 0.5}}, false},
		{"sum", "a=0.5,b=0.4", nil, true},
		{"dup", "a=0.5,a=0.5", nil, true},
		{"slash", "a/b=1", nil, true},
		{"zero", "a=0,b=1", nil, true},
		{"no eq", "train", nil, true},
		{"percent sign", "50%=0.5,b=0.5", nil, true},
		{"upper case", "train=0.5,TRAIN=0.5", nil, true},
		{"starts with a digit", "1st=0.5,b=0.5", nil, true},
		{"dash", "hold-out=0.5,b=0.5", nil, true},
		{"underscore and digits", "fold_1=0.5,fold_2=0.5", []Fraction{{"fold_1", 0.5}, {"fold_2", 0.5}}, false},
		{"65 bytes", strings.Repeat("a", 65) + "=1", nil, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseSplit(tc.spec)
			if tc.wantErr {
				assert.ErrorIs(t, err, ErrSplitSpec)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
		})
	}
}

func TestStratify(t *testing.T) {
	for _, tc := range []struct {
		name      string
		w         world
		group     string
		sizeDelta float64 // tolerance on each split's share of inputs
	}{
		{"inputs", world{inputs: 20000, concepts: 200, positives: 4, negatives: 2, seed: 11}, "", 0.01},
		// Whole groups carry many labels at once, so the sizes drift more.
		{"groups", world{inputs: 20000, concepts: 200, positives: 4, negatives: 2, groupSize: 5, seed: 12}, "group", 0.025},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var opts []CollectOption
			if tc.group != "" {
				opts = append(opts, WithGroupField(tc.group))
			}
			l := collect(t, tc.w, opts...)
			a := Stratify(l, split3, 7)
			b := Stratify(l, split3, 7)
			c := Stratify(l, split3, 8)
			assert.Equal(t, a, b, "same seed, same split")
			assert.NotEqual(t, a, c, "another seed, another split")
			require.Len(t, a, tc.w.inputs, "every input assigned")
			for i, j := range a {
				require.True(t, j >= 0 && int(j) < len(split3), "input %d: split %d", i, j)
			}
			if tc.group != "" {
				require.NotNil(t, l.Groups)
				bySplit := map[int32]int8{}
				for i, g := range l.Groups {
					if s, ok := bySplit[g]; ok {
						assert.Equal(t, s, a[i], "group %d split apart", g)
					}
					bySplit[g] = a[i]
				}
				assert.Len(t, bySplit, tc.w.inputs/tc.w.groupSize)
			}
			strat := NewSplitReport(l, split3, a)
			random := NewSplitReport(l, split3, RandomSplit(l, split3, 7))
			t.Logf("mean |deviation|: stratified %.4f, random %.4f", strat.MeanAbsDeviation(), random.MeanAbsDeviation())
			assert.Less(t, strat.MeanAbsDeviation(), random.MeanAbsDeviation()/2)
			for j, s := range split3 {
				share := float64(strat.Inputs[j]) / float64(tc.w.inputs)
				assert.InDelta(t, s.Share, share, tc.sizeDelta, s.Name)
			}
		})
	}
}

func TestLabelsConflictAndModel(t *testing.T) {
	w := world{inputs: 400, concepts: 8, positives: 2, negatives: 2, conflictEvery: 3, modelEvery: 2, seed: 3}
	for _, keep := range []bool{false, true} {
		l := collect(t, w, WithRules(label.Rules{IncludeModels: keep}))
		want := w.truth(keep)
		ids := make([]string, l.NumInputs())
		for i := range ids {
			ids[i] = l.InputID(i)
		}
		require.Equal(t, want.ids, ids)
		vec := make([]int8, len(l.Concepts))
		conflicts := 0
		for i := range ids {
			l.Vector(i, vec)
			for c, id := range l.Concepts {
				s, ok := want.states[i][id]
				if !ok {
					s = Unknown
				}
				assert.Equal(t, int8(s), vec[c], "%s %s", ids[i], id)
			}
			l.Row(i, func(c int, s State, conflict bool) {
				if conflict {
					conflicts++
					assert.Equal(t, Unknown, s)
					assert.True(t, want.conf[i][l.Concepts[c]])
				}
			})
		}
		assert.Positive(t, conflicts)
		if !keep {
			assert.Equal(t, int64((w.inputs+1)/2), l.Excluded)
		} else {
			assert.Zero(t, l.Excluded)
		}
	}
}

func BenchmarkStratify1Mx500(b *testing.B) {
	w := world{inputs: 1_000_000, concepts: 500, positives: 4, negatives: 4, seed: 1}
	l := collectFast(w)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		Stratify(l, split3, uint64(i))
	}
}

// collectFast builds Labels straight from generated inputs through the
// annotation builder, skipping the reader (for benchmarks).
func collectFast(w world) *Labels {
	c := NewLabelCollector()
	mem := memory.NewGoAllocator()
	r, _ := w.opener(mem)(context.Background(), false)
	defer r.Release()
	for r.Next() {
		c.AddAnnotations(r.Annotations())
	}
	return c.Labels()
}
