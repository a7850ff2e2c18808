//! People logging in and the credential agent, against the local stack's OIDC issuer: browser
//! login run headless (a browser command that follows redirects), a forged callback, the device
//! flow approved at the issuer, a 30-commit rebase with one login, another uid refused by the
//! agent, matchCommitter, and no token ever in output or files.

use crate::common;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

use common::{assert_no_token_leak, detached, gits, http_get, http_post, isolate, sigseal_bin, Repo, Stack};

/// A private directory for an agent socket, plus the environment for logins in tests.
struct Session {
    tmp: tempfile::TempDir,
    env: Vec<(String, String)>,
}

impl Session {
    fn new(stack: &Stack) -> Session {
        let tmp = tempfile::tempdir().unwrap();
        let agent_dir = tmp.path().join("agent");
        std::fs::create_dir(&agent_dir).unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&agent_dir, std::fs::Permissions::from_mode(0o700)).unwrap();
        let mut env = stack.service_env();
        env.push(("SIGSEAL_AGENT".into(), "true".into()));
        env.push(("SIGSEAL_AGENT_SOCKET".into(), agent_dir.join("agent.sock").display().to_string()));
        env.push(("BROWSER".into(), common::repo_root().join("tests/stack/fakebrowser.sh").display().to_string()));
        env.push(("FAKEBROWSER_LOG".into(), tmp.path().join("browser.log").display().to_string()));
        env.push(("HOME".into(), tmp.path().join("home").display().to_string()));
        Session { tmp, env }
    }

    fn socket(&self) -> PathBuf {
        self.tmp.path().join("agent/agent.sock")
    }

    fn set(&mut self, key: &str, value: &str) {
        self.env.retain(|(k, _)| k != key);
        self.env.push((key.into(), value.into()));
    }

    fn unset(&mut self, key: &str) {
        self.env.retain(|(k, _)| k != key);
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut c = detached(&sigseal_bin());
        isolate(&mut c);
        c.args(args).stdin(Stdio::null());
        for (k, v) in &self.env {
            c.env(k, v);
        }
        c
    }

    fn run(&self, args: &[&str]) -> Output {
        self.command(args).output().unwrap()
    }

    fn sign(&self, payload: &[u8]) -> Output {
        common::sigseal(&["--status-fd=2", "-bsau", "K"], &self.env, payload)
    }

    /// `sigseal agent` in the foreground, its stderr captured; returns once it answers.
    fn start_agent(&self) -> Child {
        let mut child = self.command(&["agent"]).stderr(Stdio::piped()).spawn().unwrap();
        for _ in 0..100 {
            if std::os::unix::net::UnixStream::connect(self.socket()).is_ok() {
                return child;
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        let _ = child.kill();
        let _ = child.wait();
        panic!("the agent did not come up at {}", self.socket().display());
    }

    /// Stop the agent and return its stderr.
    fn stop_agent(&self, mut child: Child) -> String {
        let out = self.run(&["agent", "--stop"]);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let status = child.wait().unwrap();
        assert!(status.success());
        let mut err = String::new();
        std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut err).unwrap();
        err
    }

    fn browser_log(&self) -> String {
        std::fs::read_to_string(self.tmp.path().join("browser.log")).unwrap_or_default()
    }
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).to_string()
}

/// stdout of a signing run is exactly one armored signature and nothing else.
fn assert_only_signature(stdout: &[u8]) {
    let s = text(stdout);
    assert!(s.starts_with("-----BEGIN SIGNED MESSAGE-----\n"), "stdout does not start with the signature: {s:?}");
    assert!(s.ends_with("-----END SIGNED MESSAGE-----\n"), "stdout has more than the signature: {s:?}");
    assert_eq!(s.matches("-----BEGIN").count(), 1);
    assert!(sigseal::cms::parse(&sigseal::cms::armor::decode(stdout).unwrap()).is_ok());
}

fn logins(stack: &Stack) -> u64 {
    stack.oidc_stats()["logins"].as_u64().unwrap()
}

