package label

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"curate.dev/dataset"
)

func rel(s, p, o string) dataset.Relation {
	return dataset.Relation{Subject: s, Object: o, Predicate: dataset.Predicate(p)}
}

func TestHierarchy(t *testing.T) {
	h, err := NewHierarchy([]dataset.Relation{
		rel("husky", "hyponym", "dog"),
		rel("dog", "hyponym", "canine"),
		rel("wolf", "hyponym", "canine"),
		rel("feline", "hypernym", "cat"), // cat is a kind of feline
		rel("canine", "hyponym", "animal"),
		rel("feline", "hyponym", "animal"),
		rel("puppy_dog", "synonym", "dog"),
	})
	require.NoError(t, err)

	assert.Equal(t, []string{"animal", "canine", "dog", "puppy_dog"}, h.Ancestors("husky"))
	assert.Equal(t, []string{"dog", "husky", "puppy_dog", "wolf"}, h.Descendants("canine"))
	assert.Equal(t, []string{"feline"}, h.Parents("cat"))
	assert.Equal(t, []string{"puppy_dog"}, h.Synonyms("dog"))

	tests := []struct {
		a, b              string
		related, siblings bool
	}{
		{"husky", "dog", true, false},
		{"dog", "husky", true, false},
		{"husky", "animal", true, false},
		{"husky", "puppy_dog", true, false},
		{"dog", "wolf", false, true},
		{"husky", "wolf", false, true}, // a sub-type of a sibling is still under the parent
		{"wolf", "husky", false, true},
		{"husky", "cat", false, false}, // cousins under animal only
		{"canine", "feline", false, true},
		{"husky", "toaster", false, false},
		{"toaster", "toaster", true, false},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.related, h.Related(tt.a, tt.b), "Related(%s,%s)", tt.a, tt.b)
		assert.Equal(t, tt.siblings, h.Siblings(tt.a, tt.b), "Siblings(%s,%s)", tt.a, tt.b)
	}
}

func TestHierarchyNil(t *testing.T) {
	var h *Hierarchy
	assert.False(t, h.Related("a", "b"))
	assert.True(t, h.Related("a", "a"))
	assert.False(t, h.Siblings("a", "b"))
	assert.Nil(t, h.Ancestors("a"))
	assert.False(t, h.Known("a"))
}

func TestHierarchyCycle(t *testing.T) {
	tests := []struct {
		name string
		rels []dataset.Relation
		want string
	}{
		{"loop", []dataset.Relation{rel("a", "hyponym", "b"), rel("b", "hyponym", "c"), rel("c", "hyponym", "a")}, "a -> b -> c -> a"},
		{"inverse", []dataset.Relation{rel("a", "hyponym", "b"), rel("a", "hypernym", "b")}, "a -> b -> a"},
		{"synonym parent", []dataset.Relation{rel("a", "synonym", "b"), rel("a", "hyponym", "b")}, "names the same concept"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewHierarchy(tt.rels)
			require.ErrorIs(t, err, ErrCycle)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
}
