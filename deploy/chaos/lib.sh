# shellcheck shell=bash disable=SC2034 # the variables here are used by the scripts sourcing it
# Shared settings and helpers of the deploy/chaos scripts (topology, fault, replica); they source this file.
# The production topology on one machine: three RabbitMQ nodes in a cluster, a Postgres primary with a synchronous
# standby, HAProxy in front of both databases and of two replicas of each service. Everything listens on loopback
# only, on ports of its own, with its data under CHAOS_DIR: the machine's Postgres (5432) and RabbitMQ (5672) are
# never touched. README.md beside this file lists the ports.

EVENTSHOP_REQUIRE_JDK="${EVENTSHOP_REQUIRE_JDK:-0}"
# shellcheck source-path=SCRIPTDIR source=../local/env.sh
. "$(dirname "${BASH_SOURCE[0]}")/../local/env.sh"

CHAOS_DIR="${EVENTSHOP_CHAOS_DIR:-/tmp/eventshop-chaos}"
TOPOLOGY_ENV="$CHAOS_DIR/topology.env"

# ---- RabbitMQ: nodes chaos1..3@localhost -------------------------------------------------------------------------
RABBIT_NODES=(1 2 3)
RABBIT_BIN=/usr/lib/rabbitmq/bin # not /usr/sbin: that wrapper switches to the rabbitmq user and its HOME (cookie)
RABBIT_HOME="$CHAOS_DIR/rabbit/home" # holds the cluster's own .erlang.cookie
RABBIT_VHOST=/
rabbit_node() { printf 'chaos%s@localhost' "$1"; }
rabbit_port() { printf '%s' $((5700 + $1)); }
rabbit_dist_port() { printf '%s' $((25700 + $1)); }
rabbit_dir() { printf '%s/rabbit/chaos%s' "$CHAOS_DIR" "$1"; }
# Every node's address, as the services' rabbitmq.addresses takes them.
rabbit_addresses() {
  local n list=()
  for n in "${RABBIT_NODES[@]}"; do list+=("127.0.0.1:$(rabbit_port "$n")"); done
  (IFS=, && printf '%s' "${list[*]}")
}

# The environment of node $1 (server and CLI alike), into the array RABBIT_ENV.
rabbit_env() {
  local dir
  dir="$(rabbit_dir "$1")"
  RABBIT_ENV=(
    HOME="$RABBIT_HOME"
    RABBITMQ_NODENAME="$(rabbit_node "$1")"
    RABBITMQ_NODE_PORT="$(rabbit_port "$1")"
    RABBITMQ_DIST_PORT="$(rabbit_dist_port "$1")"
    RABBITMQ_CONFIG_FILE="$dir/rabbitmq.conf"
    RABBITMQ_MNESIA_BASE="$dir/mnesia"
    RABBITMQ_LOG_BASE="$dir/log"
    RABBITMQ_PID_FILE="$dir/pid"
    RABBITMQ_ENABLED_PLUGINS_FILE="$dir/enabled_plugins"
    RABBITMQ_CONF_ENV_FILE="$dir/rabbitmq-env.conf"
    ERL_EPMD_ADDRESS=127.0.0.1
    RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}"
    RABBITMQ_CTL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}"
  )
}

# rabbitmqctl against node $1 (the CLI finds the node by name; the cookie comes from RABBIT_HOME).
rabbit_ctl() {
  local n="$1"
  shift
  rabbit_env "$n"
  env "${RABBIT_ENV[@]}" "$RABBIT_BIN/rabbitmqctl" -q -n "$(rabbit_node "$n")" "$@"
}

# The pid of node $1's Erlang VM, if it runs.
rabbit_pid() {
  local file pid
  file="$(rabbit_dir "$1")/pid"
  [[ -f "$file" ]] || return 1
  pid="$(<"$file")"
  [[ "$pid" =~ ^[0-9]+$ ]] && pid_running "$pid" || return 1
  # The VM's command line names the cluster's HOME (not the node): enough to tell a reused pid.
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$RABBIT_HOME" || return 1
  printf '%s' "$pid"
}

rabbit_boot() {
  local n="$1"
  rabbit_env "$n"
  env "${RABBIT_ENV[@]}" "$RABBIT_BIN/rabbitmq-server" -detached >/dev/null 2>&1 ||
    die "could not start RabbitMQ node $(rabbit_node "$n"): see $(rabbit_dir "$n")/log"
}

rabbit_await() {
  local n="$1"
  if ! { rabbit_ctl "$n" wait "$(rabbit_dir "$n")/pid" --timeout 120 >/dev/null &&
    rabbit_ctl "$n" await_startup --timeout 120 >/dev/null; }; then
    die "RabbitMQ node $(rabbit_node "$n") did not start: see $(rabbit_dir "$n")/log"
  fi
}

