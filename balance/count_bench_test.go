package balance_test

import (
	"fmt"
	"math/rand/v2"
	"syscall"
	"testing"
	"time"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/memory"

	"curate.dev/balance"
	"curate.dev/dataset"
	"curate.dev/label"
)

// benchBatches builds annotation records for inputs inputs with about
// perInput annotations each over 40 concepts, in batches of about 64k rows
// like the loaders make. With shuffle the rows of an input are spread over
// the whole stream, as in an unsorted CSV file.
func benchBatches(b *testing.B, inputs, perInput int, shuffle bool) []arrow.Record {
	b.Helper()
	rng := rand.New(rand.NewPCG(7, 11))
	concepts := make([]string, 40)
	for i := range concepts {
		concepts[i] = fmt.Sprintf("concept-%02d", i)
	}
	rows := make([]dataset.Annotation, 0, inputs*perInput)
	for i := range inputs {
		id := fmt.Sprintf("in-%07d", i)
		first := rng.IntN(len(concepts))
		for j := range perInput {
			v := float32(0)
			if j < 2 {
				v = 1
			}
			src := dataset.ValueExplicit
			if rng.IntN(16) == 0 {
				src, v = dataset.ValueHTTPDefault, 1
			}
			c := concepts[(first+j*7)%len(concepts)]
			rows = append(rows, dataset.Annotation{InputID: id, ConceptID: c, ConceptName: c, Value: v, Source: src})
		}
	}
	if shuffle {
		rng.Shuffle(len(rows), func(i, j int) { rows[i], rows[j] = rows[j], rows[i] })
	}
	bld := dataset.NewAnnotationBuilder(memory.DefaultAllocator)
	defer bld.Release()
	var recs []arrow.Record
	for i := range rows {
		bld.Append(&rows[i])
		if bld.Len() == dataset.DefaultBatchSize {
			recs = append(recs, bld.NewRecord())
		}
	}
	if bld.Len() > 0 {
		recs = append(recs, bld.NewRecord())
	}
	return recs
}

// BenchmarkCounter counts 100k inputs with 800k annotations: grouped as
// JSON sources give them, scattered as an unsorted CSV does, and with a
// hierarchy over the concepts.
func BenchmarkCounter(b *testing.B) {
	h, err := label.NewHierarchy(func() []dataset.Relation {
		var rels []dataset.Relation
		for i := 8; i < 40; i++ { // 32 leaves under 8 parents
			rels = append(rels, dataset.Relation{Subject: fmt.Sprintf("concept-%02d", i), Object: fmt.Sprintf("concept-%02d", i%8), Predicate: dataset.Hyponym})
		}
		return rels
	}())
	if err != nil {
		b.Fatal(err)
	}
	for _, bc := range []struct {
		name    string
		shuffle bool
		opts    []balance.Option
	}{
		{"grouped", false, nil},
		{"scattered", true, nil},
		{"grouped-relations", false, []balance.Option{balance.WithHierarchy(h)}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			recs := benchBatches(b, 100_000, 8, bc.shuffle)
			defer func() {
				for _, r := range recs {
					r.Release()
				}
			}()
			b.ReportAllocs()
			b.ResetTimer()
			cpu0 := cpuTime()
			for range b.N {
				c := balance.NewCounter(bc.opts...)
				for _, r := range recs {
					if err := c.Add(r); err != nil {
						b.Fatal(err)
					}
				}
				rep, err := c.Report()
				if err != nil {
					b.Fatal(err)
				}
				if rep.Summary.Annotations != 800_000 {
					b.Fatalf("counted %d annotations", rep.Summary.Annotations)
				}
			}
			b.StopTimer()
			// CPU time, unlike wall time, hardly depends on what else the
			// shared machine runs.
			b.ReportMetric(float64((cpuTime()-cpu0).Nanoseconds())/float64(b.N), "cpu-ns/op")
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/800_000, "ns/annotation")
		})
	}
}

// cpuTime returns the process's user plus system CPU time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
