//! Reading a repository with gix: resolving what the user named (a revision, a range `A..B`,
//! a tag, or everything) into object ids, and reading each object's raw bytes, checked
//! against its id and size before anyone parses them.

use std::path::Path;

use gix::hash::ObjectId;

use super::object::{Format, Kind, MAX_OBJECT_BYTES};
use crate::error::{Error, Result};

/// An open repository.
pub struct Repo {
    repo: gix::Repository,
}

/// One object to verify and how it was named.
#[derive(Clone, Debug)]
pub struct Target {
    /// Object id (hex).
    pub id: ObjectId,
    /// Commit or tag.
    pub kind: Kind,
    /// The name the user gave (a revision or tag), or the reference an annotated tag was found
    /// by; `None` for a commit found by walking a range.
    pub named: Option<String>,
    /// Named explicitly on the command line (then it must be signed).
    pub explicit: bool,
}

/// The raw bytes of an object, verified to hash to its id.
#[derive(Clone, Debug)]
pub struct RawObject {
    /// Object id.
    pub id: ObjectId,
    /// Commit or tag.
    pub kind: Kind,
    /// Content without git's `<kind> <size>\0` header.
    pub data: Vec<u8>,
}

fn git_err(what: impl std::fmt::Display, e: impl std::fmt::Display) -> Error {
    Error::Git(format!("{what}: {e}"))
}

impl Repo {
    /// Open the repository containing `dir` (like git, honouring `GIT_DIR`).
    pub fn discover(dir: &Path) -> Result<Self> {
        let mut repo = gix::ThreadSafeRepository::discover_with_environment_overrides(dir)
            .map_err(|e| git_err(format!("no git repository at {}", dir.display()), e))?
            .to_thread_local();
        // Commits in a pack are mostly deltas on the next newer commit, which a walk from the
        // tips has just read: a small cache of delta bases resolves each with one step instead
        // of inflating its whole chain again (64 entries, about 64 commits' worth of memory).
        repo.objects.set_pack_cache(|| Box::<gix::odb::pack::cache::lru::StaticLinkedList<64>>::default());
        Ok(Self { repo })
    }

    /// The repository's object format.
    pub fn format(&self) -> Format {
        match self.repo.object_hash() {
            gix::hash::Kind::Sha256 => Format::Sha256,
            _ => Format::Sha1,
        }
    }

    fn kind_of(&self, id: ObjectId) -> Result<gix::object::Kind> {
        let header = self.repo.find_header(id).map_err(|e| git_err(format!("object {id}"), e))?;
        Ok(header.kind())
    }

    fn parse(&self, spec: &str) -> Result<gix::revision::plumbing::Spec> {
        Ok(self
            .repo
            .rev_parse(spec)
            .map_err(|e| Error::Usage(format!("cannot resolve revision {spec:?}: {e}")))?
            .detach())
    }

    fn single(&self, spec: &str) -> Result<ObjectId> {
        use gix::revision::plumbing::Spec;
        match self.parse(spec)? {
            Spec::Include(id) => Ok(id),
            _ => Err(Error::Usage(format!("{spec:?} is not a single revision"))),
        }
    }

    fn peel_to_commit(&self, id: ObjectId, spec: &str) -> Result<ObjectId> {
        let object = self.repo.find_object(id).map_err(|e| git_err(format!("object {id}"), e))?;
        let commit =
            object.peel_to_commit().map_err(|e| Error::Usage(format!("{spec:?} does not lead to a commit: {e}")))?;
        Ok(commit.id)
    }

    fn named(&self, id: ObjectId, spec: &str) -> Result<Target> {
        let kind = match self.kind_of(id)? {
            gix::object::Kind::Commit => Kind::Commit,
            gix::object::Kind::Tag => Kind::Tag,
            other => {
                return Err(Error::Usage(format!("{spec:?} names a {other}, not a commit or a tag")));
            }
        };
        Ok(Target { id, kind, named: Some(spec.to_string()), explicit: true })
    }

