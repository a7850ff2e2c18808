//! All-or-nothing output: a run's files are first written beside their destinations under
//! temporary names and only renamed into place when every one of them was written, so a failed
//! run never leaves a partial set of signatures that looks like a finished one.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// Files to publish together.
#[derive(Debug, Default)]
pub struct Group {
    files: Vec<(PathBuf, Vec<u8>, bool)>,
}

fn temp_name(dest: &Path, n: usize) -> PathBuf {
    let name = dest.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    dest.with_file_name(format!(".{name}.sigseal-{}-{n}.tmp", std::process::id()))
}

/// A path as the file system will resolve it: absolute, `.` and `..` folded, the directory's
/// symlinks resolved when it exists (so `a` and `./a` are one destination).
fn resolved(p: &Path) -> PathBuf {
    let abs = std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf());
    match (abs.parent().and_then(|d| std::fs::canonicalize(d).ok()), abs.file_name()) {
        (Some(dir), Some(name)) => dir.join(name),
        _ => abs,
    }
}

/// Refuse two destinations that are one file (two inputs with one bundle name): checked before
/// any signing work, so a doomed run contacts no service.
pub fn check_unique<'a>(paths: impl IntoIterator<Item = &'a Path>) -> Result<()> {
    let mut seen = std::collections::HashSet::new();
    for p in paths {
        if !seen.insert(resolved(p)) {
            return Err(Error::Usage(format!(
                "{} would be written twice in one run (the same input named twice?)",
                p.display()
            )));
        }
    }
    Ok(())
}

impl Group {
    /// A new, empty group.
    pub fn new() -> Self {
        Self::default()
    }

    /// Add a file.
    pub fn add(&mut self, dest: impl Into<PathBuf>, contents: impl Into<Vec<u8>>) {
        self.files.push((dest.into(), contents.into(), false));
    }

    /// Add a file only its owner may read (mode 0600 from its creation on).
    pub fn add_private(&mut self, dest: impl Into<PathBuf>, contents: impl Into<Vec<u8>>) {
        self.files.push((dest.into(), contents.into(), true));
    }

    /// Destinations, in the order added.
    pub fn paths(&self) -> impl Iterator<Item = &Path> {
        self.files.iter().map(|(p, _, _)| p.as_path())
    }

    /// Write every file, or none: temporaries first, then renames; on any failure the
    /// temporaries and the files already renamed by this run are removed.
    pub fn commit(self) -> Result<Vec<PathBuf>> {
        check_unique(self.paths())?;
        let mut temps: Vec<(PathBuf, PathBuf)> = Vec::new();
        let cleanup = |temps: &[(PathBuf, PathBuf)]| {
            for (t, _) in temps {
                let _ = std::fs::remove_file(t);
            }
        };
        for (n, (dest, contents, private)) in self.files.iter().enumerate() {
            let tmp = temp_name(dest, n);
            let mut options = std::fs::OpenOptions::new();
            options.write(true).create_new(true);
            #[cfg(unix)]
            {
                use std::os::unix::fs::OpenOptionsExt;
                options.mode(if *private { 0o600 } else { 0o644 });
            }
            let written = options.open(&tmp).and_then(|mut f| {
                f.write_all(contents)?;
                f.sync_all()
            });
            if let Err(e) = written {
                let _ = std::fs::remove_file(&tmp);
                cleanup(&temps);
                return Err(Error::io(format!("writing {}", dest.display()), e));
            }
            temps.push((tmp, dest.clone()));
        }
        let mut done = Vec::new();
        for (i, (tmp, dest)) in temps.iter().enumerate() {
            if let Err(e) = std::fs::rename(tmp, dest) {
                cleanup(&temps[i..]);
                for d in &done {
                    let _ = std::fs::remove_file(d);
                }
                return Err(Error::io(format!("moving the new {} into place", dest.display()), e));
            }
            done.push(dest.clone());
        }
        Ok(done)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_group_is_written_whole_or_not_at_all() {
        let dir = tempfile::tempdir().unwrap();
        let mut g = Group::new();
        g.add(dir.path().join("a.sigstore.json"), b"a".to_vec());
        g.add(dir.path().join("missing-dir/b.sigstore.json"), b"b".to_vec());
        assert!(g.commit().is_err());
        let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert!(left.is_empty(), "a failed group left files behind: {left:?}");

        let mut g = Group::new();
        g.add(dir.path().join("a"), b"1".to_vec());
        g.add(dir.path().join("b"), b"2".to_vec());
        assert_eq!(g.commit().unwrap().len(), 2);
        assert_eq!(std::fs::read(dir.path().join("b")).unwrap(), b"2");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 2);
    }

    #[test]
    fn one_destination_twice_is_refused_however_it_is_spelled() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("x.sigstore.json");
        let b = dir.path().join(".").join("x.sigstore.json");
        assert_eq!(check_unique([a.as_path(), b.as_path()]).unwrap_err().code(), "SS0001");
        let c = dir.path().join("y.sigstore.json");
        assert!(check_unique([a.as_path(), c.as_path()]).is_ok());
    }

    #[test]
    fn private_files_are_created_owner_only() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let mut g = Group::new();
        g.add_private(dir.path().join("k.key"), b"secret".to_vec());
        g.add(dir.path().join("k.pub"), b"public".to_vec());
        g.commit().unwrap();
        assert_eq!(std::fs::metadata(dir.path().join("k.key")).unwrap().permissions().mode() & 0o777, 0o600);
        assert_eq!(std::fs::read(dir.path().join("k.pub")).unwrap(), b"public");
    }
}
