#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the test suite, on a loopback port, with trust auth.
#
#   scripts/pg_test_cluster.sh start    # prints DATABASE_URL on stdout (everything else on stderr)
#   scripts/pg_test_cluster.sh url      # prints DATABASE_URL of the running cluster
#   scripts/pg_test_cluster.sh status
#   scripts/pg_test_cluster.sh stop     # stops the cluster and deletes its directory
#
# Typical use:
#   export DATABASE_URL="$(scripts/pg_test_cluster.sh start)"
#   make test
#   scripts/pg_test_cluster.sh stop
#
# Environment:
#   PG_TEST_DIR   where the cluster lives (default: ${TMPDIR:-/tmp}/partystats-pg)
#   PG_TEST_PORT  port to listen on (default: the first free one from 55432 up)
#   PG_TEST_DB    database and role name (default: partystats)
#
# The server binaries come from Debian's `postgresql` package; when they are missing and we are
# root, `start` installs it. As root the cluster runs as the `postgres` user (initdb refuses root).
set -euo pipefail

PG_TEST_DIR="${PG_TEST_DIR:-${TMPDIR:-/tmp}/partystats-pg}"
PG_TEST_DB="${PG_TEST_DB:-partystats}"
DATA_DIR="$PG_TEST_DIR/data"
LOG_FILE="$PG_TEST_DIR/postgres.log"
PORT_FILE="$PG_TEST_DIR/port"

log() { echo "pg_test_cluster: $*" >&2; }
die() { log "$*"; exit 1; }

find_bindir() {
    local candidate
    if candidate="$(command -v pg_ctl 2>/dev/null)" && [ -x "$(dirname "$candidate")/initdb" ]; then
        dirname "$(readlink -f "$candidate")"
        return 0
    fi
    # Debian keeps the server binaries outside PATH; take the newest major version.
    candidate="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)"
    if [ -n "$candidate" ] && [ -x "$candidate/initdb" ] && [ -x "$candidate/pg_ctl" ]; then
        echo "$candidate"
        return 0
    fi
    return 1
}

ensure_binaries() {
    if BINDIR="$(find_bindir)"; then
        return 0
    fi
    [ "$(id -u)" = 0 ] || die "initdb/pg_ctl not found: install Debian's postgresql package"
    log "installing Debian's postgresql package"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update >&2
    apt-get install -y --no-install-recommends postgresql >&2
    BINDIR="$(find_bindir)" || die "postgresql installed but initdb/pg_ctl still not found"
}

# Run a command as the cluster's owner: `postgres` when we are root, ourselves otherwise.
as_owner() {
    if [ "$(id -u)" = 0 ]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

# shellcheck source=scripts/loopback_port.sh
. "$(dirname "${BASH_SOURCE[0]}")/loopback_port.sh"

is_running() {
    [ -f "$DATA_DIR/PG_VERSION" ] && as_owner "$BINDIR/pg_ctl" status -D "$DATA_DIR" >/dev/null 2>&1
}

print_url() {
    echo "postgres://$PG_TEST_DB@127.0.0.1:$(cat "$PORT_FILE")/$PG_TEST_DB"
}

cmd_start() {
    ensure_binaries
    if is_running; then
        log "already running in $PG_TEST_DIR"
        print_url
        return 0
    fi
    mkdir -p "$PG_TEST_DIR"
    if [ "$(id -u)" = 0 ]; then
        id postgres >/dev/null 2>&1 || die "no postgres user: install Debian's postgresql package"
        chown postgres: "$PG_TEST_DIR"
    fi
    chmod 700 "$PG_TEST_DIR"
    if [ ! -f "$DATA_DIR/PG_VERSION" ]; then
        log "initdb in $DATA_DIR"
        as_owner "$BINDIR/initdb" -D "$DATA_DIR" -U postgres --auth=trust \
            --encoding=UTF8 --locale=C.UTF-8 >/dev/null
    fi
    local port
    port="$(choose_port "${PG_TEST_PORT:-}" 55432 55532)"
    as_owner sh -c "echo $port > '$PORT_FILE'"
    log "starting on 127.0.0.1:$port (log: $LOG_FILE)"
    # Durability is pointless for a throwaway test cluster: trade it for speed.
    as_owner "$BINDIR/pg_ctl" start -D "$DATA_DIR" -l "$LOG_FILE" -w -t 60 -o \
        "-c listen_addresses=127.0.0.1 -p $port -c unix_socket_directories='$PG_TEST_DIR' \
         -c fsync=off -c synchronous_commit=off -c full_page_writes=off" >/dev/null \
        || { cat "$LOG_FILE" >&2 || true; die "PostgreSQL did not start"; }
    local psql=("$BINDIR/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" -U postgres -d postgres)
    if [ "$(as_owner "${psql[@]}" -tAc "SELECT 1 FROM pg_roles WHERE rolname = '$PG_TEST_DB'")" != 1 ]; then
        as_owner "${psql[@]}" -c "CREATE ROLE \"$PG_TEST_DB\" LOGIN CREATEDB"
    fi
    if [ "$(as_owner "${psql[@]}" -tAc "SELECT 1 FROM pg_database WHERE datname = '$PG_TEST_DB'")" != 1 ]; then
        as_owner "${psql[@]}" -c "CREATE DATABASE \"$PG_TEST_DB\" OWNER \"$PG_TEST_DB\""
    fi
    print_url
}

cmd_stop() {
    if ! BINDIR="$(find_bindir)"; then
        log "no PostgreSQL binaries: nothing to stop"
        return 0
    fi
    if is_running; then
        log "stopping the cluster in $PG_TEST_DIR"
        as_owner "$BINDIR/pg_ctl" stop -D "$DATA_DIR" -m fast -w >/dev/null
    fi
    # Delete only what looks like ours: a cluster directory, or an empty one.
    if [ -d "$DATA_DIR" ] || [ -f "$PORT_FILE" ]; then
        rm -rf "$PG_TEST_DIR"
    elif [ -d "$PG_TEST_DIR" ]; then
        rmdir "$PG_TEST_DIR" 2>/dev/null || log "left $PG_TEST_DIR alone: not a test cluster"
    fi
}

cmd_status() {
    ensure_binaries
    if is_running; then
        log "running in $PG_TEST_DIR"
        print_url
    else
        log "not running ($PG_TEST_DIR)"
        return 3
    fi
}

cmd_url() {
    ensure_binaries
    is_running || die "not running ($PG_TEST_DIR)"
    print_url
}

case "${1:-}" in
    start) cmd_start ;;
    stop) cmd_stop ;;
    status) cmd_status ;;
    url) cmd_url ;;
    *) echo "usage: $0 start|stop|status|url" >&2; exit 2 ;;
esac
