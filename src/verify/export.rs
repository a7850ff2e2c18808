//! Export of a git signature as a Sigstore bundle v0.3: the signature of a signed commit or tag,
//! checked to cover the object and to embed its log entry, rebuilt as a bundle whose artifact is
//! the DER signed attributes, so other Sigstore clients can verify it.

use crate::error::{Error, Result};
use crate::git::object::{self, Kind};
use crate::git::repo::Repo;
use crate::sigstore;
use crate::transparency::{self, Embedded};

/// A git signature as a bundle.
#[derive(Debug)]
pub struct ExportedBundle {
    /// The object id of the commit or tag.
    pub id: String,
    /// Commit or tag.
    pub kind: Kind,
    /// The bundle, as JSON.
    pub bundle_json: String,
    /// The signed artifact: the DER signed attributes of the CMS signature.
    pub signed_attributes: Vec<u8>,
}

/// The signature of `rev` (one commit or annotated tag) as a Sigstore bundle. Refused when the
/// object is unsigned, signed another way (OpenPGP, SSH), its signature does not cover its
/// content, or it embeds no usable Rekor entry (a bundle needs one).
pub fn bundle_of(repo: &Repo, rev: &str) -> Result<ExportedBundle> {
    let mut targets = repo.resolve(rev)?;
    let target = match targets.as_slice() {
        [_] => targets.remove(0),
        _ => return Err(Error::Usage(format!("{rev:?} must name one commit or tag, not a range"))),
    };
    let raw = repo.read(target.id)?;
    let split = object::split(raw.kind, &raw.data, repo.format())?;
    let Some((scheme, block)) = split.signature else {
        return Err(Error::Usage(format!("{} {} is not signed", raw.kind.as_str(), raw.id)));
    };
    if scheme != object::Scheme::X509 {
        return Err(Error::Usage(format!(
            "{} {} carries an {} signature, not a Sigstore one",
            raw.kind.as_str(),
            raw.id,
            scheme.name()
        )));
    }
    let der = crate::cms::armor::decode(&block)?;
    let parsed = crate::cms::parse(&der)?;
    if !crate::cms::digest_matches(&parsed, &split.payload) {
        return Err(Error::BadSignature(format!(
            "the signature of {} does not cover its content (message-digest mismatch); refusing to export it",
            raw.id
        )));
    }
    let entry = match transparency::embedded(&parsed) {
        Embedded::Entry(e) => *e,
        Embedded::Absent => {
            return Err(Error::Unverifiable(format!(
                "{} has no embedded Rekor entry (a gitsign online-mode signature); a bundle needs one",
                raw.id
            )))
        }
        Embedded::Unreadable(why) => {
            return Err(Error::Unverifiable(format!("{}: the embedded log entry is unusable: {why}", raw.id)))
        }
    };
    let bundle = sigstore::bundle_for(
        &parsed.signer_certificate,
        &parsed.signed_attrs_sha256(),
        &parsed.signature,
        Some(entry),
        &parsed.timestamps,
    );
    Ok(ExportedBundle {
        id: raw.id.to_string(),
        kind: raw.kind,
        bundle_json: sigstore::bundle_to_json(&bundle)?,
        signed_attributes: parsed.signed_attrs_der,
    })
}
