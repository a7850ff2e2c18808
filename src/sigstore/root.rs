//! Trusted roots and signing configs: the embedded public-good ones, parsing, the TUF refresh
//! (through sigseal's HTTP client), and the validity windows of a root's authorities.

use crate::error::{Error, Result};

use super::{SigningConfig, TrustedRoot};

/// The Sigstore instances whose trust material is embedded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Instance {
    /// The public-good production instance.
    Production,
    /// The public-good staging instance.
    Staging,
    /// GitHub's own instance (private repositories' attestations, release attestations): its
    /// Fulcio and timestamp authorities, no transparency log.
    GitHub,
}

impl Instance {
    /// The instance's name in reports.
    pub fn name(self) -> &'static str {
        match self {
            Instance::Production => "public-good",
            Instance::Staging => "public-good staging",
            Instance::GitHub => "GitHub",
        }
    }
}

/// The embedded trusted root of an instance.
pub fn embedded_root(instance: Instance) -> Result<TrustedRoot> {
    match instance {
        Instance::Production => embedded_production_root(),
        Instance::Staging => embedded_staging_root(),
        Instance::GitHub => TrustedRoot::from_json(sigstore_verify::trust_root::SIGSTORE_GITHUB_TRUSTED_ROOT)
            .map_err(|e| Error::TrustRoot("embedded GitHub root".into()).because(e)),
    }
}

/// The embedded Sigstore public-good production trusted root.
pub fn embedded_production_root() -> Result<TrustedRoot> {
    TrustedRoot::from_json(sigstore_verify::trust_root::SIGSTORE_PRODUCTION_TRUSTED_ROOT)
        .map_err(|e| Error::TrustRoot("embedded production root".into()).because(e))
}

/// The embedded Sigstore public-good staging trusted root.
pub fn embedded_staging_root() -> Result<TrustedRoot> {
    TrustedRoot::from_json(sigstore_verify::trust_root::SIGSTORE_STAGING_TRUSTED_ROOT)
        .map_err(|e| Error::TrustRoot("embedded staging root".into()).because(e))
}

/// Parse a trusted root (protobuf-specs JSON).
pub fn parse_trusted_root(json: &str, origin: &str) -> Result<TrustedRoot> {
    TrustedRoot::from_json(json).map_err(|e| Error::TrustRoot(format!("{origin}: {e}")))
}

/// Parse a signing config (v0.2 JSON).
pub fn parse_signing_config(json: &str, origin: &str) -> Result<SigningConfig> {
    SigningConfig::from_json(json).map_err(|e| Error::Config(format!("signing config {origin}: {e}")))
}

/// The Rekor log a signing config selects for new entries, as the Sigstore client specification
/// has it: among the logs valid now and of an API version sigseal writes (1 and 2), the highest
/// version first (only `force_version` when given), picked by the config's `rekorTlogConfig`
/// (see [`select_one`]). `None`: it names no usable log.
pub fn select_log(sc: &SigningConfig, origin: &str, force_version: Option<u32>) -> Result<Option<(String, u32)>> {
    let eligible = sc.eligible_rekor_urls(force_version);
    let what = "entries in {} transparency logs; sigseal writes one entry per signature (use a config whose rekorTlogConfig selector is ANY)";
    let first = select_one(&eligible, &sc.rekor_tlog_config, origin, "log", what)?;
    Ok(first.map(|e| (e.url.trim_end_matches('/').to_string(), e.major_api_version)))
}

/// The timestamp authority a signing config selects, by the same rule as its log (valid now,
/// picked by its `tsaConfig`, see [`select_one`]). `None`: it names no usable authority.
pub fn select_tsa(sc: &SigningConfig, origin: &str) -> Result<Option<String>> {
    let eligible = sc.eligible_tsa_urls();
    let what =
        "timestamps from {} authorities; sigseal asks one per signature (use a config whose tsaConfig selector is ANY)";
    let first = select_one(&eligible, &sc.tsa_config, origin, "timestamp authority", what)?;
    Ok(first.map(|e| e.url.clone()))
}

/// The one service of `eligible` a selector picks: `ANY`, `EXACT` with a count of 1, or `ALL`
/// when only one is eligible. A config that asks for several (`too_many`, with `{}` for how
/// many), or leaves the selector undefined, is refused rather than half-honoured.
fn select_one<'a>(
    eligible: &[&'a sigstore_verify::trust_root::ServiceEndpoint],
    config: &sigstore_verify::trust_root::ServiceConfiguration,
    origin: &str,
    service: &str,
    too_many: &str,
) -> Result<Option<&'a sigstore_verify::trust_root::ServiceEndpoint>> {
    use sigstore_verify::trust_root::ServiceSelector;
    let Some(first) = eligible.first() else { return Ok(None) };
    let wanted = match config.selector {
        ServiceSelector::Any => 1,
        ServiceSelector::Exact => config.count.unwrap_or(1),
        ServiceSelector::All => u32::try_from(eligible.len()).unwrap_or(u32::MAX),
        _ => {
            return Err(Error::Config(format!(
                "signing config {origin}: its {service} selector is undefined or unknown"
            )))
        }
    };
    if wanted != 1 {
        let asks = too_many.replacen("{}", &wanted.to_string(), 1);
        return Err(Error::Config(format!("signing config {origin} asks for {asks}")));
    }
    Ok(Some(*first))
}

