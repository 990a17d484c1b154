// Command curate loads classifier training data, reports per-concept
// balance, suggests negatives for overlapping classes, writes the chosen
// annotations back and exports training-ready Parquet. Run "curate help".
package main

import (
	"os"

	"curate.dev/internal/cli"
)

func main() {
	os.Exit(int(cli.Main()))
}
