#!/usr/bin/env bash
# Installs, starts, stops, upgrades, removes and purges a fieldgate .deb in a throwaway root, and
# checks what each step leaves behind.
#
#   scripts/test-deb.sh out/fieldgate_VERSION_ARCH.deb      test a package (make deb-test)
#   scripts/test-deb.sh --binary .build/debug/fieldgate    package that binary first (the Swift test)
#   scripts/test-deb.sh --check                            only whether this machine can make the root
#
# The throwaway root is this machine's own root file system under an overlay whose upper layer is
# a tmpfs, in private mount and PID namespaces: dpkg, adduser and the gateway run for real inside
# it (chroot), and everything they write, and every process they leave, is gone when the script
# ends. A few seconds, where a debootstrap would take minutes and prove the same on Debian 12.
#
# Not exercised, because systemd is not PID 1 and udev does not run here: `systemctl start/stop`
# and the unit's sandboxing (ProtectSystem=, CapabilityBoundingSet=, ...), systemd acting on
# WatchdogSec= or Restart=, udev applying 60-fieldgate.rules. In their place: the unit is checked
# with systemd-analyze, and the gateway is started with the unit's ExecStart=, User=, Group=,
# SupplementaryGroups= and UMask=, stopped with its KillSignal=, and watched through a notify
# socket of our own for READY=1, WATCHDOG=1 and STOPPING=1.
#
# Exit status: 0 all checks passed, 1 a check failed, 77 this machine cannot make the root (not
# root, no namespaces or no overlayfs), with the reason on stderr.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)

skip() { echo "test-deb: SKIP: $*" >&2; exit 77; }
fail() { echo "test-deb: FAIL: $*" >&2; exit 1; }

can_make_root() {
  [ "$(id -u)" -eq 0 ] || skip "needs root for the namespaces, the overlay and chroot (run as root, as CI does)"
  grep -qw overlay /proc/filesystems || skip "this kernel has no overlayfs"
  unshare --mount --pid --fork --mount-proc true 2>/dev/null || skip "cannot make mount and PID namespaces (unshare failed; a container without CAP_SYS_ADMIN?)"
}

if [ "${1:-}" = --check ]; then
  can_make_root
  exit 0
fi

if [ "${1:-}" != --inside ]; then
  case "${1:-}" in
    --binary)
      [ -x "${2:-}" ] || fail "no binary ${2:-}"
      build=$(mktemp -d)
      trap 'rm -rf "$build"' EXIT
      # Debug symbols only slow dpkg down here.
      /opt/swift/usr/bin/llvm-objcopy --strip-all "$2" "$build/fieldgate"
      # A debug binary links the toolchain's Swift runtime, which no package provides.
      bash "$here/scripts/deb.sh" --binary "$build/fieldgate" --out "$build" --compress gzip --unpackaged-ok >&2
      deb=$(ls "$build"/fieldgate_*.deb)
      ;;
    "") fail "usage: test-deb.sh DEB | --binary FILE" ;;
    *) deb=$(realpath "$1") ;;
  esac
  [ -f "$deb" ] || fail "no package $deb"
  can_make_root
  # The inner script is PID 1 of its namespace: when it ends, the kernel ends whatever is left.
  status=0
  unshare --mount --pid --fork --mount-proc --kill-child bash "$0" --inside "$deb" || status=$?
  exit $status
fi

# ---- inside the namespaces ----
deb=$2
mount --make-rprivate /
base=$(mktemp -d /tmp/fieldgate-root.XXXXXX)
cleanup() { umount -R "$base" 2>/dev/null || umount -l "$base" 2>/dev/null || true; rmdir "$base" 2>/dev/null || true; }
trap cleanup EXIT
mount -t tmpfs -o size=2g tmpfs "$base" || skip "cannot mount a tmpfs"
mkdir "$base/upper" "$base/work" "$base/root"
R=$base/root
mount -t overlay overlay -o "lowerdir=/,upperdir=$base/upper,workdir=$base/work" "$R" || skip "cannot mount an overlay on /"
# A /dev of the bare minimum: the host's serial ports and GPIO chips stay out of reach (the board
# file's console line, /dev/ttyS0, is often this machine's own console).
mount -t tmpfs -o mode=0755 tmpfs "$R/dev"
for node in null zero full random urandom tty; do
  touch "$R/dev/$node"
  mount --bind "/dev/$node" "$R/dev/$node"
done
mount -t proc proc "$R/proc"
# A /run and /tmp of its own: no /run/systemd/system, so the maintainer scripts see no systemd,
# as on this machine, whatever the host runs.
mount -t tmpfs tmpfs "$R/run"
mount -t tmpfs tmpfs "$R/tmp"
cp "$deb" "$R/tmp/fieldgate.deb"

