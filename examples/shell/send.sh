#!/bin/sh
# Sends one message through wssd, with socat and jq.
#
#   send.sh PID DATA      a direct message to the peer whose private id is PID
#   send.sh --all DATA    a broadcast to every peer
#
# DATA is sent as JSON if it parses ('{"move":"e4"}', 42, true), else as a string. Prints "ok"
# once the server took it; an error goes to stderr and the exit status is 1.
set -eu

if [ $# -ne 2 ]; then
  echo "usage: $0 PID|--all DATA" >&2
  exit 2
fi

# wssd's socket: $WSSD_SOCKET, else the default wssctl uses.
if [ -n "${WSSD_SOCKET:-}" ]; then sock=$WSSD_SOCKET
elif [ "$(id -u)" -eq 0 ]; then sock=/run/wssd/wssd.sock
elif [ -n "${XDG_RUNTIME_DIR:-}" ]; then sock=$XDG_RUNTIME_DIR/wssd/wssd.sock
else sock=/tmp/wssd-$(id -u)/wssd.sock
fi

# send {to: [PID], data} or broadcast {data}; jq builds the JSON, so any text is quoted right.
request=$(jq -nc --arg to "$1" --arg data "$2" '
  ($data | try fromjson catch $data) as $value |
  if $to == "--all" then {jsonrpc: "2.0", id: 1, method: "broadcast", params: {data: $value}}
  else {jsonrpc: "2.0", id: 1, method: "send", params: {to: [$to], data: $value}} end')

# wssd answers once the server did (while it is offline the send waits in its outbox, up to
# outbox.ttl, 60 s), then closes the connection, since we half-closed ours: -t covers that wait.
answer=$(printf '%s\n' "$request" | socat -t 70 - UNIX-CONNECT:"$sock")

if printf '%s\n' "$answer" | jq -e 'has("result")' >/dev/null; then
  echo ok
else
  printf '%s\n' "$answer" | jq -r '"error: \(.error.message // "no answer") (\(.error.code))"' >&2
  exit 1
fi
