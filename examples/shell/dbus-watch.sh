#!/bin/sh
# Prints each message wssd receives, from its D-Bus signal
# MessageReceived(s kind, s from, s json, t seq), with busctl and jq.
#
#   dbus-watch.sh                      on your session bus (a user instance of wssd)
#   WSSD_BUS=--system dbus-watch.sh    on the system bus (the system service; as root)
#
# `busctl monitor` makes busctl a bus monitor, which the bus allows its own user (the session
# bus) or root (the system bus). A program of your own would rather AddMatch the signal with
# its D-Bus library, or use the Unix socket, which also replays what it missed.
set -eu

bus=${WSSD_BUS:---user}  # any busctl bus option: --user, --system, --address=ADDRESS

# --match keeps only wssd's MessageReceived; --json=short prints one JSON object a message,
# whose payload.data is the signal's arguments: [kind, from, json, seq].
busctl "$bus" --json=short \
    --match="type='signal',interface='org.wssd.Session1',member='MessageReceived'" monitor |
  jq --unbuffered -r '.payload.data |
    "[\(.[3])] \(.[0]) from \(if .[1] == "" then "-" else .[1] end): \(.[2])"'
