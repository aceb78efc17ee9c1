#!/usr/bin/env bash
# The day-one demo (`make demo`): a local mosquitto, the simulator with the demo site (a lamp
# pole, a pump room, a classroom air terminal and a lift), and the gateway against both, with a
# live status view. Ctrl-C stops everything and leaves nothing running.
#
# DEMO_SECONDS=N stops by itself after N seconds (used by the tests).
set -euo pipefail
cd "$(dirname "$0")/.."
root="$(pwd)"
bin="$root/.build/debug"
site="$root/simulator/sites/demo.json"
dir="$(mktemp -d "${TMPDIR:-/tmp}/fieldgate-demo.XXXXXX")"
export FIELDSIM_DIR="$dir/sim" FIELDGATE_BOARDS="$root/boards"
pids=()

cleanup() {
    trap - EXIT INT TERM
    for (( i=${#pids[@]}-1; i>=0; i-- )); do kill "${pids[$i]}" 2>/dev/null || true; done
    # Whatever has not stopped after 5 s (a signal blocked by whoever started us) is killed.
    for _ in $(seq 50); do
        alive=0
        for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
        [ "$alive" -eq 0 ] && break
        sleep 0.1
    done
    for pid in "${pids[@]}"; do kill -KILL "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
    rm -rf "$dir"
    echo
    echo "demo stopped; nothing left running."
}
trap cleanup EXIT
trap 'exit 0' INT TERM

wait_for() {  # wait_for PATH WHAT LOG
    for _ in $(seq 150); do [ -e "$1" ] && return 0; sleep 0.1; done
    echo "demo: $2 did not start; its log:" >&2
    cat "$3" >&2
    exit 1
}

listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# A broker on the first free port from 1883.
port=1883
while listening "$port"; do port=$((port + 1)); done
cat > "$dir/mosquitto.conf" <<EOF
listener $port 127.0.0.1
allow_anonymous true
persistence false
set_tcp_nodelay true
EOF
[ "$(id -u)" -eq 0 ] && echo "user root" >> "$dir/mosquitto.conf"
mosquitto -c "$dir/mosquitto.conf" > "$dir/mosquitto.log" 2>&1 &
pids+=($!)
for _ in $(seq 50); do listening "$port" && break; sleep 0.1; done
listening "$port" || { echo "demo: mosquitto did not start:" >&2; cat "$dir/mosquitto.log" >&2; exit 1; }

"$bin/fieldsim" run --site "$site" --state-dir "$FIELDSIM_DIR" > "$dir/fieldsim.log" 2>&1 &
pids+=($!)
wait_for "$FIELDSIM_DIR/endpoints.json" "the simulator" "$dir/fieldsim.log"

mkdir -p "$dir/gw"
"$bin/fieldgate" run --site "$site" --state-dir "$dir/gw" --mqtt "mqtt://127.0.0.1:$port" > "$dir/fieldgate.log" 2>&1 &
pids+=($!)
wait_for "$dir/gw/fieldgate.sock" "the gateway" "$dir/fieldgate.log"

cat <<EOF

Fieldgate demo: the simulator emulates a lamp pole, a pump room, a classroom air terminal and a
lift on two RS-485 buses (ptys), a Modbus TCP endpoint and GPIO lines; the gateway polls them
and sends everything to a local mosquitto on port $port.

In another terminal:
  console (technician):  picocom -b 115200 $dir/gw/console
                    or:  $bin/fieldgate console --state-dir $dir/gw
                         log in as tech (or admin), password fieldgate (demo only)
  watch the uplink:      mosquitto_sub -p $port -v -t 'v1/gateway/#' -t 'v1/devices/me/#' -t 'fieldgate/#'
  make something happen: FIELDSIM_DIR=$FIELDSIM_DIR $bin/fieldsim ctl burst
                         FIELDSIM_DIR=$FIELDSIM_DIR $bin/fieldsim ctl press lift-1
                         FIELDSIM_DIR=$FIELDSIM_DIR $bin/fieldsim ctl help
  point table:           $bin/fieldgate points --state-dir $dir/gw
  logs:                  $dir/fieldgate.log, $dir/fieldsim.log

Press Ctrl-C to stop everything.
EOF
sleep 3

watch_args=(status --state-dir "$dir/gw" --watch 2s)
if [ -n "${DEMO_SECONDS:-}" ]; then
    "$bin/fieldgate" "${watch_args[@]}" &
    pids+=($!)
    sleep "$DEMO_SECONDS"
else
    "$bin/fieldgate" "${watch_args[@]}"
fi
