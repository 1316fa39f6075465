// Posts WSS_Handshake twice with Node's own http client: the default agent (keep-alive since
// Node 19) and bodies written in two pieces without a length, so they go out chunked.
// Prints what came back as one JSON line; exits 1 if a request failed.
'use strict';
const http = require('http');

const port = Number(process.argv[2]);

function post(userToken) {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {host: '127.0.0.1', port, method: 'POST', path: '/',
       headers: {'Content-Type': 'application/json-rpc'}},
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk) => { body += chunk; });
        res.on('end', () => resolve({status: res.statusCode, body, reused: req.reusedSocket,
                                     chunked: req.getHeader('content-length') === undefined}));
      });
    req.on('error', reject);
    const text = JSON.stringify({jsonrpc: '2.0', method: 'WSS_Handshake', id: userToken,
                                 params: {user_token: userToken}});
    req.write(text.slice(0, 10));
    req.end(text.slice(10));
  });
}

(async () => {
  const first = await post('node-1');
  const second = await post('node-2');
  console.log(JSON.stringify({agentKeepAlive: http.globalAgent.keepAlive, first, second}));
  http.globalAgent.destroy();
})().catch((err) => {
  console.error(String(err));
  process.exit(1);
});
