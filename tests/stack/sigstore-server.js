#!/usr/bin/env node
// Local Fulcio, Rekor v1, Rekor v2 and RFC 3161 TSA for tests, on one loopback port.
// Certificates, log entries and timestamps come from npm @sigstore/mock (written by the
// sigstore-js team); this file serves them over HTTP and makes them behave like the real
// services where real clients depend on it (see README.md).
// Under /rekor2, on the same port, a tile-based Rekor v2 log like sigstore/rekor-tiles (rekor-v2.js).
// Under /github, on the same port, a second instance like GitHub's own Sigstore (private
// repositories, release attestations): its own Fulcio CA and TSA, no transparency log, no CT log,
// and an issuer of release attestations like GitHub's for immutable releases.
//
// usage: node sigstore-server.js [--port 0] [--host 127.0.0.1] [--out DIR] [--oidc-url URL]
//                                [--seed-leaves 5] [--lax-tokens] [--tsa-whole-seconds] [--verbose]
//                                [--rekor2-hashedrekord-only]
// Writes into DIR: trusted_root.json (both logs), signing_config.json (Rekor v1),
// signing_config_v2.json and trust_config_v2.json (Rekor v2), trust_config.json, fulcio_root.pem,
// rekor_pub.pem, rekor2_pub.pem, rekor2_witness_pub.pem, ctlog_pub.pem, tsa_chain.pem, *.key.pem; into DIR/github: trusted_root.json,
// signing_config.json, trust_config.json, fulcio_root.pem, tsa_chain.pem, *.key.pem; and last
// `url` (the readiness signal).
'use strict';
require('reflect-metadata'); // @peculiar/x509 needs it loaded first
const http = require('node:http');
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const x509 = require('@peculiar/x509');
const pkijs = require('pkijs');
const asn1js = require('asn1js');
const mock = require('@sigstore/mock');
const pb = require('@sigstore/protobuf-specs');
const { createRekorV2 } = require('./rekor-v2');

const BOOL_FLAGS = new Set(['lax-tokens', 'verbose', 'tsa-whole-seconds', 'rekor2-hashedrekord-only']);
function parseArgs(argv) {
  const out = {};
  for (let i = 0; i < argv.length; i++) {
    const m = /^--([a-z0-9-]+)$/.exec(argv[i]);
    if (!m) throw new Error(`unexpected argument: ${argv[i]}`);
    out[m[1]] = BOOL_FLAGS.has(m[1]) ? true : argv[++i];
  }
  return out;
}
const args = parseArgs(process.argv.slice(2));

// STACK_WATCH_PID: exit when that process (e.g. the test runner) is gone, so a test binary that
// ends without stopping the stack leaves nothing running.
if (process.env.STACK_WATCH_PID) {
  const watched = Number(process.env.STACK_WATCH_PID);
  setInterval(() => { try { process.kill(watched, 0); } catch { process.exit(0); } }, 500);
}

const host = args.host || '127.0.0.1';
const outDir = path.resolve(args.out || '.');
const strictTokens = !args['lax-tokens'];

// ---------------------------------------------------------------------------------------------
// Fulcio

// Real Fulcio writes an email identity as an rfc822Name SAN; the mock CA always writes a URI.
const EMAIL_RE = /^[^\s@:/]+@[^\s@:/]+$/;
const SanExtension = x509.SubjectAlternativeNameExtension;
x509.SubjectAlternativeNameExtension = class extends SanExtension {
  constructor(names, ...rest) {
    if (Array.isArray(names)) {
      names = names.map((n) => (n.type === 'url' && EMAIL_RE.test(n.value) ? { type: 'email', value: n.value } : n));
    }
    super(names, ...rest);
  }
};

// Standard 64-column PEM. Real Fulcio answers with it and real Rekor re-encodes the key of a
// hashedrekord; clients that rebuild the expected entry body compare byte for byte.
function rewrapPem(text) {
  return text.replace(/-----BEGIN ([A-Z0-9 ]+)-----\s*([A-Za-z0-9+/=\s]+?)\s*-----END \1-----\s*/g, (_m, label, b64) =>
    `-----BEGIN ${label}-----\n${b64.replace(/\s+/g, '').match(/.{1,64}/g).join('\n')}\n-----END ${label}-----\n`);
}
const toPem = (label, der) => rewrapPem(`-----BEGIN ${label}-----\n${Buffer.from(der).toString('base64')}\n-----END ${label}-----\n`);

class HttpError extends Error {
  constructor(status, message) { super(message); this.status = status; }
}

function decodeJwtPayload(token) {
  const parts = String(token).split('.');
  if (parts.length !== 3) return null;
  try {
    const payload = JSON.parse(Buffer.from(parts[1], 'base64url').toString());
    return payload && typeof payload === 'object' ? payload : null;
  } catch {
    return null;
  }
}

// Accepts PEM, or base64 of PEM or of DER; returns PEM (or null).
function asPem(content, label) {
  if (typeof content !== 'string' || content === '') return null;
  if (content.includes('-----BEGIN')) return rewrapPem(content);
  const raw = Buffer.from(content, 'base64');
  const text = raw.toString('latin1');
  return text.includes('-----BEGIN') ? rewrapPem(text) : toPem(label, raw);
}

function requireP256(keyPem) {
  let key;
  try {
    key = crypto.createPublicKey(keyPem);
  } catch {
    throw new HttpError(400, 'cannot parse public key');
  }
  // The mock CA imports every key as ECDSA P-256.
  if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails.namedCurve !== 'prime256v1') {
    throw new HttpError(400, 'only ECDSA P-256 keys are supported');
  }
  return key;
}

// Proof of possession: ECDSA-SHA256 (ASN.1 DER) signature over the identity, base64. Real
// clients sign the `sub` claim (sigstore-js) or the email (Go clients): accept either.
function checkProofOfPossession(key, proofB64, claims) {
  if (!proofB64) throw new HttpError(400, 'missing proofOfPossession');
  const sig = Buffer.from(proofB64, 'base64');
  const ok = [claims.sub, claims.email].filter((s) => typeof s === 'string')
    .some((s) => { try { return crypto.verify('sha256', Buffer.from(s), key, sig); } catch { return false; } });
  if (!ok) throw new HttpError(400, 'proof of possession does not verify over the token subject');
}

