//! The credential agent: a process that holds ephemeral keys and their Fulcio certificates in
//! memory, keyed by Fulcio instance and identity, until the certificate's expiry minus a safety
//! margin, and signs with them for processes of the same user. It never logs anyone in and
//! never writes a key to disk; the private key never leaves it once handed over.
//!
//! Transport: a Unix socket in the user's runtime directory (directory 0700, socket 0600); both
//! ends check the other's uid through the kernel (`SO_PEERCRED` / getpeereid). One JSON request
//! and one JSON answer per connection.

use std::os::unix::fs::{DirBuilderExt, MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::time::Duration;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde::{Deserialize, Serialize};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{UnixListener, UnixStream};
use zeroize::{Zeroize, Zeroizing};

use crate::config::Config;
use crate::error::{Error, Result};
use crate::keyless::credential::Credential;

/// Largest request or answer line (a chain of a few certificates, a key, a message).
const MAX_LINE: usize = 256 * 1024;
/// Largest message the agent signs (DER signed attributes are a few hundred bytes).
const MAX_MESSAGE: usize = 64 * 1024;
/// How long one client may take to send its request.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(5);
/// An agent started on demand exits after holding no usable credential this long.
pub const ON_DEMAND_IDLE: Duration = Duration::from_secs(60);

fn my_uid() -> u32 {
    rustix::process::getuid().as_raw()
}

fn agent_error(msg: impl Into<String>) -> Error {
    Error::Agent(msg.into())
}

/// The agent's socket: `sigseal.agentSocket` / `SIGSEAL_AGENT_SOCKET`, else `agent.sock` in
/// `$XDG_RUNTIME_DIR/sigseal`, else in `$TMPDIR/sigseal-UID`.
pub fn socket_path(cfg: &Config) -> PathBuf {
    if let Some(p) = &cfg.identity.agent_socket {
        return p.clone();
    }
    let dir = directories::ProjectDirs::from("dev", "sigseal", "sigseal")
        .and_then(|d| d.runtime_dir().map(Path::to_path_buf))
        .unwrap_or_else(|| std::env::temp_dir().join(format!("sigseal-{}", my_uid())));
    dir.join("agent.sock")
}

/// Make sure the socket's directory is private to this user: the default directory is created
/// 0700 and must stay so; a configured one must be ours and not writable by others.
fn check_dir(cfg: &Config, socket: &Path, create: bool) -> Result<()> {
    let dir = socket.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let explicit = cfg.identity.agent_socket.is_some();
    if create && !explicit && !dir.exists() {
        std::fs::DirBuilder::new()
            .mode(0o700)
            .create(dir)
            .map_err(|e| Error::io(format!("creating the agent directory {}", dir.display()), e))?;
    }
    let meta = match std::fs::symlink_metadata(dir) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && !create => return Ok(()),
        Err(e) => return Err(Error::io(format!("agent directory {}", dir.display()), e)),
    };
    let mode = meta.permissions().mode() & 0o777;
    let unsafe_mode = if explicit { mode & 0o022 != 0 } else { mode & 0o077 != 0 };
    if !meta.is_dir() || meta.uid() != my_uid() || unsafe_mode {
        return Err(agent_error(format!(
            "{} is not a private directory of yours (owner uid {}, mode {:o}); the agent socket \
             must live in a directory only you can {}",
            dir.display(),
            meta.uid(),
            mode,
            if explicit { "write" } else { "enter" }
        )));
    }
    Ok(())
}

/// Check that the directory of the agent's socket for `cfg` is private to this user, as every
/// client and the agent require (a missing directory passes: it is created when needed).
pub fn check_socket_dir(cfg: &Config) -> Result<()> {
    check_dir(cfg, &socket_path(cfg), false)
}

/// A secret string that is wiped when dropped (PKCS#8 keys in transit).
#[derive(Default)]
struct Secret(Zeroizing<String>);

impl Serialize for Secret {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Secret {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        String::deserialize(d).map(|s| Secret(Zeroizing::new(s)))
    }
}

#[derive(Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
enum Request {
    /// Sign `message` (base64) with a credential for `fulcio` (and `identity`, when given);
    /// with `prehashed`, the message is a SHA-256 digest (release assets of any size).
    Sign {
        fulcio: String,
        identity: Option<String>,
        message: String,
        #[serde(default)]
        prehashed: bool,
    },
    /// Keep this credential: PKCS#8 key (base64) and chain (base64 DER, leaf first).
    Store { fulcio: String, key: Secret, chain: Vec<String> },
    /// List the credentials held.
    Status,
    /// Forget every credential.
    Wipe,
    /// Forget everything and exit.
    Stop,
}

