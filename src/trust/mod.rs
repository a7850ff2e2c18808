//! Trust material: which trusted roots a signature may be checked against (configured files, or
//! the embedded public-good, staging and GitHub roots, each refreshed through its own TUF
//! repository with an on-disk cache, never hanging offline). The root a signature is checked
//! against is chosen among them by the Fulcio CA that issued its certificate (see
//! [`crate::verify::Verifier::with_roots`]).

use std::path::PathBuf;
use std::time::{Duration, SystemTime};

use crate::config::Config;
use crate::error::{Error, Result};
use crate::sigstore::{self, Instance, TrustedRoot};

/// How long a TUF refresh may take before the embedded/cached root is used (less when the
/// command's network deadline is nearer).
const TUF_TIMEOUT: Duration = Duration::from_secs(4);
/// How often a TUF refresh is attempted.
pub(crate) const TUF_REFRESH_EVERY: Duration = Duration::from_secs(24 * 3600);

/// Where the trusted root came from, for reports.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RootSource {
    /// A file named by configuration.
    File(PathBuf),
    /// Refreshed through TUF, or read from the TUF cache of an earlier refresh.
    Tuf,
    /// The copy embedded in this binary.
    Embedded,
}

impl std::fmt::Display for RootSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RootSource::File(p) => write!(f, "file {}", p.display()),
            RootSource::Tuf => f.write_str("public-good root via TUF"),
            RootSource::Embedded => f.write_str("embedded public-good root"),
        }
    }
}

/// Read a trusted root file.
pub fn from_file(path: &std::path::Path) -> Result<TrustedRoot> {
    let text = crate::input::read_capped_string(path, crate::input::TRUSTED_ROOT).map_err(|e| match e {
        Error::Io { source, .. } => Error::TrustRoot(format!("cannot read {}: {source}", path.display())),
        other => other,
    })?;
    sigstore::parse_trusted_root(&text, &path.display().to_string())
}

/// The trusted root for this configuration (a configured file, else the root of the public-good
/// instance its services belong to). `allow_network` permits a bounded TUF refresh.
pub async fn load(cfg: &Config, allow_network: bool) -> Result<(TrustedRoot, RootSource)> {
    load_instance(cfg, cfg.instance().unwrap_or(Instance::Production), allow_network).await
}

/// The trusted root of a public-good instance, unless configuration names a file: refreshed
/// through TUF at most once a day when `allow_network`, else from the TUF cache of an earlier
/// refresh, else the copy embedded in this binary.
pub async fn load_instance(cfg: &Config, instance: Instance, allow_network: bool) -> Result<(TrustedRoot, RootSource)> {
    if let Some(path) = &cfg.trusted_root {
        return Ok((from_file(path)?, RootSource::File(path.clone())));
    }
    let fetch =
        |i, dir, online, http: crate::http::Client| async move { sigstore::tuf_root(i, dir, online, &http).await };
    match from_tuf(instance, "", allow_network, &cfg.deadline, fetch).await {
        Some(root) => Ok((root, RootSource::Tuf)),
        None => Ok((sigstore::embedded_root(instance)?, RootSource::Embedded)),
    }
}

/// A target of `instance`'s TUF repository, fetched by `fetch` (through sigseal's HTTP client,
/// into the instance's cache): refreshed at most once a day when `allow_network` (the attempt
/// recorded in a stamp file named after `what`), else read from the cache of an earlier
/// refresh; `None` when neither gives it within [`TUF_TIMEOUT`] (the caller then uses the copy
/// embedded in this binary). A refresh counts against the command's network deadline; a cache
/// read does not.
async fn from_tuf<T, F, Fut>(
    instance: Instance,
    what: &str,
    allow_network: bool,
    deadline: &crate::http::Deadline,
    fetch: F,
) -> Option<T>
where
    F: FnOnce(Instance, PathBuf, bool, crate::http::Client) -> Fut,
    Fut: std::future::Future<Output = Result<T>>,
{
    let name = cache_name(instance);
    let dir = cache_dir()?;
    let stamp = dir.join(format!("{name}{what}-last-attempt"));
    let online = allow_network && refresh_due(&stamp);
    let limit = if online { TUF_TIMEOUT.min(deadline.remaining()) } else { TUF_TIMEOUT };
    let http = crate::http::Client::new(deadline);
    let attempt = tokio::time::timeout(limit, fetch(instance, dir.join(name), online, http)).await;
    if online {
        mark_attempt(&stamp);
    }
    attempt.ok()?.ok()
}