    /// Resolve one command-line revision: `REV` (a commit, or an annotated tag which is then
    /// verified itself) or `A..B` (every commit reachable from B and not from A).
    pub fn resolve(&self, spec: &str) -> Result<Vec<Target>> {
        use gix::revision::plumbing::Spec;
        match self.parse(spec)? {
            Spec::Include(id) => Ok(vec![self.named(id, spec)?]),
            Spec::Range { from, to } => {
                let from = self.peel_to_commit(from, spec)?;
                let to = self.peel_to_commit(to, spec)?;
                self.walk([to], [from])
            }
            _ => Err(Error::Usage(format!(
                "{spec:?}: sigseal verifies a revision or a range A..B (use several arguments for more)"
            ))),
        }
    }

    /// Resolve a tag name (as `refs/tags/NAME` first, like `git verify-tag`); a lightweight
    /// tag has no signature and is an error.
    pub fn resolve_tag(&self, name: &str) -> Result<Target> {
        let full = format!("refs/tags/{name}");
        let id = self.single(&full).or_else(|_| self.single(name))?;
        let target = self.named(id, name)?;
        if target.kind != Kind::Tag {
            return Err(Error::Usage(format!(
                "{name:?} is a lightweight tag (it points at a commit directly), so it has no signature; \
                 use `sigseal verify {name}` to verify the commit"
            )));
        }
        Ok(target)
    }

    /// Every annotated tag reachable from the references, then a walk of every commit reachable
    /// from any reference or HEAD ([`CommitWalk`], which reads each commit as it goes).
    pub fn everything(&self) -> Result<(Vec<Target>, CommitWalk<'_>)> {
        let refs = self.repo.references().map_err(|e| git_err("listing references", e))?;
        let mut tags = Vec::new();
        let mut tips = Vec::new();
        for r in refs.all().map_err(|e| git_err("listing references", e))? {
            let mut r = r.map_err(|e| git_err("reading a reference", e))?;
            let name = r.name().as_bstr().to_string();
            // The reference's own target first (peeling rewrites it), so every annotated tag
            // on the way to the commit is verified.
            let direct = r.target().try_id().map(std::borrow::ToOwned::to_owned);
            let Ok(id) = r.peel_to_id() else { continue };
            let mut current = direct.unwrap_or_else(|| id.detach());
            loop {
                match self.kind_of(current)? {
                    gix::object::Kind::Tag => {
                        if !tags.iter().any(|t: &Target| t.id == current) {
                            tags.push(Target {
                                id: current,
                                kind: Kind::Tag,
                                named: Some(name.clone()),
                                explicit: false,
                            });
                        }
                        let tag = self.read(current)?;
                        let target = gix::objs::TagRef::from_bytes(&tag.data, self.repo.object_hash())
                            .map_err(|e| git_err(format!("tag {current}"), e))?
                            .target();
                        current = target;
                    }
                    gix::object::Kind::Commit => {
                        tips.push(current);
                        break;
                    }
                    _ => break,
                }
            }
        }
        if let Ok(head) = self.repo.head_id() {
            tips.push(head.detach());
        }
        Ok((tags, self.commit_walk(tips)?))
    }

