#!/usr/bin/env bash
# Runs k8s.io/sample-controller (Go, client-go) and its C++ twin on libkube
# (bench/sample-controller/main.cpp) one after the other against the same
# fresh local kube-apiserver, and reports for each: idle RSS after sync, peak
# RSS and CPU seconds while converging N Foos (every Deployment created and
# every Foo status written), time to converge, and RSS with the N Foos and N
# Deployments cached.
#
# Usage: bench/sample-controller/run.sh [N]          (default N = 1000)
# Env:   SB_BENCH_BUILD_DIR (default build-bench), SB_BENCH_QPS / SB_BENCH_BURST
#        for the C++ controller (default 1000 / 2000; the Go one keeps
#        client-go's defaults, 5 / 10, as sample-controller does),
#        SB_BENCH_ONLY=go|cpp to run one of them, SB_BENCH_LOG_DIR to keep the
#        controllers' logs, SB_BENCH_CPP_ARGS for more C++ controller options
#        (e.g. "--cache objects").
#
# The control plane runs without kube-controller-manager, so neither
# controller also has to absorb ReplicaSet/Pod churn; the work is exactly
# sample-controller's: create the Deployment, write the Foo status, record
# an Event.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
N="${1:-1000}"
BUILD_DIR="${SB_BENCH_BUILD_DIR:-$ROOT/build-bench}"
QPS="${SB_BENCH_QPS:-1000}"
BURST="${SB_BENCH_BURST:-2000}"
ONLY="${SB_BENCH_ONLY:-}"
read -r -a CPP_ARGS <<<"${SB_BENCH_CPP_ARGS:-}"
KUBE_CACHE="${SB_KUBE_CACHE:-$HOME/.cache/shapeblock}"
NS=default
LOG_DIR="${SB_BENCH_LOG_DIR:-}"

log() { echo "==> $*" >&2; }

# --- build both controllers -------------------------------------------------
log "building the C++ sample-controller and sb-testenv in $BUILD_DIR"
SB_TARGET=sample-controller "$ROOT/scripts/build" "$BUILD_DIR" >/dev/null
SB_TARGET=sb-testenv "$ROOT/scripts/build" "$BUILD_DIR" >/dev/null
CPP_BIN="$BUILD_DIR/bench/sample-controller"
TESTENV="$BUILD_DIR/tests/support/sb-testenv"

"$ROOT/scripts/build-kube"
TREE="$(ls -d "$KUBE_CACHE"/src-*/tree | head -1)"
WORK="$(dirname "$TREE")"
GO_BIN="$WORK/bin/sample-controller"
if [ ! -x "$GO_BIN" ]; then
  log "building the Go sample-controller from $TREE (first run only)"
  (cd "$TREE" && HOME="$WORK/home" GOPATH="$WORK/gopath" GOCACHE="$KUBE_CACHE/go-build" CGO_ENABLED=0 \
    make WHAT=vendor/k8s.io/sample-controller >"$WORK/sample-controller-build.log" 2>&1) \
    || { tail -30 "$WORK/sample-controller-build.log" >&2; exit 1; }
  mkdir -p "$WORK/bin"
  cp "$TREE/_output/bin/sample-controller" "$GO_BIN"
fi
EXAMPLES="$TREE/staging/src/k8s.io/sample-controller/artifacts/examples"

# --- a fresh control plane --------------------------------------------------
TMP="$(mktemp -d)"
TESTENV_PID=""
CONTROLLER_PID=""
cleanup() {
  [ -n "$CONTROLLER_PID" ] && kill "$CONTROLLER_PID" 2>/dev/null || true
  [ -n "$TESTENV_PID" ] && kill "$TESTENV_PID" 2>/dev/null && wait "$TESTENV_PID" 2>/dev/null || true
  rm -rf "$TMP"
}
trap cleanup EXIT
log "starting etcd + kube-apiserver"
"$TESTENV" kube --no-controller-manager --env-out "$TMP/env" >"$TMP/testenv.log" 2>&1 &
TESTENV_PID=$!
for _ in $(seq 1 120); do [ -s "$TMP/env" ] && break; sleep 1; done
[ -s "$TMP/env" ] || { cat "$TMP/testenv.log" >&2; exit 1; }
# shellcheck disable=SC1091
. "$TMP/env"
export KUBECONFIG
kubectl apply -f "$EXAMPLES/crd.yaml" >/dev/null 2>&1
kubectl wait --for condition=established --timeout=60s crd/foos.samplecontroller.k8s.io >/dev/null

