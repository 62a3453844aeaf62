#!/usr/bin/env bash
# Time `keymatch scan` on the pathological inputs of benches/README.md, each at
# a tenth of its size and at full size: time must grow linearly (ratio about
# 10, target <= 11) and pairs must not multiply (copies: one pair).
#
# usage: benches/pathological.sh [OUT_DIR] [RUNS] [CASE...]
#   OUT_DIR  where the inputs are generated (kept and reused; default a temp dir)
#   RUNS     hyperfine runs per command (default 3)
#   CASE     copies issuer vhosts bundle (default: all)
# Environment: KEYMATCH=/path/to/keymatch (default: build this repository's
#   release binary).
# Needs python3 with `cryptography` (the generator), hyperfine and GNU time.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/.." && pwd)
OUT=${1:-$(mktemp -d)}
RUNS=${2:-3}
shift $(($# > 2 ? 2 : $#))
CASES=("$@")
[ ${#CASES[@]} -gt 0 ] || CASES=(copies issuer vhosts bundle)
mkdir -p "$OUT"

command -v hyperfine >/dev/null || { echo "hyperfine missing: apt-get install hyperfine" >&2; exit 2; }
if [ -n "${KEYMATCH:-}" ]; then
    KM=$KEYMATCH
else
    (cd "$REPO" && cargo build --release --quiet)
    KM=$REPO/target/release/keymatch
fi

declare -A FULL=([copies]=2000 [issuer]=50000 [vhosts]=10000 [bundle]=1000)

printf '| case | n | files | pairs | median wall s | peak RSS MiB |\n|---|---:|---:|---:|---:|---:|\n' >"$OUT/table.md"
for c in "${CASES[@]}"; do
    full=${FULL[$c]:?unknown case $c}
    small=$((full / 10))
    medians=()
    # The 10,000-vhost nginx.conf is over the default 1 MiB file limit.
    extra=""
    [ "$c" = vhosts ] && extra="--max-file-size 4M"
    for n in "$small" "$full"; do
        d=$OUT/$c-$n
        [ -d "$d" ] || "$HERE/gen_pathological.py" "$c" "$d" "$n"
        set +e
        /usr/bin/time -f "%M" -o "$OUT/time.txt" "$KM" scan $extra --format json "$d" >"$OUT/$c-$n.json" 2>/dev/null
        set -e
        rss=$(awk '{printf "%.1f", $1/1024}' "$OUT/time.txt")
        read -r files pairs < <(python3 -c 'import json,sys; s=json.load(open(sys.argv[1]))["summary"]; print(s["files"], s["pairs"])' "$OUT/$c-$n.json")
        hyperfine --warmup 1 --runs "$RUNS" -i --export-json "$OUT/$c-$n.hf.json" "$KM scan $extra --format json $d" >/dev/null
        med=$(python3 -c 'import json,sys; print("%.3f" % json.load(open(sys.argv[1]))["results"][0]["median"])' "$OUT/$c-$n.hf.json")
        medians+=("$med")
        printf '| %s | %d | %d | %d | %s | %s |\n' "$c" "$n" "$files" "$pairs" "$med" "$rss" | tee -a "$OUT/table.md"
    done
    python3 -c 'import sys; a, b = map(float, sys.argv[1:]); print("%s: 10x the input, %.1fx the time" % (sys.argv[0], b / a))' \
        "${medians[0]}" "${medians[1]}" 2>/dev/null | sed "s/^-c/$c/" | tee -a "$OUT/ratios.txt"
done
echo
cat "$OUT/table.md"
cat "$OUT/ratios.txt"
