// Rekor v2: a tile-based transparency log like sigstore/rekor-tiles, for the local test stack.
// sigstore-server.js serves it under a path prefix of its port (see README.md); this file owns
// what the log accepts, what it stores and what it serves:
// - POST {prefix}/api/v2/log/entries: a CreateEntryRequest (protobuf JSON) with a
//   `hashedRekordRequestV002` (or, as rekor-tiles up to v2.2 still took, a deprecated
//   `dsseRequestV002`), validated as rekor-tiles validates it (the signature must verify with
//   the verifier, over the digest or the DSSE PAE), canonicalized as rekor-tiles writes it
//   (protojson then RFC 8785), appended to an RFC 6962 tree, answered 201 with the
//   TransparencyLogEntry (protobuf JSON, unpopulated fields emitted, as rekor-tiles' gateway
//   does) and an inclusion proof against a checkpoint signed for the new tree size.
// - GET {prefix}/checkpoint, {prefix}/tile/<L>/<N>[.p/<W>], {prefix}/tile/entries/<N>[.p/<W>]
//   (C2SP tlog-tiles), and the same under {prefix}/api/v2/.
// Checkpoints are C2SP signed notes: origin (the scheme-less log URL), size, base64 root hash;
// signed with the log's Ed25519 key (key ID = SHA-256(origin || "\n" || 0x01 || public key),
// whose first 4 bytes are the signature line's key hint and whose whole value is the logId),
// and cosigned by one witness (C2SP tlog-cosignature v1), as the public logs' checkpoints are.
'use strict';
const crypto = require('node:crypto');
const pb = require('@sigstore/protobuf-specs');

// ---------------------------------------------------------------------------------------------
// Errors as rekor-tiles' HTTP gateway writes them: a gRPC status as JSON.

const GRPC = { INVALID_ARGUMENT: 3, NOT_FOUND: 5, ALREADY_EXISTS: 6 };
const HTTP_OF_GRPC = { 3: 400, 5: 404, 6: 409 };
class RekorV2Error extends Error {
  // `reason` goes to the server log only: rekor-tiles answers the generic message and logs why.
  constructor(grpcCode, message, reason, headers) {
    super(message);
    this.grpcCode = grpcCode;
    this.reason = reason;
    this.headers = headers;
  }
  reply() {
    return { statusCode: HTTP_OF_GRPC[this.grpcCode], response: { code: this.grpcCode, message: this.message, details: [] },
      headers: this.headers };
  }
}
const invalid = (message, reason) => new RekorV2Error(GRPC.INVALID_ARGUMENT, message, reason);

// ---------------------------------------------------------------------------------------------
// Protobuf JSON (protojson) reading of the request messages: field names in either spelling
// (JSON camelCase or proto snake_case), unknown fields refused (rekor-tiles' gateway sets
// DiscardUnknown false), bytes as standard or URL-safe base64 with or without padding, enums as
// name or number, at most one member of a oneof.

const BYTES = 'bytes';
const STRING = 'string';
const KEY_DETAILS = 'keyDetails';
const msg = (fields) => ({ fields });
const field = (json, proto, type, extra = {}) => ({ json, proto, type, ...extra });
const PublicKeyMsg = msg([field('rawBytes', 'raw_bytes', BYTES)]);
const X509CertificateMsg = msg([field('rawBytes', 'raw_bytes', BYTES)]);
const VerifierMsg = msg([
  field('publicKey', 'public_key', PublicKeyMsg, { oneof: 'verifier' }),
  field('x509Certificate', 'x509_certificate', X509CertificateMsg, { oneof: 'verifier' }),
  field('keyDetails', 'key_details', KEY_DETAILS),
]);
const SignatureMsg = msg([field('content', 'content', BYTES), field('verifier', 'verifier', VerifierMsg)]);
const HashedRekordRequestMsg = msg([field('digest', 'digest', BYTES), field('signature', 'signature', SignatureMsg)]);
const DsseSignatureMsg = msg([field('sig', 'sig', BYTES), field('keyid', 'keyid', STRING)]);
const EnvelopeMsg = msg([
  field('payload', 'payload', BYTES),
  field('payloadType', 'payload_type', STRING),
  field('signatures', 'signatures', DsseSignatureMsg, { repeated: true }),
]);
const DsseRequestMsg = msg([field('envelope', 'envelope', EnvelopeMsg), field('verifiers', 'verifiers', VerifierMsg, { repeated: true })]);
const CreateEntryRequestMsg = msg([
  field('hashedRekordRequestV002', 'hashed_rekord_request_v002', HashedRekordRequestMsg, { oneof: 'spec' }),
  field('dsseRequestV002', 'dsse_request_v002', DsseRequestMsg, { oneof: 'spec' }),
]);

