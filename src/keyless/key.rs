//! Long-lived signing keys handed to the keyless signer as PKCS#8 (a decrypted cosign or sigseal
//! key file): the check that the key is ECDSA P-256, and its public key.

use p256::pkcs8::{DecodePrivateKey, EncodePublicKey, PrivateKeyInfo};

use crate::error::{Error, Result};

/// The `SubjectPublicKeyInfo` DER of the public half of a PKCS#8 private key. Only ECDSA P-256
/// keys are accepted, the kind `cosign generate-key-pair` makes.
pub fn public_key_of(pkcs8: &[u8]) -> Result<Vec<u8>> {
    let secret = p256::SecretKey::from_pkcs8_der(pkcs8).map_err(|e| {
        Error::Key(format!(
            "the private key is {}, but sigseal signs only with ECDSA P-256 keys (what `cosign \
             generate-key-pair` makes): {e}",
            describe_algorithm(pkcs8)
        ))
    })?;
    let spki = secret
        .public_key()
        .to_public_key_der()
        .map_err(|e| Error::Crypto("encoding the public key failed".into()).because(e))?;
    Ok(spki.as_bytes().to_vec())
}

/// A name of an algorithm inside a PKCS#8 key, for messages.
fn describe_algorithm(pkcs8: &[u8]) -> String {
    let Ok(info) = PrivateKeyInfo::try_from(pkcs8) else {
        return "not a readable PKCS#8 key".into();
    };
    match info.algorithm.oid.to_string().as_str() {
        "1.2.840.113549.1.1.1" => "an RSA key".into(),
        "1.2.840.113549.1.1.10" => "an RSA-PSS key".into(),
        "1.3.101.112" => "an Ed25519 key".into(),
        "1.2.840.10045.2.1" => match info.algorithm.parameters_oid().map(|oid| oid.to_string()) {
            Ok(curve) if curve == "1.2.840.10045.3.1.7" => "a P-256 key that does not decode".into(),
            Ok(curve) if curve == "1.3.132.0.34" => "an ECDSA P-384 key".into(),
            Ok(curve) if curve == "1.3.132.0.35" => "an ECDSA P-521 key".into(),
            Ok(curve) => format!("an EC key on curve {curve}"),
            Err(_) => "an EC key without a named curve".into(),
        },
        other => format!("a key of algorithm {other}"),
    }
}
