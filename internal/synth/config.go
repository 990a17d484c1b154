package synth

import (
	"errors"
	"fmt"
)

// Off turns a rate off. A rate of 0 in a [Config] means "use the default";
// set it to Off for none at all.
const Off = -1.0

// Config describes a world. Zero values mean the defaults listed on each
// field; [DefaultConfig] spells them out.
type Config struct {
	// Seed selects the world; the same Config always gives the same world.
	Seed uint64
	// Inputs is the number of inputs (default 200).
	Inputs int
	// Concepts is the number of leaf classes. 0 means the default world
	// (dog, wolf, husky, fox, coyote, cat, lynx, tiger, car, truck, bus).
	Concepts int
	// Contexts is the number of context concepts that co-occur with any
	// class (default 3: grass, snow, indoors; at most 64).
	Contexts int
	// EmbeddingDim is the length of each input's embedding; 0 means none.
	EmbeddingDim int
	// WithRelations gives the world hierarchy parents (canine, animal, ...):
	// they are true with their children, sometimes observed, and returned
	// by [World.Relations]. Without it the world is flat: classes still come
	// in similar groups, but no parent concepts exist, and a sub-class such
	// as husky is a class of its own rather than a kind of dog.
	WithRelations bool
	// Synonyms is how many classes also go by a second name (default 0):
	// automobile for car, lorry for truck, kitty for cat and hound for dog
	// in the default world, "<class>-alt" in generated ones. An observed
	// positive for such a class uses either name, half the time each, and
	// never both; [World.Relations] marks the two synonyms, in flat worlds
	// too.
	Synonyms int

	// PositiveRate is the probability that an input's primary class is
	// observed as a positive (default 0.85).
	PositiveRate float64
	// OmittedRate is the probability that an observed positive omits its
	// value, which Clarifai's HTTP API reads as 1 (default 0.1).
	OmittedRate float64
	// ParentRate is the probability that each true ancestor of the primary
	// class is observed as a positive (default 0.15).
	ParentRate float64
	// ParentOnlyRate is the probability that an observed positive for the
	// primary class names its direct parent instead (canine rather than
	// wolf, dog rather than husky), as annotators who label at a coarser
	// level do (default 0). Flat worlds have no parents.
	ParentOnlyRate float64
	// NoiseRate is the probability that an observed positive for the
	// primary class names another class of its group instead: a wrong
	// positive (default 0).
	NoiseRate float64
	// ContextProb is the probability that each context concept is true for
	// an input (default 0.25).
	ContextProb float64
	// ContextRate is the probability that a true context concept is
	// observed as a positive (default 0.4).
	ContextRate float64
	// NegativeRate is the probability that an input carries an explicit
	// negative (default 0.1). Negatives are always true.
	NegativeRate float64
	// SiblingNegativeShare is the share of explicit negatives that name a
	// class of the primary class's own group (default 0.8); the rest name
	// any other false concept.
	SiblingNegativeShare float64
	// ConflictRate is the probability that a second annotator marks the
	// primary class 0 where the first marked it 1 (default 0.01). These
	// conflicting negatives and NoiseRate's wrong positives are the only
	// untrue labels in a world.
	ConflictRate float64
	// ModelRate is the probability that an input carries a model
	// annotation with scores for its primary class and a sibling
	// (default 0.02).
	ModelRate float64
	// DuplicateRate is the probability that an input is a near-duplicate
	// of the one before it: the same scene (group_key metadata), truth and,
	// nearly, embedding (default 0.15).
	DuplicateRate float64
}

// DefaultConfig returns the defaults: the default world of 200 inputs
// with hierarchy relations and no embeddings.
func DefaultConfig() Config {
	return Config{
		Seed:                 1,
		Inputs:               200,
		Contexts:             3,
		WithRelations:        true,
		PositiveRate:         0.85,
		OmittedRate:          0.1,
		ParentRate:           0.15,
		ContextProb:          0.25,
		ContextRate:          0.4,
		NegativeRate:         0.1,
		SiblingNegativeShare: 0.8,
		ConflictRate:         0.01,
		ModelRate:            0.02,
		DuplicateRate:        0.15,
	}
}