// Token checks that the mock skips. The token's signature is still not verified.
function checkToken(claims) {
  const now = Math.floor(Date.now() / 1000);
  if (typeof claims.exp !== 'number') throw new HttpError(401, 'token has no exp claim');
  if (claims.exp <= now) throw new HttpError(401, `token expired at ${claims.exp} (now ${now})`);
  if (typeof claims.nbf === 'number' && claims.nbf > now + 60) throw new HttpError(401, 'token not yet valid');
  if (claims.email && (claims.email_verified === false || claims.email_verified === 'false')) {
    throw new HttpError(401, 'email_verified claim is false');
  }
}

// Request (either form real clients send) -> the one form the mock handler reads.
async function normalizeFulcioRequest(body, headers) {
  let req;
  try {
    req = JSON.parse(body.toString() || '{}');
  } catch {
    throw new HttpError(400, 'request body is not JSON');
  }
  const bearer = /^Bearer\s+(\S+)/i.exec(headers.authorization || '');
  const token = (req.credentials && req.credentials.oidcIdentityToken) || (bearer && bearer[1]);
  if (!token) throw new HttpError(401, 'no OIDC identity token (Authorization: Bearer or credentials.oidcIdentityToken)');
  const claims = decodeJwtPayload(token);
  if (!claims) throw new HttpError(401, 'malformed OIDC identity token');
  if (strictTokens) checkToken(claims);

  const out = { credentials: { oidcIdentityToken: token } };
  if (req.publicKeyRequest) {
    const pkr = req.publicKeyRequest;
    const keyPem = asPem(pkr.publicKey && pkr.publicKey.content, 'PUBLIC KEY');
    if (!keyPem) throw new HttpError(400, 'missing publicKeyRequest.publicKey.content');
    const key = requireP256(keyPem);
    if (strictTokens) checkProofOfPossession(key, pkr.proofOfPossession, claims);
    out.publicKeyRequest = { publicKey: { algorithm: 'ECDSA', content: keyPem } };
  } else if (req.certificateSigningRequest) {
    const csrPem = asPem(req.certificateSigningRequest, 'CERTIFICATE REQUEST');
    let csr;
    try {
      csr = new x509.Pkcs10CertificateRequest(csrPem);
    } catch {
      throw new HttpError(400, 'cannot parse certificateSigningRequest');
    }
    requireP256(csr.publicKey.toString('pem'));
    if (strictTokens && !(await csr.verify())) throw new HttpError(400, 'CSR signature does not verify');
    out.certificateSigningRequest = csrPem;
  } else {
    throw new HttpError(400, 'need publicKeyRequest or certificateSigningRequest');
  }
  return { json: JSON.stringify(out), claims };
}

// ---------------------------------------------------------------------------------------------
// Rekor v1: an RFC 6962 Merkle tree over the canonical entry bodies the mock produces.

const { sha256, leafHash, treeHash, auditPath } = require('./merkle');

// Minimal shape checks real Rekor does before accepting a hashedrekord.
function normalizeRekorRequest(body) {
  let entry;
  try {
    entry = JSON.parse(body.toString() || '{}');
  } catch {
    throw new HttpError(400, 'request body is not JSON');
  }
  if (entry.kind === 'hashedrekord') {
    const spec = entry.spec || {};
    const sig = spec.signature || {};
    const hash = (spec.data && spec.data.hash) || {};
    if (!sig.content || !sig.publicKey || !sig.publicKey.content || !hash.algorithm || !hash.value) {
      throw new HttpError(400, 'hashedrekord needs spec.signature.content, spec.signature.publicKey.content, spec.data.hash.{algorithm,value}');
    }
    const pem = Buffer.from(sig.publicKey.content, 'base64').toString('latin1');
    if (pem.includes('-----BEGIN')) sig.publicKey.content = Buffer.from(rewrapPem(pem)).toString('base64');
  } else if (entry.kind === 'dsse') {
    entry = canonicalDsseEntry(entry);
  }
  return JSON.stringify(entry);
}

// DSSE pre-authentication encoding (the bytes a DSSE signature covers).
const dssePae = (type, payload) =>
  Buffer.concat([Buffer.from(`DSSEv1 ${Buffer.byteLength(type)} ${type} ${payload.length} `), payload]);

// A proposed dsse v0.0.1 entry -> the body real Rekor stores: the envelope and payload hashes and
// each signature with the key that verifies it (standard PEM, base64), sorted by signature.
// Like real Rekor (which must pair signatures with keys), it rejects a signature no key verifies.
function canonicalDsseEntry(entry) {
  const pc = (entry.spec || {}).proposedContent;
  if (entry.apiVersion !== '0.0.1' || !pc || typeof pc.envelope !== 'string' || !Array.isArray(pc.verifiers) || pc.verifiers.length === 0) {
    throw new HttpError(400, 'dsse 0.0.1 needs spec.proposedContent.envelope (string) and spec.proposedContent.verifiers');
  }
  let env;
  try {
    env = JSON.parse(pc.envelope);
  } catch {
    throw new HttpError(400, 'proposedContent.envelope is not JSON');
  }
  if (!env || typeof env.payload !== 'string' || typeof env.payloadType !== 'string' || !Array.isArray(env.signatures) || env.signatures.length === 0) {
    throw new HttpError(400, 'envelope needs payload, payloadType and signatures');
  }
  const payload = Buffer.from(env.payload, 'base64');
  const pae = dssePae(env.payloadType, payload);
  const keys = pc.verifiers.map((v) => {
    const pem = asPem(v, 'PUBLIC KEY');
    try {
      return { pem, key: crypto.createPublicKey(pem) }; // a certificate PEM yields its key
    } catch {
      throw new HttpError(400, 'cannot parse a proposedContent.verifiers entry');
    }
  });
  const signatures = env.signatures.map((s) => {
    const sig = Buffer.from(String(s.sig || ''), 'base64');
    const k = keys.find(({ key }) => { try { return crypto.verify('sha256', pae, key, sig); } catch { return false; } });
    if (!k) throw new HttpError(400, 'all signatures must have a key that verifies it');
    return { signature: s.sig, verifier: Buffer.from(k.pem).toString('base64') };
  }).sort((a, b) => (a.signature < b.signature ? -1 : a.signature > b.signature ? 1 : 0));
  const hex = (b) => crypto.createHash('sha256').update(b).digest('hex');
  return {
    apiVersion: '0.0.1', kind: 'dsse',
    spec: {
      envelopeHash: { algorithm: 'sha256', value: hex(Buffer.from(pc.envelope)) },
      payloadHash: { algorithm: 'sha256', value: hex(payload) },
      signatures,
    },
  };
}

