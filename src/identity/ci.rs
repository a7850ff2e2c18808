//! Identity tokens that need nobody at the keyboard, in the documented detection order:
//! GitHub Actions, GitLab CI, Buildkite, CircleCI, a token file, `SIGSTORE_ID_TOKEN`.
//! `sigseal.tokenProvider` forces one of them. Each source names the issuer its tokens must
//! come from, so a token cannot be passed off as another CI's.

use std::process::{Command, Stdio};

use zeroize::Zeroizing;

use super::{terminal, ExpectedIssuer, Token, AUDIENCE};
use crate::config::{Config, TokenProvider};
use crate::error::{Error, Result};

/// GitHub's public OIDC issuer (GitHub Enterprise Cloud adds a path below it).
pub const GITHUB_ISSUER: &str = "https://token.actions.githubusercontent.com";
/// Buildkite's OIDC issuer.
pub const BUILDKITE_ISSUER: &str = "https://agent.buildkite.com";
/// CircleCI issues per organisation below this URL.
pub const CIRCLECI_ISSUER_BASE: &str = "https://oidc.circleci.com/org";

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

fn env_true(name: &str) -> bool {
    env(name).is_some_and(|v| matches!(v.to_ascii_lowercase().as_str(), "true" | "1" | "yes"))
}

/// An ambient token source: where a token would come from, without the token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    /// GitHub Actions' ID-token request endpoint.
    GithubActions,
    /// GitLab CI's `id_tokens` entry `SIGSTORE_ID_TOKEN`.
    Gitlab,
    /// `buildkite-agent oidc request-token`.
    Buildkite,
    /// `circleci run oidc get`.
    Circleci,
    /// A token file (`sigseal.tokenFile` / `SIGSEAL_TOKEN_FILE`).
    File(std::path::PathBuf),
    /// The `SIGSTORE_ID_TOKEN` environment variable.
    Env,
}

impl std::fmt::Display for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Source::GithubActions => f.write_str("GitHub Actions (ACTIONS_ID_TOKEN_REQUEST_URL)"),
            Source::Gitlab => f.write_str("GitLab CI id_tokens (SIGSTORE_ID_TOKEN)"),
            Source::Buildkite => f.write_str("Buildkite (buildkite-agent oidc request-token)"),
            Source::Circleci => f.write_str("CircleCI (circleci run oidc get)"),
            Source::File(p) => write!(f, "token file {}", p.display()),
            Source::Env => f.write_str("SIGSTORE_ID_TOKEN"),
        }
    }
}

/// The ambient source signing would use for `cfg` now, decided from the environment and the
/// configuration alone (nothing is requested, run or read): the forced provider's, or the first
/// one detected. `Ok(None)` when there is none and a person may log in instead; an error when
/// the forced provider's source is missing, or in CI without any source.
pub fn planned_source(cfg: &Config) -> Result<Option<Source>> {
    let forced = cfg.identity.provider;
    let source =
        match forced {
            TokenProvider::GithubActions => {
                Some(github_actions_available().then_some(Source::GithubActions).ok_or_else(|| {
                    Error::NoToken(
                        "sigseal.tokenProvider is github-actions, but ACTIONS_ID_TOKEN_REQUEST_URL / \
                 ACTIONS_ID_TOKEN_REQUEST_TOKEN are not set; give the job `permissions: id-token: write`"
                            .into(),
                    )
                })?)
            }
            TokenProvider::Gitlab => Some(env("SIGSTORE_ID_TOKEN").map(|_| Source::Gitlab).ok_or_else(|| {
                Error::NoToken(
                    "sigseal.tokenProvider is gitlab, but SIGSTORE_ID_TOKEN is not set; add \
                 `id_tokens: SIGSTORE_ID_TOKEN: aud: sigstore` to the job"
                        .into(),
                )
            })?),
            TokenProvider::Buildkite => Some(Source::Buildkite),
            TokenProvider::Circleci => Some(Source::Circleci),
            TokenProvider::File => Some(cfg.token_file.clone().map(Source::File).ok_or_else(|| {
                Error::NoToken(
                    "sigseal.tokenProvider is file, but sigseal.tokenFile / SIGSEAL_TOKEN_FILE is not set".into(),
                )
            })?),
            TokenProvider::Env => Some(env("SIGSTORE_ID_TOKEN").map(|_| Source::Env).ok_or_else(|| {
                Error::NoToken("sigseal.tokenProvider is env, but SIGSTORE_ID_TOKEN is not set".into())
            })?),
            TokenProvider::Browser | TokenProvider::Device => None,
            TokenProvider::Auto => detect(cfg),
        };
    if source.is_none() && forced == TokenProvider::Auto && env_true("CI") {
        return Err(Error::NoToken(
            "running in CI (CI=true) but no identity token is available: on GitHub Actions grant \
             `id-token: write`; on GitLab add `id_tokens: SIGSTORE_ID_TOKEN: aud: sigstore`; on \
             Buildkite and CircleCI enable OIDC for the pipeline; or set SIGSTORE_ID_TOKEN"
                .into(),
        ));
    }
    Ok(source)
}

