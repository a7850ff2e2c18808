//! End to end with real git (2.39 and 2.47) and the local Sigstore stack: `git tag -s`,
//! `git commit -S`, `git verify-*`, `git log --show-signature` / `%G?`, policies, openssl.

use crate::common;

use common::{git_version, gits, sigseal, split_signed_object, Repo, Stack};

fn signed_repo(git: &std::path::Path, stack: &Stack) -> Repo {
    let token = stack.token_file("alice@example.com");
    let repo = Repo::new(git, stack.env(&token));
    repo.commit_file("README", "hello\n");
    repo.ok(&["commit", "-q", "-S", "--allow-empty", "-m", "signed commit"]);
    repo.ok(&["tag", "-s", "v1.0", "-m", "release v1.0"]);
    repo
}

#[test]
fn signed_tag_and_commit_verify_with_every_git() {
    let stack = Stack::shared();
    for git in gits() {
        let v = git_version(&git);
        let repo = signed_repo(&git, stack);
        let tag = repo.run(&["verify-tag", "v1.0"]);
        assert!(tag.status.success(), "{v}: verify-tag: {}", String::from_utf8_lossy(&tag.stderr));
        let commit = repo.run(&["verify-commit", "HEAD"]);
        assert!(commit.status.success(), "{v}: verify-commit: {}", String::from_utf8_lossy(&commit.stderr));
        let tag_obj = repo.ok(&["cat-file", "tag", "v1.0"]);
        assert!(tag_obj.contains("-----BEGIN SIGNED MESSAGE-----"), "{v}: tag is not signed:\n{tag_obj}");
        let commit_obj = repo.ok(&["cat-file", "commit", "HEAD"]);
        assert!(commit_obj.contains("gpgsig -----BEGIN SIGNED MESSAGE-----"), "{v}: commit not signed");
    }
}

#[test]
fn log_shows_identity_and_issuer() {
    let stack = Stack::shared();
    for git in gits() {
        let repo = signed_repo(&git, stack);
        let out = repo.run(&["log", "--show-signature", "-1"]);
        let all = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        assert!(all.contains("alice@example.com"), "{}: {all}", git_version(&git));
        assert!(all.contains(&stack.oidc), "issuer missing from --show-signature: {all}");
        assert!(all.contains("Rekor log index"), "{all}");
    }
}

#[test]
fn percent_g_is_u_without_policy_and_g_with_a_matching_one() {
    let stack = Stack::shared();
    for git in gits() {
        let v = git_version(&git);
        let repo = signed_repo(&git, stack);
        assert_eq!(repo.ok(&["log", "-1", "--format=%G?"]).trim(), "U", "{v}: no policy");
        repo.ok(&["config", "sigseal.verify.identity", "alice@example.com"]);
        repo.ok(&["config", "sigseal.verify.issuer", &stack.oidc]);
        assert_eq!(repo.ok(&["log", "-1", "--format=%G?"]).trim(), "G", "{v}: matching policy");
        assert!(repo.run(&["verify-tag", "v1.0"]).status.success());

        repo.ok(&["config", "--unset", "sigseal.verify.identity"]);
        repo.ok(&["config", "sigseal.verify.identityRegexp", ".*@example\\.com"]);
        assert_eq!(repo.ok(&["log", "-1", "--format=%G?"]).trim(), "G", "{v}: regexp policy");
    }
}

#[test]
fn policy_naming_someone_else_fails_verification() {
    let stack = Stack::shared();
    for git in gits() {
        let v = git_version(&git);
        let repo = signed_repo(&git, stack);
        repo.ok(&["config", "sigseal.verify.identity", "bob@example.com"]);
        repo.ok(&["config", "sigseal.verify.issuer", &stack.oidc]);
        let tag = repo.run(&["verify-tag", "--raw", "v1.0"]);
        assert!(!tag.status.success(), "{v}: verify-tag accepted another signer");
        let err = String::from_utf8_lossy(&tag.stderr);
        assert!(err.contains("[GNUPG:] TRUST_NEVER"), "{v}: {err}");
        let human = repo.run(&["verify-tag", "v1.0"]);
        let err = String::from_utf8_lossy(&human.stderr);
        assert!(
            !human.status.success() && err.contains("NOT TRUSTED") && err.contains("bob@example.com"),
            "{v}: {err}"
        );
        assert!(!repo.run(&["verify-commit", "HEAD"]).status.success(), "{v}: verify-commit accepted");
        assert_ne!(repo.ok(&["log", "-1", "--format=%G?"]).trim(), "G");

        // A prefix-only regexp must not match: whole-string semantics.
        repo.ok(&["config", "--unset", "sigseal.verify.identity"]);
        repo.ok(&["config", "sigseal.verify.identityRegexp", "alice"]);
        assert!(!repo.run(&["verify-tag", "v1.0"]).status.success(), "{v}: prefix regexp matched");
    }
}