# ---- Postgres: nodes pg1 (5441) and pg2 (5442); which one is primary changes with each failover -------------------
PG_BIN="${EVENTSHOP_PG_BIN:-/usr/lib/postgresql/15/bin}"
PG_NODES=(1 2)
# HAProxy's address for the current primary, the nodes one and two above it (tests move the three elsewhere).
PG_PROXY_PORT="${EVENTSHOP_CHAOS_PG_PORT:-5440}"
pg_port() { printf '%s' $((PG_PROXY_PORT + $1)); }
pg_dir() { printf '%s/pg/pg%s' "$CHAOS_DIR" "$1"; }
pg_data() { printf '%s/data' "$(pg_dir "$1")"; }
pg_other() { printf '%s' $((3 - $1)); }

# Runs a command as the postgres user (Postgres refuses root), from a directory that user may enter.
as_postgres() {
  if [[ "$(id -u)" == 0 ]]; then
    (cd / && runuser -u postgres -- "$@")
  else
    "$@"
  fi
}

# psql as the superuser on port $1 (node or proxy); further arguments go to psql.
pg_sql() {
  local port="$1"
  shift
  PGCONNECT_TIMEOUT=2 psql -h 127.0.0.1 -p "$port" -U postgres -X -q -t -A -v ON_ERROR_STOP=1 "$@"
}

# The postmaster's pid of node $1, if it runs.
pg_pid() {
  local file pid
  file="$(pg_data "$1")/postmaster.pid"
  [[ -f "$file" ]] || return 1
  pid="$(head -n 1 "$file")"
  [[ "$pid" =~ ^[0-9]+$ ]] && pid_running "$pid" || return 1
  printf '%s' "$pid"
}

# primary, standby, or down: what node $1 answers now.
pg_role() {
  local recovery
  recovery="$(pg_sql "$(pg_port "$1")" -d postgres -c 'select pg_is_in_recovery()' 2>/dev/null)" || {
    echo down
    return
  }
  if [[ "$recovery" == f ]]; then echo primary; else echo standby; fi
}

# The node that answers as primary, or fails.
pg_primary() {
  local n
  for n in "${PG_NODES[@]}"; do
    if [[ "$(pg_role "$n")" == primary ]]; then
      printf '%s' "$n"
      return 0
    fi
  done
  return 1
}

# Starts node $1 on its port (its data directory says whether it is a primary or a standby).
pg_start() {
  local n="$1" lock pid
  # A killed postmaster stays a zombie until its parent (init) reaps it, and its socket's lock file names it: Postgres
  # would take it for a running postmaster and refuse to start. A lock naming no live process is removed first.
  for lock in "$(pg_dir "$n")"/.s.PGSQL.*.lock; do
    [[ -f "$lock" ]] || continue
    pid="$(head -n 1 "$lock")"
    if ! [[ "$pid" =~ ^[0-9]+$ ]] || ! pid_running "$pid"; then
      rm -f "$lock" "${lock%.lock}"
    fi
  done
  as_postgres "$PG_BIN/pg_ctl" -D "$(pg_data "$n")" -l "$(pg_dir "$n")/log" -w -t 60 \
    -o "-p $(pg_port "$n") -k $(pg_dir "$n") -c listen_addresses=127.0.0.1 -c cluster_name=pg$n" start >/dev/null
}

# synchronous_standby_names of node $1 ('*': every commit waits for the standby; '': none), applied at once.
pg_set_sync() {
  local n="$1" names="$2"
  printf "synchronous_standby_names = '%s'\n" "$names" | as_postgres tee "$(pg_data "$n")/sync.conf" >/dev/null
  if pg_pid "$n" >/dev/null; then
    as_postgres "$PG_BIN/pg_ctl" -D "$(pg_data "$n")" reload >/dev/null
  fi
}

# A write through the stable address: true once the current primary commits (synchronous_commit on: with a
# synchronous standby, once the standby has it too).
pg_write_ok() {
  pg_sql "$PG_PROXY_PORT" -d postgres -c 'insert into chaos_writes default values' >/dev/null 2>&1
}

# True when node $1 (a primary) has a standby streaming in sync.
pg_sync_standby() {
  [[ "$(pg_sql "$(pg_port "$1")" -d postgres -c "select count(*) from pg_stat_replication where state = 'streaming' and sync_state = 'sync'" 2>/dev/null)" == 1 ]]
}