// BenchConfig returns the shape of curate's benchmark files: 50 classes
// (64 concepts with parents) and 16 context concepts, labelled densely
// enough for about 8 annotations per input, like a real app whose inputs
// carry several concepts each.
func BenchConfig(inputs int) Config {
	c := DefaultConfig()
	c.Inputs = inputs
	c.Concepts = 50
	c.Contexts = 16
	c.ParentRate = 0.9
	c.ContextProb = 0.4
	c.ContextRate = 0.8
	return c
}

// ErrConfig is wrapped by every error about a bad Config.
var ErrConfig = errors.New("synth: bad config")

// Validate reports whether [New] would accept c; the error wraps
// [ErrConfig] and names the field.
func (c Config) Validate() error {
	_, err := c.normalize()
	return err
}

// normalize fills defaults and checks ranges.
func (c Config) normalize() (Config, error) {
	d := DefaultConfig()
	if c.Inputs == 0 {
		c.Inputs = d.Inputs
	}
	if c.Contexts == 0 {
		c.Contexts = d.Contexts
	}
	switch {
	case c.Inputs < 0:
		return c, fmt.Errorf("%w: Inputs: want at least 0, got %d", ErrConfig, c.Inputs)
	case c.Concepts < 0:
		return c, fmt.Errorf("%w: Concepts: want at least 0, got %d", ErrConfig, c.Concepts)
	case c.Concepts > 0 && c.Concepts < 3:
		return c, fmt.Errorf("%w: Concepts: want 0 (default world) or at least 3, got %d", ErrConfig, c.Concepts)
	case c.Concepts > 1_000_000:
		return c, fmt.Errorf("%w: Concepts: want at most 1000000, got %d", ErrConfig, c.Concepts)
	case c.Contexts < 0 || c.Contexts > 64:
		return c, fmt.Errorf("%w: Contexts: want 0 to 64, got %d", ErrConfig, c.Contexts)
	case c.Synonyms < 0:
		return c, fmt.Errorf("%w: Synonyms: want at least 0, got %d", ErrConfig, c.Synonyms)
	case c.EmbeddingDim < 0:
		return c, fmt.Errorf("%w: EmbeddingDim: want at least 0, got %d", ErrConfig, c.EmbeddingDim)
	case c.Inputs > 1<<31-1:
		return c, fmt.Errorf("%w: Inputs: too many (%d)", ErrConfig, c.Inputs)
	}
	rates := []struct {
		name string
		p    *float64
		def  float64
	}{
		{"PositiveRate", &c.PositiveRate, d.PositiveRate},
		{"OmittedRate", &c.OmittedRate, d.OmittedRate},
		{"ParentRate", &c.ParentRate, d.ParentRate},
		{"ParentOnlyRate", &c.ParentOnlyRate, d.ParentOnlyRate},
		{"NoiseRate", &c.NoiseRate, d.NoiseRate},
		{"ContextProb", &c.ContextProb, d.ContextProb},
		{"ContextRate", &c.ContextRate, d.ContextRate},
		{"NegativeRate", &c.NegativeRate, d.NegativeRate},
		{"SiblingNegativeShare", &c.SiblingNegativeShare, d.SiblingNegativeShare},
		{"ConflictRate", &c.ConflictRate, d.ConflictRate},
		{"ModelRate", &c.ModelRate, d.ModelRate},
		{"DuplicateRate", &c.DuplicateRate, d.DuplicateRate},
	}
	for _, r := range rates {
		switch {
		case *r.p == 0:
			*r.p = r.def
		case *r.p == Off:
			*r.p = 0
		case *r.p < 0 || *r.p > 1 || *r.p != *r.p:
			return c, fmt.Errorf("%w: %s: want a probability from 0 to 1 (or synth.Off), got %v", ErrConfig, r.name, *r.p)
		}
	}
	return c, nil
}
