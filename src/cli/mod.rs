//! Command line: tells git's gpg-style invocations apart from sigseal's own subcommands, and
//! holds the subcommand table (one place for every flag).

mod session;
mod setup;
mod verify;

use clap::{Parser, Subcommand};

use crate::error::Error;

/// Sigstore keyless signing for git and software releases.
#[derive(Debug, Parser)]
#[command(name = "sigseal", version, about, long_about = None)]
#[command(after_help = "As git's signing program (gpg.format=x509, gpg.x509.program=sigseal), sigseal also \
accepts gpgsm's options: --status-fd=N -bsau KEY to sign, --status-fd=N --verify SIG - to verify.\n\
Exit codes: 0 success, 1 signature or verification failed, 2 usage or environment error.")]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Configure git to sign with sigseal (gpg.format=x509, gpg.x509.program=<this binary>).
    Setup(setup::SetupArgs),
    /// Log in now (browser or device flow) so that signing needs no login until the
    /// certificate expires; the credential is kept by the agent.
    Login(session::LoginArgs),
    /// Show the identities the agent can sign as, their issuer and minutes left.
    Whoami,
    /// Wipe every credential the agent holds.
    Logout,
    /// Run the credential agent in the foreground (or stop it with --stop).
    Agent(session::AgentArgs),
    /// Verify commits and tags: revisions, ranges A..B, or --all, against the trusted root,
    /// the transparency log and an identity policy.
    Verify(Box<verify::VerifyArgs>),
    /// Verify annotated tags by name.
    VerifyTag(Box<verify::VerifyTagArgs>),
    /// Write a commit's or tag's signature as a Sigstore bundle v0.3 plus the signed artifact,
    /// for verification with other Sigstore clients.
    ExportBundle(verify::ExportArgs),
}

/// Run sigseal with these arguments (without the program name); returns the exit code.
pub fn run(args: Vec<String>) -> i32 {
    if crate::gpg::looks_like_gpg(&args) {
        return match crate::gpg::parse(&args) {
            Ok(a) => crate::gpg::run(&a),
            Err(e) => {
                eprintln!("{}", e.one_line());
                e.exit_code()
            }
        };
    }
    let cli = match Cli::try_parse_from(std::iter::once("sigseal".to_string()).chain(args)) {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return code;
        }
    };
    let result: Result<i32, Error> = match cli.command {
        Command::Setup(a) => setup::run(&a).map(|_| 0),
        Command::Login(a) => session::login(&a).map(|_| 0),
        Command::Whoami => session::whoami(),
        Command::Logout => session::logout().map(|_| 0),
        Command::Agent(a) => session::agent(&a).map(|_| 0),
        Command::Verify(a) => return verify::verify(&a),
        Command::VerifyTag(a) => return verify::verify_tag(&a),
        Command::ExportBundle(a) => verify::export_bundle(&a).map(|_| 0),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("{}", e.one_line());
            e.exit_code()
        }
    }
}
