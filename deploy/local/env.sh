# shellcheck shell=bash disable=SC2034 # the variables here are used by the scripts sourcing it
# Shared settings for the deploy/local scripts; they source this file, it is not run.
# No `set -euo pipefail` here on purpose: the scripts that source it already set it, and
# setting it in an interactive shell that sources this file would make that shell exit on
# the first failing command.
#
# Every setting below can be overridden from the environment, e.g.
#   EVENTSHOP_DB_PORT=5433 RABBITMQ_HOST=broker.local deploy/local/start

# Repo root, from this file's location, so the scripts work from any working directory.
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# Logs and pid files of the services that `start` launched (gitignored).
RUN_DIR="${EVENTSHOP_RUN_DIR:-$ROOT/deploy/local/run}"

# The services, in start order, and their HTTP ports.
SERVICES=(order-service inventory-service analytics-service)
declare -gA SERVICE_PORT=(
  [order-service]="${ORDER_SERVICE_PORT:-8081}"
  [inventory-service]="${INVENTORY_SERVICE_PORT:-8082}"
  [analytics-service]="${ANALYTICS_SERVICE_PORT:-8083}"
)
# Health and metrics are served on a management port of their own, not on the public one.
declare -gA MANAGEMENT_PORT=(
  [order-service]="${ORDER_SERVICE_MANAGEMENT_PORT:-9081}"
  [inventory-service]="${INVENTORY_SERVICE_MANAGEMENT_PORT:-9082}"
  [analytics-service]="${ANALYTICS_SERVICE_MANAGEMENT_PORT:-9083}"
)
# Dev mode's ports (each service's %dev.quarkus.http.port and %dev.quarkus.management.port): 100 above the
# started system's, so both run at once.
declare -gA DEV_PORT=([order-service]=8181 [inventory-service]=8182 [analytics-service]=8183)
declare -gA DEV_MANAGEMENT_PORT=([order-service]=9181 [inventory-service]=9182 [analytics-service]=9183)

# Postgres and RabbitMQ. The services read the same variables (EVENTSHOP_DB_* map to the
# eventshop.db.* config keys, RABBITMQ_* to rabbitmq.*), so exporting them is all it takes
# to point the whole system elsewhere.
export EVENTSHOP_DB_HOST="${EVENTSHOP_DB_HOST:-127.0.0.1}"
export EVENTSHOP_DB_PORT="${EVENTSHOP_DB_PORT:-5432}"
export EVENTSHOP_DB_NAME="${EVENTSHOP_DB_NAME:-eventshop}"
# Dev mode (deploy/local/dev) has a database and a virtual host of its own, so it runs beside the started
# system; the same names are the %dev profile's in common-events' META-INF/microprofile-config.properties.
DEV_DB_NAME=eventshop_dev
DEV_VHOST=eventshop_dev
# psql and createdb (in infra, which makes roles and databases) log in as PGUSER, a superuser. The
# services never do: each logs in with its own role (eventshop_order, ...), migrations as eventshop_migrator.
export PGUSER="${PGUSER:-postgres}"
export RABBITMQ_HOST="${RABBITMQ_HOST:-127.0.0.1}"
export RABBITMQ_PORT="${RABBITMQ_PORT:-5672}"

# The dev key pair for bearer tokens (made by `infra`, gitignored): the services that `start`
# launches verify with the public half, `deploy/local/token` signs with the private one. Not exported
# here: tests verify with their own test key. Production keys come from a Secret.
KEY_DIR="${EVENTSHOP_KEY_DIR:-$ROOT/deploy/local/keys}"

# The machine's local Postgres cluster, which `infra` may start when it is down.
PG_CLUSTER_VERSION="${PG_CLUSTER_VERSION:-15}"
PG_CLUSTER_NAME="${PG_CLUSTER_NAME:-main}"

# ---- helpers -------------------------------------------------------------------------

info() { printf '%s\n' "$*"; }
warn() { printf 'warning: %s\n' "$*" >&2; }
die() {
  printf 'error: %s\n' "$*" >&2
  exit 1
}

# Major version of the JDK at $1 (e.g. 25, or 8 for "1.8.0"); empty if it has no working java.
jdk_major() {
  local version
  [[ -x "$1/bin/java" ]] || return 0
  version="$("$1/bin/java" -version 2>&1 | awk -F'"' '/version/ { print $2; exit }')"
  version="${version#1.}"
  printf '%s' "${version%%[.+-]*}"
}