    /// A breadth-first walk from `tips` over parents, in the order gix's walk (and `git
    /// rev-list` on a linear history) lists commits; the parents of shallow commits are not
    /// followed.
    pub fn commit_walk(&self, tips: impl IntoIterator<Item = ObjectId>) -> Result<CommitWalk<'_>> {
        let mut shallow = self
            .repo
            .shallow_commits()
            .map_err(|e| git_err("reading the shallow commits", e))?
            .map(|s| s.iter().copied().collect::<Vec<_>>())
            .unwrap_or_default();
        shallow.sort();
        let mut walk = CommitWalk {
            repo: self,
            next: std::collections::VecDeque::new(),
            seen: std::collections::HashSet::new(),
            shallow,
        };
        for tip in tips {
            if walk.seen.insert(tip) {
                walk.next.push_back(tip);
            }
        }
        Ok(walk)
    }

    fn walk(
        &self,
        tips: impl IntoIterator<Item = ObjectId>,
        hidden: impl IntoIterator<Item = ObjectId>,
    ) -> Result<Vec<Target>> {
        let walk = self.repo.rev_walk(tips).with_hidden(hidden).all().map_err(|e| git_err("walking the history", e))?;
        let mut out = Vec::new();
        for info in walk {
            let info = info.map_err(|e| git_err("walking the history", e))?;
            out.push(Target { id: info.id, kind: Kind::Commit, named: None, explicit: false });
        }
        Ok(out)
    }

    /// Read an object's raw bytes; refuses objects over [`MAX_OBJECT_BYTES`] and objects whose
    /// content does not hash to their id.
    pub fn read(&self, id: ObjectId) -> Result<RawObject> {
        let (kind, data) = self.read_unchecked(id)?;
        self.checked(id, kind, data)
    }

    /// An object's kind and content, its size bounded, its hash not yet checked.
    fn read_unchecked(&self, id: ObjectId) -> Result<(gix::object::Kind, Vec<u8>)> {
        let header = self.repo.find_header(id).map_err(|e| git_err(format!("object {id}"), e))?;
        if header.size() > MAX_OBJECT_BYTES {
            return Err(Error::Object(format!(
                "object {id} is {} bytes, more than the {} bytes sigseal reads",
                header.size(),
                MAX_OBJECT_BYTES
            )));
        }
        let object = self.repo.find_object(id).map_err(|e| git_err(format!("object {id}"), e))?;
        Ok((header.kind(), object.detach().data))
    }

    /// The object, once it is a commit or a tag whose content hashes to its id.
    fn checked(&self, id: ObjectId, kind: gix::object::Kind, data: Vec<u8>) -> Result<RawObject> {
        let ours = match kind {
            gix::object::Kind::Commit => Kind::Commit,
            gix::object::Kind::Tag => Kind::Tag,
            other => return Err(Error::Object(format!("object {id} is a {other}, not a commit or a tag"))),
        };
        let actual = gix::objs::compute_hash(self.repo.object_hash(), kind, &data)
            .map_err(|e| git_err(format!("hashing object {id}"), e))?;
        if actual != id {
            return Err(Error::Object(format!("object {id} is corrupt: its content hashes to {actual}")));
        }
        Ok(RawObject { id, kind: ours, data })
    }
}

/// The commits of a history, each read once: for its parents (to go on walking) and for its
/// verification. An object that cannot be read is handed out as such (its parents, unknown,
/// are not walked), so the run reports it and fails.
pub struct CommitWalk<'r> {
    repo: &'r Repo,
    next: std::collections::VecDeque<ObjectId>,
    seen: std::collections::HashSet<ObjectId>,
    /// Sorted.
    shallow: Vec<ObjectId>,
}

impl Iterator for CommitWalk<'_> {
    type Item = (Target, Result<RawObject>);

    fn next(&mut self) -> Option<Self::Item> {
        let id = self.next.pop_front()?;
        let target = Target { id, kind: Kind::Commit, named: None, explicit: false };
        let read = self.repo.read_unchecked(id).and_then(|(kind, data)| {
            if kind == gix::object::Kind::Commit && self.shallow.binary_search(&id).is_err() {
                // A commit whose parents cannot be read is reported as unreadable (its history
                // cannot be walked), never passed over in silence.
                use gix::objs::commit::ref_iter::Token;
                for token in gix::objs::CommitRefIter::from_bytes(&data, self.repo.repo.object_hash()) {
                    match token {
                        Ok(Token::Tree { .. }) => {}
                        Ok(Token::Parent { id: parent }) => {
                            if self.seen.insert(parent) {
                                self.next.push_back(parent);
                            }
                        }
                        Ok(_) => break,
                        Err(e) => return Err(git_err(format!("reading the parents of commit {id}"), e)),
                    }
                }
            }
            self.repo.checked(id, kind, data)
        });
        Some((target, read))
    }
}
