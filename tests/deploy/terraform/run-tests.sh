#!/usr/bin/env bash
# CTest's terraform_modules_test (label unit): the Terraform modules of
# deploy/terraform parsed with @cdktf/hcl2json and checked with node --test.
# Installs the pinned npm packages first with `npm ci --prefer-offline`, only
# when package-lock.json is newer than node_modules, npm's cache under
# ~/.cache/shapeblock/npm (scripts/setup runs --install-only once, so that
# later runs work offline). Exits 77 (CTest: skipped) without node or npm.
# Usage: run-tests.sh [--install-only]
set -euo pipefail
cd "$(dirname "$0")"

skip() { echo "SKIPPED: $*" >&2; exit 77; }
command -v node >/dev/null || skip "node is not installed (Node.js 20 or later runs these tests; scripts/setup installs it)"
command -v npm >/dev/null || skip "npm is not installed (it installs @cdktf/hcl2json for these tests; scripts/setup installs it)"
major="$(node -p 'process.versions.node.split(".")[0]')"
[ "$major" -ge 20 ] || skip "node $(node --version) is too old: these tests need Node.js 20 or later"

export npm_config_cache="${npm_config_cache:-$HOME/.cache/shapeblock/npm}"
exec 9>"${TMPDIR:-/tmp}/sb-terraform-tests-npm.lock"
flock 9
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  if ! npm ci --no-audit --no-fund --prefer-offline; then
    echo "FAIL: npm ci failed in $PWD: the packages of package-lock.json are not in npm's cache" \
         "($npm_config_cache) and the registry is unreachable; run scripts/setup (or this script) once with network" >&2
    exit 1
  fi
fi
exec 9>&-

[ "${1:-}" = "--install-only" ] && exit 0
exec node --test ./*.test.mjs
