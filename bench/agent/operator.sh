#!/usr/bin/env bash
# The agent link with the real operator: a local Kubernetes control plane
# (sb-testenv kube: etcd, kube-apiserver, kube-controller-manager on
# loopback), a fresh shapeblock-server on SQLite, the operator connected to it
# as cluster "local". Then sb-agent-e2e: a project with N apps and a build
# through the API, the operator's RSS once they are in the cluster, the
# latency of AppBuild status changes made through the kube-apiserver until
# their event reaches a subscriber of the server's event WebSocket, and the
# reconnect soak (the operator's connection ended every EVERY seconds for
# SOAK seconds while the build's status keeps changing; its VmRSS sampled).
# Builds nothing: SB_TARGET="shapeblock-server shapeblock-operator sb-testenv
# sb-agent-e2e" scripts/build build
#
#   bench/agent/operator.sh [apps] [soak seconds] [every seconds]   (default 100 300 2)
#   SB_BENCH_KEEP=1 keeps the scratch directory (logs of every process);
#   SB_BENCH_E2E_ARGS passes more options to sb-agent-e2e (e.g. --samples 100)
set -euo pipefail
cd "$(dirname "$0")/../.."
APPS="${1:-100}"
SOAK="${2:-300}"
EVERY="${3:-2}"
BUILD="${SB_BENCH_BUILD_DIR:-build}"
SERVER="$BUILD/src/server/shapeblock-server"
OPERATOR="$BUILD/src/operator/shapeblock-operator"
TESTENV="$BUILD/tests/support/sb-testenv"
E2E="$BUILD/bench/sb-agent-e2e"
for bin in "$SERVER" "$OPERATOR" "$TESTENV" "$E2E"; do
  [ -x "$bin" ] || { echo "missing $bin (see the build line at the top of $0)" >&2; exit 2; }
done

WORK="$(mktemp -d)"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  if [ -n "${SB_BENCH_KEEP:-}" ]; then echo "logs kept in $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
rss_kib() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }

"$TESTENV" kube --kubeconfig-out "$WORK/kubeconfig" --env-out "$WORK/kube.env" >"$WORK/testenv.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 600); do
  [ -s "$WORK/kube.env" ] && break
  kill -0 "${pids[0]}" 2>/dev/null || { cat "$WORK/testenv.log"; exit 1; }
  sleep 0.2
done
[ -s "$WORK/kube.env" ] || { echo "the control plane did not start" >&2; exit 1; }

PORT="$(free_port)"
API="http://127.0.0.1:$PORT/api/v1"
PASSWORD="$(openssl rand -hex 12)"
SB_ADMIN_PASSWORD="$PASSWORD" SB_ADMIN_EMAIL=bench@example.test \
  "$SERVER" --data-dir "$WORK/data" --port "$PORT" --log-level warn >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
pids+=("$SERVER_PID")
for _ in $(seq 1 150); do curl -fsS "http://127.0.0.1:$PORT/readyz" >/dev/null 2>&1 && break; sleep 0.1; done
login="$(curl -fsS -c "$WORK/cookies" -H 'Content-Type: application/json' \
  -d "{\"email\":\"bench@example.test\",\"password\":\"$PASSWORD\"}" "$API/auth/login")"
csrf="$(jq -r .csrfToken <<<"$login")"
API_TOKEN="$(curl -fsS -b "$WORK/cookies" -H "X-CSRF-Token: $csrf" -H 'Content-Type: application/json' \
  -d '{"name":"bench/agent"}' "$API/me/tokens" | jq -r .token)"
auth=(-H "Authorization: Bearer $API_TOKEN" -H 'Content-Type: application/json')
TEAM="$(curl -fsS "${auth[@]}" "$API/teams" | jq -r '.items[0].id')"
created="$(curl -fsS "${auth[@]}" -d '{"name":"local"}' "$API/teams/$TEAM/clusters")"
CLUSTER="$(jq -r .id <<<"$created")"
AGENT_TOKEN="$(jq -r .agentToken <<<"$created")"

start_operator() {  # <server url> <log>
  SB_OPERATOR_AGENT_TOKEN="$AGENT_TOKEN" "$OPERATOR" --kubeconfig "$WORK/kubeconfig" --install-crds \
    --metrics-address 127.0.0.1:0 --server-url "$1" --cluster-id "$CLUSTER" >"$2" 2>&1 &
  OPERATOR_PID=$!
  pids+=("$OPERATOR_PID")
  for _ in $(seq 1 300); do
    [ "$(curl -fsS "${auth[@]}" "$API/teams/$TEAM/clusters/$CLUSTER" | jq -r .state)" = connected ] && return
    kill -0 "$OPERATOR_PID" 2>/dev/null || { cat "$2"; exit 1; }
    sleep 0.2
  done
  echo "the operator did not connect" >&2; exit 1
}

echo "$(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
start_operator "http://127.0.0.1:$PORT" "$WORK/operator.log"
echo "operator connected: VmRSS $(rss_kib "$OPERATOR_PID") KiB"
SB_BENCH_API_TOKEN="$API_TOKEN" SB_BENCH_AGENT_TOKEN="$AGENT_TOKEN" "$E2E" --server "http://127.0.0.1:$PORT" \
  --team "$TEAM" --cluster "$CLUSTER" --kubeconfig "$WORK/kubeconfig" --apps "$APPS" --operator-pid "$OPERATOR_PID" --server-pid "$SERVER_PID" \
  --soak-seconds "$SOAK" --replace-every "$EVERY" ${SB_BENCH_E2E_ARGS:-}
echo "operator log: $(grep -c '"agent link connected"' "$WORK/operator.log") connections, $(grep -c '"agent link lost"' "$WORK/operator.log") losses logged"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
