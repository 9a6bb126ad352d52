#!/usr/bin/env bash
# Builds the web UI into OUT_DIR (CMake runs this when web/ changed).
# `npm ci` runs only when package-lock.json is newer than node_modules, with
# npm's cache under ~/.cache/shapeblock/npm; the build itself is offline.
# Usage: web/build-ui.sh OUT_DIR
set -euo pipefail
cd "$(dirname "$0")"
OUT_DIR="$1"
export npm_config_cache="${npm_config_cache:-$HOME/.cache/shapeblock/npm}"
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund --prefer-offline
fi
SB_UI_OUT_DIR="$OUT_DIR" npm run --silent build
node scripts/size.mjs "$OUT_DIR" | tail -1
