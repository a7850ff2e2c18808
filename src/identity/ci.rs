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

/// The ambient token for `cfg`: the forced provider's, or the first detected source. `Ok(None)`
/// when nothing ambient exists and a person may log in instead.
pub async fn ambient(cfg: &Config) -> Result<Option<Token>> {
    let forced = cfg.identity.provider;
    let token = match forced {
        TokenProvider::GithubActions => Some(github_actions().await?.ok_or_else(|| {
            Error::NoToken(
                "sigseal.tokenProvider is github-actions, but ACTIONS_ID_TOKEN_REQUEST_URL / \
                 ACTIONS_ID_TOKEN_REQUEST_TOKEN are not set; give the job `permissions: id-token: write`"
                    .into(),
            )
        })?),
        TokenProvider::Gitlab => Some(gitlab(true)?.ok_or_else(|| {
            Error::NoToken(
                "sigseal.tokenProvider is gitlab, but SIGSTORE_ID_TOKEN is not set; add \
                 `id_tokens: SIGSTORE_ID_TOKEN: aud: sigstore` to the job"
                    .into(),
            )
        })?),
        TokenProvider::Buildkite => Some(buildkite()?),
        TokenProvider::Circleci => Some(circleci()?),
        TokenProvider::File => Some(token_file(cfg)?.ok_or_else(|| {
            Error::NoToken("sigseal.tokenProvider is file, but sigseal.tokenFile / SIGSEAL_TOKEN_FILE is not set".into())
        })?),
        TokenProvider::Env => Some(environment()?.ok_or_else(|| {
            Error::NoToken("sigseal.tokenProvider is env, but SIGSTORE_ID_TOKEN is not set".into())
        })?),
        TokenProvider::Browser | TokenProvider::Device => None,
        TokenProvider::Auto => detect(cfg).await?,
    };
    if token.is_none() && forced == TokenProvider::Auto && env_true("CI") {
        return Err(Error::NoToken(
            "running in CI (CI=true) but no identity token is available: on GitHub Actions grant \
             `id-token: write`; on GitLab add `id_tokens: SIGSTORE_ID_TOKEN: aud: sigstore`; on \
             Buildkite and CircleCI enable OIDC for the pipeline; or set SIGSTORE_ID_TOKEN"
                .into(),
        ));
    }
    Ok(token)
}

async fn detect(cfg: &Config) -> Result<Option<Token>> {
    if let Some(t) = github_actions().await? {
        return Ok(Some(t));
    }
    if let Some(t) = gitlab(false)? {
        return Ok(Some(t));
    }
    if env_true("BUILDKITE") {
        return buildkite().map(Some);
    }
    if env_true("CIRCLECI") {
        return circleci().map(Some);
    }
    if let Some(t) = token_file(cfg)? {
        return Ok(Some(t));
    }
    environment()
}

/// GitHub Actions: GET `$ACTIONS_ID_TOKEN_REQUEST_URL&audience=sigstore` with the request token.
async fn github_actions() -> Result<Option<Token>> {
    let (Some(url), Some(bearer)) = (env("ACTIONS_ID_TOKEN_REQUEST_URL"), env("ACTIONS_ID_TOKEN_REQUEST_TOKEN")) else {
        return Ok(None);
    };
    let bearer = Zeroizing::new(bearer);
    let sep = if url.contains('?') { '&' } else { '?' };
    let full = format!("{url}{sep}audience={AUDIENCE}");
    let fail = |why: String| Error::NoToken(format!("GitHub Actions token request failed: {why}"));
    let client = reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(30))
        .build()
        .map_err(|e| fail(e.to_string()))?;
    let resp = client
        .get(&full)
        .header("Authorization", format!("bearer {}", bearer.as_str()))
        .header("Accept", "application/json")
        .send()
        .await
        .map_err(|e| fail(e.without_url().to_string()))?;
    if !resp.status().is_success() {
        return Err(fail(format!("HTTP {}", resp.status())));
    }
    let body = Zeroizing::new(resp.bytes().await.map_err(|e| fail(e.without_url().to_string()))?.to_vec());
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
/// the instance itself (`CI_SERVER_URL`).
fn gitlab(forced: bool) -> Result<Option<Token>> {
    if !forced && !env_true("GITLAB_CI") {
        return Ok(None);
    }
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
    let text = Zeroizing::new(
        std::fs::read_to_string(path).map_err(|e| Error::io(format!("reading token file {}", path.display()), e))?,
    );
    Token::parse(&text, &format!("token file {}", path.display())).map(Some)
}

fn environment() -> Result<Option<Token>> {
    match env("SIGSTORE_ID_TOKEN").map(Zeroizing::new) {
        Some(t) => Token::parse(&t, "SIGSTORE_ID_TOKEN").map(Some),
        None => Ok(None),
    }
}
