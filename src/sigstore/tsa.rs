//! RFC 3161 timestamps: the request to a timestamp authority through sigseal's HTTP client, and
//! the checks of its reply (granted, the imprint and nonce asked for, and the token verified
//! against the trusted root as a verifier will check it).

use crate::error::{Error, Result};
use crate::http;

use super::timestamp::{Authorities, Token};
use super::TrustedRoot;

/// Ask the RFC 3161 timestamp authority at `url` (through `client`) to timestamp a signature
/// (sha256 of the signature bytes, as the Sigstore client spec has it); returns the DER reply
/// (`TimeStampResp`). The exchange is made here so it is retried and bounded like every other
/// and the reply is read with a cap. The reply must be granted, stamp this signature, echo the
/// nonce asked for, and verify against a timestamp authority of `root` (signer, path, validity,
/// accuracy: see [`super::timestamp`]), so that nothing is logged or handed out with a token a
/// verifier would refuse. A repeated request asks for the same stamp, so it is retried.
pub async fn tsa_timestamp(client: &http::Client, url: &str, signature: &[u8], root: &TrustedRoot) -> Result<Vec<u8>> {
    use der::Encode;
    use sha2::{Digest, Sha256};
    let fail = |reason: String| Error::Timestamp { url: url.to_string(), reason };
    let imprint: [u8; 32] = Sha256::digest(signature).into();
    let nonce = {
        let mut n = [0u8; 8];
        rand_core::RngCore::fill_bytes(&mut rand_core::OsRng, &mut n);
        u64::from_be_bytes(n) >> 1
    };
    let request = tsp::TimeStampReq {
        version: 1,
        message_imprint: tsp::MessageImprint::sha256(&imprint)
            .map_err(|e| fail(format!("building the request: {e}")))?,
        nonce: Some(nonce),
        cert_req: true,
    }
    .to_der()
    .map_err(|e| fail(format!("building the request: {e}")))?;
    let request =
        http::Request::post(url, "application/timestamp-query", request).idempotent().limit(http::SMALL_LIMIT);
    let reply = client.send(&request).await.map_err(|why| fail("timestamp request failed".into()).because(why))?;
    let token = Token::decode(&reply.body).map_err(|why| fail(format!("unusable answer: {why}")))?;
    token.stamps(signature).map_err(|why| fail(format!("unusable answer: {why}")))?;
    if !token.echoes(nonce) {
        return Err(fail(
            "unusable answer: the token does not echo the request's nonce (a replayed timestamp?)".into(),
        ));
    }
    Authorities::of(root).verify_decoded(&token).map_err(|why| {
        fail(format!("the token does not verify against the trusted root's timestamp authorities: {why}"))
    })?;
    Ok(reply.body)
}

/// The RFC 3161 request sigseal sends.
mod tsp {
    use der::asn1::{ObjectIdentifier, OctetString};
    use der::Sequence;
    use x509_cert::spki::AlgorithmIdentifierOwned;

    const SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.1");

    #[derive(Sequence)]
    pub(super) struct MessageImprint {
        hash_algorithm: AlgorithmIdentifierOwned,
        hashed_message: OctetString,
    }

    impl MessageImprint {
        pub(super) fn sha256(digest: &[u8; 32]) -> der::Result<Self> {
            Ok(Self {
                hash_algorithm: AlgorithmIdentifierOwned { oid: SHA256, parameters: None },
                hashed_message: OctetString::new(digest.to_vec())?,
            })
        }
    }

    #[derive(Sequence)]
    pub(super) struct TimeStampReq {
        pub(super) version: u8,
        pub(super) message_imprint: MessageImprint,
        #[asn1(optional = "true")]
        pub(super) nonce: Option<u64>,
        pub(super) cert_req: bool,
    }
}
