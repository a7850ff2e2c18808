//! All-or-nothing output: a run's files are first written beside their destinations under
//! temporary names and only renamed into place when every one of them was written, so a failed
//! run never leaves a partial set of signatures that looks like a finished one.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// Files to publish together.
#[derive(Debug, Default)]
pub struct Group {
    files: Vec<(PathBuf, Vec<u8>)>,
}

fn temp_name(dest: &Path) -> PathBuf {
    let name = dest.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    dest.with_file_name(format!(".{name}.sigseal-{}.tmp", std::process::id()))
}

impl Group {
    /// A new, empty group.
    pub fn new() -> Self {
        Self::default()
    }

    /// Add a file.
    pub fn add(&mut self, dest: impl Into<PathBuf>, contents: impl Into<Vec<u8>>) {
        self.files.push((dest.into(), contents.into()));
    }

    /// Destinations, in the order added.
    pub fn paths(&self) -> impl Iterator<Item = &Path> {
        self.files.iter().map(|(p, _)| p.as_path())
    }

    /// Refuse a group that names one destination twice (two assets with one bundle name).
    pub fn check_unique(&self) -> Result<()> {
        let mut seen = std::collections::HashSet::new();
        for (p, _) in &self.files {
            if !seen.insert(p) {
                return Err(Error::Usage(format!(
                    "{} would be written twice in one run (two inputs with the same name?)",
                    p.display()
                )));
            }
        }
        Ok(())
    }

    /// Write every file, or none: temporaries first, then renames; on any failure the
    /// temporaries and the files already renamed by this run are removed.
    pub fn commit(self) -> Result<Vec<PathBuf>> {
        self.check_unique()?;
        let mut temps: Vec<(PathBuf, PathBuf)> = Vec::new();
        let cleanup = |temps: &[(PathBuf, PathBuf)]| {
            for (t, _) in temps {
                let _ = std::fs::remove_file(t);
            }
        };
        for (dest, contents) in &self.files {
            let tmp = temp_name(dest);
            let written = std::fs::File::create(&tmp).and_then(|mut f| {
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
    fn one_destination_twice_is_refused() {
        let mut g = Group::new();
        g.add("x.sigstore.json", b"1".to_vec());
        g.add("x.sigstore.json", b"2".to_vec());
        assert_eq!(g.check_unique().unwrap_err().code(), "SS0001");
    }
}
