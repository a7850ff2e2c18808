//! HTTP for every service sigseal talks to: Fulcio, Rekor, timestamp authorities, OIDC issuers
//! (discovery, keys, token and device endpoints), CI token endpoints and the TUF repository.
//!
//! One client builder ([`build_client`]): rustls only, a connect and a per-request timeout, and
//! redirects followed only within the origin (scheme, host and port) the request was sent to, so
//! a request body (Fulcio's carries the identity token) or an `Authorization` header never goes
//! to another host. One [`Client`] per operation carries its [`Deadline`] (`sigseal.timeout`)
//! and retries what may be repeated ([`Request::idempotent`]) with exponential backoff on
//! connection failures, HTTP 5xx and 429, honouring `Retry-After` within the deadline. Failures
//! are a [`Failure`], whose message is built from its fields.
//!
//! Bounded, sanitized replies: every reply is read through [`read_capped`] (the client does it),
//! so no reply can make sigseal hold more than a few MiB; and every message built from what a
//! server sent goes through [`sanitize`], so server text reaches the terminal shortened, with
//! control characters (ESC included) escaped and nothing token-shaped in it.

use std::fmt::Write as _;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use zeroize::Zeroizing;

/// Cap on a JSON reply (a Fulcio certificate chain, a Rekor entry or search, OIDC metadata).
pub const JSON_LIMIT: usize = 1024 * 1024;

/// Cap on a small binary reply (an RFC 3161 timestamp) and on the part of an error reply read
/// for its message.
pub const SMALL_LIMIT: usize = 64 * 1024;

/// How many characters of server text a message shows.
pub const MESSAGE_CHARS: usize = 300;

/// The default of `sigseal.timeout`: how long one command's network work may take in all.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(120);

/// How long a connection may take to open.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// How long one request may take, connection, reply and body included (less when the
/// operation's deadline is nearer).
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(60);

/// How many times a request that may be repeated is sent before sigseal gives up.
pub const ATTEMPTS: u32 = 3;

/// The wait before the first retry; it doubles at each further retry, up to [`MAX_BACKOFF`].
pub const FIRST_BACKOFF: Duration = Duration::from_millis(500);

/// The longest wait between two attempts that sigseal chooses itself.
pub const MAX_BACKOFF: Duration = Duration::from_secs(4);

/// The longest `Retry-After` honoured; a server asking for more (or for more than the deadline
/// leaves) is not waited for.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(60);

/// How many redirects within one origin are followed.
const MAX_REDIRECTS: usize = 5;

/// The `User-Agent` of every request.
const USER_AGENT: &str = concat!("sigseal/", env!("CARGO_PKG_VERSION"));

/// What stands in for anything token-shaped in server text.
const REDACTED: &str = "[redacted token]";

// ---------------------------------------------------------------------------------------------
// The deadline of an operation.

/// The time one operation (a command's network work) may spend on requests, retries and the
/// waits between them: `sigseal.timeout`. Clones share one clock, which starts at the first
/// request; time spent waiting for a person (a login) can be left out with
/// [`Deadline::excluding`].
#[derive(Clone)]
pub struct Deadline {
    limit: Duration,
    clock: Arc<Mutex<Clock>>,
}

#[derive(Default)]
struct Clock {
    started: Option<Instant>,
    /// How many [`Deadline::excluding`] calls are running.
    pauses: u32,
    paused_since: Option<Instant>,
    paused_total: Duration,
}

impl std::fmt::Debug for Deadline {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Deadline").field("limit", &self.limit).finish_non_exhaustive()
    }
}

impl Default for Deadline {
    fn default() -> Self {
        Self::new(DEFAULT_TIMEOUT)
    }
}

impl Deadline {
    /// A deadline `limit` after the first request made under it.
    pub fn new(limit: Duration) -> Self {
        Self { limit, clock: Arc::new(Mutex::new(Clock::default())) }
    }

    /// The time the whole operation may take.
    pub fn limit(&self) -> Duration {
        self.limit
    }

    fn clock(&self) -> std::sync::MutexGuard<'_, Clock> {
        // A poisoned clock still tells the time.
        self.clock.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The time left (starting the clock when it has not started).
    pub fn remaining(&self) -> Duration {
        let mut clock = self.clock();
        let now = Instant::now();
        let started = *clock.started.get_or_insert(now);
        let paused = clock.paused_total + clock.paused_since.map_or(Duration::ZERO, |since| now - since);
        self.limit.saturating_sub(now.duration_since(started).saturating_sub(paused))
    }

    /// A deadline for part of the operation: at most `limit`, and never later than this one.
    /// Its time counts against this one as it passes.
    pub fn at_most(&self, limit: Duration) -> Deadline {
        Deadline::new(limit.min(self.remaining()))
    }

