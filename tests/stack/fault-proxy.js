#!/usr/bin/env node
// A misbehaving Sigstore in front of the local stack: forwards every request to the real
// stack, except that, per service and as told, it answers Fulcio, Rekor or the TSA with a reply
// a broken or malicious server could send. Node's http module only.
//
// usage: node fault-proxy.js --upstream URL --oidc-url URL [--port 0] [--host 127.0.0.1] [--out FILE]
// Writes its own URL into FILE once listening (the readiness signal).
//
// Control: POST /_fault with a JSON object {"fulcio": MODE, "rekor": MODE, "tsa": MODE} (the
// services left out keep their mode; "redirect_to": URL sets where `redirect` points); GET
// /_fault shows the modes; POST /_fault/reset makes every service `pass` again. GET
// /_fault/stats counts the replies each fault served; GET /_fault/received lists every service
// request the proxy received (method, path, headers, body), faulty or passed on.
// Modes (a mode ending in `-once` serves its fault once, then the service passes again):
//   pass            forward to the stack
//   echo            HTTP 500 whose body echoes the request: method, path, headers (the
//                   Authorization header included) and body (where Fulcio's holds the token)
//   huge            HTTP 200, a 300 MB body (streamed, never held in memory)
//   huge-error      HTTP 500, a 300 MB body
//   ansi            HTTP 500, an error text full of terminal escape sequences, CR, BEL, bidi
//                   controls and a JWT-shaped string
//   wrong-identity  Fulcio only: a real certificate from the stack for the key in the request,
//                   but for mallory@example.com (the request's token swapped for one minted at
//                   the OIDC issuer whose `sub` keeps the proof of possession valid and whose
//                   `email` is Mallory's)
//   hang            accept the request and never answer
//   unavailable     HTTP 503 (no Retry-After); unavailable-once: the first request only
//   reset           close the connection without answering; reset-once: the first request only
//   lost-reply-once forward the first request to the stack, then close the connection without
//                   passing its answer on (a Rekor entry logged whose answer was lost)
//   duplicate       Rekor only: forward each entry creation twice and answer with the second
//                   answer, the stack's 409 Conflict naming the entry the first one logged
//   redirect        HTTP 307 to the `redirect_to` URL with the request's path
//   slow            wait 1.5 s, then forward to the stack (a busy but working server)
'use strict';
const http = require('node:http');
const fs = require('node:fs');

function parseArgs(argv) {
  const out = {};
  for (let i = 0; i < argv.length; i += 2) {
    const m = /^--([a-z-]+)$/.exec(argv[i]);
    if (!m || i + 1 >= argv.length) throw new Error(`unexpected argument: ${argv[i]}`);
    out[m[1]] = argv[i + 1];
  }
  return out;
}
const args = parseArgs(process.argv.slice(2));
const upstream = new URL(args.upstream || '');
const oidcUrl = (args['oidc-url'] || '').replace(/\/$/, '');

if (process.env.STACK_WATCH_PID) {
  const watched = Number(process.env.STACK_WATCH_PID);
  setInterval(() => { try { process.kill(watched, 0); } catch { process.exit(0); } }, 500);
}

const SERVICES = ['fulcio', 'rekor', 'tsa'];
const MODES = new Set([
  'pass', 'echo', 'huge', 'huge-error', 'ansi', 'wrong-identity', 'hang', 'unavailable', 'unavailable-once',
  'reset', 'reset-once', 'lost-reply-once', 'duplicate', 'redirect', 'slow',
]);
const SLOW_MS = 1500;
const ONLY_FOR = { 'wrong-identity': 'fulcio', duplicate: 'rekor' };
const HUGE_BYTES = 300 * 1024 * 1024;
let modes = { fulcio: 'pass', rekor: 'pass', tsa: 'pass' };
let redirectTo = '';
const served = {};
const received = [];
const hung = [];

function serviceOf(path) {
  if (path.startsWith('/api/v2/signingCert')) return 'fulcio';
  if (path.startsWith('/api/v1/log') || path.startsWith('/api/v1/index')) return 'rekor';
  if (path.endsWith('/api/v2/log/entries')) return 'rekor'; // a Rekor v2 log's writes (e.g. /rekor2/...)
  if (path.startsWith('/api/v1/timestamp')) return 'tsa';
  return null;
}

function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

// Forward a request (with this body and these headers) to the stack; resolves to its reply.
function forward(method, path, headers, body) {
  return new Promise((resolve, reject) => {
    const h = { ...headers, host: upstream.host, 'content-length': String(body.length) };
    delete h['transfer-encoding'];
    const up = http.request({ host: upstream.hostname, port: upstream.port, method, path, headers: h }, (r) => {
      readBody(r).then((b) => resolve({ status: r.statusCode, headers: r.headers, body: b }), reject);
    });
    up.on('error', reject);
    up.end(body);
  });
}

function getText(url) {
  return new Promise((resolve, reject) => {
    http.get(url, (r) => readBody(r).then((b) => (r.statusCode === 200 ? resolve(b.toString()) : reject(new Error(`GET ${url}: ${r.statusCode}`))), reject))
      .on('error', reject);
  });
}

// Stream `bytes` of JSON-looking filler, honouring back-pressure; stops when the client leaves.
function streamHuge(res, status) {
  res.writeHead(status, { 'content-type': 'application/json' });
  const chunk = Buffer.alloc(64 * 1024, 'A');
  chunk.write('{"message":"');
  let sent = 0;
  let gone = false;
  res.on('close', () => { gone = true; });
  const pump = () => {
    while (!gone && sent < HUGE_BYTES) {
      sent += chunk.length;
      if (!res.write(chunk)) { res.once('drain', pump); return; }
    }
    if (!gone) res.end('"}');
  };
  pump();
}