const B64_RE = /^[A-Za-z0-9+/_-]*={0,2}$/;
function decodeBytes(value, where) {
  if (typeof value !== 'string' || !B64_RE.test(value) || value.replace(/=+$/, '').length % 4 === 1) {
    throw invalid(`proto: invalid value for bytes field ${where}`, `${where} is not base64`);
  }
  return Buffer.from(value.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
}

function readMessage(schema, value, where) {
  if (value === null) return undefined;
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw invalid(`proto: invalid value for message field ${where}`, `${where} is not an object`);
  }
  const out = {};
  const oneofs = {};
  for (const [name, v] of Object.entries(value)) {
    const f = schema.fields.find((x) => x.json === name || x.proto === name);
    if (!f) throw invalid(`proto: unknown field "${name}"`, `unknown field ${where}.${name}`);
    if (f.json in out) throw invalid(`proto: duplicate field "${name}"`, `duplicate field ${where}.${name}`);
    const here = `${where}.${f.json}`;
    let parsed;
    if (v === null) {
      parsed = undefined;
    } else if (f.repeated) {
      if (!Array.isArray(v)) throw invalid(`proto: invalid value for repeated field ${here}`, `${here} is not a list`);
      parsed = v.map((item, i) => readScalarOrMessage(f, item, `${here}[${i}]`));
    } else {
      parsed = readScalarOrMessage(f, v, here);
    }
    if (parsed === undefined) continue;
    if (f.oneof) {
      if (oneofs[f.oneof]) {
        throw invalid(`proto: oneof ${f.oneof} is already set`, `${where} sets both ${oneofs[f.oneof]} and ${f.json}`);
      }
      oneofs[f.oneof] = f.json;
    }
    out[f.json] = parsed;
  }
  return out;
}

function readScalarOrMessage(f, v, where) {
  if (f.type === BYTES) return decodeBytes(v, where);
  if (f.type === STRING) {
    if (typeof v !== 'string') throw invalid(`proto: invalid value for string field ${where}`, `${where} is not a string`);
    return v;
  }
  if (f.type === KEY_DETAILS) {
    const name = typeof v === 'number' ? pb.PublicKeyDetails[v] : v;
    if (typeof name !== 'string' || !(name in pb.PublicKeyDetails) || /^[0-9]/.test(name)) {
      throw invalid(`proto: invalid value for enum field ${where}`, `${where}: unknown key details ${JSON.stringify(v)}`);
    }
    return name;
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) {
    throw invalid(`proto: invalid value for message field ${where}`, `${where} is not an object`);
  }
  return readMessage(f.type, v, where);
}

// ---------------------------------------------------------------------------------------------
// Signing algorithms: what rekor-tiles' default registry permits (key type and hash), and the
// hash each PublicKeyDetails names (sigstore/sigstore's algorithm details).

const HASH_OF_DETAILS = {
  PKIX_RSA_PKCS1V15_2048_SHA256: 'sha256', PKIX_RSA_PKCS1V15_3072_SHA256: 'sha256', PKIX_RSA_PKCS1V15_4096_SHA256: 'sha256',
  PKIX_RSA_PSS_2048_SHA256: 'sha256', PKIX_RSA_PSS_3072_SHA256: 'sha256', PKIX_RSA_PSS_4096_SHA256: 'sha256',
  PKIX_ECDSA_P256_SHA_256: 'sha256', PKIX_ECDSA_P384_SHA_384: 'sha384', PKIX_ECDSA_P521_SHA_512: 'sha512',
  PKIX_ECDSA_P384_SHA_256: 'sha256', PKIX_ECDSA_P521_SHA_256: 'sha256',
  PKIX_ED25519: null, PKIX_ED25519_PH: 'sha512',
};
const PROTO_HASH = { sha256: 'SHA2_256', sha384: 'SHA2_384', sha512: 'SHA2_512' };
// [key type, curve or modulus bits, hash] combinations of rekor-tiles' default registry.
const PERMITTED = [
  ['rsa', 2048, 'sha256'], ['rsa', 3072, 'sha256'], ['rsa', 4096, 'sha256'],
  ['ec', 'prime256v1', 'sha256'], ['ec', 'secp384r1', 'sha384'], ['ec', 'secp521r1', 'sha512'],
  ['ed25519', null, 'sha512'],
];
function permitted(key, hash, allowPureEd25519) {
  const t = key.asymmetricKeyType;
  if (t === 'ed25519' && hash === null) return allowPureEd25519;
  const size = t === 'rsa' ? key.asymmetricKeyDetails.modulusLength : t === 'ec' ? key.asymmetricKeyDetails.namedCurve : null;
  return PERMITTED.some(([pt, ps, ph]) => pt === t && ps === size && ph === hash);
}

