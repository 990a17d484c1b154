package synth

import (
	"math"
	"math/rand/v2"
)

// Scales of the parts an embedding is made of. Group centroids have norm
// 1, so two groups are about 1.4 apart, while two classes of one group
// differ only by their offsets (about 0.4 apart).
const (
	offsetScale  = 0.3  // a class's offset from its group centroid
	subScale     = 0.15 // a sub-class's offset from its parent class (husky from dog)
	sceneScale   = 0.12 // noise shared by the near-duplicates of one scene
	inputScale   = 0.05 // noise of each input
	contextScale = 0.05 // nudge of each true context concept
)

// geometry holds the fixed vectors embeddings are built from.
type geometry struct {
	dim       int
	centroids [][]float32 // group -> centroid
	offsets   [][]float32 // concept index -> class offset (nil for non-classes)
	base      [][]float32 // concept index -> centroid + offset of a class
	nudges    [][]float32 // context j -> its values on dims j%nudgeStride, +nudgeStride, ...
}

// nudgeStride spreads the context nudges: context j moves only every
// nudgeStride-th dimension starting at j%nudgeStride, which keeps the
// nudge slight and cheap at high dimensions.
const nudgeStride = 8

func newGeometry(w *World, rng *rand.Rand) *geometry {
	d := w.cfg.EmbeddingDim
	g := &geometry{dim: d}
	// Group centroids: orthonormal while the dimension allows, then random
	// unit vectors (nearly orthogonal in high dimensions anyway).
	basis := make([][]float64, 0, len(w.groups))
	for range w.groups {
		v := gaussian(rng, d)
		if len(basis) < d {
			for _, b := range basis {
				dot := 0.0
				for k := range v {
					dot += v[k] * b[k]
				}
				for k := range v {
					v[k] -= dot * b[k]
				}
			}
		}
		normalize(v, 1)
		basis = append(basis, v)
		g.centroids = append(g.centroids, toFloat32(v))
	}
	g.offsets = make([][]float32, len(w.concepts))
	for _, c := range w.classes { // parents before their sub-classes: both orders are group order
		v := gaussian(rng, d)
		normalize(v, offsetScale)
		g.offsets[c] = toFloat32(v)
	}
	for _, c := range w.classes {
		if p := w.concepts[c].Parent; p != "" && w.concepts[w.index[p]].Kind == KindClass {
			v := gaussian(rng, d)
			normalize(v, subScale)
			off := g.offsets[w.index[p]]
			for k := range v {
				g.offsets[c][k] = off[k] + float32(v[k])
			}
		}
	}
	g.base = make([][]float32, len(w.concepts))
	for _, c := range w.classes {
		cen, off := g.centroids[w.concepts[c].Group], g.offsets[c]
		b := make([]float32, d)
		for k := range b {
			b[k] = cen[k] + off[k]
		}
		g.base[c] = b
	}
	for j := range w.contexts {
		n := 0
		for k := j % nudgeStride; k < d; k += nudgeStride {
			n++
		}
		v := gaussian(rng, n)
		normalize(v, contextScale)
		g.nudges = append(g.nudges, toFloat32(v))
	}
	return g
}

func gaussian(rng *rand.Rand, d int) []float64 {
	v := make([]float64, d)
	for k := range v {
		v[k] = rng.NormFloat64()
	}
	return v
}

func normalize(v []float64, norm float64) {
	s := 0.0
	for _, x := range v {
		s += x * x
	}
	if s == 0 {
		return
	}
	f := norm / math.Sqrt(s)
	for k := range v {
		v[k] *= f
	}
}

func toFloat32(v []float64) []float32 {
	out := make([]float32, len(v))
	for k, x := range v {
		out[k] = float32(x)
	}
	return out
}

// embed writes input i's embedding into dst (len dim).
func (w *World) embed(dst []float32, i int) {
	g := w.geo
	copy(dst, g.base[w.primary[i]])
	for j := range w.contexts {
		if w.ctx[i]&(1<<j) != 0 {
			k := j % nudgeStride
			for _, x := range g.nudges[j] {
				dst[k] += x
				k += nudgeStride
			}
		}
	}
	// Noise shared by the scene's near-duplicates plus noise of the input
	// itself. Uniform noise on [-1, 1) has variance 1/3: scale so each noise
	// vector has about the given norm. A 64-bit draw gives two values.
	unit := math.Sqrt(3 / float64(g.dim))
	fs := float32(sceneScale * unit / (1 << 31))
	fi := float32(inputScale * unit / (1 << 31))
	ss := mix64(w.cfg.Seed ^ saltScene ^ mix64(uint64(w.scene[i])))
	si := mix64(w.cfg.Seed ^ saltScene ^ mix64(uint64(i)|1<<63))
	for k := 0; k < len(dst); k += 2 {
		ss += golden
		si += golden
		a, b := mix64(ss), mix64(si)
		dst[k] += float32(int32(uint32(a)))*fs + float32(int32(uint32(b)))*fi
		if k+1 < len(dst) {
			dst[k+1] += float32(int32(uint32(a>>32)))*fs + float32(int32(uint32(b>>32)))*fi
		}
	}
	for k, x := range dst {
		// Four decimals: the JSON stays short and reads back to the same float32.
		r := float64(x) * 1e4
		if r < 0 {
			r -= 0.5
		} else {
			r += 0.5
		}
		dst[k] = float32(float64(int64(r)) * 1e-4) // int64(-0.4) is 0: no -0
	}
}

const golden = 0x9e3779b97f4a7c15

// mix64 is SplitMix64's finalizer: a cheap, well-mixed hash of x. Stepping
// a state by golden and mixing it is SplitMix64, a fast generator for the
// noise, which dominates the cost of high-dimension embeddings.
func mix64(z uint64) uint64 {
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}