#[test]
fn headless_browser_login_is_kept_by_the_agent_until_logout() {
    let stack = Stack::start();
    let mut session = Session::new(&stack);
    session.set("SIGSEAL_CONNECTOR_ID", "https://github.com/login/oauth");
    let login = session.run(&["login", "--flow", "browser"]);
    assert!(login.status.success(), "{}", text(&login.stderr));
    assert!(login.stdout.is_empty());
    assert!(text(&login.stderr).contains("logged in as alice@example.com"), "{}", text(&login.stderr));

    // What the browser was sent to, and where the issuer sent it back.
    let log = session.browser_log();
    let open = log.lines().find_map(|l| l.strip_prefix("open ")).expect("the browser was opened");
    for part in [
        "response_type=code",
        "code_challenge_method=S256",
        "code_challenge=",
        "state=",
        "nonce=",
        "client_id=sigstore",
        "connector_id=https%3A%2F%2Fgithub.com%2Flogin%2Foauth",
        "redirect_uri=http%3A%2F%2Flocalhost%3A",
    ] {
        assert!(open.contains(part), "{part} missing from {open}");
    }
    let done = log.lines().find_map(|l| l.strip_prefix("done ")).expect("the browser finished");
    assert!(done.starts_with("200 http://localhost:") && done.contains("/auth/callback?"), "{done}");
    assert_eq!(logins(&stack), 1);

    let who = session.run(&["whoami"]);
    assert!(who.status.success(), "{}", text(&who.stderr));
    let who_text = text(&who.stdout);
    assert!(
        who_text.contains("alice@example.com") && who_text.contains(&stack.oidc) && who_text.contains("minute"),
        "{who_text}"
    );

    // The same as one JSON document, for scripts.
    let who_json = session.run(&["whoami", "--output", "json"]);
    assert!(who_json.status.success(), "{}", text(&who_json.stderr));
    let doc: serde_json::Value = serde_json::from_slice(&who_json.stdout).unwrap();
    assert_eq!(doc["logged_in"], true, "{doc}");
    assert_eq!(doc["token_source"], "agent", "the next signature uses the agent: {doc}");
    assert_eq!(doc["instance"], "private", "the local stack is not a public-good instance: {doc}");
    assert_eq!(doc["fulcio"], stack.url.as_str(), "{doc}");
    assert_eq!(doc["agent"]["socket"], session.socket().display().to_string(), "{doc}");
    assert!(doc["agent"]["pid"].as_u64().is_some_and(|p| p > 0), "{doc}");
    let ids = doc["identities"].as_array().unwrap();
    assert_eq!(ids.len(), 1, "{doc}");
    assert_eq!(ids[0]["identity"], "alice@example.com");
    assert_eq!(ids[0]["issuer"], stack.oidc.as_str());
    assert_eq!(ids[0]["source"], "agent");
    assert_eq!(ids[0]["instance"], "private");
    let minutes = ids[0]["minutes_left"].as_i64().unwrap();
    assert!((1..=10).contains(&minutes), "{doc}");
    for time in ["certificate_expires", "usable_until"] {
        let t = ids[0][time].as_str().unwrap();
        assert!(t.len() == 20 && t.ends_with('Z') && t.as_bytes()[10] == b'T', "{time} is not RFC 3339: {t}");
    }

    // Signing now uses the agent: no login, stdout is the signature alone.
    let signed = session.sign(b"tree x\n\npayload\n");
    assert!(signed.status.success(), "{}", text(&signed.stderr));
    assert_only_signature(&signed.stdout);
    assert_eq!(logins(&stack), 1, "signing logged in again");

    let out = session.run(&["logout"]);
    assert!(out.status.success());
    assert_eq!(session.run(&["whoami"]).status.code(), Some(1));
    let empty = session.run(&["whoami", "-o", "json"]);
    assert_eq!(empty.status.code(), Some(1), "{}", text(&empty.stderr));
    let doc: serde_json::Value = serde_json::from_slice(&empty.stdout).unwrap();
    assert_eq!((doc["logged_in"].clone(), doc["identities"].clone()), (false.into(), serde_json::json!([])), "{doc}");
    assert_eq!(doc["token_source"], "login", "with nothing held the next signature logs in: {doc}");
    assert!(doc["agent"]["pid"].is_u64(), "the agent still runs, holding nothing: {doc}");
    let out = session.run(&["agent", "--stop"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    for _ in 0..50 {
        if !session.socket().exists() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    assert!(!session.socket().exists(), "the agent left its socket behind");
    assert_no_token_leak(
        &stack,
        &[&login.stdout, &login.stderr, &who.stdout, &who.stderr, &who_json.stdout, &signed.stdout, &signed.stderr],
        &[session.tmp.path()],
    );
}

#[test]
fn callback_with_a_wrong_state_is_rejected() {
    let stack = Stack::start();
    let mut session = Session::new(&stack);
    // A browser that lets the issuer approve, then delivers the code with a forged state.
    let page = session.tmp.path().join("page.html");
    let browser = session.tmp.path().join("forging-browser.sh");
    std::fs::write(
        &browser,
        format!(
            "#!/bin/sh\nloc=$(curl -s -o /dev/null -w '%{{redirect_url}}' \"$1\")\n\
             forged=$(printf '%s' \"$loc\" | sed 's/state=[^&]*/state=forged/')\n\
             (curl -s \"$forged\" > '{}' 2>&1 &)\n",
            page.display()
        ),
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&browser, std::fs::Permissions::from_mode(0o755)).unwrap();
    session.set("BROWSER", &browser.display().to_string());
    let out = session.run(&["login", "--flow", "browser"]);
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(err.contains("SS0103") && err.contains("state that does not match"), "{err}");
    assert_eq!(logins(&stack), 0, "the forged callback's code was exchanged");
    assert_eq!(stack.stats()["fulcio"], 0);
    for _ in 0..50 {
        if std::fs::read_to_string(&page).is_ok_and(|p| !p.is_empty()) {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    assert!(std::fs::read_to_string(&page).unwrap().contains("rejected"));
    assert!(!session.socket().exists(), "an agent was started for a failed login");
}

/// Run a login that prints a device code, approve it at the issuer, return the output.
fn device_login(session: &Session, stack: &Stack, args: &[&str]) -> (Output, String) {
    let mut child = session.command(args).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    let stderr = child.stderr.take().unwrap();
    let mut seen = String::new();
    let mut approved = false;
    for line in BufReader::new(stderr).lines() {
        let line = line.unwrap();
        seen.push_str(&line);
        seen.push('\n');
        if let Some(code) = line.split("enter the code: ").nth(1) {
            assert_eq!(http_get(&format!("{}/device?user_code={}", stack.oidc, code.trim())), "approved\n");
            approved = true;
        }
    }
    let out = child.wait_with_output().unwrap();
    assert!(approved, "no device code was shown:\n{seen}");
    (out, seen)
}

#[test]
fn device_flow_completes_when_the_code_is_approved_at_the_issuer() {
    let stack = Stack::start();
    let mut session = Session::new(&stack);
    // No browser can be opened (no BROWSER, no display): the device flow is chosen by itself.
    session.unset("BROWSER");
    let (out, err) = device_login(&session, &stack, &["login"]);
    assert!(out.status.success(), "{err}");
    assert!(out.stdout.is_empty());
    assert!(err.contains(&format!("visit {}/device", stack.oidc)), "{err}");
    assert!(err.contains("logged in as alice@example.com"), "{err}");
    assert_eq!(logins(&stack), 1);
    assert_eq!(stack.oidc_stats()["authorize"], 0, "a browser flow was attempted");
    let who = session.run(&["whoami"]);
    assert!(text(&who.stdout).contains("alice@example.com"));

    // sigseal.tokenProvider=device forces it even when a browser is available.
    session.set("BROWSER", &common::repo_root().join("tests/stack/fakebrowser.sh").display().to_string());
    session.set("SIGSEAL_TOKEN_PROVIDER", "device");
    let (out, err) = device_login(&session, &stack, &["login"]);
    assert!(out.status.success(), "{err}");
    assert_eq!(logins(&stack), 2);
    assert!(session.browser_log().is_empty(), "the browser was opened");
    assert!(session.run(&["agent", "--stop"]).status.success());
    assert_no_token_leak(&stack, &[&out.stdout, err.as_bytes(), &who.stdout], &[session.tmp.path()]);
}

#[test]
fn login_token_with_wrong_audience_or_expired_is_refused_before_fulcio() {
    let stack = Stack::start();
    let session = Session::new(&stack);
    // The issuer puts another client's audience in the ID token.
    http_post(
        &format!("{}/_claims", stack.oidc),
        r#"{"sub":"alice@example.com","email":"alice@example.com","email_verified":true,"aud":"someone-else"}"#,
    );
    let out = session.run(&["login", "--flow", "browser"]);
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(err.contains("SS0103") && err.contains("audience"), "{err}");
    assert_eq!(stack.stats()["fulcio"], 0);

    http_post(
        &format!("{}/_claims", stack.oidc),
        r#"{"sub":"alice@example.com","email":"alice@example.com","email_verified":true,"exp":1000000000}"#,
    );
    let out = session.run(&["login", "--flow", "browser"]);
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(err.contains("SS0103") && err.to_lowercase().contains("expired"), "{err}");
    assert_eq!(stack.stats()["fulcio"], 0);
}

fn all_objects(repo: &Repo) -> Vec<u8> {
    repo.cmd(&["cat-file", "--batch-all-objects", "--batch"]).output().unwrap().stdout
}

#[test]
fn thirty_commit_rebase_signs_every_commit_with_one_login() {
    let stack = Stack::start();
    for git in gits() {
        let mut session = Session::new(&stack);
        // %G? is G only for a good signature whose signer meets the policy.
        session.set("SIGSEAL_VERIFY_IDENTITY", "alice@example.com");
        session.set("SIGSEAL_VERIFY_ISSUER", &stack.oidc);
        let repo = Repo::new(&git, session.env.clone());
        for i in 0..31 {
            repo.ok(&["commit", "-q", "--allow-empty", "-m", &format!("commit {i}")]);
        }
        let agent = session.start_agent();
        http_post(&format!("{}/_stats/reset", stack.oidc), "");
        let rebase = repo.run(&["-c", "commit.gpgSign=true", "rebase", "-q", "-f", "HEAD~30"]);
        assert!(rebase.status.success(), "{}: {}", common::git_version(&git), text(&rebase.stderr));
        assert_eq!(logins(&stack), 1, "{}: logins during the rebase", common::git_version(&git));

        let marks = repo.ok(&["log", "--format=%G?", "-31"]);
        let marks: Vec<&str> = marks.lines().collect();
        assert_eq!(marks.len(), 31);
        assert!(marks[..30].iter().all(|m| *m == "G"), "{}: {marks:?}", common::git_version(&git));
        assert_eq!(marks[30], "N", "the base commit was not part of the rebase");
        for i in 0..30 {
            let v = repo.run(&["verify-commit", &format!("HEAD~{i}")]);
            assert!(v.status.success(), "HEAD~{i}: {}", text(&v.stderr));
        }
        let agent_err = session.stop_agent(agent);
        assert!(agent_err.contains("signed as alice@example.com"), "{agent_err}");
        assert_no_token_leak(
            &stack,
            &[&rebase.stdout, &rebase.stderr, agent_err.as_bytes(), &all_objects(&repo)],
            &[session.tmp.path(), repo.path()],
        );
    }
}

#[test]
fn match_committer_refuses_another_identity_before_any_certificate() {
    let stack = Stack::start();
    let mut session = Session::new(&stack);
    session.set("SIGSEAL_MATCH_COMMITTER", "true");
    // A token for bob; alice commits.
    session.set("SIGSEAL_TOKEN_FILE", &stack.token_file("bob@example.com").display().to_string());
    let repo = Repo::new(&gits()[0], session.env.clone());
    repo.commit_file("a", "a\n");
    let head = repo.ok(&["rev-parse", "HEAD"]);
    let out = repo.run(&["commit", "-S", "--allow-empty", "-m", "signed"]);
    assert!(!out.status.success(), "a commit was signed for another identity");
    assert_eq!(repo.ok(&["rev-parse", "HEAD"]), head);
    let direct = common::sigseal(
        &["--status-fd=2", "-bsau", "K"],
        &session.env,
        b"tree x\ncommitter Alice <alice@example.com> 1 +0000\n\nm\n",
    );
    assert!(direct.stdout.is_empty());
    assert!(text(&direct.stderr).contains("SS0104"), "{}", text(&direct.stderr));
    assert_eq!(stack.stats()["fulcio"], 0, "a certificate was requested");

    // The agent holds alice's credential; carol commits: the agent has nothing for carol, the
    // login yields alice, and nothing is signed.
    session.unset("SIGSEAL_TOKEN_FILE");
    let login = session.run(&["login", "--flow", "browser"]);
    assert!(login.status.success(), "{}", text(&login.stderr));
    let fulcio_after_login = stack.stats()["fulcio"].as_u64().unwrap();
    let payload = b"tree x\ncommitter Carol <carol@example.com> 1 +0000\n\nm\n";
    let out = common::sigseal(&["--status-fd=2", "-bsau", "K"], &session.env, payload);
    assert!(out.stdout.is_empty());
    assert!(text(&out.stderr).contains("SS0104"), "{}", text(&out.stderr));
    assert_eq!(stack.stats()["fulcio"].as_u64().unwrap(), fulcio_after_login);
    // And alice's own commit is signed by the agent.
    let ok = common::sigseal(
        &["--status-fd=2", "-bsau", "K"],
        &session.env,
        b"tree x\ncommitter A <Alice@Example.com> 1 +0000\n\nm\n",
    );
    assert!(ok.status.success(), "{}", text(&ok.stderr));
    assert!(session.run(&["agent", "--stop"]).status.success());
}

fn root_with_setpriv() -> bool {
    current_uid() == 0 && Path::new("/usr/bin/setpriv").exists() && Path::new(PYTHON).exists()
}

/// A system python another uid can run (not a per-user shim).
const PYTHON: &str = "/usr/bin/python3";

fn current_uid() -> u32 {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata("/proc/self").map_or(u32::MAX, |m| m.uid())
}

#[test]
fn another_uid_gets_neither_signature_nor_key_from_the_agent() {
    if !root_with_setpriv() {
        println!("SKIP: needs root, setpriv and {PYTHON} to run a client as another uid");
        return;
    }
    let stack = Stack::start();
    let session = Session::new(&stack);
    let agent = session.start_agent();
    let login = session.run(&["login", "--flow", "browser"]);
    assert!(login.status.success(), "{}", text(&login.stderr));

    // A raw client as nobody: asks for a signature and for the agent's status.
    let client = r#"
import json, socket, sys
out = []
for req in ({"op": "sign", "fulcio": sys.argv[2], "identity": None, "message": "aGVsbG8="}, {"op": "status"}):
    try:
        s = socket.socket(socket.AF_UNIX); s.settimeout(5); s.connect(sys.argv[1])
        s.sendall((json.dumps(req) + "\n").encode()); data = b""
        while True:
            chunk = s.recv(65536)
            if not chunk: break
            data += chunk
        out.append("answer:" + data.decode(errors="replace"))
    except Exception as e:
        out.append("error:" + type(e).__name__)
print(json.dumps(out))
"#;
    let as_nobody = |program: &str, args: &[&str]| {
        let mut c = Command::new("/usr/bin/setpriv");
        c.args(["--reuid=65534", "--regid=65534", "--clear-groups", program]).args(args).stdin(Stdio::null());
        c.output().unwrap()
    };
    let socket = session.socket().display().to_string();

    // As created: the directory is 0700, nobody cannot even reach the socket.
    let out = as_nobody(PYTHON, &["-c", client, &socket, &stack.url]);
    let answers = text(&out.stdout);
    assert!(answers.contains("error:PermissionError"), "{answers} {}", text(&out.stderr));

    // Even with the directory and socket opened to everyone, the peer check refuses nobody.
    use std::os::unix::fs::PermissionsExt;
    for (p, mode) in [
        (session.tmp.path().to_path_buf(), 0o755),
        (session.tmp.path().join("agent"), 0o755),
        (session.socket(), 0o666),
    ] {
        std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).unwrap();
    }
    let out = as_nobody(PYTHON, &["-c", client, &socket, &stack.url]);
    let answers: Vec<String> = serde_json::from_slice(&out.stdout).expect("client output");
    assert_eq!(answers.len(), 2);
    for a in &answers {
        // The connection reached the agent (no permission error) and got nothing back.
        assert!(
            a == "answer:" || a == "error:BrokenPipeError" || a == "error:ConnectionResetError",
            "the agent answered another uid: {answers:?}"
        );
    }

    // sigseal itself, run as nobody, refuses to talk to an agent of another uid.
    let bin_dir = tempfile::tempdir().unwrap();
    std::fs::set_permissions(bin_dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let bin = bin_dir.path().join("sigseal");
    std::fs::copy(sigseal_bin(), &bin).unwrap();
    let mut c = Command::new("/usr/bin/setpriv");
    c.args(["--reuid=65534", "--regid=65534", "--clear-groups"]).arg(&bin).arg("whoami").stdin(Stdio::null());
    isolate(&mut c);
    c.env("SIGSEAL_AGENT_SOCKET", &socket).env("HOME", bin_dir.path());
    let out = c.output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    // (It stops at the directory, which is not nobody's, before even connecting.)
    assert!(text(&out.stderr).contains("SS0105"), "{}", text(&out.stderr));

    // The owner still signs.
    let signed = session.sign(b"tree x\n\npayload\n");
    assert!(signed.status.success(), "{}", text(&signed.stderr));
    let agent_err = session.stop_agent(agent);
    assert_eq!(agent_err.matches("refused a connection from uid 65534").count(), 2, "{agent_err}");
}

#[test]
fn release_assets_are_signed_by_the_agent_after_one_login() {
    let stack = Stack::start();
    let session = Session::new(&stack);
    let login = session.run(&["login", "--flow", "browser"]);
    assert!(login.status.success(), "{}", text(&login.stderr));
    let fulcio_after_login = stack.stats()["fulcio"].as_i64().unwrap();

    let dir = tempfile::tempdir().unwrap();
    for i in 0..4 {
        std::fs::write(dir.path().join(format!("asset-{i}.bin")), vec![i as u8; 4096 * (i + 1)]).unwrap();
    }
    let dir_arg = dir.path().display().to_string();
    let signed = session.run(&["sign-release", &dir_arg]);
    assert!(signed.status.success(), "{}", text(&signed.stderr));
    assert!(text(&signed.stderr).contains("(agent)"), "the agent's key signed: {}", text(&signed.stderr));
    assert_eq!(logins(&stack), 1, "signing a release logged in again");
    assert_eq!(stack.stats()["fulcio"].as_i64().unwrap(), fulcio_after_login, "no new certificate was requested");

    let verified = session.run(&[
        "verify-release",
        &dir_arg,
        "--offline",
        "--certificate-identity",
        "alice@example.com",
        "--certificate-oidc-issuer",
        &stack.oidc,
    ]);
    assert!(verified.status.success(), "{}{}", text(&verified.stdout), text(&verified.stderr));
    assert_eq!(
        text(&verified.stdout).lines().filter(|l| l.starts_with("verified")).count(),
        5,
        "{}",
        text(&verified.stdout)
    );
    let out = session.run(&["agent", "--stop"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_no_token_leak(&stack, &[&login.stderr, &signed.stdout, &signed.stderr], &[session.tmp.path(), dir.path()]);
}

#[test]
fn whoami_json_without_an_agent_names_the_ambient_token_source() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let agent_dir = dir.path().join("agent");
    std::fs::create_dir(&agent_dir).unwrap();
    std::fs::set_permissions(&agent_dir, std::fs::Permissions::from_mode(0o700)).unwrap();
    let token_file = dir.path().join("token");
    std::fs::write(&token_file, "not read by whoami").unwrap();
    let run = |extra: &[(&str, &str)]| {
        let mut c = Command::new(sigseal_bin());
        isolate(&mut c);
        c.args(["whoami", "-o", "json"])
            .env("SIGSEAL_AGENT", "true")
            .env("SIGSEAL_AGENT_SOCKET", agent_dir.join("agent.sock"))
            .env("HOME", dir.path())
            .stdin(Stdio::null());
        for (k, v) in extra {
            c.env(k, v);
        }
        c.output().unwrap()
    };
    let out = run(&[]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["logged_in"], false);
    assert_eq!(doc["agent"], serde_json::Value::Null, "no agent runs: {doc}");
    assert_eq!(doc["token_source"], "login");
    assert_eq!(doc["instance"], "production");
    let out = run(&[("SIGSEAL_TOKEN_FILE", token_file.to_str().unwrap())]);
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["token_source"], format!("token file {}", token_file.display()), "{doc}");
    let out = run(&[("SIGSEAL_TOKEN_PROVIDER", "gitlab")]);
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["token_source"], serde_json::Value::Null, "the forced provider has no token: {doc}");
}

#[test]
fn login_with_another_instance_half_configured_is_refused_before_any_login() {
    let stack = Stack::shared();
    let mut session = Session::new(stack);
    // The stack's Rekor and issuer are named, its Fulcio left out: a certificate would come from
    // the public Fulcio, an instance nobody chose.
    session.unset("SIGSEAL_FULCIO_URL");
    let before = stack.oidc_stats();
    let out = session.run(&["login", "--device"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    let err = text(&out.stderr);
    assert!(err.contains("SS0002") && err.contains("never falls back to the public-good instance"), "{err}");
    let after = stack.oidc_stats();
    for counter in ["logins", "authorize", "device_codes"] {
        assert_eq!(after[counter], before[counter], "{counter}: a login was started: {after}");
    }
}