    /// Run `work` without counting its time: the wait for a person to log in.
    pub async fn excluding<F: std::future::Future>(&self, work: F) -> F::Output {
        struct Resume<'a>(&'a Deadline);
        impl Drop for Resume<'_> {
            fn drop(&mut self) {
                let mut clock = self.0.clock();
                clock.pauses = clock.pauses.saturating_sub(1);
                if clock.pauses == 0 {
                    if let Some(since) = clock.paused_since.take() {
                        clock.paused_total += since.elapsed();
                    }
                }
            }
        }
        {
            let mut clock = self.clock();
            let now = Instant::now();
            clock.started.get_or_insert(now);
            if clock.pauses == 0 {
                clock.paused_since = Some(now);
            }
            clock.pauses += 1;
        }
        let _resume = Resume(self);
        work.await
    }
}

// ---------------------------------------------------------------------------------------------
// Failures.

/// Why a request failed, as data; its message is built from the fields.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Failure {
    /// No complete answer in time: the operation's deadline passed (`deadline`, and `after` is
    /// `sigseal.timeout`), or one request got no answer within [`REQUEST_TIMEOUT`].
    TimedOut {
        /// The time that ran out.
        after: Duration,
        /// Whether it was the operation's deadline (rather than one request's timeout).
        deadline: bool,
        /// What the attempt before the deadline got, when there was one.
        last: Option<Box<Failure>>,
    },
    /// Every attempt of a request that may be repeated failed.
    GaveUp {
        /// How many attempts were made.
        attempts: u32,
        /// What the last one got.
        last: Box<Failure>,
    },
    /// The connection could not be made or broke (sanitized text of the transport error).
    Connection(String),
    /// The server answered with an error status.
    Status {
        /// The HTTP status code.
        status: u16,
        /// The start of the reply body, sanitized.
        text: String,
        /// Whether the body was longer than what was read of it.
        cut: bool,
    },
    /// The reply is longer than its cap (announced or sent).
    TooLarge {
        /// The cap, in bytes.
        limit: usize,
    },
    /// The server redirected the request to another origin, which is not followed.
    Redirected {
        /// The HTTP status code of the redirect.
        status: u16,
        /// Where it pointed (scheme, host and port only), sanitized.
        to: String,
    },
    /// The request could not be built or the client set up (sanitized text).
    Setup(String),
}

fn status_text(status: u16) -> String {
    match reqwest::StatusCode::from_u16(status) {
        Ok(s) => s.to_string(),
        Err(_) => status.to_string(),
    }
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Failure::TimedOut { after, deadline: true, last } => {
                write!(f, "timed out after {} s (sigseal.timeout)", after.as_secs())?;
                match last {
                    Some(last) => write!(f, "; the last attempt: {last}"),
                    None => Ok(()),
                }
            }
            Failure::TimedOut { after, deadline: false, .. } => {
                write!(f, "timed out after {} s waiting for an answer", after.as_secs())
            }
            Failure::GaveUp { attempts: 1, last } => write!(f, "gave up after 1 attempt: {last}"),
            Failure::GaveUp { attempts, last } => write!(f, "gave up after {attempts} attempts: {last}"),
            Failure::Connection(why) => f.write_str(why),
            Failure::Status { status, text, cut } => {
                write!(f, "HTTP {}", status_text(*status))?;
                if !text.is_empty() {
                    write!(f, ": {text}")?;
                }
                if *cut {
                    write!(f, " (reply cut at {SMALL_LIMIT} bytes)")?;
                }
                Ok(())
            }
            Failure::TooLarge { limit } => f.write_str(&too_large(*limit)),
            Failure::Redirected { status, to } => write!(
                f,
                "redirected (HTTP {status}) to {to}; sigseal follows no redirect away from the service's own host"
            ),
            Failure::Setup(why) => write!(f, "cannot make the request: {why}"),
        }
    }
}

impl std::error::Error for Failure {}

impl Failure {
    /// Whether the time ran out (the deadline or one request's timeout), after retries or not.
    pub fn timed_out(&self) -> bool {
        match self {
            Failure::TimedOut { .. } => true,
            Failure::GaveUp { last, .. } => last.timed_out(),
            _ => false,
        }
    }

    /// The HTTP status of the (last) error reply, if the failure is one.
    pub fn status(&self) -> Option<u16> {
        match self {
            Failure::Status { status, .. } => Some(*status),
            Failure::GaveUp { last, .. } | Failure::TimedOut { last: Some(last), .. } => last.status(),
            _ => None,
        }
    }

