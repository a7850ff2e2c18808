//! Reading git configuration in this process, resolved as git resolves it for the current
//! directory: the system and global files, the repository's local and worktree files with
//! their includes and conditional includes, `GIT_CONFIG_COUNT`/`_KEY_n`/`_VALUE_n`, and the
//! `git -c` settings git hands its children in `GIT_CONFIG_PARAMETERS`, later ones winning.
//! git starts sigseal for every commit it signs or shows, so sigseal reads its keys here (with
//! gix) rather than starting `git config` each time.

use gix::bstr::ByteSlice;

/// Why the configuration could not be read in process (the caller then asks git itself).
#[derive(Debug)]
pub struct Unreadable(pub String);

/// Every value of the sections named in `sections` (compared case-insensitively), as
/// `(key, value)` in the order git applies them, the key lowercased (`section.sub.name`); a
/// key given without `=` has the empty value. Later pairs override earlier ones.
pub fn section_values(sections: &[&str]) -> Result<Vec<(String, String)>, Unreadable> {
    let mut out = Vec::new();
    match gix::ThreadSafeRepository::discover_with_environment_overrides(".") {
        Ok(repo) => {
            let repo = repo.to_thread_local();
            // Like git, ignore the configuration of a repository someone else owns (not listed
            // in safe.directory): its owner could otherwise choose the trusted root or the policy.
            let own = repo.git_dir_trust() == gix::sec::Trust::Full;
            collect(repo.config_snapshot().plumbing(), sections, own, &mut out);
        }
        // Not in a repository: what git reads outside one.
        Err(_) if std::env::var_os("GIT_DIR").is_none() && gix::discover::upwards(".".as_ref()).is_err() => {
            let mut file = gix_config_globals()?;
            let env = gix::config::File::from_environment_overrides()
                .map_err(|e| Unreadable(format!("the GIT_CONFIG_COUNT settings: {e}")))?;
            file.append(env).map_err(|e| Unreadable(format!("the GIT_CONFIG_COUNT settings: {e}")))?;
            collect(&file, sections, true, &mut out);
        }
        Err(e) => return Err(Unreadable(format!("the repository: {e}"))),
    }
    if let Some(params) = std::env::var_os("GIT_CONFIG_PARAMETERS") {
        let params = params.into_string().map_err(|_| Unreadable("GIT_CONFIG_PARAMETERS is not UTF-8".to_string()))?;
        for (key, value) in parse_parameters(&params)? {
            if let Some(key) = in_sections(&key, sections) {
                out.push((key, value));
            }
        }
    }
    Ok(out)
}

fn gix_config_globals() -> Result<gix::config::File, Unreadable> {
    let mut file =
        gix::config::File::from_globals().map_err(|e| Unreadable(format!("the global configuration: {e}")))?;
    let home = gix::path::env::home_dir();
    let options = gix::config::file::init::Options {
        includes: gix::config::file::includes::Options::follow_without_conditional(home.as_deref()),
        ..Default::default()
    };
    file.resolve_includes(options).map_err(|e| Unreadable(format!("the global configuration's includes: {e}")))?;
    Ok(file)
}

/// The values of `sections` in `file`, in order; the repository's own files (local, worktree,
/// and what they include) only when `with_repository_files`.
fn collect(file: &gix::config::File, sections: &[&str], with_repository_files: bool, out: &mut Vec<(String, String)>) {
    use gix::config::Source;
    for section in file.sections() {
        if !with_repository_files && matches!(section.meta().source, Source::Local | Source::Worktree) {
            continue;
        }
        let header = section.header();
        let name = header.name().to_str_lossy();
        if !sections.iter().any(|s| s.eq_ignore_ascii_case(&name)) {
            continue;
        }
        let prefix = match header.subsection_name() {
            Some(sub) => format!("{}.{}", name, sub.to_str_lossy()),
            None => name.into_owned(),
        };
        let body = section.body();
        let mut seen = std::collections::HashSet::new();
        let names: Vec<String> = body.value_names().filter(|n| seen.insert(n.to_ascii_lowercase())).collect();
        for value_name in names {
            // Within one section the last value wins, as it does across sections.
            let value = body.value_implicit(&value_name).flatten().map(|v| v.to_str_lossy().into_owned());
            out.push((format!("{prefix}.{value_name}").to_ascii_lowercase(), value.unwrap_or_default()));
        }
    }
}

