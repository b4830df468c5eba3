#!/usr/bin/env bash
# A throw-away PostgreSQL for the test suite: a fresh cluster in a temporary folder, reachable only on loopback
# with trust auth, deleted again by `stop`. Nothing is installed and no system cluster is touched.
#
#   .ci/postgres.sh start [STATE]   prints the Npgsql connection string (last line of stdout)
#   .ci/postgres.sh stop  [STATE]   stops the cluster and deletes its folder
#
# STATE is a file remembering the cluster's folder between the two calls (default
# $OPENSAG_PG_STATE or /tmp/opensag-ci-postgres.state); two concurrent runs give different files.
# Exit 3 means the PostgreSQL binaries are missing ($OPENSAG_PG_BIN, default /usr/lib/postgresql/15/bin).
set -euo pipefail

bin=${OPENSAG_PG_BIN:-/usr/lib/postgresql/15/bin}
state=${2:-${OPENSAG_PG_STATE:-${TMPDIR:-/tmp}/opensag-ci-postgres.state}}
# Uncommon on purpose, so a system PostgreSQL on 5432 is never the one the tests write to. The next ones are
# tried when it is taken (another run of the suite on the same machine).
first_port=54329
port_attempts=20

say() { echo "postgres.sh: $*" >&2; }

# initdb and postgres refuse to run as root; as root the cluster belongs to the `postgres` OS user instead.
as_owner() {
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

start() {
  if [ ! -x "$bin/initdb" ] || [ ! -x "$bin/pg_ctl" ]; then
    say "PostgreSQL binaries not found in $bin (set OPENSAG_PG_BIN)"
    exit 3
  fi
  if [ -e "$state" ] && [ -d "$(cat "$state")" ]; then
    say "a cluster from $state is still running in $(cat "$state"); run '$0 stop $state' first"
    exit 1
  fi

  dir=$(mktemp -d "${TMPDIR:-/tmp}/opensag-postgres.XXXXXX")
  # Whatever fails from here on leaves nothing behind; cleared once the server is up.
  trap 'rm -rf "$dir" "$state"' EXIT
  # /tmp paths are world-traversable, so the postgres user reaches the folder once it owns it.
  [ "$(id -u)" -eq 0 ] && chown postgres: "$dir"
  echo "$dir" >"$state"

  as_owner "$bin/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
    || { say "initdb failed:"; cat "$dir/initdb.log" >&2; exit 1; }
  # Loopback only, so trust auth is no hole; the socket lives in the folder, away from /var/run/postgresql.
  # fsync stays on: the store's durability contract is tested against a server that really syncs. The storage
  # tests open one pool per test class and run classes in parallel, hence more than the default 100 connections.
  cat >>"$dir/data/postgresql.conf" <<EOF
listen_addresses = '127.0.0.1'
unix_socket_directories = '$dir'
fsync = on
max_connections = 300
EOF
  cat >"$dir/data/pg_hba.conf" <<EOF
local all all trust
host  all all 127.0.0.1/32 trust
EOF

  local port
  for ((port = first_port; port < first_port + port_attempts; port++)); do
    port_in_use "$port" && continue
    if as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -o "-p $port" -w -t 60 start >/dev/null; then
      trap - EXIT
      echo "Host=127.0.0.1;Port=$port;Username=postgres;Database=postgres"
      return 0
    fi
    # Lost a race for the port with another process; anything else is a real failure.
    grep -q "could not bind\|Address already in use" "$dir/server.log" 2>/dev/null || break
  done
  say "PostgreSQL did not start; its log:"
  cat "$dir/server.log" >&2 2>/dev/null || true
  exit 1
}

stop() {
  if [ ! -e "$state" ]; then
    say "nothing to stop ($state does not exist)"
    return 0
  fi
  local dir
  dir=$(cat "$state")
  if [ -f "$dir/data/postmaster.pid" ]; then
    as_owner "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null
  fi
  rm -rf "$dir" "$state"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  *) echo "usage: $0 start|stop [STATE]" >&2; exit 2 ;;
esac