#[test]
fn setup_writes_git_config_with_absolute_program_path() {
    let git = &gits()[0];
    let repo = Repo::new(git, vec![]);
    repo.ok(&["config", "--unset", "gpg.x509.program"]);
    let out = std::process::Command::new(common::sigseal_bin())
        .args(["setup", "--local", "--sign-tags", "--sign-commits"])
        .current_dir(repo.path())
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("SIGSEAL_GIT", git)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let printed = String::from_utf8_lossy(&out.stdout);
    assert!(printed.contains("gpg.x509.program"), "{printed}");
    let program = repo.ok(&["config", "gpg.x509.program"]);
    assert!(std::path::Path::new(program.trim()).is_absolute(), "{program}");
    assert_eq!(repo.ok(&["config", "gpg.format"]).trim(), "x509");
    assert_eq!(repo.ok(&["config", "tag.gpgSign"]).trim(), "true");
    assert_eq!(repo.ok(&["config", "commit.gpgSign"]).trim(), "true");
}

fn openssl_verify(sig_der: &std::path::Path, payload: &std::path::Path, ca: &std::path::Path, at: i64) -> bool {
    let out = std::process::Command::new("openssl")
        .args(["cms", "-verify", "-binary", "-inform", "DER", "-purpose", "any", "-out", "/dev/null"])
        .arg("-in")
        .arg(sig_der)
        .arg("-content")
        .arg(payload)
        .arg("-CAfile")
        .arg(ca)
        .args(["-attime", &at.to_string()])
        .output()
        .expect("openssl");
    out.status.success()
}

#[test]
fn openssl_accepts_the_signature_and_a_changed_byte_fails_everywhere() {
    let stack = Stack::shared();
    let repo = signed_repo(&gits()[0], stack);
    let raw = repo.run(&["cat-file", "tag", "v1.0"]).stdout;
    let (payload, armored) = split_signed_object(&raw);
    let der = sigseal::cms::armor::decode(&armored).unwrap();
    let parsed = sigseal::cms::parse(&der).unwrap();
    let at = parsed.signing_time.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (sig_path, payload_path, bad_path) =
        (dir.path().join("sig.der"), dir.path().join("payload"), dir.path().join("bad"));
    std::fs::write(&sig_path, &der).unwrap();
    std::fs::write(&payload_path, &payload).unwrap();
    assert!(
        openssl_verify(&sig_path, &payload_path, &stack.path("fulcio_root.pem"), at),
        "openssl rejected a good signature"
    );

    let mut bad = payload.clone();
    let i = bad.len() / 2;
    bad[i] ^= 0x01;
    std::fs::write(&bad_path, &bad).unwrap();
    assert!(
        !openssl_verify(&sig_path, &bad_path, &stack.path("fulcio_root.pem"), at),
        "openssl accepted a changed payload"
    );

    let sig_file = dir.path().join("sig.pem");
    std::fs::write(&sig_file, &armored).unwrap();
    let env = vec![("SIGSEAL_TRUSTED_ROOT".to_string(), stack.trusted_root().display().to_string())];
    let out = sigseal(&["--status-fd=1", "--verify", sig_file.to_str().unwrap(), "-"], &env, &bad);
    let status = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{status}");
    assert!(status.contains("[GNUPG:] BADSIG "), "{status}");
    assert!(!status.contains("GOODSIG"), "{status}");

    let out = sigseal(&["--status-fd=1", "--verify", sig_file.to_str().unwrap(), "-"], &env, &payload);
    assert!(String::from_utf8_lossy(&out.stdout).contains("[GNUPG:] GOODSIG "), "good payload must verify");
}

