//! Command line: tells git's gpg-style invocations apart from sigseal's own subcommands, and
//! holds the subcommand table (one place for every flag).

mod doctor;
mod generate;
mod out;
mod release;
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
    /// Check the setup: git configuration, PATH, trust root, services, agent; print each finding
    /// with a fix.
    Doctor(doctor::DoctorArgs),
    /// Log in now (browser or device flow) so that signing needs no login until the
    /// certificate expires; the credential is kept by the agent.
    Login(session::LoginArgs),
    /// Show the identities the agent can sign as, their issuer and minutes left.
    Whoami(session::WhoamiArgs),
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
    /// Sign files (release assets): a Sigstore bundle v0.3 per file, one login and one
    /// certificate for all of them; cosign's .sig/.pem on request.
    SignBlob(Box<release::SignBlobArgs>),
    /// Verify a file (or sha256:<hex>) against its bundle, a cosign .sig/.pem pair, or a key.
    VerifyBlob(Box<release::VerifyBlobArgs>),
    /// Sign a release: write SHA256SUMS for the assets and sign it and every asset in one run.
    SignRelease(Box<release::SignReleaseArgs>),
    /// Verify a release directory: the manifest's signature, every listed digest, every
    /// asset's bundle.
    VerifyRelease(Box<release::VerifyReleaseArgs>),
    /// Attest files: an in-toto statement (given predicate, or SLSA v1 provenance from GitHub
    /// Actions) in a DSSE envelope, logged in Rekor.
    AttestBlob(Box<release::AttestBlobArgs>),
    /// Verify an attestation bundle: envelope, subject digest, predicate type and signer.
    VerifyBlobAttestation(Box<release::VerifyAttestationArgs>),
    /// Verify files of a GitHub release against GitHub's attestation of the (immutable)
    /// release, as `gh release verify-asset` does, offline.
    VerifyReleaseAsset(Box<release::VerifyReleaseAssetArgs>),
    /// Make a cosign-compatible key pair for the key-based fallback (PREFIX.key, PREFIX.pub).
    GenerateKeyPair(release::GenerateKeyPairArgs),
    /// Print the completion script for a shell (bash, zsh, fish, elvish, powershell).
    Completions(generate::CompletionsArgs),
    /// Print the man page (roff), or write one page per subcommand with --dir.
    Man(generate::ManArgs),
    /// sigstore-conformance: sign a file into a bundle.
    #[command(hide = true)]
    SignBundle(Box<release::ConformanceSignArgs>),
    /// sigstore-conformance: verify a bundle (exit code only).
    #[command(hide = true)]
    VerifyBundle(Box<release::ConformanceVerifyArgs>),
}

/// Report format of the commands that report on standard output (`--output`, `-o`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Lines for people.
    #[default]
    Text,
    /// One JSON document.
    Json,
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
        Command::Setup(a) => setup::run(&a).map(|()| 0),
        Command::Doctor(a) => doctor::run(&a),
        Command::Login(a) => session::login(&a).map(|()| 0),
        Command::Whoami(a) => session::whoami(&a),
        Command::Logout => session::logout().map(|()| 0),
        Command::Agent(a) => session::agent(&a).map(|()| 0),
        Command::Verify(a) => return verify::verify(&a),
        Command::VerifyTag(a) => return verify::verify_tag(&a),
        Command::ExportBundle(a) => verify::export_bundle(&a).map(|()| 0),
        Command::SignBlob(a) => release::sign_blob(&a).map(|()| 0),
        Command::VerifyBlob(a) => return release::verify_blob(&a),
        Command::SignRelease(a) => release::sign_release(&a).map(|()| 0),
        Command::VerifyRelease(a) => return release::verify_release(&a),
        Command::AttestBlob(a) => release::attest_blob(&a).map(|()| 0),
        Command::VerifyBlobAttestation(a) => return release::verify_attestation(&a),
        Command::VerifyReleaseAsset(a) => return release::verify_release_asset(&a),
        Command::GenerateKeyPair(a) => release::generate_key_pair(&a).map(|()| 0),
        Command::Completions(a) => generate::completions(&a).map(|()| 0),
        Command::Man(a) => generate::man(&a).map(|()| 0),
        Command::SignBundle(a) => release::conformance_sign(&a).map(|()| 0),
        Command::VerifyBundle(a) => return release::conformance_verify(&a),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("{}", e.one_line());
            e.exit_code()
        }
    }
}
