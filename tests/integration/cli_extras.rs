//! What the command line offers around the commands: shell completion scripts run by the real
//! shells (bash completes subcommands and a subcommand's flags; zsh and fish accept their
//! scripts), the man page rendered by the real man/groff, and `sigseal setup --output json`
//! read back against what git then has configured.

use crate::common;

use std::path::Path;
use std::process::{Command, Output, Stdio};

use common::{gits, isolate, sigseal_bin, Repo};

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// `sigseal ARGS`, isolated, stdout and stderr captured.
fn sigseal(args: &[&str]) -> Output {
    let mut c = Command::new(sigseal_bin());
    isolate(&mut c);
    c.args(args).stdin(Stdio::null()).output().unwrap()
}

/// The path of `program` on PATH, if it is installed.
fn installed(program: &str) -> Option<std::path::PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()).map(|d| d.join(program)).find(|p| p.is_file())
}

/// What bash's programmable completion offers for `words`, the last one being completed: the
/// script is sourced from `sigseal completions bash` and its function called as bash calls it.
fn bash_complete(words: &[&str]) -> Vec<String> {
    let bin_dir = sigseal_bin().parent().unwrap().to_path_buf();
    let quoted: Vec<String> = words.iter().map(|w| format!("'{w}'")).collect();
    let script = format!(
        r#"set -u
source <(sigseal completions bash)
COMP_WORDS=({words})
COMP_CWORD={cword}
COMP_LINE="${{COMP_WORDS[*]}}"
COMP_POINT=${{#COMP_LINE}}
_sigseal sigseal "${{COMP_WORDS[COMP_CWORD]}}" "${{COMP_WORDS[COMP_CWORD-1]}}"
printf '%s\n' "${{COMPREPLY[@]}}"
"#,
        words = quoted.join(" "),
        cword = words.len() - 1,
    );
    let path = std::env::join_paths(
        std::iter::once(bin_dir).chain(std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())),
    )
    .unwrap();
    let mut c = Command::new("bash");
    isolate(&mut c);
    let out = c.arg("-c").arg(&script).env("PATH", path).stdin(Stdio::null()).output().unwrap();
    assert!(out.status.success(), "bash completion failed: {}", text(&out.stderr));
    text(&out.stdout).lines().map(str::to_string).filter(|l| !l.is_empty()).collect()
}

#[test]
fn bash_completes_subcommands_by_prefix() {
    let offered = bash_complete(&["sigseal", "ver"]);
    for want in ["verify", "verify-tag", "verify-blob", "verify-release", "verify-blob-attestation"] {
        assert!(offered.iter().any(|o| o == want), "{want} not offered for `sigseal ver`: {offered:?}");
    }
    assert!(offered.iter().all(|o| o.starts_with("ver")), "offers that do not match the prefix: {offered:?}");
    assert!(!offered.iter().any(|o| o == "verify-bundle"), "a hidden subcommand is offered: {offered:?}");
    let offered = bash_complete(&["sigseal", "comp"]);
    assert_eq!(offered, ["completions"], "the new subcommands complete too");
}

#[test]
fn bash_completes_the_flags_of_a_subcommand() {
    let offered = bash_complete(&["sigseal", "verify-blob", "--cert"]);
    for want in ["--certificate-identity", "--certificate-oidc-issuer", "--certificate-identity-regexp"] {
        assert!(offered.iter().any(|o| o == want), "{want} not offered for `verify-blob --cert`: {offered:?}");
    }
    assert!(offered.iter().all(|o| o.starts_with("--cert")), "{offered:?}");
    // Another subcommand's flags are not offered: setup has none starting with --cert.
    assert!(bash_complete(&["sigseal", "setup", "--cert"]).is_empty());
    let offered = bash_complete(&["sigseal", "setup", "--"]);
    assert!(offered.iter().any(|o| o == "--global") && offered.iter().any(|o| o == "--output"), "{offered:?}");
    // A value of a flag with fixed choices completes to those choices.
    assert_eq!(bash_complete(&["sigseal", "completions", "f"]), ["fish"]);
}

#[test]
fn zsh_and_fish_scripts_are_valid_for_their_shells() {
    for (shell, marker) in [("zsh", "#compdef sigseal"), ("fish", "complete -c sigseal")] {
        let out = sigseal(&["completions", shell]);
        assert!(out.status.success(), "{shell}: {}", text(&out.stderr));
        let script = text(&out.stdout);
        assert!(script.contains(marker), "{shell} script lacks {marker:?}:\n{script}");
        assert!(script.contains("verify-blob"), "{shell} script does not name the subcommands");
        match installed(shell) {
            Some(program) => {
                let dir = tempfile::tempdir().unwrap();
                let file = dir.path().join(format!("sigseal.{shell}"));
                std::fs::write(&file, &script).unwrap();
                let check = Command::new(&program).arg("-n").arg(&file).output().unwrap();
                assert!(check.status.success(), "{shell} -n rejects the script: {}", text(&check.stderr));
                if shell == "fish" {
                    // fish completes from the script as a person's shell would.
                    let line = format!("source {}; complete -C 'sigseal verify-b'", file.display());
                    let done = Command::new(&program).args(["--no-config", "-c", &line]).output().unwrap();
                    let offered: Vec<String> =
                        text(&done.stdout).lines().filter_map(|l| l.split('\t').next()).map(str::to_string).collect();
                    assert_eq!(offered, ["verify-blob", "verify-blob-attestation"], "{}", text(&done.stderr));
                }
            }
            None => eprintln!("cli_extras: {shell} is not installed; its script was checked for content only"),
        }
    }
    for shell in ["elvish", "powershell"] {
        let out = sigseal(&["completions", shell]);
        assert!(out.status.success() && out.stdout.len() > 100, "{shell}: {}", text(&out.stderr));
    }
    let out = sigseal(&["completions", "tcsh"]);
    assert_eq!(out.status.code(), Some(2), "an unknown shell is a usage error");
}

/// The man page roff rendered as text by `man -l -` or `groff -man -Tutf8`, or why it cannot be.
fn render_man(roff: &[u8]) -> Result<String, String> {
    use std::io::Write;
    let (program, args): (&str, &[&str]) = if installed("man").is_some() {
        ("man", &["-l", "-"])
    } else if installed("groff").is_some() {
        ("groff", &["-man", "-Tutf8"])
    } else {
        return Err("neither man nor groff is installed".into());
    };
    let mut child = Command::new(program)
        .args(args)
        .env("MANWIDTH", "100")
        .env("MANPAGER", "cat")
        .env("PAGER", "cat")
        .env("GROFF_NO_SGR", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(roff).unwrap();
    let out = child.wait_with_output().unwrap();
    if !out.status.success() {
        return Err(format!("{program} failed: {}", text(&out.stderr)));
    }
    // Strip overstrike bold/underline (`X\bX`, `_\bX`) should a formatter still emit it.
    let mut rendered = String::new();
    for c in text(&out.stdout).chars() {
        if c == '\u{8}' {
            rendered.pop();
        } else {
            rendered.push(c);
        }
    }
    Ok(rendered)
}

#[test]
fn man_page_renders_with_name_synopsis_and_the_subcommands() {
    let out = sigseal(&["man"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).starts_with(".ie") || text(&out.stdout).contains(".TH sigseal 1"), "not roff");
    match render_man(&out.stdout) {
        Ok(page) => {
            for section in ["NAME", "SYNOPSIS", "SUBCOMMANDS"] {
                assert!(page.lines().any(|l| l.trim() == section), "no {section} section in:\n{page}");
            }
            for sub in ["sigseal-setup", "sigseal-verify", "sigseal-verify-blob", "sigseal-sign-release"] {
                assert!(page.contains(sub), "{sub} missing from the rendered page:\n{page}");
            }
            assert!(!page.contains("sigseal-sign-bundle"), "hidden subcommands stay out of the page");
        }
        Err(why) => eprintln!("cli_extras: man page not rendered ({why}); the roff was checked only"),
    }
}

#[test]
fn man_dir_writes_one_page_per_subcommand() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("man1");
    let out = sigseal(&["man", "--dir", target.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    for page in ["sigseal.1", "sigseal-verify.1", "sigseal-whoami.1", "sigseal-completions.1"] {
        let p = target.join(page);
        let body = std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
        assert!(body.contains(".TH"), "{page} is not a man page");
    }
    let verify = std::fs::read_to_string(target.join("sigseal-verify.1")).unwrap();
    assert!(verify.contains("certificate\\-identity"), "the verify page lists its flags");
    assert!(!target.join("sigseal-sign-bundle.1").exists(), "hidden subcommands get no page");
}

/// `git config --get KEY` in `repo`.
fn git_get(repo: &Repo, key: &str) -> String {
    repo.ok(&["config", "--get", key]).trim_end().to_string()
}

#[test]
fn setup_json_names_each_key_its_scope_and_what_was_done() {
    let git = &gits()[0];
    let repo = Repo::new(git, Vec::new());
    repo.ok(&["config", "gpg.x509.program", "/usr/bin/gitsign"]);
    let out = repo.sigseal(&["setup", "--sign-tags", "--output", "json"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["scope"], "local");
    let settings = doc["settings"].as_array().unwrap();
    let keys: Vec<&str> = settings.iter().map(|s| s["key"].as_str().unwrap()).collect();
    assert_eq!(keys, ["gpg.format", "gpg.x509.program", "tag.gpgSign"]);
    let by_key = |k: &str| settings.iter().find(|s| s["key"] == k).unwrap().clone();
    assert_eq!(by_key("gpg.format")["action"], "unchanged");
    assert_eq!(by_key("gpg.format")["previous"], serde_json::Value::Null);
    let program = by_key("gpg.x509.program");
    assert_eq!(program["action"], "changed");
    assert_eq!(program["previous"], "/usr/bin/gitsign");
    assert_eq!(by_key("tag.gpgSign")["action"], "set");
    for s in settings {
        assert_eq!(s["scope"], "local");
        // What the document says is what git now has.
        assert_eq!(git_get(&repo, s["key"].as_str().unwrap()), s["value"].as_str().unwrap(), "{s}");
    }
    let program_path = Path::new(program["value"].as_str().unwrap());
    assert!(program_path.is_absolute() && program_path.ends_with("sigseal"), "{program}");

    // Run again: nothing left to change, and the text report says the same.
    let again: serde_json::Value =
        serde_json::from_slice(&repo.sigseal(&["setup", "--sign-tags", "-o", "json"]).stdout).unwrap();
    assert!(again["settings"].as_array().unwrap().iter().all(|s| s["action"] == "unchanged"), "{again}");
    let text_run = repo.sigseal(&["setup", "--sign-tags"]);
    assert_eq!(text(&text_run.stdout).lines().filter(|l| l.starts_with("unchanged  git config --local")).count(), 3);
}

#[test]
fn setup_json_reports_the_global_scope_and_writes_the_global_file() {
    let home = tempfile::tempdir().unwrap();
    let global = home.path().join("gitconfig");
    let mut c = Command::new(sigseal_bin());
    isolate(&mut c);
    let out = c
        .args(["setup", "--global", "-o", "json"])
        .current_dir(home.path())
        .env("HOME", home.path())
        .env("GIT_CONFIG_GLOBAL", &global)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("SIGSEAL_GIT", &gits()[0])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["scope"], "global");
    assert!(doc["settings"].as_array().unwrap().iter().all(|s| s["scope"] == "global" && s["action"] == "set"));
    let written = std::fs::read_to_string(&global).unwrap();
    assert!(written.contains("format = x509") && written.contains("program = "), "{written}");
}