    /// How many attempts were made before giving up (1 unless it is [`Failure::GaveUp`]).
    pub fn attempts(&self) -> u32 {
        match self {
            Failure::GaveUp { attempts, .. } => *attempts,
            _ => 1,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The client.

/// The origin (scheme, host, port) of a URL, as text.
fn origin_of(url: &url::Url) -> String {
    url.origin().ascii_serialization()
}

/// Follow a redirect only within the origin of the first request, at most [`MAX_REDIRECTS`]
/// times; a redirect elsewhere is not followed and its reply comes back as is (and becomes
/// [`Failure::Redirected`]).
fn redirect_policy() -> reqwest::redirect::Policy {
    reqwest::redirect::Policy::custom(|attempt| {
        let same_origin = attempt.previous().first().is_some_and(|first| first.origin() == attempt.url().origin());
        if !same_origin {
            attempt.stop()
        } else if attempt.previous().len() > MAX_REDIRECTS {
            attempt.error(Failure::Setup(format!("more than {MAX_REDIRECTS} redirects")))
        } else {
            attempt.follow()
        }
    })
}

/// The one place an HTTP client is built: rustls, [`CONNECT_TIMEOUT`] (or `request_timeout`
/// when shorter), `request_timeout` for a whole request, redirects only within one origin, and
/// sigseal's `User-Agent`. Given as is to code that makes its own requests (the TUF client,
/// the service probes of `sigseal doctor`); sigseal's own requests go through [`Client`].
pub fn build_client(request_timeout: Duration) -> Result<reqwest::Client, Failure> {
    builder(request_timeout).build().map_err(|e| Failure::Setup(transport_error(e, &[])))
}

/// The client for plain http: the same settings, and no trust store loaded (it can make no TLS
/// connection; the redirect policy keeps it on the scheme it started with).
fn build_plain_client(request_timeout: Duration) -> Result<reqwest::Client, Failure> {
    builder(request_timeout)
        .tls_certs_only(Vec::<reqwest::Certificate>::new())
        .build()
        .map_err(|e| Failure::Setup(transport_error(e, &[])))
}

fn builder(request_timeout: Duration) -> reqwest::ClientBuilder {
    reqwest::Client::builder()
        .tls_backend_rustls()
        .connect_timeout(CONNECT_TIMEOUT.min(request_timeout))
        .timeout(request_timeout)
        .redirect(redirect_policy())
        .user_agent(USER_AGENT)
}

/// The HTTP client of one operation: the built client and the operation's [`Deadline`].
/// Cheap to clone; make one per operation (or per service call), inside the async runtime that
/// uses it.
#[derive(Clone, Debug)]
pub struct Client {
    /// The client for https, built on first use with the platform's trust store (or why it
    /// could not be built, reported by each request). Loading the store costs a good part of a
    /// short command's CPU, so a command whose services are all plain http on loopback (a
    /// local test instance) never loads it.
    tls: std::sync::Arc<std::sync::OnceLock<Result<reqwest::Client, Failure>>>,
    /// The client for plain http (loopback only, see [`crate::config::check_service_url`]):
    /// no trust store at all.
    plain: std::sync::Arc<std::sync::OnceLock<Result<reqwest::Client, Failure>>>,
    deadline: Deadline,
}

/// One request, as [`Client::send`] sends it (and sends again, when it may be repeated).
pub struct Request<'a> {
    method: reqwest::Method,
    url: String,
    headers: Vec<(&'static str, Zeroizing<String>)>,
    header_map: reqwest::header::HeaderMap,
    body: Option<Zeroizing<Vec<u8>>>,
    limit: usize,
    secrets: Vec<&'a str>,
    idempotent: bool,
    accept: Vec<u16>,
    any_status: bool,
}

impl std::fmt::Debug for Request<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Headers and body may carry a token: never shown.
        f.debug_struct("Request")
            .field("method", &self.method)
            .field("url", &self.url)
            .field("idempotent", &self.idempotent)
            .finish_non_exhaustive()
    }
}

impl<'a> Request<'a> {
    /// A request; GET and HEAD are [`Request::idempotent`], other methods are sent once unless
    /// marked so. The reply is capped at [`JSON_LIMIT`].
    pub fn new(method: reqwest::Method, url: impl Into<String>) -> Self {
        let idempotent = method == reqwest::Method::GET || method == reqwest::Method::HEAD;
        Self {
            method,
            url: url.into(),
            headers: Vec::new(),
            header_map: reqwest::header::HeaderMap::new(),
            body: None,
            limit: JSON_LIMIT,
            secrets: Vec::new(),
            idempotent,
            accept: Vec::new(),
            any_status: false,
        }
    }

    /// A GET.
    pub fn get(url: impl Into<String>) -> Self {
        Self::new(reqwest::Method::GET, url)
    }

    /// A POST of `body` as `content_type`.
    pub fn post(url: impl Into<String>, content_type: &str, body: Vec<u8>) -> Self {
        Self::new(reqwest::Method::POST, url).header("Content-Type", content_type).body(body)
    }

    /// Add a header.
    #[must_use]
    pub fn header(mut self, name: &'static str, value: &str) -> Self {
        self.headers.push((name, Zeroizing::new(value.to_string())));
        self
    }

    /// Add these headers.
    #[must_use]
    pub fn headers(mut self, headers: reqwest::header::HeaderMap) -> Self {
        self.header_map.extend(headers);
        self
    }

    /// The body (wiped from memory when the request is dropped).
    #[must_use]
    pub fn body(mut self, body: Vec<u8>) -> Self {
        self.body = Some(Zeroizing::new(body));
        self
    }

    /// Cap the reply at `limit` bytes.
    #[must_use]
    pub fn limit(mut self, limit: usize) -> Self {
        self.limit = limit;
        self
    }