// Verifies a signature over a digest (a prehashed message), as Go's ecdsa.VerifyASN1 and
// rsa.VerifyPKCS1v15 do. Node's crypto.verify always hashes the message itself.
function verifyDigest(key, hash, digest, signature) {
  switch (key.asymmetricKeyType) {
    case 'ec': return ecdsaVerifyDigest(key, digest, signature);
    case 'rsa': return rsaVerifyDigest(key, hash, digest, signature);
    default: throw new Error(`verifying a prehashed ${key.asymmetricKeyType} signature is not implemented by this test log`);
  }
}

const DIGEST_INFO = {
  sha256: Buffer.from('3031300d060960864801650304020105000420', 'hex'),
  sha384: Buffer.from('3041300d060960864801650304020205000430', 'hex'),
  sha512: Buffer.from('3051300d060960864801650304020305000440', 'hex'),
};
function rsaVerifyDigest(key, hash, digest, signature) {
  if (signature.length !== key.asymmetricKeyDetails.modulusLength / 8) return false;
  let recovered;
  try {
    recovered = crypto.publicDecrypt({ key, padding: crypto.constants.RSA_PKCS1_PADDING }, signature);
  } catch {
    return false;
  }
  return recovered.equals(Buffer.concat([DIGEST_INFO[hash], digest]));
}

