#!/usr/bin/env bash
# Three Keyward nodes behind HAProxy, over PostgreSQL and Redis on this machine (docs/operations.md,
# "A three-node demo").
#
#   demo/three-nodes/run.sh         migrate, create a workspace, start the nodes and the balancer, print the
#                                   balancer's URL and the root key; Ctrl-C (or SIGTERM) stops everything
#   demo/three-nodes/run.sh stop    stop a demo started from another terminal (same DEMO_DIR)
#
# Settings, from the environment (defaults in brackets):
#   DEMO_PORT             the balancer's port [8080]
#   DEMO_NODE_PORTS       the three nodes' ports ["7081 7082 7083"]
#   DEMO_DIR              logs and process ids [${TMPDIR:-/tmp}/keyward-demo]
#   DEMO_KEYWARD          how to run Keyward [node dist/src/main.js: npm ci && npm run build first]
#   KEYWARD_DATABASE_URL  [postgres://postgres@127.0.0.1:5432/keyward_demo, a database of its own, created if missing]
#   KEYWARD_REDIS_URL     [redis://127.0.0.1:6379/1: database 1, so the demo's rate-limit counters stay apart]
# Needs HAProxy (apt-get install -y haproxy).
set -euo pipefail
cd "$(dirname "$0")/../.."

port=${DEMO_PORT:-8080}
read -r -a node_ports <<<"${DEMO_NODE_PORTS:-7081 7082 7083}"
dir=${DEMO_DIR:-${TMPDIR:-/tmp}/keyward-demo}
read -r -a keyward <<<"${DEMO_KEYWARD:-node dist/src/main.js}"

# True when process $1 exists and is not a zombie (a child of ours that exited but was not reaped yet).
is_running() {
  local stat
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  [[ ${stat##*) } != Z* ]]
}

# SIGTERM to every process in $dir/*.pid, then waits until they are gone; SIGKILL for any left after 15 s.
stop_processes() {
  local pids
  pids=$(cat "$dir"/*.pid 2>/dev/null) || return 0
  kill -TERM $pids 2>/dev/null || true
  for _ in $(seq 150); do
    local alive=""
    for pid in $pids; do if is_running "$pid"; then alive=yes; fi; done
    [ -z "$alive" ] && break
    sleep 0.1
  done
  kill -KILL $pids 2>/dev/null || true
  rm -f "$dir"/*.pid
}

# True when http://127.0.0.1:$1/v2/liveness answers 200 (bash's /dev/tcp: no curl needed).
answers_liveness() {
  local status
  exec 3<>"/dev/tcp/127.0.0.1/$1" || return 1
  printf 'GET /v2/liveness HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n' >&3
  read -r -t 2 _ status _ <&3 || status=""
  exec 3>&-
  [ "$status" = 200 ]
} 2>/dev/null

# Waits up to 60 s for port $2 to answer liveness while process $3 runs; otherwise says so, with its log $4.
wait_for() {
  for _ in $(seq 600); do
    answers_liveness "$2" && return 0
    if ! is_running "$3"; then
      echo "$1 exited; the end of $4:" >&2
      tail -n 20 "$4" >&2
      exit 1
    fi
    sleep 0.1
  done
  echo "$1 did not answer on port $2 within 60 s; see $4" >&2
  exit 1
}

if [ "${1:-}" = stop ]; then
  stop_processes
  echo "Stopped."
  exit 0
fi

command -v haproxy >/dev/null || {
  echo "HAProxy is not installed: apt-get install -y haproxy" >&2
  exit 1
}
[ -n "${DEMO_KEYWARD:-}" ] || [ -e dist/src/main.js ] || {
  echo "Keyward is not built: npm ci && npm run build" >&2
  exit 1
}
[ "${#node_ports[@]}" = 3 ] || {
  echo "DEMO_NODE_PORTS must name three ports" >&2
  exit 1
}
mkdir -p "$dir"
for file in "$dir"/*.pid; do
  if [ -e "$file" ] && is_running "$(cat "$file")"; then
    echo "A demo is already running with $dir: $0 stop" >&2
    exit 1
  fi
done
rm -f "$dir"/*.pid

if [ -z "${KEYWARD_DATABASE_URL:-}" ]; then
  export KEYWARD_DATABASE_URL=postgres://postgres@127.0.0.1:5432/keyward_demo
  psql "$KEYWARD_DATABASE_URL" -qc 'SELECT 1' >/dev/null 2>&1 || createdb -h 127.0.0.1 -U postgres keyward_demo
fi
export KEYWARD_REDIS_URL=${KEYWARD_REDIS_URL:-redis://127.0.0.1:6379/1}

# From here on, leaving for any reason (Ctrl-C, SIGTERM, a failed step) stops what was started.
trap stop_processes EXIT
trap 'exit 0' INT TERM

# Once, before any node starts: the nodes then find the schema current and a workspace present, and make none.
"${keyward[@]}" migrate >"$dir/migrate.log" 2>&1 || {
  cat "$dir/migrate.log" >&2
  exit 1
}
boot=$("${keyward[@]}" bootstrap --json)
workspace_id=$(sed -n 's/.*"workspaceId":"\([^"]*\)".*/\1/p' <<<"$boot")
root_key=$(sed -n 's/.*"rootKey":"\([^"]*\)".*/\1/p' <<<"$boot")

for i in 1 2 3; do
  # Behind the balancer the client's address is the first X-Forwarded-For entry (HAProxy's option forwardfor).
  KEYWARD_HOST=127.0.0.1 KEYWARD_PORT=${node_ports[i - 1]} KEYWARD_DATA_DIR="$dir/node$i" KEYWARD_TRUST_PROXY=true \
    "${keyward[@]}" start >"$dir/node$i.log" 2>&1 &
  echo $! >"$dir/node$i.pid"
done
for i in 1 2 3; do wait_for "node$i" "${node_ports[i - 1]}" "$(cat "$dir/node$i.pid")" "$dir/node$i.log"; done

DEMO_PORT=$port DEMO_NODE1_PORT=${node_ports[0]} DEMO_NODE2_PORT=${node_ports[1]} DEMO_NODE3_PORT=${node_ports[2]} \
  haproxy -db -f demo/three-nodes/haproxy.cfg >"$dir/haproxy.log" 2>&1 &
echo $! >"$dir/haproxy.pid"
wait_for HAProxy "$port" "$(cat "$dir/haproxy.pid")" "$dir/haproxy.log"

cat <<EOF
Keyward: three nodes behind HAProxy, over PostgreSQL and Redis
  balancer   http://127.0.0.1:$port (pid $(cat "$dir/haproxy.pid"))
  node1      http://127.0.0.1:${node_ports[0]} (pid $(cat "$dir/node1.pid"))
  node2      http://127.0.0.1:${node_ports[1]} (pid $(cat "$dir/node2.pid"))
  node3      http://127.0.0.1:${node_ports[2]} (pid $(cat "$dir/node3.pid"))
  workspace  $workspace_id
  root key   $root_key
  logs       $dir
Ctrl-C (or $0 stop) stops everything.
EOF

# Until every process is gone: kill a node to watch the balancer route around it; `stop` ends them all.
wait
