//! cosign's key-pair files: the password-protected private key (`cosign.key`) and the public key
//! (`cosign.pub`), read and written so that cosign and sigseal can use each other's files, and
//! the password they are sealed with (typed on the terminal through `identity::terminal`).
//!
//! The private key file is one PEM block labelled `ENCRYPTED SIGSTORE PRIVATE KEY` (older cosign
//! releases wrote `ENCRYPTED COSIGN PRIVATE KEY`; both are read, the first is written). Its body
//! is compact JSON, fields in this order, byte strings in standard padded base64:
//!
//! ```text
//! {"kdf":{"name":"scrypt","params":{"N":32768,"r":8,"p":1},"salt":"<32 bytes>"},
//!  "cipher":{"name":"nacl/secretbox","nonce":"<24 bytes>"},"ciphertext":"<bytes>"}
//! ```
//!
//! The secretbox key is `scrypt(password, salt, N, r, p, 32)`; the sealed plaintext is the
//! PKCS#8 DER of the private key, sealed as `NaCl` does it (XSalsa20-Poly1305, the 16-byte tag
//! first). The public key file is a `PUBLIC KEY` block holding the `SubjectPublicKeyInfo` DER.
//! Bodies are wrapped at 64 columns and each file ends with a newline, as Go's `encoding/pem`
//! writes them.
//!
//! Reading is bounded: a file cannot make sigseal spend more than 256 MiB or a few seconds on
//! key derivation, and unknown algorithms are refused rather than guessed at. The password, the
//! derived key and the plaintext private key live only in [`Zeroizing`] buffers; nothing here
//! prints them.

use std::ffi::OsString;
use std::fmt;

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use crypto_secretbox::aead::{AeadInPlace, KeyInit};
use crypto_secretbox::XSalsa20Poly1305;
use p256::pkcs8::{EncodePrivateKey, EncodePublicKey, PrivateKeyInfo};
use rand_core::{OsRng, RngCore};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::error::{Error, Result};
pub use crate::keyless::public_key_of;

/// PEM label of the private key files sigseal writes (cosign's current label).
pub const PRIVATE_KEY_LABEL: &str = "ENCRYPTED SIGSTORE PRIVATE KEY";
/// PEM label older cosign releases wrote; still accepted when reading.
pub const LEGACY_PRIVATE_KEY_LABEL: &str = "ENCRYPTED COSIGN PRIVATE KEY";
/// PEM label of public key files (`cosign.pub`).
pub const PUBLIC_KEY_LABEL: &str = "PUBLIC KEY";
/// Environment variable holding the key password; read first.
pub const PASSWORD_ENV: &str = "SIGSEAL_PASSWORD";
/// cosign's environment variable for the key password; read when [`PASSWORD_ENV`] is unset.
pub const COSIGN_PASSWORD_ENV: &str = "COSIGN_PASSWORD";

const KDF_SCRYPT: &str = "scrypt";
const CIPHER_SECRETBOX: &str = "nacl/secretbox";

/// scrypt cost of new files: N = 2^15, r = 8, p = 1. These are cosign's original parameters,
/// which every cosign release reads (newer ones also read and write N = 2^16).
const WRITE_LOG_N: u8 = 15;
const WRITE_R: u32 = 8;
const WRITE_P: u32 = 1;

const SALT_LEN: usize = 32;
const NONCE_LEN: usize = 24;
const TAG_LEN: usize = 16;
const KEY_LEN: usize = 32;

/// Largest N read: 2^20.
const MAX_LOG_N: u32 = 20;
const MAX_R: u64 = 32;
const MAX_P: u64 = 16;
/// scrypt holds 128·N·r bytes: N·r ≤ 2^21 keeps that at 256 MiB or less.
const MAX_N_TIMES_R: u64 = 1 << 21;
/// Its work grows with N·r·p: 2^22 is four times the strongest setting cosign knows
/// (N = 2^17, r = 8, p = 1).
const MAX_WORK: u64 = 1 << 22;
/// Key files are well under 1 KiB; anything this large is not one.
const MAX_FILE_LEN: usize = 64 * 1024;
const MAX_SALT_LEN: usize = 1024;
/// Longest password read from the terminal.
const MAX_PASSWORD_LEN: usize = 4096;

/// A freshly generated pair, both as file contents.
pub struct GeneratedPair {
    /// The password-protected private key file (`cosign.key`), an `ENCRYPTED SIGSTORE PRIVATE
    /// KEY` PEM block. Encrypted, but kept out of logs and wiped on drop all the same.
    pub private_pem: Zeroizing<String>,
    /// The public key file (`cosign.pub`), a `PUBLIC KEY` PEM block.
    pub public_pem: String,
}

impl fmt::Debug for GeneratedPair {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GeneratedPair")
            .field("private_pem", &"<encrypted private key>")
            .field("public_pem", &self.public_pem)
            .finish()
    }
}

/// The JSON inside the private key PEM block. Field order is the order cosign (Go's
/// `encoding/json` over go-securesystemslib's `encrypted` structs) writes.
#[derive(Serialize, Deserialize)]
struct Envelope {
    kdf: Kdf,
    cipher: Cipher,
    ciphertext: String,
}

#[derive(Serialize, Deserialize)]
struct Kdf {
    name: String,
    params: ScryptParams,
    salt: String,
}

#[derive(Serialize, Deserialize)]
struct ScryptParams {
    #[serde(rename = "N")]
    n: u64,
    r: u64,
    p: u64,
}

#[derive(Serialize, Deserialize)]
struct Cipher {
    name: String,
    nonce: String,
}

/// A new ECDSA P-256 key pair, the private half sealed with `password` (scrypt N=32768, r=8,
/// p=1, fresh random salt and nonce), as cosign's `generate-key-pair` writes it.
pub fn generate(password: &[u8]) -> Result<GeneratedPair> {
    let secret = random_secret_key()?;
    let pkcs8 = secret
        .to_pkcs8_der()
        .map_err(|e| Error::Crypto("encoding the new private key as PKCS#8 failed".into()).because(e))?;
    let private_pem = seal(pkcs8.as_bytes(), password, WRITE_LOG_N, WRITE_R, WRITE_P)?;
    let spki = secret
        .public_key()
        .to_public_key_der()
        .map_err(|e| Error::Crypto("encoding the new public key failed".into()).because(e))?;
    let public_pem = crate::pem::encode(PUBLIC_KEY_LABEL, spki.as_bytes());
    Ok(GeneratedPair { private_pem, public_pem })
}

