//! Parsing of the gpg/gpgsm command lines git uses (`--status-fd=2 -bsau KEY`,
//! `--keyid-format=long --status-fd=1 --verify SIG -`) and their long-option spellings.

use crate::error::{Error, Result};

/// What git asked for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Detached sign; payload from the file, else stdin.
    Sign {
        /// Payload file (None = stdin).
        input: Option<String>,
    },
    /// Verify a detached signature; data from the file, else stdin.
    Verify {
        /// Signature file.
        signature: String,
        /// Data file (None or "-" = stdin).
        data: Option<String>,
    },
}

/// Parsed gpg-style arguments.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GpgArgs {
    /// `--status-fd`.
    pub status_fd: Option<u32>,
    /// `-u` / `--local-user` (ignored for keyless signing beyond reporting).
    pub local_user: Option<String>,
    /// The mode.
    pub mode: Mode,
}

const LONG_FLAGS: &[&str] =
    &["--status-fd", "--verify", "--detach-sign", "--sign", "--armor", "--local-user", "--keyid-format"];

/// True when these arguments are a gpg-style invocation rather than a sigseal subcommand.
pub fn looks_like_gpg(args: &[String]) -> bool {
    args.iter().any(|a| {
        LONG_FLAGS.iter().any(|f| a == f || a.starts_with(&format!("{f}=")))
            || (a.len() > 1 && a.starts_with('-') && !a.starts_with("--") && a[1..].chars().all(|c| "bsau".contains(c)))
    })
}

fn fd(value: &str) -> Result<u32> {
    value.parse().map_err(|_| Error::Usage(format!("--status-fd needs a file descriptor number, got {value:?}")))
}

/// Parse gpg-style arguments (without the program name).
pub fn parse(args: &[String]) -> Result<GpgArgs> {
    let mut status_fd = None;
    let mut local_user = None;
    let (mut sign, mut detach, mut verify) = (false, false, false);
    let mut positional = Vec::new();
    let mut it = args.iter().peekable();
    while let Some(a) = it.next() {
        let mut value_of = |name: &str| -> Result<String> {
            it.next().cloned().ok_or_else(|| Error::Usage(format!("{name} needs a value")))
        };
        match a.as_str() {
            "--status-fd" => status_fd = Some(fd(&value_of("--status-fd")?)?),
            "--local-user" => local_user = Some(value_of("--local-user")?),
            "--keyid-format" => {
                value_of("--keyid-format")?;
            }
            "--detach-sign" => {
                sign = true;
                detach = true;
            }
            "--sign" => sign = true,
            "--armor" => {}
            "--verify" => verify = true,
            "-" => positional.push(a.clone()),
            "--" => positional.extend(it.by_ref().cloned()),
            s if s.starts_with("--status-fd=") => status_fd = Some(fd(&s["--status-fd=".len()..])?),
            s if s.starts_with("--local-user=") => local_user = Some(s["--local-user=".len()..].to_string()),
            s if s.starts_with("--keyid-format=") => {}
            s if s.starts_with("--") => return Err(Error::Usage(format!("unsupported gpg option {s}"))),
            s if s.starts_with('-') && s.len() > 1 => {
                let cluster = &s[1..];
                for (i, c) in cluster.char_indices() {
                    match c {
                        'b' => {
                            detach = true;
                            sign = true;
                        }
                        's' => sign = true,
                        'a' => {}
                        'u' => {
                            let rest = &cluster[i + 1..];
                            local_user = Some(if rest.is_empty() { value_of("-u")? } else { rest.to_string() });
                            break;
                        }
                        other => return Err(Error::Usage(format!("unsupported gpg flag -{other} in {s}"))),
                    }
                }
            }
            _ => positional.push(a.clone()),
        }
    }
    let mode = match (verify, sign) {
        (true, false) => {
            let mut p = positional.into_iter();
            let signature = p.next().ok_or_else(|| Error::Usage("--verify needs a signature file".into()))?;
            let data = p.next();
            if p.next().is_some() {
                return Err(Error::Usage("--verify takes a signature file and one data file".into()));
            }
            Mode::Verify { signature, data }
        }
        (false, true) => {
            if !detach {
                return Err(Error::Usage("only detached signatures are supported (-b / --detach-sign)".into()));
            }
            if positional.len() > 1 {
                return Err(Error::Usage("sign takes at most one input file".into()));
            }
            Mode::Sign { input: positional.into_iter().next().filter(|p| p != "-") }
        }
        (true, true) => return Err(Error::Usage("cannot sign and verify at once".into())),
        (false, false) => {
            return Err(Error::Usage("nothing to do: use -bsau KEY to sign or --verify SIG - to verify".into()))
        }
    };
    Ok(GpgArgs { status_fd, local_user, mode })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Result<GpgArgs> {
        parse(&s.split_whitespace().map(String::from).collect::<Vec<_>>())
    }

    #[test]
    fn git_sign_invocation_parses() {
        let v: Vec<String> = ["--status-fd=2", "-bsau", "Alice <alice@example.com>"].map(String::from).into();
        let a = parse(&v).unwrap();
        assert_eq!(a.status_fd, Some(2));
        assert_eq!(a.local_user.as_deref(), Some("Alice <alice@example.com>"));
        assert_eq!(a.mode, Mode::Sign { input: None });
    }

    #[test]
    fn separate_and_long_flags_parse() {
        for s in
            ["-s -b -a -u KEY", "--detach-sign --armor --local-user KEY", "--sign --detach-sign --local-user=KEY -a"]
        {
            let a = p(s).unwrap();
            assert_eq!(a.local_user.as_deref(), Some("KEY"), "{s}");
            assert_eq!(a.mode, Mode::Sign { input: None }, "{s}");
        }
        assert_eq!(p("-bsa --status-fd 2 payload.txt").unwrap().mode, Mode::Sign { input: Some("payload.txt".into()) });
    }

    #[test]
    fn git_verify_invocation_parses() {
        let a = p("--keyid-format=long --status-fd=1 --verify .git/.tmp-sig -").unwrap();
        assert_eq!(a.status_fd, Some(1));
        assert_eq!(a.mode, Mode::Verify { signature: ".git/.tmp-sig".into(), data: Some("-".into()) });
    }

    #[test]
    fn nonsense_is_a_usage_error() {
        assert!(p("--status-fd=x -bsau K").is_err());
        assert!(p("-bsz").is_err());
        assert!(p("-sa").is_err(), "non-detached signing must be refused");
        assert!(p("--verify").is_err());
    }

    #[test]
    fn gpg_style_is_told_apart_from_subcommands() {
        let v = |s: &str| s.split_whitespace().map(String::from).collect::<Vec<_>>();
        assert!(looks_like_gpg(&v("--status-fd=2 -bsau K")));
        assert!(looks_like_gpg(&v("--verify sig -")));
        assert!(!looks_like_gpg(&v("setup --global")));
        assert!(!looks_like_gpg(&v("--version")));
    }
}