for part in 0 1 2 3; do
  for i in $(seq "$part" 4 $((N - 1))); do
    printf 'apiVersion: samplecontroller.k8s.io/v1alpha1\nkind: Foo\nmetadata:\n  name: foo-%d\n  namespace: %s\nspec:\n  deploymentName: foo-%d\n  replicas: 1\n---\n' "$i" "$NS" "$i"
  done >"$TMP/foos-$part.yaml"
done

# --- measurement helpers ----------------------------------------------------
CLK_TCK="$(getconf CLK_TCK)"
rss_mib() { awk '/^VmRSS:/ {printf "%.1f", $2 / 1024}' "/proc/$1/status"; }
hwm_mib() { awk '/^VmHWM:/ {printf "%.1f", $2 / 1024}' "/proc/$1/status"; }
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
now() { date +%s.%N; }
count_deployments() { kubectl get deployments -n "$NS" -o name 2>/dev/null | wc -l; }
count_foo_status() {
  kubectl get foos -n "$NS" -o jsonpath='{range .items[*]}{.status.availableReplicas}{"\n"}{end}' 2>/dev/null | grep -c '^[0-9]' || true
}

RESULTS=()
measure() {
  local name="$1"; shift
  log "$name: starting"
  "$@" >"$TMP/$name.log" 2>&1 &
  CONTROLLER_PID=$!
  sleep 10  # start, list both (empty) resources, sync, settle
  kill -0 "$CONTROLLER_PID" || { cat "$TMP/$name.log" >&2; exit 1; }
  local idle; idle="$(rss_mib "$CONTROLLER_PID")"
  local cpu0; cpu0="$(cpu_ticks "$CONTROLLER_PID")"
  local t0; t0="$(now)"
  local creators=()
  for part in 0 1 2 3; do kubectl create -f "$TMP/foos-$part.yaml" >/dev/null & creators+=($!); done
  wait "${creators[@]}"
  local created; created="$(now)"
  log "$name: $N Foos created in $(echo "$created - $t0" | bc) s; waiting for convergence"
  local peak_seen=0 deadline=$(( $(date +%s) + 1800 ))
  while :; do
    local d s; d="$(count_deployments)"; s="$(count_foo_status)"
    if [ "$d" -ge "$N" ] && [ "$s" -ge "$N" ]; then break; fi
    [ "$(date +%s)" -lt "$deadline" ] || { log "$name: no convergence ($d deployments, $s statuses)"; exit 1; }
    kill -0 "$CONTROLLER_PID" || { tail -20 "$TMP/$name.log" >&2; exit 1; }
    sleep 1
  done
  local t1; t1="$(now)"
  local cpu1; cpu1="$(cpu_ticks "$CONTROLLER_PID")"
  local peak; peak="$(hwm_mib "$CONTROLLER_PID")"
  sleep 10
  local cached; cached="$(rss_mib "$CONTROLLER_PID")"
  local secs; secs="$(echo "scale=1; ($t1 - $t0) / 1" | bc)"
  local cpu; cpu="$(echo "scale=2; ($cpu1 - $cpu0) / $CLK_TCK" | bc)"
  RESULTS+=("| $name | $idle | $peak | $cpu | $secs | $cached |")
  log "$name: idle ${idle} MiB, peak ${peak} MiB, ${cpu} CPU s, converged in ${secs} s, ${cached} MiB with $N Foos cached"
  kill -TERM "$CONTROLLER_PID"; wait "$CONTROLLER_PID" 2>/dev/null || true
  CONTROLLER_PID=""
  [ -z "$LOG_DIR" ] || cp "$TMP/$name.log" "$LOG_DIR/"
  log "$name: cleaning up"
  kubectl delete foos --all -n "$NS" --wait=false >/dev/null
  kubectl delete deployments --all -n "$NS" --wait=false >/dev/null
  kubectl delete events --all -n "$NS" --wait=false >/dev/null
  while [ "$(kubectl get foos,deployments -n "$NS" -o name 2>/dev/null | wc -l)" -gt 0 ]; do sleep 1; done
}

[ "$ONLY" = cpp ] || measure "Go (client-go, 5 QPS)" "$GO_BIN" --kubeconfig "$KUBECONFIG"
[ "$ONLY" = go ] || measure "C++ (libkube, $QPS QPS)" "$CPP_BIN" --kubeconfig "$KUBECONFIG" --qps "$QPS" --burst "$BURST" --workers 2 "${CPP_ARGS[@]}"

echo
echo "sample-controller, $N Foos, $(nproc) cores, $(date -u +%Y-%m-%d)"
echo
echo "| controller | idle RSS after sync (MiB) | peak RSS (MiB) | CPU seconds to converge | time to converge (s) | RSS with $N Foos cached (MiB) |"
echo "|---|---|---|---|---|---|"
printf '%s\n' "${RESULTS[@]}"
