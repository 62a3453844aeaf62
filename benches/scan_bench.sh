#!/usr/bin/env bash
# Benchmark `keymatch scan` on the shared realistic corpus, next to the Python
# baseline and the `cat` floor (reading every file). Two like-for-like pairs:
# `keymatch scan --no-prime-test` against `--rsa-check consistency --jobs 2`
# (neither tests RSA factors for primality), and `keymatch scan` against the
# baseline's default `full` check (both do: keymatch one Miller–Rabin round per
# factor, OpenSSL's RSA key check several).
#
# usage: benches/scan_bench.sh [CORPUS_DIR] [RUNS]
#   CORPUS_DIR  an existing corpus (made by gen_corpus.sh), or a directory to
#               create one in (2000 pairs, 20000 noise files); default: a temp dir.
#   RUNS        hyperfine runs per command (default 5).
# Environment: BENCH=/path/to/shared/bench (default /work/shared/bench),
#   KEYMATCH=/path/to/keymatch (default: build this repository's release binary),
#   POOL_CACHE=FILE (key pool cache for gen_corpus.sh; default next to the corpus),
#   PAIRS=2000 NOISE=20000 (corpus size when generating).
#
# Steps: build keymatch (release); generate the corpus if needed; run keymatch
# once, convert its JSON to check.py's columns (benches/to_check_format.py) and
# run check.py (the pairs must agree with expected.tsv); then GNU time (peak
# RSS) and hyperfine (warm cache, 1 warm-up, median wall time) for each command.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/.." && pwd)
BENCH=${BENCH:-/work/shared/bench}
PAIRS=${PAIRS:-2000}
NOISE=${NOISE:-20000}
RUNS=${2:-5}
C=${1:-}
if [ -z "$C" ]; then
    C=$(mktemp -d)/c$PAIRS
fi
OUT=${OUT:-$(mktemp -d)}
mkdir -p "$OUT"

command -v hyperfine >/dev/null || { echo "hyperfine missing: apt-get install hyperfine" >&2; exit 2; }

if [ -n "${KEYMATCH:-}" ]; then
    KM=$KEYMATCH
else
    (cd "$REPO" && cargo build --release --quiet)
    KM=$REPO/target/release/keymatch
fi

if [ ! -f "$C/expected.tsv" ]; then
    POOL_CACHE=${POOL_CACHE:-$(dirname "$C")/pool.json}
    echo "generating $C ($PAIRS pairs, $NOISE noise files; pool cache $POOL_CACHE)"
    "$BENCH/gen_corpus.sh" "$C" "$PAIRS" "$NOISE" --pool-cache "$POOL_CACHE"
fi
echo "corpus $C; reports and timings in $OUT"

# Agreement with expected.tsv.
set +e
"$KM" scan --format json "$C" >"$OUT/keymatch.json"
rc=$?
set -e
echo "keymatch exit code: $rc (1 = findings at error level, expected: the corpus has mismatches)"
"$HERE/to_check_format.py" "$C" <"$OUT/keymatch.json" >"$OUT/keymatch.tsv"
"$BENCH/check.py" "$C" "$OUT/keymatch.tsv" || echo "check.py: keymatch's pairs DISAGREE with expected.tsv"

cmds=(
    "$KM scan --format json $C >/dev/null"
    "$KM scan --no-prime-test --format json $C >/dev/null"
    "$BENCH/baseline_python.py $C --jobs 2 >/dev/null"
    "$BENCH/baseline_python.py $C --rsa-check consistency --jobs 2 >/dev/null"
    "find $C -type f -exec cat {} + >/dev/null"
)
names=("keymatch scan" "keymatch scan --no-prime-test" "python --jobs 2" "python --rsa-check consistency --jobs 2" "cat floor")

echo
printf '%-45s %10s\n' command peak_RSS_MiB
for i in "${!cmds[@]}"; do
    /usr/bin/time -f "%M" -o "$OUT/time.txt" sh -c "${cmds[$i]}" >/dev/null 2>&1 || true
    printf '%-45s %10.1f\n' "${names[$i]}" "$(tail -n 1 "$OUT/time.txt" | awk '{print $1/1024}')"
done
echo
args=()
for i in "${!cmds[@]}"; do args+=(-n "${names[$i]}" "${cmds[$i]}"); done
hyperfine --warmup 1 --runs "$RUNS" -i --export-markdown "$OUT/hyperfine.md" --export-json "$OUT/hyperfine.json" "${args[@]}"
python3 - "$OUT/hyperfine.json" <<'PY'
import json, sys
r = {x["command"]: x["median"] for x in json.load(open(sys.argv[1]))["results"]}
print("\n| command | median wall s |\n|---|---:|")
for k, x in r.items():
    print("| %s | %.3f |" % (k, x))
print("\npython consistency / keymatch --no-prime-test: %.2fx (target >= 4x)"
      % (r["python --rsa-check consistency --jobs 2"] / r["keymatch scan --no-prime-test"]))
print("python full / keymatch: %.2fx" % (r["python --jobs 2"] / r["keymatch scan"]))
print("keymatch --no-prime-test / cat floor: %.2f" % (r["keymatch scan --no-prime-test"] / r["cat floor"]))
PY
