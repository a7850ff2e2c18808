//! Configuration: git config `sigseal.*` (with `gitsign.*` fallbacks), overridden by `SIGSEAL_*`
//! environment variables, overridden in turn by command-line flags ([`Overrides`]), resolved
//! into service URLs, trust material and a verification policy.
//!
//! git config is read in process ([`crate::git::config`]: scopes, includes, `git -c` resolved as
//! git does, with no child process on the paths git drives), falling back to `git config` itself
//! when that fails; [`git_config`] is the one place sigseal runs `git config` (that fallback,
//! `sigseal setup` writing git's signing keys, `sigseal doctor` asking where a key is set).

use std::collections::HashMap;
use std::path::PathBuf;

use crate::error::{Error, Result};

/// Public-good Fulcio.
pub const DEFAULT_FULCIO_URL: &str = "https://fulcio.sigstore.dev";
/// Public-good Rekor.
pub const DEFAULT_REKOR_URL: &str = "https://rekor.sigstore.dev";
/// Public-good OIDC issuer.
pub const DEFAULT_OIDC_ISSUER: &str = "https://oauth2.sigstore.dev/auth";
/// Public-good OIDC client id.
pub const DEFAULT_CLIENT_ID: &str = "sigstore";
/// Fulcio of the public-good staging instance.
pub const STAGING_FULCIO_URL: &str = "https://fulcio.sigstage.dev";
/// Rekor of the public-good staging instance.
pub const STAGING_REKOR_URL: &str = "https://rekor.sigstage.dev";
/// OIDC issuer of the public-good staging instance.
pub const STAGING_OIDC_ISSUER: &str = "https://oauth2.sigstage.dev/auth";

/// The name of the instance a Fulcio URL belongs to: `production`, `staging` or `private`.
pub fn instance_name(fulcio_url: &str) -> &'static str {
    match fulcio_url.trim_end_matches('/') {
        DEFAULT_FULCIO_URL => "production",
        STAGING_FULCIO_URL => "staging",
        _ => "private",
    }
}

/// Identity policy used by git's verify mode (`sigseal.verify.*`). A key set to an empty value
/// is kept as `Some("")`, so that the policy can refuse it instead of silently dropping it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct VerifyPolicy {
    /// Exact identity (SAN).
    pub identity: Option<String>,
    /// Regular expression the whole identity must match.
    pub identity_regexp: Option<String>,
    /// Exact OIDC issuer.
    pub issuer: Option<String>,
    /// Regular expression the whole issuer must match.
    pub issuer_regexp: Option<String>,
    /// A policy file of allowed signers (`sigseal.verify.policyFile`).
    pub policy_file: Option<PathBuf>,
}

impl VerifyPolicy {
    /// True when no constraint is configured.
    pub fn is_empty(&self) -> bool {
        self.identity.is_none()
            && self.identity_regexp.is_none()
            && self.issuer.is_none()
            && self.issuer_regexp.is_none()
            && self.policy_file.is_none()
    }
}

/// Where the signer gets its identity token (`sigseal.tokenProvider`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum TokenProvider {
    /// CI ambient token if any, else the agent, else an interactive login (browser when one
    /// can be opened, else the device flow).
    #[default]
    Auto,
    /// GitHub Actions (`ACTIONS_ID_TOKEN_REQUEST_URL` / `_TOKEN`).
    GithubActions,
    /// GitLab CI (`SIGSTORE_ID_TOKEN` from the job's `id_tokens`).
    Gitlab,
    /// Buildkite (`buildkite-agent oidc request-token`).
    Buildkite,
    /// CircleCI (`circleci run oidc get`).
    Circleci,
    /// A token file (`sigseal.tokenFile`).
    File,
    /// `SIGSTORE_ID_TOKEN`.
    Env,
    /// Browser login (authorization code + PKCE); the URL is shown for pasting the code when no
    /// browser opens.
    Browser,
    /// RFC 8628 device flow.
    Device,
}

impl TokenProvider {
    /// Every accepted spelling, for messages and docs.
    pub const NAMES: &'static str = "auto, github-actions, gitlab, buildkite, circleci, file, env, browser, device";

    /// Parse a `sigseal.tokenProvider` value.
    pub fn parse(value: &str) -> Result<Self> {
        Ok(match value.to_ascii_lowercase().as_str() {
            "auto" | "" => Self::Auto,
            "github-actions" | "github" => Self::GithubActions,
            "gitlab" | "gitlab-ci" => Self::Gitlab,
            "buildkite" => Self::Buildkite,
            "circleci" => Self::Circleci,
            "file" | "filesystem" => Self::File,
            "env" | "environment" => Self::Env,
            "browser" | "interactive" => Self::Browser,
            "device" => Self::Device,
            other => {
                return Err(Error::Config(format!("sigseal.tokenProvider = {other:?} is not one of: {}", Self::NAMES)))
            }
        })
    }

    /// True for the providers that need a person (browser or device login).
    pub fn is_interactive(self) -> bool {
        matches!(self, Self::Auto | Self::Browser | Self::Device)
    }
}

/// Identity and login settings.
#[derive(Clone, Debug)]
pub struct IdentityConfig {
    /// Forced token provider, or auto-detection.
    pub provider: TokenProvider,
    /// Dex connector to preselect (`sigseal.connectorID`), e.g. `https://github.com/login/oauth`.
    pub connector_id: Option<String>,
    /// Browser command (`sigseal.browser`, else `$BROWSER`); `None` means the platform opener.
    pub browser: Option<String>,
    /// Give up on a login after this long.
    pub login_timeout: std::time::Duration,
    /// Refuse to sign unless the identity is the committer/tagger email.
    pub match_committer: bool,
    /// Use the credential agent (`sigseal.agent`, default true).
    pub use_agent: bool,
    /// Agent socket path override (`sigseal.agentSocket` / `SIGSEAL_AGENT_SOCKET`).
    pub agent_socket: Option<PathBuf>,
}

