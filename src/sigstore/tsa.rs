//! RFC 3161 timestamps: the request to a timestamp authority through sigseal's HTTP client, and
//! the checks of its reply (granted, the imprint and nonce asked for).

use crate::error::{Error, Result};
use crate::http;

/// Ask the RFC 3161 timestamp authority at `url` (through `client`) to timestamp a signature
/// (sha256 of the signature bytes, as the Sigstore client spec has it); returns the DER reply
/// (`TimeStampResp`). The exchange is made here so it is retried and bounded like every other
/// and the reply is read with a cap; the reply must be granted and its `TSTInfo` must carry the
/// imprint and the nonce asked for. A repeated request asks for the same stamp, so it is retried.
pub async fn tsa_timestamp(client: &http::Client, url: &str, signature: &[u8]) -> Result<Vec<u8>> {
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
    tsp::check_reply(&reply.body, &imprint, nonce).map_err(|why| fail(format!("unusable answer: {why}")))?;
    Ok(reply.body)
}

/// The RFC 3161 structures sigseal sends and checks (the parts of them it reads).
mod tsp {
    use der::asn1::{Any, GeneralizedTime, Int, ObjectIdentifier, OctetString};
    use der::{Decode, Sequence};
    use x509_cert::spki::AlgorithmIdentifierOwned;

    const SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.1");
    const TST_INFO: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.16.1.4");

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

    #[derive(Sequence)]
    struct PkiStatusInfo {
        status: u8,
        #[asn1(optional = "true")]
        status_string: Option<Any>,
        #[asn1(optional = "true")]
        fail_info: Option<Any>,
    }

    #[derive(Sequence)]
    struct TimeStampResp {
        status: PkiStatusInfo,
        #[asn1(optional = "true")]
        time_stamp_token: Option<cms::content_info::ContentInfo>,
    }

    #[derive(Sequence)]
    struct Accuracy {
        #[asn1(optional = "true")]
        seconds: Option<Int>,
        #[asn1(context_specific = "0", optional = "true", tag_mode = "IMPLICIT")]
        millis: Option<Int>,
        #[asn1(context_specific = "1", optional = "true", tag_mode = "IMPLICIT")]
        micros: Option<Int>,
    }

    fn no() -> bool {
        false
    }

    #[derive(Sequence)]
    struct TstInfo {
        version: u8,
        policy: ObjectIdentifier,
        message_imprint: MessageImprint,
        serial_number: Int,
        gen_time: GeneralizedTime,
        #[asn1(optional = "true")]
        accuracy: Option<Accuracy>,
        #[asn1(default = "no")]
        ordering: bool,
        #[asn1(optional = "true")]
        nonce: Option<Int>,
        #[asn1(context_specific = "0", optional = "true", tag_mode = "EXPLICIT")]
        tsa: Option<x509_cert::ext::pkix::name::GeneralName>,
        #[asn1(context_specific = "1", optional = "true", tag_mode = "IMPLICIT")]
        extensions: Option<x509_cert::ext::Extensions>,
    }

    /// A granted reply whose token stamps `imprint` (SHA-256) and echoes `nonce`.
    pub(super) fn check_reply(reply: &[u8], imprint: &[u8; 32], nonce: u64) -> std::result::Result<(), String> {
        let resp = TimeStampResp::from_der(reply).map_err(|e| format!("not an RFC 3161 reply ({e})"))?;
        // 0 granted, 1 granted with modifications.
        if resp.status.status > 1 {
            return Err(format!("the request was not granted (status {})", resp.status.status));
        }
        let token = resp.time_stamp_token.ok_or("the reply carries no timestamp token")?;
        let signed: cms::signed_data::SignedData =
            token.content.decode_as().map_err(|e| format!("the token is not CMS SignedData ({e})"))?;
        if signed.encap_content_info.econtent_type != TST_INFO {
            return Err("the token does not carry a TSTInfo".into());
        }
        let content = signed.encap_content_info.econtent.ok_or("the token carries no TSTInfo")?;
        let info = TstInfo::from_der(content.value()).map_err(|e| format!("unreadable TSTInfo ({e})"))?;
        if info.message_imprint.hash_algorithm.oid != SHA256
            || info.message_imprint.hashed_message.as_bytes() != imprint
        {
            return Err("the token stamps something else than the signature".into());
        }
        let echoed =
            info.nonce.as_ref().map(|n| n.as_bytes().iter().skip_while(|b| **b == 0).copied().collect::<Vec<u8>>());
        let sent: Vec<u8> = nonce.to_be_bytes().iter().skip_while(|b| **b == 0).copied().collect();
        if echoed.as_deref() != Some(sent.as_slice()) {
            return Err("the token does not echo the request's nonce (a replayed timestamp?)".into());
        }
        Ok(())
    }
}