// ---------------------------------------------------------------------------------------------
// TSA: RFC 3161 DER TimeStampReq -> the request object of the mock TSA. The nonce is carried as
// its DER bytes (the mock would encode a JS number and so answer 64-bit nonces with another).

const HASH_OIDS = new Set(['2.16.840.1.101.3.4.2.1', '2.16.840.1.101.3.4.2.2', '2.16.840.1.101.3.4.2.3']);
const SIGSTORE_TSA_POLICY = '1.3.6.1.4.1.57264.2';
function parseTimestampQuery(der) {
  let tsq;
  try {
    tsq = pkijs.TimeStampReq.fromBER(new Uint8Array(der).buffer);
  } catch {
    throw new HttpError(400, 'cannot parse DER TimeStampReq');
  }
  const hashAlgorithmOID = tsq.messageImprint.hashAlgorithm.algorithmId;
  if (!HASH_OIDS.has(hashAlgorithmOID)) throw new HttpError(400, 'unsupported messageImprint hash algorithm');
  return {
    artifactHash: Buffer.from(tsq.messageImprint.hashedMessage.valueBlock.valueHexView),
    hashAlgorithmOID,
    policyOID: tsq.reqPolicy || SIGSTORE_TSA_POLICY,
    certReq: !!tsq.certReq,
    nonceHex: tsq.nonce ? Buffer.from(tsq.nonce.valueBlock.valueHexView) : null,
  };
}
// Also gives every token its own positive serial number, as RFC 3161 requires (the mock stamps
// them all 0xDEADBEEF, which DER reads as a negative number).
function keepRequestNonce(tsa) {
  const buildTstInfo = tsa.tstInfo.bind(tsa);
  tsa.tstInfo = (req) => {
    const info = 'nonceHex' in req ? buildTstInfo({ ...req, nonce: 0 }) : buildTstInfo(req); // JSON requests: the mock's own nonce handling
    if ('nonceHex' in req) {
      if (req.nonceHex) info.nonce = new asn1js.Integer({ valueHex: req.nonceHex });
      else delete info.nonce; // no nonce asked, none answered
    }
    info.serialNumber = new asn1js.Integer({ valueHex: Buffer.from(randomSerial(), 'hex') });
    return info;
  };
}

// ---------------------------------------------------------------------------------------------
// TSA clock. genTime carries milliseconds by default, as real TSAs' do (OpenSSL's `ts -reply`
// and sigstore's timestamp-authority emit fractions of a second). Never a multiple of 10 ms:
// pkijs drops the trailing zeros of a fraction (".120Z" becomes ".12Z", which is valid DER), and
// sigstore-js parses a fraction of 0 or 3 digits only, so such a stamp would be unreadable to
// it. `--tsa-whole-seconds` stamps whole seconds instead (the second mode, for clients that take
// no fraction).
function tsaClock(wholeSeconds) {
  return wholeSeconds
    ? () => new Date(Math.floor(Date.now() / 1000) * 1000)
    : () => { const t = Date.now(); return new Date(t % 10 === 0 ? t + 1 : t); };
}

// ---------------------------------------------------------------------------------------------
// The GitHub-like instance's PKI, made here with @peculiar/x509: the mock's CA and TSA name
// every certificate O=sigstore.mock and have no intermediate CA; GitHub's have a root, an
// intermediate and their own names. Certificates are ECDSA-SHA384 over P-256 keys, like the mock's.

const GITHUB_ORG = 'GitHub-like test';
const MS_PER_DAY = 86_400_000;
const webcrypto = crypto.webcrypto;
const P256 = { name: 'ECDSA', namedCurve: 'P-256' };
const SIGN_SHA384 = { name: 'ECDSA', hash: 'SHA-384' };
const OID_TIMESTAMPING_EKU = '1.3.6.1.5.5.7.3.8';

async function toCryptoKeys({ privateKey, publicKey }) {
  return {
    privateKey: await webcrypto.subtle.importKey('pkcs8', privateKey.export({ format: 'der', type: 'pkcs8' }), P256, true, ['sign']),
    publicKey: await webcrypto.subtle.importKey('spki', publicKey.export({ format: 'der', type: 'spki' }), P256, true, ['verify']),
  };
}

// A positive 20-byte serial number, as real CAs draw them.
function randomSerial() {
  const b = crypto.randomBytes(20);
  b[0] = (b[0] & 0x7f) | 0x01;
  return b.toString('hex');
}