/// The PKCS#8 DER private key inside a cosign private key file, opened with `password`.
///
/// `origin` names the file in messages. A wrong password (or a damaged ciphertext, which cannot
/// be told apart from one) is [`Error::WrongPassword`]; a file that is not a cosign key file at all, or
/// asks for an unknown algorithm or an unreasonable scrypt cost, is [`Error::Key`].
pub fn decrypt(pem: &str, password: &[u8], origin: &str) -> Result<Zeroizing<Vec<u8>>> {
    let json = private_key_body(pem, origin)?;
    let plain = open_envelope(&json, password, origin)?;
    PrivateKeyInfo::try_from(plain.as_slice()).map_err(|e| {
        Error::Key(format!(
            "{origin} opened with the password, but what it holds is not a PKCS#8 private key ({e}); cosign \
             cannot use this file either"
        ))
    })?;
    Ok(plain)
}

/// The scrypt work (N·r·p) a private key file asks for, after every check [`decrypt`] makes
/// before it derives a key (PEM block, JSON, algorithms, cost bounds, field sizes). Lets the
/// fuzz targets skip the derivation when it would be slow.
#[doc(hidden)]
pub fn scrypt_work(pem: &str, origin: &str) -> Result<u64> {
    let json = private_key_body(pem, origin)?;
    let checked = check_envelope(&json, origin)?;
    Ok((1u64 << checked.log_n) * u64::from(checked.r) * u64::from(checked.p))
}

/// An envelope whose algorithms, scrypt cost and field sizes passed the checks.
struct CheckedEnvelope {
    log_n: u8,
    r: u32,
    p: u32,
    salt: Vec<u8>,
    nonce: [u8; NONCE_LEN],
    sealed: Vec<u8>,
}

/// The plaintext sealed in cosign's encrypted-key JSON (go-securesystemslib's `encrypted`
/// format), checked for known algorithms and bounded scrypt cost before any work is done.
fn open_envelope(json: &[u8], password: &[u8], origin: &str) -> Result<Zeroizing<Vec<u8>>> {
    let CheckedEnvelope { log_n, r, p, salt, nonce, sealed } = check_envelope(json, origin)?;
    let key = derive_key(password, &salt, log_n, r, p)?;
    let (tag, body) = sealed.split_at(TAG_LEN);
    let mut plain = Zeroizing::new(body.to_vec());
    XSalsa20Poly1305::new(key.as_ref().into())
        .decrypt_in_place_detached(&nonce.into(), b"", plain.as_mut_slice(), tag.into())
        .map_err(|_| {
            Error::WrongPassword(format!(
                "the password does not open {origin}: wrong password or damaged file; give the password \
                 the key was made with (check {PASSWORD_ENV} and {COSIGN_PASSWORD_ENV} if either is set)"
            ))
        })?;
    Ok(plain)
}

/// Parse cosign's encrypted-key JSON and check it without deriving any key.
fn check_envelope(json: &[u8], origin: &str) -> Result<CheckedEnvelope> {
    let envelope: Envelope = serde_json::from_slice(json).map_err(|e| {
        Error::Key(format!(
            "{origin}: the private key block does not hold cosign's encrypted-key JSON ({e}); the file is \
             damaged or was not written by cosign"
        ))
    })?;
    if envelope.kdf.name != KDF_SCRYPT {
        return Err(Error::Key(format!(
            "{origin} derives its key with `{}`, which sigseal does not know (cosign uses `{KDF_SCRYPT}`); the \
             file was not written by cosign or sigseal",
            printable(&envelope.kdf.name)
        )));
    }
    if envelope.cipher.name != CIPHER_SECRETBOX {
        return Err(Error::Key(format!(
            "{origin} is encrypted with `{}`, which sigseal does not know (cosign uses `{CIPHER_SECRETBOX}`); \
             the file was not written by cosign or sigseal",
            printable(&envelope.cipher.name)
        )));
    }
    let (log_n, r, p) = checked_scrypt_params(&envelope.kdf.params, origin)?;
    let salt = field_bytes(&envelope.kdf.salt, "scrypt salt", origin)?;
    if salt.len() > MAX_SALT_LEN {
        return Err(Error::Key(format!(
            "{origin}: the scrypt salt is {} bytes (cosign writes {SALT_LEN}); the file is damaged",
            salt.len()
        )));
    }
    let nonce = field_bytes(&envelope.cipher.nonce, "secretbox nonce", origin)?;
    let nonce: [u8; NONCE_LEN] = nonce.as_slice().try_into().map_err(|_| {
        Error::Key(format!(
            "{origin}: the secretbox nonce is {} bytes, not {NONCE_LEN}; the file is damaged",
            nonce.len()
        ))
    })?;
    let sealed = field_bytes(&envelope.ciphertext, "ciphertext", origin)?;
    if sealed.len() <= TAG_LEN {
        return Err(Error::Key(format!(
            "{origin}: the ciphertext is {} bytes, too short to hold a sealed key; the file is damaged",
            sealed.len()
        )));
    }
    Ok(CheckedEnvelope { log_n, r, p, salt, nonce, sealed })
}

/// The `SubjectPublicKeyInfo` DER in a `PUBLIC KEY` PEM file such as `cosign.pub`.
///
/// The structure is checked, the algorithm is not: cosign public keys may be ECDSA, RSA or
/// Ed25519, and the verifier says which it accepts.
pub fn public_key_der(pem: &str, origin: &str) -> Result<Vec<u8>> {
    if pem.len() > MAX_FILE_LEN {
        return Err(Error::Key(format!(
            "{origin} is {} bytes, too large for a public key file; give the .pub file written by \
             `cosign generate-key-pair` or `sigseal generate-key-pair`",
            pem.len()
        )));
    }
    let der = match find_block(pem, &[PUBLIC_KEY_LABEL]) {
        Found::Block(body) => body,
        Found::Broken { label, reason } => {
            return Err(Error::Key(format!("{origin}: the `{label}` block {reason}; the file is damaged")))
        }
        Found::Other(label) if label.ends_with("PRIVATE KEY") => {
            return Err(Error::Key(format!(
                "{origin} holds a private key (`{label}`); verifying needs the public key file, e.g. cosign.pub"
            )))
        }
        Found::Other(label) => {
            return Err(Error::Key(format!(
                "{origin} holds a `{label}` PEM block, not a `{PUBLIC_KEY_LABEL}`; give the .pub file written by \
                 `cosign generate-key-pair` or `sigseal generate-key-pair`"
            )))
        }
        Found::Nothing => {
            return Err(Error::Key(format!(
                "{origin} is not a PEM public key file (no `-----BEGIN {PUBLIC_KEY_LABEL}-----` line); give the \
                 .pub file written by `cosign generate-key-pair` or `sigseal generate-key-pair`"
            )))
        }
    };
    p256::pkcs8::spki::SubjectPublicKeyInfoRef::try_from(der.as_slice()).map_err(|e| {
        Error::Key(format!(
            "{origin}: the `{PUBLIC_KEY_LABEL}` block is not a SubjectPublicKeyInfo ({e}); the file is damaged"
        ))
    })?;
    Ok(der)
}