// ECDSA verification (SEC 1, 4.1.4) over the NIST prime curves, in Jacobian coordinates.
const CURVES = {
  prime256v1: {
    p: 0xffffffff00000001000000000000000000000000ffffffffffffffffffffffffn,
    b: 0x5ac635d8aa3a93e7b3ebbd55769886bc651d06b0cc53b0f63bce3c3e27d2604bn,
    n: 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n,
    gx: 0x6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296n,
    gy: 0x4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5n,
  },
  secp384r1: {
    p: 0xfffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffeffffffff0000000000000000ffffffffn,
    b: 0xb3312fa7e23ee7e4988e056be3f82d19181d9c6efe8141120314088f5013875ac656398d8a2ed19d2a85c8edd3ec2aefn,
    n: 0xffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973n,
    gx: 0xaa87ca22be8b05378eb1c71ef320ad746e1d3b628ba79b9859f741e082542a385502f25dbf55296c3a545e3872760ab7n,
    gy: 0x3617de4a96262c6f5d9e98bf9292dc29f8f41dbd289a147ce9da3113b5f0b8c00a60b1ce1d7e819d7a431d7c90ea0e5fn,
  },
  secp521r1: {
    p: (1n << 521n) - 1n,
    b: 0x0051953eb9618e1c9a1f929a21a0b68540eea2da725b99b315f3b8b489918ef109e156193951ec7e937b1652c0bd3bb1bf073573df883d2c34f1ef451fd46b503f00n,
    n: 0x01fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffa51868783bf2f966b7fcc0148f709a5d03bb5c9b8899c47aebb6fb71e91386409n,
    gx: 0x00c6858e06b70404e9cd9e3ecb662395b4429c648139053fb521f828af606b4d3dbaa14b5e77efe75928fe1dc127a2ffa8de3348b3c1856a429bf97e7e31c2e5bd66n,
    gy: 0x011839296a789a3bc0045c8a5fb42c7d1bd998f54449579b446817afbd17273e662c97ee72995ef42640c550b9013fad0761353c7086a272c24088be94769fd16650n,
  },
};
const mod = (a, m) => { const r = a % m; return r < 0n ? r + m : r; };
function modPow(b, e, m) {
  let r = 1n;
  b = mod(b, m);
  while (e > 0n) {
    if (e & 1n) r = (r * b) % m;
    b = (b * b) % m;
    e >>= 1n;
  }
  return r;
}
const modInv = (a, m) => modPow(a, m - 2n, m); // m is prime
const INFINITY = [1n, 1n, 0n];
function jDouble([x, y, z], p) { // a = -3
  if (z === 0n || y === 0n) return INFINITY;
  const delta = (z * z) % p;
  const gamma = (y * y) % p;
  const beta = (x * gamma) % p;
  const alpha = mod(3n * (x - delta) * (x + delta), p);
  const x3 = mod(alpha * alpha - 8n * beta, p);
  const z3 = mod((y + z) * (y + z) - gamma - delta, p);
  const y3 = mod(alpha * (4n * beta - x3) - 8n * gamma * gamma, p);
  return [x3, y3, z3];
}
function jAdd(a, b, p) {
  if (a[2] === 0n) return b;
  if (b[2] === 0n) return a;
  const [x1, y1, z1] = a;
  const [x2, y2, z2] = b;
  const z1z1 = (z1 * z1) % p;
  const z2z2 = (z2 * z2) % p;
  const u1 = (x1 * z2z2) % p;
  const u2 = (x2 * z1z1) % p;
  const s1 = (y1 * z2 * z2z2) % p;
  const s2 = (y2 * z1 * z1z1) % p;
  if (u1 === u2) return s1 === s2 ? jDouble(a, p) : INFINITY;
  const h = mod(u2 - u1, p);
  const r = mod(s2 - s1, p);
  const hh = (h * h) % p;
  const hhh = (h * hh) % p;
  const x3 = mod(r * r - hhh - 2n * u1 * hh, p);
  const y3 = mod(r * (u1 * hh - x3) - s1 * hhh, p);
  return [x3, y3, (h * z1 * z2) % p];
}
// k1*P1 + k2*P2 (Shamir's trick).
function jMulAdd(k1, p1, k2, p2, p) {
  const both = jAdd(p1, p2, p);
  let acc = INFINITY;
  const bits = Math.max(k1.toString(2).length, k2.toString(2).length);
  for (let i = bits - 1; i >= 0; i--) {
    acc = jDouble(acc, p);
    const b1 = (k1 >> BigInt(i)) & 1n;
    const b2 = (k2 >> BigInt(i)) & 1n;
    if (b1 && b2) acc = jAdd(acc, both, p);
    else if (b1) acc = jAdd(acc, p1, p);
    else if (b2) acc = jAdd(acc, p2, p);
  }
  return acc;
}
// DER SEQUENCE { INTEGER r, INTEGER s }, nothing after it; null when malformed.
function parseEcdsaSignature(der) {
  let i = 0;
  const length = () => {
    if (i >= der.length) return -1;
    const first = der[i++];
    if (first < 0x80) return first;
    const count = first & 0x7f;
    if (count === 0 || count > 2 || i + count > der.length) return -1;
    let len = 0;
    for (let k = 0; k < count; k++) len = len * 256 + der[i++];
    return len < 0x80 ? -1 : len;
  };
  const integer = () => {
    if (der[i++] !== 0x02) return null;
    const len = length();
    if (len <= 0 || i + len > der.length) return null;
    const bytes = der.subarray(i, i + len);
    i += len;
    if (bytes[0] & 0x80) return null; // negative
    if (bytes.length > 1 && bytes[0] === 0 && !(bytes[1] & 0x80)) return null; // not minimal
    return BigInt(`0x${bytes.toString('hex')}`);
  };
  if (der[i++] !== 0x30) return null;
  const seqLen = length();
  if (seqLen < 0 || i + seqLen !== der.length) return null;
  const r = integer();
  const s = r === null ? null : integer();
  return s === null || i !== der.length ? null : { r, s };
}
function ecdsaVerifyDigest(key, digest, signature) {
  const curve = CURVES[key.asymmetricKeyDetails.namedCurve];
  if (!curve) return false;
  const sig = parseEcdsaSignature(signature);
  if (!sig) return false;
  const { n, p } = curve;
  const { r, s } = sig;
  if (r <= 0n || r >= n || s <= 0n || s >= n) return false;
  // The digest's leftmost bits, as many as the order has (Go's hashToInt).
  const orderBits = n.toString(2).length;
  const d = digest.subarray(0, Math.ceil(orderBits / 8));
  let e = d.length ? BigInt(`0x${d.toString('hex')}`) : 0n;
  const excess = d.length * 8 - orderBits;
  if (excess > 0) e >>= BigInt(excess);
  const jwk = key.export({ format: 'jwk' });
  const q = [BigInt(`0x${Buffer.from(jwk.x, 'base64url').toString('hex')}`), BigInt(`0x${Buffer.from(jwk.y, 'base64url').toString('hex')}`), 1n];
  const w = modInv(s, n);
  const point = jMulAdd(mod(e * w, n), [curve.gx, curve.gy, 1n], mod(r * w, n), q, p);
  if (point[2] === 0n) return false;
  const zInv = modInv(point[2], p);
  const x = mod(point[0] * zInv * zInv, p);
  return mod(x, n) === r;
}

