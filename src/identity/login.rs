//! Logins with a person at the keyboard, against the configured OIDC issuer found by discovery:
//! authorization code + PKCE (S256) with `state` and `nonce` through a browser and a loopback
//! callback (`http://localhost:PORT/auth/callback`), the same with a pasted code when no browser
//! opens, and the RFC 8628 device flow when there is no browser at all. Prompts go to the
//! terminal or stderr; the token comes back verified (signature, issuer, audience, nonce).

use std::fmt::Write as _;
use std::process::{Command, Stdio};
use std::time::Duration;

use openidconnect::core::{CoreClient, CoreDeviceAuthorizationResponse, CoreIdToken, CoreTokenResponse};
use openidconnect::{
    AuthenticationFlow, AuthorizationCode, ClientId, CsrfToken, IdTokenVerifier, Nonce, OAuth2TokenResponse,
    PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, Scope,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use zeroize::Zeroizing;

use super::oidc::{self, Http, Metadata};
use super::{terminal, ExpectedIssuer, Token};
use crate::config::{Config, TokenProvider};
use crate::error::{Error, Result};

/// The out-of-band redirect: the issuer shows the code for the person to paste.
const OOB_REDIRECT: &str = "urn:ietf:wg:oauth:2.0:oob";

/// Which login to run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flow {
    /// Browser when one opens, else device flow when the issuer offers it, else a pasted code.
    Auto,
    /// Browser (pasted code when none opens).
    Browser,
    /// Device flow.
    Device,
}

impl Flow {
    /// The flow `sigseal.tokenProvider` asks for.
    pub fn from_config(cfg: &Config) -> Self {
        match cfg.identity.provider {
            TokenProvider::Browser => Flow::Browser,
            TokenProvider::Device => Flow::Device,
            _ => Flow::Auto,
        }
    }
}

/// Whether stdin may be read for a pasted code (false when it carries git's payload).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stdin {
    /// stdin belongs to the person (the `login` command).
    Free,
    /// stdin was the signing payload.
    Taken,
}

fn login_error(msg: impl Into<String>) -> Error {
    Error::Login(msg.into())
}

/// Log in at the configured issuer and return a verified ID token.
pub async fn login(cfg: &Config, flow: Flow, stdin: Stdin) -> Result<Token> {
    let http = Http::new(&cfg.deadline);
    let issuer = &cfg.oidc_issuer;
    let meta = oidc::discover(&http, issuer)
        .await
        .map_err(|why| login_error(format!("OIDC discovery at {issuer} failed: {why}")))?;
    let device_endpoint = meta.additional_metadata().device_authorization_endpoint.clone();
    let deadline = cfg.identity.login_timeout;
    let browser_opens = flow != Flow::Device && browser_available(cfg);
    if !browser_opens && !terminal::person_can_see() {
        // Under git without a terminal a device code or URL would go unseen; do not wait for
        // a login nobody can complete.
        return Err(Error::NoToken(
            "no token, no cached credential, and no browser or terminal to log in with; run \
             `sigseal login` first, or provide a token (SIGSTORE_ID_TOKEN, sigseal.tokenFile)"
                .into(),
        ));
    }
    let run = async {
        match flow {
            Flow::Device => device(cfg, &http, meta).await,
            Flow::Browser => browser(cfg, &http, meta, stdin, false).await,
            Flow::Auto => {
                if browser_opens {
                    browser(cfg, &http, meta, stdin, device_endpoint.is_some()).await
                } else if device_endpoint.is_some() {
                    device(cfg, &http, meta).await
                } else {
                    paste_code(cfg, &http, meta, stdin).await
                }
            }
        }
    };
    // The person's time is bounded by sigseal.loginTimeout, not by the network deadline.
    let jwt = Box::pin(cfg.deadline.excluding(tokio::time::timeout(deadline, run))).await.map_err(|_| {
        login_error(format!("no login completed within {} s (sigseal.loginTimeout)", deadline.as_secs()))
    })??;
    let token = Token::parse(&jwt, &format!("login at {issuer}"))?
        .expecting(ExpectedIssuer::Exact(issuer.clone()))
        .for_client(&cfg.client_id);
    token.check(crate::unix_now())?;
    Ok(token)
}

/// A client built from discovery: authorization endpoint set, token endpoint maybe.
type LoginClient = CoreClient<
    openidconnect::EndpointSet,
    openidconnect::EndpointNotSet,
    openidconnect::EndpointNotSet,
    openidconnect::EndpointNotSet,
    openidconnect::EndpointMaybeSet,
    openidconnect::EndpointMaybeSet,
>;

