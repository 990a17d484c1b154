package balance

import (
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestNaturalCompare(t *testing.T) {
	tests := []struct {
		name string
		in   []string
		want []string
	}{
		{name: "numbers in names", in: []string{"Context 10", "Context 4", "Context 1"}, want: []string{"Context 1", "Context 4", "Context 10"}},
		{name: "several runs", in: []string{"g10-c2", "g2-c10", "g2-c9"}, want: []string{"g2-c9", "g2-c10", "g10-c2"}},
		{name: "leading zeros", in: []string{"ctx-10", "ctx-04", "ctx-4", "ctx-004"}, want: []string{"ctx-004", "ctx-04", "ctx-4", "ctx-10"}},
		{name: "prefix first", in: []string{"dog2", "dog", "do"}, want: []string{"do", "dog", "dog2"}},
		{name: "text as bytes", in: []string{"b", "B", "a1", "a"}, want: []string{"B", "a", "a1", "b"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := slices.Clone(tt.in)
			slices.SortFunc(got, naturalCompare)
			assert.Equal(t, tt.want, got)
			for _, a := range tt.in {
				assert.Zero(t, naturalCompare(a, a))
				for _, b := range tt.in {
					assert.Equal(t, -naturalCompare(b, a), naturalCompare(a, b), "%q %q antisymmetric", a, b)
				}
			}
		})
	}
}
