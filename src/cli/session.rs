//! `sigseal login`, `whoami`, `logout` and `agent`: log in ahead of a rebase, see what the
//! credential agent holds, wipe it, or run it.

use clap::{Args, ValueEnum};

use crate::config::Config;
use crate::error::{Error, Result};
use crate::identity::{agent, login};
use crate::keyless::Credential;

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
    if !cfg.identity.use_agent {
        return Err(Error::Config(
            "sigseal.agent is false: a login could not be kept for later signatures; unset it to use `sigseal login`"
                .into(),
        ));
    }
    let flow = match (args.device, args.flow) {
        (true, _) | (_, Some(FlowArg::Device)) => login::Flow::Device,
        (_, Some(FlowArg::Browser)) => login::Flow::Browser,
        (_, Some(FlowArg::Auto)) => login::Flow::Auto,
        (false, None) => login::Flow::from_config(&cfg),
    };
    crate::runtime()?.block_on(async {
        let token = login::login(&cfg, flow, login::Stdin::Free).await?;
        let credential = Credential::request(&cfg, &token).await?;
        drop(token);
        let running = agent::Client::connect(&cfg).await?;
        agent::hand_over(&cfg, running, &credential).await?;
        let now = crate::unix_now();
        eprintln!(
            "sigseal: logged in as {} (issuer {}); signing needs no login for {} minute(s)",
            credential.identity,
            credential.issuer,
            (credential.usable_until() - now).max(0) / 60
        );
        Ok(())
    })
}

/// `sigseal whoami`: the identities the agent can sign as, and for how long.
pub fn whoami() -> Result<i32> {
    let cfg = Config::load()?;
    crate::runtime()?.block_on(async {
        let Some(client) = agent::Client::connect(&cfg).await? else {
            eprintln!("sigseal: not logged in (no agent at {})", agent::socket_path(&cfg).display());
            return Ok(1);
        };
        let status = client.status().await?;
        if status.held.is_empty() {
            eprintln!("sigseal: not logged in (the agent, pid {}, holds no credential)", status.pid);
            return Ok(1);
        }
        let now = crate::unix_now();
        for held in &status.held {
            super::out::line(agent::describe(held, now))?;
        }
        Ok(0)
    })
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
            return match agent::Client::connect(&cfg).await? {
                Some(client) => {
                    client.stop().await?;
                    eprintln!("sigseal: agent stopped; its keys are wiped");
                    Ok(())
                }
                None => {
                    eprintln!("sigseal: no agent running at {}", agent::socket_path(&cfg).display());
                    Ok(())
                }
            };
        }
        let options = agent::ServeOptions { idle_exit: args.idle_exit.map(std::time::Duration::from_secs) };
        agent::serve(&cfg, options).await
    })
}