# Runs a command in the root with a clean environment.
in_root() { chroot "$R" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 "$@"; }
ok() { echo "ok - $*"; }
check() {  # check DESCRIPTION COMMAND...
  local what=$1; shift
  if "$@"; then ok "$what"; else fail "$what"; fi
}
mode_of() { in_root stat -c '%U:%G %a' "$1"; }
expect_mode() {  # expect_mode PATH "owner:group mode"
  local got; got=$(mode_of "$1")
  [ "$got" = "$2" ] && ok "$1 is $2" || fail "$1 is $got, expected $2"
}
installed_state() { in_root dpkg-query -W -f='${Status}' fieldgate 2>/dev/null || true; }
unit=/lib/systemd/system/fieldgate.service
wants=/etc/systemd/system/multi-user.target.wants/fieldgate.service

[ -x "$R/usr/bin/dpkg" ] || skip "the root file system is split across mounts: no dpkg under the overlay"
[ -z "$(installed_state)" ] || fail "fieldgate is already installed on this machine: the test needs a root without it"
! in_root getent passwd fieldgate >/dev/null || fail "this machine already has a fieldgate user"

echo "# install"
in_root dpkg -i /tmp/fieldgate.deb >"$base/dpkg.log" 2>&1 || { cat "$base/dpkg.log"; fail "dpkg -i"; }
check "dpkg says installed" test "$(installed_state)" = "install ok installed"
version=$(in_root dpkg-query -W -f='${Version}' fieldgate)
reported=$(in_root /usr/bin/fieldgate version) || fail "fieldgate version"
check "the binary runs and reports its version ($reported)" test "$reported" = "fieldgate $version"
expect_mode /usr/bin/fieldgate "root:root 755"
expect_mode $unit "root:root 644"
expect_mode /lib/udev/rules.d/60-fieldgate.rules "root:root 644"
boards=$(ls "$here"/boards/*.json | wc -l)
check "$boards board files in /usr/share/fieldgate/boards (every one of the checkout's)" test "$(ls "$R/usr/share/fieldgate/boards" | wc -l)" -eq "$boards"
check "copyright and changelog in /usr/share/doc/fieldgate" test -f "$R/usr/share/doc/fieldgate/copyright" -a -f "$R/usr/share/doc/fieldgate/changelog.gz"
check "the files in /etc/fieldgate are conffiles" \
  test "$(in_root dpkg-query -W -f='${Conffiles}' fieldgate | awk '{print $1}' | sort | tr '\n' ' ')" = \
  "/etc/fieldgate/site.example.json /etc/fieldgate/site.json /etc/fieldgate/site.json.factory "

passwd_entry=$(in_root getent passwd fieldgate) || fail "no fieldgate user"
IFS=: read -r _ _ uid gid _ home shell <<<"$passwd_entry"
check "fieldgate is a system user (uid $uid) with home /var/lib/fieldgate and no login shell" \
  test "$uid" -lt 1000 -a "$home" = /var/lib/fieldgate -a "$shell" = /usr/sbin/nologin
groups=" $(in_root id -nG fieldgate) "
check "fieldgate is in its own group (udev: GPIO chips, watchdog) and dialout (serial ports)" \
  test "${groups/ fieldgate /}" != "$groups" -a "${groups/ dialout /}" != "$groups"
expect_mode /etc/fieldgate "root:fieldgate 2770"
expect_mode /etc/fieldgate/site.json "root:fieldgate 660"
expect_mode /etc/fieldgate/site.json.factory "root:fieldgate 640"
expect_mode /var/lib/fieldgate "fieldgate:fieldgate 750"
check "enabled: $wants links to the unit" test "$(readlink "$R$wants")" = $unit

check "check-config accepts the default site.json (as root)" in_root fieldgate check-config /etc/fieldgate/site.json
check "check-config accepts the default site.json (as the fieldgate user)" \
  in_root setpriv --reuid fieldgate --regid fieldgate --init-groups fieldgate check-config /etc/fieldgate/site.json
check "check-config accepts site.json.factory" in_root fieldgate check-config /etc/fieldgate/site.json.factory
# The example's uplink names a CA certificate the integrator installs: until then check-config
# says which file is missing; with one in place the example is valid.
example_without_ca() {
  ! in_root fieldgate check-config /etc/fieldgate/site.example.json >"$base/example.log" 2>&1 &&
    grep -q 'uplink.tls.ca: cannot read /etc/fieldgate/ca.pem' "$base/example.log"
}
check "check-config names the example's CA certificate until it is installed" example_without_ca
printf 'test CA\n' >"$R/etc/fieldgate/ca.pem"
check "check-config accepts site.example.json with its CA certificate in place" in_root fieldgate check-config /etc/fieldgate/site.example.json
rm -f "$R/etc/fieldgate/ca.pem"
if [ -x "$R/usr/bin/systemd-analyze" ]; then
  # Without systemd running, verify still parses the unit; it also names what it cannot look up.
  in_root systemd-analyze verify $unit >"$base/verify.log" 2>&1 || true
  if grep -v -e 'Failed to .* bus' -e 'System has not been booted with systemd' -e 'Failed to connect' "$base/verify.log" | grep -qi -e 'unknown' -e 'invalid' -e 'ignoring' -e 'not executable' -e 'failed to parse'; then
    cat "$base/verify.log"; fail "systemd-analyze verify complains about the unit"
  fi
  ok "systemd-analyze verify finds nothing wrong in the unit"
  sed 's/^/#   /' "$base/verify.log"
fi

echo "# start, as the unit would"
exec_start=$(sed -n 's/^ExecStart=//p' "$R$unit")
user=$(sed -n 's/^User=//p' "$R$unit")
group=$(sed -n 's/^Group=//p' "$R$unit")
supplementary=$(sed -n 's/^SupplementaryGroups=//p' "$R$unit" | tr ' ' ,)
umask_value=$(sed -n 's/^UMask=//p' "$R$unit")
kill_signal=$(sed -n 's/^KillSignal=SIG//p' "$R$unit")
watchdog_sec=$(sed -n 's/^WatchdogSec=\([0-9]*\)s$/\1/p' "$R$unit")
[ -n "$exec_start" ] && [ -n "$user" ] && [ -n "$watchdog_sec" ] || fail "cannot read ExecStart=, User= or WatchdogSec= from the unit"
notify=/run/fieldgate-notify.sock
if [ -x "$R/usr/bin/python3" ]; then
  # systemd's notify socket, played by a datagram socket that logs what arrives, one per line.
  in_root python3 -c '
import os, socket, sys
os.umask(0)
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
with open(sys.argv[2], "a", buffering=1) as log:
    while True:
        log.write(s.recv(4096).decode().replace("\n", " ") + "\n")
' $notify /run/notify.log &
  for _ in $(seq 50); do [ -S "$R$notify" ] && break; sleep 0.1; done
else
  echo "# no python3 in the root: READY/WATCHDOG/STOPPING not checked"
  notify=""
fi
# systemd: the user's groups (initgroups) and SupplementaryGroups=, working directory /, UMask=, an
# environment of its own; the package made the StateDirectory= already.
groups=$(in_root id -nG "$user" | tr ' ' ,)${supplementary:+,$supplementary}
chroot "$R" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 \
  ${notify:+NOTIFY_SOCKET=$notify} WATCHDOG_USEC=$((watchdog_sec * 1000000)) \
  sh -c "cd / && umask $umask_value && exec setpriv --reuid $user --regid $group --groups $groups $exec_start" \
  >"$base/gateway.log" 2>&1 &
gateway=$!
ready() { grep -q READY=1 "$R/run/notify.log" 2>/dev/null; }
for _ in $(seq 200); do
  if [ -n "$notify" ]; then ready && break; else [ -S "$R/var/lib/fieldgate/fieldgate.sock" ] && break; fi
  kill -0 $gateway 2>/dev/null || { cat "$base/gateway.log"; fail "the gateway exited at start"; }
  sleep 0.1
done
[ -n "$notify" ] && { ready || { cat "$base/gateway.log"; fail "no READY=1 within 20 s"; }; ok "READY=1 on the notify socket: $(grep READY=1 "$R/run/notify.log" | head -1)"; }
# chroot, env, sh and setpriv each exec the next: the gateway has the background job's PID.
pid=$gateway
check "the process is the gateway's ExecStart=" test "$(tr '\0' ' ' </proc/$pid/cmdline)" = "$exec_start "
check "it runs as $user (uid and gid $uid/$gid)" test "$(awk '$1 == "Uid:" || $1 == "Gid:" { print $2 }' /proc/$pid/status | tr '\n' /)" = "$uid/$gid/"
has_group() { awk '$1 == "Groups:" { for (i = 2; i <= NF; i++) print $i }' /proc/$pid/status | grep -qx "$(in_root getent group "$1" | cut -d: -f3)"; }
gpio_and_serial() { has_group fieldgate && has_group dialout; }
check "its groups include fieldgate (udev: GPIO chips, watchdog) and dialout (serial ports)" gpio_and_serial
api_status() { in_root fieldgate status --json --state-dir /var/lib/fieldgate | grep -q '"new-gateway"'; }
check "its local API answers (fieldgate status --state-dir /var/lib/fieldgate)" api_status
# An administrator in group fieldgate, not root, reaches the sockets too (docs/install.md).
in_root adduser --quiet --system --no-create-home tech >/dev/null
in_root adduser --quiet tech fieldgate >/dev/null
as_tech() { in_root setpriv --reuid tech --regid nogroup --init-groups "$@"; }
tech_status() { as_tech fieldgate status --json --state-dir /var/lib/fieldgate | grep -q '"new-gateway"'; }
check "a member of group fieldgate gets the status too" tech_status
check "the console socket is there" test -S "$R/var/lib/fieldgate/console.sock"
if [ -n "$notify" ]; then
  for _ in $(seq 50); do grep -q WATCHDOG=1 "$R/run/notify.log" && break; sleep 0.1; done
  check "WATCHDOG=1 on the notify socket (WatchdogSec=${watchdog_sec}s)" grep -q WATCHDOG=1 "$R/run/notify.log"
fi
check "what it wrote in /var/lib/fieldgate belongs to $user and is not world-readable" \
  test -z "$(find "$R/var/lib/fieldgate" -mindepth 1 \( ! -user "$uid" -o -perm -o=r \) -print)"

echo "# stop, as the unit would (SIG$kill_signal)"
kill -s "$kill_signal" $pid
for _ in $(seq 200); do kill -0 $gateway 2>/dev/null || break; sleep 0.1; done
kill -0 $gateway 2>/dev/null && fail "still running 20 s (TimeoutStopSec) after SIG$kill_signal"
code=0; wait $gateway || code=$?
check "it stopped cleanly (exit status $code)" test $code -eq 0
[ -n "$notify" ] && check "STOPPING=1 on the notify socket" grep -q STOPPING=1 "$R/run/notify.log"
check "it removed its API socket" test ! -e "$R/var/lib/fieldgate/fieldgate.sock"
echo "# what the gateway logged"
sed 's/^/#   /' "$base/gateway.log"

echo "# upgrade (the same version again) keeps a changed site.json"
sed -i 's/"new-gateway"/"pump-room-7"/' "$R/etc/fieldgate/site.json"
in_root dpkg -i /tmp/fieldgate.deb >"$base/dpkg.log" 2>&1 || { cat "$base/dpkg.log"; fail "dpkg -i over the installed package"; }
check "site.json kept the administrator's change" grep -q pump-room-7 "$R/etc/fieldgate/site.json"
expect_mode /etc/fieldgate/site.json "root:fieldgate 660"
check "the user is still there, once" test "$(in_root getent passwd | grep -c '^fieldgate:')" -eq 1

echo "# remove"
in_root dpkg -r fieldgate >"$base/dpkg.log" 2>&1 || { cat "$base/dpkg.log"; fail "dpkg -r"; }
check "dpkg says config-files" test "$(installed_state)" = "deinstall ok config-files"
check "the binary, unit and udev rules are gone" test ! -e "$R/usr/bin/fieldgate" -a ! -e "$R$unit" -a ! -e "$R/lib/udev/rules.d/60-fieldgate.rules"
check "site.json stays" test -f "$R/etc/fieldgate/site.json"
check "the service is masked" test "$(readlink "$R/etc/systemd/system/fieldgate.service")" = /dev/null
user_stays() { in_root getent passwd fieldgate >/dev/null; }
check "the user stays" user_stays

echo "# purge"
in_root dpkg --purge fieldgate >"$base/dpkg.log" 2>&1 || { cat "$base/dpkg.log"; fail "dpkg --purge"; }
check "dpkg has forgotten the package" test -z "$(installed_state)"
check "/etc/fieldgate and /var/lib/fieldgate are gone" test ! -e "$R/etc/fieldgate" -a ! -e "$R/var/lib/fieldgate"
no_account() { ! in_root getent passwd fieldgate >/dev/null && ! in_root getent group fieldgate >/dev/null; }
check "the user and group are gone" no_account
no_override() { ! in_root dpkg-statoverride --list | grep -q fieldgate; }
check "no statoverride is left" no_override
check "no enablement link or mask is left" test ! -L "$R$wants" -a ! -L "$R/etc/systemd/system/fieldgate.service"
echo "test-deb: all checks passed ($(basename "$deb"))"
