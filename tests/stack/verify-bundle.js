#!/usr/bin/env node
// Verifies a Sigstore bundle and its artifact with sigstore-js (npm @sigstore/verify, by the
// sigstore-js team), offline, against a trusted_root.json: sigseal's interoperability tests use
// it as an independent verifier of the bundles `sigseal export-bundle` writes.
//
// usage: node verify-bundle.js --trusted-root FILE --bundle FILE --artifact FILE
//                              [--identity SAN] [--issuer URL]
//                              [--tlog-threshold N] [--ctlog-threshold N]
// For a DSSE bundle (which sigstore-js verifies without the artifact) the artifact must be the
// envelope's payload itself or, for an in-toto statement, one of its subjects (sha256), as
// sigstore-python checks.
// Requires at least --tlog-threshold transparency log entries and --ctlog-threshold SCTs (1
// each by default; 0 and 0 for the timestamp-only bundles of an instance without logs, such as
// GitHub's) and one timestamp (a TSA's or a log entry's integrated time). Exit 0 and `OK: <SAN> <issuer>` on
// stdout when it verifies; exit 1 and `FAILED: <CODE>: <message>` on stderr when it does not;
// exit 2 on a usage or installation error.
'use strict';
const crypto = require('node:crypto');
const fs = require('node:fs');

// Every option takes a value.
function parseArgs(argv) {
  const out = {};
  for (let i = 0; i < argv.length; i++) {
    const m = /^--([a-z-]+)$/.exec(argv[i]);
    if (!m || i + 1 >= argv.length) usage(`unexpected argument: ${argv[i]}`);
    out[m[1]] = argv[++i];
  }
  return out;
}
function usage(msg) {
  process.stderr.write(`verify-bundle.js: ${msg}\nusage: node verify-bundle.js --trusted-root FILE --bundle FILE --artifact FILE [--identity SAN] [--issuer URL] [--tlog-threshold N] [--ctlog-threshold N]\n`);
  process.exit(2);
}

let sigstore;
try {
  sigstore = {
    bundle: require('@sigstore/bundle'),
    specs: require('@sigstore/protobuf-specs'),
    verify: require('@sigstore/verify'),
  };
} catch (e) {
  process.stderr.write(`verify-bundle.js: ${e.message}\n(run \`npm ci\` in tests/stack: its node_modules predate package-lock.json)\n`);
  process.exit(2);
}

const args = parseArgs(process.argv.slice(2));
for (const k of ['trusted-root', 'bundle', 'artifact']) if (!args[k]) usage(`--${k} is required`);
function threshold(name) {
  if (args[name] === undefined) return 1;
  if (!/^[0-9]+$/.test(args[name])) usage(`--${name} must be a whole number`);
  return Number(args[name]);
}
const thresholds = { tlogThreshold: threshold('tlog-threshold'), ctlogThreshold: threshold('ctlog-threshold') };
const readJSON = (f) => JSON.parse(fs.readFileSync(f, 'utf8'));

// The artifact of a DSSE bundle: its payload, or a sha256 subject of its in-toto statement.
function checkDsseArtifact(env, artifact) {
  if (artifact.equals(env.payload)) return;
  const mismatch = (message) => Object.assign(new Error(message), { code: 'ARTIFACT_MISMATCH' });
  if (env.payloadType !== 'application/vnd.in-toto+json') throw mismatch(`artifact is not the DSSE payload (${env.payloadType})`);
  let statement;
  try {
    statement = JSON.parse(env.payload.toString('utf8'));
  } catch {
    throw mismatch('the DSSE payload is not an in-toto statement (not JSON)');
  }
  const digest = crypto.createHash('sha256').update(artifact).digest('hex');
  const subjects = Array.isArray(statement.subject) ? statement.subject : [];
  if (!subjects.some((s) => s && s.digest && String(s.digest.sha256).toLowerCase() === digest)) {
    throw mismatch(`in-toto statement has no subject with sha256 ${digest}`);
  }
}

let signer;
try {
  const trust = sigstore.verify.toTrustMaterial(sigstore.specs.TrustedRoot.fromJSON(readJSON(args['trusted-root'])));
  const bundle = sigstore.bundle.bundleFromJSON(readJSON(args.bundle));
  const entity = sigstore.verify.toSignedEntity(bundle, fs.readFileSync(args.artifact));
  const policy = {};
  if (args.identity) policy.subjectAlternativeName = args.identity;
  if (args.issuer) policy.extensions = { issuer: args.issuer };
  signer = new sigstore.verify.Verifier(trust, thresholds).verify(entity, policy);
  if (bundle.content.$case === 'dsseEnvelope') checkDsseArtifact(bundle.content.dsseEnvelope, fs.readFileSync(args.artifact));
} catch (e) {
  const detail = e.cause && e.cause.message && e.cause.message !== e.message ? ` (${e.cause.message})` : '';
  process.stderr.write(`FAILED: ${e.code || e.name}: ${e.message}${detail}\n`);
  process.exit(1);
}
const id = signer.identity || {};
process.stdout.write(`OK: ${id.subjectAlternativeName || '-'} ${(id.extensions && id.extensions.issuer) || '-'}\n`);