fn core_client(cfg: &Config, meta: Metadata) -> LoginClient {
    CoreClient::from_provider_metadata(meta, ClientId::new(cfg.client_id.clone()), None)
        .set_auth_type(openidconnect::AuthType::RequestBody)
}

/// Verify the ID token in a token response (signature against the issuer's JWKS, issuer,
/// audience = client id, expiry, and `nonce` when one was sent) and return it as a JWT.
fn verified_id_token(
    response: &CoreTokenResponse,
    verifier: IdTokenVerifier<'_, openidconnect::core::CoreJsonWebKey>,
    nonce: Option<&Nonce>,
) -> Result<Zeroizing<String>> {
    let id_token: &CoreIdToken = response
        .extra_fields()
        .id_token()
        .ok_or_else(|| login_error("the issuer answered without an ID token (is the 'openid' scope allowed?)"))?;
    let verifier = verifier.set_allowed_algs(oidc::allowed_algs());
    let checked = match nonce {
        Some(n) => id_token.claims(&verifier, n).map(|_| ()),
        None => id_token.claims(&verifier, |_: Option<&Nonce>| Ok(())).map(|_| ()),
    };
    checked.map_err(|e| login_error(format!("the issuer's ID token does not verify: {e}")))?;
    // The access token is not needed; make sure it is dropped with the response.
    let _ = response.access_token();
    Ok(Zeroizing::new(id_token.to_string()))
}

fn flow_error(what: &str, e: impl std::error::Error) -> Error {
    let mut msg = format!("{what}: {e}");
    let mut src = e.source();
    while let Some(s) = src {
        msg.push_str(": ");
        msg.push_str(&s.to_string());
        src = s.source();
    }
    login_error(msg)
}

/// An authorization request: PKCE (S256), fresh state and nonce, scopes `openid email`, and
/// the configured connector.
struct AuthRequest {
    url: url::Url,
    state: CsrfToken,
    nonce: Nonce,
    verifier: PkceCodeVerifier,
}

fn auth_request(cfg: &Config, client: &LoginClient) -> AuthRequest {
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let mut request = client
        .authorize_url(
            AuthenticationFlow::<openidconnect::core::CoreResponseType>::AuthorizationCode,
            CsrfToken::new_random,
            Nonce::new_random,
        )
        .add_scope(Scope::new("email".into()))
        .set_pkce_challenge(challenge);
    if let Some(connector) = &cfg.identity.connector_id {
        request = request.add_extra_param("connector_id", connector.clone());
    }
    let (url, state, nonce) = request.url();
    AuthRequest { url, state, nonce, verifier }
}

/// Exchange an authorization code (with its PKCE verifier) and verify the ID token.
async fn redeem(
    client: &LoginClient,
    http: &Http,
    code: &str,
    verifier: PkceCodeVerifier,
    nonce: &Nonce,
) -> Result<Zeroizing<String>> {
    let response = client
        .exchange_code(AuthorizationCode::new(code.to_string()))
        .map_err(|e| flow_error("token endpoint", e))?
        .set_pkce_verifier(verifier)
        .request_async(&http.client())
        .await
        .map_err(|e| flow_error("exchanging the authorization code", e))?;
    verified_id_token(&response, client.id_token_verifier(), Some(nonce))
}

async fn browser(
    cfg: &Config,
    http: &Http,
    meta: Metadata,
    stdin: Stdin,
    device_fallback: bool,
) -> Result<Zeroizing<String>> {
    let listener = TcpListener::bind(("127.0.0.1", 0))
        .await
        .map_err(|e| Error::io("opening the loopback listener for the login callback", e))?;
    let port = listener.local_addr().map_err(|e| Error::io("loopback listener address", e))?.port();
    let redirect = format!("http://localhost:{port}/auth/callback");
    let client = core_client(cfg, meta.clone())
        .set_redirect_uri(RedirectUrl::new(redirect).map_err(|e| flow_error("redirect URL", e))?);
    let AuthRequest { url, state, nonce, verifier } = auth_request(cfg, &client);
    if let Err(why) = open_browser(cfg, url.as_str()).await {
        terminal::note(&format!("sigseal: no browser could be opened ({why})"));
        drop(listener);
        return if device_fallback { device(cfg, http, meta).await } else { paste_code(cfg, http, meta, stdin).await };
    }
    terminal::note(&format!(
        "sigseal: log in to {} in your browser; if it did not open, visit:\n  {url}",
        cfg.oidc_issuer
    ));
    let (code, mut stream) = wait_for_callback(&listener, state.secret()).await?;
    let exchanged = redeem(&client, http, &code, verifier, &nonce).await;
    let page = match &exchanged {
        Ok(_) => {
            page(200, "sigseal: logged in", "You are logged in. You can close this window and return to the terminal.")
        }
        Err(e) => page(400, "sigseal: login failed", &format!("The login did not complete: {e}")),
    };
    let _ = stream.write_all(page.as_bytes()).await;
    let _ = stream.shutdown().await;
    exchanged
}

