#!/usr/bin/env bash
# The day-one demo (`make demo`): a local mosquitto, the simulator with the demo site (a lamp
# pole, a pump room, a classroom air terminal and a lift), and the gateway against both, with a
# live status view. Ctrl-C stops everything and leaves nothing running.
#
# Everything of one demo lives in one directory (a fresh one under $TMPDIR, short enough for
# Unix socket paths); `.demo/current` in the checkout links to the newest demo's directory and
# `.demo/env` (source it) puts fieldgate and fieldsim on PATH and points them at that demo, so
# the README's tour works as typed. The gateway runs from a copy of the demo site, so
# `config save` on the console never rewrites the tracked simulator/sites/demo.json, and
# `restart` (exit 75) restarts the gateway as systemd would. Ports are the first free ones, so
# a second demo can run beside the first.
#
# DEMO_SECONDS=N stops by itself after N seconds (used by the tests).
set -euo pipefail
cd "$(dirname "$0")/.."
root="$(pwd)"
bin="$root/.build/debug"
dir="$(mktemp -d "${TMPDIR:-/tmp}/fieldgate-demo.XXXXXX")"
site="$dir/site.json"
export FIELDSIM_DIR="$dir/sim" FIELDGATE_BOARDS="$root/boards" FIELDGATE_STATE_DIR="$dir/gw"
pids=()
gateway_failed=""