/// One credential as `status` reports it (no secrets).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct Held {
    /// Fulcio instance.
    pub fulcio: String,
    /// Identity in the certificate.
    pub identity: String,
    /// OIDC issuer in the certificate.
    pub issuer: String,
    /// Certificate notAfter (unix seconds).
    pub not_after: i64,
    /// Last second the agent will sign with it.
    pub usable_until: i64,
}

#[derive(Default, Serialize, Deserialize)]
struct Answer {
    ok: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    error: Option<String>,
    /// `sign`: base64 DER chain and signature; absent on a miss.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    chain: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    signature: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    held: Option<Vec<Held>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pid: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    wiped: Option<usize>,
}

impl Answer {
    fn fail(msg: impl Into<String>) -> Self {
        Self { ok: false, error: Some(msg.into()), ..Self::default() }
    }
    fn done() -> Self {
        Self { ok: true, ..Self::default() }
    }
}

/// A signature made by the agent.
pub struct Hit {
    /// Certificate chain, leaf first (DER).
    pub chain: Vec<Vec<u8>>,
    /// Signature (DER).
    pub signature: Vec<u8>,
}

/// What the agent reported about itself.
pub struct Status {
    /// The agent's process id.
    pub pid: u32,
    /// The credentials it holds.
    pub held: Vec<Held>,
}

/// A connection point to a running agent, checked to belong to this user.
pub struct Client {
    path: PathBuf,
}

async fn write_json<T: Serialize>(stream: &mut UnixStream, value: &T) -> std::io::Result<()> {
    let mut line = serde_json::to_vec(value).map_err(std::io::Error::other)?;
    line.push(b'\n');
    let sent = stream.write_all(&line).await;
    line.zeroize();
    sent
}

async fn read_json<T: for<'de> Deserialize<'de>>(stream: &mut UnixStream) -> std::io::Result<T> {
    let mut reader = BufReader::new(stream).take(MAX_LINE as u64);
    let mut line = Zeroizing::new(Vec::new());
    reader.read_until(b'\n', &mut line).await?;
    serde_json::from_slice(&line).map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e))
}

impl Client {
    /// Connect to the agent for `cfg`. `Ok(None)` when none is running; an error when the socket
    /// is unsafe (another user's directory or process).
    pub async fn connect(cfg: &Config) -> Result<Option<Self>> {
        let path = socket_path(cfg);
        if !path.exists() {
            return Ok(None);
        }
        check_dir(cfg, &path, false)?;
        let client = Self { path };
        Ok(client.try_open().await?.map(|_| client))
    }

    /// The socket this client talks to.
    pub fn path(&self) -> &Path {
        &self.path
    }

    async fn open(&self) -> Result<UnixStream> {
        self.try_open().await?.ok_or_else(|| agent_error(format!("not running at {}", self.path.display())))
    }

    /// Connect and check the serving uid; `None` when no agent listens on the socket.
    async fn try_open(&self) -> Result<Option<UnixStream>> {
        let stream = match UnixStream::connect(&self.path).await {
            Ok(s) => s,
            Err(e) if matches!(e.kind(), std::io::ErrorKind::ConnectionRefused | std::io::ErrorKind::NotFound) => {
                return Ok(None)
            }
            Err(e) => return Err(agent_error(format!("connecting to {}: {e}", self.path.display()))),
        };
        let peer =
            stream.peer_cred().map_err(|e| agent_error(format!("peer credentials of {}: {e}", self.path.display())))?;
        if peer.uid() != my_uid() {
            return Err(agent_error(format!(
                "the socket {} is served by uid {}, not by you (uid {}); refusing to use it",
                self.path.display(),
                peer.uid(),
                my_uid()
            )));
        }
        Ok(Some(stream))
    }

    async fn call(&self, request: &Request) -> Result<Answer> {
        let mut stream = self.open().await?;
        let io = |e: std::io::Error| agent_error(format!("talking to {}: {e}", self.path.display()));
        write_json(&mut stream, request).await.map_err(io)?;
        let answer: Answer = tokio::time::timeout(Duration::from_secs(30), read_json(&mut stream))
            .await
            .map_err(|_| agent_error(format!("{} did not answer", self.path.display())))?
            .map_err(io)?;
        match (answer.ok, &answer.error) {
            (false, Some(e)) => Err(agent_error(e.clone())),
            _ => Ok(answer),
        }
    }

