//! The short fuzz run of the test command, on the stable toolchain: every committed corpus and
//! regression input (fuzz/corpus/TARGET, fuzz/regressions/TARGET) goes through its target in
//! `sigseal::fuzz`, then a fixed budget of inputs mutated from them by a seeded generator (bit
//! flips, interesting bytes, truncations, deletions, duplications, splices, inserted tokens).
//! The run is deterministic; a failing input is written to target/fuzz-stable-failures so it
//! can be replayed and added to fuzz/regressions. The long, coverage-guided runs are
//! scripts/fuzz.sh (docs/fuzzing.md).

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::PathBuf;

/// Mutated inputs per target: enough to shake every parser, small enough for a few seconds.
const MUTATIONS: usize = 3000;

/// Largest input the mutator grows to (the parsers' own limits are tested elsewhere).
const MAX_LEN: usize = 64 * 1024;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn target_fn(name: &str) -> fn(&[u8]) {
    sigseal::fuzz::TARGETS
        .iter()
        .find(|(n, _)| *n == name)
        .map_or_else(|| panic!("no fuzz target {name} in sigseal::fuzz::TARGETS"), |(_, f)| *f)
}

/// Every file of fuzz/corpus/TARGET and fuzz/regressions/TARGET, in name order.
fn seeds(name: &str) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    for dir in ["corpus", "regressions"] {
        let dir = root().join("fuzz").join(dir).join(name);
        let Ok(entries) = std::fs::read_dir(&dir) else { continue };
        let mut paths: Vec<PathBuf> =
            entries.map(|e| e.expect("corpus entry").path()).filter(|p| p.is_file()).collect();
        paths.sort();
        for p in paths {
            let bytes = std::fs::read(&p).expect("read corpus file");
            out.push((p, bytes));
        }
    }
    out
}

/// xorshift64*: a small seeded generator, so every run mutates the same way.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
}

const INTERESTING_BYTES: [u8; 16] =
    [0x00, 0x01, 0x02, 0x04, 0x0a, 0x20, 0x22, 0x2d, 0x30, 0x3d, 0x5c, 0x7f, 0x80, 0x81, 0xa0, 0xff];

const TOKENS: [&[u8]; 18] = [
    b"\n",
    b" ",
    b"\r\n",
    b"\n\n",
    b"-----BEGIN SIGNED MESSAGE-----\n",
    b"-----END SIGNED MESSAGE-----\n",
    b"-----BEGIN CERTIFICATE-----\n",
    b"-----BEGIN PGP SIGNATURE-----\n",
    b"gpgsig ",
    b"gpgsig-sha256 ",
    b"\"",
    b"null",
    b"-1",
    b"18446744073709551616",
    b"\\u0000",
    b"regexp:",
    b"\xf0\x9f\x92\xa9",
    b"\x30\x84\xff\xff\xff\xff",
];

/// One to four stacked mutations of `input`, sometimes spliced with `other`.
fn mutate(rng: &mut Rng, input: &[u8], other: &[u8]) -> Vec<u8> {
    let mut data = input.to_vec();
    for _ in 0..=rng.below(4) {
        let len = data.len();
        match rng.below(8) {
            0 if len > 0 => {
                let at = rng.below(len);
                data[at] ^= 1 << rng.below(8);
            }
            1 if len > 0 => {
                let at = rng.below(len);
                data[at] = INTERESTING_BYTES[rng.below(INTERESTING_BYTES.len())];
            }
            2 => data.truncate(rng.below(len + 1)),
            3 if len > 0 => {
                let at = rng.below(len);
                let end = (at + 1 + rng.below(64)).min(len);
                data.drain(at..end);
            }
            4 if len > 0 => {
                let at = rng.below(len);
                let end = (at + 1 + rng.below(256)).min(len);
                let copy = data[at..end].to_vec();
                let to = rng.below(len + 1);
                data.splice(to..to, copy);
            }
            5 => {
                let cut = rng.below(len + 1);
                let from = rng.below(other.len() + 1);
                data.truncate(cut);
                data.extend_from_slice(&other[from..]);
            }
            6 => {
                let token = TOKENS[rng.below(TOKENS.len())];
                let at = rng.below(len + 1);
                data.splice(at..at, token.iter().copied());
            }
            _ => {
                let at = rng.below(len + 1);
                let byte = rng.next() as u8;
                data.insert(at, byte);
            }
        }
        data.truncate(MAX_LEN);
    }
    data
}