/// The key password: [`PASSWORD_ENV`], else [`COSIGN_PASSWORD_ENV`] (an empty value is an empty
/// password, as with cosign), else typed on the terminal without echo. With `confirm` (making a
/// new key) the terminal asks twice and the two must match. `what` names the password in prompts
/// and messages, e.g. "the password for cosign.key" (the prompt is "Enter {what}: ").
pub fn read_password(confirm: bool, what: &str) -> Result<Zeroizing<Vec<u8>>> {
    if let Some(password) = password_from_env(|name| std::env::var_os(name)) {
        return Ok(password);
    }
    let tty = crate::identity::terminal::PasswordTerminal::open().ok_or_else(|| {
        Error::Usage(format!(
            "cannot ask for {what}: there is no terminal, and neither {PASSWORD_ENV} nor \
             {COSIGN_PASSWORD_ENV} is set; set {PASSWORD_ENV} to the password (an empty value means no password)"
        ))
    })?;
    let instead = format!("set {PASSWORD_ENV}");
    let first = tty.ask(&format!("Enter {what}: "), what, MAX_PASSWORD_LEN, &instead)?;
    if !confirm {
        return Ok(first);
    }
    let second = tty.ask(&format!("Enter {what} again: "), what, MAX_PASSWORD_LEN, &instead)?;
    if first.as_slice() != second.as_slice() {
        return Err(Error::Usage(format!(
            "the two entries of {what} differ; run the command again and type the same password twice"
        )));
    }
    Ok(first)
}

/// The password from the first of [`PASSWORD_ENV`], [`COSIGN_PASSWORD_ENV`] that is set.
fn password_from_env(get: impl Fn(&str) -> Option<OsString>) -> Option<Zeroizing<Vec<u8>>> {
    use std::os::unix::ffi::OsStringExt;
    [PASSWORD_ENV, COSIGN_PASSWORD_ENV].into_iter().find_map(get).map(|value| Zeroizing::new(value.into_vec()))
}

/// A new P-256 secret scalar from the operating system's generator (retrying the ~2^-32 chance
/// of an out-of-range value), without the panicking paths of `SecretKey::random`.
fn random_secret_key() -> Result<p256::SecretKey> {
    for _ in 0..8 {
        let mut bytes = Zeroizing::new([0u8; 32]);
        fill_random(bytes.as_mut())?;
        if let Ok(secret) = p256::SecretKey::from_slice(bytes.as_ref()) {
            return Ok(secret);
        }
    }
    Err(Error::Crypto("the random generator kept producing invalid P-256 keys; try again".into()))
}

fn fill_random(buf: &mut [u8]) -> Result<()> {
    OsRng
        .try_fill_bytes(buf)
        .map_err(|e| Error::Crypto("the operating system's random generator failed".into()).because(e))
}

/// The private key file for `pkcs8` sealed with `password` at scrypt cost (2^`log_n`, `r`, `p`).
fn seal(pkcs8: &[u8], password: &[u8], log_n: u8, r: u32, p: u32) -> Result<Zeroizing<String>> {
    let mut salt = [0u8; SALT_LEN];
    fill_random(&mut salt)?;
    let mut nonce = [0u8; NONCE_LEN];
    fill_random(&mut nonce)?;
    let key = derive_key(password, &salt, log_n, r, p)?;

    let mut sealed = Zeroizing::new(vec![0u8; TAG_LEN + pkcs8.len()]);
    sealed[TAG_LEN..].copy_from_slice(pkcs8);
    let tag = XSalsa20Poly1305::new(key.as_ref().into())
        .encrypt_in_place_detached(&nonce.into(), b"", &mut sealed[TAG_LEN..])
        .map_err(|_| Error::Crypto("sealing the private key failed".into()))?;
    sealed[..TAG_LEN].copy_from_slice(&tag);

    let envelope = Envelope {
        kdf: Kdf {
            name: KDF_SCRYPT.into(),
            params: ScryptParams { n: 1u64 << log_n, r: r.into(), p: p.into() },
            salt: STANDARD.encode(salt),
        },
        cipher: Cipher { name: CIPHER_SECRETBOX.into(), nonce: STANDARD.encode(nonce) },
        ciphertext: STANDARD.encode(sealed.as_slice()),
    };
    let json = serde_json::to_vec(&envelope)
        .map_err(|e| Error::Crypto("encoding the private key file failed".into()).because(e))?;
    Ok(Zeroizing::new(crate::pem::encode(PRIVATE_KEY_LABEL, &json)))
}

fn derive_key(password: &[u8], salt: &[u8], log_n: u8, r: u32, p: u32) -> Result<Zeroizing<[u8; KEY_LEN]>> {
    let params = scrypt::Params::new(log_n, r, p, KEY_LEN)
        .map_err(|e| Error::Crypto(format!("scrypt refused N=2^{log_n}, r={r}, p={p}: {e}")))?;
    let mut key = Zeroizing::new([0u8; KEY_LEN]);
    scrypt::scrypt(password, salt, &params, key.as_mut())
        .map_err(|e| Error::Crypto(format!("scrypt key derivation failed: {e}")))?;
    Ok(key)
}