    /// Sign `message` with a held credential for `fulcio` (and `identity`); `None` on a miss.
    pub async fn sign(&self, fulcio: &str, identity: Option<&str>, message: &[u8]) -> Result<Option<Hit>> {
        self.sign_request(fulcio, identity, message, false).await
    }

    /// Sign a SHA-256 digest with a held credential for `fulcio`; `None` on a miss.
    pub async fn sign_digest(&self, fulcio: &str, digest: &[u8; 32]) -> Result<Option<Hit>> {
        self.sign_request(fulcio, None, digest, true).await
    }

    async fn sign_request(
        &self,
        fulcio: &str,
        identity: Option<&str>,
        message: &[u8],
        prehashed: bool,
    ) -> Result<Option<Hit>> {
        let answer = self
            .call(&Request::Sign {
                fulcio: fulcio.to_string(),
                identity: identity.map(str::to_string),
                message: STANDARD.encode(message),
                prehashed,
            })
            .await?;
        let (Some(chain), Some(signature)) = (answer.chain, answer.signature) else {
            return Ok(None);
        };
        let bad = |_| agent_error("answer is not base64");
        Ok(Some(Hit {
            chain: chain.iter().map(|c| STANDARD.decode(c)).collect::<std::result::Result<_, _>>().map_err(bad)?,
            signature: STANDARD.decode(signature).map_err(bad)?,
        }))
    }

    /// Hand a fresh credential to the agent.
    pub async fn store(&self, fulcio: &str, credential: &Credential) -> Result<()> {
        let request = Request::Store {
            fulcio: fulcio.to_string(),
            key: Secret(Zeroizing::new(STANDARD.encode(credential.pkcs8()))),
            chain: credential.chain.iter().map(|c| STANDARD.encode(c)).collect(),
        };
        self.call(&request).await.map(|_| ())
    }

    /// What the agent holds.
    pub async fn status(&self) -> Result<Status> {
        let answer = self.call(&Request::Status).await?;
        Ok(Status { pid: answer.pid.unwrap_or(0), held: answer.held.unwrap_or_default() })
    }

    /// Forget every credential; returns how many were held.
    pub async fn wipe(&self) -> Result<usize> {
        Ok(self.call(&Request::Wipe).await?.wiped.unwrap_or(0))
    }

    /// Forget everything and exit.
    pub async fn stop(&self) -> Result<()> {
        self.call(&Request::Stop).await.map(|_| ())
    }
}

/// What the next signature would take its identity from, decided without requesting anything:
/// the ambient token source (a CI's, a token file, `SIGSTORE_ID_TOKEN`) when there is one, else
/// `agent` when the agent holds a usable credential for the configured Fulcio (`held`, at
/// `now`), else `login`. `None` when the configured token source is missing.
pub fn next_identity_source(cfg: &Config, held: &[Held], now: i64) -> Option<String> {
    let agent_signs = held.iter().any(|h| h.fulcio == cfg.fulcio_url && h.usable_until > now);
    match crate::identity::ci::planned_source(cfg) {
        Ok(Some(source)) => Some(source.to_string()),
        Ok(None) if agent_signs => Some("agent".to_string()),
        Ok(None) => Some("login".to_string()),
        Err(_) => None,
    }
}

/// `sigseal login`: log in with `flow`, get a certificate for the token, and hand the credential
/// to the agent (started on demand), so that the next signatures need no login. Refused when
/// `sigseal.agent` is false: the login could not be kept.
pub async fn login(cfg: &Config, flow: crate::identity::login::Flow) -> Result<Credential> {
    if !cfg.identity.use_agent {
        return Err(Error::Config(
            "sigseal.agent is false: a login could not be kept for later signatures; unset it to use `sigseal login`"
                .into(),
        ));
    }
    // Before any login: an identity is never sent to an instance the user did not choose.
    cfg.require_services()?;
    let token = crate::identity::login::login(cfg, flow, crate::identity::login::Stdin::Free).await?;
    let credential = Credential::request(cfg, &token).await?;
    drop(token);
    let running = Client::connect(cfg).await?;
    hand_over(cfg, running, &credential).await?;
    Ok(credential)
}

/// Give `credential` to the agent, starting one in the background when none runs.
pub async fn hand_over(cfg: &Config, running: Option<Client>, credential: &Credential) -> Result<()> {
    let client = match running {
        Some(c) => c,
        None => start_on_demand(cfg).await?,
    };
    client.store(&cfg.fulcio_url, credential).await
}

