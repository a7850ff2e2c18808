//! `sigseal login`, `whoami`, `logout` and `agent`: log in ahead of a rebase, see what the
//! credential agent holds, wipe it, or run it.

use clap::{Args, ValueEnum};
use serde::Serialize;

use super::Format;
use crate::config::Config;
use crate::error::Result;
use crate::identity::login;
use crate::keyless::agent;

/// Options of `sigseal login`.
#[derive(Debug, Args)]
pub struct LoginArgs {
    /// How to log in (default: sigseal.tokenProvider, else browser when one opens, else device flow).
    #[arg(long, value_enum)]
    pub flow: Option<FlowArg>,
    /// Shorthand for --flow device.
    #[arg(long, conflicts_with = "flow")]
    pub device: bool,
}

/// Login flows selectable on the command line.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum FlowArg {
    /// Browser when one opens, else device flow.
    Auto,
    /// Authorization code + PKCE in a browser (paste the code when none opens).
    Browser,
    /// RFC 8628 device flow.
    Device,
}

/// Options of `sigseal agent`.
#[derive(Debug, Args)]
pub struct AgentArgs {
    /// Stop the running agent (its keys are wiped).
    #[arg(long)]
    pub stop: bool,
    /// Exit after holding no usable credential for this many seconds (default: run until stopped).
    #[arg(long, value_name = "SECONDS")]
    pub idle_exit: Option<u64>,
}

/// `sigseal login`: log in, get a certificate, hand it to the agent (started on demand).
pub fn login(args: &LoginArgs) -> Result<()> {
    let cfg = Config::load()?;
    let flow = match (args.device, args.flow) {
        (true, _) | (_, Some(FlowArg::Device)) => login::Flow::Device,
        (_, Some(FlowArg::Browser)) => login::Flow::Browser,
        (_, Some(FlowArg::Auto)) => login::Flow::Auto,
        (false, None) => login::Flow::from_config(&cfg),
    };
    let credential = crate::runtime()?.block_on(agent::login(&cfg, flow))?;
    eprintln!(
        "sigseal: logged in as {} (issuer {}); signing needs no login for {} minute(s)",
        credential.identity,
        credential.issuer,
        (credential.usable_until() - crate::unix_now()).max(0) / 60
    );
    Ok(())
}

/// Options of `sigseal whoami`.
#[derive(Debug, Args)]
pub struct WhoamiArgs {
    /// Report format: one line per identity, or one JSON document.
    #[arg(long, short = 'o', value_enum, default_value_t = Format::Text)]
    pub output: Format,
}

/// One identity the agent can sign as, in `whoami --output json`.
#[derive(Debug, Serialize)]
struct HeldIdentity {
    identity: String,
    issuer: String,
    /// Where the credential is held: always the agent.
    source: &'static str,
    fulcio: String,
    instance: &'static str,
    /// The certificate's notAfter (RFC 3339).
    certificate_expires: String,
    /// The last moment the agent signs with it (RFC 3339).
    usable_until: String,
    minutes_left: i64,
}

/// The running agent, in `whoami --output json`.
#[derive(Debug, Serialize)]
struct AgentInfo {
    pid: u32,
    socket: String,
}

/// `whoami --output json`.
#[derive(Debug, Serialize)]
struct WhoamiDocument {
    logged_in: bool,
    /// What the next signature takes its identity from: the ambient token source (CI, token
    /// file, `SIGSTORE_ID_TOKEN`), else `agent` when it holds a credential for the configured
    /// Fulcio, else `login`; `null` when the configured source is missing.
    token_source: Option<String>,
    /// The configured instance: `production`, `staging` or `private`.
    instance: &'static str,
    fulcio: String,
    agent: Option<AgentInfo>,
    identities: Vec<HeldIdentity>,
}

/// `sigseal whoami`: the identities the agent can sign as, and for how long. Exit code 1 when
/// the agent holds none.
pub fn whoami(args: &WhoamiArgs) -> Result<i32> {
    let cfg = Config::load()?;
    let socket = agent::socket_path(&cfg);
    let status = crate::runtime()?.block_on(async {
        match agent::Client::connect(&cfg).await? {
            Some(client) => client.status().await.map(Some),
            None => Ok(None),
        }
    })?;
    let now = crate::unix_now();
    if args.output == Format::Text {
        let Some(status) = status else {
            eprintln!("sigseal: not logged in (no agent at {})", socket.display());
            return Ok(1);
        };
        if status.held.is_empty() {
            eprintln!("sigseal: not logged in (the agent, pid {}, holds no credential)", status.pid);
            return Ok(1);
        }
        for held in &status.held {
            super::out::line(agent::describe(held, now))?;
        }
        return Ok(0);
    }
    let held = status.as_ref().map(|s| s.held.as_slice()).unwrap_or_default();
    let identities: Vec<HeldIdentity> = held
        .iter()
        .map(|h| HeldIdentity {
            identity: h.identity.clone(),
            issuer: h.issuer.clone(),
            source: "agent",
            fulcio: h.fulcio.clone(),
            instance: crate::config::instance_name(&h.fulcio),
            certificate_expires: crate::iso_time(h.not_after),
            usable_until: crate::iso_time(h.usable_until),
            minutes_left: ((h.usable_until - now).max(0) + 59) / 60,
        })
        .collect();
    let token_source = agent::next_identity_source(&cfg, held, now);
    let doc = WhoamiDocument {
        logged_in: !identities.is_empty(),
        token_source,
        instance: crate::config::instance_name(&cfg.fulcio_url),
        fulcio: cfg.fulcio_url.clone(),
        agent: status.as_ref().map(|s| AgentInfo { pid: s.pid, socket: socket.display().to_string() }),
        identities,
    };
    super::out::json(&doc)?;
    Ok(i32::from(!doc.logged_in))
}

/// `sigseal logout`: wipe every credential the agent holds.
pub fn logout() -> Result<()> {
    let cfg = Config::load()?;
    crate::runtime()?.block_on(async {
        match agent::Client::connect(&cfg).await? {
            Some(client) => {
                let n = client.wipe().await?;
                eprintln!("sigseal: logged out ({n} credential(s) wiped from the agent)");
            }
            None => eprintln!("sigseal: not logged in (no agent running)"),
        }
        Ok(())
    })
}

/// `sigseal agent [--stop]`.
pub fn agent(args: &AgentArgs) -> Result<()> {
    let cfg = Config::load()?;
    crate::runtime()?.block_on(async {
        if args.stop {
            if let Some(client) = agent::Client::connect(&cfg).await? {
                client.stop().await?;
                eprintln!("sigseal: agent stopped; its keys are wiped");
            } else {
                eprintln!("sigseal: no agent running at {}", agent::socket_path(&cfg).display());
            }
            return Ok(());
        }
        let options = agent::ServeOptions { idle_exit: args.idle_exit.map(std::time::Duration::from_secs) };
        agent::serve(&cfg, options).await
    })
}