/// Wait for the issuer's redirect on the loopback listener; answer anything else with 404.
/// A callback whose `state` is not this login's is refused and ends the login.
async fn wait_for_callback(listener: &TcpListener, state: &str) -> Result<(Zeroizing<String>, TcpStream)> {
    loop {
        let (mut stream, _) = listener.accept().await.map_err(|e| Error::io("accepting the login callback", e))?;
        let Ok(Ok(target)) = tokio::time::timeout(Duration::from_secs(10), read_request_target(&mut stream)).await
        else {
            continue;
        };
        let Ok(url) = url::Url::parse(&format!("http://localhost{target}")) else {
            let _ = stream.write_all(page(400, "Bad request", "Not a request sigseal understands.").as_bytes()).await;
            continue;
        };
        if url.path() != "/auth/callback" {
            let _ = stream.write_all(page(404, "Not found", "Nothing here.").as_bytes()).await;
            continue;
        }
        let param = |k: &str| url.query_pairs().find(|(n, _)| n == k).map(|(_, v)| v.into_owned());
        if param("state").as_deref() != Some(state) {
            let _ = stream
                .write_all(
                    page(
                        400,
                        "sigseal: login rejected",
                        "This callback does not belong to the login sigseal started (its state does not match). It was rejected.",
                    )
                    .as_bytes(),
                )
                .await;
            return Err(login_error(
                "the login callback carried a state that does not match this login; it was rejected \
                 (a stale browser tab, or a forged request)",
            ));
        }
        if let Some(err) = param("error") {
            let detail = param("error_description").unwrap_or_default();
            let _ = stream.write_all(page(400, "sigseal: login failed", &format!("{err} {detail}")).as_bytes()).await;
            return Err(login_error(format!("the issuer refused the login: {err} {detail}")));
        }
        let Some(code) = param("code").map(Zeroizing::new) else {
            let _ = stream.write_all(page(400, "sigseal: login failed", "The callback has no code.").as_bytes()).await;
            return Err(login_error("the login callback has no authorization code"));
        };
        return Ok((code, stream));
    }
}

/// Read an HTTP request head and return its target (`/auth/callback?...`).
async fn read_request_target(stream: &mut TcpStream) -> std::io::Result<String> {
    let mut head = Vec::new();
    let mut buf = [0u8; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = stream.read(&mut buf).await?;
        if n == 0 || head.len() > 16 * 1024 {
            break;
        }
        head.extend_from_slice(&buf[..n]);
    }
    let text = String::from_utf8_lossy(&head);
    let line = text.lines().next().unwrap_or("");
    let mut parts = line.split(' ');
    match (parts.next(), parts.next()) {
        (Some("GET"), Some(target)) if target.starts_with('/') => Ok(target.to_string()),
        _ => Err(std::io::Error::new(std::io::ErrorKind::InvalidData, "not a GET request")),
    }
}

fn page(status: u16, title: &str, text: &str) -> String {
    let reason = match status {
        200 => "OK",
        404 => "Not Found",
        _ => "Bad Request",
    };
    let esc = |s: &str| s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;");
    let body = format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>{0}</title></head>\
         <body style=\"font-family:sans-serif;margin:3em\"><h1>{0}</h1><p>{1}</p></body></html>\n",
        esc(title),
        esc(text)
    );
    format!(
        "HTTP/1.1 {status} {reason}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\n\
         Cache-Control: no-store\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
}

/// Out-of-band: show the URL, the person pastes the code the issuer displays.
async fn paste_code(cfg: &Config, http: &Http, meta: Metadata, stdin: Stdin) -> Result<Zeroizing<String>> {
    let client = core_client(cfg, meta)
        .set_redirect_uri(RedirectUrl::new(OOB_REDIRECT.into()).map_err(|e| flow_error("redirect URL", e))?);
    // No callback carries the state back here; PKCE and the nonce bind the pasted code.
    let AuthRequest { url, nonce, verifier, .. } = auth_request(cfg, &client);
    terminal::note(&format!("sigseal: to log in, open this URL in a browser:\n  {url}"));
    let (tx, rx) = tokio::sync::oneshot::channel();
    // A plain thread: a blocked terminal read must not keep the runtime from shutting down.
    std::thread::spawn(move || {
        let _ = tx.send(terminal::read_line("sigseal: paste the code shown after logging in: ", stdin == Stdin::Free));
    });
    let code = match rx.await {
        Ok(Some(code)) if !code.is_empty() => Zeroizing::new(code),
        _ => {
            return Err(login_error(
                "no browser could be opened and there is no terminal to paste a code into; \
                 use the device flow (sigseal.tokenProvider=device) or a token (SIGSTORE_ID_TOKEN)",
            ))
        }
    };
    redeem(&client, http, &code, verifier, &nonce).await
}