/// The services a keyless signature goes to: the configuration's own, unless it names none
/// (sigseal's public-good default, or the `--staging` preset): then the instance's signing
/// config picks them, refreshed through TUF like the trusted root (else the cached or embedded
/// copy): its Fulcio, the log it selects (and that log's API version) and its timestamp
/// authority (a `sigseal.timestampURL` of the user's still wins). Never another instance's.
/// `force_version` asks for a log of that API version (`--rekor-version`).
pub async fn signing_services(cfg: &Config, force_version: Option<u32>, allow_network: bool) -> Result<Config> {
    let Some(instance) = cfg.instance().filter(|_| cfg.instance_services) else { return Ok(cfg.clone()) };
    let sc = load_signing_config(instance, allow_network, &cfg.deadline).await?;
    with_signing_config(cfg, &sc, &format!("{} signing config", instance.name()), force_version)
}

/// `cfg` with the services `sc` selects (see [`signing_services`]).
fn with_signing_config(
    cfg: &Config,
    sc: &sigstore::SigningConfig,
    origin: &str,
    force_version: Option<u32>,
) -> Result<Config> {
    let mut out = cfg.clone();
    if let Some(fulcio) = sc.fulcio_url() {
        out.fulcio_url = fulcio.url.trim_end_matches('/').to_string();
    }
    if let Some((url, version)) = sigstore::select_log(sc, origin, force_version)? {
        out.rekor_url = url;
        out.rekor_version = version;
    }
    if out.timestamp_url.is_none() {
        out.timestamp_url = sigstore::select_tsa(sc, origin)?;
    }
    if out.rekor_version == 2 && out.timestamp_url.is_none() {
        return Err(Error::Config(format!(
            "the {origin} selects a Rekor v2 log but names no timestamp authority; set sigseal.timestampURL"
        )));
    }
    Ok(out)
}

/// An instance's signing config: through TUF when a refresh is due and the network allowed,
/// else from the TUF cache, else the copy embedded in this binary.
async fn load_signing_config(
    instance: Instance,
    allow_network: bool,
    deadline: &crate::http::Deadline,
) -> Result<sigstore::SigningConfig> {
    let fetch = |i, dir, online, http: crate::http::Client| async move {
        sigstore::tuf_signing_config(i, dir, online, &http).await
    };
    if let Some(sc) = from_tuf(instance, "-signing-config", allow_network, deadline, fetch).await {
        return Ok(sc);
    }
    sigstore::embedded_signing_config(instance)
        .unwrap_or_else(|| Err(Error::Config(format!("the {} instance has no signing config", instance.name()))))
}

fn cache_name(instance: Instance) -> &'static str {
    match instance {
        Instance::Production => "tuf",
        Instance::Staging => "tuf-staging",
        Instance::GitHub => "tuf-github",
    }
}

/// What is on disk about an instance's TUF cache, for `sigseal doctor`. Read as found: nothing
/// here is verified (loading the root verifies the cache).
#[derive(Clone, Debug)]
pub struct TufCacheState {
    /// The cache directory.
    pub dir: PathBuf,
    /// The file touched at every refresh attempt.
    pub stamp: PathBuf,
    /// When a refresh was last attempted.
    pub last_attempt: Option<SystemTime>,
    /// When the cached TUF timestamp metadata was last written (by a refresh that found a new
    /// version).
    pub timestamp_written: Option<SystemTime>,
    /// The expiry the cached timestamp metadata states (unix seconds).
    pub timestamp_expires: Option<i64>,
}

/// The state of `instance`'s TUF cache; `None` when there is no cache directory for this user.
pub fn tuf_cache_state(instance: Instance) -> Option<TufCacheState> {
    let base = cache_dir()?;
    let name = cache_name(instance);
    let dir = base.join(name);
    let stamp = base.join(format!("{name}-last-attempt"));
    let modified = |p: &std::path::Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
    let timestamp = dir.join("timestamp.json");
    let timestamp_expires = crate::input::read_capped(&timestamp, crate::input::TUF_METADATA)
        .ok()
        .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
        .and_then(|v| v.pointer("/signed/expires").and_then(|e| e.as_str()).map(str::to_string))
        .and_then(|e| e.parse::<jiff::Timestamp>().ok())
        .map(jiff::Timestamp::as_second);
    Some(TufCacheState {
        last_attempt: modified(&stamp),
        timestamp_written: modified(&timestamp),
        timestamp_expires,
        dir,
        stamp,
    })
}