    /// A value the request carries (a token) that must not appear in any message.
    #[must_use]
    pub fn secret(mut self, secret: &'a str) -> Self {
        self.secrets.push(secret);
        self
    }

    /// The request may be sent again when an attempt fails: a GET, a Fulcio certificate
    /// request, a timestamp request, a Rekor search or create.
    #[must_use]
    pub fn idempotent(mut self) -> Self {
        self.idempotent = true;
        self
    }

    /// Take a reply with this (error) status as an answer rather than a failure.
    #[must_use]
    pub fn accept(mut self, status: u16) -> Self {
        self.accept.push(status);
        self
    }

    /// Take a reply of any status as an answer (for a caller that reads error replies itself);
    /// the statuses that are retried still are, while attempts remain.
    #[must_use]
    pub fn any_status(mut self) -> Self {
        self.any_status = true;
        self
    }

    fn builder(&self, client: &reqwest::Client, timeout: Duration) -> reqwest::RequestBuilder {
        let mut b = client.request(self.method.clone(), &self.url).timeout(timeout).headers(self.header_map.clone());
        for (name, value) in &self.headers {
            b = b.header(*name, value.as_str());
        }
        if let Some(body) = &self.body {
            b = b.body(body.to_vec());
        }
        b
    }
}

/// A reply that is an answer: a success, or a status the request accepts.
#[derive(Debug)]
pub struct Reply {
    /// The HTTP status code.
    pub status: u16,
    /// The reply's headers.
    pub headers: reqwest::header::HeaderMap,
    /// The body, at most the request's cap.
    pub body: Vec<u8>,
}

impl Reply {
    /// A header's value, when it is present and text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// How one attempt failed.
enum Missed {
    /// It ran out of time (its own timeout, or the deadline's remainder).
    TimedOut,
    /// It got this failure.
    Failed {
        failure: Failure,
        /// Whether a new attempt may get another result.
        retry: bool,
        /// How long the server asked to wait first.
        retry_after: Option<Duration>,
    },
}

impl Missed {
    fn fatal(failure: Failure) -> Self {
        Missed::Failed { failure, retry: false, retry_after: None }
    }
}

/// Whether a transport error is worth another attempt: a connection refused, reset or closed
/// early is; a TLS or protocol failure (an I/O error of kind `InvalidData` on the way) is not.
fn transient(e: &reqwest::Error) -> bool {
    if e.is_builder() || e.is_redirect() || e.is_decode() {
        return false;
    }
    let mut src = std::error::Error::source(e);
    while let Some(s) = src {
        if s.downcast_ref::<std::io::Error>().is_some_and(|io| io.kind() == std::io::ErrorKind::InvalidData) {
            return false;
        }
        src = s.source();
    }
    true
}

fn missed_transport(e: reqwest::Error, secrets: &[&str]) -> Missed {
    if e.is_timeout() {
        return Missed::TimedOut;
    }
    let retry = transient(&e);
    let failure = if e.is_builder() {
        Failure::Setup(transport_error(e, secrets))
    } else {
        Failure::Connection(transport_error(e, secrets))
    };
    Missed::Failed { failure, retry, retry_after: None }
}

fn missed_read(e: ReadError) -> Missed {
    match e {
        ReadError::TooLarge(limit) => Missed::fatal(Failure::TooLarge { limit }),
        ReadError::TimedOut => Missed::TimedOut,
        ReadError::Transport(why) => Missed::Failed {
            failure: Failure::Connection(format!("reading the reply: {why}")),
            retry: true,
            retry_after: None,
        },
    }
}

/// The wait a `Retry-After` header asks for (seconds, or an HTTP date).
fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    let value = headers.get(reqwest::header::RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let when = jiff::fmt::rfc2822::parse(value).ok()?.timestamp();
    let wait = when.duration_since(jiff::Timestamp::now());
    Some(Duration::try_from(wait).unwrap_or(Duration::ZERO))
}

/// The wait before attempt `attempt + 1` (attempt counts from 1).
fn backoff(attempt: u32) -> Duration {
    FIRST_BACKOFF.saturating_mul(1 << attempt.saturating_sub(1).min(16)).min(MAX_BACKOFF)
}

impl Client {
    /// A client for an operation bounded by `deadline`. Should the client not build (no TLS
    /// configuration), every request reports why.
    pub fn new(deadline: &Deadline) -> Self {
        Self { tls: std::sync::Arc::default(), plain: std::sync::Arc::default(), deadline: deadline.clone() }
    }

    /// The operation's deadline.
    pub fn deadline(&self) -> &Deadline {
        &self.deadline
    }

    /// The built client, for a library that makes its own requests (bound each of its
    /// operations by [`Deadline::remaining`]).
    pub fn reqwest(&self) -> Result<&reqwest::Client, Failure> {
        self.tls.get_or_init(|| build_client(REQUEST_TIMEOUT)).as_ref().map_err(Clone::clone)
    }