// A CA certificate (root when `issuer` is itself) or, with `timestamping`, a TSA signing
// certificate; valid from a minute ago for a year.
// `eku` on a CA certificate restricts what it may certify, as GitHub's intermediates do (its
// Fulcio intermediate carries code signing, its TSA intermediate time stamping).
async function authorityCertificate({ subject, keys, issuer, timestamping = false, pathLength, eku }) {
  const extensions = timestamping
    ? [new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([OID_TIMESTAMPING_EKU], true)]
    : [new x509.BasicConstraintsExtension(true, pathLength, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      ...(eku ? [new x509.ExtendedKeyUsageExtension([eku], false)] : [])];
  extensions.push(
    await x509.SubjectKeyIdentifierExtension.create(keys.publicKey, false, webcrypto),
    await x509.AuthorityKeyIdentifierExtension.create(issuer.keys.publicKey, false, webcrypto));
  return x509.X509CertificateGenerator.create({
    serialNumber: randomSerial(), subject, issuer: issuer.subject,
    notBefore: new Date(Date.now() - 60_000), notAfter: new Date(Date.now() + 365 * MS_PER_DAY),
    signingAlgorithm: SIGN_SHA384, publicKey: keys.publicKey, signingKey: issuer.keys.privateKey, extensions,
  }, webcrypto);
}

// Fulcio-like CA: root -> intermediate -> leaves. `issueCertificate` takes what the mock's
// Fulcio handler passes to the mock's CA (and the same extension encoding), so the handler and
// its claim -> extension mapping are shared; no CT log, so no SCT is embedded.
async function initializeGitHubCA(rootKey, intKey) {
  const root = { subject: `CN=Fulcio Root,O=${GITHUB_ORG}`, keys: await toCryptoKeys(rootKey) };
  root.cert = await authorityCertificate({ subject: root.subject, keys: root.keys, issuer: root });
  const int = { subject: `CN=Fulcio Intermediate l1,O=${GITHUB_ORG}`, keys: await toCryptoKeys(intKey) };
  int.cert = await authorityCertificate({ subject: int.subject, keys: int.keys, issuer: root, pathLength: 0,
    eku: x509.ExtendedKeyUsage.codeSigning });
  return {
    rootCertificate: Buffer.from(root.cert.rawData),
    intermediateCertificate: Buffer.from(int.cert.rawData),
    // The CA's clock (`POST /github/_fulcio/backdate` moves it back).
    getCurrentTime: () => new Date(),
    // opts: { publicKey (SPKI DER), subjectAltName, extensions: [{oid, value, legacy}], subject? }
    async issueCertificate(opts) {
      const key = await webcrypto.subtle.importKey('spki', opts.publicKey, P256, true, ['verify']);
      const now = this.getCurrentTime();
      const cert = await x509.X509CertificateGenerator.create({
        serialNumber: randomSerial(), subject: opts.subject, issuer: int.subject,
        notBefore: now, notAfter: new Date(now.getTime() + 10 * 60_000),
        signingAlgorithm: SIGN_SHA384, publicKey: key, signingKey: int.keys.privateKey,
        extensions: [
          new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
          new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.codeSigning]),
          new x509.BasicConstraintsExtension(false, undefined, true),
          await x509.SubjectKeyIdentifierExtension.create(key, false, webcrypto),
          await x509.AuthorityKeyIdentifierExtension.create(int.keys.publicKey, false, webcrypto),
          // Critical when the subject is empty (RFC 5280 4.2.1.6), as Fulcio writes it.
          new x509.SubjectAlternativeNameExtension([{ type: 'url', value: opts.subjectAltName }], !opts.subject),
          ...(opts.extensions || []).map((e) => new x509.Extension(e.oid, false,
            e.legacy === true ? Buffer.from(e.value) : new asn1js.Utf8String({ value: e.value }).toBER(false))),
        ],
      }, webcrypto);
      return Buffer.from(cert.rawData);
    },
  };
}

// TSA: root -> intermediate -> signing certificate. The timestamps are the mock TSA's, signed
// with the signing certificate's key and naming it (ESSCertIDv2, issuer and serial).
async function initializeGitHubTSA(rootKey, intKey, signerKey) {
  const root = { subject: `CN=TSA root,O=${GITHUB_ORG}`, keys: await toCryptoKeys(rootKey) };
  root.cert = await authorityCertificate({ subject: root.subject, keys: root.keys, issuer: root });
  const int = { subject: `CN=TSA intermediate,O=${GITHUB_ORG}`, keys: await toCryptoKeys(intKey) };
  int.cert = await authorityCertificate({ subject: int.subject, keys: int.keys, issuer: root, pathLength: 0,
    eku: OID_TIMESTAMPING_EKU });
  const signer = { subject: `CN=TSA Timestamping,O=${GITHUB_ORG}`, keys: await toCryptoKeys(signerKey) };
  signer.cert = await authorityCertificate({ subject: signer.subject, keys: signer.keys, issuer: int, timestamping: true });
  const tsa = await mock.initializeTSA(signerKey); // signs with signerKey; its own certificates are replaced
  tsa.intCert = pkijs.Certificate.fromBER(signer.cert.rawData);
  tsa.rootCert = pkijs.Certificate.fromBER(root.cert.rawData);
  tsa.chain = [signer.cert, int.cert, root.cert].map((c) => Buffer.from(c.rawData));
  return tsa;
}

// ---------------------------------------------------------------------------------------------
// Release attestations like GitHub's for immutable releases (what `gh release verify` and
// `gh release verify-asset` check): a DSSE envelope of an in-toto Statement v1, predicateType
// https://in-toto.io/attestation/release/v0.2; subjects: the tag as a purl with the commit's
// digest (sha1, or sha256 for a 64-hex object ID), then every asset by name with its sha256.
// Signed by a key certified for https://dotcom.releases.github.com (no OIDC issuer extension),
// timestamped by the instance's TSA, never logged. See README.md for the fields.

const IN_TOTO_PAYLOAD_TYPE = 'application/vnd.in-toto+json';
const RELEASE_PREDICATE_V01 = 'https://in-toto.io/attestation/release/v0.1';
const RELEASE_PREDICATE_V02 = 'https://in-toto.io/attestation/release/v0.2';
const RELEASE_SIGNER_SAN = 'https://dotcom.releases.github.com';
const OID_SHA256 = '2.16.840.1.101.3.4.2.1';

// A stable decimal ID for a name (GitHub's database IDs are opaque decimal strings).
const decimalId = (kind, name) => String(crypto.createHash('sha256').update(`${kind}:${name}`).digest().readUInt32BE(0) + 1);