fn cache_dir() -> Option<PathBuf> {
    directories::ProjectDirs::from("dev", "sigseal", "sigseal").map(|d| d.cache_dir().to_path_buf())
}

fn refresh_due(stamp: &std::path::Path) -> bool {
    match std::fs::metadata(stamp).and_then(|m| m.modified()) {
        Ok(t) => SystemTime::now().duration_since(t).map_or(true, |age| age > TUF_REFRESH_EVERY),
        Err(_) => true,
    }
}

fn mark_attempt(stamp: &std::path::Path) {
    if let Some(parent) = stamp.parent() {
        let _ = std::fs::create_dir_all(parent);
    }
    let _ = std::fs::write(stamp, b"");
}

/// Where a verification takes its trust from, as plain values (the verify commands' `--trusted-root`,
/// `--staging`, `--offline` and `--rekor-url`, or a library caller's own).
#[derive(Clone, Debug, Default)]
pub struct TrustOptions {
    /// Trust the public-good staging instance instead of the configured one.
    pub staging: bool,
    /// No network at all: no TUF refresh and no Rekor search.
    pub offline: bool,
    /// The Rekor to search for signatures that embed no log entry (default: the configured
    /// writable log of the configured instance; never another instance's).
    pub rekor_url: Option<String>,
    /// More trusted root files beside the configured one (a repeated `--trusted-root`): each
    /// signature is checked against the one whose Fulcio CA issued its certificate.
    pub more_roots: Vec<PathBuf>,
}

/// A trusted root and the name reports give it (an instance, or a file).
#[derive(Clone, Debug)]
pub struct NamedRoot {
    /// `public-good`, `public-good staging`, `GitHub`, or `file PATH`.
    pub name: String,
    /// The root.
    pub root: TrustedRoot,
}