    /// The client for `url`: the plain one for `http://`, else the one with the trust store.
    fn client_for(&self, url: &str) -> Result<&reqwest::Client, Failure> {
        if url.get(..7).is_some_and(|s| s.eq_ignore_ascii_case("http://")) {
            self.plain.get_or_init(|| build_plain_client(REQUEST_TIMEOUT)).as_ref().map_err(Clone::clone)
        } else {
            self.reqwest()
        }
    }

    /// Send `request` and return its answer: a success (or an accepted status) with a body of
    /// at most the request's cap. Connection failures, HTTP 5xx and 429 are retried, when the
    /// request may be repeated, up to [`ATTEMPTS`] times with exponential backoff (or the wait
    /// `Retry-After` asks for), all within the operation's deadline.
    pub async fn send(&self, request: &Request<'_>) -> Result<Reply, Failure> {
        let mut attempt = 0;
        let mut last: Option<Failure> = None;
        loop {
            attempt += 1;
            let left = self.deadline.remaining();
            if left.is_zero() {
                return Err(self.deadline_passed(last));
            }
            let timeout = REQUEST_TIMEOUT.min(left);
            let (failure, retry, retry_after) = match self.attempt(request, timeout).await {
                Ok(reply) => return Ok(reply),
                // Cut short by the deadline, or no answer within a request's own time: neither
                // is retried (a hung server would only hang again).
                Err(Missed::TimedOut) if timeout < REQUEST_TIMEOUT => return Err(self.deadline_passed(last)),
                Err(Missed::TimedOut) => return Err(Failure::TimedOut { after: timeout, deadline: false, last: None }),
                Err(Missed::Failed { failure, retry, retry_after }) => (failure, retry, retry_after),
            };
            if !(retry && request.idempotent) {
                return Err(failure);
            }
            let gave_up = |failure| Failure::GaveUp { attempts: attempt, last: Box::new(failure) };
            if attempt >= ATTEMPTS {
                return Err(gave_up(failure));
            }
            let wait = match retry_after {
                Some(asked) if asked > MAX_RETRY_AFTER => return Err(gave_up(failure)),
                Some(asked) => asked,
                None => backoff(attempt),
            };
            if wait >= self.deadline.remaining() {
                return Err(self.deadline_passed(Some(failure)));
            }
            tokio::time::sleep(wait).await;
            last = Some(failure);
        }
    }

    fn deadline_passed(&self, last: Option<Failure>) -> Failure {
        Failure::TimedOut { after: self.deadline.limit(), deadline: true, last: last.map(Box::new) }
    }

