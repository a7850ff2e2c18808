#!/usr/bin/env node
// Signs a file with sigstore-js (npm @sigstore/sign, by the sigstore-js team) against the local
// stack and writes a Sigstore bundle v0.3: sigseal's interoperability tests use it as an
// independent signer whose bundles sigseal must verify. Keyless: an ephemeral P-256 key, a
// Fulcio certificate for the token's identity, a Rekor v1 entry (inclusion proof and SET) and,
// with --tsa, an RFC 3161 timestamp. With --no-rekor (needs --tsa), no log entry: a
// timestamp-only bundle, as an instance without a transparency log (GitHub's) issues them.
// With --rekor-version 2 the --rekor URL is a Rekor v2 log (SIGSTORE_URL/rekor2): entries are
// hashedrekord 0.0.2, or dsse 0.0.2 for --in-toto (sigstore-js sends a dsseRequestV002), with an
// inclusion proof and no SET, so --tsa is required.
//
// usage: node sign-bundle.js --fulcio URL (--rekor URL [--rekor-version 1|2] | --no-rekor) [--tsa URL]
//                            --token-file FILE --artifact FILE --bundle OUT [--in-toto]
// URLs are service base URLs (the stack's SIGSTORE_URL for all three; SIGSTORE_URL/github for
// the GitHub-like Fulcio); a --tsa URL with a path is used as it is (e.g.
// SIGSTORE_URL/github/api/v1/timestamp), a base URL gets /api/v1/timestamp appended. Without --in-toto the
// artifact's bytes are signed (message signature, hashedrekord entry); with --in-toto the
// artifact is an in-toto statement (JSON) signed as a DSSE envelope with payloadType
// application/vnd.in-toto+json (dsse entry). Exit 0 and `OK: <bundle path>` on stdout when
// the bundle is written; exit 1 and `FAILED: <CODE>: <message>` on stderr when signing fails;
// exit 2 on a usage or installation error. The token never appears in the output.
'use strict';
const fs = require('node:fs');

const BOOL_FLAGS = new Set(['in-toto', 'no-rekor']);
function parseArgs(argv) {
  const out = {};
  for (let i = 0; i < argv.length; i++) {
    const m = /^--([a-z-]+)$/.exec(argv[i]);
    if (!m) usage(`unexpected argument: ${argv[i]}`);
    if (BOOL_FLAGS.has(m[1])) { out[m[1]] = true; continue; }
    if (i + 1 >= argv.length) usage(`--${m[1]} needs a value`);
    out[m[1]] = argv[++i];
  }
  return out;
}
function usage(msg) {
  process.stderr.write(`sign-bundle.js: ${msg}\nusage: node sign-bundle.js --fulcio URL (--rekor URL [--rekor-version 1|2] | --no-rekor) [--tsa URL] --token-file FILE --artifact FILE --bundle OUT [--in-toto]\n`);
  process.exit(2);
}

let sigstore;
try {
  sigstore = { bundle: require('@sigstore/bundle'), sign: require('@sigstore/sign') };
} catch (e) {
  process.stderr.write(`sign-bundle.js: ${e.message}\n(run \`npm ci\` in tests/stack: its node_modules predate package-lock.json)\n`);
  process.exit(2);
}

const IN_TOTO_PAYLOAD_TYPE = 'application/vnd.in-toto+json';
const args = parseArgs(process.argv.slice(2));
for (const k of ['fulcio', 'token-file', 'artifact', 'bundle']) if (!args[k]) usage(`--${k} is required`);
if (args['no-rekor'] && args.rekor) usage('--rekor and --no-rekor exclude each other');
if (!args['no-rekor'] && !args.rekor) usage('--rekor URL (or --no-rekor) is required');
if (args['no-rekor'] && !args.tsa) usage('--no-rekor needs --tsa: a bundle needs a log entry or a timestamp');
const rekorVersion = Number(args['rekor-version'] || '1');
if (rekorVersion !== 1 && rekorVersion !== 2) usage('--rekor-version must be 1 or 2');
if (rekorVersion === 2 && !args.tsa) usage('--rekor-version 2 needs --tsa: a Rekor v2 entry carries no time');

let token = '';
function fail(code, message) {
  // Some sigstore-js errors quote the token (e.g. IDENTITY_TOKEN_PARSE_ERROR): never print it.
  const text = token ? String(message).split(token).join('<token>') : String(message);
  process.stderr.write(`FAILED: ${code}: ${text}\n`);
  process.exit(1);
}