// {repository, tag, commit, assets: [{name, sha256}], predicateType?} -> the in-toto statement.
function releaseStatement(req, releaseNumber) {
  if (!req || typeof req !== 'object') throw new HttpError(400, 'request body must be a JSON object');
  const { repository, tag, commit } = req;
  const assets = req.assets === undefined ? [] : req.assets;
  const predicateType = req.predicateType || RELEASE_PREDICATE_V02;
  if (typeof repository !== 'string' || !/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/.test(repository)) {
    throw new HttpError(400, 'repository must be OWNER/REPO');
  }
  if (typeof tag !== 'string' || tag === '') throw new HttpError(400, 'tag must be a non-empty string');
  if (typeof commit !== 'string' || !/^([0-9a-fA-F]{40}|[0-9a-fA-F]{64})$/.test(commit)) {
    throw new HttpError(400, 'commit must be a git object ID: 40 (SHA-1) or 64 (SHA-256) hex digits');
  }
  if (!Array.isArray(assets) || !assets.every((a) => a && typeof a.name === 'string' && a.name !== ''
    && typeof a.sha256 === 'string' && /^[0-9a-fA-F]{64}$/.test(a.sha256))) {
    throw new HttpError(400, 'assets must be a list of {"name": non-empty string, "sha256": 64 hex digits}');
  }
  if (predicateType !== RELEASE_PREDICATE_V01 && predicateType !== RELEASE_PREDICATE_V02) {
    throw new HttpError(400, `predicateType must be ${RELEASE_PREDICATE_V02} (default) or ${RELEASE_PREDICATE_V01}`);
  }
  const purl = `pkg:github/${repository}@${tag}`;
  const owner = repository.split('/')[0];
  const releaseId = String(releaseNumber);
  // Keys in alphabetical order, as GitHub's (Go protojson of a Struct) are.
  const predicate = predicateType === RELEASE_PREDICATE_V02
    ? { databaseId: releaseId, ownerId: decimalId('owner', owner), packageId: decimalId('package', repository),
      purl, repository, repositoryId: decimalId('repository', repository), tag }
    : { ownerId: decimalId('owner', owner), purl, releaseId, repository,
      repositoryId: decimalId('repository', repository), tag };
  return {
    _type: 'https://in-toto.io/Statement/v1',
    subject: [
      { uri: purl, digest: { [commit.length === 64 ? 'sha256' : 'sha1']: commit.toLowerCase() } },
      ...assets.map((a) => ({ name: a.name, digest: { sha256: a.sha256.toLowerCase() } })),
    ],
    predicateType,
    predicate,
  };
}

// The statement -> a Sigstore bundle v0.3 shaped like GitHub's: the leaf certificate alone,
// one RFC 3161 timestamp (the TSA's whole TimeStampResp, over the DSSE signature), no
// tlogEntries field, and a signature without keyid.
async function releaseBundle(statement, ca, tsa) {
  const { privateKey, publicKey } = crypto.generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const cert = await ca.issueCertificate({
    publicKey: publicKey.export({ format: 'der', type: 'spki' }),
    subjectAltName: RELEASE_SIGNER_SAN, subject: `CN=Attester,O=${GITHUB_ORG}`, extensions: [],
  });
  const payload = Buffer.from(JSON.stringify(statement));
  const sig = crypto.sign('sha256', dssePae(IN_TOTO_PAYLOAD_TYPE, payload), privateKey);
  const tsr = await tsa.timestamp({ artifactHash: sha256(sig), hashAlgorithmOID: OID_SHA256,
    policyOID: SIGSTORE_TSA_POLICY, certReq: false, nonceHex: null });
  return {
    mediaType: 'application/vnd.dev.sigstore.bundle.v0.3+json',
    verificationMaterial: {
      timestampVerificationData: { rfc3161Timestamps: [{ signedTimestamp: tsr.toString('base64') }] },
      certificate: { rawBytes: cert.toString('base64') },
    },
    dsseEnvelope: { payload: payload.toString('base64'), payloadType: IN_TOTO_PAYLOAD_TYPE, signatures: [{ sig: sig.toString('base64') }] },
  };
}

// ---------------------------------------------------------------------------------------------

// One key per service (P-256, or Ed25519 for the Rekor v2 log and its witness), kept in DIR so
// a restart into the same DIR keeps the keys.
function serviceKey(name, dir = outDir, type = 'ec') {
  const file = path.join(dir, `${name}.key.pem`);
  const privateKey = fs.existsSync(file)
    ? crypto.createPrivateKey(fs.readFileSync(file))
    : crypto.generateKeyPairSync(type, type === 'ec' ? { namedCurve: 'prime256v1' } : undefined).privateKey;
  if (!fs.existsSync(file)) fs.writeFileSync(file, privateKey.export({ format: 'pem', type: 'pkcs8' }), { mode: 0o600 });
  return { privateKey, publicKey: crypto.createPublicKey(privateKey) };
}

function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function serviceOf(p) {
  if (p === '/rekor2' || p.startsWith('/rekor2/')) return 'rekor2';
  if (p.startsWith('/github/api/v2/')) return 'github_fulcio';
  if (p.startsWith('/github/api/v1/timestamp')) return 'github_tsa';
  if (p.startsWith('/api/v2/') || p === '/api/v1/signingCert') return 'fulcio';
  if (p.startsWith('/api/v1/timestamp')) return 'tsa';
  if (p.startsWith('/api/v1/log') || p.startsWith('/api/v1/index')) return 'rekor';
  return null;
}

