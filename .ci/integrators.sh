#!/usr/bin/env bash
# Integrators checks (issue 7): what someone who only has the OpenAPI document and the binary
# sees. Steps, in order, each timed:
#   0. tools      install the pinned tools when missing (Python venv and npm packages in a cache
#                 outside the repository, Debian's chromium), reuse them otherwise
#   1. spec lint  openapi-spec-validator, Redocly `recommended`, Spectral `spectral:oas` + house rules
#   2. fuzzing    Schemathesis, every operation, --checks all, all phases (stateful included),
#                 against the live binary: as the exchange admin, then on a `rogatory demo`
#                 directory as a single-role operator and as a platform's responder
#   3. clients    generated clients drive the integrator scenario: openapi-python-client and
#                 openapi-typescript + openapi-fetch (full), openapi-generator python (full),
#                 openapi-generator typescript-fetch (tsc strict, short), @hey-api/openapi-ts
#                 (tsc strict, full); each full one checks JSON, text and binary evidence
#   4. docs       /docs/ in headless Chromium: every operation renders, nothing leaves loopback
# Exits non-zero when any step fails; every step runs regardless, so one run reports everything.
#
# Environment:
#   ROGATORY_BIN        the server binary (CI: $CARGO_TARGET_DIR/debug/rogatory); default /tmp/rogatory-snapshot
#   ROGATORY_TOOLS_DIR  tools cache; default /work/.cache/rogatory-tools
#   ROGATORY_SPEC       the document to lint and generate clients from; default openapi/openapi.json
#   ST_MAX_EXAMPLES     Schemathesis examples per operation and phase, admin run (default 100)
#   ST_PARTY_MAX_EXAMPLES  the same for the operator and platform runs (default 40)
#   ST_SEED             Schemathesis seed (default 20261130)
#   INTEGRATORS_STEPS   steps to run, e.g. "1 3" (default "1 2 3 4"; tools are always ensured)
# Artifacts (git-ignored): target/ci-artifacts/ (reports, logs, screenshots), target/clients/ (generated code).
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

ROGATORY_BIN=${ROGATORY_BIN:-/tmp/rogatory-snapshot}
TOOLS=${ROGATORY_TOOLS_DIR:-/work/.cache/rogatory-tools}
ST_MAX_EXAMPLES=${ST_MAX_EXAMPLES:-100}
ST_PARTY_MAX_EXAMPLES=${ST_PARTY_MAX_EXAMPLES:-40}
ST_SEED=${ST_SEED:-20261130}
STEPS=${INTEGRATORS_STEPS:-1 2 3 4}
SPEC=${ROGATORY_SPEC:-$ROOT/openapi/openapi.json}
CLIENTS=$ROOT/tests/clients
OUT=$ROOT/target/ci-artifacts
BUILD=$ROOT/target/clients
VENV=$TOOLS/venv
NODE_DIR=$TOOLS/node
NODE_BIN=$NODE_DIR/node_modules/.bin

export REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true NO_UPDATE_NOTIFIER=1
export PIP_DISABLE_PIP_VERSION_CHECK=1 npm_config_fund=false npm_config_audit=false npm_config_update_notifier=false

mkdir -p "$OUT" "$BUILD"
WORK=$(mktemp -d /tmp/rogatory-integrators.XXXXXX)
SERVER_PIDS=()
cleanup() {
  local pid
  for pid in "${SERVER_PIDS[@]}"; do kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; done
  rm -rf "$WORK"
}
trap cleanup EXIT

say() { echo "integrators: $*"; }
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

RESULTS=()
FAILED=0
# run_step NUMBER NAME FUNCTION: runs FUNCTION, prints its wall time, records PASS/FAIL.
run_step() {
  local number=$1 name=$2 fn=$3 started status
  echo
  say "== step $number: $name =="
  started=$(now)
  if "$fn"; then status=PASS; else status=FAIL; FAILED=1; fi
  local seconds
  seconds=$(elapsed "$started")
  say "step $number ($name): $status in ${seconds}s"
  RESULTS+=("$(printf '%-2s %-34s %-4s %7ss' "$number" "$name" "$status" "$seconds")")
}
wants() { [[ " $STEPS " == *" $1 "* ]]; }

# ---------------------------------------------------------------------------------------------
# 0. tools
stamp_of() { cat "$@" | sha256sum | cut -d' ' -f1; }

