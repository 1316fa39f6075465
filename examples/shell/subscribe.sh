#!/bin/sh
# Prints every message that reaches wssd's identity, one line each, with socat and jq.
#
#   subscribe.sh                  messages from now on
#   subscribe.sh SEQ [INSTANCE]   first the ones after SEQ that wssd still holds: pass the seq
#                                 and instance of the last line you saw to resume after a
#                                 restart (wssd says "events lost" if it cannot replay them all)
#
# It ends when wssd closes the connection (a restart, say); python/chat.py and node/chat.js
# show a client that reconnects and resumes by itself.
set -eu

# wssd's socket: $WSSD_SOCKET, else the default wssctl uses.
if [ -n "${WSSD_SOCKET:-}" ]; then sock=$WSSD_SOCKET
elif [ "$(id -u)" -eq 0 ]; then sock=/run/wssd/wssd.sock
elif [ -n "${XDG_RUNTIME_DIR:-}" ]; then sock=$XDG_RUNTIME_DIR/wssd/wssd.sock
else sock=/tmp/wssd-$(id -u)/wssd.sock
fi

# The subscribe request: only message events; since and instance when given.
request=$(jq -nc --arg since "${1:-}" --arg instance "${2:-}" '
  {jsonrpc: "2.0", id: 1, method: "subscribe", params: (
    {types: ["message"]}
    + (if $since != "" then {since: ($since | tonumber)} else {} end)
    + (if $instance != "" then {instance: $instance} else {} end))}')

# socat sends the request and half-closes the socket; wssd keeps sending events until the
# connection closes. -t: socat waits that long for them after its input ended (the default,
# half a second, would cut the subscription short). jq turns each line into text as it comes.
printf '%s\n' "$request" |
  socat -t 1000000000 - UNIX-CONNECT:"$sock" |
  jq --unbuffered -r '
    if .id == 1 then                       # the answer to our subscribe
      if .error then "error: \(.error.message) (\(.error.code))"
      else "subscribed seq=\(.result.seq) instance=\(.result.instance)" end
    elif .method == "event" then           # an event, or a notice (no seq)
      .params |
      if .type == "message" then "[\(.seq)] \(.kind) from \(.from // "-"): \(.data | tojson)"
      elif .type == "events_lost" then "events lost after seq \(.since): \(.reason)"
      elif .type == "lagged" then "lagged: \(.dropped) events dropped"
      else empty end
    else empty end'
