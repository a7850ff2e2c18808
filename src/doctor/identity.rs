//! Identity: the `agent` finding (is the credential agent running, safe, and what it holds) and
//! the `token-source` finding (the ambient token signing would use, judged by its claims; the
//! token itself is never shown).

use zeroize::Zeroizing;

use super::programs::{resolve_program, Resolved};
use super::{span, Finding, AGENT_TIMEOUT};
use crate::config::{Config, TokenProvider};
use crate::identity::{ci, Token};
use crate::keyless::agent;

pub(super) async fn agent_check(cfg: &Config) -> Finding {
    const CHECK: &str = "agent";
    if !cfg.identity.use_agent {
        return Finding::info(
            CHECK,
            "sigseal.agent is false: signing never uses the agent (every signature needs a token or a login)",
        );
    }
    let socket = agent::socket_path(cfg);
    let dir = socket.parent().map_or_else(|| ".".to_string(), |d| d.display().to_string());
    let unsafe_fix = format!(
        "chmod 700 {dir} (it must be a directory of yours that nobody else can write), or set sigseal.agentSocket to a socket in such a directory"
    );
    if let Err(e) = agent::check_socket_dir(cfg) {
        return Finding::fail(CHECK, format!("error[{}]: {e}", e.code()), unsafe_fix);
    }
    let status = tokio::time::timeout(AGENT_TIMEOUT, async {
        match agent::Client::connect(cfg).await? {
            None => Ok(None),
            Some(client) => client.status().await.map(Some),
        }
    })
    .await;
    let stop_fix = format!(
        "sigseal agent --stop, then `sigseal login` (or set sigseal.agent=false to sign without the agent); \
         if the socket is not yours, set sigseal.agentSocket to a socket in a directory only you can write (not {dir})"
    );
    match status {
        Err(_) => Finding::fail(
            CHECK,
            format!("the agent at {} did not answer within {} s", socket.display(), AGENT_TIMEOUT.as_secs()),
            stop_fix,
        ),
        Ok(Err(e)) => Finding::fail(CHECK, format!("error[{}]: {e}", e.code()), stop_fix),
        Ok(Ok(None)) => Finding::info(
            CHECK,
            format!("not running (socket {}); the first login starts it (`sigseal login`)", socket.display()),
        ),
        Ok(Ok(Some(status))) if status.held.is_empty() => Finding::ok(
            CHECK,
            format!(
                "running (pid {}, socket {}), holds no credential: the next signature logs in (`sigseal login` to do it now)",
                status.pid,
                socket.display()
            ),
        ),
        Ok(Ok(Some(status))) => {
            let now = crate::unix_now();
            let held: Vec<String> = status
                .held
                .iter()
                .map(|h| {
                    let other = if h.fulcio == cfg.fulcio_url { "" } else { " [not the configured Fulcio]" };
                    format!("{}{other}", agent::describe(h, now))
                })
                .collect();
            Finding::ok(CHECK, format!("running (pid {}, socket {}): {}", status.pid, socket.display(), held.join("; ")))
        }
    }
}

/// What a token's claims say, for the `token-source` finding (never the token itself).
fn describe_token(source: &str, token: &Token, now: i64) -> Finding {
    const CHECK: &str = "token-source";
    let who = format!("{source}: a token for {} from {}", token.identity(), token.issuer);
    match token.check(now) {
        Ok(()) => Finding::ok(CHECK, format!("{who}, valid for {} more", span(token.expires_at - now))),
        Err(e) => Finding::fail(
            CHECK,
            format!("{who} that signing would refuse: error[{}]: {e}", e.code()),
            format!("provide a fresh token with audience 'sigstore' through {source}, or remove it to log in instead"),
        ),
    }
}