/// Resolved configuration.
#[derive(Clone, Debug)]
pub struct Config {
    /// Fulcio base URL.
    pub fulcio_url: String,
    /// Rekor base URL.
    pub rekor_url: String,
    /// The major version of Rekor's API at `rekor_url` (1, or 2 for a tile-based log):
    /// `sigseal.rekorVersion` with an explicit Rekor URL, else the version the signing config
    /// gives the log it selects (the highest sigseal writes), else 1.
    pub rekor_version: u32,
    /// Fulcio and Rekor are the public-good instance's, named by no setting, flag or signing
    /// config of the user's: the instance's own signing config (TUF) then picks its services
    /// ([`crate::trust::signing_services`]).
    pub instance_services: bool,
    /// OIDC issuer URL (for logins, issue of tokens).
    pub oidc_issuer: String,
    /// OIDC client id.
    pub client_id: String,
    /// Trusted root file; `None` means the embedded public-good root.
    pub trusted_root: Option<PathBuf>,
    /// Signing config file (service URLs), if any.
    pub signing_config: Option<PathBuf>,
    /// RFC 3161 timestamp authority to countersign each signature (`sigseal.timestampURL`, or
    /// the signing config's TSA); none by default.
    pub timestamp_url: Option<String>,
    /// File holding an identity token.
    pub token_file: Option<PathBuf>,
    /// Verification policy for git's verify mode.
    pub verify: VerifyPolicy,
    /// Identity and login settings.
    pub identity: IdentityConfig,
    /// Why the Fulcio or Rekor URL above is only a public-good stand-in that must not be used:
    /// the configuration names another instance but leaves this service out. Signing refuses
    /// to start ([`Config::require_services`]); verification does not search that log.
    pub service_error: Option<String>,
    /// The deadline of this command's network work (`sigseal.timeout` / `SIGSEAL_TIMEOUT`
    /// seconds, default 120): every request to Fulcio, Rekor, the timestamp authority, the OIDC
    /// issuer, a CI token endpoint and the TUF repository, retries included; time waiting for a
    /// person to log in is not counted. Clones share it.
    pub deadline: crate::http::Deadline,
}

/// `sigseal.timeout` / `SIGSEAL_TIMEOUT`: a positive number of seconds.
fn network_timeout(s: &Sources) -> Result<std::time::Duration> {
    match s.pick(&["SIGSEAL_TIMEOUT"], &["sigseal.timeout"]) {
        None => Ok(crate::http::DEFAULT_TIMEOUT),
        Some(v) => v
            .trim()
            .parse::<u64>()
            .ok()
            .filter(|n| *n > 0)
            .map(std::time::Duration::from_secs)
            .ok_or_else(|| Error::Config(format!("sigseal.timeout = {v:?} is not a positive number of seconds"))),
    }
}

/// Settings given on the command line. Each one set beats the environment and git config (flag >
/// `SIGSEAL_*` > `sigseal.*` > `gitsign.*`); an unset one leaves them to decide.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Overrides {
    /// A public-good instance to use as a whole: its Fulcio, Rekor and OIDC issuer, and its
    /// embedded trust material (a configured or given trusted root is dropped). The URL fields
    /// below still beat it.
    pub instance: Option<crate::sigstore::Instance>,
    /// Trusted root file (`--trusted-root`).
    pub trusted_root: Option<PathBuf>,
    /// Signing config file (`--signing-config`).
    pub signing_config: Option<PathBuf>,
    /// Fulcio base URL.
    pub fulcio_url: Option<String>,
    /// Rekor base URL.
    pub rekor_url: Option<String>,
    /// Rekor API version (`--rekor-version`): of an explicit Rekor URL, or the version to select
    /// from the signing config.
    pub rekor_version: Option<u32>,
    /// OIDC issuer URL.
    pub oidc_issuer: Option<String>,
    /// RFC 3161 timestamp authority URL (`--timestamp-server-url`).
    pub timestamp_url: Option<String>,
}

impl Overrides {
    /// The URLs of the chosen instance preset, if any: (Fulcio, Rekor, OIDC issuer).
    fn preset_urls(&self) -> Option<(&'static str, &'static str, &'static str)> {
        use crate::sigstore::Instance;
        self.instance.and_then(|i| match i {
            Instance::Production => Some((DEFAULT_FULCIO_URL, DEFAULT_REKOR_URL, DEFAULT_OIDC_ISSUER)),
            Instance::Staging => Some((STAGING_FULCIO_URL, STAGING_REKOR_URL, STAGING_OIDC_ISSUER)),
            // GitHub's instance signs for GitHub's own services; it is a trust root, not a preset.
            Instance::GitHub => None,
        })
    }
}

/// Raw key/value source: git config entries (lower-cased keys) and the environment.
#[derive(Clone, Debug, Default)]
pub struct Sources {
    git: HashMap<String, String>,
    env: HashMap<String, String>,
}

impl Sources {
    /// Read `git config` (all scopes, last value wins) and the process environment.
    pub fn load() -> Self {
        Self { git: read_git_config(), env: std::env::vars().collect() }
    }

    /// Build from explicit maps (tests).
    pub fn from_maps(git: HashMap<String, String>, env: HashMap<String, String>) -> Self {
        let git = git.into_iter().map(|(k, v)| (k.to_ascii_lowercase(), v)).collect();
        Self { git, env }
    }

    fn env(&self, name: &str) -> Option<String> {
        self.env.get(name).filter(|v| !v.is_empty()).cloned()
    }

    fn git(&self, key: &str) -> Option<String> {
        self.git.get(&key.to_ascii_lowercase()).filter(|v| !v.is_empty()).cloned()
    }

    /// A policy key: the environment variable when it is non-empty, else the git key as set,
    /// even when empty (an empty policy value is a mistake to report, not an absent rule).
    fn pick_policy(&self, env: &str, key: &str) -> Option<String> {
        self.env(env).or_else(|| self.git.get(&key.to_ascii_lowercase()).cloned())
    }

    /// First of: the environment variables, then the git keys, in the order given.
    fn pick(&self, envs: &[&str], keys: &[&str]) -> Option<String> {
        envs.iter().find_map(|e| self.env(e)).or_else(|| keys.iter().find_map(|k| self.git(k)))
    }

    /// A boolean git config key (`true/yes/on/1`).
    pub fn git_bool(&self, key: &str) -> Option<bool> {
        self.git(key).map(|v| is_true(&v))
    }

