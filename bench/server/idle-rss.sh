#!/usr/bin/env bash
# Idle RSS of one shapeblock-server binary, seeded like run.sh, with where it
# is: VmRSS, anonymous and file-backed, and the resident KiB of each mapping.
# The binary is dropped from the page cache first, as after a reboot or a
# deploy: how the file was written (by the linker, by cp) changes how the
# kernel maps it, and so the RSS, by up to 0.2 MiB.
#
#   bench/server/idle-rss.sh [binary]    (default build/src/server/shapeblock-server)
#   SB_BENCH_POSTGRES=1 bench/server/idle-rss.sh [binary]
#     the same on a throwaway PostgreSQL (initdb in a scratch directory,
#     connected over TCP) instead of SQLite
set -euo pipefail
cd "$(dirname "$0")/../.."
SERVER="${1:-build/src/server/shapeblock-server}"
[ -x "$SERVER" ] || { echo "no server binary at $SERVER" >&2; exit 2; }

WORK="$(mktemp -d)"
SERVER_PID=""
PG_BIN="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)"
AS_PG=()
[ "$(id -u)" -eq 0 ] && AS_PG=(runuser -u postgres --)  # PostgreSQL refuses to run as root
cleanup() {
  [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null
  [ -f "$WORK/pg/data/postmaster.pid" ] && "${AS_PG[@]}" "$PG_BIN/pg_ctl" -D "$WORK/pg/data" -m immediate stop >/dev/null 2>&1
  wait 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT
. bench/server/seed.sh

DATABASE_URL=""
if [ "${SB_BENCH_POSTGRES:-}" = 1 ]; then
  [ -x "$PG_BIN/initdb" ] || { echo "PostgreSQL server binaries not found: apt-get install postgresql" >&2; exit 2; }
  PG_PORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
  mkdir -p "$WORK/pg"
  [ "$(id -u)" -eq 0 ] && chown postgres "$WORK" "$WORK/pg"
  "${AS_PG[@]}" "$PG_BIN/initdb" -D "$WORK/pg/data" -U postgres -A trust --no-instructions >/dev/null
  "${AS_PG[@]}" "$PG_BIN/pg_ctl" -D "$WORK/pg/data" -l "$WORK/pg/log" -w \
    -o "-p $PG_PORT -k $WORK/pg -c listen_addresses=127.0.0.1" start >/dev/null
  DATABASE_URL="postgresql://postgres@127.0.0.1:$PG_PORT/postgres?sslmode=disable"
fi

python3 -c 'import os, sys; fd = os.open(sys.argv[1], os.O_RDONLY); os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)' "$SERVER"
PORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
SB_ADMIN_PASSWORD=bench-password-1 SB_ADMIN_EMAIL=bench@example.test SB_DATA_DIR="$WORK/data" \
  SB_DATABASE_URL="$DATABASE_URL" "$SERVER" --port "$PORT" --log-level warn >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$PORT/readyz" >/dev/null 2>&1 && break; sleep 0.1; done
echo "after start: $(awk '/^VmRSS/ {print $2}' "/proc/$SERVER_PID/status") KiB"
seed_server "http://127.0.0.1:$PORT" bench-password-1 "$WORK"
sleep 3
echo "after seeding: $(awk '/^VmRSS/ {print $2}' "/proc/$SERVER_PID/status") KiB"
grep -E '^(RssAnon|RssFile|Threads)' "/proc/$SERVER_PID/status"
awk '/^[0-9a-f]+-[0-9a-f]+ / {name = $6; perm = $2} /^Rss:/ && $2 > 0 {printf "%6d KiB %s %s\n", $2, perm, name}' \
  "/proc/$SERVER_PID/smaps" | sort -rn
