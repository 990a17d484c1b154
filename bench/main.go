// Command bench measures curate against DuckDB doing the same work on the
// same files, side by side in one run, and checks that both computed the
// same answer. It is its own module so that curate never depends on DuckDB.
//
//	cd bench && go run . -sizes 100000,1000000 -runs 3
//
// Every measured step runs as a child process, alternating curate and
// DuckDB, so wall time and peak memory (max RSS) are each side's alone.
// The child modes (duck-report, duck-export, duck-load, duck-cooccur,
// curate-load, read) are this same binary re-executed.
package main

import (
	"fmt"
	"os"
)

func main() {
	if len(os.Args) > 1 {
		if child, ok := children[os.Args[1]]; ok {
			if err := child(os.Args[2:]); err != nil {
				fmt.Fprintln(os.Stderr, "bench:", err)
				os.Exit(1)
			}
			return
		}
	}
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}