is_jdk25() {
  local major
  major="$(jdk_major "$1")"
  [[ "$major" =~ ^[0-9]+$ ]] && ((major >= 25))
}

# True when the host is this machine: only then may `infra` start Postgres/RabbitMQ itself.
is_local_host() {
  case "$1" in
    127.* | localhost | ::1 | "") return 0 ;;
    *) return 1 ;;
  esac
}

# True when something accepts TCP connections on host $1, port $2 (bash's /dev/tcp, no nc needed).
tcp_open() {
  # shellcheck disable=SC2016 # $1/$2 expand in the child bash, on purpose
  timeout 2 bash -c 'exec 3<>"/dev/tcp/$1/$2"' _ "$1" "$2" 2>/dev/null
}

# True while process $1 exists and has not exited. A zombie (exited, not yet reaped by init)
# counts as gone: on some machines init reaps orphans only seconds later.
pid_running() {
  local state
  state="$(ps -o stat= -p "$1" 2>/dev/null)" || return 1
  [[ -n "$state" && "$state" != Z* ]]
}

pid_file() { printf '%s/%s.pid' "$RUN_DIR" "$1"; }
log_file() { printf '%s/%s.log' "$RUN_DIR" "$1"; }
service_jar() { printf '%s/%s/target/quarkus-app/quarkus-run.jar' "$ROOT" "$1"; }

# Prints the pid of service $1 if its pid file names a live process that runs that service's
# jar; fails otherwise. Checking the command line guards against a reused pid after a reboot.
service_pid() {
  local file pid
  file="$(pid_file "$1")"
  [[ -f "$file" ]] || return 1
  pid="$(<"$file")"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  pid_running "$pid" || return 1
  ps -o args= -p "$pid" 2>/dev/null | grep -qF -- "$(service_jar "$1")" || return 1
  printf '%s' "$pid"
}

# Makes the dev key pair for bearer tokens in directory $1 unless it is there (private.pem, public.pem): the
# services verify with the public half, `deploy/local/token` signs with the private one. Not for production.
ensure_dev_keys() {
  local dir="$1"
  if [[ -f "$dir/private.pem" && -f "$dir/public.pem" ]]; then
    info "keys      $dir: exist"
    return 0
  fi
  command -v openssl >/dev/null || die "openssl is missing: apt-get install openssl (it makes the dev key pair for tokens)."
  mkdir -p "$dir"
  (umask 077 && openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$dir/private.pem" 2>/dev/null) ||
    die "could not make a key pair in $dir with openssl."
  openssl pkey -in "$dir/private.pem" -pubout -out "$dir/public.pem" 2>/dev/null ||
    die "could not write $dir/public.pem."
  info "keys      $dir: dev key pair made (not for production)"
}

# ---- JDK 25 --------------------------------------------------------------------------
# The build targets Java 25 and the machine's default java may be older, so pin JAVA_HOME.
# Scripts that never run Java (stop, status, infra) set EVENTSHOP_REQUIRE_JDK=0 so that they
# still work on a machine without one.
if ! { [[ -n "${JAVA_HOME:-}" ]] && is_jdk25 "$JAVA_HOME"; }; then
  _jdk25_candidate="${JAVA_HOME_25:-/usr/lib/jvm/temurin-25-jdk-amd64}"
  if is_jdk25 "$_jdk25_candidate"; then
    export JAVA_HOME="$_jdk25_candidate"
  elif [[ "${EVENTSHOP_REQUIRE_JDK:-1}" != 0 ]]; then
    printf 'error: no JDK 25 found: JAVA_HOME=%s is not 25+ and %s has no java 25+.\n' \
      "${JAVA_HOME:-<unset>}" "$_jdk25_candidate" >&2
    printf '       Install Temurin 25 or point JAVA_HOME_25 (or JAVA_HOME) at a JDK 25+.\n' >&2
    unset _jdk25_candidate
    return 1
  fi
  unset _jdk25_candidate
fi
if [[ -n "${JAVA_HOME:-}" ]] && is_jdk25 "$JAVA_HOME"; then
  # ./mvnw uses JAVA_HOME; PATH too so that plugins forking `java` get the same JDK.
  export PATH="$JAVA_HOME/bin:$PATH"
fi
