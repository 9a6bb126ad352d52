#!/usr/bin/env bash
# The local stack as a user gets it: scripts/run (on free ports, in a scratch
# directory) starts the control plane, the registry, the server and the
# operator; the cluster is connected, the registry asks for its password and
# takes it, the Secret shapeblock/registry-credentials holds it, an App made
# through the API is valid in the cluster (no "Secret registry-credentials
# not found"), and Ctrl-C stops every process.
# Usage: run_test.sh SOURCE_DIR BUILD_DIR
set -euo pipefail
SOURCE_DIR="$1"
BUILD_DIR="$2"

fail() { echo "FAIL: $*" >&2; exit 1; }
free_port() {
  local used port
  used="$(ss -ltnH | awk '{print $4}' | sed 's/.*://')"
  while :; do
    port=$((20000 + RANDOM % 40000))
    grep -qx "$port" <<<"$used" || { echo "$port"; return; }
  done
}

STATE="$(mktemp -d /tmp/sb-stack-test-XXXXXX)"
PORT="$(free_port)"; REGISTRY_PORT="$(free_port)"; METRICS_PORT="$(free_port)"
run_pid=""
finish() {
  local rc=$?
  [ -n "$run_pid" ] && kill -INT -- "-$run_pid" 2>/dev/null && sleep 2
  if [ "$rc" -ne 0 ]; then
    echo "--- scripts/run output"; cat "$STATE/out" || true
    for log in operator server registry testenv; do echo "--- $log.log"; tail -20 "$STATE/run/$log.log" 2>/dev/null || true; done
  fi
  rm -rf "$STATE"
}
trap finish EXIT

# Its own process group, as a terminal gives it: Ctrl-C reaches the group.
SB_RUN_NO_SETUP=1 SB_BUILD_DIR="$BUILD_DIR" SB_RUN_DIR="$STATE/run" SB_PORT="$PORT" \
  SB_REGISTRY_PORT="$REGISTRY_PORT" SB_METRICS_ADDRESS="127.0.0.1:$METRICS_PORT" \
  setsid "$SOURCE_DIR/scripts/run" >"$STATE/out" 2>&1 &
run_pid=$!
for _ in $(seq 1 600); do
  grep -q "ShapeBlock is running" "$STATE/out" && break
  kill -0 "$run_pid" 2>/dev/null || fail "scripts/run exited before it was running"
  sleep 0.2
done
grep -q "ShapeBlock is running" "$STATE/out" || fail "scripts/run not running after 120 s"
echo "scripts/run is running (server :$PORT, registry :$REGISTRY_PORT)"

# The cluster is connected.
API="http://127.0.0.1:$PORT/api/v1"
auth=(-H "Authorization: Bearer $(cat "$STATE/run/api-token")" -H 'Content-Type: application/json')
team="$(curl -fsS "${auth[@]}" "$API/teams" | jq -r '.items[0].id')"
cluster="$(curl -fsS "${auth[@]}" "$API/teams/$team/clusters?name=local" | jq -r '.items[0].id')"
state="$(curl -fsS "${auth[@]}" "$API/teams/$team/clusters/$cluster" | jq -r .state)"
[ "$state" = connected ] || fail "cluster local is '$state', expected connected"

# The registry: 401 without credentials or with a wrong password, 200 with its own.
REGISTRY="127.0.0.1:$REGISTRY_PORT"
password="$(cat "$STATE/run/registry-password")"
[ "$(stat -c %a "$STATE/run/registry-password")" = 600 ] || fail "registry-password is not mode 0600"
code() { curl -s -o /dev/null -w '%{http_code}' "$@"; }
[ "$(code "http://$REGISTRY/v2/")" = 401 ] || fail "registry answers /v2/ without credentials"
[ "$(code -u "shapeblock:wrong-$password" "http://$REGISTRY/v2/")" = 401 ] || fail "registry takes a wrong password"
[ "$(code -u "shapeblock:$password" "http://$REGISTRY/v2/")" = 200 ] || fail "registry refuses its own password"

# The Secret holds those credentials for that registry.
# shellcheck disable=SC1091
. "$STATE/run/kube.env"
kube() { curl -fsS --cacert "$STATE/run/kube-ca.crt" -H @"$STATE/run/kube-auth" "$SB_KUBE_SERVER$1"; }
secret="$(kube /api/v1/namespaces/shapeblock/secrets/registry-credentials)"
[ "$(jq -r .type <<<"$secret")" = kubernetes.io/dockerconfigjson ] || fail "registry-credentials has the wrong type"
config="$(jq -r '.data[".dockerconfigjson"]' <<<"$secret" | base64 -d)"
[ "$(jq -r --arg r "$REGISTRY" '.auths[$r].auth' <<<"$config" | base64 -d)" = "shapeblock:$password" ] ||
  fail "registry-credentials does not hold the registry's credentials for $REGISTRY"

# An App made through the API is valid in the cluster: its project has the
# registry secret, and it pushes to the local registry.
project="$(curl -fsS "${auth[@]}" -d "{\"name\":\"shop\",\"clusterId\":\"$cluster\"}" "$API/teams/$team/projects" | jq -r .id)"
curl -fsS "${auth[@]}" -d '{"name":"web","git":{"url":"https://github.com/example/web.git"}}' \
  "$API/teams/$team/projects/$project/apps" >/dev/null
valid=""
for _ in $(seq 1 300); do
  app="$(kube /apis/apps.shapeblock.io/v1alpha1/namespaces/shop/apps/web 2>/dev/null || echo '{}')"
  valid="$(jq -r '.status.conditions[]? | select(.type == "Valid") | .status' <<<"$app")"
  [ -n "$valid" ] && break
  sleep 0.2
done
[ "$valid" = True ] || fail "App shop/web is not valid: $(jq -c .status <<<"$app")"
kube /api/v1/namespaces/shop/secrets/registry-credentials >/dev/null || fail "no registry-credentials in the project"
echo "cluster connected, registry authenticated, secret in place, App valid"

# Ctrl-C stops everything: no process of the group is left, the ports are free.
kill -INT -- "-$run_pid"
for _ in $(seq 1 100); do
  pgrep -g "$run_pid" >/dev/null || break
  sleep 0.2
done
pgrep -g "$run_pid" >/dev/null && fail "processes left after Ctrl-C: $(pgrep -a -g "$run_pid")"
run_pid=""
kube_port="${SB_KUBE_SERVER##*:}"
for port in "$PORT" "$REGISTRY_PORT" "$METRICS_PORT" "$kube_port"; do
  ss -ltnH | awk '{print $4}' | grep -q ":$port\$" && fail "port $port still listened on after Ctrl-C"
done
echo "Ctrl-C stopped everything"
