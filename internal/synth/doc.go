// Package synth generates deterministic synthetic datasets with a hidden
// ground truth, for curate's examples, tests, quality measurements and
// benchmarks.
//
// A [World] is built from a [Config]. Every input has a true primary class
// (one leaf class, plus all of its ancestors in the hierarchy) and, each
// independently, some context concepts (grass, snow, indoors) that co-occur
// with anything. Everything else is false for it. Classes come in groups of
// similar but distinct classes (dog, wolf, husky, fox, coyote), and
// embeddings place the classes of one group close together and different
// groups far apart.
//
// The observed data shows only part of the truth, the way real annotation
// projects do: the primary class is labelled positive most of the time
// (sometimes with the value omitted, which Clarifai's HTTP API reads as
// positive), a parent or a context concept now and then, few explicit
// negatives (always true, mostly a sibling class of the same group: a
// husky marked "not wolf"), rare conflicts (a second annotator saying 0
// where the first said 1), a few model scores, and some inputs without any
// annotation.
//
// Three options hide the relations further, as real projects do, and are
// off by default: [Config.Synonyms] gives classes a second name (car and
// automobile, never both on one input), [Config.ParentOnlyRate] labels a
// parent instead of the class (canine rather than wolf), and
// [Config.NoiseRate] labels another class of the group instead (a wrong
// positive).
//
// # Default world
//
//	animal
//	├── canine: dog (husky), wolf, fox, coyote
//	└── feline: cat, lynx, tiger
//	vehicle: car, truck, bus
//	context: grass, snow, indoors
//
// With [Config.Concepts] > 0 the world has that many leaf classes instead,
// in groups of 3 to 8 under a group parent (g07), every four groups under a
// super-parent (s02); in groups of five or more the last class is a kind of
// the first (as husky is a kind of dog).
//
// # Determinism
//
// A world is a pure function of its Config: the same Config gives the same
// truth, the same observed inputs and byte-identical files on every
// machine. Each input draws from its own PCG stream (math/rand/v2) keyed by
// the seed and its index, so inputs can be generated in any order.
//
// # Output
//
// [World.Stream] and [World.Reader] feed observed inputs straight into a
// [dataset.Reader] (no JSON) for large benchmarks. [World.WriteJSONL]
// writes Clarifai's HTTP JSON shape, [World.WriteCSV] the long-form CSV,
// [World.WriteOpenImages] Open Images labels, [World.WriteRelations]
// Clarifai ConceptRelation JSONL and [World.WriteTruth] the hidden truth.
package synth