async function main() {
  try {
    token = fs.readFileSync(args['token-file'], 'utf8').trim();
  } catch (e) {
    fail('TOKEN_FILE', e.message);
  }
  if (!token) fail('TOKEN_FILE', `${args['token-file']} is empty`);
  let data;
  try {
    data = fs.readFileSync(args.artifact);
  } catch (e) {
    fail('ARTIFACT', e.message);
  }
  if (args['in-toto']) {
    let statement;
    try {
      statement = JSON.parse(data.toString('utf8'));
    } catch (e) {
      fail('ARTIFACT', `--in-toto: ${args.artifact} is not JSON: ${e.message}`);
    }
    if (!statement || typeof statement._type !== 'string' || !Array.isArray(statement.subject)) {
      fail('ARTIFACT', `--in-toto: ${args.artifact} is not an in-toto statement (needs _type and subject)`);
    }
  }

  const fetchOptions = { retry: 0, timeout: 30_000 };
  const signer = new sigstore.sign.FulcioSigner({
    fulcioBaseURL: args.fulcio,
    identityProvider: { getToken: async () => token },
    ...fetchOptions,
  });
  const witnesses = [];
  // Rekor v1: DSSE envelopes become `dsse` entries (the other choice is the older `intoto`).
  // Rekor v2: hashedrekord 0.0.2, or a dsse 0.0.2 entry for DSSE (sigstore-js's only choice).
  if (!args['no-rekor']) {
    witnesses.push(new sigstore.sign.RekorWitness({ rekorBaseURL: args.rekor, majorApiVersion: rekorVersion, entryType: 'dsse', fetchOnConflict: false, ...fetchOptions }));
  }
  // A base URL gets /api/v1/timestamp appended; a URL with a path is used as it is.
  if (args.tsa) witnesses.push(new sigstore.sign.TSAWitness({ tsaBaseURL: args.tsa, ...fetchOptions }));

  const builder = args['in-toto']
    ? new sigstore.sign.DSSEBundleBuilder({ signer, witnesses, certificateChain: false })
    : new sigstore.sign.MessageSignatureBundleBuilder({ signer, witnesses });
  let bundle;
  try {
    bundle = await builder.create(args['in-toto'] ? { data, type: IN_TOTO_PAYLOAD_TYPE } : { data });
  } catch (e) {
    const cause = e.cause && e.cause.message && !e.message.includes(e.cause.message) ? ` (${e.cause.message})` : '';
    fail(e.code || e.name, `${e.message}${cause}`);
  }

  // MessageSignatureBundleBuilder always writes a v0.2 bundle with an x509CertificateChain (of
  // the leaf alone); v0.3 carries the leaf as `certificate`. Nothing signed depends on this.
  const vm = bundle.verificationMaterial;
  if (vm.content.$case === 'x509CertificateChain') {
    const certs = vm.content.x509CertificateChain.certificates;
    if (certs.length !== 1) fail('BUNDLE', `expected the leaf certificate alone, got a chain of ${certs.length}`);
    vm.content = { $case: 'certificate', certificate: certs[0] };
  }
  bundle.mediaType = sigstore.bundle.BUNDLE_V03_MEDIA_TYPE;

  if (args['no-rekor']) {
    if (vm.tlogEntries.length !== 0) fail('BUNDLE', `--no-rekor, yet the bundle has ${vm.tlogEntries.length} log entries`);
  } else {
    const entry = vm.tlogEntries[0];
    if (vm.tlogEntries.length !== 1 || !entry.inclusionProof || (rekorVersion === 1 && !entry.inclusionPromise)) {
      fail('BUNDLE', `Rekor answered without an inclusion proof${rekorVersion === 1 ? ' and SET' : ''}`);
    }
    if (rekorVersion === 2 && entry.inclusionPromise) fail('BUNDLE', 'a Rekor v2 entry came with a SET');
  }
  if (args.tsa && !(vm.timestampVerificationData && vm.timestampVerificationData.rfc3161Timestamps.length)) {
    fail('BUNDLE', 'no RFC 3161 timestamp in the bundle');
  }
  try {
    sigstore.bundle.assertBundleLatest(bundle);
    fs.writeFileSync(args.bundle, `${JSON.stringify(sigstore.bundle.bundleToJSON(bundle), null, 2)}\n`);
  } catch (e) {
    fail(e.code || e.name, e.message);
  }
  process.stdout.write(`OK: ${args.bundle}\n`);
}

main().catch((e) => fail(e.code || e.name || 'ERROR', e.message || e));