/// The ambient token for `cfg`: the forced provider's, or the first detected source. `Ok(None)`
/// when nothing ambient exists and a person may log in instead.
pub async fn ambient(cfg: &Config) -> Result<Option<Token>> {
    let Some(source) = planned_source(cfg)? else { return Ok(None) };
    let token = match source {
        Source::GithubActions => github_actions(&cfg.deadline).await?,
        Source::Gitlab => gitlab()?,
        Source::Buildkite => Some(buildkite()?),
        Source::Circleci => Some(circleci()?),
        Source::File(_) => token_file(cfg)?,
        Source::Env => environment()?,
    };
    // Every source planned_source names yields a token or an error.
    token.map(Some).ok_or_else(|| Error::NoToken(format!("{source} gave no token")))
}

fn github_actions_available() -> bool {
    env("ACTIONS_ID_TOKEN_REQUEST_URL").is_some() && env("ACTIONS_ID_TOKEN_REQUEST_TOKEN").is_some()
}

/// The first source detected, in the documented order.
fn detect(cfg: &Config) -> Option<Source> {
    if github_actions_available() {
        return Some(Source::GithubActions);
    }
    if env_true("GITLAB_CI") && env("SIGSTORE_ID_TOKEN").is_some() {
        return Some(Source::Gitlab);
    }
    if env_true("BUILDKITE") {
        return Some(Source::Buildkite);
    }
    if env_true("CIRCLECI") {
        return Some(Source::Circleci);
    }
    if let Some(path) = &cfg.token_file {
        return Some(Source::File(path.clone()));
    }
    env("SIGSTORE_ID_TOKEN").map(|_| Source::Env)
}

/// GitHub Actions: GET `$ACTIONS_ID_TOKEN_REQUEST_URL&audience=sigstore` with the request token,
/// through sigseal's HTTP client (retried, within `deadline`, never redirected to another host
/// with the request token).
async fn github_actions(deadline: &crate::http::Deadline) -> Result<Option<Token>> {
    let (Some(url), Some(bearer)) = (env("ACTIONS_ID_TOKEN_REQUEST_URL"), env("ACTIONS_ID_TOKEN_REQUEST_TOKEN")) else {
        return Ok(None);
    };
    let bearer = Zeroizing::new(bearer);
    let sep = if url.contains('?') { '&' } else { '?' };
    let full = format!("{url}{sep}audience={AUDIENCE}");
    let fail = |why: String| Error::NoToken(format!("GitHub Actions token request failed: {why}"));
    let authorization = Zeroizing::new(format!("bearer {}", bearer.as_str()));
    let request = crate::http::Request::get(full)
        .header("Authorization", &authorization)
        .header("Accept", "application/json")
        .secret(bearer.as_str())
        .limit(crate::http::SMALL_LIMIT);
    let reply = crate::http::Client::new(deadline)
        .send(&request)
        .await
        .map_err(|why| Error::NoToken("GitHub Actions token request failed".into()).because(why))?;
    let body = Zeroizing::new(reply.body);
    let json: serde_json::Value = serde_json::from_slice(&body).map_err(|_| fail("response is not JSON".into()))?;
    let value = Zeroizing::new(
        json.get("value").and_then(|v| v.as_str()).ok_or_else(|| fail("response has no 'value'".into()))?.to_string(),
    );
    // github.com issues from token.actions.githubusercontent.com; GitHub Enterprise Server from
    // its own host.
    let expected = match env("GITHUB_SERVER_URL") {
        Some(server) if server.trim_end_matches('/') != "https://github.com" => {
            ExpectedIssuer::Exact(format!("{}/_services/token", server.trim_end_matches('/')))
        }
        _ => ExpectedIssuer::Under(GITHUB_ISSUER.into()),
    };
    Ok(Some(Token::parse(&value, "GitHub Actions")?.expecting(expected)))
}