pub(super) fn token_source(cfg: &Config) -> Finding {
    const CHECK: &str = "token-source";
    let now = crate::unix_now();
    let read_env = || std::env::var("SIGSTORE_ID_TOKEN").ok().map(Zeroizing::new);
    match ci::planned_source(cfg) {
        Err(e) => Finding::fail(
            CHECK,
            format!("error[{}]: {e}", e.code()),
            e.hint().unwrap_or("see docs/identity.md").to_string(),
        ),
        Ok(None) => {
            let why = match cfg.identity.provider {
                TokenProvider::Browser => "sigseal.tokenProvider is browser",
                TokenProvider::Device => "sigseal.tokenProvider is device",
                _ => "not in CI, no token file, no SIGSTORE_ID_TOKEN",
            };
            Finding::info(CHECK, format!("no ambient token ({why}): signing uses the agent's credential, else a login"))
        }
        Ok(Some(source)) => match &source {
            ci::Source::GithubActions => Finding::ok(
                CHECK,
                format!("{source}: a token with audience 'sigstore' is requested when signing (not now)"),
            ),
            ci::Source::Buildkite | ci::Source::Circleci => {
                let program = if source == ci::Source::Buildkite { "buildkite-agent" } else { "circleci" };
                let cwd = std::env::current_dir().unwrap_or_default();
                match resolve_program(program, std::env::var_os("PATH").as_deref(), &cwd) {
                    Resolved::Found(p) => Finding::ok(CHECK, format!("{source}: {} runs when signing (not now)", p.display())),
                    _ => Finding::fail(
                        CHECK,
                        format!("{source}, but `{program}` is not on PATH"),
                        format!("install {program} in the job, or set sigseal.tokenProvider to another source"),
                    ),
                }
            }
            ci::Source::Gitlab | ci::Source::Env => match read_env() {
                Some(jwt) => match Token::parse(&jwt, &source.to_string()) {
                    Ok(token) => describe_token(&source.to_string(), &token, now),
                    Err(e) => Finding::fail(
                        CHECK,
                        format!("error[{}]: {e}", e.code()),
                        "set SIGSTORE_ID_TOKEN to an OIDC ID token (a JWT) with audience 'sigstore', or unset it",
                    ),
                },
                None => Finding::fail(CHECK, format!("{source}: the variable is not readable"), "set SIGSTORE_ID_TOKEN again"),
            },
            ci::Source::File(path) => match crate::input::read_capped_string(path, crate::input::TOKEN).map(Zeroizing::new) {
                Ok(text) => match Token::parse(&text, &source.to_string()) {
                    Ok(token) => describe_token(&source.to_string(), &token, now),
                    Err(e) => Finding::fail(
                        CHECK,
                        format!("error[{}]: {e}", e.code()),
                        format!("write an OIDC ID token with audience 'sigstore' to {}, or unset sigseal.tokenFile / SIGSEAL_TOKEN_FILE", path.display()),
                    ),
                },
                Err(e) => Finding::fail(
                    CHECK,
                    format!("{source}: cannot read it: {e}"),
                    format!("create {} (readable by you), or unset sigseal.tokenFile / SIGSEAL_TOKEN_FILE", path.display()),
                ),
            },
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::doctor::Status;

    #[test]
    fn token_claims_are_described_without_the_token() {
        let jwt = crate::identity::test_jwt(serde_json::json!({
            "iss": "https://issuer.example", "sub": "s", "email": "a@example.com", "email_verified": true,
            "exp": 10_000, "aud": "sigstore"
        }));
        let token = Token::parse(&jwt, "SIGSTORE_ID_TOKEN").unwrap();
        let f = describe_token("SIGSTORE_ID_TOKEN", &token, 10_000 - 600);
        assert_eq!(f.status, Status::Ok);
        assert!(f.detail.contains("a@example.com") && f.detail.contains("10 min"), "{f:?}");
        let f = describe_token("SIGSTORE_ID_TOKEN", &token, 20_000);
        assert_eq!(f.status, Status::Fail);
        // (The test JWT's signature part is the short word "sig"; header and claims are long.)
        for part in jwt.split('.').filter(|p| p.len() >= 20) {
            assert!(!f.detail.contains(part) && !f.fix.as_deref().unwrap().contains(part));
        }
    }
}