/// Start `sigseal agent` detached (its own process group, no stdio, exits when idle) and wait
/// until it answers.
pub async fn start_on_demand(cfg: &Config) -> Result<Client> {
    use std::os::unix::process::CommandExt;
    let path = socket_path(cfg);
    check_dir(cfg, &path, true)?;
    let exe = std::env::current_exe().map_err(|e| Error::io("finding the sigseal executable", e))?;
    std::process::Command::new(exe)
        .args(["agent", "--idle-exit", &ON_DEMAND_IDLE.as_secs().to_string()])
        .env("SIGSEAL_AGENT_SOCKET", &path)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .process_group(0)
        .spawn()
        .map_err(|e| Error::io("starting the credential agent", e))?;
    let client = Client { path };
    for _ in 0..100 {
        if let Ok(Some(_)) = client.try_open().await {
            return Ok(client);
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Err(agent_error(format!("the agent started on demand did not come up at {}", client.path.display())))
}

struct Entry {
    fulcio: String,
    credential: Credential,
}

/// How `sigseal agent` runs.
#[derive(Clone, Copy, Debug, Default)]
pub struct ServeOptions {
    /// Exit after holding no usable credential this long (agents started on demand).
    pub idle_exit: Option<Duration>,
}

/// Run the agent until `stop`, a signal, the socket's removal, or idleness.
pub async fn serve(cfg: &Config, options: ServeOptions) -> Result<()> {
    let path = socket_path(cfg);
    check_dir(cfg, &path, true)?;
    if path.exists() {
        if UnixStream::connect(&path).await.is_ok() {
            return Err(agent_error(format!("an agent is already running at {}", path.display())));
        }
        let meta = std::fs::symlink_metadata(&path).map_err(|e| Error::io("stale agent socket", e))?;
        if meta.uid() != my_uid() {
            return Err(agent_error(format!("{} belongs to uid {}", path.display(), meta.uid())));
        }
        std::fs::remove_file(&path).map_err(|e| Error::io(format!("removing stale socket {}", path.display()), e))?;
    }
    // Owner-only from the first instant, not after a chmod.
    let old = rustix::process::umask(rustix::fs::Mode::from_raw_mode(0o177));
    let bound = UnixListener::bind(&path);
    rustix::process::umask(old);
    let listener = bound.map_err(|e| Error::io(format!("listening on {}", path.display()), e))?;
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600))
        .map_err(|e| Error::io(format!("securing {}", path.display()), e))?;
    let inode_now = || std::fs::metadata(&path).map_or(0, |m| m.ino());
    let inode = inode_now();
    eprintln!("sigseal agent: listening on {} (pid {})", path.display(), std::process::id());

    let mut held: Vec<Entry> = Vec::new();
    let mut idle_since = tokio::time::Instant::now();
    let mut tick = tokio::time::interval(Duration::from_secs(2));
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .map_err(|e| Error::io("installing the signal handler", e))?;
    let reason = loop {
        tokio::select! {
            accepted = listener.accept() => {
                let Ok((stream, _)) = accepted else { continue };
                if handle(stream, &mut held).await == Flow::Stop {
                    break "stopped on request";
                }
            }
            _ = tick.tick() => {
                let now = crate::unix_now();
                let before = held.len();
                held.retain(|e| e.credential.is_usable(now));
                if held.len() < before {
                    eprintln!("sigseal agent: {} credential(s) expired and were wiped", before - held.len());
                }
                if !held.is_empty() {
                    idle_since = tokio::time::Instant::now();
                }
                if inode_now() != inode {
                    break "socket removed";
                }
                if let Some(idle) = options.idle_exit {
                    if held.is_empty() && idle_since.elapsed() >= idle {
                        break "idle";
                    }
                }
            }
            _ = tokio::signal::ctrl_c() => break "interrupted",
            _ = term.recv() => break "terminated",
        }
    };
    held.clear();
    if inode_now() == inode {
        let _ = std::fs::remove_file(&path);
    }
    eprintln!("sigseal agent: exiting ({reason}); keys wiped");
    Ok(())
}

#[derive(PartialEq, Eq)]
enum Flow {
    Continue,
    Stop,
}

