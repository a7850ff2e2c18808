//! git objects as sigseal sees them: the payloads git hands to its signing program (commit and
//! tag headers) and the facts read from them; signed objects taken apart ([`object`]) and read
//! from a repository with gix ([`repo`]); git configuration read in process ([`config`]).

pub mod config;
pub mod object;
pub mod repo;

/// The email of the person git records as signing: the `committer` of a commit payload or the
/// `tagger` of a tag payload (headers end at the first empty line).
pub fn signer_email(payload: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(payload);
    for line in text.split('\n') {
        if line.is_empty() {
            break;
        }
        let Some(ident) = line.strip_prefix("committer ").or_else(|| line.strip_prefix("tagger ")) else {
            continue;
        };
        let start = ident.rfind('<')?;
        let end = ident[start..].find('>')? + start;
        return Some(ident[start + 1..end].trim().to_string());
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn committer_and_tagger_emails_are_found_in_headers_only() {
        let commit = b"tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\nauthor A <a@x> 1 +0000\ncommitter C D <c@x> 2 +0000\n\ncommitter <no@x>\n";
        assert_eq!(signer_email(commit).as_deref(), Some("c@x"));
        let tag = b"object 4b82\ntype commit\ntag v1\ntagger T <t@x> 3 +0000\n\nmsg\n";
        assert_eq!(signer_email(tag).as_deref(), Some("t@x"));
        assert_eq!(signer_email(b"tree x\n\ncommitter <late@x>\n"), None);
    }
}
