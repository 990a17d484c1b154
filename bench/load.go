package main

import (
	"context"
	"encoding/json"
	"io"
	"os"
	"runtime"

	"github.com/apache/arrow/go/v15/arrow/memory"

	"curate.dev/dataset"
)

// curateLoad materialises the file as in-memory Arrow tables, as a notebook
// does, and prints the annotation rows and the bytes Arrow holds.
func curateLoad(args []string) error {
	f, err := os.Open(args[0])
	if err != nil {
		return err
	}
	defer f.Close()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	r, err := dataset.NewReader(context.Background(), f, dataset.WithAllocator(mem), dataset.WithInputs(false))
	if err != nil {
		return err
	}
	defer r.Release()
	t, err := dataset.ReadTables(r)
	if err != nil {
		return err
	}
	defer t.Release()
	runtime.GC()
	return json.NewEncoder(os.Stdout).Encode(map[string]int64{"rows": t.Annotations.NumRows(), "bytes": int64(mem.CurrentAlloc())})
}

// readFloor reads the file and does nothing with it: the floor any tool
// that reads the file pays.
func readFloor(args []string) error {
	f, err := os.Open(args[0])
	if err != nil {
		return err
	}
	defer f.Close()
	buf := make([]byte, 1<<20)
	var n int64
	for {
		k, err := f.Read(buf)
		n += int64(k)
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
	}
	return json.NewEncoder(os.Stdout).Encode(map[string]int64{"bytes": n})
}