/// The signing config of a public-good instance embedded in this binary (`None` for GitHub's,
/// whose services sign only for GitHub).
pub fn embedded_signing_config(instance: Instance) -> Option<Result<SigningConfig>> {
    let json = match instance {
        Instance::Production => sigstore_verify::trust_root::SIGSTORE_PRODUCTION_SIGNING_CONFIG,
        Instance::Staging => sigstore_verify::trust_root::SIGSTORE_STAGING_SIGNING_CONFIG,
        Instance::GitHub => return None,
    };
    Some(parse_signing_config(json, &format!("embedded {}", instance.name())))
}

/// An instance's signing config through TUF (target `signing_config.v0.2.json`), with the same
/// cache, offline rule and HTTP client as [`tuf_root`].
pub async fn tuf_signing_config(
    instance: Instance,
    cache_dir: std::path::PathBuf,
    online: bool,
    http: &crate::http::Client,
) -> Result<SigningConfig> {
    let config = tuf_client_config(instance, cache_dir, online, http)?;
    SigningConfig::from_tuf(config).await.map_err(|e| Error::TrustRoot("TUF signing config".into()).because(e))
}

/// The TUF client's configuration for `instance`: its repository, the on-disk cache, `http`'s
/// built client, and offline unless `online`.
fn tuf_client_config(
    instance: Instance,
    cache_dir: std::path::PathBuf,
    online: bool,
    http: &crate::http::Client,
) -> Result<sigstore_verify::trust_root::TufConfig> {
    use sigstore_verify::trust_root::TufConfig;
    let client = http.reqwest().map_err(|why| Error::TrustRoot("TUF refresh".into()).because(why))?;
    let config = match instance {
        Instance::Production => TufConfig::production(),
        Instance::Staging => TufConfig::staging(),
        Instance::GitHub => TufConfig::github(),
    };
    let config = config.with_cache_dir(cache_dir).with_http_client(client.clone());
    Ok(if online { config } else { config.offline() })
}

/// The production signing config shipped with the crates (service URLs of the public instance).
pub fn embedded_production_signing_config() -> Result<SigningConfig> {
    parse_signing_config(sigstore_verify::trust_root::SIGSTORE_PRODUCTION_SIGNING_CONFIG, "embedded production")
}

/// An instance's trusted root through TUF with an on-disk cache: refreshed from the network
/// through `http` when `online`, else read from the cache of an earlier refresh. The refresh is
/// made by the TUF client with `http`'s built client (its timeouts and redirect rule); the
/// caller bounds the whole refresh by the operation's deadline.
pub async fn tuf_root(
    instance: Instance,
    cache_dir: std::path::PathBuf,
    online: bool,
    http: &crate::http::Client,
) -> Result<TrustedRoot> {
    let config = tuf_client_config(instance, cache_dir, online, http)?;
    TrustedRoot::from_tuf(config).await.map_err(|e| Error::TrustRoot("TUF refresh".into()).because(e))
}

/// One authority of a trusted root and when it may be used (unix seconds).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Window {
    /// The authority's URL (CA or TSA URI, log base URL).
    pub url: String,
    /// Start of its validity; `None` when the root states no window (always valid).
    pub start: Option<i64>,
    /// End of its validity; `None` when open-ended.
    pub end: Option<i64>,
}

/// The validity windows of a trusted root's authorities, by kind.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RootWindows {
    /// Fulcio certificate authorities.
    pub fulcio: Vec<Window>,
    /// Transparency log (Rekor) keys.
    pub rekor: Vec<Window>,
    /// Certificate transparency log keys.
    pub ctlogs: Vec<Window>,
    /// RFC 3161 timestamp authorities.
    pub tsa: Vec<Window>,
}

/// Read the validity windows of every authority in `root`.
pub fn root_windows(root: &TrustedRoot) -> RootWindows {
    let window = |url: &str, range: Option<&sigstore_verify::types::TimeRange>| Window {
        url: url.to_string(),
        start: range.map(|r| r.start.as_second()),
        end: range.and_then(|r| r.end.map(jiff::Timestamp::as_second)),
    };
    RootWindows {
        fulcio: root.certificate_authorities.iter().map(|ca| window(&ca.uri, ca.valid_for.as_ref())).collect(),
        rekor: root.tlogs.iter().map(|t| window(&t.base_url, t.public_key.valid_for.as_ref())).collect(),
        ctlogs: root.ctlogs.iter().map(|t| window(&t.base_url, t.public_key.valid_for.as_ref())).collect(),
        tsa: root
            .timestamp_authorities
            .iter()
            .map(|t| window(t.uri.as_deref().unwrap_or(""), t.valid_for.as_ref()))
            .collect(),
    }
}
