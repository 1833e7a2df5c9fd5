#!/usr/bin/env bash
# Starts a throwaway PostgreSQL 15 cluster on 127.0.0.1 for the relay's tests and benchmarks.
#
#   eval "$(scripts/start-postgres.sh)"      # exports LANTERN_TEST_POSTGRES_URL
#   scripts/start-postgres.sh --stop DIR     # stops a cluster started earlier
#
# On a fresh Debian machine as root it installs postgresql-15 when missing. PostgreSQL refuses to
# run as root, so the cluster (in a temporary directory) is owned by the `postgres` user, created
# if needed. Authentication is `trust`, on 127.0.0.1 only: for tests, never for production.
# Environment: LANTERN_PG_PORT (default: a free port), LANTERN_PG_DIR (default: mktemp -d),
# LANTERN_PG_DB (default: lantern_test). Diagnostics go to stderr; stdout is only `export ...`.
# With openssl present the server also accepts TLS (self-signed certificate, exported as
# LANTERN_TEST_POSTGRES_CA).
set -euo pipefail

log() { echo "start-postgres: $*" >&2; }

find_bin() {
    for d in /usr/lib/postgresql/15/bin /usr/lib/postgresql/*/bin; do
        if [ -x "$d/initdb" ]; then echo "$d"; return 0; fi
    done
    if command -v initdb >/dev/null 2>&1; then dirname "$(readlink -f "$(command -v initdb)")"; return 0; fi
    return 1
}

run_as() {
    if [ "$(id -u)" -eq 0 ]; then
        su -s /bin/sh "$PG_USER" -c "$*"
    else
        sh -c "$*"
    fi
}

if [ "${1:-}" = "--stop" ]; then
    dir="${2:?usage: start-postgres.sh --stop DIR}"
    BIN="$(find_bin)"
    PG_USER="$(stat -c %U "$dir/data")"
    run_as "'$BIN/pg_ctl' -D '$dir/data' -m fast stop" >&2
    exit 0
fi

if ! BIN="$(find_bin)"; then
    if [ "$(id -u)" -ne 0 ]; then
        log "PostgreSQL is not installed and I am not root: apt-get install postgresql-15"; exit 1
    fi
    log "installing postgresql-15"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update >&2
    apt-get install -y --no-install-recommends postgresql-15 >&2
    BIN="$(find_bin)"
fi

if [ "$(id -u)" -eq 0 ]; then
    PG_USER=postgres
    if ! id "$PG_USER" >/dev/null 2>&1; then
        log "creating system user $PG_USER"
        useradd --system --home-dir /nonexistent --shell /usr/sbin/nologin "$PG_USER"
    fi
else
    PG_USER="$(id -un)"
fi

PORT="${LANTERN_PG_PORT:-$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')}"
DIR="${LANTERN_PG_DIR:-$(mktemp -d /tmp/lantern-pg.XXXXXX)}"
DB="${LANTERN_PG_DB:-lantern_test}"
mkdir -p "$DIR"
chown "$PG_USER" "$DIR" 2>/dev/null || true
chmod 700 "$DIR"

if [ ! -f "$DIR/data/PG_VERSION" ]; then
    run_as "'$BIN/initdb' -D '$DIR/data' -U lantern --auth=trust --encoding=UTF8 --no-locale" >"$DIR/initdb.log" 2>&1 \
        || { cat "$DIR/initdb.log" >&2; exit 1; }
fi
# TLS as well as plain connections (the relay's `sslmode=require` test): a self-signed
# certificate for 127.0.0.1/localhost, trusted by the tests through LANTERN_TEST_POSTGRES_CA.
SSL_OPTS=""
if command -v openssl >/dev/null 2>&1; then
    if [ ! -f "$DIR/data/server.crt" ]; then
        openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
            -subj /CN=localhost -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" \
            -addext "basicConstraints=critical,CA:FALSE" \
            -keyout "$DIR/data/server.key" -out "$DIR/data/server.crt" >/dev/null 2>&1
        chown "$PG_USER" "$DIR/data/server.key" "$DIR/data/server.crt" 2>/dev/null || true
        chmod 600 "$DIR/data/server.key"
        cp "$DIR/data/server.crt" "$DIR/ca.pem"
    fi
    SSL_OPTS="-c ssl=on"
else
    log "openssl not found: PostgreSQL without TLS (the relay's TLS test will say skipped)"
fi
run_as "'$BIN/pg_ctl' -D '$DIR/data' -l '$DIR/server.log' -w -t 60 \
    -o \"-c listen_addresses=127.0.0.1 -p $PORT -c unix_socket_directories='$DIR' -c max_connections=300 $SSL_OPTS\" start" >&2 \
    || { cat "$DIR/server.log" >&2; exit 1; }
run_as "'$BIN/createdb' -h 127.0.0.1 -p $PORT -U lantern '$DB'" 2>/dev/null || true

URL="postgres://lantern@127.0.0.1:$PORT/$DB"
echo "$URL" >"$DIR/url"
log "PostgreSQL running in $DIR on 127.0.0.1:$PORT (stop: scripts/start-postgres.sh --stop $DIR)"
echo "export LANTERN_TEST_POSTGRES_URL=$URL"
echo "export LANTERN_PG_DIR=$DIR"
if [ -n "$SSL_OPTS" ]; then echo "export LANTERN_TEST_POSTGRES_CA=$DIR/ca.pem"; fi