/// The key, lowercased, when its section is one of `sections`.
fn in_sections(key: &str, sections: &[&str]) -> Option<String> {
    let (section, _) = key.split_once('.')?;
    sections.iter().any(|s| s.eq_ignore_ascii_case(section)).then(|| key.to_ascii_lowercase())
}

/// Parse `GIT_CONFIG_PARAMETERS` as git writes it: space-separated shell single-quoted items,
/// each either `'key=value'` (git before 2.31) or `'key'='value'` / `'key'=` / `'key'` (since).
/// A key without a value gets the empty value.
pub fn parse_parameters(s: &str) -> Result<Vec<(String, String)>, Unreadable> {
    let bad = || Unreadable(format!("GIT_CONFIG_PARAMETERS is not as git writes it: {:?}", truncate(s)));
    let mut out = Vec::new();
    let mut rest = s;
    loop {
        rest = rest.trim_start_matches(|c: char| c.is_ascii_whitespace());
        if rest.is_empty() {
            return Ok(out);
        }
        let (first, after) = sq_token(rest).ok_or_else(bad)?;
        rest = after;
        if let Some(after_eq) = rest.strip_prefix('=') {
            // 'key'='value', or 'key'= for an empty value.
            if after_eq.starts_with('\'') {
                let (value, after) = sq_token(after_eq).ok_or_else(bad)?;
                out.push((first, value));
                rest = after;
            } else {
                out.push((first, String::new()));
                rest = after_eq;
            }
        } else if let Some((key, value)) = first.split_once('=') {
            out.push((key.to_string(), value.to_string()));
        } else {
            out.push((first, String::new()));
        }
        if !(rest.is_empty() || rest.starts_with(|c: char| c.is_ascii_whitespace())) {
            return Err(bad());
        }
    }
}

/// One shell single-quoted word (`'...'` pieces joined by `\'` or `\!`), as git's `sq_quote`
/// writes and `sq_dequote` reads it, and what follows it.
fn sq_token(s: &str) -> Option<(String, &str)> {
    let mut rest = s.strip_prefix('\'')?;
    let mut word = String::new();
    loop {
        let end = rest.find('\'')?;
        word.push_str(&rest[..end]);
        rest = &rest[end + 1..];
        // After a closing quote: an escaped ' or ! and a new quoted piece, or the end.
        let mut chars = rest.chars();
        match (chars.next(), chars.next(), chars.next()) {
            (Some('\\'), Some(c @ ('\'' | '!')), Some('\'')) => {
                word.push(c);
                rest = &rest[3..];
            }
            _ => return Some((word, rest)),
        }
    }
}

fn truncate(s: &str) -> String {
    s.chars().take(80).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(v: &[(&str, &str)]) -> Vec<(String, String)> {
        v.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn parameters_in_both_of_gits_spellings_are_read() {
        assert_eq!(parse_parameters("").unwrap(), pairs(&[]));
        assert_eq!(
            parse_parameters("'sigseal.fulcioURL'='http://127.0.0.1:1' 'user.name=Old Style'").unwrap(),
            pairs(&[("sigseal.fulcioURL", "http://127.0.0.1:1"), ("user.name", "Old Style")])
        );
        assert_eq!(parse_parameters("'a.b'= 'c.d' 'e.f'=''").unwrap(), pairs(&[("a.b", ""), ("c.d", ""), ("e.f", "")]));
        // git's sq_quote of: it's! and a value with = and spaces
        assert_eq!(
            parse_parameters(r"'sigseal.x'='it'\''s'\!'' 'k.v'='a = b'").unwrap(),
            pairs(&[("sigseal.x", "it's!"), ("k.v", "a = b")])
        );
        // sq_quote leaves newlines and every other byte as they are.
        assert_eq!(parse_parameters("'a.b'='line one\nline two'").unwrap(), pairs(&[("a.b", "line one\nline two")]));
    }

    #[test]
    fn parameters_git_would_not_write_are_refused() {
        for bad in ["'unterminated", "bare.key=v", "'a.b'='x'junk", "'a.b''c.d'"] {
            assert!(parse_parameters(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn only_keys_of_the_named_sections_are_kept() {
        assert_eq!(in_sections("SigSeal.FulcioURL", &["sigseal"]).as_deref(), Some("sigseal.fulciourl"));
        assert_eq!(in_sections("sigsealx.a", &["sigseal"]), None);
        assert_eq!(in_sections("nodot", &["sigseal"]), None);
    }
}
