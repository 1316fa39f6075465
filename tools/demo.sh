#!/usr/bin/env bash
# The quick-start demo: builds wssd, starts the bundled hub and two wssd daemons (this host's
# identity A, and B standing in for a remote peer), then shows two local clients of A sharing
# A's one identity: both see B's message, and both send as A.
source "$(dirname "$0")/bootstrap.sh"
install_build_dependencies
configure "$wssd_root/build" -DCMAKE_BUILD_TYPE=RelWithDebInfo
cmake --build "$wssd_root/build" -j "$(nproc)" --target wssd wssctl wss-hub

bin=$wssd_root/build
run=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; wait 2>/dev/null; rm -rf "$run"' EXIT
wssctl=$bin/ipc/wssctl
wssctl_a() { "$wssctl" --socket "$run/a.sock" "$@"; }
wssctl_b() { "$wssctl" --socket "$run/b.sock" "$@"; }
pid_of() { "$wssctl" --socket "$1" status | sed -n 's/^private_id: //p'; }
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "starting the bundled hub (wss-hub) on 127.0.0.1"
"$bin/tools/hub/wss-hub" --port 0 >"$run/hub.out" 2>"$run/hub.log" &
for _ in $(seq 50); do grep -q listening "$run/hub.out" && break; sleep 0.1; done
port=$(sed -n 's/^listening ws=\([0-9]*\).*/\1/p' "$run/hub.out")
server="ws://127.0.0.1:$port/"
echo "hub: $server"

step "starting wssd A (this host) and wssd B (a remote peer)"
for who in a b; do
  "$bin/daemon/app/wssd" --server "$server" --bus none --state-dir "$run/$who" --socket "$run/$who.sock" \
    --foreground 2>"$run/$who.log" &
done
wssctl_a wait-online --timeout 10 && wssctl_b wait-online --timeout 10
A=$(pid_of "$run/a.sock")
B=$(pid_of "$run/b.sock")
echo "A is $A"
echo "B is $B"

step "two local clients of A subscribe (wssctl monitor)"
# Started directly (not through a function) so that the exit trap stops them.
"$wssctl" --socket "$run/a.sock" monitor --type message >"$run/client1.txt" 2>>"$run/monitors.log" &
"$wssctl" --socket "$run/a.sock" --json monitor --type message >"$run/client2.txt" 2>>"$run/monitors.log" &
"$wssctl" --socket "$run/b.sock" monitor --type message >"$run/peer.txt" 2>>"$run/monitors.log" &
sleep 0.5

step "B sends A a direct message"
wssctl_b send "$A" -- '{"hello": "from B"}'
sleep 0.5
echo "client 1 of A saw:"; sed 's/^/    /' "$run/client1.txt"
echo "client 2 of A saw:"; sed 's/^/    /' "$run/client2.txt"

step "client 1 sends to B, client 2 broadcasts: both go out as A"
wssctl_a send "$B" -- '"hi from client 1"'
wssctl_a broadcast '"hi from client 2"'
sleep 0.5
echo "B saw:"; sed 's/^/    /' "$run/peer.txt"

step "one identity, one session: wssctl status of A"
wssctl_a status | sed 's/^/    /'
if grep -q '"from B"' "$run/client1.txt" && grep -q '"from B"' "$run/client2.txt" &&
   [ "$(grep -c "from $A" "$run/peer.txt")" -eq 2 ]; then
  step "demo OK: two local clients shared A's one identity"
else
  step "demo FAILED"; exit 1
fi