// ---------------------------------------------------------------------------------------------
// Entries: a CreateEntryRequest -> the Entry rekor-tiles logs (protobuf JSON, before RFC 8785).

function verifierKey(v, where) {
  const raw = v.publicKey ? v.publicKey.rawBytes : v.x509Certificate ? v.x509Certificate.rawBytes : undefined;
  if (!raw || raw.length === 0) throw new Error(`${where}: missing signature public key or X.509 certificate`);
  if (!v.keyDetails || v.keyDetails === 'PUBLIC_KEY_DETAILS_UNSPECIFIED') throw new Error(`${where}: missing key details`);
  try {
    if (v.publicKey) return crypto.createPublicKey({ key: raw, format: 'der', type: 'spki' });
    if (raw[0] !== 0x30) throw new Error('not DER');
    return new crypto.X509Certificate(raw).publicKey; // DER only: PEM starts with '-'
  } catch (e) {
    throw new Error(`${where}: parsing ${v.publicKey ? 'public key' : 'certificate'}: ${e.message}`);
  }
}

// The verifier as protojson writes it (enum by name, bytes in standard base64).
const verifierJson = (v) => ({
  ...(v.publicKey ? { publicKey: { rawBytes: v.publicKey.rawBytes.toString('base64') } } : {}),
  ...(v.x509Certificate ? { x509Certificate: { rawBytes: v.x509Certificate.rawBytes.toString('base64') } } : {}),
  keyDetails: v.keyDetails,
});

function algorithm(v, key, allowPureEd25519) {
  if (!(v.keyDetails in HASH_OF_DETAILS)) throw new Error(`unsupported key details ${v.keyDetails}`);
  const hash = HASH_OF_DETAILS[v.keyDetails];
  if (!permitted(key, hash, allowPureEd25519)) {
    throw new Error(`unsupported entry algorithm for a ${key.asymmetricKeyType} key with ${v.keyDetails}`);
  }
  return hash;
}

function hashedRekordEntry(hr) {
  const sig = hr.signature;
  if (!sig || !sig.content || sig.content.length === 0) throw new Error('missing signature');
  if (!sig.verifier) throw new Error('missing verifier');
  if (!hr.digest || hr.digest.length === 0) throw new Error('missing digest');
  const key = verifierKey(sig.verifier, 'verifier');
  const hash = algorithm(sig.verifier, key, false);
  if (hash === null) throw new Error(`unsupported signing algorithm ${sig.verifier.keyDetails} for hashedrekord: no associated digest algorithm`);
  const size = crypto.createHash(hash).digest().length;
  if (hr.digest.length !== size) throw new Error(`digest length (${hr.digest.length}) does not match expected size (${size}) for ${hash}`);
  if (!verifyDigest(key, hash, hr.digest, sig.content)) throw new Error('verifying signature: invalid signature');
  return {
    kind: 'hashedrekord', apiVersion: '0.0.2',
    spec: { hashedRekordV002: {
      data: { algorithm: PROTO_HASH[hash], digest: hr.digest.toString('base64') },
      signature: { content: sig.content.toString('base64'), verifier: verifierJson(sig.verifier) },
    } },
  };
}

const pae = (type, payload) => Buffer.concat([Buffer.from(`DSSEv1 ${Buffer.byteLength(type)} ${type} ${payload.length} `), payload]);
const MAX_DSSE_ITEMS = 10;

