//! Signed git objects taken apart exactly as git does it: the signature and the payload git
//! verifies, cut from the raw object bytes (never re-encoded), with every shape git and other
//! readers could disagree about refused: repeated headers, a signature header for the other
//! object format, a tag with two signature blocks or a signature header.

use crate::error::{Error, Result};

/// Largest object sigseal reads (a signed commit or tag is a few KiB).
pub const MAX_OBJECT_BYTES: u64 = 8 * 1024 * 1024;

/// The kinds of object that carry signatures.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A commit: the signature is the `gpgsig` (SHA-1) or `gpgsig-sha256` (SHA-256) header.
    Commit,
    /// An annotated tag: the signature is the block at the end of the message.
    Tag,
}

impl Kind {
    /// `commit` or `tag`.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Commit => "commit",
            Kind::Tag => "tag",
        }
    }
}

/// The object format of a repository.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// SHA-1 object ids; commits are signed in `gpgsig`.
    Sha1,
    /// SHA-256 object ids; commits are signed in `gpgsig-sha256`.
    Sha256,
}

impl Format {
    fn commit_header(self) -> &'static str {
        match self {
            Format::Sha1 => "gpgsig",
            Format::Sha256 => "gpgsig-sha256",
        }
    }
}

/// Which signature scheme a signature block announces.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scheme {
    /// `-----BEGIN SIGNED MESSAGE-----`: CMS, what sigseal and gitsign write.
    X509,
    /// `OpenPGP`.
    OpenPgp,
    /// SSH.
    Ssh,
}

impl Scheme {
    /// Human name.
    pub fn name(self) -> &'static str {
        match self {
            Scheme::X509 => "X.509 (CMS)",
            Scheme::OpenPgp => "OpenPGP",
            Scheme::Ssh => "SSH",
        }
    }
}

/// The begin markers git recognises (gpg-interface.c), and the scheme each announces.
const MARKERS: [(&str, Scheme); 4] = [
    ("-----BEGIN SIGNED MESSAGE-----", Scheme::X509),
    ("-----BEGIN PGP SIGNATURE-----", Scheme::OpenPgp),
    ("-----BEGIN PGP MESSAGE-----", Scheme::OpenPgp),
    ("-----BEGIN SSH SIGNATURE-----", Scheme::Ssh),
];

fn scheme_of(line: &[u8]) -> Option<Scheme> {
    MARKERS.iter().find(|(m, _)| line.starts_with(m.as_bytes())).map(|(_, s)| *s)
}

/// An object cut into what was signed and the signature.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Split {
    /// The bytes git hands to the verifier.
    pub payload: Vec<u8>,
    /// The signature block as stored (armored), and its scheme; `None` for an unsigned object.
    pub signature: Option<(Scheme, Vec<u8>)>,
}

fn refuse(why: impl Into<String>) -> Error {
    Error::Object(why.into())
}

/// Lines of `raw` including their `\n` (the last may lack one).
fn lines(raw: &[u8]) -> impl Iterator<Item = &[u8]> {
    raw.split_inclusive(|b| *b == b'\n')
}

fn header_key(line: &[u8]) -> &[u8] {
    let end = line.iter().position(|b| *b == b' ' || *b == b'\n').unwrap_or(line.len());
    &line[..end]
}

