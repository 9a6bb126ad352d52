#!/usr/bin/env bash
# shapeblock-server vs the FastAPI + uvicorn reference, side by side on this
# machine: the same three endpoints on the same SQLite database, loaded with
# wrk at a fixed concurrency. Prints a Markdown table: requests/s, p50/p99
# latency, idle RSS and peak RSS under load.
#
#   bench/server/run.sh [build-dir]      (default build)
#   SB_BENCH_DURATION=15s SB_BENCH_CONNECTIONS=32 SB_BENCH_THREADS=2
#
# Installs nothing: needs wrk and python3-fastapi + python3-uvicorn (Debian).
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD_DIR="${1:-build}"
SERVER="$BUILD_DIR/src/server/shapeblock-server"
DURATION="${SB_BENCH_DURATION:-15s}"
CONNECTIONS="${SB_BENCH_CONNECTIONS:-32}"
THREADS="${SB_BENCH_THREADS:-2}"
PY=/usr/bin/python3

missing=()
command -v wrk >/dev/null || missing+=("wrk")
$PY -c "import fastapi, uvicorn" 2>/dev/null || missing+=("python3-fastapi python3-uvicorn")
[ -x "$SERVER" ] || missing+=("$SERVER (SB_TARGET=shapeblock-server scripts/build $BUILD_DIR)")
if [ ${#missing[@]} -gt 0 ]; then
  echo "benchmark skipped, missing: ${missing[*]}" >&2
  exit 2
fi

WORK="$(mktemp -d)"
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT

free_port() { $PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
rss_kib() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }
wait_ready() {
  for _ in $(seq 1 200); do curl -sf "http://127.0.0.1:$1$2" >/dev/null 2>&1 && return 0; sleep 0.1; done
  echo "server on port $1 did not start" >&2; exit 1
}
. bench/server/seed.sh

SB_PORT="$(free_port)"
PASSWORD="bench-password-1"
SB_ADMIN_PASSWORD="$PASSWORD" SB_ADMIN_EMAIL=bench@example.test SB_DATA_DIR="$WORK/data" \
  "$SERVER" --port "$SB_PORT" --log-level warn >"$WORK/sb.log" 2>&1 &
SB_PID=$!; PIDS+=("$SB_PID")
wait_ready "$SB_PORT" /readyz
BASE="http://127.0.0.1:$SB_PORT"

# Seed: a token, a project with 20 apps.
seed_server "$BASE" "$PASSWORD" "$WORK"

PY_PORT="$(free_port)"
SB_DB="$WORK/data/shapeblock.db" $PY -m uvicorn fastapi_reference:app --app-dir bench/server \
  --host 127.0.0.1 --port "$PY_PORT" --log-level warning --no-access-log >"$WORK/py.log" 2>&1 &
PY_PID=$!; PIDS+=("$PY_PID")
wait_ready "$PY_PORT" /docs
sleep 1

cat >"$WORK/post.lua" <<'LUA'
wrk.method = "POST"
wrk.body = '{"gitRef":"main"}'
wrk.headers["Content-Type"] = "application/json"
LUA

# run <label> <pid> <port> <path> [lua]: one wrk run, prints a table row.
run() {
  local label="$1" pid="$2" port="$3" path="$4" lua="${5:-}"
  local peak=0 out
  ( while kill -0 "$pid" 2>/dev/null; do rss_kib "$pid"; sleep 0.2; done ) >"$WORK/rss" &
  local sampler=$!
  out="$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency -H "$AUTH" ${lua:+-s "$lua"} "http://127.0.0.1:$port$path")"
  kill "$sampler" 2>/dev/null || true; wait "$sampler" 2>/dev/null || true
  peak="$(sort -n "$WORK/rss" | tail -1)"
  local rps p50 p99 errors
  rps="$(echo "$out" | awk '/Requests\/sec/ {print $2}')"
  p50="$(echo "$out" | awk '$1=="50%" {print $2}')"
  p99="$(echo "$out" | awk '$1=="99%" {print $2}')"
  errors="$(echo "$out" | awk '/Non-2xx/ {print $NF}')"
  printf '| %s | %s | %s | %s | %s MiB | %s |\n' "$label" "$rps" "$p50" "$p99" "$(awk "BEGIN {printf \"%.1f\", $peak/1024}")" "${errors:-0}"
}

APPS="/api/v1/teams/$TEAM/projects/$PROJECT/apps"
BUILDS="$APPS/$APP/builds"
echo "wrk -t$THREADS -c$CONNECTIONS -d$DURATION --latency; $(nproc) CPUs; $(date -u +%F)"
echo
echo "| idle RSS | shapeblock-server | FastAPI + uvicorn |"
echo "|---|---|---|"
printf '| after start + seeding | %s MiB | %s MiB |\n' "$(awk "BEGIN {printf \"%.1f\", $(rss_kib "$SB_PID")/1024}")" \
  "$(awk "BEGIN {printf \"%.1f\", $(rss_kib "$PY_PID")/1024}")"
echo
echo "| endpoint / server | req/s | p50 | p99 | peak RSS | non-2xx |"
echo "|---|---|---|---|---|---|"
run "GET /api/v1/me (token) — shapeblock-server" "$SB_PID" "$SB_PORT" /api/v1/me
run "GET /api/v1/me (token) — FastAPI" "$PY_PID" "$PY_PORT" /api/v1/me
run "GET apps (20) — shapeblock-server" "$SB_PID" "$SB_PORT" "$APPS"
run "GET apps (20) — FastAPI" "$PY_PID" "$PY_PORT" "$APPS"
run "POST build — shapeblock-server" "$SB_PID" "$SB_PORT" "$BUILDS" "$WORK/post.lua"
run "POST build — FastAPI" "$PY_PID" "$PY_PORT" "$BUILDS" "$WORK/post.lua"
