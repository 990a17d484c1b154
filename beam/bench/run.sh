#!/usr/bin/env bash
# curate-beam on Prism beside curate in one process: wall time and peak RSS
# (BENCHMARKS.md, "Beyond one machine"). Needs /tmp/synth-bench-1m.jsonl
# (curate synth --preset bench --inputs 1000000 --out /tmp/synth-bench-1m.jsonl).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
work=${WORK:-/tmp/beam/bench}
mkdir -p "$work"
(cd "$root" && go build -o "$work/curate" ./cmd/curate)
(cd "$root/beam" && go build -o "$work/curate-beam" ./cmd/curate-beam)
cd "$work"
C=./curate B=./curate-beam
[ -f in100k.jsonl ] || $C synth --preset bench --inputs 100000 --out in100k.jsonl
split -n l/4 -d --additional-suffix=.jsonl in100k.jsonl p100k-
split -n l/8 -d --additional-suffix=.jsonl /tmp/synth-bench-1m.jsonl p1m-
declare -A whole=([100k]=in100k.jsonl [1m]=/tmp/synth-bench-1m.jsonl)
t() { /usr/bin/time -f "$1 wall=%e s rss=%M KB" "${@:2}"; }
for n in 100k 1m; do
  for run in 1 2; do
    t "$n curate report" $C report --format json p$n-*.jsonl > cli-$n.json 2> >(grep wall= >&2)
    t "$n curate-beam report" $B report --input "p$n-*.jsonl" --output beam-$n.json --force 2> >(grep wall= >&2)
    cmp cli-$n.json beam-$n.json && echo "$n: the same report"
  done
  t "$n curate export training" $C export "${whole[$n]}" --layout training --out cli-train-$n --force 2>&1 | grep wall=
  t "$n curate-beam export training" $B export --input "p$n-*.jsonl" --layout training --out beam-train-$n --force 2>&1 | grep wall=
done
t "100k curate export training split" $C export in100k.jsonl --layout training --split train=0.8,val=0.1,test=0.1 --out cli-split-100k --force 2>&1 | grep wall=
t "100k curate-beam export training split" $B export --input "p100k-*.jsonl" --layout training --split train=0.8,val=0.1,test=0.1 --out beam-split-100k --force 2>&1 | grep wall=