// rekor-tiles up to v2.2: every verifier must verify at least one signature and every signature
// must be verified by some verifier; signatures are logged sorted by their raw bytes, each with
// the verifier that verified it.
function dsseEntry(ds) {
  const env = ds.envelope;
  if (!env) throw new Error('missing envelope');
  const verifiers = ds.verifiers || [];
  const sigs = env.signatures || [];
  if (verifiers.length === 0) throw new Error('missing verifiers');
  if (verifiers.length > MAX_DSSE_ITEMS) throw new Error(`too many verifiers: ${verifiers.length}`);
  if (sigs.length === 0) throw new Error('envelope missing signatures');
  if (sigs.length > MAX_DSSE_ITEMS) throw new Error(`too many signatures: ${sigs.length}`);
  if (sigs.some((s) => !s.sig || s.sig.length === 0)) throw new Error('envelope signature empty');
  const payload = env.payload || Buffer.alloc(0);
  const message = pae(env.payloadType || '', payload);
  const verifiedBy = new Map(); // signature (hex) -> verifier
  verifiers.forEach((v, i) => {
    const key = verifierKey(v, `verifiers[${i}]`);
    const hash = algorithm(v, key, true);
    const accepted = sigs.filter((s) => { try { return crypto.verify(hash, message, key, s.sig); } catch { return false; } });
    if (accepted.length === 0) throw new Error(`could not verify envelope with verifiers[${i}]`);
    for (const s of accepted) if (!verifiedBy.has(s.sig.toString('hex'))) verifiedBy.set(s.sig.toString('hex'), v);
  });
  if (sigs.some((s) => !verifiedBy.has(s.sig.toString('hex')))) throw new Error('all signatures must have a key that verifies it');
  const signatures = [...verifiedBy.keys()].sort((a, b) => Buffer.compare(Buffer.from(a, 'hex'), Buffer.from(b, 'hex')))
    .map((hex) => ({ content: Buffer.from(hex, 'hex').toString('base64'), verifier: verifierJson(verifiedBy.get(hex)) }));
  return {
    kind: 'dsse', apiVersion: '0.0.2',
    spec: { dsseV002: {
      payloadHash: { algorithm: 'SHA2_256', digest: crypto.createHash('sha256').update(payload).digest('base64') },
      signatures,
    } },
  };
}

// RFC 8785 for these values (objects and strings only): keys sorted, no whitespace.
function canonicalJson(v) {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (v && typeof v === 'object') return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${canonicalJson(v[k])}`).join(',')}}`;
  return JSON.stringify(v);
}

// ---------------------------------------------------------------------------------------------
// RFC 6962 tree.

const { sha256, leafHash, treeHash, auditPath } = require('./merkle');

// ---------------------------------------------------------------------------------------------
// Signed notes (C2SP signed-note, tlog-checkpoint, tlog-cosignature).

const ALG_ED25519 = 0x01;
const ALG_COSIGNATURE_V1 = 0x04;
const rawEd25519 = (publicKey) => publicKey.export({ format: 'der', type: 'spki' }).subarray(-32);
// The full key ID; a signature line carries its first 4 bytes.
const noteKeyId = (name, alg, publicKey) => sha256(Buffer.from(`${name}\n`), Buffer.from([alg]), rawEd25519(publicKey));
function noteSignatureLine(name, keyId, signature) {
  return `\u2014 ${name} ${Buffer.concat([keyId.subarray(0, 4), signature]).toString('base64')}\n`;
}

// ---------------------------------------------------------------------------------------------
// The log.

const TILE_WIDTH = 256;
// N as zero-padded 3-digit path elements, all but the last prefixed with `x`.
function tileIndexPath(n) {
  const groups = [];
  do { groups.unshift(String(n % 1000).padStart(3, '0')); n = Math.floor(n / 1000); } while (n > 0);
  return groups.map((g, i) => (i < groups.length - 1 ? `x${g}` : g)).join('/');
}
// "x001/x234/067[.p/W]" -> {index, width|null}; null when not in canonical form.
function parseTileIndex(text) {
  const m = /^((?:x\d{3}\/)*)(\d{3})(?:\.p\/([1-9]\d{0,2}))?$/.exec(text);
  if (!m) return null;
  const digits = `${m[1].replace(/[x/]/g, '')}${m[2]}`;
  const index = Number(digits);
  if (!Number.isSafeInteger(index) || tileIndexPath(index) !== `${m[1]}${m[2]}`) return null;
  const width = m[3] === undefined ? null : Number(m[3]);
  if (width !== null && width >= TILE_WIDTH) return null;
  return { index, width };
}

