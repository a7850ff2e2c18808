//! `sigseal completions SHELL` and `sigseal man`: shell completion scripts and roff man pages,
//! generated from the same clap command table that parses the flags, so they never fall behind.

use std::io::Write;
use std::path::PathBuf;

use clap::CommandFactory;

use crate::error::{Error, Result};

/// Arguments of `sigseal completions`.
#[derive(Debug, clap::Args)]
pub struct CompletionsArgs {
    /// The shell to complete for.
    #[arg(value_enum)]
    shell: clap_complete::Shell,
}

/// Arguments of `sigseal man`.
#[derive(Debug, clap::Args)]
pub struct ManArgs {
    /// Write sigseal.1 and one page per subcommand (sigseal-verify.1, ...) into this directory
    /// instead of printing sigseal.1.
    #[arg(long, value_name = "DIR")]
    dir: Option<PathBuf>,
}

/// The command table without its hidden subcommands (the conformance-suite entry points), which
/// completion scripts would otherwise offer.
fn visible_commands() -> clap::Command {
    let full = super::Cli::command();
    let mut cmd = clap::Command::new("sigseal").version(env!("CARGO_PKG_VERSION"));
    if let Some(about) = full.get_about() {
        cmd = cmd.about(about.clone());
    }
    cmd.subcommand_required(true).subcommands(full.get_subcommands().filter(|s| !s.is_hide_set()).cloned())
}

/// Print the completion script for the shell.
pub fn completions(a: &CompletionsArgs) -> Result<()> {
    let mut cmd = visible_commands();
    let mut script = Vec::new();
    clap_complete::generate(a.shell, &mut cmd, "sigseal", &mut script);
    let mut out = super::out::stdout();
    out.write_all(&script).and_then(|()| out.flush()).map_err(|e| Error::io("writing the completion script", e))
}

/// Print the man page, or write every page into `--dir`.
pub fn man(a: &ManArgs) -> Result<()> {
    let cmd = super::Cli::command();
    if let Some(dir) = &a.dir {
        std::fs::create_dir_all(dir).map_err(|e| Error::io(format!("creating {}", dir.display()), e))?;
        clap_mangen::generate_to(cmd, dir)
            .map_err(|e| Error::io(format!("writing the man pages into {}", dir.display()), e))?;
        eprintln!("sigseal: man pages written to {}", dir.display());
        return Ok(());
    }
    let mut page = Vec::new();
    clap_mangen::Man::new(cmd).render(&mut page).map_err(|e| Error::io("rendering the man page", e))?;
    let mut out = super::out::stdout();
    out.write_all(&page).and_then(|()| out.flush()).map_err(|e| Error::io("writing the man page", e))
}
