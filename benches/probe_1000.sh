#!/usr/bin/env bash
# Probe N local TLS endpoints with `keymatch probe --targets FILE -j J` and print the wall time.
#
# usage: benches/probe_1000.sh [N] [RUNS] [JOBS…]
#   N      endpoints (default 1000), ports BASE_PORT .. BASE_PORT+N-1 on 127.0.0.1
#   RUNS   runs per -j value (default 3); the median is printed
#   JOBS   -j values to run (default: 32 128)
# Environment: KEYMATCH=/path/to/keymatch (default: build this repository's release binary),
#   BASE_PORT (default 23000), WORKERS nginx worker processes (default 1),
#   KEY=ec|rsa the served key (default ec: P-256; rsa: RSA 2048), SILENT=K: the last K
#   endpoints are a listener that accepts and never answers (default 0), TIMEOUT (default 10).
#
# The servers: one Debian nginx (a child of this script, its own config, pid and log files in a
# temp dir) listening on all N ports with one self-signed certificate for bench.example, plus,
# with SILENT, one python3 process holding K listening sockets that never answer. Both are
# stopped by PID when the script exits. Every run must report N endpoints, and N-K valid
# signatures; the script fails otherwise.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/.." && pwd)
N=${1:-1000}
RUNS=${2:-3}
shift $(( $# > 2 ? 2 : $# ))
JOBS=("$@")
[ ${#JOBS[@]} -gt 0 ] || JOBS=(32 128)
BASE_PORT=${BASE_PORT:-23000}
WORKERS=${WORKERS:-1}
KEY=${KEY:-ec}
SILENT=${SILENT:-0}
TIMEOUT=${TIMEOUT:-10}
[ "$SILENT" -le "$N" ] || { echo "SILENT=$SILENT is more than N=$N" >&2; exit 2; }

NGINX=$(command -v nginx || echo /usr/sbin/nginx)
[ -x "$NGINX" ] || { echo "nginx missing: apt-get install nginx" >&2; exit 2; }
if [ -n "${KEYMATCH:-}" ]; then
    KM=$KEYMATCH
else
    (cd "$REPO" && cargo build --release --quiet)
    KM=$REPO/target/release/keymatch
fi

D=$(mktemp -d)
PIDS=()
cleanup() {
    for pid in "${PIDS[@]}"; do
        kill "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    rm -rf "$D"
}
trap cleanup EXIT

case $KEY in
    ec) openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$D/bench.key" 2>/dev/null ;;
    rsa) openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$D/bench.key" 2>/dev/null ;;
    *) echo "KEY is ec or rsa" >&2; exit 2 ;;
esac
openssl req -x509 -new -key "$D/bench.key" -subj /CN=bench.example \
    -addext subjectAltName=DNS:bench.example -days 3650 -out "$D/bench.crt" 2>/dev/null

TLS=$((N - SILENT))
mkdir -p "$D/tmp"
{
    echo "worker_processes $WORKERS; worker_rlimit_nofile 8192; error_log $D/error.log; pid $D/nginx.pid;"
    echo "events { worker_connections 4096; }"
    echo "http { access_log off; client_body_temp_path $D/tmp; proxy_temp_path $D/tmp; fastcgi_temp_path $D/tmp; uwsgi_temp_path $D/tmp; scgi_temp_path $D/tmp;"
    echo " server { server_name bench.example; ssl_certificate $D/bench.crt; ssl_certificate_key $D/bench.key;"
    for ((i = 0; i < TLS; i++)); do echo "  listen 127.0.0.1:$((BASE_PORT + i)) ssl;"; done
    echo " }"
    echo "}"
} >"$D/nginx.conf"
"$NGINX" -c "$D/nginx.conf" -p "$D" -g 'daemon off;' </dev/null >"$D/nginx.out" 2>&1 &
PIDS+=($!)

if [ "$SILENT" -gt 0 ]; then
    python3 - "$BASE_PORT" "$TLS" "$SILENT" <<'PY' &
import socket, sys, time
base, first, count = (int(a) for a in sys.argv[1:])
held = []
for i in range(first, first + count):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", base + i))
    s.listen(1024)
    held.append(s)
time.sleep(86400)
PY
    PIDS+=($!)
fi

# Wait until the last port of each server listens.
listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
for port in $((BASE_PORT + TLS - 1)) $((BASE_PORT + N - 1)); do
    for _ in $(seq 100); do listening "$port" && break; sleep 0.1; done
    listening "$port" || { echo "nothing listens on $port" >&2; cat "$D/nginx.out" "$D/error.log" >&2; exit 1; }
done

T=$D/targets.txt
{
    echo "# $N local endpoints for benches/probe_1000.sh"
    echo
    for ((i = 0; i < N; i++)); do echo "127.0.0.1:$((BASE_PORT + i))"; done
} >"$T"

echo "keymatch $KM; $N endpoints ($SILENT silent) on 127.0.0.1:$BASE_PORT-$((BASE_PORT + N - 1)), nginx $WORKERS worker(s), key $KEY, timeout $TIMEOUT s"
for j in "${JOBS[@]}"; do
    times=()
    for ((r = 1; r <= RUNS; r++)); do
        start=$(date +%s.%N)
        code=0
        "$KM" probe --targets "$T" --sni bench.example -j "$j" --timeout "$TIMEOUT" --format json >"$D/out.json" || code=$?
        end=$(date +%s.%N)
        t=$(awk "BEGIN { print $end - $start }")
        times+=("$t")
        counts=$(python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
eps = d["endpoints"]
valid = sum(e["signature"] == "valid" for e in eps)
codes = {}
for f in d["findings"]:
    codes[f["code"]] = codes.get(f["code"], 0) + 1
print(len(eps), valid, " ".join(f"{c}={n}" for c, n in sorted(codes.items())) or "no findings")
' "$D/out.json")
        read -r eps valid rest <<<"$counts"
        printf -- '-j %-4s run %d: %6.2f s  exit %d  endpoints %s  valid %s  %s\n' "$j" "$r" "$t" "$code" "$eps" "$valid" "$rest"
        [ "$eps" = "$N" ] && [ "$valid" = "$TLS" ] || { echo "expected $N endpoints and $TLS valid signatures" >&2; exit 1; }
    done
    median=$(printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}')
    printf -- '-j %-4s median of %d: %.2f s\n' "$j" "$RUNS" "$median"
done