/// Split a commit of a repository with the given object format.
///
/// The payload is the object without its signature headers (both `gpgsig` and
/// `gpgsig-sha256`, as git removes both); the signature is this format's header value with
/// the continuation spaces removed.
pub fn split_commit(raw: &[u8], format: Format) -> Result<Split> {
    let own = format.commit_header().as_bytes();
    let mut payload = Vec::with_capacity(raw.len());
    let mut signature: Option<Vec<u8>> = None;
    let mut seen: Vec<&[u8]> = Vec::new();
    let mut in_sig: Option<bool> = None; // Some(true): own signature, Some(false): other format
    let mut rest_at = raw.len();
    let mut offset = 0;
    for line in lines(raw) {
        let start = offset;
        offset += line.len();
        if line == b"\n" {
            rest_at = start;
            break;
        }
        if line.first() == Some(&b' ') {
            match in_sig {
                Some(true) => {
                    if let Some(sig) = signature.as_mut() {
                        sig.extend_from_slice(&line[1..]);
                    }
                }
                Some(false) => {}
                None => payload.extend_from_slice(line),
            }
            continue;
        }
        in_sig = None;
        let key = header_key(line);
        if seen.contains(&key) && key != b"parent" && key != b"mergetag" {
            return Err(refuse(format!(
                "the commit has two `{}` headers; git and other readers could disagree about it",
                String::from_utf8_lossy(key)
            )));
        }
        seen.push(key);
        if key == b"tree" && seen.len() != 1 {
            return Err(refuse("the commit's `tree` header is not its first header"));
        }
        if key == own {
            // git reads a signature only from `gpgsig SIG` (a space after the name); a bare
            // `gpgsig` line with the block in continuation lines is no signature to git, so
            // reading one there would make a verified commit of what git calls unsigned.
            if line.get(own.len()) != Some(&b' ') {
                return Err(refuse(format!(
                    "the commit's `{}` header has no value on its own line; git does not read it as a signature",
                    format.commit_header()
                )));
            }
            in_sig = Some(true);
            signature = Some(line.get(own.len() + 1..).unwrap_or_default().to_vec());
        } else if key.starts_with(b"gpgsig") {
            if key != b"gpgsig" && key != b"gpgsig-sha256" {
                return Err(refuse(format!(
                    "unknown signature header `{}` in the commit",
                    String::from_utf8_lossy(key)
                )));
            }
            in_sig = Some(false);
        } else {
            payload.extend_from_slice(line);
        }
    }
    if seen.first() != Some(&&b"tree"[..]) {
        return Err(refuse("the commit has no `tree` header first; it is not a well-formed commit"));
    }
    payload.extend_from_slice(&raw[rest_at.min(raw.len())..]);
    if signature.is_none() {
        let other = match format {
            Format::Sha1 => &b"gpgsig-sha256"[..],
            Format::Sha256 => &b"gpgsig"[..],
        };
        if seen.contains(&other) {
            return Err(refuse(format!(
                "the commit is signed only in `{}`, the header of the other object format; this repository uses `{}`",
                String::from_utf8_lossy(other),
                format.commit_header()
            )));
        }
    }
    let signature = match signature {
        None => None,
        Some(sig) => {
            let scheme = scheme_of(&sig).ok_or_else(|| {
                refuse(format!("the `{}` header does not start with a signature block", format.commit_header()))
            })?;
            Some((scheme, sig))
        }
    };
    Ok(Split { payload, signature })
}

/// Split an annotated tag: the signature is the last block starting with a begin marker, as
/// git finds it; a tag with more than one block, a block in its headers, or a signature header
/// is refused.
pub fn split_tag(raw: &[u8]) -> Result<Split> {
    let mut seen: Vec<&[u8]> = Vec::new();
    let mut in_headers = true;
    let mut starts = Vec::new();
    let mut offset = 0;
    for line in lines(raw) {
        let start = offset;
        offset += line.len();
        if in_headers {
            if line == b"\n" {
                in_headers = false;
                continue;
            }
            if line.first() == Some(&b' ') {
                continue;
            }
            let key = header_key(line);
            if key.starts_with(b"gpgsig") {
                return Err(refuse(format!(
                    "the tag carries a `{}` header; sigseal verifies the signature at the end of the tag message only",
                    String::from_utf8_lossy(key)
                )));
            }
            if seen.contains(&key) {
                return Err(refuse(format!(
                    "the tag has two `{}` headers; git and other readers could disagree about it",
                    String::from_utf8_lossy(key)
                )));
            }
            seen.push(key);
            if scheme_of(line).is_some() {
                return Err(refuse("a signature block starts inside the tag's headers"));
            }
            continue;
        }
        if let Some(scheme) = scheme_of(line) {
            starts.push((start, scheme));
        }
    }
    if seen.first() != Some(&&b"object"[..]) {
        return Err(refuse("the tag has no `object` header first; it is not a well-formed tag"));
    }
    match starts.as_slice() {
        [] => Ok(Split { payload: raw.to_vec(), signature: None }),
        [(at, scheme)] => Ok(Split { payload: raw[..*at].to_vec(), signature: Some((*scheme, raw[*at..].to_vec())) }),
        many => Err(refuse(format!(
            "the tag message holds {} signature blocks; git uses the last, other readers the first",
            many.len()
        ))),
    }
}