const ANSI_TEXT = 'upstream failure\u001b[2J\u001b[H\u001b[31mFAKE: signature verified, all good\u001b[0m\r\u0007'
  + '\u001b]0;owned title\u0007 \u202eevil\u202c eyJhbGciOiJub25lIn0.eyJzdWIiOiJtYWxsb3J5In0.c2lnbmF0dXJl end';

function decodeJwtPayload(token) {
  try { return JSON.parse(Buffer.from(String(token).split('.')[1], 'base64url').toString()); } catch { return null; }
}

async function wrongIdentity(req, body) {
  const json = JSON.parse(body.toString() || '{}');
  const bearer = /^Bearer\s+(\S+)/i.exec(req.headers.authorization || '');
  const token = (json.credentials && json.credentials.oidcIdentityToken) || (bearer && bearer[1]);
  const claims = decodeJwtPayload(token) || {};
  // The client's proof of possession signs its own identity; keep that as `sub`.
  const sub = claims.email || claims.sub || 'alice@example.com';
  const q = new URLSearchParams({ sub, email: 'mallory@example.com', email_verified: 'true', ttl: '600' });
  const swapped = (await getText(`${oidcUrl}/_token?${q}`)).trim();
  if (json.credentials) json.credentials.oidcIdentityToken = swapped;
  const headers = { ...req.headers };
  if (bearer) headers.authorization = `Bearer ${swapped}`;
  return forward(req.method, req.url, headers, Buffer.from(JSON.stringify(json)));
}

async function handle(req, res) {
  const path = req.url;
  if (path === '/_fault' && req.method === 'GET') {
    res.writeHead(200, { 'content-type': 'application/json' });
    return res.end(JSON.stringify(modes));
  }
  if (path === '/_fault/received') {
    res.writeHead(200, { 'content-type': 'application/json' });
    return res.end(JSON.stringify(received));
  }
  if (path === '/_fault/stats') {
    res.writeHead(200, { 'content-type': 'application/json' });
    return res.end(JSON.stringify(served));
  }
  if (path === '/_fault/reset' && req.method === 'POST') {
    modes = { fulcio: 'pass', rekor: 'pass', tsa: 'pass' };
    res.writeHead(200, { 'content-type': 'application/json' });
    return res.end(JSON.stringify(modes));
  }
  if (path === '/_fault' && req.method === 'POST') {
    const asked = JSON.parse((await readBody(req)).toString() || '{}');
    if ('redirect_to' in asked) {
      redirectTo = String(asked.redirect_to).replace(/\/$/, '');
      delete asked.redirect_to;
    }
    for (const [service, mode] of Object.entries(asked)) {
      if (!SERVICES.includes(service) || !MODES.has(mode) || (ONLY_FOR[mode] && ONLY_FOR[mode] !== service)) {
        res.writeHead(400, { 'content-type': 'text/plain' });
        return res.end(`unknown service or mode: ${service}=${mode}\n`);
      }
    }
    modes = { ...modes, ...asked };
    res.writeHead(200, { 'content-type': 'application/json' });
    return res.end(JSON.stringify(modes));
  }

  const body = await readBody(req);
  const service = serviceOf(path);
  if (service) received.push({ method: req.method, path, headers: req.headers, body: body.toString('latin1') });
  let mode = service ? modes[service] : 'pass';
  // `duplicate` concerns entry creations only; Rekor's other requests pass.
  if (mode === 'duplicate' && !(req.method === 'POST' && path === '/api/v1/log/entries')) mode = 'pass';
  if (mode !== 'pass') served[`${service}:${mode}`] = (served[`${service}:${mode}`] || 0) + 1;
  if (mode.endsWith('-once')) modes[service] = 'pass';
  switch (mode) {
    case 'hang': {
      hung.push(res);
      return undefined;
    }
    case 'unavailable':
    case 'unavailable-once': {
      res.writeHead(503, { 'content-type': 'text/plain' });
      return res.end('service unavailable\n');
    }
    case 'reset':
    case 'reset-once': return req.socket.destroy();
    case 'lost-reply-once': {
      await forward(req.method, path, req.headers, body);
      return req.socket.destroy();
    }
    case 'redirect': {
      res.writeHead(307, { location: `${redirectTo}${path}`, 'content-type': 'text/plain' });
      return res.end('moved\n');
    }
    case 'echo': {
      res.writeHead(500, { 'content-type': 'application/json' });
      return res.end(JSON.stringify({ error: 'bad request', method: req.method, path, headers: req.headers, body: body.toString('latin1') }));
    }
    case 'huge': return streamHuge(res, 200);
    case 'huge-error': return streamHuge(res, 500);
    case 'ansi': {
      res.writeHead(500, { 'content-type': 'text/plain' });
      return res.end(ANSI_TEXT);
    }
    default: {
      if (mode === 'slow') await new Promise((resolve) => setTimeout(resolve, SLOW_MS));
      if (mode === 'duplicate') await forward(req.method, path, req.headers, body);
      const reply = mode === 'wrong-identity' ? await wrongIdentity(req, body) : await forward(req.method, path, req.headers, body);
      const headers = { ...reply.headers, 'content-length': String(reply.body.length) };
      delete headers['transfer-encoding'];
      delete headers.connection;
      res.writeHead(reply.status, headers);
      return res.end(reply.body);
    }
  }
}

const server = http.createServer((req, res) => {
  handle(req, res).catch((e) => {
    if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
    res.end(`fault proxy: ${e.message}\n`);
  });
});
server.listen(Number(args.port || 0), args.host || '127.0.0.1', () => {
  const { address, port } = server.address();
  const url = `http://${address}:${port}`;
  if (args.out) fs.writeFileSync(args.out, `${url}\n`);
  console.log(`FAULT_PROXY_URL=${url}`);
});
