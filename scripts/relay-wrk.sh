#!/usr/bin/env bash
# Drives a real relay process with wrk (an independent load generator): 50 connections, 2
# threads, 1 KiB envelopes with unique ids and the capability header (scripts/relay-wrk.lua),
# and GET /healthz on the same relay in the same run, for SQLite and/or PostgreSQL.
#
#   scripts/relay-wrk.sh [sqlite|sqlite-normal|postgres|all] [SECONDS]     # default: all 10
#
# Builds the release relay and relay-load (which only creates the mailboxes and capabilities:
# creating them needs Ed25519 signatures; RELAY_WRK_NO_BUILD=1 uses the binaries as they are). For postgres it uses $LANTERN_TEST_POSTGRES_URL,
# or starts a throwaway cluster with scripts/start-postgres.sh and stops it afterwards.
# Needs wrk (Debian: apt-get install wrk). Prints one line per backend:
#   backend  healthz req/s  healthz p99  posts/s  post p50  post p99  non-2xx
set -euo pipefail

cd "$(dirname "$0")/.."
WHICH="${1:-all}"
SECS="${2:-10}"
CONNS="${RELAY_WRK_CONNECTIONS:-50}"
THREADS="${RELAY_WRK_THREADS:-2}"

command -v wrk >/dev/null || { echo "relay-wrk: wrk not found (apt-get install wrk)" >&2; exit 1; }
if [ -z "${RELAY_WRK_NO_BUILD:-}" ]; then
    cargo build --release -q -p lantern-relay --bin lantern-relay --bin relay-load >&2
fi

WORK="$(mktemp -d)"
RELAY_PID=""
PG_DIR=""
cleanup() {
    if [ -n "$RELAY_PID" ]; then kill "$RELAY_PID" 2>/dev/null || true; wait "$RELAY_PID" 2>/dev/null || true; fi
    if [ -n "$PG_DIR" ]; then bash scripts/start-postgres.sh --stop "$PG_DIR" >/dev/null 2>&1 || true; fi
    rm -rf "$WORK"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# Runs wrk with the Lua script in MODE; prints its RESULT line's fields.
run_wrk() {
    local mode="$1" url="$2" secs="$3"
    RELAY_WRK_MODE="$mode" RELAY_WRK_CAPS="$WORK/caps.txt" RELAY_WRK_RUN="$RANDOM$RANDOM" \
        wrk -t"$THREADS" -c"$CONNS" -d"${secs}s" --timeout 5s -s scripts/relay-wrk.lua "$url" \
        | grep '^RESULT' | tail -1
}

field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<"$2"; }

bench() {
    local name="$1" database="$2"; shift 2
    local port url
    port="$(free_port)"
    url="http://127.0.0.1:$port"
    # Rate limits (also of mailbox creation) off and large quotas, per mailbox and per
    # capability: this measures storage, not the limiter (a refusal would show as non-2xx).
    target/release/lantern-relay --listen "127.0.0.1:$port" --database "$database" \
        --rate-per-ip 0 --rate-per-key 0 --create-rate-per-ip 0 \
        --mailbox-max-envelopes 100000000 --mailbox-max-bytes 1000000000000 \
        --capability-max-envelopes 100000000 --capability-max-bytes 1000000000000 \
        "$@" >"$WORK/relay-$name.log" 2>&1 &
    RELAY_PID=$!
    for _ in $(seq 100); do
        curl -fsS "$url/healthz" >/dev/null 2>&1 && break
        sleep 0.1
    done
    target/release/relay-load --url "$url" --mailboxes 50 --wrk-setup "$WORK/caps.txt" >&2
    local health post
    health="$(run_wrk health "$url" "$(( SECS < 5 ? SECS : 5 ))")"
    post="$(run_wrk post "$url" "$SECS")"
    printf '%-14s %12.0f %10s ms %10.0f %8s ms %8s ms %8s\n' "$name" \
        "$(field rate "$health")" "$(field p99_ms "$health")" "$(field rate "$post")" \
        "$(field p50_ms "$post")" "$(field p99_ms "$post")" "$(field non2xx "$post")"
    kill "$RELAY_PID"; wait "$RELAY_PID" 2>/dev/null || true
    RELAY_PID=""
}

echo "wrk: $THREADS threads, $CONNS connections, ${SECS} s of posts (1 KiB), /healthz for $(( SECS < 5 ? SECS : 5 )) s first; load average: $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-14s %12s %13s %10s %11s %11s %8s\n' backend "healthz/s" "healthz p99" "posts/s" "post p50" "post p99" "non-2xx"
case "$WHICH" in sqlite|all)
    bench sqlite "sqlite:$WORK/relay.db" ;;
esac
case "$WHICH" in sqlite-normal|all)
    bench sqlite-normal "sqlite:$WORK/relay-normal.db" --sqlite-synchronous normal ;;
esac
case "$WHICH" in postgres|all)
    pg_url="${LANTERN_TEST_POSTGRES_URL:-}"
    if [ -z "$pg_url" ]; then
        eval "$(bash scripts/start-postgres.sh)"
        PG_DIR="$LANTERN_PG_DIR"
        pg_url="$LANTERN_TEST_POSTGRES_URL"
    fi
    bench postgres "$pg_url" --postgres-schema "wrk_$(date +%s)" ;;
esac
