//! Which files a release run covers and what it names its outputs: the assets of a release
//! directory (every regular file but sigseal's own outputs), the bundle and cosign file names
//! beside each asset, and the manifest names that stay inside the release directory.

use std::collections::HashSet;
use std::path::{Component, Path, PathBuf};

use crate::error::{Error, Result};

/// Bundle suffix of signed assets.
pub const BUNDLE_SUFFIX: &str = ".sigstore.json";
/// Bundle suffix of attestations.
pub const ATTESTATION_SUFFIX: &str = ".intoto.sigstore.json";

/// `path` with `suffix` appended to its file name (`app.tar.gz` → `app.tar.gz.sigstore.json`).
pub fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(suffix);
    PathBuf::from(s)
}

/// Files that sigseal writes beside assets, never assets themselves: the manifest and its
/// signatures, bundles, hidden files, and an ASSET.sig / ASSET.pem whose ASSET is in `names`.
pub fn is_signing_output<S: std::hash::BuildHasher>(
    name: &str,
    manifest_name: &str,
    names: &HashSet<String, S>,
) -> bool {
    let cosign_file =
        [".sig", ".pem"].iter().any(|ext| name.strip_suffix(ext).is_some_and(|stem| names.contains(stem)));
    name == manifest_name
        || name.starts_with(&format!("{manifest_name}."))
        || name.ends_with(BUNDLE_SUFFIX)
        || name.starts_with('.')
        || cosign_file
}

/// Regular files (or links to them) directly in `dir`, by name.
pub fn files_in(dir: &Path) -> Result<HashSet<String>> {
    let mut names = HashSet::new();
    let entries = std::fs::read_dir(dir).map_err(|e| Error::io(format!("listing {}", dir.display()), e))?;
    for entry in entries {
        let entry = entry.map_err(|e| Error::io(format!("listing {}", dir.display()), e))?;
        let path = entry.path();
        let Some(name) = entry.file_name().to_str().map(str::to_string) else {
            return Err(Error::Usage(format!("{} has no usable file name (UTF-8 names only)", path.display())));
        };
        if path.is_file() {
            names.insert(name);
        }
    }
    Ok(names)
}

/// The assets of a release: their directory and their names in it, sorted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Assets {
    /// The directory every asset is in (and the manifest is written to).
    pub dir: PathBuf,
    /// Asset file names, sorted, without duplicates.
    pub names: Vec<String>,
}

/// The assets of `sign-release`: every regular file of one directory, or the files named (all
/// in one directory).
pub fn release_assets(inputs: &[PathBuf], manifest_name: &str) -> Result<Assets> {
    let name_of = |p: &Path| -> Result<String> {
        p.file_name()
            .and_then(|n| n.to_str())
            .map(str::to_string)
            .ok_or_else(|| Error::Usage(format!("{} has no usable file name (UTF-8 names only)", p.display())))
    };
    if let [one] = inputs {
        if one.is_dir() {
            let all = files_in(one)?;
            let mut names: Vec<String> =
                all.iter().filter(|n| !is_signing_output(n, manifest_name, &all)).cloned().collect();
            names.sort();
            if names.is_empty() {
                return Err(Error::Usage(format!("{} holds no release assets", one.display())));
            }
            return Ok(Assets { dir: one.clone(), names });
        }
    }
    let mut dir: Option<PathBuf> = None;
    let mut names = Vec::new();
    for p in inputs {
        let parent = p.parent().map(Path::to_path_buf).unwrap_or_default();
        let parent = if parent.as_os_str().is_empty() { PathBuf::from(".") } else { parent };
        match &dir {
            None => dir = Some(parent),
            Some(d) if *d == parent => {}
            Some(d) => {
                return Err(Error::Usage(format!(
                    "{} is not in {}: the manifest lists names relative to one directory, so the assets must share it",
                    p.display(),
                    d.display()
                )))
            }
        }
        names.push(name_of(p)?);
    }
    names.sort();
    names.dedup();
    Ok(Assets { dir: dir.unwrap_or_else(|| PathBuf::from(".")), names })
}

/// A manifest name that stays inside the release directory.
pub fn safe_relative(name: &str) -> bool {
    let p = Path::new(name);
    !p.is_absolute() && p.components().all(|c| matches!(c, Component::Normal(_)))
}

/// Files of `dir` that are neither listed in the manifest nor sigseal's own outputs, sorted:
/// what a verification of the release did not check. Empty when `dir` cannot be listed.
pub fn unlisted<S: std::hash::BuildHasher>(dir: &Path, manifest_name: &str, listed: &HashSet<&str, S>) -> Vec<String> {
    let Ok(all) = files_in(dir) else {
        return Vec::new();
    };
    let mut out: Vec<String> = all
        .iter()
        .filter(|n| !listed.contains(n.as_str()) && !is_signing_output(n, manifest_name, &all))
        .cloned()
        .collect();
    out.sort();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_directory_yields_its_assets_without_signing_outputs_or_hidden_files() {
        let dir = tempfile::tempdir().unwrap();
        for name in ["b.tar.gz", "a.zip", "a.zip.sig", "a.zip.pem", "a.zip.sigstore.json", ".hidden", "SHA256SUMS"] {
            std::fs::write(dir.path().join(name), b"x").unwrap();
        }
        std::fs::write(dir.path().join("SHA256SUMS.sigstore.json"), b"x").unwrap();
        std::fs::write(dir.path().join("lone.sig"), b"x").unwrap();
        let got = release_assets(&[dir.path().to_path_buf()], "SHA256SUMS").unwrap();
        assert_eq!(got.dir, dir.path());
        assert_eq!(got.names, ["a.zip", "b.tar.gz", "lone.sig"], "a .sig without its asset is an asset");
    }

    #[test]
    fn named_files_must_share_one_directory_and_an_empty_directory_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let sub = dir.path().join("sub");
        std::fs::create_dir(&sub).unwrap();
        let e = release_assets(&[dir.path().join("a"), sub.join("b")], "SHA256SUMS").unwrap_err();
        assert_eq!(e.code(), "SS0001");
        assert!(e.to_string().contains("must share it"), "{e}");
        let e = release_assets(std::slice::from_ref(&sub), "SHA256SUMS").unwrap_err();
        assert!(e.to_string().contains("holds no release assets"), "{e}");
        let got = release_assets(&[PathBuf::from("b"), PathBuf::from("a"), PathBuf::from("b")], "S").unwrap();
        assert_eq!(got, Assets { dir: PathBuf::from("."), names: vec!["a".into(), "b".into()] });
    }

    #[test]
    fn only_plain_relative_names_stay_inside_the_release_directory() {
        assert!(safe_relative("app.tar.gz"));
        assert!(safe_relative("sub/app.tar.gz"));
        assert!(!safe_relative("../app.tar.gz"));
        assert!(!safe_relative("/etc/passwd"));
        assert!(!safe_relative("./app"));
    }
}