#[test]
fn sign_mode_writes_nothing_but_the_signature_to_stdout() {
    let stack = Stack::shared();
    let token = stack.token_file("alice@example.com");
    let payload = b"tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\nauthor A <a@b> 1 +0000\n\nmsg\n";
    let out = sigseal(&["--status-fd=2", "-bsau", "Alice <alice@example.com>"], &stack.env(&token), payload);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let der = sigseal::cms::armor::decode(&out.stdout).unwrap();
    // Byte-exact: stdout is the armor of the signature and nothing else.
    assert_eq!(out.stdout, sigseal::cms::armor::encode(&der).into_bytes());
    let parsed = sigseal::cms::parse(&der).unwrap();
    assert!(stderr.contains("[GNUPG:] BEGIN_SIGNING"), "{stderr}");
    let fpr = sigseal::verify::fingerprint(&parsed.signer_certificate);
    let created = stderr.lines().find(|l| l.starts_with("[GNUPG:] SIG_CREATED ")).expect("SIG_CREATED");
    assert!(created.starts_with("[GNUPG:] SIG_CREATED D 19 8 00 "), "{created}");
    assert!(created.ends_with(&fpr), "{created} vs {fpr}");
    assert!(parsed.tlog_entry.is_some(), "log proof must be embedded");
    assert_eq!(parsed.certificates.len(), 1, "certificates = the leaf only");

    // The same through a file argument instead of stdin.
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("payload");
    std::fs::write(&f, payload).unwrap();
    let out =
        sigseal(&["-s", "-b", "-a", "-u", "KEY", "--status-fd", "2", f.to_str().unwrap()], &stack.env(&token), b"");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let der = sigseal::cms::armor::decode(&out.stdout).unwrap();
    assert!(sigseal::cms::digest_matches(&sigseal::cms::parse(&der).unwrap(), payload));
}

#[test]
fn the_token_never_reaches_output() {
    let stack = Stack::shared();
    let token_path = stack.token_file("alice@example.com");
    let token = std::fs::read_to_string(&token_path).unwrap();
    let out = sigseal(&["--status-fd=2", "-bsau", "K"], &stack.env(&token_path), b"payload");
    assert!(out.status.success());
    for stream in [&out.stdout, &out.stderr] {
        assert!(!String::from_utf8_lossy(stream).contains(token.trim()), "token leaked");
    }
}

/// `git verify-commit --raw` of `id`: (success, status lines and stderr).
fn git_verify(repo: &Repo, git: &std::path::Path, kind: &str, id: &str) -> (bool, String) {
    let out = repo.cmd_with(git, &[&format!("verify-{kind}"), "--raw", id]).output().unwrap();
    (out.status.success(), String::from_utf8_lossy(&out.stderr).into_owned())
}

/// The lines of a commit's `gpgsig` header (the key line and its continuation lines).
fn gpgsig_header(raw: &str) -> String {
    let start = raw.find("\ngpgsig ").expect("gpgsig header") + 1;
    let end = start
        + raw[start..].find("-----END SIGNED MESSAGE-----\n").expect("END line")
        + "-----END SIGNED MESSAGE-----\n".len();
    raw[start..end].to_string()
}