/// Split an object of either kind.
pub fn split(kind: Kind, raw: &[u8], format: Format) -> Result<Split> {
    match kind {
        Kind::Commit => split_commit(raw, format),
        Kind::Tag => split_tag(raw),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SIG: &str = "-----BEGIN SIGNED MESSAGE-----\nMIIB\n-----END SIGNED MESSAGE-----\n";

    fn commit_with(header: &str) -> Vec<u8> {
        let folded = SIG.trim_end().replace('\n', "\n ");
        format!(
            "tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\nauthor A <a@x> 1 +0000\ncommitter A <a@x> 1 +0000\n{header} {folded}\n\nmsg\n"
        )
        .into_bytes()
    }

    #[test]
    fn commit_signature_and_payload_are_cut_like_git() {
        let raw = commit_with("gpgsig");
        let s = split_commit(&raw, Format::Sha1).unwrap();
        let (scheme, sig) = s.signature.unwrap();
        assert_eq!(scheme, Scheme::X509);
        assert_eq!(sig, SIG.as_bytes());
        assert_eq!(
            s.payload,
            b"tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\nauthor A <a@x> 1 +0000\ncommitter A <a@x> 1 +0000\n\nmsg\n"
        );
    }

    #[test]
    fn sha256_repositories_read_gpgsig_sha256_and_drop_the_other_header() {
        let raw = commit_with("gpgsig-sha256");
        let s = split_commit(&raw, Format::Sha256).unwrap();
        assert_eq!(s.signature.unwrap().1, SIG.as_bytes());
        let err = split_commit(&raw, Format::Sha1).unwrap_err().to_string();
        assert!(err.contains("other object format"), "{err}");
    }

    #[test]
    fn signature_header_without_a_value_on_its_line_is_refused() {
        // `gpgsig` alone, the block in its continuation lines: git sees no signature there.
        for (header, format) in [("gpgsig", Format::Sha1), ("gpgsig-sha256", Format::Sha256)] {
            let raw = commit_with(header);
            let bare = String::from_utf8(raw)
                .unwrap()
                .replace(&format!("{header} -----BEGIN"), &format!("{header}\n -----BEGIN"));
            let err = split_commit(bare.as_bytes(), format).unwrap_err().to_string();
            assert!(err.contains("no value on its own line"), "{header}: {err}");
        }
    }

    #[test]
    fn duplicate_commit_headers_are_refused() {
        for dup in ["gpgsig", "tree", "committer", "author"] {
            let mut raw = commit_with("gpgsig");
            let extra = match dup {
                "gpgsig" => format!("gpgsig {}\n", SIG.trim_end().replace('\n', "\n ")),
                "tree" => "tree 4b825dc642cb6eb9a060e54bf8d69288fbee4905\n".into(),
                other => format!("{other} B <b@x> 2 +0000\n"),
            };
            let at = raw.windows(2).position(|w| w == b"\n\n").unwrap() + 1;
            raw.splice(at..at, extra.bytes());
            let err = split_commit(&raw, Format::Sha1).unwrap_err().to_string();
            assert!(err.contains(&format!("two `{dup}` headers")), "{dup}: {err}");
        }
    }

    #[test]
    fn unsigned_commit_has_no_signature_and_an_unchanged_payload() {
        let raw =
            b"tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\nparent a\nparent b\n\nm\n-----BEGIN SIGNED MESSAGE-----\n";
        let s = split_commit(raw, Format::Sha1).unwrap();
        assert!(s.signature.is_none());
        assert_eq!(s.payload, raw);
    }

    #[test]
    fn tag_signature_is_the_single_trailing_block() {
        let head =
            "object 4b825dc642cb6eb9a060e54bf8d69288fbee4904\ntype commit\ntag v1\ntagger T <t@x> 1 +0000\n\nrelease\n";
        let raw = format!("{head}{SIG}");
        let s = split_tag(raw.as_bytes()).unwrap();
        assert_eq!(s.payload, head.as_bytes());
        assert_eq!(s.signature.unwrap().1, SIG.as_bytes());

        let two = format!("{head}{SIG}{SIG}");
        let err = split_tag(two.as_bytes()).unwrap_err().to_string();
        assert!(err.contains("2 signature blocks"), "{err}");

        let dup = format!("object 4b82\ntype commit\ntag v1\ntag v2\ntagger T <t@x> 1 +0000\n\nx\n{SIG}");
        assert!(split_tag(dup.as_bytes()).unwrap_err().to_string().contains("two `tag` headers"));

        let header_sig =
            format!("object 4b82\ntype commit\ntag v1\ngpgsig {}\n\nx\n", SIG.trim_end().replace('\n', "\n "));
        assert!(split_tag(header_sig.as_bytes()).unwrap_err().to_string().contains("`gpgsig` header"));
    }

    #[test]
    fn pgp_and_ssh_blocks_are_recognised_as_other_schemes() {
        let raw =
            b"object 4b82\ntype commit\ntag v1\n\nx\n-----BEGIN PGP SIGNATURE-----\nabc\n-----END PGP SIGNATURE-----\n";
        assert_eq!(split_tag(raw).unwrap().signature.unwrap().0, Scheme::OpenPgp);
    }
}
