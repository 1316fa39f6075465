#!/usr/bin/env bash
# The Debian package as an admin meets it, on THIS machine: installs the .deb with apt-get,
# checks its files, user, conffile and units, runs the installed wssd as user wssd (with the
# environment wssd.service gives it) against the packaged wss-hub, checks who may use its
# socket, then removes and purges the package and checks what is left.
#
#   tests/package/install_test.sh [WSSD_DEB]   default: builds one with packaging/build-deb.sh
#
# Needs root, Debian 12, and wssd NOT installed (it refuses rather than touch a real setup).
# Leaves the machine as it found it: processes, test users, the package, and the wssd user
# if it was not there before. tools/test.sh runs it when WSSD_INSTALL_TEST=1 (CI sets it).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
started=$SECONDS
member=wssd-it-member  # a user in group wssd: may use the socket
other=wssd-it-other    # a user outside it: must be refused
user=wssd-it-user      # runs a user instance
passed=0
failed=0

say() { echo "install_test: $*"; }
pass() {
  passed=$((passed + 1))
  say "ok: $*"
}
fail() {
  failed=$((failed + 1))
  say "FAIL: $*" >&2
}
# check DESCRIPTION COMMAND...: one check; the command's status decides.
check() {
  local what=$1
  shift
  if "$@"; then pass "$what"; else fail "$what"; fi
}
# expect DESCRIPTION EXPECTED FOUND
expect() {
  if [ "$2" = "$3" ]; then pass "$1"; else fail "$1: expected '$2', found '$3'"; fi
}
die() {
  fail "$*"
  exit 1
}
# stop NAME PID: SIGTERM, as systemctl stop sends; it must exit 0 within 5 s.
stop() {
  local rc
  kill -TERM "$2" 2>/dev/null || :  # already gone: its exit status below says how it ended
  for _ in $(seq 50); do
    kill -0 "$2" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$2" 2>/dev/null; then
    fail "$1 still runs 5 s after SIGTERM"
    kill -KILL "$2"
  fi
  wait "$2" && rc=0 || rc=$?
  expect "$1 exits with 0 after SIGTERM" 0 "$rc"
}
show_log() {
  [ -s "$1" ] && sed 's/^/    | /' "$1" | tail -n 40 >&2
  return 0
}

[ "$(id -u)" -eq 0 ] || die "needs root (it installs and purges the wssd package)"
if dpkg-query -W -f='${db:Status-Abbrev}' wssd 2>/dev/null | grep -q '^.[^n]'; then
  die "wssd is installed (or its conffiles are); this test removes and purges it. Run it where wssd is not installed, or: apt-get purge wssd"
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/wssd-install-test.XXXXXX")
chmod 0755 "$work"  # apt's _apt user reads the .deb from here
wssd_pid=""
hub_pid=""
user_wssd_pid=""
bus_pid=""
had_wssd_user=no
getent passwd wssd >/dev/null && had_wssd_user=yes

