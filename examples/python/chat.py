#!/usr/bin/env python3
"""A chat client for wssd, with Python's standard library only.

It prints every message that reaches wssd's identity and sends what you type:

    @PID text     a direct message to the peer whose private id is PID
    text          a broadcast to every peer

Text that parses as JSON is sent as that value ({"move": "e4"}, 42, true); anything else is
sent as a string. It keeps going across wssd restarts: it remembers the seq of the last event
it saw and the daemon instance that numbered it, reconnects with backoff, and subscribes with
`since` and `instance`, so that wssd replays what it missed (or says `events_lost` when it
cannot).

    python3 chat.py                                  # wssd's default socket
    WSSD_SOCKET=/run/wssd/wssd.sock python3 chat.py  # the system instance's

The protocol (JSON-RPC 2.0, one object per line) is in docs/protocol.md.
"""

import json
import os
import selectors
import socket
import sys
import time


def default_socket():
    """Where wssd listens, as wssctl finds it: $WSSD_SOCKET, else the default for this user."""
    if os.environ.get("WSSD_SOCKET"):
        return os.environ["WSSD_SOCKET"]
    if os.geteuid() == 0:
        return "/run/wssd/wssd.sock"
    if os.environ.get("XDG_RUNTIME_DIR"):
        return os.environ["XDG_RUNTIME_DIR"] + "/wssd/wssd.sock"
    return f"/tmp/wssd-{os.geteuid()}/wssd.sock"


def say(text):
    # Flushed at once: the output may be a pipe or a file that someone is watching.
    print(text, flush=True)


def as_data(text):
    """What the user typed, as the JSON value to send."""
    try:
        return json.loads(text)
    except ValueError:
        return text


class Connection:
    """One connection to wssd: requests out, answers and events in, one JSON object a line."""

    def __init__(self, path):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            self.sock.connect(path)
        except OSError:
            self.sock.close()
            raise
        self.buffer = b""
        self.next_id = 1
        self.waiting = {}  # request id -> what it was, to tell the user about its answer

    def request(self, method, params, what):
        """Sends a request; its answer comes back later, matched by id."""
        request_id = self.next_id
        self.next_id += 1
        self.waiting[request_id] = what
        line = {"jsonrpc": "2.0", "id": request_id, "method": method, "params": params}
        self.sock.sendall(json.dumps(line).encode() + b"\n")
        return request_id

    def read(self):
        """The complete lines that arrived, parsed; None once wssd closed the connection."""
        chunk = self.sock.recv(65536)
        if not chunk:
            return None
        self.buffer += chunk
        *lines, self.buffer = self.buffer.split(b"\n")
        return [json.loads(line) for line in lines if line.strip()]

    def close(self):
        self.sock.close()


class Chat:
    def __init__(self, path):
        self.path = path
        self.since = None  # seq of the last event seen: where to resume
        self.instance = None  # the daemon that numbered it
        self.typed = b""  # stdin read so far, up to its next newline
        self.stdin_open = True

    def run(self):
        delay = 0.1
        while True:
            try:
                conn = Connection(self.path)
            except OSError as e:
                say(f"cannot reach wssd at {self.path} ({e.strerror}); retrying in {delay:.1f}s")
                time.sleep(delay)
                delay = min(delay * 2, 5.0)  # back off: 0.1 s doubling up to 5 s
                continue
            delay = 0.1
            try:
                self.session(conn)
            except OSError:
                pass  # wssd went away as we wrote to it, or reset the connection
            conn.close()
            for what in conn.waiting.values():
                if what != "subscribe":  # wssd may or may not have sent it: say so
                    say(f"no answer: {what} (wssd went away before it answered)")
            say("wssd closed the connection; reconnecting")
            time.sleep(delay)

    def session(self, conn):
        """Subscribes, then handles wssd's lines and the user's until wssd goes away (or an
        OSError says it did)."""
        params = {"types": ["message"]}
        if self.since is not None:
            # Resume: wssd replays the events after `since` if `instance` is still the daemon
            # that numbered them, and otherwise says events_lost and replays what it has.
            params["since"] = self.since
            params["instance"] = self.instance
        conn.request("subscribe", params, "subscribe")

        selector = selectors.DefaultSelector()
        selector.register(conn.sock, selectors.EVENT_READ, "wssd")
        if self.stdin_open:
            selector.register(sys.stdin.fileno(), selectors.EVENT_READ, "stdin")
        try:
            while True:
                for key, _ in selector.select():
                    if key.data == "wssd":
                        lines = conn.read()
                        if lines is None:
                            return  # wssd stopped or restarted
                        for line in lines:
                            self.handle(conn, line)
                    elif not self.read_stdin(conn):
                        selector.unregister(sys.stdin.fileno())  # no more input: just listen
        finally:
            selector.close()

    def handle(self, conn, line):
        if "id" in line:  # the answer to one of our requests
            what = conn.waiting.pop(line["id"], "?")
            if "error" in line:
                error = line["error"]
                say(f"error: {what}: {error.get('message')} ({error.get('code')})")
                if what == "subscribe":
                    sys.exit(1)  # refused (denied, bad params): retrying will not help
            elif what == "subscribe":
                result = line["result"]
                resumed = "" if self.since is None else f" since={self.since}"
                say(f"subscribed seq={result['seq']} instance={result['instance']}{resumed}")
                if self.since is None:
                    self.since = result["seq"]  # so that a restart before any event loses none
                self.instance = result["instance"]
            else:
                say(f"ok: {what}")
            return
        if line.get("method") != "event":
            return
        event = line["params"]
        kind = event.get("type")
        if kind == "events_lost":  # a notice: the replay we asked for is not complete
            say(f"events lost after seq {event.get('since')}: {event.get('reason')}")
        elif kind == "lagged":  # a notice: we read too slowly and the ring moved on
            say(f"lagged: {event.get('dropped')} events dropped")
        elif kind == "message":
            sender = event.get("from") or "-"
            data = json.dumps(event.get("data"), separators=(",", ":"), ensure_ascii=False)
            say(f"[{event['seq']}] {event['kind']} from {sender}: {data}")
        if "seq" in event:  # notices carry no seq; every event does
            self.since = event["seq"]

    def read_stdin(self, conn):
        """Sends each complete line typed; False at the end of the input."""
        chunk = os.read(sys.stdin.fileno(), 65536)
        if not chunk:
            self.stdin_open = False
            return False
        self.typed += chunk
        *lines, self.typed = self.typed.split(b"\n")
        for raw in lines:
            text = raw.decode(errors="replace").strip()
            if text.startswith("@") and " " in text:
                peer, body = text[1:].split(" ", 1)
                conn.request("send", {"to": [peer], "data": as_data(body)}, f"direct to {peer}")
            elif text:
                conn.request("broadcast", {"data": as_data(text)}, "broadcast")
        return True


if __name__ == "__main__":
    try:
        Chat(default_socket()).run()
    except KeyboardInterrupt:
        pass
