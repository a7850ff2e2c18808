//! The claims a Fulcio certificate makes in its extensions under 1.3.6.1.4.1.57264.1 (issuer,
//! source repository, ref, digest, build signer, runner, trigger, …), read once per
//! certificate, by number and by name, for policies and reports.

use std::collections::BTreeMap;

use const_oid::ObjectIdentifier;
use der::Decode;

/// The Fulcio extension arc.
pub const FULCIO_ARC: &str = "1.3.6.1.4.1.57264.1";

/// Every Fulcio claim sigseal names: (arc number, name). Numbers 2–6 are the deprecated
/// GitHub Actions extensions, 8 onwards the provider-neutral ones.
pub const NAMES: [(u32, &str); 23] = [
    (1, "issuer-v1"),
    (2, "github-workflow-trigger"),
    (3, "github-workflow-sha"),
    (4, "github-workflow-name"),
    (5, "github-workflow-repository"),
    (6, "github-workflow-ref"),
    (8, "issuer"),
    (9, "build-signer-uri"),
    (10, "build-signer-digest"),
    (11, "runner-environment"),
    (12, "source-repository-uri"),
    (13, "source-repository-digest"),
    (14, "source-repository-ref"),
    (15, "source-repository-identifier"),
    (16, "source-repository-owner-uri"),
    (17, "source-repository-owner-identifier"),
    (18, "build-config-uri"),
    (19, "build-config-digest"),
    (20, "build-trigger"),
    (21, "run-invocation-uri"),
    (22, "source-repository-visibility-at-signing"),
    (23, "deployment-environment"),
    (24, "token-subject"),
];

/// The name of a Fulcio claim number, if sigseal knows it.
pub fn name_of(number: u32) -> Option<&'static str> {
    NAMES.iter().find(|(n, _)| *n == number).map(|(_, name)| *name)
}

/// Resolve a claim key given by a user: a known name (`source-repository-ref`) or a dotted
/// OID. Returns the OID in dotted form.
pub fn resolve_key(key: &str) -> Option<String> {
    if let Some((n, _)) = NAMES.iter().find(|(_, name)| *name == key) {
        return Some(format!("{FULCIO_ARC}.{n}"));
    }
    // const-oid 0.9 parses dotted text without overflow checks: an arc beyond 32 bits panics in
    // debug builds and wraps into another OID in release builds (`...1.4294967308` would mean
    // `...1.12`), and an arc of 2^28 or more is encoded in a form its own reader then refuses
    // with a panic. Real OIDs stay far below; anything larger is not a claim key.
    let arc_ok = |arc: &str| arc.bytes().all(|b| b.is_ascii_digit()) && arc.parse::<u32>().is_ok_and(|n| n < 1 << 28);
    if !key.split('.').all(arc_ok) {
        return None;
    }
    ObjectIdentifier::new(key).ok().map(|o| o.to_string())
}

/// Claims of one certificate: extension OID (dotted) → value.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Claims {
    by_oid: BTreeMap<String, String>,
}

impl Claims {
    /// Read every extension under the Fulcio arc of a DER certificate. Values are DER
    /// `UTF8Strings` (.1.8 onwards) or bare UTF-8 (.1.1–.1.6); anything else is skipped.
    pub fn from_certificate(der: &[u8]) -> Self {
        let mut by_oid = BTreeMap::new();
        let Ok(cert) = x509_cert::Certificate::from_der(der) else { return Self { by_oid } };
        let Ok(arc) = ObjectIdentifier::new(FULCIO_ARC) else { return Self { by_oid } };
        for ext in cert.tbs_certificate.extensions.iter().flatten() {
            if ext.extn_id.parent() != Some(arc) {
                continue;
            }
            let bytes = ext.extn_value.as_bytes();
            let value = der::asn1::Utf8StringRef::from_der(bytes)
                .map(|s| s.as_str().to_string())
                .ok()
                .or_else(|| std::str::from_utf8(bytes).ok().map(str::to_string));
            if let Some(v) = value {
                by_oid.insert(ext.extn_id.to_string(), v);
            }
        }
        Self { by_oid }
    }

    /// Claims from (dotted OID, value) pairs.
    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Self {
        Self { by_oid: pairs.into_iter().map(|(k, v)| (k.to_string(), v.to_string())).collect() }
    }

    /// The value of an extension by dotted OID.
    pub fn get(&self, oid: &str) -> Option<&str> {
        self.by_oid.get(oid).map(String::as_str)
    }

    /// The value of a Fulcio claim by arc number.
    pub fn number(&self, n: u32) -> Option<&str> {
        self.get(&format!("{FULCIO_ARC}.{n}"))
    }

    /// Every claim as name → value (known numbers by name, others by OID), for reports.
    pub fn named(&self) -> BTreeMap<String, String> {
        let prefix = format!("{FULCIO_ARC}.");
        self.by_oid
            .iter()
            .map(|(oid, v)| {
                let name = oid
                    .strip_prefix(&prefix)
                    .and_then(|n| n.parse::<u32>().ok())
                    .and_then(name_of)
                    .map_or_else(|| oid.clone(), str::to_string);
                (name, v.clone())
            })
            .collect()
    }

    /// True when the certificate carries no Fulcio claims.
    pub fn is_empty(&self) -> bool {
        self.by_oid.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn claim_keys_resolve_by_name_or_oid() {
        assert_eq!(resolve_key("source-repository-ref").as_deref(), Some("1.3.6.1.4.1.57264.1.14"));
        assert_eq!(resolve_key("1.2.3.4").as_deref(), Some("1.2.3.4"));
        assert_eq!(resolve_key("no such claim"), None);
        assert_eq!(name_of(24), Some("token-subject"));
    }

    #[test]
    fn oid_arcs_beyond_32_bits_are_refused_not_wrapped() {
        // 2^32 + 12: wrapped, this would be the Fulcio claim 1.12 (source-repository-identifier).
        assert_eq!(resolve_key("1.3.6.1.4.1.57264.1.4294967308"), None);
        assert_eq!(resolve_key("1.3.6.1.4.1.18446744073709551616"), None);
        assert_eq!(resolve_key("1.3.6.1.4.1.57264.1.4294967295"), None);
        assert_eq!(resolve_key("1.3.6.1.4.1.57264.1.268435455").as_deref(), Some("1.3.6.1.4.1.57264.1.268435455"));
    }
}