cleanup() {
  local rc=$?
  set +e
  for pid in $wssd_pid $user_wssd_pid $bus_pid $hub_pid; do
    kill -KILL "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
  done
  for u in $member $other $user; do getent passwd "$u" >/dev/null && userdel "$u"; done
  if dpkg-query -W wssd >/dev/null 2>&1; then
    say "cleanup: purging wssd"
    DEBIAN_FRONTEND=noninteractive timeout 300 apt-get purge -y -q wssd >"$work/cleanup-purge.log" 2>&1 ||
      show_log "$work/cleanup-purge.log"
  fi
  if [ "$had_wssd_user" = no ] && getent passwd wssd >/dev/null; then
    userdel wssd
    getent group wssd >/dev/null && groupdel wssd
  fi
  rm -rf /var/lib/wssd /run/wssd
  rm -rf "$work"
  echo "$passed passed, $failed failed"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Leftovers of an interrupted run would make the user checks meaningless.
for u in $member $other $user; do getent passwd "$u" >/dev/null && userdel "$u"; done

# ---------------------------------------------------------------------------------------------
# The package and lintian.
if [ $# -ge 1 ]; then
  deb=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
  [ -f "$deb" ] || die "no such package: $1"
  cp "$deb" "$work/"
  deb=$work/$(basename "$deb")
else
  say "building the package (packaging/build-deb.sh)"
  build_started=$SECONDS
  # noddebs: the test installs wssd, not wssd-dbgsym; compressing its debug symbols is time CI
  # does not have.
  if ! DEB_BUILD_OPTIONS="parallel=$(nproc) noddebs" nice timeout 1800 \
    "$root/packaging/build-deb.sh" "$work" >"$work/build.log" 2>&1; then
    show_log "$work/build.log"
    die "packaging/build-deb.sh failed (log above)"
  fi
  say "built in $((SECONDS - build_started)) s"
  deb=$(echo "$work"/wssd_*.deb)
fi
[ -f "$deb" ] || die "no .deb found in $work"
say "package: $(basename "$deb")"

if command -v lintian >/dev/null; then
  if timeout 300 lintian --info --display-info --fail-on error,warning "$deb" >"$work/lintian.log" 2>&1; then
    pass "lintian --info --display-info --fail-on error,warning: no errors, no warnings"
  else
    grep -E '^(E|W): ' "$work/lintian.log" | sed 's/^/    | /' >&2
    fail "lintian reports errors or warnings (above; all of it: lintian --info --display-info $(basename "$deb"))"
  fi
else
  fail "lintian is not installed (apt-get install lintian)"
fi

# ---------------------------------------------------------------------------------------------
# Install, as an admin would: apt resolves the dependencies.
say "apt-get install ./$(basename "$deb")"
if ! (cd "$work" && DEBIAN_FRONTEND=noninteractive timeout 600 apt-get install -y -q "./$(basename "$deb")") \
  >"$work/install.log" 2>&1; then
  show_log "$work/install.log"
  die "apt-get install failed (log above)"
fi
expect "dpkg says wssd is installed" "ii" "$(dpkg-query -W -f='${db:Status-Abbrev}' wssd | tr -d ' ')"
dpkg -L wssd >"$work/files"

owned() { [ -e "$1" ] && grep -qxF "$1" "$work/files"; }
for f in /usr/sbin/wssd /usr/bin/wssctl /usr/bin/wss-hub; do
  check "$f is installed, executable" test -x "$f"
done
for f in /lib/systemd/system/wssd.service /lib/systemd/system/wssd.socket \
  /lib/systemd/system/wssd@.service /lib/systemd/system/wssd@.socket \
  /usr/lib/systemd/user/wssd.service /usr/lib/systemd/user/wssd.socket \
  /usr/lib/systemd/user/wssd@.service /usr/lib/systemd/user/wssd@.socket \
  /usr/lib/sysusers.d/wssd.conf /usr/lib/tmpfiles.d/wssd.conf \
  /usr/share/dbus-1/system.d/org.wssd.Session1.conf \
  /usr/share/dbus-1/system-services/org.wssd.Session1.service \
  /usr/share/dbus-1/interfaces/org.wssd.Session1.xml \
  /usr/share/man/man8/wssd.8.gz /usr/share/man/man5/wssd.conf.5.gz \
  /usr/share/man/man1/wssctl.1.gz /usr/share/man/man1/wss-hub.1.gz \
  /usr/share/bash-completion/completions/wssctl \
  /usr/share/doc/wssd/copyright /usr/share/doc/wssd/examples/wssd.conf \
  /etc/wssd/wssd.conf; do
  check "$f is in the package" owned "$f"
done
for page in /usr/share/man/man8/wssd.8.gz /usr/share/man/man5/wssd.conf.5.gz; do
  check "$page is a man page" sh -c "zcat '$page' 2>/dev/null | grep -q '^\.TH'"
done
expect "the bash completion registers itself for wssctl" "complete -F _wssctl wssctl" \
  "$(bash -c 'source /usr/share/bash-completion/completions/wssctl && complete -p wssctl' 2>&1)"
check "the copyright file is DEP-5 with the Expat license" \
  sh -c 'grep -qx "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/" /usr/share/doc/wssd/copyright &&
         grep -qx "License: Expat" /usr/share/doc/wssd/copyright'
expect "dpkg knows /etc/wssd/wssd.conf as a conffile" "/etc/wssd/wssd.conf" \
  "$(dpkg-query -W -f='${Conffiles}\n' wssd | awk 'NF {print $1}')"
check "/etc/wssd/wssd.conf leaves \"server\" to the admin" grep -q '^ *// "server":' /etc/wssd/wssd.conf

# The user and group: dh_installsysusers' postinst runs systemd-sysusers, which needs no
# running systemd.
if [ "$had_wssd_user" = yes ]; then
  say "note: user wssd existed before the install; that the package creates it is not tested"
fi
IFS=: read -r _ _ wssd_uid wssd_gid _ wssd_home wssd_shell < <(getent passwd wssd || echo "::::::")
system_uid() { [[ $1 =~ ^[0-9]+$ ]] && [ "$1" -lt 1000 ]; }
check "system user wssd exists (uid ${wssd_uid:-none}, below 1000)" system_uid "$wssd_uid"
expect "group wssd is wssd's primary group" "wssd" "$(getent group "${wssd_gid:-x}" | cut -d: -f1)"
expect "wssd's home" "/var/lib/wssd" "$wssd_home"
expect "wssd's shell" "/usr/sbin/nologin" "$wssd_shell"
# dh_installtmpfiles' postinst ran systemd-tmpfiles --create.
expect "/run/wssd, made by tmpfiles" "750 wssd wssd" "$(stat -c '%a %U %G' /run/wssd 2>&1)"

# The units: enabled as debian/rules says, and valid for systemd.
check "wssd.service is enabled (multi-user.target.wants)" \
  test -L /etc/systemd/system/multi-user.target.wants/wssd.service
check "wssd.socket is not enabled" test ! -e /etc/systemd/system/sockets.target.wants/wssd.socket
check "no instance (wssd@NAME) is enabled" \
  sh -c '! find /etc/systemd/system -name "wssd@*" 2>/dev/null | grep -q .'
check "the user units are not enabled for everyone" \
  sh -c '! find /etc/systemd/user -name "wssd.*" 2>/dev/null | grep -q .'
man_check=()
command -v man >/dev/null || man_check=(--man=no)  # without man-db, Documentation= cannot be checked
check "systemd-analyze verify: the system units" \
  timeout 60 systemd-analyze "${man_check[@]}" verify /lib/systemd/system/wssd.service /lib/systemd/system/wssd.socket \
  /lib/systemd/system/wssd@.service /lib/systemd/system/wssd@.socket
mkdir -m 0700 "$work/xdg"
check "systemd-analyze --user verify: the user units" \
  env XDG_RUNTIME_DIR="$work/xdg" timeout 60 systemd-analyze --user "${man_check[@]}" verify \
  /usr/lib/systemd/user/wssd.service /usr/lib/systemd/user/wssd.socket \
  /usr/lib/systemd/user/wssd@.service /usr/lib/systemd/user/wssd@.socket
exposure=$(timeout 60 systemd-analyze security --offline=yes /lib/systemd/system/wssd.service 2>&1 |
  sed -n 's/.*Overall exposure level for wssd.service: \([0-9.]*\).*/\1/p')
check "systemd-analyze security: exposure ${exposure:-?}, at most 1.4" \
  awk -v e="${exposure:-99}" 'BEGIN { exit !(e <= 1.4) }'
# A template is analysed as instance "i" (wssd@i.service).
exposure=$(timeout 60 systemd-analyze security --offline=yes /lib/systemd/system/wssd@.service 2>&1 |
  sed -n 's/.*Overall exposure level for wssd@i.service: \([0-9.]*\).*/\1/p')
check "systemd-analyze security: wssd@.service's exposure ${exposure:-?}, at most 1.4" \
  awk -v e="${exposure:-99}" 'BEGIN { exit !(e <= 1.4) }'

# ---------------------------------------------------------------------------------------------
# The installed daemon, as wssd.service would run it (User=wssd, RuntimeDirectory=,
# StateDirectory=, UMask=0077), against the packaged hub. No systemd here, so the test makes
# /var/lib/wssd as StateDirectory=wssd with StateDirectoryMode=0700 would.
useradd --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin --groups wssd "$member"
useradd --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin "$other"
# (as USER COMMAND...): COMMAND as USER, in a clean environment. It execs, so call it in a
# subshell; then `(as ...) &` leaves $! = COMMAND's pid.
as() {
  local user=$1
  shift
  exec env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/nonexistent LANG=C.UTF-8 \
    setpriv --reuid="$user" --regid="$(id -g "$user")" --init-groups -- "$@"
}

(as nobody /usr/bin/wss-hub --port 0 --bind 127.0.0.1) >"$work/hub.out" 2>"$work/hub.log" &
hub_pid=$!
for _ in $(seq 100); do
  grep -q '^listening ws=' "$work/hub.out" && break
  sleep 0.1
done
hub_port=$(sed -n 's/^listening ws=\([0-9]*\) .*/\1/p' "$work/hub.out")
[ -n "$hub_port" ] || {
  show_log "$work/hub.log"
  die "wss-hub did not print 'listening ws=PORT http=PORT' within 10 s"
}
pass "wss-hub listens on 127.0.0.1:$hub_port"

# --check-config as the admin runs it (sudo): root's defaults are the unit's directories.
check_config() { env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 /usr/sbin/wssd --check-config; }
check_config >"$work/check.log" 2>&1 && rc=0 || rc=$?
expect "the packaged config is refused until a server is set (exit code)" 1 "$rc"
check "... saying so" grep -q 'server: not set' "$work/check.log"
# What the admin does (the file's first line says so): remove the // in front of "server".
sed -i "s|^\( *\)// \"server\": .*|\1\"server\": \"ws://127.0.0.1:$hub_port/\",|" /etc/wssd/wssd.conf
check_config >"$work/check.log" 2>&1 && rc=0 || rc=$?
expect "with the server set, wssd --check-config passes" 0 "$rc"
[ "$rc" -eq 0 ] || show_log "$work/check.log"
check "... and names the unit's state directory" grep -q '/var/lib/wssd' "$work/check.log"

install -d -m 0700 -o wssd -g wssd /var/lib/wssd
(
  umask 0077
  exec env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 HOME=/var/lib/wssd USER=wssd \
    LOGNAME=wssd RUNTIME_DIRECTORY=/run/wssd STATE_DIRECTORY=/var/lib/wssd \
    setpriv --reuid=wssd --regid=wssd --init-groups --no-new-privs --inh-caps=-all \
    --bounding-set=-all -- /usr/sbin/wssd --bus none
) >"$work/wssd.log" 2>&1 &
wssd_pid=$!

if env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin timeout 30 wssctl wait-online --timeout 20 >"$work/wait.log" 2>&1; then
  pass "wssctl wait-online: the installed wssd is online"
else
  show_log "$work/wait.log"
  show_log "$work/wssd.log"
  die "wssctl wait-online failed (wssd's log above)"
fi
expect "wssd runs as user wssd" "wssd" "$(ps -o user= -p "$wssd_pid" | tr -d ' ')"
expect "the socket /run/wssd/wssd.sock" "660 wssd wssd socket" \
  "$(stat -c '%a %U %G %F' /run/wssd/wssd.sock 2>&1)"

(as "$member" timeout 20 wssctl status) >"$work/member.out" 2>&1 && rc=0 || rc=$?
expect "wssctl status as a member of group wssd (exit code)" 0 "$rc"
check "... says online" grep -qx 'state: online' "$work/member.out"
[ "$rc" -eq 0 ] || show_log "$work/member.out"

# /run/wssd is 0750 wssd:wssd: connect() fails with EACCES, which wssctl reports as denied (5).
(as "$other" timeout 20 wssctl status) >"$work/other.out" 2>&1 && rc=0 || rc=$?
expect "wssctl status as a user outside group wssd is denied (exit code)" 5 "$rc"
check "... with 'Permission denied'" grep -q 'Permission denied' "$work/other.out"

private_id=$(sed -n 's/^private_id: //p' "$work/member.out")
expect "the private id is kept in \$STATE_DIRECTORY (/var/lib/wssd/private_id)" "$private_id" \
  "$(cat /var/lib/wssd/private_id 2>&1)"
expect "... readable by wssd only" "600 wssd" "$(stat -c '%a %U' /var/lib/wssd/private_id 2>&1)"

# SIGTERM, as systemctl stop sends: wssd closes the session and exits 0 within 3 s.
stop wssd "$wssd_pid"
wssd_pid=""
check "... and removes its socket" test ! -e /run/wssd/wssd.sock

# The user unit's command as a user's systemd would run it: $HOME, $XDG_RUNTIME_DIR, the
# unit's RuntimeDirectory= and UMask=, %E = ~/.config, and a session bus of the user's own.
# Its defaults must be a user instance's: session bus, socket and state in the user's dirs.
useradd --create-home --home-dir "$work/home" --shell /bin/sh "$user"
xdg=$work/xdg-user
install -d -m 0700 -o "$user" -g "$user" "$xdg" "$xdg/wssd"
install -d -m 0700 -o "$user" -g "$user" "$work/home/.config" "$work/home/.config/wssd"
echo "{ \"server\": \"ws://127.0.0.1:$hub_port/\" }" >"$work/home/.config/wssd/wssd.conf"
chown "$user:" "$work/home/.config/wssd/wssd.conf"
user_env=(env HOME="$work/home" USER="$user" XDG_RUNTIME_DIR="$xdg"
  DBUS_SESSION_BUS_ADDRESS="unix:path=$xdg/bus")
(as "$user" "${user_env[@]}" dbus-daemon --session --nofork --address="unix:path=$xdg/bus") \
  >"$work/dbus.log" 2>&1 &
bus_pid=$!
for _ in $(seq 50); do
  [ -S "$xdg/bus" ] && break
  sleep 0.1
done
# systemd's quoting of this line is the shell's; $$ is $ and %E is ~/.config.
user_unit=/usr/lib/systemd/user/wssd.service
exec_start=$(sed -n 's/^ExecStart=//p' "$user_unit")
exec_start=${exec_start//\$\$/\$}
exec_start=${exec_start//%E/$work/home/.config}
# What the unit's RuntimeDirectory= and StateDirectory= (if any) would export.
dirs=()
name=$(sed -n 's/^RuntimeDirectory=//p' "$user_unit")
[ -z "$name" ] || dirs+=(RUNTIME_DIRECTORY="$xdg/$name")
name=$(sed -n 's/^StateDirectory=//p' "$user_unit")
[ -z "$name" ] || dirs+=(STATE_DIRECTORY="$work/home/.local/state/$name")
(
  umask 0077
  as "$user" "${user_env[@]}" "${dirs[@]}" bash -c "exec $exec_start"
) >"$work/user-wssd.log" 2>&1 &
user_wssd_pid=$!
# systemctl --user start returns once wssd is ready (Type=notify), so the socket exists before
# anyone runs wssctl: wssctl only looks for a user's socket if it is there.
for _ in $(seq 100); do
  [ -S "$xdg/wssd/wssd.sock" ] && break
  sleep 0.1
done
if (as "$user" "${user_env[@]}" timeout 30 wssctl wait-online --timeout 20) >"$work/user-wait.log" 2>&1; then
  pass "the user unit's wssd, with ~/.config/wssd/wssd.conf, is online; wssctl finds its socket"
else
  show_log "$work/user-wait.log"
  show_log "$work/user-wssd.log"
  fail "the user unit's wssd is not online (its log above)"
fi
expect "... its socket is \$XDG_RUNTIME_DIR/wssd/wssd.sock" "$user socket" \
  "$(stat -c '%U %F' "$xdg/wssd/wssd.sock" 2>&1)"
check "... its state is in ~/.local/state/wssd" test -s "$work/home/.local/state/wssd/private_id"
expect "... it serves org.wssd.Session1 on the session bus" 's "online"' \
  "$(as "$user" "${user_env[@]}" timeout 20 busctl --user get-property org.wssd.Session1 \
    /org/wssd/Session1 org.wssd.Session1 State 2>&1)"
stop "the user unit's wssd" "$user_wssd_pid"
user_wssd_pid=""
stop dbus-daemon "$bus_pid"
bus_pid=""
stop wss-hub "$hub_pid"
hub_pid=""

# ---------------------------------------------------------------------------------------------
# Remove: the binaries go, the configuration and the state stay.
if ! DEBIAN_FRONTEND=noninteractive timeout 300 apt-get remove -y -q wssd >"$work/remove.log" 2>&1; then
  show_log "$work/remove.log"
  die "apt-get remove wssd failed (log above)"
fi
expect "after remove, dpkg keeps only the conffiles" "rc" "$(dpkg-query -W -f='${db:Status-Abbrev}' wssd | tr -d ' ')"
for f in /usr/sbin/wssd /usr/bin/wssctl /usr/bin/wss-hub /lib/systemd/system/wssd.service; do
  check "after remove, $f is gone" test ! -e "$f"
done
check "after remove, the admin's /etc/wssd/wssd.conf is still there" \
  grep -q "\"server\": \"ws://127.0.0.1:$hub_port/\"" /etc/wssd/wssd.conf
check "after remove, the state (/var/lib/wssd/private_id) is still there" test -s /var/lib/wssd/private_id

# Purge: nothing of the package is left but the wssd user and group (Debian does not remove
# system users: their files may remain anywhere). postrm removes /var/lib/wssd and /run/wssd.
if ! DEBIAN_FRONTEND=noninteractive timeout 300 apt-get purge -y -q wssd >"$work/purge.log" 2>&1; then
  show_log "$work/purge.log"
  die "apt-get purge wssd failed (log above)"
fi
status=$(dpkg-query -W -f='${db:Status-Abbrev}' wssd 2>/dev/null) || status="unknown to dpkg"
case $status in
  "unknown to dpkg" | un* | pn*) pass "after purge, dpkg has no wssd" ;;
  *) fail "after purge, dpkg has no wssd: expected no status, found '$status'" ;;
esac
# Every file of the package, and every directory of its own (a path with /wssd in it); shared
# directories such as /usr/bin stay.
left=$(while read -r f; do
  if { [ -e "$f" ] || [ -L "$f" ]; } && { [ ! -d "$f" ] || [[ $f == */wssd* ]]; }; then echo "$f"; fi
done <"$work/files")
expect "after purge, nothing of the package is left" "" "$left"
for d in /etc/wssd /var/lib/wssd /run/wssd /usr/share/doc/wssd; do
  check "after purge, $d is gone" test ! -e "$d"
done
enabled=$(find /etc/systemd /var/lib/systemd/deb-systemd-helper-enabled \
  /var/lib/systemd/deb-systemd-user-helper-enabled -name 'wssd.*' 2>/dev/null)
expect "after purge, no unit of wssd is enabled (no links, no deb-systemd-helper state)" "" "$enabled"
check "after purge, user and group wssd stay (Debian keeps system users)" \
  sh -c 'getent passwd wssd >/dev/null && getent group wssd >/dev/null'

say "took $((SECONDS - started)) s"
[ "$failed" -eq 0 ]  # the summary line comes from cleanup, after a failure too
