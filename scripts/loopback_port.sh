# Sourced by scripts/pg_test_cluster.sh and scripts/redis_test_server.sh (they define `die`).

port_in_use() {
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# choose_port WANTED FIRST LAST: WANTED if given and free, else the first free port from FIRST
# to LAST on 127.0.0.1.
choose_port() {
    local wanted="$1" first="$2" last="$3" port
    if [ -n "$wanted" ]; then
        port_in_use "$wanted" && die "port $wanted is already in use"
        echo "$wanted"
        return 0
    fi
    for port in $(seq "$first" "$last"); do
        if ! port_in_use "$port"; then
            echo "$port"
            return 0
        fi
    done
    die "no free port between $first and $last"
}
