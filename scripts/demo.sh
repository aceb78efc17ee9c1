#!/usr/bin/env bash
# The day-one demo: the simulator and the gateway side by side on simulator/sites/demo.json.
# Shows what the gateway reads, bursts the fire main, shows the alarms, and stops both.
set -euo pipefail
cd "$(dirname "$0")/.."
bin="$(pwd)/.build/debug"
dir="$(mktemp -d /tmp/fieldgate-demo-XXXXXX)"
export FIELDSIM_DIR="$dir/sim" FIELDGATE_BOARDS="$(pwd)/boards"
sim_pid="" gw_pid=""
cleanup() {
    [ -n "$gw_pid" ] && kill "$gw_pid" 2>/dev/null && wait "$gw_pid" 2>/dev/null || true
    [ -n "$sim_pid" ] && kill "$sim_pid" 2>/dev/null && wait "$sim_pid" 2>/dev/null || true
    rm -rf "$dir"
}
trap cleanup EXIT

"$bin/fieldsim" run --site simulator/sites/demo.json --state-dir "$FIELDSIM_DIR" > "$dir/fieldsim.log" 2>&1 &
sim_pid=$!
for _ in $(seq 100); do [ -f "$FIELDSIM_DIR/endpoints.json" ] && break; sleep 0.1; done
cat "$dir/fieldsim.log"
"$bin/fieldgate" run --site simulator/sites/demo.json --state-dir "$dir/gw" > "$dir/fieldgate.log" 2>&1 &
gw_pid=$!
sleep 6
"$bin/fieldgate" points --state-dir "$dir/gw"
echo
echo "== fieldsim ctl burst: the hydrant main bursts"
"$bin/fieldsim" ctl burst
sleep 8
"$bin/fieldgate" points --state-dir "$dir/gw" --device main-pt
grep -h "alarm raise" "$dir/fieldgate.log" || true
