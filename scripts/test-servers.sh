#!/usr/bin/env bash
# Private PostgreSQL 15 and Redis servers on free loopback ports, for integration tests.
#
#   scripts/test-servers.sh start DIR      start both inside DIR (made with mktemp -d), write DIR/env
#   scripts/test-servers.sh stop DIR       stop exactly the servers started in DIR
#   scripts/test-servers.sh pg-stop DIR    stop only PostgreSQL   (restart tests)
#   scripts/test-servers.sh pg-start DIR   start PostgreSQL again on its recorded port
#   scripts/test-servers.sh redis-stop DIR / redis-start DIR   the same for Redis
#
# DIR/env holds `export TEST_POSTGRES_CONNINFO=...`, `export TEST_REDIS_URL=...` and
# `export TEST_SERVERS_DIR=DIR`; source it before `swift test`. The servers' PIDs are recorded
# in DIR/postgres.pid and DIR/redis.pid, and only those processes are ever stopped.
set -euo pipefail

PG_BIN=/usr/lib/postgresql/15/bin

die() { echo "test-servers: $*" >&2; exit 1; }

install_packages() {
  local missing=()
  [ -x "$PG_BIN/initdb" ] || missing+=(postgresql-15)
  command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
  [ -f /usr/include/postgresql/libpq-fe.h ] || missing+=(libpq-dev)
  [ -f /usr/include/hiredis/hiredis.h ] || missing+=(libhiredis-dev)
  [ ${#missing[@]} -eq 0 ] && return 0
  [ "$(id -u)" -eq 0 ] || die "missing Debian packages (${missing[*]}); install them as root"
  echo "test-servers: installing ${missing[*]}" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
}

# Runs a PostgreSQL tool as the cluster owner: initdb and postgres refuse to run as root.
as_pg() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

port_is_free() {
  # A refused connection means nobody listens there.
  ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

free_port() {
  local port
  for _ in $(seq 1 100); do
    port=$((20000 + RANDOM % 40000))
    if port_is_free "$port"; then echo "$port"; return 0; fi
  done
  die "no free loopback port found"
}

pg_start() {
  local dir=$1 port
  port=$(cat "$dir/postgres.port")
  as_pg "$PG_BIN/pg_ctl" -D "$dir/pg/data" -l "$dir/pg/log" -w -t 30 \
    -o "-p $port -k $dir/pg -c listen_addresses=127.0.0.1" start >/dev/null \
    || { tail -n 20 "$dir/pg/log" >&2; return 1; }
  head -n 1 "$dir/pg/data/postmaster.pid" >"$dir/postgres.pid"
}

pg_stop() {
  local dir=$1
  [ -f "$dir/postgres.pid" ] || return 0
  if [ -f "$dir/pg/data/postmaster.pid" ]; then
    as_pg "$PG_BIN/pg_ctl" -D "$dir/pg/data" -m fast -w -t 30 stop >/dev/null
  fi
  rm -f "$dir/postgres.pid"
}

redis_start() {
  local dir=$1 port
  port=$(cat "$dir/redis.port")
  redis-server --bind 127.0.0.1 --port "$port" --save '' --appendonly no \
    --daemonize yes --pidfile "$dir/redis.pid" --logfile "$dir/redis.log" --dir "$dir" >/dev/null
  # Ready when it answers, at most 10 s.
  for _ in $(seq 1 100); do
    if redis-cli -h 127.0.0.1 -p "$port" ping 2>/dev/null | grep -q PONG; then return 0; fi
    sleep 0.1
  done
  tail -n 20 "$dir/redis.log" >&2
  die "redis-server did not answer on port $port"
}

redis_stop() {
  local dir=$1 pid
  [ -f "$dir/redis.pid" ] || return 0
  pid=$(cat "$dir/redis.pid")
  if kill "$pid" 2>/dev/null; then
    for _ in $(seq 1 100); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
      # A server that inherited a blocked SIGTERM never sees it; it is ours, so end it hard.
      echo "test-servers: redis-server $pid ignored SIGTERM; sending SIGKILL" >&2
      kill -KILL "$pid" 2>/dev/null || true
      sleep 0.2
    fi
  fi
  rm -f "$dir/redis.pid"
}

start() {
  local dir=$1
  [ -d "$dir" ] || die "$dir is not a directory (make one with mktemp -d)"
  dir=$(cd "$dir" && pwd)
  [ -f "$dir/postgres.pid" ] || [ -f "$dir/redis.pid" ] && die "servers already started in $dir"
  install_packages

  mkdir -p "$dir/pg"
  if [ "$(id -u)" -eq 0 ]; then
    chown postgres:postgres "$dir/pg"
    chmod 755 "$dir"   # the postgres user must reach $dir/pg
  fi
  as_pg "$PG_BIN/initdb" -D "$dir/pg/data" -U dcmms --auth=trust -E UTF8 --no-locale \
    >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; die "initdb failed"; }
  # The port is checked free just before starting; retry if another process took it meanwhile.
  local started=no
  for _ in 1 2 3 4 5; do
    free_port >"$dir/postgres.port"
    if pg_start "$dir" 2>/dev/null; then started=yes; break; fi
  done
  [ $started = yes ] || { tail -n 20 "$dir/pg/log" >&2; die "PostgreSQL did not start"; }

  started=no
  for _ in 1 2 3 4 5; do
    free_port >"$dir/redis.port"
    if redis_start "$dir" 2>/dev/null; then started=yes; break; fi
  done
  [ $started = yes ] || { pg_stop "$dir"; die "Redis did not start"; }

  cat >"$dir/env" <<EOF
export TEST_POSTGRES_CONNINFO='host=127.0.0.1 port=$(cat "$dir/postgres.port") user=dcmms dbname=postgres'
export TEST_REDIS_URL=redis://127.0.0.1:$(cat "$dir/redis.port")
export TEST_SERVERS_DIR=$dir
EOF
  echo "test-servers: PostgreSQL on 127.0.0.1:$(cat "$dir/postgres.port") (pid $(cat "$dir/postgres.pid")), Redis on 127.0.0.1:$(cat "$dir/redis.port") (pid $(cat "$dir/redis.pid")); source $dir/env" >&2
}

stop() {
  local dir=$1
  [ -d "$dir" ] || die "$dir is not a directory"
  local status=0
  pg_stop "$dir" || status=1
  redis_stop "$dir" || status=1
  return $status
}

[ $# -eq 2 ] || die "usage: $0 start|stop|pg-stop|pg-start|redis-stop|redis-start DIR"
case $1 in
  start) start "$2" ;;
  stop) stop "$2" ;;
  pg-stop) pg_stop "$2" ;;
  pg-start) pg_start "$(cd "$2" && pwd)" ;;
  redis-stop) redis_stop "$2" ;;
  redis-start) redis_start "$(cd "$2" && pwd)" ;;
  *) die "unknown command $1" ;;
esac
