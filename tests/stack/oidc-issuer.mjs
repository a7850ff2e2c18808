#!/usr/bin/env node
// OIDC issuer for tests, built on npm oauth2-mock-server.
//
// usage: node oidc-issuer.mjs [--port 0] [--host 127.0.0.1] [--out DIR] [--claims JSON] [--alg RS256]
// Writes DIR/oidc_url once listening (the readiness signal).
//
// Endpoints (from oauth2-mock-server unless marked +):
//   GET  /.well-known/openid-configuration, GET /jwks
//   GET  /authorize        auto-approves, redirects to redirect_uri with a code (PKCE S256/plain)
//   POST /token            authorization_code, refresh_token, password, client_credentials,
//                          + urn:ietf:params:oauth:grant-type:device_code
//   + POST /device/code    RFC 8628 device authorization
//   + GET  /device?user_code=X   approves that device code
//   + GET|POST /_claims    read / replace (JSON body) the claims put in every token
//   + GET  /_token?aud=sigstore&ttl=600&sub=..&email=..&ANY=..   a signed ID token, as text;
//                          a negative ttl gives an already expired token
//   + GET  /_stats, POST /_stats/reset   counters: logins (tokens issued by /token), minted, ...
//   + GET  /_issued        every token handed out so far (tests grep outputs and files for them)
import http from 'node:http';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { OAuth2Issuer, OAuth2Service, Events } from 'oauth2-mock-server';

const argv = process.argv.slice(2);
const opt = (name, dflt) => (argv.includes(`--${name}`) ? argv[argv.indexOf(`--${name}`) + 1] : dflt);
const host = opt('host', '127.0.0.1');

// STACK_WATCH_PID: exit when that process (e.g. the test runner) is gone, so a test binary that
// ends without stopping the stack leaves nothing running.
if (process.env.STACK_WATCH_PID) {
  const watched = Number(process.env.STACK_WATCH_PID);
  setInterval(() => { try { process.kill(watched, 0); } catch { process.exit(0); } }, 500);
}

const outDir = opt('out');
let claims = JSON.parse(opt('claims', '{"sub":"alice@example.com","email":"alice@example.com","email_verified":true}'));

const TOKEN_TTL = 600;
const issuer = new OAuth2Issuer();
await issuer.keys.generate(opt('alg', 'RS256'));
const svc = new OAuth2Service(issuer);
const stats = { logins: 0, minted: 0, authorize: 0, device_codes: 0 };
const devices = new Map(); // device_code -> { user_code, client_id, approved }

// Every token issued by the flows carries the chosen claims (replacing the library's "johndoe").
// Access tokens have no audience by default: give them the client id, as sigstore clients may
// send the access token to Fulcio.
svc.on(Events.BeforeTokenSigning, (token, req) => {
  Object.assign(token.payload, claims);
  if (!token.payload.aud) token.payload.aud = clientId(req) || 'sigstore';
});
// Every secret handed out (ID, access and refresh tokens), so tests can prove none leaks.
const issued = [];
const remember = (...values) => { for (const v of values) if (typeof v === 'string' && v) issued.push(v); };
svc.on(Events.BeforeResponse, (resp) => {
  if (resp.statusCode !== 200) return;
  stats.logins++;
  remember(resp.body?.id_token, resp.body?.access_token, resp.body?.refresh_token);
});
svc.on(Events.BeforeAuthorizeRedirect, () => { stats.authorize++; });
svc.on(Events.BeforeWellKnownOpenIdConfiguration, (resp) => {
  resp.body.device_authorization_endpoint = `${issuer.url}/device/code`;
  resp.body.grant_types_supported.push('urn:ietf:params:oauth:grant-type:device_code', 'refresh_token');
  resp.body.scopes_supported = ['openid', 'email', 'profile'];
  resp.body.claims_supported = ['iss', 'sub', 'aud', 'exp', 'iat', 'email', 'email_verified'];
});

function clientId(req, form = req.body || {}) {
  const basic = /^Basic (.+)$/.exec(req.headers.authorization || '');
  if (basic) return decodeURIComponent(Buffer.from(basic[1], 'base64').toString().split(':')[0]);
  return form.client_id;
}

const send = (res, status, body, type = 'application/json') => {
  res.writeHead(status, { 'Content-Type': type, 'Cache-Control': 'no-store' });
  res.end(type === 'application/json' ? JSON.stringify(body) : body);
};

async function readBody(req) {
  const chunks = [];
  for await (const c of req) chunks.push(c);
  return Buffer.concat(chunks);
}

// Query values are strings; "true"/"false" become booleans (e.g. email_verified=false).
const claimValue = (v) => (v === 'true' ? true : v === 'false' ? false : v);