    async fn attempt(&self, request: &Request<'_>, timeout: Duration) -> Result<Reply, Missed> {
        let secrets = request.secrets.as_slice();
        let client = self.client_for(&request.url).map_err(Missed::fatal)?;
        let resp = request.builder(client, timeout).send().await.map_err(|e| missed_transport(e, secrets))?;
        let status = resp.status();
        let headers = resp.headers().clone();
        if status.is_redirection() {
            // The redirect policy stopped here: the target is another origin.
            if let Some(location) = headers.get(reqwest::header::LOCATION).and_then(|v| v.to_str().ok()) {
                let to = resp.url().join(location).map_or_else(|_| location.to_string(), |u| origin_of(&u));
                return Err(Missed::fatal(Failure::Redirected { status: status.as_u16(), to: sanitize(&to, secrets) }));
            }
        }
        let retryable = status.is_server_error() || status == reqwest::StatusCode::TOO_MANY_REQUESTS;
        let answer = status.is_success()
            || request.accept.contains(&status.as_u16())
            || (request.any_status && !(retryable && request.idempotent));
        if answer {
            let body = read_capped(resp, request.limit).await.map_err(missed_read)?;
            return Ok(Reply { status: status.as_u16(), headers, body });
        }
        // Only the start of an error body is ever shown: read that much, drop the rest.
        let (body, cut) = read_prefix(resp, SMALL_LIMIT, true).await.map_err(missed_read)?;
        let failure = Failure::Status { status: status.as_u16(), text: sanitize_bytes(&body, secrets), cut };
        Err(Missed::Failed { failure, retry: retryable, retry_after: retry_after(&headers) })
    }
}

// ---------------------------------------------------------------------------------------------
// Bounded, sanitized replies.

fn jwt_pattern() -> Option<&'static regex::Regex> {
    static RE: OnceLock<Option<regex::Regex>> = OnceLock::new();
    // A JWT (or any JOSE object) starts with base64url of `{"`; its parts are base64url runs
    // separated by dots. A header alone is enough to redact.
    RE.get_or_init(|| regex::Regex::new(r"eyJ[A-Za-z0-9_\-]{4,}(?:\.[A-Za-z0-9_\-=]*){0,4}").ok()).as_ref()
}

/// Bidirectional-text controls: invisible, and able to reorder what a terminal shows.
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{061c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// Server text made fit for a message: every `secrets` value (the token sent, say) and anything
/// JWT-shaped replaced by `[redacted token]`, control characters (ESC, CR, NUL, bidi controls)
/// escaped as `\u{..}`, and the whole cut to [`MESSAGE_CHARS`] characters.
pub fn sanitize(text: &str, secrets: &[&str]) -> String {
    let mut text = text.to_string();
    for secret in secrets.iter().map(|s| s.trim()).filter(|s| s.len() >= 8) {
        text = text.replace(secret, REDACTED);
    }
    if let Some(re) = jwt_pattern() {
        text = re.replace_all(&text, REDACTED).into_owned();
    } else {
        // The pattern is a constant and compiles; should it not, fail safe.
        text = text.replace("eyJ", "[redacted]");
    }
    let total = text.chars().count();
    let mut out = String::with_capacity(text.len().min(MESSAGE_CHARS * 2));
    for c in text.chars().take(MESSAGE_CHARS) {
        if c.is_control() || is_bidi_control(c) {
            out.extend(c.escape_unicode());
        } else {
            out.push(c);
        }
    }
    if total > MESSAGE_CHARS {
        let _ = write!(out, "… ({} more characters)", total - MESSAGE_CHARS);
    }
    out
}

/// [`sanitize`] for raw reply bytes (not necessarily UTF-8).
pub fn sanitize_bytes(body: &[u8], secrets: &[&str]) -> String {
    sanitize(&String::from_utf8_lossy(body), secrets)
}

/// A transport error as one sanitized line (its causes included, the URL left out).
pub fn transport_error(e: reqwest::Error, secrets: &[&str]) -> String {
    if e.is_timeout() {
        return "no answer in time".to_string();
    }
    let e = e.without_url();
    let mut msg = e.to_string();
    let mut src = std::error::Error::source(&e);
    while let Some(s) = src {
        let text = s.to_string();
        if !msg.contains(&text) {
            msg.push_str(": ");
            msg.push_str(&text);
        }
        src = s.source();
    }
    sanitize(&msg, secrets)
}

/// The message for a reply over its cap.
pub fn too_large(limit: usize) -> String {
    format!("reply larger than {limit} bytes; refused")
}

/// Why a capped read failed.
#[derive(Debug)]
pub enum ReadError {
    /// The reply is longer than the cap (announced or sent).
    TooLarge(usize),
    /// The connection failed while reading (sanitized text).
    Transport(String),
    /// The reply did not arrive in time.
    TimedOut,
}

impl std::fmt::Display for ReadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ReadError::TooLarge(limit) => f.write_str(&too_large(*limit)),
            ReadError::Transport(why) => write!(f, "reading the reply: {why}"),
            ReadError::TimedOut => f.write_str("reading the reply: no answer in time"),
        }
    }
}

/// Read a reply body in chunks, at most `limit` bytes: a longer reply (by its Content-Length,
/// or once more than `limit` bytes arrived) is refused without reading the rest.
pub async fn read_capped(resp: reqwest::Response, limit: usize) -> Result<Vec<u8>, ReadError> {
    read_prefix(resp, limit, false).await.map(|(body, _)| body)
}

