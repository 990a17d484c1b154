package dataset

import (
	"bufio"
	"flag"
	"io"
	"math/rand/v2"
	"os"
	"strconv"
	"testing"
)

// A small deterministic generator of Clarifai-shaped JSONL for the loader
// benchmarks. It will give way to internal/synth once that lands.

var (
	synthOut = flag.String("synth.out", "", "TestWriteSynthJSONL writes a generated JSONL file here")
	synthN   = flag.Int("synth.n", 1_000_000, "inputs TestWriteSynthJSONL generates")
)

var synthConcepts = []struct{ id, name string }{
	{"dog", "Dog"}, {"wolf", "Wolf"}, {"husky", "Husky"}, {"fox", "Fox"},
	{"cat", "Cat"}, {"lynx", "Lynx"}, {"grass", "Grass"}, {"snow", "Snow"},
	{"tree", "Tree"}, {"sky", "Sky"}, {"water", "Water"}, {"person", "Person"},
	{"car", "Car"}, {"road", "Road"}, {"building", "Building"},
}

// writeSynthJSONL writes n inputs, about 8 concepts each (≈400 bytes a
// line): mostly positives, some explicit negatives, some omitted values,
// metadata and a dataset id. The same seed gives the same bytes.
func writeSynthJSONL(w io.Writer, n int, seed uint64) error {
	rng := rand.New(rand.NewPCG(seed, 0x5eed))
	bw := bufio.NewWriterSize(w, 1<<20)
	var b []byte
	for i := 0; i < n; i++ {
		b = b[:0]
		id := strconv.AppendInt([]byte("in-"), int64(i), 10)
		b = append(b, `{"id":"`...)
		b = append(b, id...)
		b = append(b, `","data":{"image":{"url":"https://img.example.com/`...)
		b = append(b, id...)
		b = append(b, `.jpg"},"concepts":[`...)
		k := 6 + rng.IntN(5) // 6..10, mean 8
		start := rng.IntN(len(synthConcepts))
		for j := 0; j < k; j++ {
			c := synthConcepts[(start+j*7)%len(synthConcepts)]
			if j > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"id":"`...)
			b = append(b, c.id...)
			b = append(b, `","name":"`...)
			b = append(b, c.name...)
			b = append(b, '"')
			switch r := rng.IntN(100); {
			case r < 5: // omitted: positive by the HTTP rule
			case r < 35:
				b = append(b, `,"value":0`...)
			default:
				b = append(b, `,"value":1`...)
			}
			b = append(b, '}')
		}
		b = append(b, `],"metadata":{"split":"`...)
		if rng.IntN(10) == 0 {
			b = append(b, "val"...)
		} else {
			b = append(b, "train"...)
		}
		b = append(b, `"}},"dataset_ids":["ds-`...)
		b = strconv.AppendInt(b, int64(rng.IntN(4)), 10)
		b = append(b, "\"]}\n"...)
		if _, err := bw.Write(b); err != nil {
			return err
		}
	}
	return bw.Flush()
}

// TestWriteSynthJSONL writes the benchmark file when -synth.out is set:
//
//	go test ./dataset -run TestWriteSynthJSONL -synth.out /tmp/synth-1m.jsonl -synth.n 1000000
func TestWriteSynthJSONL(t *testing.T) {
	if *synthOut == "" {
		t.Skip("set -synth.out to write a file")
	}
	f, err := os.Create(*synthOut)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := writeSynthJSONL(f, *synthN, 1); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}
