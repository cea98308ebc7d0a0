#!/usr/bin/env bash
# The multi-instance drill (issue 17 item 4): three `rogatory serve` processes on one fresh
# PostgreSQL database behind HAProxy (Debian's package), a real SMTP server (aiosmtpd from PyPI)
# and a webhook receiver; the scenario, cross-instance uploads and tokens, a SIGKILL under
# load, the checks, and the throughput with 1, 2 and 3 instances. PostgreSQL is never
# restarted. Usage: ROGATORY_BIN=target/debug/rogatory bash .ci/multi-instance.sh
set -euo pipefail
cd "$(dirname "$0")/.."

BIN="${ROGATORY_BIN:-${CARGO_TARGET_DIR:-target}/debug/rogatory}"
[ -x "$BIN" ] || { echo "multi-instance: no binary at $BIN (cargo build first)" >&2; exit 1; }

# HAProxy from Debian's packages, installed when missing.
if ! command -v haproxy >/dev/null 2>&1; then
  echo "multi-instance: installing haproxy"
  apt-get install -y -q haproxy >/dev/null 2>&1 || { apt-get update -q >/dev/null && apt-get install -y -q haproxy >/dev/null; }
fi
command -v haproxy >/dev/null || { echo "multi-instance: haproxy is not installed" >&2; exit 1; }
command -v createdb >/dev/null || { echo "multi-instance: createdb (postgresql-client) is missing" >&2; exit 1; }

# aiosmtpd, pinned as in the tests (tests/api/support/smtp.rs), in a virtual environment
# outside the clone, shared with the tests.
TOOLS="${TMPDIR:-/tmp}/rogatory-test-tools"
VENV="$TOOLS/venv"
mkdir -p "$TOOLS"
(
  flock 9
  if [ ! -e "$VENV/.aiosmtpd-1.4.6" ]; then
    python3 -m venv "$VENV"
    "$VENV/bin/python" -m pip install -q aiosmtpd==1.4.6
    touch "$VENV/.aiosmtpd-1.4.6"
  fi
) 9>"$TOOLS/.lock"

exec "$VENV/bin/python" .ci/multi_instance.py "$BIN"