# Makes node $1 a standby of node $2 (a fresh copy) and starts it. pg_basebackup -R writes standby.signal and
# primary_conninfo; the walreceiver's application_name is the node's cluster_name.
pg_provision_standby() {
  local n="$1" from="$2"
  rm -rf "$(pg_data "$n")"
  as_postgres "$PG_BIN/pg_basebackup" -h 127.0.0.1 -p "$(pg_port "$from")" -U postgres -D "$(pg_data "$n")" -R -X stream -c fast ||
    die "pg_basebackup of pg$from into $(pg_data "$n") failed"
  pg_set_sync "$n" '' # a standby waits for nobody; its promotion must not wait either
  pg_start "$n" || die "Postgres node pg$n did not start: $(pg_log_tail "$n")"
}

# The last lines of node $1's server log, for an error message: the log may be gone by the time anyone reads it.
pg_log_tail() {
  printf 'the last lines of %s/log:\n%s' "$(pg_dir "$1")" "$(tail -n 15 "$(pg_dir "$1")/log" 2>/dev/null)"
}

# ---- HAProxy -------------------------------------------------------------------------------------------------------
HAPROXY_DIR="$CHAOS_DIR/haproxy"
HAPROXY_STATS_PORT="${EVENTSHOP_CHAOS_STATS_PORT:-18404}"
haproxy_pid() {
  local pid
  [[ -f "$HAPROXY_DIR/pid" ]] || return 1
  pid="$(head -n 1 "$HAPROXY_DIR/pid")"
  [[ "$pid" =~ ^[0-9]+$ ]] && pid_running "$pid" || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$HAPROXY_DIR/haproxy.cfg" || return 1
  printf '%s' "$pid"
}
# One server's state as HAProxy sees it (UP, DOWN, MAINT, ...): backend $1, server $2.
haproxy_state() {
  curl -fsS -m 2 "http://127.0.0.1:$HAPROXY_STATS_PORT/;csv" 2>/dev/null |
    awk -F, -v b="$1" -v s="$2" '$1 == b && $2 == s { print $18; found = 1 } END { if (!found) print "UNKNOWN" }'
}

# ---- the services' replicas: two of each, behind one HAProxy port per service --------------------------------------
CHAOS_SERVICES=(order inventory analytics)
declare -gA CHAOS_SERVICE_PORT=([order]=18080 [inventory]=18081 [analytics]=18082)
# Replica r (1 or 2) of service s: HTTP port = 18180 + offset + 10 (r - 1); management port 100 above.
declare -gA CHAOS_SERVICE_OFFSET=([order]=0 [inventory]=1 [analytics]=2)
replica_port() { printf '%s' $((18180 + CHAOS_SERVICE_OFFSET[$1] + 10 * ($2 - 1))); }
replica_management_port() { printf '%s' $(($(replica_port "$1" "$2") + 100)); }
replica_name() { printf '%s%s' "$1" "$2"; }
CHAOS_RUN_DIR="$CHAOS_DIR/replicas"
CHAOS_KEY_DIR="$CHAOS_DIR/keys"

# ---- small helpers -------------------------------------------------------------------------------------------------
# Seconds since the epoch with microseconds, and an elapsed time in seconds with two decimals.
now() { printf '%s' "$EPOCHREALTIME"; }
since() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.2f", b - a }'; }

# wait_until <seconds> <what> <command...>: polls every 0.1 s until the command passes; fails after the deadline.
wait_until() {
  local limit="$1" what="$2" start="$EPOCHREALTIME"
  shift 2
  until "$@"; do
    if awk -v a="$start" -v b="$EPOCHREALTIME" -v l="$limit" 'BEGIN { exit !(b - a >= l) }'; then
      warn "$what: not after ${limit}s"
      return 1
    fi
    sleep 0.1
  done
}

# Installs Debian package $2 when command $1 is missing (root only), so a fresh machine runs these scripts.
need() {
  command -v "$1" >/dev/null && return 0
  if [[ "$(id -u)" != 0 ]] || ! command -v apt-get >/dev/null; then
    die "$1 is missing: install the Debian package $2 (as root)"
  fi
  info "installing $2 (for $1)"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$2" >/dev/null ||
    die "could not install $2: apt-get install $2"
}

# Kills process $1 and its direct children with SIGKILL, as a crash of the machine would, and returns once they are
# gone. The parent is stopped first so that it cannot fork a child between the listing and the kill: a Postgres
# backend forked in that gap would outlive its postmaster and could keep the node from starting again.
kill_tree() {
  local pids pid
  kill -STOP "$1" 2>/dev/null || return 0
  mapfile -t pids < <(ps -o pid= --ppid "$1" 2>/dev/null | tr -d ' ')
  kill -KILL "$1" "${pids[@]}" 2>/dev/null || true
  for pid in "$1" "${pids[@]}"; do
    wait_until 10 "process $pid to exit" eval '! pid_running '"$pid" || die "process $pid survived SIGKILL"
  done
}
