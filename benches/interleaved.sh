#!/usr/bin/env bash
# Time several commands in interleaved rounds (one run of each per round, after one
# warm-up run of each), so that a shared machine's load changes hit every command
# alike; print the median wall time, median CPU time (user + system) and the largest
# peak RSS of each. GNU time measures each run.
#
# usage: benches/interleaved.sh RUNS OUT_TSV NAME1 CMD1 [NAME2 CMD2 ...]
# example:
#   benches/interleaved.sh 5 /tmp/c2000.tsv \
#     keymatch "keymatch scan --format json $C/c2000" \
#     python "$B/baseline_python.py $C/c2000 --rsa-check consistency --jobs 2" \
#     find "find $C/c2000 -type f | wc -l"
set -euo pipefail
RUNS=$1
OUT=$2
shift 2
: >"$OUT"
names=()
cmds=()
while [ $# -gt 0 ]; do
    names+=("$1")
    cmds+=("$2")
    shift 2
done
for i in "${!cmds[@]}"; do sh -c "${cmds[$i]}" >/dev/null 2>&1 || true; done
for _ in $(seq "$RUNS"); do
    for i in "${!cmds[@]}"; do
        /usr/bin/time -f "${names[$i]}	%e	%U	%S	%M" -a -o "$OUT" sh -c "${cmds[$i]}" >/dev/null 2>&1 || true
    done
done
python3 - "$OUT" <<'PY'
import collections, statistics, sys
runs = collections.defaultdict(list)
for line in open(sys.argv[1]):
    p = line.rstrip("\n").split("\t")
    if len(p) == 5:
        runs[p[0]].append((float(p[1]), float(p[2]) + float(p[3]), int(p[4])))
for name, v in runs.items():
    print("%-12s runs %d  median wall %.3f s  median cpu %.3f s  peak rss %.1f MiB"
          % (name, len(v), statistics.median(x[0] for x in v), statistics.median(x[1] for x in v), max(x[2] for x in v) / 1024))
PY