/// Read at most `limit` bytes; with `truncate` a longer body is cut (and `true` returned) instead
/// of refused.
async fn read_prefix(mut resp: reqwest::Response, limit: usize, truncate: bool) -> Result<(Vec<u8>, bool), ReadError> {
    let announced = resp.content_length();
    if !truncate && announced.is_some_and(|n| n > limit as u64) {
        return Err(ReadError::TooLarge(limit));
    }
    let mut body = Vec::with_capacity(announced.map_or(8 * 1024, |n| usize::try_from(n).unwrap_or(limit).min(limit)));
    while let Some(chunk) = resp.chunk().await.map_err(|e| {
        if e.is_timeout() {
            ReadError::TimedOut
        } else {
            ReadError::Transport(transport_error(e, &[]))
        }
    })? {
        if body.len() + chunk.len() > limit {
            if !truncate {
                return Err(ReadError::TooLarge(limit));
            }
            body.extend_from_slice(&chunk[..limit - body.len()]);
            return Ok((body, true));
        }
        body.extend_from_slice(&chunk);
    }
    Ok((body, false))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    /// What the test server does with the n-th request (the last one repeats).
    #[derive(Clone)]
    enum Canned {
        /// Answer with this status line, extra headers and body, then close.
        Reply(&'static str, &'static str, &'static str),
        /// Close the connection without answering.
        Close,
        /// Never answer.
        Hang,
    }

    /// A loopback HTTP server answering as told; returns its URL, the request count, and the
    /// raw requests it received.
    async fn server(script: Vec<Canned>) -> (String, Arc<AtomicUsize>, Arc<Mutex<Vec<Vec<u8>>>>) {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let count = Arc::new(AtomicUsize::new(0));
        let seen = Arc::new(Mutex::new(Vec::new()));
        let (c, s) = (count.clone(), seen.clone());
        tokio::spawn(async move {
            let mut hung = Vec::new();
            loop {
                let Ok((mut conn, _)) = listener.accept().await else { return };
                let mut request = Vec::new();
                let mut buf = [0u8; 4096];
                // Head, then as much body as Content-Length says.
                while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                    match conn.read(&mut buf).await {
                        Ok(0) | Err(_) => break,
                        Ok(n) => request.extend_from_slice(&buf[..n]),
                    }
                }
                let text = String::from_utf8_lossy(&request).to_ascii_lowercase();
                let length: usize = text
                    .lines()
                    .find_map(|l| l.strip_prefix("content-length:"))
                    .and_then(|v| v.trim().parse().ok())
                    .unwrap_or(0);
                let head = text.find("\r\n\r\n").map_or(request.len(), |i| i + 4);
                while request.len() < head + length {
                    match conn.read(&mut buf).await {
                        Ok(0) | Err(_) => break,
                        Ok(n) => request.extend_from_slice(&buf[..n]),
                    }
                }
                let n = c.fetch_add(1, Ordering::SeqCst);
                s.lock().unwrap().push(request);
                match script[n.min(script.len() - 1)] {
                    Canned::Reply(status, headers, body) => {
                        let reply = format!(
                            "HTTP/1.1 {status}\r\n{headers}Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
                            body.len()
                        );
                        let _ = conn.write_all(reply.as_bytes()).await;
                        let _ = conn.shutdown().await;
                    }
                    Canned::Close => drop(conn),
                    Canned::Hang => hung.push(conn),
                }
            }
        });
        (url, count, seen)
    }

    const OK: Canned = Canned::Reply("200 OK", "", "done");
    const UNAVAILABLE: Canned = Canned::Reply("503 Service Unavailable", "", "busy");

    fn client(limit: Duration) -> Client {
        Client::new(&Deadline::new(limit))
    }

    #[tokio::test]
    async fn a_503_and_a_closed_connection_are_retried_and_the_answer_returned() {
        let (url, count, _) = server(vec![UNAVAILABLE, Canned::Close, OK]).await;
        let reply = client(DEFAULT_TIMEOUT).send(&Request::get(&url)).await.unwrap();
        assert_eq!((reply.status, reply.body.as_slice()), (200, b"done".as_slice()));
        assert_eq!(count.load(Ordering::SeqCst), 3);
    }

    #[tokio::test]
    async fn a_persistent_503_gives_up_after_the_stated_attempts() {
        let (url, count, _) = server(vec![UNAVAILABLE]).await;
        let failure = client(DEFAULT_TIMEOUT).send(&Request::get(&url)).await.unwrap_err();
        assert_eq!(failure.attempts(), ATTEMPTS);
        assert_eq!(failure.status(), Some(503));
        assert!(
            failure.to_string().starts_with("gave up after 3 attempts: HTTP 503 Service Unavailable: busy"),
            "{failure}"
        );
        assert_eq!(count.load(Ordering::SeqCst), ATTEMPTS as usize);
    }

    #[tokio::test]
    async fn a_request_not_marked_idempotent_is_sent_once_and_a_client_error_is_not_retried() {
        let (url, count, _) = server(vec![UNAVAILABLE]).await;
        let failure =
            client(DEFAULT_TIMEOUT).send(&Request::post(&url, "text/plain", b"x".to_vec())).await.unwrap_err();
        assert_eq!((failure.attempts(), failure.status()), (1, Some(503)));
        assert_eq!(count.load(Ordering::SeqCst), 1);

        let (url, count, _) = server(vec![Canned::Reply("400 Bad Request", "", "no"), OK]).await;
        let failure = client(DEFAULT_TIMEOUT).send(&Request::get(&url)).await.unwrap_err();
        assert_eq!(failure.status(), Some(400));
        assert_eq!(count.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn retry_after_is_waited_for_and_one_beyond_the_deadline_is_not() {
        let (url, count, _) = server(vec![Canned::Reply("429 Too Many Requests", "Retry-After: 1\r\n", ""), OK]).await;
        let start = Instant::now();
        client(DEFAULT_TIMEOUT).send(&Request::get(&url)).await.unwrap();
        assert!(start.elapsed() >= Duration::from_secs(1), "{:?}", start.elapsed());
        assert_eq!(count.load(Ordering::SeqCst), 2);

        let (url, count, _) =
            server(vec![Canned::Reply("503 Service Unavailable", "Retry-After: 30\r\n", ""), OK]).await;
        let start = Instant::now();
        let failure = client(Duration::from_secs(5)).send(&Request::get(&url)).await.unwrap_err();
        assert!(start.elapsed() < Duration::from_secs(2), "{:?}", start.elapsed());
        assert!(failure.timed_out(), "{failure}");
        assert!(failure.to_string().starts_with("timed out after 5 s"), "{failure}");
        assert_eq!(count.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn a_hung_server_fails_at_the_deadline_saying_timed_out() {
        let (url, _, _) = server(vec![Canned::Hang]).await;
        let start = Instant::now();
        let failure = client(Duration::from_secs(1)).send(&Request::get(&url)).await.unwrap_err();
        let took = start.elapsed();
        assert!(took >= Duration::from_secs(1) && took < Duration::from_secs(3), "{took:?}");
        assert_eq!(failure.to_string(), "timed out after 1 s (sigseal.timeout)");
    }

    #[tokio::test]
    async fn a_redirect_within_the_origin_is_followed_and_one_elsewhere_never_reached() {
        let (elsewhere, elsewhere_count, _) = server(vec![OK]).await;
        let location: &'static str = Box::leak(format!("Location: {elsewhere}/steal\r\n").into_boxed_str());
        let (url, _, _) = server(vec![Canned::Reply("307 Temporary Redirect", location, "")]).await;
        let request = Request::post(&url, "application/json", b"{\"token\":\"secret-token-value\"}".to_vec())
            .header("Authorization", "Bearer secret-token-value")
            .idempotent();
        let failure = client(DEFAULT_TIMEOUT).send(&request).await.unwrap_err();
        assert!(matches!(&failure, Failure::Redirected { status: 307, to } if *to == elsewhere), "{failure:?}");
        assert!(failure.to_string().contains("redirected (HTTP 307)"), "{failure}");
        assert_eq!(elsewhere_count.load(Ordering::SeqCst), 0, "the other origin was contacted");

        // Within the origin: followed (the server's second answer is the 200).
        let (url, count, seen) =
            server(vec![Canned::Reply("307 Temporary Redirect", "Location: /moved\r\n", ""), OK]).await;
        let reply = client(DEFAULT_TIMEOUT).send(&Request::get(&url)).await.unwrap();
        assert_eq!(reply.status, 200);
        assert_eq!(count.load(Ordering::SeqCst), 2);
        assert!(seen.lock().unwrap()[1].starts_with(b"GET /moved "));
    }

    #[tokio::test]
    async fn an_accepted_status_is_an_answer_with_its_headers() {
        let (url, count, _) =
            server(vec![Canned::Reply("409 Conflict", "Location: /api/v1/log/entries/ab12\r\n", "{}")]).await;
        let reply = client(DEFAULT_TIMEOUT)
            .send(&Request::post(&url, "application/json", b"{}".to_vec()).idempotent().accept(409))
            .await
            .unwrap();
        assert_eq!((reply.status, reply.header("location")), (409, Some("/api/v1/log/entries/ab12")));
        assert_eq!(count.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn time_spent_in_excluding_does_not_count() {
        let deadline = Deadline::new(Duration::from_millis(300));
        assert!(deadline.remaining() > Duration::from_millis(250));
        deadline.excluding(tokio::time::sleep(Duration::from_millis(400))).await;
        assert!(deadline.remaining() > Duration::from_millis(150), "{:?}", deadline.remaining());
        tokio::time::sleep(Duration::from_millis(350)).await;
        assert_eq!(deadline.remaining(), Duration::ZERO);
        assert!(deadline.at_most(Duration::from_secs(10)).limit().is_zero());
    }

    #[test]
    fn backoff_doubles_up_to_its_cap_and_retry_after_reads_seconds_and_dates() {
        assert_eq!(backoff(1), Duration::from_millis(500));
        assert_eq!(backoff(2), Duration::from_secs(1));
        assert_eq!(backoff(10), MAX_BACKOFF);
        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert("retry-after", "7".parse().unwrap());
        assert_eq!(retry_after(&headers), Some(Duration::from_secs(7)));
        headers.insert("retry-after", "Sun, 06 Nov 1994 08:49:37 GMT".parse().unwrap());
        assert_eq!(retry_after(&headers), Some(Duration::ZERO));
        headers.insert("retry-after", "soon".parse().unwrap());
        assert_eq!(retry_after(&headers), None);
    }

    #[test]
    fn sanitize_redacts_tokens_escapes_controls_and_shortens() {
        let jwt = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJl";
        let s = sanitize(&format!("bad token {jwt} \u{1b}[31mred\u{1b}[0m\r\n"), &[]);
        assert!(!s.contains("eyJ"), "{s}");
        assert!(s.contains(REDACTED), "{s}");
        assert!(!s.contains('\u{1b}') && !s.contains('\r') && !s.contains('\n'), "{s}");
        assert!(s.contains("\\u{1b}[31mred"), "{s}");

        let s = sanitize("the secret is opaque-secret-value!", &["opaque-secret-value"]);
        assert_eq!(s, format!("the secret is {REDACTED}!"));

        let long = "x".repeat(10_000);
        let s = sanitize(&long, &[]);
        assert!(s.chars().count() < MESSAGE_CHARS + 40, "{}", s.len());
        assert!(s.ends_with("(9700 more characters)"), "{s}");

        assert_eq!(sanitize("a\u{202e}b", &[]), "a\\u{202e}b");
    }

    #[test]
    fn a_token_cut_by_the_length_limit_is_still_redacted() {
        let jwt = format!("eyJhbGciOiJSUzI1NiJ9.{}.sig", "A".repeat(400));
        let s = sanitize(&format!("{}{jwt}", "y".repeat(250)), &[]);
        assert!(!s.contains("eyJ") && !s.contains("AAAA"), "{s}");
    }
}