/// `(log2 N, r, p)` when the file's scrypt cost is within bounds, else why not.
fn checked_scrypt_params(params: &ScryptParams, origin: &str) -> Result<(u8, u32, u32)> {
    let ScryptParams { n, r, p } = *params;
    let log_n = n.trailing_zeros();
    let fits = n.is_power_of_two()
        && (1..=MAX_LOG_N).contains(&log_n)
        && (1..=MAX_R).contains(&r)
        && (1..=MAX_P).contains(&p)
        && n.saturating_mul(r) <= MAX_N_TIMES_R
        && n.saturating_mul(r).saturating_mul(p) <= MAX_WORK;
    match (fits, u8::try_from(log_n), u32::try_from(r), u32::try_from(p)) {
        (true, Ok(log_n), Ok(r), Ok(p)) => Ok((log_n, r, p)),
        _ => Err(Error::Key(format!(
            "{origin} asks for scrypt cost N={n}, r={r}, p={p}, beyond what sigseal accepts (N a power of two \
             up to 2^{MAX_LOG_N}, r up to {MAX_R}, p up to {MAX_P}, at most 256 MiB of memory); cosign writes \
             N=32768 or 65536 with r=8, p=1, so this file is damaged or was crafted to exhaust memory"
        ))),
    }
}

fn field_bytes(b64: &str, what: &str, origin: &str) -> Result<Vec<u8>> {
    STANDARD
        .decode(b64)
        .map_err(|e| Error::Key(format!("{origin}: the {what} is not base64 ({e}); the file is damaged")))
}

/// The base64-decoded body of the private key block, with a precise message for every other
/// kind of file.
fn private_key_body(pem: &str, origin: &str) -> Result<Vec<u8>> {
    const MAKE: &str = "give the .key file written by `cosign generate-key-pair` or `sigseal generate-key-pair`";
    if pem.len() > MAX_FILE_LEN {
        return Err(Error::Key(format!(
            "{origin} is {} bytes, too large for a cosign private key file (they are under 1 KiB); {MAKE}",
            pem.len()
        )));
    }
    match find_block(pem, &[PRIVATE_KEY_LABEL, LEGACY_PRIVATE_KEY_LABEL]) {
        Found::Block(body) => Ok(body),
        Found::Broken { label, reason } => {
            Err(Error::Key(format!("{origin}: the `{label}` block {reason}; the file is damaged")))
        }
        Found::Other(label) if label == PUBLIC_KEY_LABEL => Err(Error::Key(format!(
            "{origin} holds a public key; signing needs the private key file, e.g. cosign.key rather than cosign.pub"
        ))),
        Found::Other(label) if label.ends_with("PRIVATE KEY") => Err(Error::Key(format!(
            "{origin} holds an unencrypted `{label}`; sigseal reads private keys only in cosign's \
             password-protected format: convert it with `cosign import-key-pair --key {origin}`"
        ))),
        Found::Other(label) => Err(Error::Key(format!(
            "{origin} holds a `{label}` PEM block, not a cosign private key (`{PRIVATE_KEY_LABEL}`); {MAKE}"
        ))),
        Found::Nothing => Err(Error::Key(format!(
            "{origin} is not a cosign private key file (no `-----BEGIN {PRIVATE_KEY_LABEL}-----` line); {MAKE}"
        ))),
    }
}