cleanup() {
    # A second Ctrl-C, or the terminal closing, must not cut the clean-up short.
    trap - EXIT
    trap '' INT TERM HUP
    # The terminal may be gone (closed window): a failed echo must not stop the clean-up.
    set +e
    for (( i=${#pids[@]}-1; i>=0; i-- )); do kill "${pids[$i]}" 2>/dev/null || true; done
    # Whatever has not stopped after 5 s (a signal blocked by whoever started us) is killed.
    for _ in $(seq 50); do
        alive=0
        for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
        [ "$alive" -eq 0 ] && break
        sleep 0.1
    done
    for pid in "${pids[@]}"; do kill -KILL "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
    # .demo/ points at the newest demo: only this demo's own links are removed.
    if [ "$(readlink "$root/.demo/current" 2>/dev/null)" = "$dir" ]; then
        rm -f "$root/.demo/current" "$root/.demo/env"
    fi
    [ -n "$gateway_failed" ] || rm -rf "$dir"
    echo
    if [ -n "$gateway_failed" ]; then
        echo "demo stopped: $gateway_failed; logs kept in $dir"
    else
        echo "demo stopped; nothing left running."
    fi
}
trap cleanup EXIT
trap 'exit 0' INT TERM HUP

wait_for() {  # wait_for PATH WHAT LOG
    for _ in $(seq 150); do [ -e "$1" ] && return 0; sleep 0.1; done
    echo "demo: $2 did not start; its log:" >&2
    cat "$3" >&2
    exit 1
}

listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
free_port() {  # free_port FROM: the first port from FROM that nothing listens on
    local p="$1"
    while listening "$p"; do p=$((p + 1)); done
    echo "$p"
}

# The demo site with the first free port for its Modbus TCP bus (15020 in the tracked file).
modbus_port="$(free_port 15020)"
sed "s/\"port\": 15020/\"port\": $modbus_port/" "$root/simulator/sites/demo.json" > "$site"
grep -q "\"port\": $modbus_port" "$site" || { echo "demo: could not set the Modbus TCP port in $site" >&2; exit 1; }
cp "$site" "$dir/site.json.factory"

# A broker on the first free port from 1883.
port="$(free_port 1883)"
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

# The gateway under a small supervisor that does what systemd's Restart= does for the packaged
# unit: `restart` on the console (exit 75) starts it again; any other exit ends the demo.
supervise() {
    local child=""
    trap '[ -n "$child" ] && kill "$child" 2>/dev/null; [ -n "$child" ] && wait "$child" 2>/dev/null; exit 0' TERM
    while :; do
        "$bin/fieldgate" run --site "$site" --state-dir "$dir/gw" --mqtt "mqtt://127.0.0.1:$port" >> "$dir/fieldgate.log" 2>&1 &
        child=$!
        local rc=0
        wait "$child" || rc=$?
        child=""
        [ "$rc" -eq 75 ] || exit "$rc"
        echo "demo: the gateway asked for a restart (exit 75); starting it again" >> "$dir/fieldgate.log"
    done
}
mkdir -p "$dir/gw"
supervise &
supervisor=$!
pids+=($supervisor)
wait_for "$dir/gw/fieldgate.sock" "the gateway" "$dir/fieldgate.log"

cat > "$dir/env" <<EOF
# The Fieldgate demo in $dir (source this file: the README's tour then works as typed).
export PATH="$bin:\$PATH"
export FIELDSIM_DIR="$FIELDSIM_DIR"
export FIELDGATE_STATE_DIR="$dir/gw"
export FIELDGATE_BOARDS="$root/boards"
export DEMO_MQTT_PORT=$port
EOF
mkdir -p "$root/.demo"
ln -sfn "$dir" "$root/.demo/current"
ln -sfn "$dir/env" "$root/.demo/env"

cat <<EOF

Fieldgate demo: the simulator emulates a lamp pole, a pump room, a classroom air terminal and a
lift on two RS-485 buses (ptys), Modbus TCP port $modbus_port and GPIO lines; the gateway polls
them and sends everything to a local mosquitto on port $port.
Everything is in $dir (also .demo/current).

In another terminal, in this checkout:
  source .demo/env       fieldgate and fieldsim on PATH, pointed at this demo
  console (technician):  picocom -b 115200 \$FIELDGATE_STATE_DIR/console   (exit: Ctrl-A Ctrl-X)
                    or:  fieldgate console
                         log in as tech (or admin), password fieldgate (demo only)
  make something happen: fieldsim ctl burst      fieldsim ctl press lift-1      fieldsim ctl help
  point table:           fieldgate points --device main-pt
  watch the uplink:      mosquitto_sub -p $port -v -t 'v1/gateway/#' -t 'v1/devices/me/#' -t 'fieldgate/#'
  logs:                  $dir/fieldgate.log, $dir/fieldsim.log

Press Ctrl-C to stop everything.
EOF
sleep 3

# The live view: a header that keeps the paths on screen, then the gateway's status. On a
# terminal each frame replaces the last; piped (the tests), frames follow one another.
header() {
    # .demo/ names the newest demo; an older one still running says its own env file.
    local env=".demo/env" where=" (.demo/current)"
    [ "$(readlink "$root/.demo/current" 2>/dev/null)" = "$dir" ] || { env="$dir/env"; where=""; }
    echo "Fieldgate demo in $dir$where; Ctrl-C stops it"
    echo "console: picocom -b 115200 $dir/gw/console"
    echo "another terminal: source $env, then fieldgate console, fieldsim ctl help"
}
frame() {
    local text
    text="$("$bin/fieldgate" status --state-dir "$dir/gw" 2>&1)" || text="the gateway is not answering (restarting?); its log: $dir/fieldgate.log"
    printf '%s\n%s\n' "$(header)" "$text"
}
end=$(( SECONDS + ${DEMO_SECONDS:-0} ))
while [ -z "${DEMO_SECONDS:-}" ] || [ "$SECONDS" -lt "$end" ]; do
    if ! kill -0 "$supervisor" 2>/dev/null; then
        rc=0
        wait "$supervisor" || rc=$?
        gateway_failed="the gateway exited with status $rc"
        echo "demo: the gateway exited with status $rc; the end of its log:" >&2
        tail -n 20 "$dir/fieldgate.log" >&2
        exit 1
    fi
    if [ -t 1 ]; then
        f="$(frame)"
        printf '\033[H\033[2J%s\n' "$f"
    else
        frame
        echo
    fi
    sleep 2
done
