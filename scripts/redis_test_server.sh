#!/usr/bin/env bash
# A throwaway Redis server for the test suite's page-cache tests, on a loopback port.
#
#   scripts/redis_test_server.sh start    # prints CACHE_URL on stdout (everything else on stderr)
#   scripts/redis_test_server.sh url      # prints CACHE_URL of the running server
#   scripts/redis_test_server.sh status
#   scripts/redis_test_server.sh stop     # stops the server and deletes its directory
#
# Typical use:
#   export CACHE_URL="$(scripts/redis_test_server.sh start)"
#   .venv/bin/pytest tests/partystats/test_page_cache.py tests/partystats/test_readers_during_import.py
#   scripts/redis_test_server.sh stop
#
# Environment:
#   REDIS_TEST_DIR   where the server keeps its pid, log and port files
#                    (default: ${TMPDIR:-/tmp}/partystats-redis)
#   REDIS_TEST_PORT  port to listen on (default: the first free one from 56379 up)
#
# The server comes from Debian's `redis-server` package; when it is missing and we are root,
# `start` installs it. Nothing is written to disk (no RDB, no AOF): it is a cache, and a test's.
set -euo pipefail

REDIS_TEST_DIR="${REDIS_TEST_DIR:-${TMPDIR:-/tmp}/partystats-redis}"
PID_FILE="$REDIS_TEST_DIR/redis.pid"
PORT_FILE="$REDIS_TEST_DIR/port"
LOG_FILE="$REDIS_TEST_DIR/redis.log"

log() { echo "redis_test_server: $*" >&2; }
die() { log "$*"; exit 1; }

ensure_binaries() {
    if command -v redis-server >/dev/null && command -v redis-cli >/dev/null; then
        return 0
    fi
    [ "$(id -u)" = 0 ] || die "redis-server not found: install Debian's redis-server package"
    log "installing Debian's redis-server package"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update >&2
    apt-get install -y --no-install-recommends redis-server >&2
    command -v redis-server >/dev/null || die "redis-server installed but still not found"
}

# shellcheck source=scripts/loopback_port.sh
. "$(dirname "${BASH_SOURCE[0]}")/loopback_port.sh"

is_running() {
    [ -f "$PID_FILE" ] && [ -f "$PORT_FILE" ] && kill -0 "$(cat "$PID_FILE")" 2>/dev/null \
        && [ "$(redis-cli -h 127.0.0.1 -p "$(cat "$PORT_FILE")" ping 2>/dev/null)" = PONG ]
}

print_url() {
    echo "redis://127.0.0.1:$(cat "$PORT_FILE")/0"
}

cmd_start() {
    ensure_binaries
    if is_running; then
        log "already running in $REDIS_TEST_DIR"
        print_url
        return 0
    fi
    mkdir -p "$REDIS_TEST_DIR"
    chmod 700 "$REDIS_TEST_DIR"
    local port
    port="$(choose_port "${REDIS_TEST_PORT:-}" 56379 56479)"
    echo "$port" > "$PORT_FILE"
    log "starting on 127.0.0.1:$port (log: $LOG_FILE)"
    # As production should run it (docs/deployment.md): a memory limit, evicting the least
    # recently used pages; no persistence.
    redis-server --bind 127.0.0.1 --port "$port" --dir "$REDIS_TEST_DIR" \
        --daemonize yes --pidfile "$PID_FILE" --logfile "$LOG_FILE" \
        --save "" --appendonly no --maxmemory 256mb --maxmemory-policy allkeys-lru \
        || die "redis-server did not start"
    local tries
    for tries in $(seq 1 100); do
        if is_running; then
            print_url
            return 0
        fi
        sleep 0.1
    done
    cat "$LOG_FILE" >&2 || true
    die "Redis did not answer PING on port $port"
}

cmd_stop() {
    if [ -f "$PID_FILE" ]; then
        local pid
        pid="$(cat "$PID_FILE")"
        if kill -0 "$pid" 2>/dev/null; then
            log "stopping the server in $REDIS_TEST_DIR (pid $pid)"
            kill "$pid"
            local tries
            for tries in $(seq 1 100); do
                kill -0 "$pid" 2>/dev/null || break
                sleep 0.1
            done
        fi
    fi
    # Delete only what looks like ours.
    if [ -f "$PORT_FILE" ] || [ -f "$PID_FILE" ]; then
        rm -rf "$REDIS_TEST_DIR"
    elif [ -d "$REDIS_TEST_DIR" ]; then
        rmdir "$REDIS_TEST_DIR" 2>/dev/null || log "left $REDIS_TEST_DIR alone: not a test server"
    fi
}

cmd_status() {
    if is_running; then
        log "running in $REDIS_TEST_DIR"
        print_url
    else
        log "not running ($REDIS_TEST_DIR)"
        return 3
    fi
}

cmd_url() {
    is_running || die "not running ($REDIS_TEST_DIR)"
    print_url
}

case "${1:-}" in
    start) cmd_start ;;
    stop) cmd_stop ;;
    status) cmd_status ;;
    url) cmd_url ;;
    *) echo "usage: $0 start|stop|status|url" >&2; exit 2 ;;
esac