/// RFC 8628: show the verification URL and user code, poll until the person approves.
async fn device(cfg: &Config, http: &Http, meta: Metadata) -> Result<Zeroizing<String>> {
    let endpoint = meta.additional_metadata().device_authorization_endpoint.clone().ok_or_else(|| {
        login_error(format!("{} offers no device flow (no device_authorization_endpoint)", cfg.oidc_issuer))
    })?;
    let client = core_client(cfg, meta).set_device_authorization_url(endpoint);
    let details: CoreDeviceAuthorizationResponse = client
        .exchange_device_code()
        .add_scope(Scope::new("openid".into()))
        .add_scope(Scope::new("email".into()))
        .request_async(&http.client())
        .await
        .map_err(|e| flow_error("starting the device flow", e))?;
    let uri = details.verification_uri().url().as_str().to_string();
    let code = details.user_code().secret().clone();
    let mut msg = format!("sigseal: to log in, visit {uri} and enter the code: {code}");
    if let Some(full) = details.verification_uri_complete() {
        let _ = write!(msg, "\n  (or open {})", full.secret());
    }
    terminal::note(&msg);
    let response: CoreTokenResponse = client
        .exchange_device_access_token(&details)
        .map_err(|e| flow_error("device token endpoint", e))?
        .request_async(&http.client(), tokio::time::sleep, None)
        .await
        .map_err(|e| flow_error("waiting for the device login", e))?;
    verified_id_token(&response, client.id_token_verifier(), None)
}

/// Open `url` with `sigseal.browser` / `$BROWSER` (a `:`-separated list; `%s` stands for the
/// URL) or the platform opener. Its output goes to the terminal or stderr, never stdout.
async fn open_browser(cfg: &Config, url: &str) -> std::result::Result<(), String> {
    let candidates: Vec<String> = match &cfg.identity.browser {
        Some(list) => list.split(':').map(str::trim).filter(|s| !s.is_empty()).map(String::from).collect(),
        None if !browser_available(cfg) => return Err("no display (set sigseal.browser or BROWSER)".into()),
        None if cfg!(target_os = "macos") => vec!["open".into()],
        None => vec!["xdg-open".into()],
    };
    let mut why = String::from("no browser command configured");
    for candidate in candidates {
        let mut words = candidate.split_whitespace();
        let Some(program) = words.next() else { continue };
        let mut args: Vec<String> = words.map(|w| w.replace("%s", url)).collect();
        if !candidate.contains("%s") {
            args.push(url.to_string());
        }
        let spawned = Command::new(program)
            .args(&args)
            .stdin(Stdio::null())
            .stdout(terminal::child_output())
            .stderr(terminal::child_output())
            .spawn();
        let mut child = match spawned {
            Ok(c) => c,
            Err(e) => {
                why = format!("`{program}`: {e}");
                continue;
            }
        };
        // Launchers return at once; a browser binary keeps running. Either is success; a quick
        // non-zero exit is not.
        tokio::time::sleep(Duration::from_millis(300)).await;
        match child.try_wait() {
            Ok(Some(status)) if !status.success() => why = format!("`{program}` exited with {status}"),
            _ => return Ok(()),
        }
    }
    Err(why)
}

/// True when a browser can probably be opened: a configured command, or a desktop session
/// with the platform opener (an SSH session without a display has none).
pub fn browser_available(cfg: &Config) -> bool {
    if cfg.identity.browser.is_some() {
        return true;
    }
    if cfg!(target_os = "macos") {
        return std::env::var_os("SSH_CONNECTION").is_none() && std::env::var_os("SSH_TTY").is_none();
    }
    let display = ["DISPLAY", "WAYLAND_DISPLAY"].iter().any(|v| std::env::var_os(v).is_some_and(|s| !s.is_empty()));
    display && on_path("xdg-open")
}

fn on_path(program: &str) -> bool {
    std::env::var_os("PATH").is_some_and(|p| std::env::split_paths(&p).any(|d| d.join(program).is_file()))
}
