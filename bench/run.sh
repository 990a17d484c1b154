#!/usr/bin/env bash
# Runs the benchmark suite: curate against DuckDB on generated data.
# Usage: bench/run.sh [-sizes 100000,1000000] [-runs 3] [-tasks read,report,export,training,load,suggest]
set -euo pipefail
cd "$(dirname "$0")"
go build -o "${TMPDIR:-/tmp}/curate-bench" .
exec "${TMPDIR:-/tmp}/curate-bench" "$@"