/// Run `input` through the target; on a panic, keep the input and fail with where it is.
fn run_one(name: &str, f: fn(&[u8]), input: &[u8], what: &str) {
    if catch_unwind(AssertUnwindSafe(|| f(input))).is_err() {
        let dir = root().join("target").join("fuzz-stable-failures").join(name);
        std::fs::create_dir_all(&dir).expect("create failure dir");
        let path = dir.join(what.replace(['/', ' '], "_"));
        std::fs::write(&path, input).expect("write failing input");
        panic!("fuzz target {name} failed on {what}; the input is saved as {}", path.display());
    }
}

fn replay_and_mutate(name: &str) {
    let f = target_fn(name);
    let seeds = seeds(name);
    assert!(!seeds.is_empty(), "fuzz/corpus/{name} holds no seed");
    for (path, bytes) in &seeds {
        run_one(name, f, bytes, &path.strip_prefix(root()).unwrap_or(path).display().to_string());
    }
    let mut rng =
        Rng(0x5157_5EA1_F022_0001 ^ name.bytes().fold(0u64, |h, b| h.wrapping_mul(31).wrapping_add(b.into())));
    for n in 0..MUTATIONS {
        let base = &seeds[rng.below(seeds.len())].1;
        let other = &seeds[rng.below(seeds.len())].1;
        let input = mutate(&mut rng, base, other);
        run_one(name, f, &input, &format!("mutation {n}"));
    }
}

#[test]
fn armor_and_cms_signatures_survive_the_corpus_and_mutations() {
    replay_and_mutate("signature");
}

#[test]
fn git_commit_and_tag_splitting_survives_the_corpus_and_mutations() {
    replay_and_mutate("git_object");
}

#[test]
fn bundle_json_of_every_version_survives_the_corpus_and_mutations() {
    replay_and_mutate("bundle");
}

#[test]
fn cosign_sig_pem_and_key_files_survive_the_corpus_and_mutations() {
    replay_and_mutate("cosign_files");
}

#[test]
fn rfc3161_replies_and_tokens_survive_the_corpus_and_mutations() {
    replay_and_mutate("timestamp");
}

#[test]
fn trusted_root_and_signing_config_survive_the_corpus_and_mutations() {
    replay_and_mutate("trust_json");
}

#[test]
fn policy_files_survive_the_corpus_and_mutations() {
    replay_and_mutate("policy");
}

/// Every target of the library has a libFuzzer binary, a seed corpus and a regression
/// directory; the stable run and scripts/fuzz.sh cover the same set.
#[test]
fn every_fuzz_target_has_a_libfuzzer_binary_and_a_seed_corpus() {
    let manifest = std::fs::read_to_string(root().join("fuzz/Cargo.toml")).expect("fuzz/Cargo.toml");
    for (name, _) in sigseal::fuzz::TARGETS {
        assert!(manifest.contains(&format!("name = \"{name}\"")), "fuzz/Cargo.toml has no [[bin]] {name}");
        let entry = root().join(format!("fuzz/fuzz_targets/{name}.rs"));
        let source = std::fs::read_to_string(&entry).unwrap_or_else(|e| panic!("{}: {e}", entry.display()));
        assert!(
            source.contains(&format!("sigseal::fuzz::{name}(")),
            "{} does not call sigseal::fuzz::{name}",
            entry.display()
        );
        assert!(root().join("fuzz/corpus").join(name).is_dir(), "no fuzz/corpus/{name}");
    }
}