    /// A boolean from the environment variables, then the git keys.
    fn pick_bool(&self, envs: &[&str], keys: &[&str]) -> Option<bool> {
        self.pick(envs, keys).map(|v| is_true(&v))
    }
}

fn is_true(v: &str) -> bool {
    matches!(v.to_ascii_lowercase().as_str(), "true" | "yes" | "on" | "1")
}

/// Every `sigseal.*` and `gitsign.*` key git sees (all scopes, last value wins), read in this
/// process as git resolves them ([`crate::git::config`]). When that cannot be done (a file gix
/// cannot parse, say), `git config` itself is asked; nothing when git cannot be run either (the
/// defaults apply, and signing reports what is missing).
fn read_git_config() -> HashMap<String, String> {
    match crate::git::config::section_values(&["sigseal", "gitsign"]) {
        Ok(pairs) => pairs.into_iter().collect(),
        Err(_) => read_git_config_with_git(),
    }
}

fn read_git_config_with_git() -> HashMap<String, String> {
    let mut map = HashMap::new();
    if let Ok(out) = git_config(&["-z", "--get-regexp", r"^(sigseal|gitsign)\."], None) {
        for rec in out.stdout.split(|b| *b == 0) {
            let rec = String::from_utf8_lossy(rec);
            if rec.is_empty() {
                continue;
            }
            let (k, v) = rec.split_once('\n').unwrap_or((&rec, ""));
            map.insert(k.to_ascii_lowercase(), v.to_string());
        }
    }
    map
}

/// The git executable to run (`SIGSEAL_GIT`, else `git` on PATH).
pub fn git_program() -> String {
    std::env::var("SIGSEAL_GIT").ok().filter(|s| !s.is_empty()).unwrap_or_else(|| "git".to_string())
}

/// Run `git config ARGS` with the git of [`git_program`]: stdin closed, output captured, and
/// killed after `deadline` when one is given. The one place sigseal runs `git config`; a
/// non-zero exit (1: key not set) is returned, not an error.
pub fn git_config(args: &[&str], deadline: Option<std::time::Duration>) -> Result<crate::process::Ran> {
    let mut full = Vec::with_capacity(args.len() + 1);
    full.push("config");
    full.extend_from_slice(args);
    crate::process::run(std::ffi::OsStr::new(&git_program()), &full, deadline).map_err(|e| match e {
        Error::Io { source, .. } if source.kind() == std::io::ErrorKind::TimedOut => Error::Git(format!(
            "git config {} did not finish within {} s",
            args.join(" "),
            deadline.map_or(0, |d| d.as_secs())
        )),
        Error::Io { source, .. } => Error::Git(format!("running git config: {source}")),
        other => other,
    })
}

/// Where `git config` reads and writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GitScope {
    /// The user's global configuration (`--global`).
    Global,
    /// This repository's configuration (`--local`).
    Local,
}

impl GitScope {
    /// The `git config` option naming it.
    pub fn flag(self) -> &'static str {
        match self {
            GitScope::Global => "--global",
            GitScope::Local => "--local",
        }
    }

    /// Its name: `global` or `local`.
    pub fn as_str(self) -> &'static str {
        match self {
            GitScope::Global => "global",
            GitScope::Local => "local",
        }
    }
}

/// The value of `key` in `scope`, `None` when it is not set there (or git cannot tell).
pub fn git_config_get(scope: GitScope, key: &str) -> Option<String> {
    git_config(&[scope.flag(), "--get", key], None)
        .ok()
        .filter(|o| o.success)
        .map(|o| o.stdout_text().trim_end().to_string())
}

/// Set `key` to `value` in `scope`.
pub fn git_config_set(scope: GitScope, key: &str, value: &str) -> Result<()> {
    let out = git_config(&[scope.flag(), key, value], None)?;
    if !out.success {
        return Err(Error::Git(format!("git config {} {key} failed: {}", scope.flag(), out.stderr.trim())));
    }
    Ok(())
}

impl VerifyPolicy {
    /// The `sigseal.verify.*` keys (each `SIGSEAL_VERIFY_*` variable before its key).
    fn from_sources(s: &Sources) -> Self {
        VerifyPolicy {
            identity: s.pick_policy("SIGSEAL_VERIFY_IDENTITY", "sigseal.verify.identity"),
            identity_regexp: s.pick_policy("SIGSEAL_VERIFY_IDENTITY_REGEXP", "sigseal.verify.identityRegexp"),
            issuer: s.pick_policy("SIGSEAL_VERIFY_ISSUER", "sigseal.verify.issuer"),
            issuer_regexp: s.pick_policy("SIGSEAL_VERIFY_ISSUER_REGEXP", "sigseal.verify.issuerRegexp"),
            policy_file: s.pick_policy("SIGSEAL_VERIFY_POLICY_FILE", "sigseal.verify.policyFile").map(PathBuf::from),
        }
    }
}

impl IdentityConfig {
    /// The identity and login keys.
    fn from_sources(s: &Sources) -> Result<Self> {
        Ok(IdentityConfig {
            provider: TokenProvider::parse(
                &s.pick(&["SIGSEAL_TOKEN_PROVIDER"], &["sigseal.tokenProvider"]).unwrap_or_default(),
            )?,
            connector_id: s.pick(
                &["SIGSEAL_CONNECTOR_ID", "GITSIGN_CONNECTOR_ID"],
                &["sigseal.connectorID", "gitsign.connectorID"],
            ),
            browser: s.pick(&["SIGSEAL_BROWSER"], &["sigseal.browser"]).or_else(|| s.env("BROWSER")),
            login_timeout: std::time::Duration::from_secs(
                match s.pick(&["SIGSEAL_LOGIN_TIMEOUT"], &["sigseal.loginTimeout"]) {
                    None => 300,
                    Some(v) => v.parse::<u64>().ok().filter(|n| *n > 0).ok_or_else(|| {
                        Error::Config(format!("sigseal.loginTimeout = {v:?} is not a positive number of seconds"))
                    })?,
                },
            ),
            match_committer: s
                .pick_bool(
                    &["SIGSEAL_MATCH_COMMITTER", "GITSIGN_MATCH_COMMITTER"],
                    &["sigseal.matchCommitter", "gitsign.matchCommitter"],
                )
                .unwrap_or(false),
            use_agent: s.pick_bool(&["SIGSEAL_AGENT"], &["sigseal.agent"]).unwrap_or(true),
            agent_socket: s.pick(&["SIGSEAL_AGENT_SOCKET"], &["sigseal.agentSocket"]).map(PathBuf::from),
        })
    }
}

