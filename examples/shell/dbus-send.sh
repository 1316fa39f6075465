#!/bin/sh
# Sends one message through wssd's D-Bus interface, with busctl (and jq to quote the data).
#
#   dbus-send.sh PID DATA      Send(as to, s json): a direct message to peer PID
#   dbus-send.sh --all DATA    Broadcast(s json, as exclude): to every peer
#
# DATA is sent as JSON if it parses ('{"move":"e4"}', 42, true), else as a string. busctl
# returns once the server took the message (exit status 0), or prints the error (status 1).
# WSSD_BUS picks the bus as in dbus-watch.sh (default --user).
set -eu

if [ $# -ne 2 ]; then
  echo "usage: $0 PID|--all DATA" >&2
  exit 2
fi
bus=${WSSD_BUS:---user}

# The methods take JSON text: hello becomes "hello", {"a":1} stays as it is.
json=$(jq -nc --arg data "$2" '$data | try fromjson catch $data')

if [ "$1" = --all ]; then
  busctl "$bus" call org.wssd.Session1 /org/wssd/Session1 org.wssd.Session1 \
    Broadcast sas "$json" 0
else
  busctl "$bus" call org.wssd.Session1 /org/wssd/Session1 org.wssd.Session1 \
    Send ass 1 "$1" "$json"
fi
echo ok