ensure_python_tools() {
  local stamp
  stamp=$(stamp_of "$CLIENTS/requirements.txt")
  if [[ -x $VENV/bin/python && "$(cat "$VENV/.stamp" 2>/dev/null)" == "$stamp" ]]; then
    say "python tools: cached in $VENV"
    return 0
  fi
  say "python tools: installing $(grep -cv '^#' "$CLIENTS/requirements.txt") pinned packages into $VENV"
  [[ -x $VENV/bin/python ]] || python3 -m venv "$VENV" || return 1
  "$VENV/bin/pip" install -q -r "$CLIENTS/requirements.txt" || return 1
  echo "$stamp" > "$VENV/.stamp"
}

ensure_node_tools() {
  local stamp
  stamp=$(stamp_of "$CLIENTS/package.json" "$CLIENTS/package-lock.json")
  if [[ -x $NODE_BIN/tsc && "$(cat "$NODE_DIR/.stamp" 2>/dev/null)" == "$stamp" ]]; then
    say "node tools: cached in $NODE_DIR"
    return 0
  fi
  say "node tools: npm ci of tests/clients/package-lock.json into $NODE_DIR"
  mkdir -p "$NODE_DIR"
  cp "$CLIENTS/package.json" "$CLIENTS/package-lock.json" "$NODE_DIR/"
  (cd "$NODE_DIR" && npm ci --no-fund --no-audit --loglevel=error) || return 1
  echo "$stamp" > "$NODE_DIR/.stamp"
}

ensure_chromium() {
  if [[ -x /usr/bin/chromium ]]; then
    say "chromium: $(/usr/bin/chromium --version 2>/dev/null | tail -1)"
    return 0
  fi
  say "chromium: installing Debian's chromium with apt-get"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q >/dev/null && apt-get install -y -q --no-install-recommends chromium >/dev/null || return 1
  [[ -x /usr/bin/chromium ]]
}

step_tools() {
  mkdir -p "$TOOLS"
  # One installer at a time: concurrent runs share the cache.
  exec 9> "$TOOLS/.lock"
  flock -w 900 9 || { say "could not lock $TOOLS/.lock"; return 1; }
  local ok=0
  command -v python3 >/dev/null && command -v node >/dev/null && command -v npm >/dev/null \
    || { say "python3, node and npm are needed"; ok=1; }
  ensure_python_tools || ok=1
  ensure_node_tools || ok=1
  if wants 4; then ensure_chromium || ok=1; fi
  flock -u 9
  return $ok
}

# ---------------------------------------------------------------------------------------------
# A fresh server: new data directory, new SQLite file, bootstrapped (or, with a second argument
# `demo`, filled by `rogatory demo`, whose credentials go to $DEMO_JSON). Sets URL, ADMIN_ID,
# ADMIN_SECRET, ADMIN_TOKEN and SERVER_LOG.
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

start_server() {
  local name=$1 dir port pid
  dir=$WORK/$name
  mkdir -p "$dir"
  port=$(free_port)
  URL=http://127.0.0.1:$port
  SERVER_LOG=$OUT/server-$name.log
  local -a env=(
    DATABASE_URL="sqlite://$dir/rogatory.db" ROGATORY_DATA_DIR="$dir/data"
    ROGATORY_LISTEN="127.0.0.1:$port" ROGATORY_PUBLIC_URL="$URL"
    ROGATORY_LOG_FORMAT=json RUST_LOG=info ROGATORY_WORKERS=2
    ROGATORY_TOKEN_TTL_SECS=3600
    # The scenarios' webhook receivers listen on 127.0.0.1 (closed network: see README, Security).
    ROGATORY_WEBHOOK_ALLOW_PRIVATE=1
  )
  if [[ ${2:-} == demo ]]; then
    DEMO_JSON=$dir/demo.json
    env "${env[@]}" "$ROGATORY_BIN" demo > "$DEMO_JSON" 2> "$dir/bootstrap.log" \
      || { say "rogatory demo failed:"; cat "$dir/bootstrap.log"; return 1; }
    python3 -c 'import json,sys; json.dump(json.load(sys.stdin)["exchange_admin"], sys.stdout)' < "$DEMO_JSON" > "$dir/bootstrap.json" || return 1
  else
    env "${env[@]}" "$ROGATORY_BIN" admin bootstrap --email ops@exchange.example.org > "$dir/bootstrap.json" 2> "$dir/bootstrap.log" \
      || { say "bootstrap failed:"; cat "$dir/bootstrap.log"; return 1; }
  fi
  ADMIN_ID=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["client_id"])' < "$dir/bootstrap.json") || return 1
  ADMIN_SECRET=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["client_secret"])' < "$dir/bootstrap.json") || return 1
  env "${env[@]}" "$ROGATORY_BIN" serve > "$SERVER_LOG" 2>&1 &
  pid=$!
  SERVER_PIDS+=("$pid")
  local _
  for _ in $(seq 1 150); do
    curl -sf "$URL/readyz" >/dev/null 2>&1 && break
    kill -0 "$pid" 2>/dev/null || { say "server exited:"; tail -20 "$SERVER_LOG"; return 1; }
    sleep 0.2
  done
  curl -sf "$URL/readyz" >/dev/null || { say "server not ready at $URL"; return 1; }
  ADMIN_TOKEN=$(curl -sf -u "$ADMIN_ID:$ADMIN_SECRET" -d grant_type=client_credentials "$URL/v1/oauth/token" \
    | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])') || { say "no admin token"; return 1; }
  say "server $name at $URL (pid $pid, log $SERVER_LOG)"
}

