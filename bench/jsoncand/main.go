// Command jsoncand times candidate JSON decoders on the curate JSONL shape:
// the first 200k lines of a file, each decoded into the reference
// decoder's structs (valyala/fastjson: parsed and walked), on one core.
// It is its own module so that curate does not depend on the candidates.
//
//	cd bench/jsoncand && go run . /tmp/synth-1m.jsonl
package main

import (
	"bufio"
	stdjson "encoding/json"
	"fmt"
	"os"
	"syscall"
	"time"

	"github.com/bytedance/sonic"
	gojson "github.com/goccy/go-json"
	segjson "github.com/segmentio/encoding/json"
	"github.com/valyala/fastjson"
)

type jsonInput struct {
	ID         string             `json:"id"`
	Data       *jsonData          `json:"data"`
	DatasetIDs []string           `json:"dataset_ids"`
	Status     stdjson.RawMessage `json:"status"`
}
type jsonData struct {
	Image *struct {
		URL string `json:"url"`
	} `json:"image"`
	Concepts []struct {
		ID    *string            `json:"id"`
		Name  string             `json:"name"`
		Value stdjson.RawMessage `json:"value"`
	} `json:"concepts"`
	Metadata stdjson.RawMessage `json:"metadata"`
}

func main() {
	path, n := os.Args[1], 200000
	f, _ := os.Open(path)
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<26)
	var lines [][]byte
	size := 0
	for sc.Scan() && len(lines) < n {
		lines = append(lines, append([]byte(nil), sc.Bytes()...))
		size += len(sc.Bytes()) + 1
	}
	run := func(name string, fn func([]byte) int) {
		cpu := func() time.Duration {
			var ru syscall.Rusage
			syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
			return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
		}
		t, c := time.Now(), cpu()
		anns := 0
		for _, l := range lines {
			anns += fn(l)
		}
		d, dc := time.Since(t), cpu()-c
		fmt.Printf("%-22s wall %7.1f ms  cpu %7.1f ms  %6.1f MB/s of CPU  %d annotations\n", name, float64(d.Microseconds())/1000, float64(dc.Microseconds())/1000, float64(size)/dc.Seconds()/1e6, anns)
	}
	struc := func(un func([]byte, any) error) func([]byte) int {
		return func(l []byte) int {
			var j jsonInput
			if err := un(l, &j); err != nil {
				panic(err)
			}
			return len(j.Data.Concepts)
		}
	}
	run("encoding/json", struc(stdjson.Unmarshal))
	run("goccy/go-json", struc(gojson.Unmarshal))
	run("segmentio/encoding", struc(segjson.Unmarshal))
	run("bytedance/sonic", struc(sonic.Unmarshal))
	var p fastjson.Parser
	run("valyala/fastjson", func(l []byte) int {
		v, err := p.ParseBytes(l)
		if err != nil {
			panic(err)
		}
		n := 0
		for _, c := range v.GetArray("data", "concepts") {
			_ = c.GetStringBytes("id")
			n++
		}
		return n
	})
	run("line scan only", func(l []byte) int { return 0 })
}
