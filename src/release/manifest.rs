//! Checksum manifests in exactly `sha256sum`'s format: `<64 hex>  <name>` per line (two spaces:
//! text mode; ` *name` is binary mode, read as well), and GNU's escaping: a name holding a
//! backslash, newline or carriage return is written with `\\`, `\n`, `\r` and the line starts
//! with a backslash. So `sha256sum --check SHA256SUMS` checks what sigseal wrote, and sigseal
//! checks what `sha256sum` wrote.

use crate::error::{Error, Result};

/// The manifest's conventional file name.
pub const FILE_NAME: &str = "SHA256SUMS";

/// One line of a manifest.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// File name, relative to the manifest's directory.
    pub name: String,
    /// SHA-256.
    pub sha256: [u8; 32],
}

fn escape(name: &str) -> (bool, String) {
    if !name.contains(['\\', '\n', '\r']) {
        return (false, name.to_string());
    }
    let mut out = String::with_capacity(name.len() + 4);
    for c in name.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c => out.push(c),
        }
    }
    (true, out)
}

fn unescape(name: &str) -> Option<String> {
    let mut out = String::with_capacity(name.len());
    let mut chars = name.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next()? {
            '\\' => out.push('\\'),
            'n' => out.push('\n'),
            'r' => out.push('\r'),
            _ => return None,
        }
    }
    Some(out)
}

/// The manifest text for these entries, in the order given.
pub fn render(entries: &[Entry]) -> String {
    let mut out = String::new();
    for e in entries {
        let (escaped, name) = escape(&e.name);
        if escaped {
            out.push('\\');
        }
        out.push_str(&hex::encode(e.sha256));
        out.push_str("  ");
        out.push_str(&name);
        out.push('\n');
    }
    out
}

/// Parse a manifest. Every non-empty line must be a SHA-256 line; `origin` names the file.
pub fn parse(text: &str, origin: &str) -> Result<Vec<Entry>> {
    let mut out = Vec::new();
    for (n, raw) in text.split('\n').enumerate() {
        let line = raw.strip_suffix('\r').unwrap_or(raw);
        if line.is_empty() {
            continue;
        }
        let bad = |why: &str| Error::Malformed(format!("{origin} line {}: {why}", n + 1));
        let (escaped, rest) = match line.strip_prefix('\\') {
            Some(r) => (true, r),
            None => (false, line),
        };
        let (hex_part, tail) = rest.split_at_checked(64).ok_or_else(|| bad("shorter than a SHA-256 line"))?;
        let bytes = hex::decode(hex_part).map_err(|_| bad("does not start with 64 hex digits"))?;
        let sha256 = <[u8; 32]>::try_from(bytes.as_slice()).map_err(|_| bad("not a SHA-256"))?;
        let name = tail
            .strip_prefix("  ")
            .or_else(|| tail.strip_prefix(" *"))
            .ok_or_else(|| bad("expected two spaces (or ' *') between the digest and the name"))?;
        let name =
            if escaped { unescape(name).ok_or_else(|| bad("bad escape in the file name"))? } else { name.to_string() };
        if name.is_empty() {
            return Err(bad("empty file name"));
        }
        out.push(Entry { name, sha256 });
    }
    if out.is_empty() {
        return Err(Error::Malformed(format!("{origin} lists no files")));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rendered_lines_are_sha256sum_lines_and_parse_back() {
        let entries = vec![
            Entry { name: "app-linux-amd64.tar.gz".into(), sha256: [0x11; 32] },
            Entry { name: "odd\\name\nwith newline".into(), sha256: [0x22; 32] },
        ];
        let text = render(&entries);
        let first = format!("{}  app-linux-amd64.tar.gz\n", "11".repeat(32));
        assert!(text.starts_with(&first), "{text}");
        assert!(text.contains(&format!("\\{}  odd\\\\name\\nwith newline\n", "22".repeat(32))), "{text}");
        assert_eq!(parse(&text, "SHA256SUMS").unwrap(), entries);
    }

    #[test]
    fn binary_mode_lines_are_read_and_garbage_is_refused_with_its_line() {
        let text = format!("{} *bin.exe\n", "ab".repeat(32));
        assert_eq!(parse(&text, "S").unwrap()[0].name, "bin.exe");
        let e = parse(&format!("{}  ok\nnot a digest line\n", "ab".repeat(32)), "S").unwrap_err();
        assert!(e.to_string().contains("line 2"), "{e}");
        assert!(parse("", "S").is_err());
        assert!(parse(&format!("{} name\n", "ab".repeat(32)), "S").is_err());
    }
}