#[test]
fn git_verify_refuses_a_signature_that_is_not_exactly_one_armored_block() {
    let stack = Stack::shared();
    let bob = Repo::new(&gits()[0], stack.env(&stack.token_file("bob@example.com")));
    bob.ok(&["commit", "-q", "-S", "--allow-empty", "-m", "bob's commit"]);
    let bob_header = gpgsig_header(&String::from_utf8(bob.raw("commit", "HEAD")).unwrap());
    for git in gits() {
        let v = git_version(&git);
        let repo = signed_repo(&git, stack);
        repo.ok(&["config", "sigseal.verify.identity", "alice@example.com"]);
        repo.ok(&["config", "sigseal.verify.issuer", &stack.oidc]);
        let raw = String::from_utf8(repo.raw("commit", "HEAD")).unwrap();
        let header = gpgsig_header(&raw);
        assert_eq!(repo.ok(&["log", "-1", "--format=%G?"]).trim(), "G", "{v}: the original is trusted");

        let rewrap = header.replacen("\n ", "", 1);
        let variants = [
            ("repeated gpgsig header", raw.replacen(&header, &format!("{header}{header}"), 1)),
            ("another signer's header after it", raw.replacen(&header, &format!("{header}{bob_header}"), 1)),
            ("another signer's header before it", raw.replacen(&header, &format!("{bob_header}{header}"), 1)),
            (
                "text after the END line",
                raw.replacen(
                    &header,
                    &header.replace("-----END SIGNED MESSAGE-----\n", "-----END SIGNED MESSAGE-----\n junk\n"),
                    1,
                ),
            ),
            (
                "a changed END line",
                raw.replacen(&header, &header.replace("END SIGNED MESSAGE", "END SIGNED MESSAGEX"), 1),
            ),
            ("base64 wrapped differently", raw.replacen(&header, &rewrap, 1)),
        ];
        for (what, object) in variants {
            assert_ne!(object, raw, "{what}: the variant must differ");
            let id = repo.write_object("commit", object.as_bytes());
            let (ok, status) = git_verify(&repo, &git, "commit", &id);
            assert!(!ok, "{v}: {what}: git verify-commit accepted it:\n{status}");
            assert!(status.contains("[GNUPG:] ERRSIG"), "{v}: {what}: {status}");
            assert!(!status.contains("GOODSIG") && !status.contains("TRUST_FULLY"), "{v}: {what}: {status}");
            assert_eq!(repo.ok(&["log", "-1", "--format=%G?", &id]).trim(), "E", "{v}: {what}");
        }

        // A tag with anything after its signature block.
        let tag = String::from_utf8(repo.raw("tag", "v1.0")).unwrap();
        let id = repo.write_object("tag", format!("{tag}trailing text\n").as_bytes());
        let (ok, status) = git_verify(&repo, &git, "tag", &id);
        assert!(
            !ok && status.contains("[GNUPG:] ERRSIG") && !status.contains("GOODSIG"),
            "{v}: tag with trailer: {status}"
        );
    }
}

#[test]
fn partial_or_empty_git_config_policy_is_an_error_not_trust() {
    let stack = Stack::shared();
    for git in gits() {
        let v = git_version(&git);
        let repo = signed_repo(&git, stack);
        let partial: [&[(&str, &str)]; 5] = [
            &[("sigseal.verify.issuer", &stack.oidc)],
            &[("sigseal.verify.identity", "alice@example.com")],
            &[("sigseal.verify.identityRegexp", ".*")],
            &[("sigseal.verify.identity", ""), ("sigseal.verify.issuer", &stack.oidc)],
            &[("sigseal.verify.identity", "alice@example.com"), ("sigseal.verify.issuerRegexp", "")],
        ];
        for keys in partial {
            let mut args: Vec<String> = Vec::new();
            for (k, val) in keys {
                args.push("-c".into());
                args.push(format!("{k}={val}"));
            }
            args.extend(["verify-commit".into(), "--raw".into(), "HEAD".into()]);
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            let out = repo.cmd(&args).output().unwrap();
            let status = String::from_utf8_lossy(&out.stderr);
            assert!(!out.status.success(), "{v}: {keys:?} accepted:\n{status}");
            assert!(status.contains("[GNUPG:] ERRSIG"), "{v}: {keys:?}: {status}");
            assert!(!status.contains("TRUST_FULLY") && !status.contains("TRUST_UNDEFINED"), "{v}: {keys:?}: {status}");
            // Without --raw, git shows what sigseal said: the configuration error by its code.
            let human: Vec<&str> = args.iter().copied().filter(|a| *a != "--raw").collect();
            let out = repo.cmd(&human).output().unwrap();
            let said = String::from_utf8_lossy(&out.stderr);
            assert!(
                !out.status.success() && said.contains("SS0002"),
                "{v}: {keys:?}: names the configuration error: {said}"
            );
        }
    }
}