/// What a search for a PEM block found.
enum Found {
    /// A block with one of the wanted labels: its decoded body.
    Block(Vec<u8>),
    /// A block with a wanted label that cannot be read, and why.
    Broken { label: String, reason: &'static str },
    /// No wanted block; the first label seen.
    Other(String),
    /// No PEM block at all.
    Nothing,
}

/// The first PEM block with one of `wanted` labels. Lenient as Go's `encoding/pem` is about
/// surrounding text, line endings and line lengths; PEM headers (which cosign never writes) are
/// refused.
fn find_block(text: &str, wanted: &[&str]) -> Found {
    const BEGIN: &str = "-----BEGIN ";
    const DASHES: &str = "-----";
    let mut first_label = None;
    for (at, _) in text.match_indices(BEGIN) {
        let rest = &text[at + BEGIN.len()..];
        let Some(label_len) = rest.find(DASHES) else { continue };
        let label = &rest[..label_len];
        if label.contains(['\n', '\r']) {
            continue;
        }
        if !wanted.contains(&label) {
            first_label.get_or_insert(label);
            continue;
        }
        let body_and_rest = &rest[label_len + DASHES.len()..];
        let end = format!("-----END {label}-----");
        let Some(body_len) = body_and_rest.find(&end) else {
            return Found::Broken { label: label.into(), reason: "has no END line (the file is cut short)" };
        };
        let body = &body_and_rest[..body_len];
        if body.contains(':') {
            return Found::Broken { label: label.into(), reason: "has PEM headers, which cosign never writes" };
        }
        let compact: String = body.chars().filter(|c| !c.is_ascii_whitespace()).collect();
        return match STANDARD.decode(compact) {
            Ok(body) if !body.is_empty() => Found::Block(body),
            Ok(_) => Found::Broken { label: label.into(), reason: "is empty" },
            Err(_) => Found::Broken { label: label.into(), reason: "is not valid base64" },
        };
    }
    match first_label {
        Some(label) => Found::Other(printable(label)),
        None => Found::Nothing,
    }
}

/// Text from a file made safe to echo in one line of a message.
fn printable(s: &str) -> String {
    let mut out: String = s.chars().take(64).map(|c| if c.is_control() { '?' } else { c }).collect();
    if s.chars().count() > 64 {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use p256::pkcs8::DecodePrivateKey;
    use p256::pkcs8::DecodePublicKey;

    /// A real cosign private key, password `hello`: the `pemsigstorekey` constant in
    /// sigstore/cosign, `pkg/cosign/keys_test.go` (current label, N=32768, a P-256 key).
    const COSIGN_KEY: &str = "-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----
eyJrZGYiOnsibmFtZSI6InNjcnlwdCIsInBhcmFtcyI6eyJOIjozMjc2OCwiciI6
OCwicCI6MX0sInNhbHQiOiI3T3VGd2VsbWZZNXVId2NoaURSc210anNwZ2ZlZjFG
Mk5lOGFDTjVLYVpZPSJ9LCJjaXBoZXIiOnsibmFtZSI6Im5hY2wvc2VjcmV0Ym94
Iiwibm9uY2UiOiJQNHk4OGhCb3ZTa09MbXN0bFVBaGJwdDJ0K2xTNUxQSCJ9LCJj
aXBoZXJ0ZXh0IjoiMnB1QzdyZldJOWh3bnJlQ2s4aUZDRlVwQlRrSzRJNlIvbFBF
cnBDekpXUGpJWXl4eGVIL1A2VW52cFJHdVhla1NNb3JMdGhLamdoQ1JlNy82NDVH
QWtoVm1LRC92eEF0S2EvbE1abENSQ3FlekJGUFd1dzNpeFRtZ2xhb2J1ZFVSbUVs
bmNGOGlZbzBTMVl6Y1ZOMVFwY2J2c0dNcUlYRzVlbmdteGp5dCtBcXlyZTF0Q0Y0
V01tU1BlaEljNlBqd2h1Q2xHaVpJUWRvTGc9PSJ9
-----END ENCRYPTED SIGSTORE PRIVATE KEY-----
";

    /// Its public half. cosign's test has no `.pub` beside that key; this is what OpenSSL
    /// (`openssl pkey -pubout`) derives from the decrypted PKCS#8, laid out as cosign.pub is.
    const COSIGN_KEY_PUBLIC: &str = "-----BEGIN PUBLIC KEY-----
MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE7z9gA/tqa9iHt/f9F3ulyVi4lwqU
LfHWfhG2mK4eyJ8LDcLstb+VVhxj3pkMjc3fNo+sSfiIY2NLR7c+DG1V4w==
-----END PUBLIC KEY-----
";

    /// A cosign-generated key with an empty password (N=65536, the cost newer cosign writes):
    /// sigstore/sigstore-rs, `tests/data/keys/cosign_generated_encrypted_empty_private.key`.
    const COSIGN_EMPTY_PASSWORD_KEY: &str = "-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----
eyJrZGYiOnsibmFtZSI6InNjcnlwdCIsInBhcmFtcyI6eyJOIjo2NTUzNiwiciI6
OCwicCI6MX0sInNhbHQiOiJFY3pJR3Z0bnpFcCsxaEpudERnbGI1UnoxN3gwQVMy
YklvWGRNcDQrU1NJPSJ9LCJjaXBoZXIiOnsibmFtZSI6Im5hY2wvc2VjcmV0Ym94
Iiwibm9uY2UiOiJtSVVKbG1OMzNINExvZ0dhaG5MamdmK3R4SmJwci93MCJ9LCJj
aXBoZXJ0ZXh0IjoiM3FtS2FidXRuYm1WT1IvTkZGM2NDaUErTXp1WWQ5L0VERDVI
MVlUSGhQVzZsSzAvdjVqdDZCQzlsME12NGV5am9qZkl0d3B6a2JJOXQrZGx5VXZ3
VUgvMWZjbkFZT2dEdXRLQzkvSkNiOE02SVY2VHpVaDF5c0ZFWDFzeG9xb1FzeUpL
bjM0UVlldFNlaVdDaGtmUHUyZXByQjFEV0pwekdzTGZIakxNVTkzOEdmNk1xM1A0
N0ZSd2syZzY1cFZnSGMwVWV1L1N1OUs0Zmc9PSJ9
-----END ENCRYPTED SIGSTORE PRIVATE KEY-----
";

    /// Its public half, derived with OpenSSL from the decrypted key.
    const COSIGN_EMPTY_PASSWORD_KEY_PUBLIC: &str = "-----BEGIN PUBLIC KEY-----
MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEGmsWpZNuu+SUX70n3lVK4JLsaoV7
T+rhea2rQUu29EQiatoLB06QdsmSd+GsQGlQzfcDtsKPzb+B2zLggrWZjg==
-----END PUBLIC KEY-----
";

    /// Old-label cosign file, password `hello`, whose sealed content is a SEC1 key rather than
    /// PKCS#8 (cosign itself refuses it after decrypting): the `pemcosigneckey` constant in
    /// sigstore/cosign, `pkg/cosign/keys_test.go`.
    const COSIGN_SEC1_INSIDE_KEY: &str = "-----BEGIN ENCRYPTED COSIGN PRIVATE KEY-----
eyJrZGYiOnsibmFtZSI6InNjcnlwdCIsInBhcmFtcyI6eyJOIjo2NTUzNiwiciI6
OCwicCI6MX0sInNhbHQiOiJHK3F5WTYrNzhNS0JzMXNGTGs1ajYwcS9kS3Z1czBW
VkhlSHZybC9POTF3PSJ9LCJjaXBoZXIiOnsibmFtZSI6Im5hY2wvc2VjcmV0Ym94
Iiwibm9uY2UiOiJRc2JGdG13WDRDK2ttV3ZCcVRaMEFGOUFYdk1jRmg1SCJ9LCJj
aXBoZXJ0ZXh0IjoiREM5T28zeldiYVQzSXYwdFVnWEdycjUxYW1samwwNlQ5MTNP
VkxPbWpuMWhnK2o2WXRUbWg3SGhZSlY1N2J5eGE0Q281bE9YYmRqbTJ3aklubEd1
Um5aZCt5OExnekpSNzFSeEhKVzgrWmRlcFJmYWJMTjdHbDgrSFZEcERVQ3NxQnRh
VngyblpGbFEwWUl1anZwbFphblNGaUVvdERLVGkxZ3VhUXIwUHNzYU01NXZxbTRY
WS9rPSJ9
-----END ENCRYPTED COSIGN PRIVATE KEY-----
";

    /// A real cosign public key file: sigstore/cosign, `test/testdata/test_blob_public_key`.
    const COSIGN_PUB_FILE: &str = "-----BEGIN PUBLIC KEY-----
MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEdUOIQdY7WoK3bFccoLQ2v65YtNFO
5/9SPzUsPMqDEUPjDgI0YYN4LXFdLYWt+C+tedKiYq0B236HLGqPF+sBZg==
-----END PUBLIC KEY-----
";

    /// Ed25519 PKCS#8 key: the `ed25519key` constant in sigstore/cosign, `pkg/cosign/keys_test.go`.
    const ED25519_PKCS8_B64: &str = "MC4CAQAwBQYDK2VwBCIEIALEbo1EFnWFqBK/wC+hhypG/8hXEerwdNetAoFoFVdv";

    /// go-securesystemslib, `encrypted/encrypted_test.go` `TestDecrypt`: passphrase `supersecret`,
    /// plaintext `reallyimportant`.
    const GO_SSL_DECRYPT_VECTOR: &str = concat!(
        r#"{"kdf":{"name":"scrypt","params":{"N":32768,"r":8,"p":1},"#,
        r#""salt":"N9a7x5JFGbrtB2uBR81jPwp0eiLR4A7FV3mjVAQrg1g="},"#,
        r#""cipher":{"name":"nacl/secretbox","nonce":"2h8HxMmgRfuYdpswZBQaU3xJ1nkA/5Ik"},"#,
        r#""ciphertext":"SEW6sUh0jf2wfdjJGPNS9+bkk2uB+Cxamf32zR8XkQ=="}"#,
    );

    /// go-securesystemslib, `encrypted/encrypted_test.go` `TestUnsupportedKDFParameters`.
    const GO_SSL_UNSUPPORTED_VECTOR: &str = concat!(
        r#"{"kdf":{"name":"scrypt","params":{"N":99,"r":99,"p":99},"#,
        r#""salt":"cZFcQJdwPhPyhU1R4qkl0qVOIjZd4V/7LYYAavq166k="},"#,
        r#""cipher":{"name":"nacl/secretbox","nonce":"7vhRS7j0hEPBWV05skAdgLj81AkGeE7U"},"#,
        r#""ciphertext":"6WYU/YSXVbYzl/NzaeAzmjLyfFhOOjLc0d8/GFV0aBFdJvyCcXc="}"#,
    );

    /// A key file for `password` at a trivial scrypt cost (N=16), so tests stay fast.
    fn cheap_key_file(password: &[u8]) -> (Zeroizing<String>, Vec<u8>) {
        let secret = random_secret_key().unwrap();
        let pkcs8 = secret.to_pkcs8_der().unwrap();
        let pem = seal(pkcs8.as_bytes(), password, 4, 8, 1).unwrap();
        (pem, public_key_of(pkcs8.as_bytes()).unwrap())
    }

    /// The JSON inside a private key PEM.
    fn json_of(pem: &str) -> serde_json::Value {
        serde_json::from_slice(&private_key_body(pem, "test.key").unwrap()).unwrap()
    }

    /// A private key PEM holding `json`.
    fn pem_with(json: &serde_json::Value) -> String {
        crate::pem::encode(PRIVATE_KEY_LABEL, json.to_string().as_bytes())
    }

    fn malformed(result: Result<impl Sized>) -> String {
        match result {
            Err(Error::Key(msg)) => msg,
            Err(other) => panic!("expected Malformed, got {other:?}"),
            Ok(_) => panic!("expected Malformed, got success"),
        }
    }

    #[test]
    fn generated_key_round_trips_with_its_password() {
        let pair = generate(b"correct horse").unwrap();
        let pkcs8 = decrypt(&pair.private_pem, b"correct horse", "cosign.key").unwrap();
        let public = public_key_der(&pair.public_pem, "cosign.pub").unwrap();
        assert_eq!(public_key_of(&pkcs8).unwrap(), public);
        // and it is a usable P-256 signing key
        let signing = p256::ecdsa::SigningKey::from_pkcs8_der(&pkcs8).unwrap();
        let verifying = p256::ecdsa::VerifyingKey::from_public_key_der(&public).unwrap();
        assert_eq!(*signing.verifying_key(), verifying);
    }

    #[test]
    fn every_file_gets_its_own_key_salt_and_nonce() {
        let (a, pub_a) = cheap_key_file(b"pw");
        let (b, pub_b) = cheap_key_file(b"pw");
        assert_ne!(pub_a, pub_b);
        assert_ne!(json_of(&a)["kdf"]["salt"], json_of(&b)["kdf"]["salt"]);
        assert_ne!(json_of(&a)["cipher"]["nonce"], json_of(&b)["cipher"]["nonce"]);
    }

    #[test]
    fn wrong_password_is_refused_clearly() {
        let (pem, _) = cheap_key_file(b"right");
        match decrypt(&pem, b"wrong", "release.key") {
            Err(Error::WrongPassword(msg)) => {
                assert!(
                    msg.starts_with("the password does not open release.key: wrong password or damaged file"),
                    "{msg}"
                );
                assert!(!msg.contains("right") && !msg.contains("wrong\""), "{msg}");
            }
            other => panic!("expected a WrongPassword error, got {other:?}"),
        }
    }

    #[test]
    fn empty_password_is_a_password_like_any_other() {
        let (pem, public) = cheap_key_file(b"");
        assert_eq!(public_key_of(&decrypt(&pem, b"", "k").unwrap()).unwrap(), public);
        assert!(matches!(decrypt(&pem, b" ", "k"), Err(Error::WrongPassword(_))));
    }

    #[test]
    fn damaged_ciphertext_is_refused_like_a_wrong_password() {
        let (pem, _) = cheap_key_file(b"pw");
        let mut json = json_of(&pem);
        let mut sealed = STANDARD.decode(json["ciphertext"].as_str().unwrap()).unwrap();
        sealed[TAG_LEN + 3] ^= 0x01;
        json["ciphertext"] = STANDARD.encode(&sealed).into();
        assert!(matches!(decrypt(&pem_with(&json), b"pw", "k"), Err(Error::WrongPassword(_))));
        // the untouched file still opens, so the refusal came from the damage
        assert!(decrypt(&pem, b"pw", "k").is_ok());
    }

    #[test]
    fn cosign_generated_key_decrypts() {
        let pkcs8 = decrypt(COSIGN_KEY, b"hello", "cosign.key").unwrap();
        let expected = public_key_der(COSIGN_KEY_PUBLIC, "cosign.pub").unwrap();
        assert_eq!(public_key_of(&pkcs8).unwrap(), expected);
        assert!(matches!(decrypt(COSIGN_KEY, b"Hello", "cosign.key"), Err(Error::WrongPassword(_))));
    }

    #[test]
    fn cosign_key_with_empty_password_and_newer_cost_decrypts() {
        assert_eq!(json_of(COSIGN_EMPTY_PASSWORD_KEY)["kdf"]["params"]["N"], 65536);
        let pkcs8 = decrypt(COSIGN_EMPTY_PASSWORD_KEY, b"", "cosign.key").unwrap();
        let expected = public_key_der(COSIGN_EMPTY_PASSWORD_KEY_PUBLIC, "cosign.pub").unwrap();
        assert_eq!(public_key_of(&pkcs8).unwrap(), expected);
    }

    #[test]
    fn old_cosign_label_is_read() {
        let (pem, public) = cheap_key_file(b"pw");
        let old = pem.replace(PRIVATE_KEY_LABEL, LEGACY_PRIVATE_KEY_LABEL);
        assert!(old.starts_with("-----BEGIN ENCRYPTED COSIGN PRIVATE KEY-----\n"));
        assert_eq!(public_key_of(&decrypt(&old, b"pw", "k").unwrap()).unwrap(), public);
    }

    #[test]
    fn sealed_content_that_is_not_pkcs8_is_refused_after_opening() {
        // cosign's own old-label test file: the password is right, the content is SEC1.
        let msg = malformed(decrypt(COSIGN_SEC1_INSIDE_KEY, b"hello", "old.key"));
        assert!(msg.contains("opened with the password") && msg.contains("not a PKCS#8"), "{msg}");
        assert!(matches!(decrypt(COSIGN_SEC1_INSIDE_KEY, b"nope", "old.key"), Err(Error::WrongPassword(_))));
    }

    #[test]
    fn envelope_opens_go_securesystemslib_vector() {
        let plain = open_envelope(GO_SSL_DECRYPT_VECTOR.as_bytes(), b"supersecret", "v").unwrap();
        assert_eq!(plain.as_slice(), b"reallyimportant");
        assert!(matches!(
            open_envelope(GO_SSL_DECRYPT_VECTOR.as_bytes(), b"supersecreT", "v"),
            Err(Error::WrongPassword(_))
        ));
    }

    #[test]
    fn oversized_scrypt_parameters_are_refused() {
        // go-securesystemslib's own hostile vector
        let msg = malformed(open_envelope(GO_SSL_UNSUPPORTED_VECTOR.as_bytes(), b"supersecret", "evil.key"));
        assert!(msg.contains("evil.key") && msg.contains("N=99, r=99, p=99"), "{msg}");
        let (pem, _) = cheap_key_file(b"pw");
        let base = json_of(&pem);
        // (N, r, p): each would cost gigabytes, hours, or is not scrypt at all
        for (n, r, p) in [
            (1u64 << 30, 8u64, 1u64),
            (1 << 21, 1, 1),
            (1 << 20, 8, 1),
            (1 << 17, 8, 16),
            (1 << 15, 1 << 20, 1),
            (1 << 15, 8, 1 << 20),
            (u64::MAX, 8, 1),
            (32769, 8, 1),
            (0, 8, 1),
            (1, 8, 1),
            (1 << 15, 0, 1),
            (1 << 15, 8, 0),
        ] {
            let mut json = base.clone();
            json["kdf"]["params"] = serde_json::json!({ "N": n, "r": r, "p": p });
            let started = std::time::Instant::now();
            let msg = malformed(decrypt(&pem_with(&json), b"pw", "evil.key"));
            assert!(msg.contains("scrypt cost"), "N={n} r={r} p={p}: {msg}");
            assert!(started.elapsed() < std::time::Duration::from_secs(1), "N={n} r={r} p={p} did work");
        }
        // negative or fractional numbers are not even parsed
        let mut json = base.clone();
        json["kdf"]["params"]["N"] = serde_json::json!(-32768);
        malformed(decrypt(&pem_with(&json), b"pw", "evil.key"));
        // what cosign writes, and go-securesystemslib's strongest level, are within bounds
        for (n, r, p) in [(1u64 << 15, 8u64, 1u64), (1 << 16, 8, 1), (1 << 17, 8, 1), (1 << 20, 1, 1)] {
            assert!(checked_scrypt_params(&ScryptParams { n, r, p }, "k").is_ok(), "N={n} r={r} p={p}");
        }
    }

    #[test]
    fn unknown_kdf_or_cipher_is_refused() {
        let (pem, _) = cheap_key_file(b"pw");
        let mut json = json_of(&pem);
        json["kdf"]["name"] = "argon2id".into();
        let msg = malformed(decrypt(&pem_with(&json), b"pw", "k"));
        assert!(msg.contains("`argon2id`"), "{msg}");
        let mut json = json_of(&pem);
        json["cipher"]["name"] = "aes-gcm".into();
        let msg = malformed(decrypt(&pem_with(&json), b"pw", "k"));
        assert!(msg.contains("`aes-gcm`"), "{msg}");
    }

    #[test]
    fn malformed_fields_are_malformed_not_wrong_passwords() {
        let (pem, _) = cheap_key_file(b"pw");
        let mut short_nonce = json_of(&pem);
        short_nonce["cipher"]["nonce"] = STANDARD.encode([0u8; 12]).into();
        let mut bad_salt = json_of(&pem);
        bad_salt["kdf"]["salt"] = "not base64!".into();
        let mut stub = json_of(&pem);
        stub["ciphertext"] = STANDARD.encode([0u8; TAG_LEN]).into();
        let mut missing = json_of(&pem);
        missing.as_object_mut().unwrap().remove("cipher");
        for json in [short_nonce, bad_salt, stub, missing] {
            malformed(decrypt(&pem_with(&json), b"pw", "k"));
        }
        malformed(decrypt(&crate::pem::encode(PRIVATE_KEY_LABEL, b"not json"), b"pw", "k"));
    }

    #[test]
    fn written_file_has_cosign_shape() {
        let pair = generate(b"pw").unwrap();
        let private = pair.private_pem.as_str();
        assert!(private.starts_with("-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----\n"), "{private}");
        assert!(private.ends_with("\n-----END ENCRYPTED SIGSTORE PRIVATE KEY-----\n"), "{private}");
        let lines: Vec<&str> = private.lines().collect();
        assert!(lines[1..lines.len() - 1].iter().all(|l| l.len() <= 64));
        assert!(lines[1..lines.len() - 2].iter().all(|l| l.len() == 64));
        // same size as cosign's file of the same label, cost and key type
        assert_eq!(private.len(), COSIGN_KEY.len());

        let body = private_key_body(private, "k").unwrap();
        let text = std::str::from_utf8(&body).unwrap();
        let prefix = r#"{"kdf":{"name":"scrypt","params":{"N":32768,"r":8,"p":1},"salt":""#;
        assert!(text.starts_with(prefix), "{text}");
        let cipher_at = text.find(r#"},"cipher":{"name":"nacl/secretbox","nonce":""#).unwrap();
        let ciphertext_at = text.find(r#""},"ciphertext":""#).unwrap();
        assert!(prefix.len() < cipher_at && cipher_at < ciphertext_at && text.ends_with("\"}"));
        let json = json_of(private);
        let b64 = |v: &serde_json::Value| STANDARD.decode(v.as_str().unwrap()).unwrap();
        assert_eq!(b64(&json["kdf"]["salt"]).len(), SALT_LEN);
        assert_eq!(b64(&json["cipher"]["nonce"]).len(), NONCE_LEN);
        let pkcs8 = decrypt(private, b"pw", "k").unwrap();
        assert_eq!(b64(&json["ciphertext"]).len(), TAG_LEN + pkcs8.len());

        // cosign.pub: the 178-byte file cosign writes for a P-256 key
        assert!(pair.public_pem.starts_with("-----BEGIN PUBLIC KEY-----\n"));
        assert!(pair.public_pem.ends_with("\n-----END PUBLIC KEY-----\n"));
        assert_eq!(pair.public_pem.len(), COSIGN_PUB_FILE.len());
    }

    #[test]
    fn written_framing_matches_cosign_byte_for_byte() {
        // Re-encoding cosign's own JSON through our structures and PEM writer gives its file back.
        let json = private_key_body(COSIGN_KEY, "k").unwrap();
        let envelope: Envelope = serde_json::from_slice(&json).unwrap();
        assert_eq!(serde_json::to_vec(&envelope).unwrap(), json);
        assert_eq!(crate::pem::encode(PRIVATE_KEY_LABEL, &json), COSIGN_KEY);
        let der = public_key_der(COSIGN_PUB_FILE, "k").unwrap();
        assert_eq!(crate::pem::encode(PUBLIC_KEY_LABEL, &der), COSIGN_PUB_FILE);
    }

    #[test]
    fn public_key_file_is_read_leniently_and_checked() {
        let der = public_key_der(COSIGN_PUB_FILE, "cosign.pub").unwrap();
        assert_eq!(der.len(), 91);
        assert!(p256::PublicKey::from_public_key_der(&der).is_ok());
        // CRLF line endings and text around the block, as Go's PEM reader allows
        let crlf = format!("comment line\r\n{}\r\ntrailer", COSIGN_PUB_FILE.replace('\n', "\r\n"));
        assert_eq!(public_key_der(&crlf, "cosign.pub").unwrap(), der);

        let msg = malformed(public_key_der(COSIGN_KEY, "cosign.key"));
        assert!(msg.contains("holds a private key"), "{msg}");
        let msg = malformed(public_key_der("hello", "x.pub"));
        assert!(msg.contains("x.pub") && msg.contains("-----BEGIN PUBLIC KEY-----"), "{msg}");
        let not_spki = crate::pem::encode(PUBLIC_KEY_LABEL, b"\x30\x03\x02\x01\x00");
        malformed(public_key_der(&not_spki, "x.pub"));
        let cut = &COSIGN_PUB_FILE[..COSIGN_PUB_FILE.len() - 20];
        let msg = malformed(public_key_der(cut, "x.pub"));
        assert!(msg.contains("END"), "{msg}");
    }

    #[test]
    fn other_files_get_a_precise_message() {
        let msg = malformed(decrypt(COSIGN_PUB_FILE, b"pw", "cosign.pub"));
        assert!(msg.contains("holds a public key") && msg.contains("cosign.key"), "{msg}");
        let plain = crate::pem::encode("PRIVATE KEY", &STANDARD.decode(ED25519_PKCS8_B64).unwrap());
        let msg = malformed(decrypt(&plain, b"pw", "plain.pem"));
        assert!(msg.contains("unencrypted `PRIVATE KEY`") && msg.contains("cosign import-key-pair"), "{msg}");
        let msg = malformed(decrypt("just text", b"pw", "notes.txt"));
        assert!(msg.contains("notes.txt is not a cosign private key file"), "{msg}");
        let cut = &COSIGN_KEY[..COSIGN_KEY.len() - 30];
        let msg = malformed(decrypt(cut, b"hello", "cosign.key"));
        assert!(msg.contains("cut short"), "{msg}");
        let with_header = COSIGN_KEY.replacen("-----\n", "-----\nProc-Type: 4,ENCRYPTED\n\n", 1);
        let msg = malformed(decrypt(&with_header, b"hello", "cosign.key"));
        assert!(msg.contains("headers"), "{msg}");
        let huge = "A".repeat(MAX_FILE_LEN + 1);
        malformed(decrypt(&huge, b"pw", "big.key"));
        malformed(public_key_der(&huge, "big.pub"));
    }

    #[test]
    fn only_p256_keys_give_a_public_key() {
        let ed25519 = STANDARD.decode(ED25519_PKCS8_B64).unwrap();
        match public_key_of(&ed25519) {
            Err(Error::Key(msg)) => assert!(msg.contains("Ed25519") && msg.contains("P-256"), "{msg}"),
            other => panic!("expected Crypto, got {other:?}"),
        }
        assert!(matches!(public_key_of(b"junk"), Err(Error::Key(_))));
    }

    #[test]
    fn password_comes_from_sigseal_then_cosign_variable() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |name: &str| pairs.iter().find(|(n, _)| *n == name).map(|(_, v)| OsString::from(*v))
        };
        let both = password_from_env(env(&[("SIGSEAL_PASSWORD", "mine"), ("COSIGN_PASSWORD", "theirs")]));
        assert_eq!(both.unwrap().as_slice(), b"mine");
        let cosign = password_from_env(env(&[("COSIGN_PASSWORD", "theirs")]));
        assert_eq!(cosign.unwrap().as_slice(), b"theirs");
        let empty = password_from_env(env(&[("SIGSEAL_PASSWORD", ""), ("COSIGN_PASSWORD", "theirs")]));
        assert_eq!(empty.unwrap().as_slice(), b"");
        assert!(password_from_env(env(&[("OTHER", "x")])).is_none());
    }

    #[test]
    fn debug_output_hides_the_private_key() {
        let pair = GeneratedPair { private_pem: Zeroizing::new("SECRET-PEM".into()), public_pem: "PUB".into() };
        let shown = format!("{pair:?}");
        assert!(!shown.contains("SECRET-PEM") && shown.contains("PUB"), "{shown}");
    }

    #[test]
    fn names_from_files_are_made_printable() {
        assert_eq!(printable("a\u{1b}[31mb"), "a?[31mb");
        assert_eq!(printable(&"x".repeat(100)).chars().count(), 65);
    }
}
