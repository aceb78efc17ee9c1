#!/usr/bin/env bash
# The gateway's memory at start: runs BINARY (default out/fieldgate) against a small site for a
# few seconds and prints VmRSS and VmHWM from /proc, split into anonymous memory (the gateway's
# own heap, stacks and written data) and file pages (code of the binary and its libraries, which
# the kernel shares and can drop). Used by `make release`.
#
#   scripts/measure-rss.sh [BINARY] [--site FILE | --demo] [--seconds N]
#
# The default site has no GPIO lines and four devices (fire water, lamp pole) on one Modbus TCP
# bus to a loopback port where nothing listens, so the bus worker, the engine and the apps all run
# and the devices go offline. --demo runs the simulator (.build/debug/fieldsim: `swift build
# --product fieldsim` first) on simulator/sites/demo.json, every device answering, and measures
# the gateway against it.
set -euo pipefail
cd "$(dirname "$0")/.."

binary=out/fieldgate
site=""
demo=no
seconds=5
while [ $# -gt 0 ]; do
  case "$1" in
    --site) site=$2; shift 2 ;;
    --demo) demo=yes; shift ;;
    --seconds) seconds=$2; shift 2 ;;
    *) binary=$1; shift ;;
  esac
done
[ -x "$binary" ] || { echo "measure-rss: no $binary (run make release first)" >&2; exit 1; }
if ! "$binary" version >/dev/null 2>&1; then
  echo "measure-rss: $binary does not run on this machine (built for $(readelf -h "$binary" | sed -n 's/^ *Machine: *//p')): not measured"
  exit 0
fi

work=$(mktemp -d)
pid=""
sim=""
cleanup() {
  for p in $pid $sim; do
    if kill -0 "$p" 2>/dev/null; then kill -TERM "$p"; wait "$p" 2>/dev/null || true; fi
  done
  rm -rf "$work"
}
trap cleanup EXIT

if [ "$demo" = yes ]; then
  [ -x .build/debug/fieldsim ] || { echo "measure-rss: no .build/debug/fieldsim (swift build --product fieldsim)" >&2; exit 1; }
  site=simulator/sites/demo.json
  export FIELDSIM_DIR=$work/sim FIELDGATE_BOARDS=$PWD/boards
  .build/debug/fieldsim run --site "$site" --state-dir "$FIELDSIM_DIR" >"$work/fieldsim.log" 2>&1 &
  sim=$!
  for _ in $(seq 100); do [ -f "$FIELDSIM_DIR/endpoints.json" ] && break; sleep 0.1; done
  [ -f "$FIELDSIM_DIR/endpoints.json" ] || { cat "$work/fieldsim.log" >&2; echo "measure-rss: the simulator did not start" >&2; exit 1; }
fi

if [ -z "$site" ]; then
  site=$work/site.json
  cat >"$work/board.json" <<'EOF'
{"id": "rss-bench", "name": "no GPIO", "description": "A board without GPIO lines or serial ports: the gateway's baseline.",
 "gpio": {"backend": "gpiod"}, "lines": [], "serialPorts": [], "console": {"device": "/dev/null", "baud": 115200}, "leds": []}
EOF
  cat >"$site" <<'EOF'
{"site": {"id": "rss"}, "board": "board.json",
 "buses": [{"name": "plc", "type": "tcp", "host": "127.0.0.1", "port": 1}],
 "devices": [
  {"id": "hydrant-main", "profile": "fg-pressure-tx", "bus": "plc", "address": 3, "settings": {"category": "municipal-hydrant"}},
  {"id": "roof-tank", "profile": "fg-level", "bus": "plc", "address": 6, "settings": {"low": 2.0, "high": 4.6}},
  {"id": "lamp-1", "profile": "fg-slc", "bus": "plc", "address": 1},
  {"id": "pole-env", "profile": "fg-pole-env", "bus": "plc", "address": 10}
 ]}
EOF
fi

# Start from the binary's pages not being cached, as after a boot: a file that was just read
# through (stripped, packaged, checksummed) sits in the page cache in large folios, and a page
# fault then maps the whole folio, which adds 3-4 MB of file pages to the figure.
dd if="$binary" iflag=nocache count=0 status=none
"$binary" run --site "$site" --state-dir "$work/state" 2>"$work/log" &
pid=$!
# Ready when the local API socket exists; then let it run.
for _ in $(seq 100); do
  [ -S "$work/state/fieldgate.sock" ] && break
  kill -0 "$pid" 2>/dev/null || { cat "$work/log" >&2; echo "measure-rss: the gateway did not start" >&2; exit 1; }
  sleep 0.1
done
sleep "$seconds"
status=/proc/$pid/status
field() { awk -v k="$1:" '$1 == k { print $2 }' "$status"; }
printf 'rss: %s against %s for %ss: VmRSS %d kB (anonymous %d kB, file %d kB), VmHWM %d kB, %d threads\n' \
  "$binary" "$(basename "$site")" "$seconds" "$(field VmRSS)" "$(field RssAnon)" "$(field RssFile)" "$(field VmHWM)" "$(field Threads)"
