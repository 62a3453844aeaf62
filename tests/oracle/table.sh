#!/usr/bin/env bash
# Regenerate the published evidence from the same tests CI runs:
#   docs/server-oracle.md            tests/server_oracle.rs: every case of fixtures/oracle/ on nginx,
#                                    haproxy and apache2 (config test, start, handshakes, keymatch)
#   docs/handshake-differential.md   tests/handshake_differential.rs: 1,000 generated pairs,
#                                    openssl s_server/s_client against keymatch check
#
#   tests/oracle/table.sh            # needs nginx, haproxy, apache2 and openssl installed
#
# Each test writes its page before it asserts, so the pages are written even when
# keymatch disagrees with a server (the tests' exit statuses are reported, not fatal).
set -euo pipefail
cd "$(dirname "$0")/../.."
oracle="$PWD/docs/server-oracle.md"
diff="$PWD/docs/handshake-differential.md"
status=0
KEYMATCH_ORACLE_TABLE="$oracle" cargo test --test server_oracle -- --exact keymatch_errors_exactly_where_the_real_servers_refuse \
  >/dev/null 2>&1 || status=$?
[ -s "$oracle" ] || { echo "table.sh: the oracle wrote no table" >&2; exit 1; }
echo "table.sh: wrote $oracle (oracle test exit status $status)" >&2
status=0
KEYMATCH_DIFF_TABLE="$diff" cargo test --test handshake_differential >/dev/null 2>&1 || status=$?
[ -s "$diff" ] || { echo "table.sh: the differential wrote no table" >&2; exit 1; }
echo "table.sh: wrote $diff (differential test exit status $status)" >&2
