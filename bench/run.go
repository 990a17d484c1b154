package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// measurement is one child run.
type measurement struct {
	wall   time.Duration
	rssMB  float64
	stdout []byte
}

// measure runs a command and records its wall time and peak RSS.
func measure(name string, args ...string) (measurement, error) {
	cmd := exec.Command(name, args...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	start := time.Now()
	err := cmd.Run()
	wall := time.Since(start)
	if err != nil {
		return measurement{}, fmt.Errorf("%s %s: %v\n%s", filepath.Base(name), strings.Join(args, " "), err, errb.String())
	}
	ru := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	return measurement{wall: wall, rssMB: float64(ru.Maxrss) / 1024, stdout: out.Bytes()}, nil
}

// side is one contender in a task.
type side struct {
	name string
	cmd  func() (string, []string)
	// check turns the output into the value both sides must agree on.
	check func(stdout []byte) (string, error)
}

type task struct {
	name   string
	sides  []side
	before func() // run before each measured run (e.g. remove outputs)
}

type result struct {
	task, size string
	med        map[string]measurement
	answers    map[string]string
}

func median(ms []measurement) measurement {
	s := slices.Clone(ms)
	slices.SortFunc(s, func(a, b measurement) int { return int(a.wall - b.wall) })
	m := s[len(s)/2]
	for _, x := range ms {
		m.rssMB = max(m.rssMB, x.rssMB)
	}
	return m
}

func run(args []string) error {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	sizes := fs.String("sizes", "100000,1000000", "input counts of the generated datasets")
	runs := fs.Int("runs", 3, "measured runs per side (alternating)")
	dir := fs.String("dir", "", "work folder for generated data (default: a temporary folder, removed after)")
	tasks := fs.String("tasks", "read,report,export,training,load,suggest", "tasks to run")
	concepts := fs.Int("concepts", 50, "leaf concepts in the generated world")
	if err := fs.Parse(args); err != nil {
		return err
	}
	work := *dir
	if work == "" {
		d, err := os.MkdirTemp("", "curate-bench-*")
		if err != nil {
			return err
		}
		defer os.RemoveAll(d)
		work = d
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	curate := filepath.Join(work, "curate")
	build := exec.Command("go", "build", "-o", curate, "./cmd/curate")
	build.Dir = ".."
	build.Stderr = os.Stderr
	if err := build.Run(); err != nil {
		return fmt.Errorf("building curate: %w", err)
	}
	fmt.Printf("machine: %s/%s, %d cores; Go %s\n\n", runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), runtime.Version())

	var results []result
	for _, sz := range strings.Split(*sizes, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(sz))
		if err != nil {
			return fmt.Errorf("-sizes: %v", err)
		}
		file := filepath.Join(work, fmt.Sprintf("synth-%d.jsonl", n))
		if _, err := os.Stat(file); err != nil {
			gen, err := measure(curate, "synth", "--preset", "bench", "--inputs", strconv.Itoa(n), "--classes", strconv.Itoa(*concepts), "--seed", "1", "--out", file)
			if err != nil {
				return err
			}
			st, _ := os.Stat(file)
			fmt.Printf("generated %s: %.0f MB in %.1fs\n", filepath.Base(file), float64(st.Size())/1e6, gen.wall.Seconds())
		}
		for _, t := range makeTasks(self, curate, file, work) {
			if !slices.Contains(strings.Split(*tasks, ","), t.name) {
				continue
			}
			res, err := runTask(t, *runs)
			if err != nil {
				return err
			}
			res.size = humanCount(n)
			results = append(results, res)
		}
	}
	printTable(results)
	return nil
}

func runTask(t task, runs int) (result, error) {
	res := result{task: t.name, med: map[string]measurement{}, answers: map[string]string{}}
	all := map[string][]measurement{}
	for i := 0; i < runs; i++ {
		for _, s := range t.sides {
			if t.before != nil {
				t.before()
			}
			name, args := s.cmd()
			m, err := measure(name, args...)
			if err != nil {
				return res, err
			}
			all[s.name] = append(all[s.name], m)
			if s.check != nil {
				ans, err := s.check(m.stdout)
				if err != nil {
					return res, fmt.Errorf("%s/%s: %v", t.name, s.name, err)
				}
				if prev, ok := res.answers[s.name]; ok && prev != ans {
					return res, fmt.Errorf("%s/%s: answer changed between runs", t.name, s.name)
				}
				res.answers[s.name] = ans
			}
		}
	}
	for name, ms := range all {
		res.med[name] = median(ms)
	}
	return res, nil
}

func humanCount(n int) string {
	switch {
	case n >= 1_000_000 && n%1_000_000 == 0:
		return fmt.Sprintf("%dM", n/1_000_000)
	case n >= 1000 && n%1000 == 0:
		return fmt.Sprintf("%dk", n/1000)
	}
	return strconv.Itoa(n)
}

func printTable(results []result) {
	fmt.Println("| task | inputs | curate (s) | DuckDB (s) | curate/DuckDB | curate peak RSS (MB) | DuckDB peak RSS (MB) | same answer |")
	fmt.Println("|---|---|---:|---:|---:|---:|---:|---|")
	for _, r := range results {
		c, cok := r.med["curate"]
		d, dok := r.med["duckdb"]
		ratio, same := "", ""
		if cok && dok {
			ratio = fmt.Sprintf("%.2f×", c.wall.Seconds()/d.wall.Seconds())
		}
		if ca, ok := r.answers["curate"]; ok {
			if da, ok := r.answers["duckdb"]; ok {
				same = "yes"
				if ca != da {
					same = "NO: " + ca + " vs " + da
				}
			}
		}
		cell := func(m measurement, ok bool, f func(measurement) string) string {
			if !ok {
				return "–"
			}
			return f(m)
		}
		secs := func(m measurement) string { return fmt.Sprintf("%.2f", m.wall.Seconds()) }
		rss := func(m measurement) string { return fmt.Sprintf("%.0f", m.rssMB) }
		fmt.Printf("| %s | %s | %s | %s | %s | %s | %s | %s |\n", r.task, r.size,
			cell(c, cok, secs), cell(d, dok, secs), ratio, cell(c, cok, rss), cell(d, dok, rss), same)
	}
	for _, r := range results {
		if r.task != "load" {
			continue
		}
		for _, name := range []string{"curate", "duckdb"} {
			var v map[string]int64
			if decodeJSON(r.med[name].stdout, &v) == nil && v["rows"] > 0 {
				fmt.Printf("load %s, %s: %d annotation rows in %.0f MB, %.1f bytes per annotation, %.2fs\n",
					r.size, name, v["rows"], float64(v["bytes"])/1e6, float64(v["bytes"])/float64(v["rows"]), r.med[name].wall.Seconds())
			}
		}
	}
}

// decodeJSON is a small helper for checks.
func decodeJSON(b []byte, v any) error { return json.Unmarshal(bytes.TrimSpace(b), v) }