/**
 * A Rekor v2 log.
 * options: baseUrl (the log's URL, e.g. http://127.0.0.1:PORT/rekor2), logKey and witnessKey
 * ({privateKey, publicKey} Ed25519), witnessName, seedEntries (genuine hashedrekord entries
 * signed by a throwaway key, so that proofs are never trivial), acceptDsse (rekor-tiles up to
 * v2.2 took dsseRequestV002; v2.3 and later refuse it), log (reason logger).
 */
function createRekorV2(options) {
  const origin = options.baseUrl.replace(/^[a-z]+:\/\//, '').replace(/\/+$/, '');
  const logKey = options.logKey;
  const witnessKey = options.witnessKey;
  const witnessName = options.witnessName;
  const logId = noteKeyId(origin, ALG_ED25519, logKey.publicKey);
  const witnessKeyId = noteKeyId(witnessName, ALG_COSIGNATURE_V1, witnessKey.publicKey);
  const log = options.log || (() => {});

  const entries = []; // canonical bodies
  const leaves = []; // their leaf hashes
  const indexByLeaf = new Map(); // leaf hash hex -> index (tessera's antispam)
  let checkpoint = null; // {size, root, text}

  function signCheckpoint() {
    const root = treeHash(leaves);
    const body = `${origin}\n${leaves.length}\n${root.toString('base64')}\n`;
    const logSig = crypto.sign(null, Buffer.from(body), logKey.privateKey);
    const time = BigInt(Math.floor(Date.now() / 1000));
    const cosigned = Buffer.from(`cosignature/v1\ntime ${time}\n${body}`);
    const stamp = Buffer.alloc(8);
    stamp.writeBigUInt64BE(time);
    const cosig = Buffer.concat([stamp, crypto.sign(null, cosigned, witnessKey.privateKey)]);
    const text = `${body}\n${noteSignatureLine(origin, logId, logSig)}${noteSignatureLine(witnessName, witnessKeyId, cosig)}`;
    checkpoint = { size: leaves.length, root, text };
  }

  function append(body) {
    const leaf = leafHash(body);
    const known = indexByLeaf.get(leaf.toString('hex'));
    if (known !== undefined) {
      throw new RekorV2Error(GRPC.ALREADY_EXISTS, `an equivalent entry already exists in the transparency log with index ${known}`,
        'duplicate entry', { 'x-log-index': String(known) });
    }
    if (body.length > 0xffff) throw invalid('invalid entry', `entry of ${body.length} bytes does not fit an entry bundle`);
    indexByLeaf.set(leaf.toString('hex'), leaves.length);
    entries.push(body);
    leaves.push(leaf);
    signCheckpoint();
    return leaves.length - 1;
  }

  // The TransparencyLogEntry as rekor-tiles' gateway writes it (EmitUnpopulated).
  function transparencyLogEntry(index, kind, version) {
    return {
      logIndex: String(index),
      logId: { keyId: logId.toString('base64') },
      kindVersion: { kind, version },
      integratedTime: '0',
      inclusionPromise: null,
      inclusionProof: {
        logIndex: String(index),
        rootHash: checkpoint.root.toString('base64'),
        treeSize: String(checkpoint.size),
        hashes: auditPath(index, leaves, 0, checkpoint.size).map((h) => h.toString('base64')),
        checkpoint: { envelope: checkpoint.text },
      },
      canonicalizedBody: entries[index].toString('base64'),
    };
  }

  function createEntry(bodyBytes) {
    let json;
    try {
      json = JSON.parse(bodyBytes.toString('utf8'));
    } catch (e) {
      throw invalid(`proto: syntax error: ${e.message}`, 'request body is not JSON');
    }
    const req = readMessage(CreateEntryRequestMsg, json, 'CreateEntryRequest');
    if (!req || (!req.hashedRekordRequestV002 && !req.dsseRequestV002) || (req.dsseRequestV002 && !options.acceptDsse)) {
      throw invalid(options.acceptDsse ? 'invalid type, must be either hashedrekord or dsse' : 'invalid type, must be hashedrekord',
        'no hashedRekordRequestV002');
    }
    const kind = req.hashedRekordRequestV002 ? 'hashedrekord' : 'dsse';
    let entry;
    try {
      entry = kind === 'hashedrekord' ? hashedRekordEntry(req.hashedRekordRequestV002) : dsseEntry(req.dsseRequestV002);
    } catch (e) {
      throw invalid(`invalid ${kind} request`, e.message);
    }
    const index = append(Buffer.from(canonicalJson(entry)));
    return transparencyLogEntry(index, entry.kind, entry.apiVersion);
  }

  // Tiles of the current tree: level-L hashes are the roots of its complete 256^L-leaf subtrees.
  function tile(level, index, width) {
    const span = TILE_WIDTH ** level;
    const available = Math.floor(leaves.length / span);
    const count = width === null ? TILE_WIDTH : width;
    if (index * TILE_WIDTH + count > available) return null;
    const out = [];
    for (let i = 0; i < count; i++) {
      const start = (index * TILE_WIDTH + i) * span;
      out.push(span === 1 ? leaves[start] : treeHash(leaves, start, start + span));
    }
    return Buffer.concat(out);
  }
  function entryBundle(index, width) {
    const count = width === null ? TILE_WIDTH : width;
    if (index * TILE_WIDTH + count > entries.length) return null;
    return Buffer.concat(entries.slice(index * TILE_WIDTH, index * TILE_WIDTH + count).flatMap((e) => {
      const len = Buffer.alloc(2);
      len.writeUInt16BE(e.length);
      return [len, e];
    }));
  }

  const notFound = () => ({ statusCode: 404, response: { code: GRPC.NOT_FOUND, message: 'Not Found', details: [] } });
  const octets = (bytes) => (bytes ? { statusCode: 200, response: bytes, contentType: 'application/octet-stream',
    headers: { 'Cache-Control': 'public, max-age=31536000, immutable' } } : notFound());

  // `p` is the path below the log's prefix ("/checkpoint", "/api/v2/log/entries", ...).
  function handle(method, p, body) {
    try {
      if (p === '/api/v2/log/entries') {
        if (method !== 'POST') return { statusCode: 405, response: { code: 12, message: 'Method Not Allowed', details: [] } };
        return { statusCode: 201, response: createEntry(body) };
      }
      if (method !== 'GET') return notFound();
      const read = p.startsWith('/api/v2/') ? p.slice('/api/v2'.length) : p;
      if (read === '/checkpoint') {
        return { statusCode: 200, response: checkpoint.text, contentType: 'text/plain; charset=utf-8', headers: { 'Cache-Control': 'no-cache' } };
      }
      const entriesMatch = /^\/tile\/entries\/(.+)$/.exec(read);
      if (entriesMatch) {
        const t = parseTileIndex(entriesMatch[1]);
        return t ? octets(entryBundle(t.index, t.width)) : notFound();
      }
      const tileMatch = /^\/tile\/(0|[1-9]\d?)\/(.+)$/.exec(read);
      if (tileMatch && Number(tileMatch[1]) <= 63) {
        const t = parseTileIndex(tileMatch[2]);
        return t ? octets(tile(Number(tileMatch[1]), t.index, t.width)) : notFound();
      }
      return notFound();
    } catch (e) {
      if (!(e instanceof RekorV2Error)) throw e;
      if (e.reason) log(`rekor v2: ${e.reason}`);
      return e.reply();
    }
  }

  // Seed entries: genuine hashedrekord entries (a throwaway P-256 key's signatures), created
  // through the same path as clients' so the verification above is exercised at every start.
  const seedKey = crypto.generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const seedSpki = seedKey.publicKey.export({ format: 'der', type: 'spki' });
  for (let i = 0; i < (options.seedEntries ?? 5); i++) {
    const data = Buffer.from(`seed entry ${i} of the local Rekor v2 log`);
    const request = { hashedRekordRequestV002: {
      digest: sha256(data).toString('base64'),
      signature: { content: crypto.sign('sha256', data, seedKey.privateKey).toString('base64'),
        verifier: { publicKey: { rawBytes: seedSpki.toString('base64') }, keyDetails: 'PKIX_ECDSA_P256_SHA_256' } },
    } };
    const r = handle('POST', '/api/v2/log/entries', Buffer.from(JSON.stringify(request)));
    if (r.statusCode !== 201) throw new Error(`the Rekor v2 log refused its own seed entry: ${JSON.stringify(r.response)}`);
  }
  if (!checkpoint) signCheckpoint();

  return {
    origin, logId, handle,
    publicKeySpki: logKey.publicKey.export({ format: 'der', type: 'spki' }),
    witness: { name: witnessName, keyId: witnessKeyId, publicKeySpki: witnessKey.publicKey.export({ format: 'der', type: 'spki' }) },
  };
}

module.exports = { createRekorV2, tileIndexPath };