/// The service URLs a signing config names: Fulcio, a Rekor sigseal can write (API version 1),
/// the OIDC issuer and the timestamp authority.
#[derive(Default)]
struct SigningConfigUrls {
    fulcio: Option<String>,
    /// The log selected (URL, major API version), per the config's `rekorTlogConfig`.
    rekor: Option<(String, u32)>,
    oidc: Option<String>,
    tsa: Option<String>,
}

impl SigningConfigUrls {
    fn read(path: &std::path::Path, force_version: Option<u32>) -> Result<Self> {
        let text = crate::input::read_capped_string(path, crate::input::SIGNING_CONFIG)?;
        let sc = crate::sigstore::parse_signing_config(&text, &path.display().to_string())?;
        let rekor = crate::sigstore::select_log(&sc, &path.display().to_string(), force_version)?;
        Ok(Self {
            fulcio: sc.fulcio_url().map(|e| e.url.clone()),
            rekor,
            oidc: sc.oidc_url().map(|e| e.url.clone()),
            tsa: crate::sigstore::select_tsa(&sc, &path.display().to_string())?,
        })
    }
}

impl Config {
    /// Load from git config and the environment.
    pub fn load() -> Result<Self> {
        Self::from_sources(&Sources::load())
    }

    /// Load from git config and the environment, with command-line overrides on top.
    pub fn load_with(overrides: &Overrides) -> Result<Self> {
        Self::from_sources_with(&Sources::load(), overrides)
    }

    /// Resolve from the given sources.
    pub fn from_sources(s: &Sources) -> Result<Self> {
        Self::from_sources_with(s, &Overrides::default())
    }

    /// Resolve from the given sources, with command-line overrides on top.
    pub fn from_sources_with(s: &Sources, o: &Overrides) -> Result<Self> {
        let preset = o.preset_urls();
        let signing_config = o
            .signing_config
            .clone()
            .or_else(|| s.pick(&["SIGSEAL_SIGNING_CONFIG"], &["sigseal.signingConfig"]).map(PathBuf::from));
        let named = match &signing_config {
            Some(path) => SigningConfigUrls::read(path, o.rekor_version)?,
            None => SigningConfigUrls::default(),
        };
        if let Some(url) = &o.timestamp_url {
            check_service_url("timestamp authority", url)?;
        }
        let (timestamp_url, fulcio_set, rekor_set) = chosen_services(s, o, &named, preset);
        let instance_services = o.fulcio_url.is_none()
            && o.rekor_url.is_none()
            && signing_config.is_none()
            && s.pick(&["SIGSEAL_FULCIO_URL", "GITSIGN_FULCIO_URL"], &["sigseal.fulcioURL", "gitsign.fulcio"])
                .is_none()
            && s.pick(&["SIGSEAL_REKOR_URL", "GITSIGN_REKOR_URL"], &["sigseal.rekorURL", "gitsign.rekor"]).is_none();
        let rekor_version = resolve_rekor_version(s, o, rekor_set.as_deref(), named.rekor.as_ref())?;
        let named_rekor = named.rekor.map(|(url, _)| url);
        let (fulcio_url, rekor_url, service_error) =
            resolve_services(fulcio_set.or(named.fulcio), rekor_set.as_deref(), named_rekor, signing_config.as_deref());
        let oidc_issuer = o
            .oidc_issuer
            .clone()
            .or_else(|| preset.map(|p| p.2.to_string()))
            .or_else(|| {
                s.pick(&["SIGSEAL_OIDC_ISSUER", "GITSIGN_OIDC_ISSUER"], &["sigseal.oidcIssuer", "gitsign.issuer"])
            })
            .or(named.oidc)
            .unwrap_or_else(|| DEFAULT_OIDC_ISSUER.into());
        let client_id = s
            .pick(&["SIGSEAL_CLIENT_ID", "GITSIGN_OIDC_CLIENT_ID"], &["sigseal.clientID", "gitsign.clientID"])
            .unwrap_or_else(|| DEFAULT_CLIENT_ID.into());
        // An instance preset names its trust material itself (the embedded root).
        let trusted_root = if o.instance.is_some() {
            None
        } else {
            o.trusted_root
                .clone()
                .or_else(|| s.pick(&["SIGSEAL_TRUSTED_ROOT"], &["sigseal.trustedRoot"]).map(PathBuf::from))
        };
        let token_file = s.pick(&["SIGSEAL_TOKEN_FILE"], &["sigseal.tokenFile"]).map(PathBuf::from);
        let verify = VerifyPolicy::from_sources(s);
        let identity = IdentityConfig::from_sources(s)?;
        for (name, url) in [("Fulcio", &fulcio_url), ("Rekor", &rekor_url), ("OIDC issuer", &oidc_issuer)] {
            check_service_url(name, url)?;
        }
        if rekor_version == 2 && timestamp_url.is_none() && service_error.is_none() {
            return Err(Error::Config(format!(
                "Rekor {rekor_url} is a v2 log, which records no signing time: name an RFC 3161 timestamp authority \
                 (sigseal.timestampURL, or one in the signing config)"
            )));
        }
        let cfg = Self {
            fulcio_url: fulcio_url.trim_end_matches('/').to_string(),
            rekor_url: rekor_url.trim_end_matches('/').to_string(),
            rekor_version,
            instance_services,
            oidc_issuer,
            client_id,
            trusted_root,
            signing_config,
            timestamp_url,
            token_file,
            verify,
            identity,
            service_error,
            deadline: crate::http::Deadline::new(network_timeout(s)?),
        };
        if cfg.trusted_root.is_none() && cfg.instance().is_none() {
            return Err(Error::Config(format!(
                "Fulcio {} / Rekor {} are not the public-good instance, but no trusted root is configured; \
                 set sigseal.trustedRoot or SIGSEAL_TRUSTED_ROOT to that instance's trusted_root.json",
                cfg.fulcio_url, cfg.rekor_url
            )));
        }
        Ok(cfg)
    }