async function mintToken(query) {
  const { aud = 'sigstore', ttl = String(TOKEN_TTL), ...extra } = Object.fromEntries(query);
  const seconds = Number(ttl);
  if (!Number.isInteger(seconds)) throw new Error('ttl must be an integer number of seconds');
  return issuer.buildToken({
    expiresIn: seconds,
    scopesOrTransform: (_header, payload) => {
      Object.assign(payload, claims, { aud });
      for (const [k, v] of Object.entries(extra)) payload[k] = claimValue(v);
      // An expired token was issued in the past, not after its expiry.
      if (seconds <= 0) { payload.iat = payload.exp - TOKEN_TTL; payload.nbf = payload.iat - 10; }
    },
  });
}

async function handle(req, res) {
  const url = new URL(req.url, issuer.url);
  const key = `${req.method} ${url.pathname}`;

  if (key === 'GET /_stats') return send(res, 200, stats);
  if (key === 'POST /_stats/reset') { for (const k of Object.keys(stats)) stats[k] = 0; return send(res, 200, stats); }
  if (key === 'GET /_claims') return send(res, 200, claims);
  if (key === 'GET /_issued') return send(res, 200, issued);
  if (key === 'POST /_claims') {
    let next;
    try { next = JSON.parse((await readBody(req)).toString()); } catch { next = null; }
    if (!next || typeof next !== 'object' || Array.isArray(next)) return send(res, 400, { error: 'claims must be a JSON object' });
    claims = next;
    return send(res, 200, claims);
  }
  if (key === 'GET /_token') {
    try {
      const token = await mintToken(url.searchParams);
      stats.minted++;
      remember(token);
      return send(res, 200, token, 'text/plain');
    } catch (e) {
      return send(res, 400, { error: 'invalid_request', error_description: e.message });
    }
  }
  if (key === 'POST /device/code') {
    const form = Object.fromEntries(new URLSearchParams((await readBody(req)).toString()));
    const deviceCode = crypto.randomUUID();
    const userCode = crypto.randomBytes(4).toString('hex').toUpperCase();
    devices.set(deviceCode, { user_code: userCode, client_id: clientId(req, form), approved: false });
    stats.device_codes++;
    return send(res, 200, {
      device_code: deviceCode, user_code: userCode, verification_uri: `${issuer.url}/device`,
      verification_uri_complete: `${issuer.url}/device?user_code=${userCode}`, expires_in: 600, interval: 1,
    });
  }
  if (key === 'GET /device') {
    const code = url.searchParams.get('user_code');
    const device = [...devices.values()].find((d) => d.user_code === code);
    if (!device) return send(res, 404, 'unknown user_code\n', 'text/plain');
    device.approved = true;
    return send(res, 200, 'approved\n', 'text/plain');
  }
  if (key === 'POST /token') {
    const raw = await readBody(req);
    const form = Object.fromEntries(new URLSearchParams(raw.toString()));
    if (form.grant_type === 'urn:ietf:params:oauth:grant-type:device_code') {
      const device = devices.get(form.device_code);
      if (!device) return send(res, 400, { error: 'invalid_grant' });
      if (!device.approved) return send(res, 400, { error: 'authorization_pending' });
      devices.delete(form.device_code);
      const aud = clientId(req, form) || device.client_id || 'sigstore';
      const idToken = await svc.buildToken(req, TOKEN_TTL, (_h, p) => Object.assign(p, { aud }));
      stats.logins++;
      remember(idToken);
      return send(res, 200, { access_token: idToken, id_token: idToken, token_type: 'Bearer', expires_in: TOKEN_TTL });
    }
    // Not ours: hand the already-read body on to the library.
    const replay = new PassThrough();
    replay.end(raw);
    Object.assign(replay, { method: req.method, url: req.url, headers: req.headers, socket: req.socket });
    return svc.requestHandler(replay, res);
  }
  return svc.requestHandler(req, res);
}

const server = http.createServer((req, res) => {
  handle(req, res).catch((e) => {
    console.error(e);
    if (!res.headersSent) send(res, 500, { error: 'server_error', error_description: String(e && e.message) });
  });
});
await new Promise((resolve, reject) => {
  server.once('error', reject);
  server.listen(Number(opt('port', 0)), host, resolve);
});
issuer.url = `http://${host}:${server.address().port}`;
if (outDir) {
  fs.writeFileSync(path.join(outDir, 'oidc_url.tmp'), `${issuer.url}\n`);
  fs.renameSync(path.join(outDir, 'oidc_url.tmp'), path.join(outDir, 'oidc_url'));
}
console.log(`oidc issuer on ${issuer.url}`);
