#!/usr/bin/env node
// A chat client for wssd, with Node's `net` module only (no npm packages).
//
// It prints every message that reaches wssd's identity and sends what you type:
//
//     @PID text     a direct message to the peer whose private id is PID
//     text          a broadcast to every peer
//
// Text that parses as JSON is sent as that value ({"move": "e4"}, 42, true); anything else is
// sent as a string. It keeps going across wssd restarts: it remembers the seq of the last event
// it saw and the daemon instance that numbered it, reconnects with backoff, and subscribes with
// `since` and `instance`, so that wssd replays what it missed (or says `events_lost` when it
// cannot).
//
//     node chat.js                                  # wssd's default socket
//     WSSD_SOCKET=/run/wssd/wssd.sock node chat.js  # the system instance's
//
// The protocol (JSON-RPC 2.0, one object per line) is in docs/protocol.md.
'use strict';

const net = require('net');

// Where wssd listens, as wssctl finds it: $WSSD_SOCKET, else the default for this user.
function defaultSocket() {
  if (process.env.WSSD_SOCKET) return process.env.WSSD_SOCKET;
  const uid = process.getuid();
  if (uid === 0) return '/run/wssd/wssd.sock';
  if (process.env.XDG_RUNTIME_DIR) return `${process.env.XDG_RUNTIME_DIR}/wssd/wssd.sock`;
  return `/tmp/wssd-${uid}/wssd.sock`;
}

const path = defaultSocket();
let since = null; // seq of the last event seen: where to resume
let instance = null; // the daemon that numbered it
let conn = null; // the connection, while there is one
let waiting = new Map(); // request id -> what it was, to tell the user about its answer
let nextId = 1;
let delay = 100; // ms before the next connection attempt: doubles up to 5 s
const typed = []; // lines typed while wssd was away, sent once it is back

const say = (text) => console.log(text); // synchronous for files and pipes on Linux

// What the user typed, as the JSON value to send.
function asData(text) {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

// Sends a request; its answer comes back later, matched by id.
function request(method, params, what) {
  const id = nextId++;
  waiting.set(id, what);
  conn.write(JSON.stringify({ jsonrpc: '2.0', id, method, params }) + '\n');
}

function sendTyped(text) {
  text = text.trim();
  if (text.startsWith('@') && text.includes(' ')) {
    const space = text.indexOf(' ');
    const peer = text.slice(1, space);
    request('send', { to: [peer], data: asData(text.slice(space + 1)) }, `direct to ${peer}`);
  } else if (text) {
    request('broadcast', { data: asData(text) }, 'broadcast');
  }
}

function handle(line) {
  if ('id' in line) {
    // The answer to one of our requests.
    const what = waiting.get(line.id) ?? '?';
    waiting.delete(line.id);
    if (line.error) {
      say(`error: ${what}: ${line.error.message} (${line.error.code})`);
      if (what === 'subscribe') process.exit(1); // refused (denied, bad params): no retrying
    } else if (what === 'subscribe') {
      const resumed = since === null ? '' : ` since=${since}`;
      say(`subscribed seq=${line.result.seq} instance=${line.result.instance}${resumed}`);
      if (since === null) since = line.result.seq; // so that a restart before any event loses none
      instance = line.result.instance;
      delay = 100;
    } else {
      say(`ok: ${what}`);
    }
    return;
  }
  if (line.method !== 'event') return;
  const event = line.params;
  if (event.type === 'events_lost') {
    // A notice: the replay we asked for is not complete.
    say(`events lost after seq ${event.since}: ${event.reason}`);
  } else if (event.type === 'lagged') {
    // A notice: we read too slowly and the ring moved on.
    say(`lagged: ${event.dropped} events dropped`);
  } else if (event.type === 'message') {
    const data = JSON.stringify(event.data ?? null); // no data: null, as the others print it
    say(`[${event.seq}] ${event.kind} from ${event.from ?? '-'}: ${data}`);
  }
  if (event.seq !== undefined) since = event.seq; // notices carry no seq; every event does
}

function connect() {
  const socket = net.createConnection(path);
  let buffer = '';
  let up = false;
  socket.setEncoding('utf8');
  socket.on('connect', () => {
    up = true;
    conn = socket;
    waiting = new Map();
    const params = { types: ['message'] };
    if (since !== null) {
      // Resume: wssd replays the events after `since` if `instance` is still the daemon that
      // numbered them, and otherwise says events_lost and replays what it has.
      params.since = since;
      params.instance = instance;
    }
    request('subscribe', params, 'subscribe');
    for (const text of typed.splice(0)) sendTyped(text);
  });
  socket.on('data', (chunk) => {
    buffer += chunk;
    const lines = buffer.split('\n');
    buffer = lines.pop(); // the start of the next line, if any
    for (const text of lines) if (text.trim()) handle(JSON.parse(text));
  });
  socket.on('error', (err) => {
    // Before `connect`: wssd is not there (yet). After it, 'close' follows and says so.
    if (!up) say(`cannot reach wssd at ${path} (${err.code}); retrying in ${delay / 1000}s`);
  });
  socket.on('close', () => {
    conn = null;
    if (up) {
      for (const what of waiting.values()) {
        // wssd may or may not have sent it: say so.
        if (what !== 'subscribe') say(`no answer: ${what} (wssd went away before it answered)`);
      }
      say('wssd closed the connection; reconnecting');
    }
    setTimeout(connect, delay);
    delay = Math.min(delay * 2, 5000);
  });
}

// Each complete line typed is sent, or kept until wssd is back. At the end of the input the
// client goes on listening.
let input = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk) => {
  input += chunk;
  const lines = input.split('\n');
  input = lines.pop();
  for (const text of lines) {
    if (conn) sendTyped(text);
    else typed.push(text);
  }
});

connect();