    /// The public-good instance (production or staging) whose Fulcio and Rekor are configured,
    /// whose trust material is embedded; `None` for a private deployment.
    pub fn instance(&self) -> Option<crate::sigstore::Instance> {
        use crate::sigstore::Instance;
        match (self.fulcio_url.as_str(), self.rekor_url.as_str()) {
            (DEFAULT_FULCIO_URL, DEFAULT_REKOR_URL) => Some(Instance::Production),
            (STAGING_FULCIO_URL, STAGING_REKOR_URL) => Some(Instance::Staging),
            _ => None,
        }
    }

    /// Fail unless Fulcio and Rekor are the instance the configuration names: called before
    /// any request of a signing run, so nothing (no token, no identity) reaches a service the
    /// user did not choose.
    pub fn require_services(&self) -> Result<()> {
        match &self.service_error {
            None => Ok(()),
            Some(why) => Err(Error::Config(format!(
                "{why}; sigseal never falls back to the public-good instance when another one is configured"
            ))),
        }
    }

    /// The Rekor URL to search, unless the configuration leaves Rekor out (see
    /// [`Config::service_error`]).
    pub fn rekor_for_search(&self) -> Option<&str> {
        self.service_error.is_none().then_some(self.rekor_url.as_str())
    }

    /// True when both services are the Sigstore public-good instance.
    pub fn is_public_good(&self) -> bool {
        self.fulcio_url == DEFAULT_FULCIO_URL && self.rekor_url == DEFAULT_REKOR_URL
    }
}

