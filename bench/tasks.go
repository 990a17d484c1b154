package main

import (
	"crypto/sha256"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
)

// makeTasks lists the measured tasks for one generated file.
func makeTasks(self, curate, file, work string) []task {
	curateOut := filepath.Join(work, "export-curate")
	duckOut := filepath.Join(work, "export-duckdb.parquet")
	suggestOut := filepath.Join(work, "suggestions.jsonl")
	trainCurate := filepath.Join(work, "training-curate")
	trainDuck := filepath.Join(work, "training-duckdb.parquet")
	trainPairs := func(glob string) func([]byte) (string, error) {
		return func([]byte) (string, error) {
			out, err := exec.Command(self, "duck-train-pairs", glob).Output()
			return strings.TrimSpace(string(out)) + " positive pairs", err
		}
	}
	countParquet := func(glob string) func([]byte) (string, error) {
		return func([]byte) (string, error) {
			out, err := exec.Command(self, "duck-count", glob).Output()
			return strings.TrimSpace(string(out)) + " rows", err
		}
	}
	loadRows := func(b []byte) (string, error) {
		var v map[string]int64
		if err := decodeJSON(b, &v); err != nil {
			return "", err
		}
		return fmt.Sprintf("%d rows", v["rows"]), nil
	}
	return []task{
		{name: "read", sides: []side{
			{name: "curate", cmd: func() (string, []string) { return self, []string{"read", file} }},
		}},
		{name: "report", sides: []side{
			{name: "curate", cmd: func() (string, []string) { return curate, []string{"report", file, "--format", "json"} }, check: curateCounts},
			{name: "duckdb", cmd: func() (string, []string) { return self, []string{"duck-report", file} }, check: duckCounts},
		}},
		{name: "export", before: func() { os.RemoveAll(curateOut); os.Remove(duckOut) }, sides: []side{
			{name: "curate", cmd: func() (string, []string) {
				return curate, []string{"export", file, "--out", curateOut, "--layout", "long"}
			}, check: countParquet(filepath.Join(curateOut, "**", "*.parquet"))},
			{name: "duckdb", cmd: func() (string, []string) { return self, []string{"duck-export", file, duckOut} }, check: countParquet(duckOut)},
		}},
		{name: "training", before: func() { os.RemoveAll(trainCurate); os.Remove(trainCurate + "_concepts.json"); os.Remove(trainDuck) }, sides: []side{
			{name: "curate", cmd: func() (string, []string) {
				return curate, []string{"export", file, "--out", trainCurate, "--layout", "training"}
			}, check: trainPairs(filepath.Join(trainCurate, "*.parquet"))},
			{name: "duckdb", cmd: func() (string, []string) { return self, []string{"duck-training", file, trainDuck} }, check: trainPairs(trainDuck)},
		}},
		{name: "load", sides: []side{
			{name: "curate", cmd: func() (string, []string) { return self, []string{"curate-load", file} }, check: loadRows},
			{name: "duckdb", cmd: func() (string, []string) { return self, []string{"duck-load", file} }, check: loadRows},
		}},
		{name: "suggest", sides: []side{
			{name: "curate", cmd: func() (string, []string) {
				return curate, []string{"suggest", file, "--out", suggestOut}
			}},
			{name: "duckdb", cmd: func() (string, []string) { return self, []string{"duck-cooccur", file} }},
		}},
	}
}

// canonical reduces per-concept counts to a comparable string: concepts
// with any count, sorted, hashed.
func canonical(cs []conceptCounts) string {
	var lines []string
	for _, c := range cs {
		if c.Positives+c.Negatives+c.Conflicts == 0 {
			continue
		}
		lines = append(lines, fmt.Sprintf("%s:%d/%d/%d", c.ConceptID, c.Positives, c.Negatives, c.Conflicts))
	}
	slices.Sort(lines)
	sum := sha256.Sum256([]byte(strings.Join(lines, "\n")))
	return fmt.Sprintf("%d concepts, sha256 %x", len(lines), sum[:6])
}

func curateCounts(b []byte) (string, error) {
	var rep struct {
		Concepts []conceptCounts `json:"concepts"`
	}
	if err := decodeJSON(b, &rep); err != nil {
		return "", err
	}
	return canonical(rep.Concepts), nil
}

func duckCounts(b []byte) (string, error) {
	var cs []conceptCounts
	if err := decodeJSON(b, &cs); err != nil {
		return "", err
	}
	return canonical(cs), nil
}