/// GitLab CI: the job declares `id_tokens: SIGSTORE_ID_TOKEN: aud: sigstore`; tokens come from
/// the instance itself (`CI_SERVER_URL`). (Whether GitLab is the source is decided by
/// [`planned_source`].)
fn gitlab() -> Result<Option<Token>> {
    let Some(jwt) = env("SIGSTORE_ID_TOKEN").map(Zeroizing::new) else {
        return Ok(None);
    };
    let token = Token::parse(&jwt, "GitLab CI id_tokens (SIGSTORE_ID_TOKEN)")?;
    Ok(Some(match env("CI_SERVER_URL") {
        Some(server) => token.expecting(ExpectedIssuer::Exact(server)),
        None => token,
    }))
}

/// Run a CI agent's token command; its stdout is the token, its stderr goes to ours.
fn token_command(program: &str, args: &[&str], what: &str) -> Result<Zeroizing<String>> {
    let out = Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stderr(terminal::child_output())
        .output()
        .map_err(|e| Error::NoToken(format!("{what}: could not run `{program}`: {e}")))?;
    let stdout = Zeroizing::new(out.stdout);
    let text = Zeroizing::new(String::from_utf8_lossy(&stdout).trim().to_string());
    drop(stdout);
    if !out.status.success() {
        return Err(Error::NoToken(format!("{what}: `{program} {}` failed ({})", args.join(" "), out.status)));
    }
    if text.is_empty() {
        return Err(Error::NoToken(format!("{what}: `{program}` printed no token")));
    }
    Ok(text)
}

/// Buildkite: `buildkite-agent oidc request-token --audience sigstore`.
fn buildkite() -> Result<Token> {
    let jwt = token_command("buildkite-agent", &["oidc", "request-token", "--audience", AUDIENCE], "Buildkite")?;
    Ok(Token::parse(&jwt, "Buildkite")?.expecting(ExpectedIssuer::Exact(BUILDKITE_ISSUER.into())))
}

/// CircleCI: `circleci run oidc get --claims '{"aud":"sigstore"}'`.
fn circleci() -> Result<Token> {
    let claims = format!(r#"{{"aud":"{AUDIENCE}"}}"#);
    let jwt = token_command("circleci", &["run", "oidc", "get", "--claims", &claims], "CircleCI")?;
    Ok(Token::parse(&jwt, "CircleCI")?.expecting(ExpectedIssuer::Under(CIRCLECI_ISSUER_BASE.into())))
}

fn token_file(cfg: &Config) -> Result<Option<Token>> {
    let Some(path) = &cfg.token_file else { return Ok(None) };
    let text = Zeroizing::new(crate::input::read_capped_string(path, crate::input::TOKEN)?);
    Token::parse(&text, &format!("token file {}", path.display())).map(Some)
}

fn environment() -> Result<Option<Token>> {
    match env("SIGSTORE_ID_TOKEN").map(Zeroizing::new) {
        Some(t) => Token::parse(&t, "SIGSTORE_ID_TOKEN").map(Some),
        None => Ok(None),
    }
}
