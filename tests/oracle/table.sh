#!/usr/bin/env bash
# Regenerate docs/server-oracle.md: run the real-server oracle (tests/server_oracle.rs)
# on every case of fixtures/oracle/ and write the observed table.
#
#   tests/oracle/table.sh            # needs nginx, haproxy, apache2 and openssl installed
#
# The test writes the table before it asserts, so the page is written even when
# keymatch disagrees with a server (the test's own exit status is reported, not fatal).
set -euo pipefail
cd "$(dirname "$0")/../.."
out="$PWD/docs/server-oracle.md"
status=0
KEYMATCH_ORACLE_TABLE="$out" cargo test --test server_oracle -- --exact keymatch_errors_exactly_where_the_real_servers_refuse \
  >/dev/null 2>&1 || status=$?
[ -s "$out" ] || { echo "table.sh: the oracle wrote no table" >&2; exit 1; }
echo "table.sh: wrote $out (oracle test exit status $status)" >&2