async fn handle(mut stream: UnixStream, held: &mut Vec<Entry>) -> Flow {
    let peer = match stream.peer_cred() {
        Ok(p) => p,
        Err(e) => {
            eprintln!("sigseal agent: refused a connection without peer credentials: {e}");
            return Flow::Continue;
        }
    };
    if peer.uid() != my_uid() {
        // Not a word to another user: close without reading.
        eprintln!(
            "sigseal agent: refused a connection from uid {} (pid {})",
            peer.uid(),
            peer.pid().map_or("?".to_string(), |p| p.to_string())
        );
        return Flow::Continue;
    }
    let request: Request = match tokio::time::timeout(REQUEST_TIMEOUT, read_json(&mut stream)).await {
        Ok(Ok(r)) => r,
        Ok(Err(e)) => {
            let _ = write_json(&mut stream, &Answer::fail(format!("bad request: {e}"))).await;
            return Flow::Continue;
        }
        Err(_) => return Flow::Continue,
    };
    let now = crate::unix_now();
    held.retain(|e| e.credential.is_usable(now));
    let (answer, flow) = match request {
        Request::Status => (
            Answer {
                ok: true,
                pid: Some(std::process::id()),
                held: Some(
                    held.iter()
                        .map(|e| Held {
                            fulcio: e.fulcio.clone(),
                            identity: e.credential.identity.clone(),
                            issuer: e.credential.issuer.clone(),
                            not_after: e.credential.not_after,
                            usable_until: e.credential.usable_until(),
                        })
                        .collect(),
                ),
                ..Answer::default()
            },
            Flow::Continue,
        ),
        Request::Sign { fulcio, identity, message, prehashed } => {
            (sign(held, &fulcio, identity.as_deref(), &message, prehashed), Flow::Continue)
        }
        Request::Store { fulcio, key, chain } => (store(held, fulcio, key, &chain, now), Flow::Continue),
        Request::Wipe => {
            let n = held.len();
            held.clear();
            eprintln!("sigseal agent: wiped {n} credential(s)");
            (Answer { ok: true, wiped: Some(n), ..Answer::default() }, Flow::Continue)
        }
        Request::Stop => (Answer::done(), Flow::Stop),
    };
    let _ = write_json(&mut stream, &answer).await;
    flow
}

fn sign(held: &[Entry], fulcio: &str, identity: Option<&str>, message: &str, prehashed: bool) -> Answer {
    let Ok(message) = STANDARD.decode(message) else { return Answer::fail("message is not base64") };
    if message.len() > MAX_MESSAGE {
        return Answer::fail("message too large");
    }
    let digest: Option<[u8; 32]> = match (prehashed, <[u8; 32]>::try_from(message.as_slice())) {
        (false, _) => None,
        (true, Ok(d)) => Some(d),
        (true, Err(_)) => return Answer::fail("a prehashed message must be a 32-byte SHA-256 digest"),
    };
    let found = held
        .iter()
        .rev()
        .find(|e| e.fulcio == fulcio && identity.is_none_or(|want| want.eq_ignore_ascii_case(&e.credential.identity)));
    let Some(entry) = found else { return Answer::done() };
    let signed = match &digest {
        Some(d) => entry.credential.sign_digest(d),
        None => entry.credential.sign(&message),
    };
    match signed {
        Ok(signature) => {
            eprintln!("sigseal agent: signed as {}", entry.credential.identity);
            Answer {
                ok: true,
                chain: Some(entry.credential.chain.iter().map(|c| STANDARD.encode(c)).collect()),
                signature: Some(STANDARD.encode(signature)),
                ..Answer::default()
            }
        }
        Err(e) => Answer::fail(format!("signing failed: {e}")),
    }
}

fn store(held: &mut Vec<Entry>, fulcio: String, key: Secret, chain: &[String], now: i64) -> Answer {
    let Ok(pkcs8) = STANDARD.decode(key.0.as_bytes()).map(Zeroizing::new) else {
        return Answer::fail("key is not base64");
    };
    drop(key);
    let Ok(chain) = chain.iter().map(|c| STANDARD.decode(c)).collect::<std::result::Result<Vec<_>, _>>() else {
        return Answer::fail("chain is not base64");
    };
    let credential = match Credential::from_parts(pkcs8, chain) {
        Ok(c) => c,
        Err(e) => return Answer::fail(format!("unusable credential: {e}")),
    };
    if !credential.is_usable(now) {
        return Answer::fail("the certificate expires too soon to be worth keeping");
    }
    eprintln!(
        "sigseal agent: holding a credential for {} (issuer {}) until {}",
        credential.identity,
        credential.issuer,
        jiff::Timestamp::from_second(credential.usable_until()).map_or_else(|_| "?".into(), |t| t.to_string())
    );
    held.retain(|e| !(e.fulcio == fulcio && e.credential.identity == credential.identity));
    held.push(Entry { fulcio, credential });
    Answer::done()
}

/// One line describing a held credential, for `sigseal whoami`.
pub fn describe(held: &Held, now: i64) -> String {
    let minutes = ((held.usable_until - now).max(0) + 59) / 60;
    format!("{} (issuer {}, Fulcio {}): {} minute(s) left", held.identity, held.issuer, held.fulcio, minutes)
}
