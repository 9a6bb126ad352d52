#!/usr/bin/env bash
# The web UI's tests (web/tests/*.test.mjs) against the whole local stack:
# scripts/run on free ports in a scratch directory, then node --test with
# the server's URL and the run directory (admin password, API token, the
# control plane's credentials). Screenshots and figures go to
# BUILD_DIR/ui-artifacts.
# Usage: ui_test.sh SOURCE_DIR BUILD_DIR
set -euo pipefail
SOURCE_DIR="$1"
BUILD_DIR="$(cd "$2" && pwd)"

fail() { echo "FAIL: $*" >&2; exit 1; }
free_port() {
  local used port
  used="$(ss -ltnH | awk '{print $4}' | sed 's/.*://')"
  while :; do
    port=$((20000 + RANDOM % 40000))
    grep -qx "$port" <<<"$used" || { echo "$port"; return; }
  done
}
[ -x /usr/bin/chromium ] || fail "Debian's chromium is not installed (scripts/setup installs it)"
[ -d "$SOURCE_DIR/web/node_modules/playwright-core" ] || fail "web/node_modules is missing: the build runs npm ci (cmake/WebUi.cmake)"
[ -f "$BUILD_DIR/src/server/ui/index.html" ] || fail "the UI is not built beside the server ($BUILD_DIR/src/server/ui)"

STATE="$(mktemp -d /tmp/sb-ui-test-XXXXXX)"
PORT="$(free_port)"; REGISTRY_PORT="$(free_port)"; METRICS_PORT="$(free_port)"
run_pid=""
finish() {
  local rc=$?
  [ -n "$run_pid" ] && kill -INT -- "-$run_pid" 2>/dev/null && sleep 2
  if [ "$rc" -ne 0 ]; then
    echo "--- scripts/run output"; cat "$STATE/out" || true
    for log in operator server; do echo "--- $log.log"; tail -30 "$STATE/run/$log.log" 2>/dev/null || true; done
  fi
  rm -rf "$STATE"
}
trap finish EXIT

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

ARTIFACTS="$BUILD_DIR/ui-artifacts"
rm -rf "$ARTIFACTS"; mkdir -p "$ARTIFACTS"
cd "$SOURCE_DIR/web"
SB_URL="http://127.0.0.1:$PORT" SB_RUN_DIR="$STATE/run" SB_UI_ARTIFACTS="$ARTIFACTS" \
  node --test --test-concurrency=1 tests/*.test.mjs
echo "screenshots and figures: $ARTIFACTS"