/// The timestamp authority, Fulcio and Rekor the user chose (flags, presets, environment, git
/// config; the timestamp authority falls back to the signing config's). A signing config given
/// on the command line outranks the environment and git config for the services it names (a
/// flag beats both); explicit service flags outrank it.
fn chosen_services(
    s: &Sources,
    o: &Overrides,
    named: &SigningConfigUrls,
    preset: Option<(&'static str, &'static str, &'static str)>,
) -> (Option<String>, Option<String>, Option<String>) {
    let flag_config = o.signing_config.is_some();
    let configured = |named: bool, env: &[&str], git: &[&str]| {
        if flag_config && named {
            None
        } else {
            s.pick(env, git)
        }
    };
    let timestamp_url = o
        .timestamp_url
        .clone()
        .or_else(|| {
            configured(
                named.tsa.is_some(),
                &["SIGSEAL_TIMESTAMP_URL", "GITSIGN_TIMESTAMP_SERVER_URL"],
                &["sigseal.timestampURL", "gitsign.timestampServerURL"],
            )
        })
        .or_else(|| named.tsa.clone());
    let fulcio_set = o.fulcio_url.clone().or_else(|| preset.map(|p| p.0.to_string())).or_else(|| {
        configured(
            named.fulcio.is_some(),
            &["SIGSEAL_FULCIO_URL", "GITSIGN_FULCIO_URL"],
            &["sigseal.fulcioURL", "gitsign.fulcio"],
        )
    });
    let rekor_set = o.rekor_url.clone().or_else(|| preset.map(|p| p.1.to_string())).or_else(|| {
        configured(
            named.rekor.is_some(),
            &["SIGSEAL_REKOR_URL", "GITSIGN_REKOR_URL"],
            &["sigseal.rekorURL", "gitsign.rekor"],
        )
    });
    (timestamp_url, fulcio_set, rekor_set)
}

/// The API version of the Rekor in use: an explicit Rekor's (`--rekor-version`, else
/// `sigseal.rekorVersion`, else 1), else the one the signing config selected, else 1.
fn resolve_rekor_version(
    s: &Sources,
    o: &Overrides,
    rekor_set: Option<&str>,
    named: Option<&(String, u32)>,
) -> Result<u32> {
    Ok(match (rekor_set, named) {
        (Some(_), _) => match o.rekor_version {
            Some(v) => v,
            None => rekor_version(s)?,
        },
        (None, Some((_, version))) => *version,
        (None, None) => 1,
    })
}

/// `sigseal.rekorVersion` / `SIGSEAL_REKOR_VERSION`: the API version of an explicitly named
/// Rekor (1 when not said).
fn rekor_version(s: &Sources) -> Result<u32> {
    match s.pick(&["SIGSEAL_REKOR_VERSION"], &["sigseal.rekorVersion"]) {
        None => Ok(1),
        Some(v) => match v.trim() {
            "1" => Ok(1),
            "2" => Ok(2),
            other => Err(Error::Config(format!(
                "sigseal.rekorVersion is {other:?}: sigseal writes to Rekor API versions 1 and 2"
            ))),
        },
    }
}

/// Fulcio and Rekor from what is set (flags, environment, git config: `fulcio`, `rekor_set`) and
/// what the signing config names; a public-good default fills a gap, with the reason it must not
/// be used when the rest names another instance.
fn resolve_services(
    fulcio: Option<String>,
    rekor_set: Option<&str>,
    named_rekor: Option<String>,
    signing_config: Option<&std::path::Path>,
) -> (String, String, Option<String>) {
    // A public-good default stands in for a service only when nothing names another
    // instance: a private Fulcio with the public Rekor would publish the private
    // identity in the public log.
    let names_other = |url: Option<&str>, public: &str| url.is_some_and(|u| u.trim_end_matches('/') != public);
    let mut service_error = None;
    let fulcio_url = if let Some(u) = fulcio {
        u
    } else {
        if let Some(sc) = signing_config {
            service_error =
                Some(format!("the signing config {} names no Fulcio, and sigseal.fulcioURL is not set", sc.display()));
        } else if names_other(rekor_set, DEFAULT_REKOR_URL) {
            service_error = Some(
                "Rekor is set to another instance than the public one, but Fulcio is not; set sigseal.fulcioURL to that instance's Fulcio"
                    .to_string(),
            );
        }
        DEFAULT_FULCIO_URL.into()
    };
    let rekor_url = if let Some(u) = rekor_set.map(str::to_string).or(named_rekor) {
        u
    } else {
        if let Some(sc) = signing_config {
            service_error.get_or_insert(format!(
                "the signing config {} names no Rekor log sigseal can write (it writes Rekor API versions 1 and 2), \
                 and sigseal.rekorURL is not set",
                sc.display()
            ));
        } else if names_other(Some(&fulcio_url), DEFAULT_FULCIO_URL) {
            service_error.get_or_insert(
                "Fulcio is set to another instance than the public one, but Rekor is not; set sigseal.rekorURL to that instance's Rekor"
                    .to_string(),
            );
        }
        DEFAULT_REKOR_URL.into()
    };
    (fulcio_url, rekor_url, service_error)
}

/// Service URLs must be https, or http on a loopback address (local test stacks).
pub fn check_service_url(name: &str, url: &str) -> Result<()> {
    let lower = url.to_ascii_lowercase();
    if lower.starts_with("https://") {
        return Ok(());
    }
    if let Some(rest) = lower.strip_prefix("http://") {
        let host_port = rest.split('/').next().unwrap_or("");
        let host = if let Some(v6) = host_port.strip_prefix('[') {
            v6.split(']').next().unwrap_or("")
        } else {
            host_port.rsplit_once(':').map_or(host_port, |(h, _)| h)
        };
        let loopback = host == "localhost" || host.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback());
        if loopback {
            return Ok(());
        }
        return Err(Error::Config(format!("{name} URL {url} uses plain http on a non-loopback host; use https")));
    }
    Err(Error::Config(format!("{name} URL {url} is not an http(s) URL")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sources(git: &[(&str, &str)], env: &[(&str, &str)]) -> Sources {
        Sources::from_maps(
            git.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
            env.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
        )
    }

    #[test]
    fn defaults_are_public_good() {
        let c = Config::from_sources(&sources(&[], &[])).unwrap();
        assert!(c.is_public_good());
        assert_eq!(c.oidc_issuer, DEFAULT_OIDC_ISSUER);
        assert!(c.verify.is_empty());
    }

    #[test]
    fn environment_overrides_git_config_and_gitsign_is_a_fallback() {
        let c = Config::from_sources(&sources(
            &[
                ("gitsign.fulcio", "https://f.example"),
                ("sigseal.rekorURL", "https://r.example"),
                ("gitsign.rekor", "https://ignored"),
            ],
            &[("SIGSEAL_REKOR_URL", "https://env.example"), ("SIGSEAL_TRUSTED_ROOT", "/x/root.json")],
        ))
        .unwrap();
        assert_eq!(c.fulcio_url, "https://f.example");
        assert_eq!(c.rekor_url, "https://env.example");
    }

    #[test]
    fn a_flag_beats_the_environment_which_beats_git_config() {
        let git = [
            ("sigseal.fulcioURL", "https://git-fulcio.example"),
            ("sigseal.rekorURL", "https://git-rekor.example"),
            ("sigseal.oidcIssuer", "https://git-issuer.example"),
            ("sigseal.trustedRoot", "/git/root.json"),
            ("sigseal.timestampURL", "https://git-tsa.example"),
        ];
        let env = [
            ("SIGSEAL_FULCIO_URL", "https://env-fulcio.example"),
            ("SIGSEAL_REKOR_URL", "https://env-rekor.example"),
            ("SIGSEAL_TRUSTED_ROOT", "/env/root.json"),
        ];
        let flags = Overrides {
            fulcio_url: Some("https://flag-fulcio.example".into()),
            trusted_root: Some("/flag/root.json".into()),
            timestamp_url: Some("https://flag-tsa.example".into()),
            ..Overrides::default()
        };
        // Git config alone.
        let c = Config::from_sources_with(&sources(&git, &[]), &Overrides::default()).unwrap();
        assert_eq!(c.fulcio_url, "https://git-fulcio.example");
        assert_eq!(c.trusted_root, Some(PathBuf::from("/git/root.json")));
        // The environment over git config.
        let c = Config::from_sources_with(&sources(&git, &env), &Overrides::default()).unwrap();
        assert_eq!(c.fulcio_url, "https://env-fulcio.example");
        assert_eq!(c.rekor_url, "https://env-rekor.example");
        assert_eq!(c.oidc_issuer, "https://git-issuer.example");
        assert_eq!(c.trusted_root, Some(PathBuf::from("/env/root.json")));
        // Flags over both; what no flag names is left to them.
        let c = Config::from_sources_with(&sources(&git, &env), &flags).unwrap();
        assert_eq!(c.fulcio_url, "https://flag-fulcio.example");
        assert_eq!(c.rekor_url, "https://env-rekor.example");
        assert_eq!(c.oidc_issuer, "https://git-issuer.example");
        assert_eq!(c.trusted_root, Some(PathBuf::from("/flag/root.json")));
        assert_eq!(c.timestamp_url.as_deref(), Some("https://flag-tsa.example"));
        // No override: the same as resolving without one.
        let plain = Config::from_sources(&sources(&git, &env)).unwrap();
        assert_eq!(plain.fulcio_url, "https://env-fulcio.example");
    }

    #[test]
    fn an_instance_preset_replaces_configured_services_and_trust_but_not_explicit_urls() {
        use crate::sigstore::Instance;
        let git = [("sigseal.fulcioURL", "https://private-fulcio.example"), ("sigseal.trustedRoot", "/git/root.json")];
        let env = [("SIGSEAL_REKOR_URL", "https://private-rekor.example")];
        let staging = Overrides { instance: Some(Instance::Staging), ..Overrides::default() };
        let c = Config::from_sources_with(&sources(&git, &env), &staging).unwrap();
        assert_eq!(c.fulcio_url, STAGING_FULCIO_URL);
        assert_eq!(c.rekor_url, STAGING_REKOR_URL);
        assert_eq!(c.oidc_issuer, STAGING_OIDC_ISSUER);
        assert_eq!(c.trusted_root, None, "the preset's embedded root replaces a configured one");
        assert_eq!(c.instance(), Some(Instance::Staging));
        // A trusted root given with the preset is dropped too: the preset names the trust.
        let both = Overrides { trusted_root: Some("/flag/root.json".into()), ..staging.clone() };
        assert_eq!(Config::from_sources_with(&sources(&[], &[]), &both).unwrap().trusted_root, None);
        // An explicit URL flag beats the preset: the mix is no longer that instance, so its
        // embedded root does not stand in, and without a trusted root the mix is refused.
        let rekor = Overrides { rekor_url: Some("https://flag-rekor.example".into()), ..staging };
        let err = Config::from_sources_with(&sources(&[], &[]), &rekor).unwrap_err();
        assert!(err.to_string().contains("https://flag-rekor.example"), "{err}");
        assert!(err.to_string().contains("no trusted root"), "{err}");
    }

    #[test]
    fn overridden_urls_are_checked_like_configured_ones() {
        let bad_tsa = Overrides { timestamp_url: Some("http://tsa.example".into()), ..Overrides::default() };
        let err = Config::from_sources_with(&sources(&[], &[]), &bad_tsa).unwrap_err();
        assert!(matches!(err, Error::Config(_)), "{err}");
        assert!(err.to_string().contains("timestamp authority"), "{err}");
        let bad_fulcio = Overrides {
            fulcio_url: Some("http://fulcio.example".into()),
            trusted_root: Some("/x/root.json".into()),
            ..Overrides::default()
        };
        let err = Config::from_sources_with(&sources(&[], &[]), &bad_fulcio).unwrap_err();
        assert!(err.to_string().contains("plain http"), "{err}");
    }

    #[test]
    fn plain_http_is_loopback_only() {
        assert!(check_service_url("Fulcio", "http://127.0.0.1:8080").is_ok());
        assert!(check_service_url("Fulcio", "http://localhost:1/x").is_ok());
        assert!(check_service_url("Fulcio", "http://[::1]:80").is_ok());
        assert!(check_service_url("Fulcio", "http://fulcio.example").is_err());
        assert!(check_service_url("Fulcio", "http://127.0.0.1.evil.example").is_err());
        assert!(check_service_url("Fulcio", "ftp://x").is_err());
    }

    #[test]
    fn custom_instance_without_trusted_root_is_refused() {
        let err = Config::from_sources(&sources(&[("sigseal.fulcioURL", "https://f.example")], &[])).unwrap_err();
        assert!(err.to_string().contains("trusted root"), "{err}");
    }

    #[test]
    fn another_instance_with_a_service_left_out_never_falls_back_to_the_public_one() {
        let root = ("SIGSEAL_TRUSTED_ROOT", "/x/root.json");
        let dir = tempfile::tempdir().unwrap();
        let sc = dir.path().join("signing_config.json");
        std::fs::write(
            &sc,
            r#"{"mediaType":"application/vnd.dev.sigstore.signingconfig.v0.2+json",
               "caUrls":[{"url":"https://fulcio.private.example","majorApiVersion":1,"validFor":{"start":"2020-01-01T00:00:00Z"},"operator":"p"}],
               "oidcUrls":[],
               "rekorTlogUrls":[{"url":"https://rekor.private.example","majorApiVersion":3,"validFor":{"start":"2020-01-01T00:00:00Z"},"operator":"p"}],
               "rekorTlogConfig":{"selector":"ANY"},
               "tsaUrls":[],"tsaConfig":{"selector":"ANY"}}"#,
        )
        .unwrap();
        let sc = sc.display().to_string();
        for (what, env) in [
            ("signing config without a Rekor sigseal writes", vec![root, ("SIGSEAL_SIGNING_CONFIG", sc.as_str())]),
            ("private Fulcio, no Rekor", vec![root, ("SIGSEAL_FULCIO_URL", "https://fulcio.private.example")]),
            ("private Rekor, no Fulcio", vec![root, ("SIGSEAL_REKOR_URL", "https://rekor.private.example")]),
        ] {
            let c = Config::from_sources(&sources(&[], &env)).unwrap_or_else(|e| panic!("{what}: {e}"));
            let err = c.require_services().expect_err(what);
            assert!(matches!(err, Error::Config(_)), "{what}: {err}");
            assert!(err.to_string().contains("never falls back"), "{what}: {err}");
            assert_eq!(c.rekor_for_search(), None, "{what}");
        }
        // The signing config's Fulcio is kept, an explicit Rekor completes it.
        let c = Config::from_sources(&sources(
            &[("sigseal.rekorURL", "https://rekor.private.example")],
            &[root, ("SIGSEAL_SIGNING_CONFIG", sc.as_str())],
        ))
        .unwrap();
        assert!(c.require_services().is_ok());
        assert_eq!(c.fulcio_url, "https://fulcio.private.example");
        // Nothing configured: the public-good instance.
        assert!(Config::from_sources(&sources(&[], &[])).unwrap().require_services().is_ok());
    }

    /// A signing config naming a v1 and a v2 log (and optionally a TSA) with `selector`.
    fn two_logs(dir: &std::path::Path, tsa: bool, selector: &str) -> String {
        let sc = dir.join(format!("sc-{tsa}-{selector}.json"));
        let window = r#""validFor":{"start":"2020-01-01T00:00:00Z"},"operator":"p""#;
        let tsa_urls = if tsa {
            format!(r#"[{{"url":"https://tsa.private.example","majorApiVersion":1,{window}}}]"#)
        } else {
            "[]".into()
        };
        std::fs::write(
            &sc,
            format!(
                r#"{{"mediaType":"application/vnd.dev.sigstore.signingconfig.v0.2+json",
                   "caUrls":[{{"url":"https://fulcio.private.example","majorApiVersion":1,{window}}}],
                   "oidcUrls":[],
                   "rekorTlogUrls":[{{"url":"https://rekor1.private.example","majorApiVersion":1,{window}}},
                                    {{"url":"https://rekor2.private.example","majorApiVersion":2,{window}}}],
                   "rekorTlogConfig":{{"selector":"{selector}"}},
                   "tsaUrls":{tsa_urls},"tsaConfig":{{"selector":"ANY"}}}}"#
            ),
        )
        .unwrap();
        sc.display().to_string()
    }

    #[test]
    fn a_signing_config_selects_the_highest_log_version_and_a_v2_log_needs_a_timestamp_authority() {
        let dir = tempfile::tempdir().unwrap();
        let root = ("SIGSEAL_TRUSTED_ROOT", "/x/root.json");
        let load = |sc: &str, o: &Overrides| {
            Config::from_sources_with(&sources(&[], &[root, ("SIGSEAL_SIGNING_CONFIG", sc)]), o)
        };
        let with_tsa = two_logs(dir.path(), true, "ANY");
        let c = load(&with_tsa, &Overrides::default()).unwrap();
        assert_eq!((c.rekor_url.as_str(), c.rekor_version), ("https://rekor2.private.example", 2));
        let forced = Overrides { rekor_version: Some(1), ..Overrides::default() };
        let c = load(&with_tsa, &forced).unwrap();
        assert_eq!((c.rekor_url.as_str(), c.rekor_version), ("https://rekor1.private.example", 1));

        let e = load(&two_logs(dir.path(), false, "ANY"), &Overrides::default()).unwrap_err();
        assert!(e.to_string().contains("RFC 3161 timestamp authority"), "{e}");
        assert!(load(&two_logs(dir.path(), false, "ANY"), &forced).is_ok(), "a v1 log needs no TSA");

        let e = load(&two_logs(dir.path(), true, "ALL"), &Overrides::default()).unwrap_err();
        assert!(e.to_string().contains("entries in 2 transparency logs"), "{e}");
        // An explicit Rekor URL wins, at the version it is given.
        let env = [root, ("SIGSEAL_SIGNING_CONFIG", with_tsa.as_str()), ("SIGSEAL_REKOR_URL", "https://own.example")];
        let c = Config::from_sources(&sources(&[], &env)).unwrap();
        assert_eq!((c.rekor_url.as_str(), c.rekor_version), ("https://own.example", 1));
        let env = [env[0], env[1], env[2], ("SIGSEAL_REKOR_VERSION", "2")];
        assert_eq!(Config::from_sources(&sources(&[], &env)).unwrap().rekor_version, 2);
        let env = [env[0], env[1], env[2], ("SIGSEAL_REKOR_VERSION", "3")];
        assert!(Config::from_sources(&sources(&[], &env)).is_err());
    }

    #[test]
    fn a_signing_config_given_as_a_flag_outranks_service_urls_from_the_environment() {
        let dir = tempfile::tempdir().unwrap();
        let sc = two_logs(dir.path(), true, "ANY");
        let env = [
            ("SIGSEAL_TRUSTED_ROOT", "/x/root.json"),
            ("SIGSEAL_REKOR_URL", "https://env-rekor.example"),
            ("SIGSEAL_FULCIO_URL", "https://env-fulcio.example"),
            ("SIGSEAL_TIMESTAMP_URL", "https://env-tsa.example"),
        ];
        let flag = Overrides { signing_config: Some(sc.clone().into()), ..Overrides::default() };
        let c = Config::from_sources_with(&sources(&[], &env), &flag).unwrap();
        assert_eq!((c.rekor_url.as_str(), c.rekor_version), ("https://rekor2.private.example", 2));
        assert_eq!(c.fulcio_url, "https://fulcio.private.example");
        assert_eq!(c.timestamp_url.as_deref(), Some("https://tsa.private.example"));
        // From the environment too, the signing config only fills what the environment leaves.
        let env_sc = [env[0], env[1], env[2], env[3], ("SIGSEAL_SIGNING_CONFIG", sc.as_str())];
        let c = Config::from_sources(&sources(&[], &env_sc)).unwrap();
        assert_eq!((c.rekor_url.as_str(), c.rekor_version), ("https://env-rekor.example", 1));
        // An explicit flag for a service still wins over the flag's signing config.
        let both = Overrides { rekor_url: Some("https://flag-rekor.example".into()), ..flag };
        let c = Config::from_sources_with(&sources(&[], &env), &both).unwrap();
        assert_eq!(c.rekor_url, "https://flag-rekor.example");
    }

    #[test]
    fn identity_settings_are_read_and_unknown_providers_refused() {
        let c = Config::from_sources(&sources(
            &[("sigseal.tokenProvider", "device"), ("gitsign.matchCommitter", "true"), ("sigseal.agent", "false")],
            &[("BROWSER", "firefox")],
        ))
        .unwrap();
        assert_eq!(c.identity.provider, TokenProvider::Device);
        assert!(c.identity.match_committer);
        assert!(!c.identity.use_agent);
        assert_eq!(c.identity.browser.as_deref(), Some("firefox"));
        let err = Config::from_sources(&sources(&[("sigseal.tokenProvider", "carrier-pigeon")], &[])).unwrap_err();
        assert!(err.to_string().contains("github-actions"), "{err}");
        let err = Config::from_sources(&sources(&[("sigseal.loginTimeout", "soon")], &[])).unwrap_err();
        assert!(err.to_string().contains("loginTimeout"), "{err}");
    }

    #[test]
    fn instance_names_follow_the_fulcio_url() {
        assert_eq!(instance_name("https://fulcio.sigstore.dev/"), "production");
        assert_eq!(instance_name(STAGING_FULCIO_URL), "staging");
        assert_eq!(instance_name("http://127.0.0.1:5555"), "private");
        // A look-alike host is not the public instance.
        assert_eq!(instance_name("https://fulcio.sigstore.dev.example.com"), "private");
    }

    #[test]
    fn the_network_timeout_is_read_from_the_environment_then_git_config_and_must_be_positive() {
        let c = Config::from_sources(&sources(&[], &[])).unwrap();
        assert_eq!(c.deadline.limit(), crate::http::DEFAULT_TIMEOUT);
        let c = Config::from_sources(&sources(&[("sigseal.timeout", "30")], &[])).unwrap();
        assert_eq!(c.deadline.limit(), std::time::Duration::from_secs(30));
        let c = Config::from_sources(&sources(&[("sigseal.timeout", "30")], &[("SIGSEAL_TIMEOUT", "5")])).unwrap();
        assert_eq!(c.deadline.limit(), std::time::Duration::from_secs(5));
        for bad in ["0", "-3", "soon", "1.5"] {
            let err = Config::from_sources(&sources(&[("sigseal.timeout", bad)], &[])).unwrap_err();
            assert!(err.to_string().contains("sigseal.timeout"), "{bad}: {err}");
        }
    }

    #[test]
    fn verify_policy_keys_are_case_insensitive() {
        let c = Config::from_sources(&sources(&[("sigseal.verify.identityregexp", ".*@example.com")], &[])).unwrap();
        assert_eq!(c.verify.identity_regexp.as_deref(), Some(".*@example.com"));
    }
}
