// The relay workload from a Node.js `ws` client, the library most users would reach for: one
// hub session that sends direct messages to the sink with N requests in flight (after a
// warm-up), then one at a time. The way a user would write it: JSON.stringify per request, JSON.parse per answer.
//
//   node node_relay.js URL SINK_PID PAYLOAD_BYTES IN_FLIGHT,… WARM_MS MEASURE_MS ROUNDS
//
// Prints one JSON line: {"sent", "points": [{"in_flight", "msgs_per_s"}], "ack_p50_us",
// "ack_p99_us", "node", "ws"}. Exits 1 on any failure, and after 120 s whatever happens.
'use strict';

const crypto = require('crypto');
const WebSocket = require('ws');

const [url, sink, payloadBytes, windowsArg, warmMs, measureMs, rounds] = process.argv.slice(2);
const data = 'x'.repeat(Number(payloadBytes) - 2);
const windows = windowsArg.split(',').map(Number);

function fail(why) {
  process.stderr.write(`node_relay: ${why}\n`);
  process.exit(1);
}
setTimeout(() => fail('overdue'), 120000).unref();

const ws = new WebSocket(url);
const waiting = new Map();
let nextId = 1;
let tokens = null;
let sent = 0;

function request(method, params, done) {
  const id = nextId++;
  waiting.set(id, done);
  ws.send(JSON.stringify({ jsonrpc: '2.0', id, method, params }));
}

function sendOne(done) {
  sent++;
  request('WSS_Send', { ...tokens, type: 'direct', to: { rcp: [sink] }, data }, (answer) => {
    if (!answer.result) fail(`send refused: ${JSON.stringify(answer)}`);
    done();
  });
}

function now() {
  return Number(process.hrtime.bigint()) / 1000; // µs
}

function runWindow(inFlight, done) {
  let sending = true;
  let measuring = false;
  let measured = 0;
  let outstanding = 0;
  let start = 0;
  let rate = 0;
  const issue = () => {
    outstanding++;
    sendOne(() => {
      outstanding--;
      if (measuring) measured++;
      if (sending) issue();
      else if (outstanding === 0) done(rate);
    });
  };
  for (let i = 0; i < inFlight; i++) issue();
  setTimeout(() => {
    measuring = true;
    start = now();
  }, Number(warmMs));
  setTimeout(() => {
    measuring = false;
    sending = false;
    rate = measured / ((now() - start) / 1e6);
  }, Number(warmMs) + Number(measureMs));
}

function runLatency(left, times, done) {
  if (left === 0) return done(times);
  const start = now();
  sendOne(() => {
    times.push(now() - start);
    runLatency(left - 1, times, done);
  });
}

function percentile(values, q) {
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(Math.max(Math.ceil(q * sorted.length), 1), sorted.length);
  return sorted[rank - 1];
}

// Before anything is measured: 2 000 messages, 64 in flight, for V8 to compile the hot paths.
function warmUp(done) {
  let left = 2000;
  let outstanding = 0;
  const issue = () => {
    left--;
    outstanding++;
    sendOne(() => {
      outstanding--;
      if (left > 0) issue();
      else if (outstanding === 0) done();
    });
  };
  for (let i = 0; i < 64; i++) issue();
}

function measure() {
  const points = [];
  const next = (i) => {
    if (i === windows.length) {
      return runLatency(Number(rounds), [], (times) => {
        const version = require('ws/package.json').version;
        process.stdout.write(JSON.stringify({
          sent, points, ack_p50_us: percentile(times, 0.5), ack_p99_us: percentile(times, 0.99),
          node: process.version, ws: version,
        }) + '\n');
        ws.close();
      });
    }
    runWindow(windows[i], (rate) => {
      points.push({ in_flight: windows[i], msgs_per_s: rate });
      next(i + 1);
    });
  };
  next(0);
}

ws.on('error', (e) => fail(e.message));
ws.on('close', () => { if (!tokens) fail('closed before joining'); });
ws.on('message', (text) => {
  const frame = JSON.parse(text);
  if (!('id' in frame)) return; // a push
  const done = waiting.get(frame.id);
  if (!done) fail(`an answer nobody asked for: ${text}`);
  waiting.delete(frame.id);
  done(frame);
});
ws.on('open', () => {
  const user_token = crypto.randomBytes(32).toString('hex');
  request('WSS_Handshake', { user_token }, (h) => {
    if (!h.result) fail(`handshake: ${JSON.stringify(h)}`);
    tokens = { user_token, server_token: h.result.server_token };
    request('WSS_Connect', { ...tokens, options: { wss: true, webrtc: false, ortc: false } }, (c) => {
      if (!c.result) fail(`connect: ${JSON.stringify(c)}`);
      warmUp(measure);
    });
  });
});
