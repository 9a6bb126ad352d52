#!/usr/bin/env bash
# The agent link under load: a fresh shapeblock-server (SQLite in a scratch
# directory) with N simulated clusters from sb-agent-load, which prints the
# server's RSS at rest, the status -> event latency and the sustained
# throughput. Builds nothing: build first with
#   SB_TARGET="shapeblock-server sb-agent-load" scripts/build build
#
#   bench/agent/run.sh [clusters]            (default 100)
#   SB_BENCH_BUILD_DIR=build  SB_BENCH_LOAD_ARGS="--rate 2000"  bench/agent/run.sh 100
#
# The unlicensed server registers one cluster; the bench needs N. So the
# server is started once to bootstrap (admin, team, API token), stopped, the
# N clusters are written into its SQLite database as the API writes them
# (id, team, name, SHA-256 of the agent token, state pending), and the
# server is started again: the measured process never saw the setup.
set -euo pipefail
cd "$(dirname "$0")/../.."
CLUSTERS="${1:-100}"
BUILD="${SB_BENCH_BUILD_DIR:-build}"
SERVER="$BUILD/src/server/shapeblock-server"
LOAD="$BUILD/bench/sb-agent-load"
for bin in "$SERVER" "$LOAD"; do
  [ -x "$bin" ] || { echo "missing $bin: SB_TARGET=\"shapeblock-server sb-agent-load\" scripts/build $BUILD" >&2; exit 2; }
done
for tool in curl jq sqlite3 sha256sum openssl; do
  command -v "$tool" >/dev/null || { echo "run.sh needs $tool" >&2; exit 2; }
done

WORK="$(mktemp -d)"
SERVER_PID=""
cleanup() {
  [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null
  wait 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT
PORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
API="http://127.0.0.1:$PORT/api/v1"
PASSWORD="$(openssl rand -hex 12)"

start_server() {
  SB_ADMIN_PASSWORD="$PASSWORD" SB_ADMIN_EMAIL=bench@example.test \
    "$SERVER" --data-dir "$WORK/data" --port "$PORT" --log-level warn >>"$WORK/server.log" 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 1 150); do
    curl -fsS "http://127.0.0.1:$PORT/readyz" >/dev/null 2>&1 && return
    kill -0 "$SERVER_PID" 2>/dev/null || { cat "$WORK/server.log"; exit 1; }
    sleep 0.1
  done
  echo "the server did not become ready" >&2; exit 1
}
stop_server() { kill "$SERVER_PID"; wait "$SERVER_PID" || true; SERVER_PID=""; }

start_server
login="$(curl -fsS -c "$WORK/cookies" -H 'Content-Type: application/json' \
  -d "{\"email\":\"bench@example.test\",\"password\":\"$PASSWORD\"}" "$API/auth/login")"
csrf="$(jq -r .csrfToken <<<"$login")"
API_TOKEN="$(curl -fsS -b "$WORK/cookies" -H "X-CSRF-Token: $csrf" -H 'Content-Type: application/json' \
  -d '{"name":"bench/agent"}' "$API/me/tokens" | jq -r .token)"
TEAM="$(curl -fsS -H "Authorization: Bearer $API_TOKEN" "$API/teams" | jq -r '.items[0].id')"
stop_server

# N clusters as POST /teams/{team}/clusters writes them.
now_ms="$(date +%s%3N)"
{
  echo "BEGIN;"
  for i in $(seq 1 "$CLUSTERS"); do
    id="$(printf '%012x%08x' "$now_ms" "$i")"
    token="sba_${id}_$(openssl rand -hex 32)"
    echo "$id $token" >>"$WORK/tokens"
    hash="$(printf '%s' "$token" | sha256sum | cut -d' ' -f1)"
    echo "INSERT INTO clusters (id, team_id, name, agent_token_hash, state, created_at, updated_at)" \
         "VALUES ('$id', '$TEAM', 'sim-$i', '$hash', 'pending', $now_ms, $now_ms);"
  done
  echo "COMMIT;"
} | sqlite3 "$WORK/data/shapeblock.db"
chmod 600 "$WORK/tokens"

start_server
echo "server pid $SERVER_PID on port $PORT; $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
SB_BENCH_API_TOKEN="$API_TOKEN" "$LOAD" --server "http://127.0.0.1:$PORT" --team "$TEAM" \
  --clusters "$CLUSTERS" --tokens "$WORK/tokens" --server-pid "$SERVER_PID" ${SB_BENCH_LOAD_ARGS:-}
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
if grep -q '"level":"error"' "$WORK/server.log"; then echo "server errors:"; grep '"level":"error"' "$WORK/server.log" | head; fi