async function main() {
  fs.mkdirSync(outDir, { recursive: true });
  fs.rmSync(path.join(outDir, 'url'), { force: true });
  const keys = { ca: serviceKey('fulcio'), ct: serviceKey('ctlog'), tlog: serviceKey('rekor'), tsa: serviceKey('tsa') };

  const server = http.createServer();
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(Number(args.port || 0), host, resolve);
  });
  const url = `http://${host}:${server.address().port}`;
  const hostPort = new URL(url).host;

  const ctlog = await mock.initializeCTLog(keys.ct);
  const ca = await mock.initializeCA(keys.ca, ctlog);
  const tlog = await mock.initializeTLog(url, keys.tlog);
  const tsa = await mock.initializeTSA(keys.tsa);
  tsa.getCurrentTime = tsaClock(args['tsa-whole-seconds']);
  keepRequestNonce(tsa);

  // Rekor v2 (rekor-v2.js) under /rekor2: its origin is the scheme-less log URL, as rekor-tiles'.
  const rekor2Url = `${url}/rekor2`;
  const rekor2 = createRekorV2({
    baseUrl: rekor2Url,
    logKey: serviceKey('rekor2', outDir, 'ed25519'),
    witnessKey: serviceKey('rekor2-witness', outDir, 'ed25519'),
    witnessName: `${hostPort}/witness`,
    seedEntries: Number(args['seed-leaves'] ?? 5),
    acceptDsse: !args['rekor2-hashedrekord-only'],
    log: (line) => console.error(line),
  });

  // The GitHub-like instance (under /github): its keys and trust material in DIR/github.
  const githubDir = path.join(outDir, 'github');
  fs.mkdirSync(githubDir, { recursive: true });
  const githubKey = (name) => serviceKey(name, githubDir);
  const githubCa = await initializeGitHubCA(githubKey('fulcio-root'), githubKey('fulcio'));
  const githubTsa = await initializeGitHubTSA(githubKey('tsa-root'), githubKey('tsa-intermediate'), githubKey('tsa'));
  githubTsa.getCurrentTime = tsaClock(args['tsa-whole-seconds']);
  keepRequestNonce(githubTsa);
  let releasesAttested = 0;

  const fulcioByEmail = mock.fulcioHandler(ca, { strict: true, subjectClaim: 'email' });
  const fulcioBySub = mock.fulcioHandler(ca, { strict: true, subjectClaim: 'sub' });
  const rekorCreate = mock.rekorHandler(tlog, { strict: true });
  const tsaCreate = mock.tsaHandler(tsa, { strict: true });
  const githubFulcioByEmail = mock.fulcioHandler(githubCa, { strict: true, subjectClaim: 'email' });
  const githubFulcioBySub = mock.fulcioHandler(githubCa, { strict: true, subjectClaim: 'sub' });
  const githubTsaCreate = mock.tsaHandler(githubTsa, { strict: true });

  // Log state. The first few leaves are filler so real entries get non-trivial proofs.
  const treeID = String(crypto.randomInt(2 ** 47));
  const logID = sha256(keys.tlog.publicKey.export({ format: 'der', type: 'spki' }));
  const leaves = [];
  const entries = new Map(); // uuid (leaf hash hex) -> entry without inclusionProof
  const uuidByIndex = new Map();
  const uuidsByHash = new Map(); // "sha256:<hex>" -> [uuid]
  for (let i = 0; i < Number(args['seed-leaves'] ?? 5); i++) leaves.push(leafHash(Buffer.from(`filler-${i}`)));

  const canonicalJson = (o) => JSON.stringify(Object.fromEntries(Object.keys(o).sort().map((k) => [k, o[k]])));
  function checkpoint(size, root, unixSeconds) {
    const note = `${hostPort} - ${treeID}\n${size}\n${root.toString('base64')}\nTimestamp: ${unixSeconds * 1e9}\n`;
    const sig = crypto.sign('sha256', Buffer.from(note), keys.tlog.privateKey);
    return `${note}\n\u2014 ${hostPort} ${Buffer.concat([logID.subarray(0, 4), sig]).toString('base64')}\n`;
  }
  function withProof(uuid, unixSeconds) {
    const e = entries.get(uuid);
    const root = treeHash(leaves);
    const inclusionProof = {
      logIndex: e.logIndex, treeSize: leaves.length, rootHash: root.toString('hex'),
      hashes: auditPath(e.logIndex, leaves).map((h) => h.toString('hex')),
      checkpoint: checkpoint(leaves.length, root, unixSeconds),
    };
    return { [uuid]: { ...e, verification: { ...e.verification, inclusionProof } } };
  }
  async function createEntry(body) {
    const r = await rekorCreate.fn(normalizeRekorRequest(body));
    if (r.statusCode !== 201) return r;
    const [, mocked] = Object.entries(JSON.parse(r.response))[0];
    const leaf = leafHash(Buffer.from(mocked.body, 'base64'));
    const uuid = leaf.toString('hex');
    if (entries.has(uuid)) {
      return { statusCode: 409, headers: { Location: `/api/v1/log/entries/${uuid}` },
        response: { code: 409, message: `an equivalent entry already exists in the transparency log with UUID ${uuid}` } };
    }
    const entry = { body: mocked.body, integratedTime: mocked.integratedTime, logID: logID.toString('hex'), logIndex: leaves.length };
    const set = crypto.sign('sha256', Buffer.from(canonicalJson(entry)), keys.tlog.privateKey);
    entry.verification = { signedEntryTimestamp: set.toString('base64') };
    leaves.push(leaf);
    entries.set(uuid, entry);
    uuidByIndex.set(entry.logIndex, uuid);
    try {
      const hash = JSON.parse(Buffer.from(entry.body, 'base64')).spec.data.hash;
      const k = `${hash.algorithm}:${hash.value}`;
      uuidsByHash.set(k, [...(uuidsByHash.get(k) || []), uuid]);
    } catch { /* kinds without spec.data.hash are found by uuid or index only */ }
    return { statusCode: 201, response: withProof(uuid, entry.integratedTime),
      headers: { Location: `/api/v1/log/entries/${uuid}` } };
  }

  // Trust material (protobuf-specs JSON).
  const validFor = { start: new Date(Date.now() - 60_000) };
  const spki = (k) => k.publicKey.export({ format: 'der', type: 'spki' });
  const logInstance = (k, baseUrl) => ({
    baseUrl, hashAlgorithm: pb.HashAlgorithm.SHA2_256,
    publicKey: { rawBytes: spki(k), keyDetails: pb.PublicKeyDetails.PKIX_ECDSA_P256_SHA_256, validFor },
    logId: { keyId: sha256(spki(k)) }, operator: 'sigseal-test',
  });
  const authority = (certs, uri, subject = { organization: 'sigstore.mock', commonName: 'sigstore' }) => ({
    subject, uri,
    certChain: { certificates: certs.map((c) => ({ rawBytes: Buffer.from(c) })) }, validFor, operator: 'sigseal-test',
  });
  // The Rekor v2 log as the public trusted roots list theirs: an Ed25519 key, and as logId the
  // full C2SP signed-note key ID (SHA-256 over origin, 0x0A, 0x01 and the raw key), not the
  // SHA-256 of the key's SPKI as for Rekor v1.
  const rekor2Instance = {
    baseUrl: rekor2Url, hashAlgorithm: pb.HashAlgorithm.SHA2_256,
    publicKey: { rawBytes: rekor2.publicKeySpki, keyDetails: pb.PublicKeyDetails.PKIX_ED25519, validFor },
    logId: { keyId: rekor2.logId }, operator: 'sigseal-test',
  };
  const trustedRoot = pb.TrustedRoot.toJSON({
    mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1',
    tlogs: [logInstance(keys.tlog, url), rekor2Instance],
    certificateAuthorities: [authority([ca.rootCertificate], url)],
    ctlogs: [logInstance(keys.ct, url)],
    timestampAuthorities: [authority([tsa.intCertificate, tsa.rootCertificate], `${url}/api/v1/timestamp`)],
  });
  const endpoint = (u, majorApiVersion = 1) => ({ url: u, majorApiVersion, validFor: { start: validFor.start.toISOString() }, operator: 'sigseal-test' });
  const signingConfig = {
    mediaType: 'application/vnd.dev.sigstore.signingconfig.v0.2+json',
    caUrls: [endpoint(url)],
    oidcUrls: args['oidc-url'] ? [endpoint(args['oidc-url'])] : [],
    rekorTlogUrls: [endpoint(url)],
    tsaUrls: [endpoint(`${url}/api/v1/timestamp`)],
    rekorTlogConfig: { selector: 'ANY' },
    tsaConfig: { selector: 'ANY' },
  };
  // The same services with the Rekor v2 log alone (selector ANY, as the public-good configs).
  const signingConfigV2 = { ...signingConfig, rekorTlogUrls: [endpoint(rekor2Url, 2)] };
  const fulcioRootPem = toPem('CERTIFICATE', ca.rootCertificate);
  const tsaChainPem = toPem('CERTIFICATE', tsa.intCertificate) + toPem('CERTIFICATE', tsa.rootCertificate);
  const write = (name, data) => fs.writeFileSync(path.join(outDir, name), typeof data === 'string' ? data : `${JSON.stringify(data, null, 2)}\n`);
  write('trusted_root.json', trustedRoot);
  write('signing_config.json', signingConfig);
  write('trust_config.json', { mediaType: 'application/vnd.dev.sigstore.clienttrustconfig.v0.1+json', trustedRoot, signingConfig });
  write('signing_config_v2.json', signingConfigV2);
  write('trust_config_v2.json', { mediaType: 'application/vnd.dev.sigstore.clienttrustconfig.v0.1+json', trustedRoot,
    signingConfig: signingConfigV2 });
  write('rekor2_pub.pem', toPem('PUBLIC KEY', rekor2.publicKeySpki));
  write('rekor2_witness_pub.pem', toPem('PUBLIC KEY', rekor2.witness.publicKeySpki));
  write('fulcio_root.pem', fulcioRootPem);
  write('tsa_chain.pem', tsaChainPem);
  write('rekor_pub.pem', keys.tlog.publicKey.export({ format: 'pem', type: 'spki' }));
  write('ctlog_pub.pem', keys.ct.publicKey.export({ format: 'pem', type: 'spki' }));

  // The GitHub-like instance's trust material: a CA and a TSA, no logs (empty lists, written out).
  const githubUrl = `${url}/github`;
  const githubRootJson = pb.TrustedRoot.toJSON({
    mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1',
    tlogs: [],
    certificateAuthorities: [authority([githubCa.intermediateCertificate, githubCa.rootCertificate], githubUrl,
      { organization: GITHUB_ORG, commonName: 'Fulcio Intermediate l1' })],
    ctlogs: [],
    timestampAuthorities: [authority(githubTsa.chain, `${githubUrl}/api/v1/timestamp`,
      { organization: GITHUB_ORG, commonName: 'TSA Timestamping' })],
  });
  const githubTrustedRoot = { mediaType: githubRootJson.mediaType, tlogs: [],
    certificateAuthorities: githubRootJson.certificateAuthorities, ctlogs: [],
    timestampAuthorities: githubRootJson.timestampAuthorities };
  const githubSigningConfig = {
    mediaType: 'application/vnd.dev.sigstore.signingconfig.v0.2+json',
    caUrls: [endpoint(githubUrl)],
    oidcUrls: args['oidc-url'] ? [endpoint(args['oidc-url'])] : [],
    tsaUrls: [endpoint(`${githubUrl}/api/v1/timestamp`)],
    tsaConfig: { selector: 'ANY' },
  };
  const githubFulcioChainPem = [githubCa.intermediateCertificate, githubCa.rootCertificate].map((c) => toPem('CERTIFICATE', c));
  const githubTsaChainPem = githubTsa.chain.map((c) => toPem('CERTIFICATE', c)).join('');
  const writeGithub = (name, data) => write(path.join('github', name), data);
  writeGithub('trusted_root.json', githubTrustedRoot);
  writeGithub('signing_config.json', githubSigningConfig);
  writeGithub('trust_config.json', { mediaType: 'application/vnd.dev.sigstore.clienttrustconfig.v0.1+json',
    trustedRoot: githubTrustedRoot, signingConfig: githubSigningConfig });
  writeGithub('fulcio_root.pem', toPem('CERTIFICATE', githubCa.rootCertificate));
  writeGithub('tsa_chain.pem', githubTsaChainPem);

  const stats = { fulcio: 0, rekor: 0, rekor2: 0, tsa: 0, github_fulcio: 0, github_tsa: 0 };

  async function route(req, p, query, body) {
    const json = (status, response, headers) => ({ statusCode: status, response, headers });
    const notFound = () => json(404, { code: 404, message: 'entry not found' });
    const jsonBody = () => { try { return JSON.parse(body.toString() || '{}'); } catch { throw new HttpError(400, 'request body is not JSON'); } };
    const key = `${req.method} ${p}`;

    if (key === 'GET /_stats') return json(200, stats);
    if (key === 'POST /_stats/reset') { for (const k of Object.keys(stats)) stats[k] = 0; return json(200, stats); }
    // Issue the following Fulcio certificates as if it were N seconds earlier (tests of
    // certificates that expired before their log entry); `seconds=0` restores the clock.
    if (key === 'POST /_fulcio/backdate' || key === 'POST /github/_fulcio/backdate') {
      const seconds = Number(query.get('seconds') || '0');
      if (!Number.isFinite(seconds) || seconds < 0) throw new HttpError(400, 'seconds must be a number >= 0');
      (p.startsWith('/github/') ? githubCa : ca).getCurrentTime = () => new Date(Date.now() - seconds * 1000);
      return json(200, { backdate: seconds });
    }

    // Fulcio (both instances): one request form for the mock's handler, standard PEM back.
    const signingCert = async (byEmail, bySub, extraChain = []) => {
      const { json: request, claims } = await normalizeFulcioRequest(body, req.headers);
      const r = await (claims.email ? byEmail : bySub).fn(request);
      if (r.statusCode !== 201) return json(r.statusCode, { code: r.statusCode, message: r.response });
      const resp = JSON.parse(r.response);
      const chain = resp.signedCertificateEmbeddedSct.chain;
      const [leaf, ...rest] = chain.certificates.map(rewrapPem);
      chain.certificates = [leaf, ...extraChain, ...rest];
      return json(201, resp);
    };
    // TSA (both instances): a DER TimeStampReq, or the JSON form real TSAs also take.
    const timestamp = async (instance, jsonHandler) => {
      if ((req.headers['content-type'] || '').includes('json')) {
        const r = await jsonHandler.fn(body.toString());
        return r.statusCode === 201 ? r : json(r.statusCode, { code: r.statusCode, message: r.response });
      }
      return { statusCode: 201, response: await instance.timestamp(parseTimestampQuery(body)), contentType: 'application/timestamp-reply' };
    };
    const pemChain = (text) => ({ statusCode: 200, response: text, contentType: 'application/pem-certificate-chain' });

    if (p === '/rekor2' || p.startsWith('/rekor2/')) return rekor2.handle(req.method, p.slice('/rekor2'.length), body);

    if (key === 'POST /api/v2/signingCert') return signingCert(fulcioByEmail, fulcioBySub);
    if (key === 'GET /api/v2/trustBundle') return json(200, { chains: [{ certificates: [fulcioRootPem] }] });

    if (key === 'POST /api/v1/log/entries') {
      const r = await createEntry(body);
      return r.statusCode === 400 && typeof r.response === 'string' ? json(400, { code: 400, message: r.response }) : r;
    }
    if (key === 'GET /api/v1/log/entries') {
      const uuid = uuidByIndex.get(Number(query.get('logIndex')));
      return uuid ? json(200, withProof(uuid, Math.floor(Date.now() / 1000))) : notFound();
    }
    if (req.method === 'GET' && p.startsWith('/api/v1/log/entries/')) {
      const uuid = p.split('/').pop().toLowerCase().slice(-64); // 80-hex entry IDs carry a tree ID prefix
      return entries.has(uuid) ? json(200, withProof(uuid, Math.floor(Date.now() / 1000))) : notFound();
    }
    if (key === 'POST /api/v1/log/entries/retrieve') {
      const q = jsonBody();
      const now = Math.floor(Date.now() / 1000);
      const uuids = [...(q.entryUUIDs || []).map((u) => String(u).toLowerCase().slice(-64)),
        ...(q.logIndexes || []).map((i) => uuidByIndex.get(Number(i)))];
      return json(200, uuids.filter((u) => entries.has(u)).map((u) => withProof(u, now)));
    }
    if (key === 'POST /api/v1/index/retrieve') {
      const q = jsonBody();
      if (!q.hash) return json(200, []);
      const h = String(q.hash).toLowerCase();
      return json(200, uuidsByHash.get(h.includes(':') ? h : `sha256:${h}`) || []);
    }
    if (key === 'GET /api/v1/log') {
      const root = treeHash(leaves);
      return json(200, { rootHash: root.toString('hex'), treeSize: leaves.length, treeID,
        signedTreeHead: checkpoint(leaves.length, root, Math.floor(Date.now() / 1000)) });
    }
    if (key === 'GET /api/v1/log/publicKey') {
      return { statusCode: 200, response: keys.tlog.publicKey.export({ format: 'pem', type: 'spki' }), contentType: 'application/x-pem-file' };
    }

    if (key === 'POST /api/v1/timestamp') return timestamp(tsa, tsaCreate);
    if (key === 'GET /api/v1/timestamp/certchain') return pemChain(tsaChainPem);

    if (key === 'GET /trusted_root.json') return json(200, trustedRoot);
    if (key === 'GET /signing_config.json') return json(200, signingConfig);

    // The GitHub-like instance. The mock's handler answers [leaf, root]: the intermediate goes between.
    if (key === 'POST /github/api/v2/signingCert') {
      return signingCert(githubFulcioByEmail, githubFulcioBySub, [githubFulcioChainPem[0]]);
    }
    if (key === 'GET /github/api/v2/trustBundle') return json(200, { chains: [{ certificates: githubFulcioChainPem }] });
    if (key === 'POST /github/api/v1/timestamp') return timestamp(githubTsa, githubTsaCreate);
    if (key === 'GET /github/api/v1/timestamp/certchain') return pemChain(githubTsaChainPem);
    if (key === 'GET /github/trusted_root.json') return json(200, githubTrustedRoot);
    if (key === 'GET /github/signing_config.json') return json(200, githubSigningConfig);
    if (key === 'POST /github/_release-attestation') {
      const statement = releaseStatement(jsonBody(), releasesAttested + 1);
      const bundle = await releaseBundle(statement, githubCa, githubTsa);
      releasesAttested++;
      return json(200, bundle);
    }
    return json(404, { code: 404, message: `no route ${key}` });
  }

  server.on('request', async (req, res) => {
    let r;
    const u = new URL(req.url, url);
    try {
      const svc = serviceOf(u.pathname);
      if (svc) stats[svc]++;
      r = await route(req, u.pathname, u.searchParams, await readBody(req));
    } catch (e) {
      r = e instanceof HttpError
        ? { statusCode: e.status, response: { code: e.status, message: e.message } }
        : { statusCode: 500, response: { code: 500, message: String((e && e.stack) || e) } };
    }
    const isBytes = typeof r.response === 'string' || Buffer.isBuffer(r.response);
    const payload = isBytes ? r.response : JSON.stringify(r.response);
    res.writeHead(r.statusCode, { 'Content-Type': r.contentType || (isBytes ? 'text/plain' : 'application/json'), ...(r.headers || {}) });
    res.end(payload);
    if (args.verbose || r.statusCode >= 400) console.error(`${req.method} ${u.pathname} -> ${r.statusCode}${r.statusCode >= 400 ? ` ${isBytes ? '' : payload}` : ''}`);
  });

  // `url` last and atomically: its presence means the server is ready.
  write('url.tmp', `${url}\n`);
  fs.renameSync(path.join(outDir, 'url.tmp'), path.join(outDir, 'url'));
  console.log(`sigstore services on ${url} (Fulcio, Rekor v1, TSA; Rekor v2 under /rekor2; GitHub-like Fulcio and TSA under /github); trust material in ${outDir}`);
}

main().catch((e) => { console.error(e); process.exit(1); });