# ---------------------------------------------------------------------------------------------
# 1. spec lint: the committed document.
step_lint() {
  local ok=0
  say "openapi-spec-validator $(basename "$SPEC")"
  # It prints the whole document with an error: keep the head of each line.
  "$VENV/bin/openapi-spec-validator" --validation-errors all "$SPEC" 2>&1 | cut -c1-400 || ok=1
  say "redocly lint (recommended, tests/clients/lint/redocly.yaml)"
  local log=$WORK/redocly.log
  "$NODE_BIN/redocly" lint --config "$CLIENTS/lint/redocly.yaml" --format=stylish "$SPEC" > "$log" 2>&1 || ok=1
  # Drop its boxed "Node.js 20 support is ending" notice.
  grep -v -e '^ *║' -e '^ *╔' -e '^ *╚' -e '^$' "$log"
  say "spectral lint (spectral:oas + tests/clients/lint/spectral.yaml)"
  "$NODE_BIN/spectral" lint --ruleset "$CLIENTS/lint/spectral.yaml" --fail-severity=error "$SPEC" || ok=1
  return $ok
}

# ---------------------------------------------------------------------------------------------
# 2. contract fuzzing against the live binary.
# schemathesis_run NAME TOKEN MAX_EXAMPLES: one run against $URL as the holder of TOKEN, its
# reports in $OUT/schemathesis-NAME (the admin run's in $OUT/schemathesis).
schemathesis_run() {
  local name=$1 token=$2 examples=$3 report
  report=$OUT/schemathesis${name:+-$name}
  [[ $name == admin ]] && report=$OUT/schemathesis
  rm -rf "$report"
  mkdir -p "$report"
  say "schemathesis as $name: --checks all, seed $ST_SEED, --max-examples $examples, all phases"
  # Every operation of the served document; --continue-on-failure so that one run lists every
  # failure. The volume is bounded by --max-examples alone: --max-time would make the fuzzing and
  # stateful phases repeat until the budget is spent. The tokens are throwaways of this run's
  # fresh database, so the output is not sanitised: the curl reproductions then carry the real
  # Idempotency-Key values.
  local rc=0
  (
    cd "$WORK" &&
    PYTHONPATH=$CLIENTS/schemathesis SCHEMATHESIS_HOOKS=rogatory_hooks ST_TOKEN=$token \
    timeout 900 "$VENV/bin/schemathesis" --config-file "$CLIENTS/schemathesis/schemathesis.toml" run "$URL/openapi.json" \
      --checks all \
      --phases examples,coverage,fuzzing,stateful \
      --max-examples "$examples" --seed "$ST_SEED" --generation-database none \
      --continue-on-failure --workers 1 --request-timeout 10 \
      --no-color --output-sanitize false \
      --report junit,ndjson --report-dir "$report"
  ) > "$report/run.log" 2>&1 || rc=$?
  sed -n '/^ *Schemathesis v/,/^===* FAILURES/p;/^=* SUMMARY/,$p' "$report/run.log"
  local ndjson
  ndjson=$(ls "$report"/*.ndjson 2>/dev/null | head -1)
  if [[ -n $ndjson ]]; then
    "$VENV/bin/python" "$CLIENTS/schemathesis/summarize.py" "$ndjson" "$report/failures.md" > /dev/null
    grep -a '^## ' "$report/failures.md" | sed 's/^## /  /'
    say "failures with curl reproductions: $report/failures.md (full log: $report/run.log)"
  fi
  say "schemathesis as $name: exit $rc"
  return $rc
}

server_log_errors() {
  if grep -q '"level":"ERROR"\|panicked' "$SERVER_LOG"; then
    say "server log lines at ERROR level or with a panic (count, message):"
    grep -o '"level":"ERROR","message":"[^"]*"\|panicked.*' "$SERVER_LOG" | sort | uniq -c | sort -rn | head -10 | cut -c1-300
  fi
}

step_fuzz() {
  local ok=0 tokens
  # As the exchange admin, on a bootstrapped directory.
  start_server fuzz || return 1
  schemathesis_run admin "$ADMIN_TOKEN" "$ST_MAX_EXAMPLES" || ok=1
  server_log_errors
  # As parties, on a `rogatory demo` directory with a request addressed to the platform: a
  # single-role operator of the French 24/7 point of contact, and the platform's responder.
  start_server fuzz-parties demo || return 1
  tokens=$("$VENV/bin/python" "$CLIENTS/schemathesis/seed_parties.py" "$URL" "$DEMO_JSON") || return 1
  schemathesis_run operator "$(python3 -c 'import json,sys; print(json.load(sys.stdin)["operator"])' <<< "$tokens")" \
    "$ST_PARTY_MAX_EXAMPLES" || ok=1
  schemathesis_run platform "$(python3 -c 'import json,sys; print(json.load(sys.stdin)["platform_responder"])' <<< "$tokens")" \
    "$ST_PARTY_MAX_EXAMPLES" || ok=1
  server_log_errors
  return $ok
}

# ---------------------------------------------------------------------------------------------
# 3. generated clients driving the scenario.
client_python() {
  local out=$BUILD/python ok=0
  rm -rf "$out"
  mkdir -p "$out"
  say "openapi-python-client generate ($(basename "$SPEC")) -> $out/rogatory_client"
  PATH=$VENV/bin:$PATH "$VENV/bin/openapi-python-client" generate --path "$SPEC" --meta none \
    --output-path "$out/rogatory_client" --config "$CLIENTS/python/openapi-python-client.yaml" > "$out/generate.log" 2>&1 \
    || { cat "$out/generate.log"; return 1; }
  if grep -q 'WARNING' "$out/generate.log"; then
    say "openapi-python-client skipped parts of the document (counted as a failure):"
    sed -n '/WARNING/,/^If you believe/p' "$out/generate.log" | grep -v '^If you believe'
    ok=1
  fi
  start_server python || return 1
  ROGATORY_URL=$URL ROGATORY_ADMIN_CLIENT_ID=$ADMIN_ID ROGATORY_ADMIN_CLIENT_SECRET=$ADMIN_SECRET \
    PYTHONPATH=$out "$VENV/bin/python" "$CLIENTS/python/scenario.py" || ok=1
  return $ok
}

client_typescript() {
  local out=$BUILD/typescript
  rm -rf "$out"
  mkdir -p "$out"
  say "openapi-typescript ($(basename "$SPEC")) -> $out/schema.d.ts"
  "$NODE_BIN/openapi-typescript" "$SPEC" -o "$out/schema.d.ts" > "$out/generate.log" 2>&1 \
    || { grep -v '^    at ' "$out/generate.log" | head -20; return 1; }
  cp "$CLIENTS/typescript/scenario.ts" "$CLIENTS/typescript/tsconfig.json" "$out/"
  ln -s "$NODE_DIR/node_modules" "$out/node_modules"
  say "tsc --noEmit (strict) on scenario.ts + schema.d.ts"
  (cd "$out" && "$NODE_BIN/tsc" --noEmit -p tsconfig.json) || return 1
  start_server typescript || return 1
  ROGATORY_URL=$URL ROGATORY_ADMIN_CLIENT_ID=$ADMIN_ID ROGATORY_ADMIN_CLIENT_SECRET=$ADMIN_SECRET \
    node "$CLIENTS/typescript/run.mjs" "$out"
}

# openapi-generator (the jar of PyPI's openapi-generator-cli, run by Java): generate GENERATOR
# into OUT; a generator error, or a file it wrote twice, fails.
openapi_generator() {
  local generator=$1 out=$2
  shift 2
  say "openapi-generator $("$VENV/bin/openapi-generator-cli" version 2>/dev/null) -g $generator ($(basename "$SPEC")) -> $out"
  "$VENV/bin/openapi-generator-cli" generate -g "$generator" -i "$SPEC" -o "$out" "$@" > "$out.generate.log" 2>&1 \
    || { grep -v '^\s*at ' "$out.generate.log" | tail -30; return 1; }
  if grep -q -e '\] ERROR' -e 'FILEPATH_COLLISION' -e 'has already been written' "$out.generate.log"; then
    say "openapi-generator reported errors (log $out.generate.log):"
    grep -e '\] ERROR' -e 'FILEPATH_COLLISION' -e 'has already been written' "$out.generate.log" | head -20
    return 1
  fi
  say "openapi-generator warnings: $(grep -c '\] WARN' "$out.generate.log") (log $out.generate.log)"
}

client_og_python() {
  local out=$BUILD/openapi-generator-python
  rm -rf "$out" "$out.generate.log"
  openapi_generator python "$out" --package-name rogatory_og --additional-properties=projectName=rogatory-og || return 1
  PYTHONPATH=$out "$VENV/bin/python" -c 'import rogatory_og' || { say "the generated package does not import"; return 1; }
  start_server og-python || return 1
  ROGATORY_URL=$URL ROGATORY_ADMIN_CLIENT_ID=$ADMIN_ID ROGATORY_ADMIN_CLIENT_SECRET=$ADMIN_SECRET \
    PYTHONPATH=$out "$VENV/bin/python" "$CLIENTS/openapi-generator/python/scenario.py"
}

# A TypeScript scenario beside generated code in DIR/generated: compiled with tsc (its
# tsconfig.json, strict, CommonJS, the generated code included), then run with node.
compile_and_run_ts() {
  local dir=$1 scenario_dir=$2
  cp "$scenario_dir/scenario.ts" "$scenario_dir/tsconfig.json" "$dir/"
  ln -s "$NODE_DIR/node_modules" "$dir/node_modules"
  say "tsc (strict) on scenario.ts + the generated code"
  (cd "$dir" && "$NODE_BIN/tsc" -p tsconfig.json) || return 1
  start_server "$(basename "$dir")" || return 1
  ROGATORY_URL=$URL ROGATORY_ADMIN_CLIENT_ID=$ADMIN_ID ROGATORY_ADMIN_CLIENT_SECRET=$ADMIN_SECRET \
    node "$dir/dist/scenario.js"
}

client_og_typescript_fetch() {
  local out=$BUILD/typescript-fetch
  rm -rf "$out" "$out.generate.log"
  mkdir -p "$out"
  openapi_generator typescript-fetch "$out/generated" || return 1
  compile_and_run_ts "$out" "$CLIENTS/openapi-generator/typescript-fetch"
}

client_hey_api() {
  local out=$BUILD/hey-api
  rm -rf "$out"
  mkdir -p "$out"
  say "@hey-api/openapi-ts $("$NODE_BIN/openapi-ts" --version 2>/dev/null | tail -1) ($(basename "$SPEC")) -> $out/generated"
  "$NODE_BIN/openapi-ts" -i "$SPEC" -o "$out/generated" > "$out/generate.log" 2>&1 || { cat "$out/generate.log"; return 1; }
  compile_and_run_ts "$out" "$CLIENTS/hey-api"
}

step_clients() {
  local ok=0 started name
  for name in python typescript og_python og_typescript_fetch hey_api; do
    started=$(now); say "-- client $name"
    "client_$name" || { ok=1; say "client $name: FAIL"; }
    say "client $name: $(elapsed "$started")s"
  done
  return $ok
}

# ---------------------------------------------------------------------------------------------
# 4. the docs page in a real browser.
step_docs() {
  start_server docs || return 1
  NODE_PATH=$NODE_DIR/node_modules CHROMIUM=/usr/bin/chromium \
    node "$CLIENTS/docs/check-docs.mjs" "$URL" "$OUT/docs.png"
}

# ---------------------------------------------------------------------------------------------
say "binary $ROGATORY_BIN, document $SPEC, tools $TOOLS, artifacts $OUT"
if [[ ! -x $ROGATORY_BIN ]]; then
  say "no server binary at $ROGATORY_BIN (set ROGATORY_BIN)"
  exit 1
fi
TOTAL_STARTED=$(now)
run_step 0 "tools (install or reuse)" step_tools
if [[ ${RESULTS[0]} == *FAIL* ]]; then
  say "tools are missing: stopping"
  exit 1
fi
wants 1 && run_step 1 "spec lint" step_lint
wants 2 && run_step 2 "contract fuzzing (schemathesis)" step_fuzz
wants 3 && run_step 3 "generated clients (5 generators)" step_clients
wants 4 && run_step 4 "docs page in chromium" step_docs

echo
say "== summary (total $(elapsed "$TOTAL_STARTED")s) =="
printf '  %s\n' "${RESULTS[@]}"
if [[ $FAILED -ne 0 ]]; then
  say "FAILED"
  exit 1
fi
say "all green"
