#!/usr/bin/env bash
# Installs the Debian packages Fieldgate builds, tests and demos with, if any is missing.
# Safe to run again: it does nothing when everything is there.
set -euo pipefail

packages=(
  pkg-config libmodbus-dev libgpiod-dev gpiod libsqlite3-dev sqlite3 libmosquitto-dev mosquitto
  mosquitto-clients libcrypt-dev mbpoll picocom tmux openssl procps
  adduser binutils python3 python3-venv
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "install-deps: installing ${missing[*]}" >&2
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "install-deps: need root (or sudo) to install: ${missing[*]}" >&2; exit 1; }
  sudo="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# Debian starts a system mosquitto on :1883 when it is installed; tests and the demo run their own.
if command -v systemctl >/dev/null && systemctl is-active --quiet mosquitto 2>/dev/null; then
  $sudo systemctl disable --now mosquitto >/dev/null 2>&1 || true
fi
