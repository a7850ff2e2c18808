#!/usr/bin/env node
// Verifies a Sigstore bundle and its artifact with sigstore-js (npm @sigstore/verify, by the
// sigstore-js team), offline, against a trusted_root.json: sigseal's interoperability tests use
// it as an independent verifier of the bundles `sigseal export-bundle` writes.
//
// usage: node verify-bundle.js --trusted-root FILE --bundle FILE --artifact FILE
//                              [--identity SAN] [--issuer URL]
// Requires at least one transparency log entry and one SCT. Exit 0 and `OK: <SAN> <issuer>` on
// stdout when it verifies; exit 1 and `FAILED: <CODE>: <message>` on stderr when it does not;
// exit 2 on a usage or installation error.
'use strict';
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
  process.stderr.write(`verify-bundle.js: ${msg}\nusage: node verify-bundle.js --trusted-root FILE --bundle FILE --artifact FILE [--identity SAN] [--issuer URL]\n`);
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
const readJSON = (f) => JSON.parse(fs.readFileSync(f, 'utf8'));

let signer;
try {
  const trust = sigstore.verify.toTrustMaterial(sigstore.specs.TrustedRoot.fromJSON(readJSON(args['trusted-root'])));
  const bundle = sigstore.bundle.bundleFromJSON(readJSON(args.bundle));
  const entity = sigstore.verify.toSignedEntity(bundle, fs.readFileSync(args.artifact));
  const policy = {};
  if (args.identity) policy.subjectAlternativeName = args.identity;
  if (args.issuer) policy.extensions = { issuer: args.issuer };
  signer = new sigstore.verify.Verifier(trust, { tlogThreshold: 1, ctlogThreshold: 1 }).verify(entity, policy);
} catch (e) {
  const detail = e.cause && e.cause.message && e.cause.message !== e.message ? ` (${e.cause.message})` : '';
  process.stderr.write(`FAILED: ${e.code || e.name}: ${e.message}${detail}\n`);
  process.exit(1);
}
const id = signer.identity || {};
process.stdout.write(`OK: ${id.subjectAlternativeName || '-'} ${(id.extensions && id.extensions.issuer) || '-'}\n`);