/// The trusted roots a verification may use, in order of preference, and the Rekor it may
/// search (none when offline). `cfg` already carries a `--trusted-root` or staging override
/// (see [`crate::config::Overrides`]).
///
/// - Root files (`--trusted-root`, `sigseal.trustedRoot`, more with a repeated `--trusted-root`):
///   those only.
/// - `--staging`: the staging root only (staging issues certificates to anyone testing, so it is
///   never chosen automatically).
/// - Otherwise the public-good root and GitHub's, each through its own TUF repository: a
///   signature is checked against the one whose Fulcio CA issued its certificate (the OIDC
///   issuer is the same for both, so it cannot decide).
pub async fn for_verification(cfg: &Config, options: &TrustOptions) -> Result<(Vec<NamedRoot>, Option<String>)> {
    if let Some(url) = &options.rekor_url {
        crate::config::check_service_url("Rekor", url)?;
    }
    let online = !options.offline;
    let mut roots = Vec::new();
    if cfg.trusted_root.is_some() || !options.more_roots.is_empty() {
        for path in cfg.trusted_root.iter().chain(&options.more_roots) {
            roots.push(NamedRoot { name: format!("file {}", path.display()), root: from_file(path)? });
        }
    } else if options.staging || cfg.instance() == Some(Instance::Staging) {
        let (root, _) = load_instance(cfg, Instance::Staging, online).await?;
        roots.push(NamedRoot { name: Instance::Staging.name().into(), root });
    } else {
        for instance in [Instance::Production, Instance::GitHub] {
            let (root, _) = load_instance(cfg, instance, online).await?;
            roots.push(NamedRoot { name: instance.name().into(), root });
        }
    }
    let rekor_url = match (&options.rekor_url, options.offline, options.staging) {
        (_, true, _) => None,
        (Some(url), _, _) => Some(url.trim_end_matches('/').to_string()),
        (None, _, true) => Some(crate::config::STAGING_REKOR_URL.to_string()),
        (None, _, false) => cfg.rekor_for_search().map(str::to_string),
    };
    Ok((roots, rekor_url))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn public_good() -> Config {
        Config::from_sources(&crate::config::Sources::default()).unwrap()
    }

    #[test]
    fn the_public_good_defaults_take_their_services_from_its_signing_config() {
        let cfg = public_good();
        assert!(cfg.instance_services);
        let sc = sigstore::embedded_signing_config(Instance::Production).unwrap().unwrap();
        let out = with_signing_config(&cfg, &sc, "embedded", None).unwrap();
        assert_eq!(out.fulcio_url, "https://fulcio.sigstore.dev");
        assert_eq!((out.rekor_url.as_str(), out.rekor_version), ("https://rekor.sigstore.dev", 1));
        assert_eq!(out.timestamp_url.as_deref(), Some("https://timestamp.sigstore.dev/api/v1/timestamp"));
    }

    #[test]
    fn a_signing_config_with_a_v2_log_selects_it_and_its_timestamp_authority() {
        let window = r#""validFor":{"start":"2020-01-01T00:00:00Z"}"#;
        let json = |tsa: &str| {
            format!(
                r#"{{"mediaType":"application/vnd.dev.sigstore.signingconfig.v0.2+json",
                   "caUrls":[{{"url":"https://fulcio.sigstore.dev","majorApiVersion":1,{window}}}],
                   "oidcUrls":[],
                   "rekorTlogUrls":[{{"url":"https://rekor.sigstore.dev","majorApiVersion":1,{window}}},
                                    {{"url":"https://log2025-1.rekor.sigstore.dev","majorApiVersion":2,{window}}}],
                   "rekorTlogConfig":{{"selector":"ANY"}},
                   "tsaUrls":{tsa},"tsaConfig":{{"selector":"ANY"}}}}"#
            )
        };
        let tsa =
            format!(r#"[{{"url":"https://timestamp.sigstore.dev/api/v1/timestamp","majorApiVersion":1,{window}}}]"#);
        let sc = sigstore::parse_signing_config(&json(&tsa), "test").unwrap();
        let out = with_signing_config(&public_good(), &sc, "test", None).unwrap();
        assert_eq!((out.rekor_url.as_str(), out.rekor_version), ("https://log2025-1.rekor.sigstore.dev", 2));
        let v1 = with_signing_config(&public_good(), &sc, "test", Some(1)).unwrap();
        assert_eq!((v1.rekor_url.as_str(), v1.rekor_version), ("https://rekor.sigstore.dev", 1));
        let no_tsa = sigstore::parse_signing_config(&json("[]"), "test").unwrap();
        let e = with_signing_config(&public_good(), &no_tsa, "test", None).unwrap_err();
        assert!(e.to_string().contains("names no timestamp authority"), "{e}");
    }

    #[test]
    fn a_signing_config_asking_for_several_timestamps_is_refused_rather_than_half_honoured() {
        let window = r#""validFor":{"start":"2020-01-01T00:00:00Z"}"#;
        let config = |tsas: usize, selector: &str| {
            let urls: Vec<String> = (0..tsas)
                .map(|i| format!(r#"{{"url":"https://tsa{i}.example/api/v1/timestamp","majorApiVersion":1,{window}}}"#))
                .collect();
            sigstore::parse_signing_config(
                &format!(
                    r#"{{"mediaType":"application/vnd.dev.sigstore.signingconfig.v0.2+json",
                       "caUrls":[],"oidcUrls":[],"rekorTlogUrls":[],"rekorTlogConfig":{{"selector":"ANY"}},
                       "tsaUrls":[{}],"tsaConfig":{{"selector":"{selector}"}}}}"#,
                    urls.join(",")
                ),
                "test",
            )
            .unwrap()
        };
        assert_eq!(
            sigstore::select_tsa(&config(2, "ANY"), "t").unwrap().as_deref(),
            Some("https://tsa0.example/api/v1/timestamp")
        );
        assert!(sigstore::select_tsa(&config(1, "ALL"), "t").unwrap().is_some());
        let e = sigstore::select_tsa(&config(2, "ALL"), "t").unwrap_err();
        assert!(e.to_string().contains("timestamps from 2 authorities"), "{e}");
        assert_eq!(sigstore::select_tsa(&config(0, "ANY"), "t").unwrap(), None);
    }
}
