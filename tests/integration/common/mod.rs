//! Test harness: the local Sigstore stack (started per test binary or per test, stopped on
//! drop and when the test process exits), temporary git repositories driven by real git, and
//! the sigseal binary as git runs it.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;

/// The sigseal binary under test.
pub fn sigseal_bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_sigseal"))
}

/// Repository root.
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `../shared` beside the repository, when present.
pub fn shared_dir() -> Option<PathBuf> {
    let d = repo_root().join("..").join("shared");
    d.is_dir().then_some(d)
}

/// Environment every child starts from: none of the developer's or the CI's identity sources,
/// browsers, displays or sigseal settings leak into a test, and no test reaches a real agent
/// (tests that want one set `SIGSEAL_AGENT=true` and their own `SIGSEAL_AGENT_SOCKET`).
pub fn isolate(c: &mut Command) {
    for (k, _) in std::env::vars_os() {
        let k = k.to_string_lossy().to_string();
        if k.starts_with("SIGSEAL_") || k.starts_with("GITSIGN_") || k.starts_with("ACTIONS_ID_TOKEN") {
            c.env_remove(&k);
        }
    }
    for k in [
        "CI",
        "GITHUB_ACTIONS",
        "GITHUB_SERVER_URL",
        "GITLAB_CI",
        "CI_SERVER_URL",
        "BUILDKITE",
        "CIRCLECI",
        "SIGSTORE_ID_TOKEN",
        "BROWSER",
        "DISPLAY",
        "WAYLAND_DISPLAY",
        "SSH_CONNECTION",
        "SSH_TTY",
    ] {
        c.env_remove(k);
    }
    c.env("SIGSEAL_AGENT", "false");
}

/// A command without a controlling terminal (`setsid`), as in CI: prompts sigseal would send
/// to /dev/tty go to stderr or are known to be unseen.
pub fn detached(program: &Path) -> Command {
    let setsid = Path::new("/usr/bin/setsid");
    if setsid.exists() {
        let mut c = Command::new(setsid);
        c.arg("-w").arg(program);
        c
    } else {
        Command::new(program)
    }
}

/// A running local Sigstore stack.
pub struct Stack {
    pub dir: tempfile::TempDir,
    /// Fulcio, Rekor and TSA base URL.
    pub url: String,
    /// OIDC issuer URL.
    pub oidc: String,
}

impl Stack {
    /// Start a fresh stack in a temporary directory.
    pub fn start() -> Stack {
        Stack::start_with(&[])
    }

    /// Start a fresh stack whose sigstore-server.js gets `flags` too (e.g. `--tsa-whole-seconds`).
    pub fn start_with(flags: &[&str]) -> Stack {
        let dir = tempfile::tempdir().expect("temp dir");
        let out = Command::new("bash")
            .arg(repo_root().join("tests/stack/start.sh"))
            .arg(dir.path())
            .env("STACK_WATCH_PID", std::process::id().to_string())
            .env("STACK_SERVER_FLAGS", flags.join(" "))
            .stdin(Stdio::null())
            .output()
            .expect("run tests/stack/start.sh");
        assert!(
            out.status.success(),
            "the local Sigstore stack did not start:\n{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        let read = |f: &str| std::fs::read_to_string(dir.path().join(f)).expect(f).trim().to_string();
        let url = read("url");
        let oidc = read("oidc_url");
        Stack { dir, url, oidc }
    }

    /// One stack shared by all tests of a test binary.
    pub fn shared() -> &'static Stack {
        static STACK: OnceLock<Stack> = OnceLock::new();
        STACK.get_or_init(Stack::start)
    }

    pub fn path(&self, f: &str) -> PathBuf {
        self.dir.path().join(f)
    }

    pub fn trusted_root(&self) -> PathBuf {
        self.path("trusted_root.json")
    }

    /// Base URL of the stack's Rekor v2 log (tile-based, like rekor-tiles).
    pub fn rekor_v2_url(&self) -> String {
        format!("{}/rekor2", self.url)
    }

    /// Stop the stack (idempotent).
    pub fn stop(&self) {
        let _ = Command::new("bash")
            .arg(repo_root().join("tests/stack/stop.sh"))
            .arg(self.dir.path())
            .stdin(Stdio::null())
            .output();
    }

    /// Mint an ID token for an email identity; `ttl` seconds of life (negative = expired).
    pub fn token(&self, email: &str, ttl: i64) -> String {
        self.token_with(&format!("sub={email}&email={email}&email_verified=true&ttl={ttl}"))
    }

    /// Mint a token with raw query parameters.
    pub fn token_with(&self, query: &str) -> String {
        http_get(&format!("{}/_token?{}", self.oidc, query))
    }

    /// Every token the OIDC issuer has handed out.
    pub fn issued_tokens(&self) -> Vec<String> {
        serde_json::from_str(&http_get(&format!("{}/_issued", self.oidc))).expect("issued JSON")
    }

    /// Counters of the OIDC issuer (`logins`, `authorize`, `device_codes`, `minted`).
    pub fn oidc_stats(&self) -> serde_json::Value {
        serde_json::from_str(&http_get(&format!("{}/_stats", self.oidc))).expect("stats JSON")
    }

    /// Request counters of the Sigstore services.
    pub fn stats(&self) -> serde_json::Value {
        serde_json::from_str(&http_get(&format!("{}/_stats", self.url))).expect("stats JSON")
    }

    /// Write a token file (0600) in the stack dir and return its path.
    pub fn token_file(&self, email: &str) -> PathBuf {
        let p = self.path(&format!("token-{email}-{}", rand_suffix()));
        std::fs::write(&p, self.token(email, 600)).expect("write token");
        p
    }

    /// Environment pointing sigseal at this stack.
    pub fn env(&self, token_file: &Path) -> Vec<(String, String)> {
        let mut env = self.service_env();
        env.push(("SIGSEAL_TOKEN_FILE".into(), token_file.display().to_string()));
        env
    }

    /// Environment pointing sigseal at this stack's services and trust, with no token source.
    pub fn service_env(&self) -> Vec<(String, String)> {
        vec![
            ("SIGSEAL_FULCIO_URL".into(), self.url.clone()),
            ("SIGSEAL_REKOR_URL".into(), self.url.clone()),
            ("SIGSEAL_TRUSTED_ROOT".into(), self.trusted_root().display().to_string()),
            ("SIGSEAL_OIDC_ISSUER".into(), self.oidc.clone()),
        ]
    }
}

impl Drop for Stack {
    fn drop(&mut self) {
        self.stop();
    }
}

fn rand_suffix() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    format!("{}-{}", std::process::id(), N.fetch_add(1, Ordering::Relaxed))
}

/// GET a URL with curl (real HTTP, as an independent client).
pub fn http_get(url: &str) -> String {
    let out = Command::new("curl").args(["-fsS", "--max-time", "20", url]).output().expect("curl");
    assert!(out.status.success(), "GET {url} failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).expect("utf8")
}

/// The git binaries to test with: both system gits when present.
pub fn gits() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> =
        ["/usr/bin/git", "/usr/local/bin/git"].iter().map(PathBuf::from).filter(|p| p.exists()).collect();
    if v.is_empty() {
        v.push(PathBuf::from("git"));
    }
    v
}

pub fn git_version(git: &Path) -> String {
    let out = Command::new(git).arg("--version").output().expect("git --version");
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// A temporary repository driven by one git binary, with sigseal as its x509 program.
pub struct Repo {
    pub dir: tempfile::TempDir,
    pub git: PathBuf,
    pub env: Vec<(String, String)>,
}

impl Repo {
    pub fn new(git: &Path, env: Vec<(String, String)>) -> Repo {
        let dir = tempfile::tempdir().expect("temp repo");
        let r = Repo { dir, git: git.to_path_buf(), env };
        r.ok(&["init", "-q", "-b", "main"]);
        r.ok(&["config", "user.name", "Alice"]);
        r.ok(&["config", "user.email", "alice@example.com"]);
        r.ok(&["config", "gpg.format", "x509"]);
        r.ok(&["config", "gpg.x509.program", sigseal_bin().to_str().expect("utf8 path")]);
        r
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn cmd(&self, args: &[&str]) -> Command {
        self.cmd_with(&self.git, args)
    }

    /// Run this repository through another git binary.
    pub fn cmd_with(&self, git: &Path, args: &[&str]) -> Command {
        let mut c = detached(git);
        isolate(&mut c);
        c.args(args).current_dir(self.dir.path()).stdin(Stdio::null());
        // Isolate from the user's config; keep PATH and the stack environment.
        c.env("GIT_CONFIG_NOSYSTEM", "1").env("HOME", self.dir.path()).env("GIT_CONFIG_GLOBAL", "/dev/null");
        c.env("SIGSEAL_GIT", git);
        for (k, v) in &self.env {
            c.env(k, v);
        }
        c
    }

    pub fn run(&self, args: &[&str]) -> Output {
        self.cmd(args).output().expect("run git")
    }

    /// Run and require success; returns stdout.
    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "git {:?} failed ({}):\nstdout: {}\nstderr: {}",
            args,
            git_version(&self.git),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).to_string()
    }

    /// Make a file change and an unsigned commit.
    pub fn commit_file(&self, name: &str, content: &str) {
        std::fs::write(self.path().join(name), content).expect("write file");
        self.ok(&["add", name]);
        self.ok(&["-c", "commit.gpgSign=false", "commit", "-q", "-m", &format!("add {name}")]);
    }

    /// Run sigseal inside this repository with its environment.
    pub fn sigseal(&self, args: &[&str]) -> Output {
        let mut c = detached(&sigseal_bin());
        isolate(&mut c);
        c.args(args).current_dir(self.dir.path()).stdin(Stdio::null());
        c.env("GIT_CONFIG_NOSYSTEM", "1").env("HOME", self.dir.path()).env("GIT_CONFIG_GLOBAL", "/dev/null");
        c.env("SIGSEAL_GIT", &self.git);
        for (k, v) in &self.env {
            c.env(k, v);
        }
        c.output().expect("run sigseal")
    }

    /// Write raw object bytes as-is (`hash-object --literally`); returns the object id.
    pub fn write_object(&self, kind: &str, bytes: &[u8]) -> String {
        let f = tempfile::NamedTempFile::new().expect("temp object");
        std::fs::write(f.path(), bytes).expect("write object");
        self.ok(&["hash-object", "-w", "-t", kind, "--literally", f.path().to_str().expect("utf8")]).trim().to_string()
    }

    /// Raw bytes of an object.
    pub fn raw(&self, kind: &str, rev: &str) -> Vec<u8> {
        let out = self.run(&["cat-file", kind, rev]);
        assert!(out.status.success(), "cat-file {kind} {rev}");
        out.stdout
    }

    /// All object ids in the repository.
    pub fn objects(&self) -> Vec<String> {
        let out = self.ok(&["cat-file", "--batch-all-objects", "--batch-check=%(objectname)"]);
        out.lines().map(str::to_string).collect()
    }
}

/// Run the sigseal binary with env and stdin; returns the output.
pub fn sigseal(args: &[&str], env: &[(String, String)], stdin: &[u8]) -> Output {
    use std::io::Write;
    let mut c = detached(&sigseal_bin());
    isolate(&mut c);
    c.args(args).stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped());
    c.env("GIT_CONFIG_NOSYSTEM", "1").env("GIT_CONFIG_GLOBAL", "/dev/null");
    for (k, v) in env {
        c.env(k, v);
    }
    let mut child = c.spawn().expect("spawn sigseal");
    let mut input = child.stdin.take().expect("stdin");
    // A sigseal that refuses its input early closes stdin before it is all written: that is
    // its answer, not the harness's failure.
    if let Err(e) = input.write_all(stdin) {
        assert_eq!(e.kind(), std::io::ErrorKind::BrokenPipe, "write stdin: {e}");
    }
    drop(input);
    child.wait_with_output().expect("wait sigseal")
}

/// A commit object: `payload` (a commit without signature) carrying the DER signature `der` in
/// its gpgsig header.
pub fn commit_with_signature(payload: &[u8], der: &[u8]) -> Vec<u8> {
    let text = String::from_utf8(payload.to_vec()).expect("utf8 payload");
    let (head, body) = text.split_once("\n\n").expect("commit headers");
    let folded = sigseal::cms::armor::encode(der).trim_end().replace('\n', "\n ");
    format!("{head}\ngpgsig {folded}\n\n{body}").into_bytes()
}

/// Split a raw tag or commit object into (payload git signed, armored signature).
pub fn split_signed_object(raw: &[u8]) -> (Vec<u8>, Vec<u8>) {
    let text = String::from_utf8_lossy(raw).to_string();
    if let Some(pos) = text.find("-----BEGIN SIGNED MESSAGE-----") {
        if text.starts_with("object ") {
            return (raw[..pos].to_vec(), raw[pos..].to_vec());
        }
    }
    // commit: remove the gpgsig header and its continuation lines
    let mut payload = String::new();
    let mut sig = String::new();
    let mut in_sig = false;
    let mut in_header = true;
    for line in text.split_inclusive('\n') {
        if in_header && line == "\n" {
            in_header = false;
        }
        if in_header && (line.starts_with("gpgsig ") || line.starts_with("gpgsig-sha256 ")) {
            in_sig = true;
            sig.push_str(line.split_once(' ').map_or("", |x| x.1));
            continue;
        }
        if in_sig && line.starts_with(' ') {
            sig.push_str(&line[1..]);
            continue;
        }
        in_sig = false;
        payload.push_str(line);
    }
    (payload.into_bytes(), sig.into_bytes())
}

/// POST a body to a URL with curl; returns the response body.
pub fn http_post(url: &str, body: &str) -> String {
    let out = Command::new("curl")
        .args(["-fsS", "--max-time", "20", "-X", "POST", "-H", "content-type: application/json", "--data", body, url])
        .output()
        .expect("curl");
    assert!(out.status.success(), "POST {url} failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).expect("utf8")
}

/// Every regular file below `dir`.
pub fn files_below(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else { continue };
        for e in entries.flatten() {
            let Ok(t) = e.file_type() else { continue };
            if t.is_dir() {
                todo.push(e.path());
            } else if t.is_file() {
                out.push(e.path());
            }
        }
    }
    out
}

/// No token the issuer handed out (nor its signature part) appears in `texts` or in any file
/// below `dirs`.
pub fn assert_no_token_leak(stack: &Stack, texts: &[&[u8]], dirs: &[&Path]) {
    let tokens = stack.issued_tokens();
    assert!(!tokens.is_empty(), "the issuer handed out no token: the leak check would prove nothing");
    let needles: Vec<String> = tokens
        .iter()
        .flat_map(|t| [t.clone(), t.rsplit('.').next().unwrap_or_default().to_string()])
        .filter(|n| n.len() >= 20)
        .collect();
    let has = |hay: &[u8], needle: &str| hay.windows(needle.len()).any(|w| w == needle.as_bytes());
    for (i, text) in texts.iter().enumerate() {
        for n in &needles {
            assert!(!has(text, n), "a token appears in captured output #{i}");
        }
    }
    for dir in dirs {
        for f in files_below(dir) {
            let bytes = std::fs::read(&f).unwrap_or_default();
            for n in &needles {
                assert!(!has(&bytes, n), "a token appears in {}", f.display());
            }
        }
    }
}

/// Run a tool-installing script (scripts/interop-tools.sh, scripts/lint-tools.sh) for this
/// build's target dir and return the `KEY=path` lines it ends with. Python 3 is a prerequisite of
/// the test suite: when the install fails, the test fails with the script's output.
pub fn install_tools(script: &str, what: &str) -> std::collections::HashMap<String, PathBuf> {
    let target_dir = Path::new(env!("CARGO_TARGET_TMPDIR")).parent().expect("target dir");
    let out = Command::new("bash")
        .arg(repo_root().join(script))
        .env("CARGO_TARGET_DIR", target_dir)
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("run bash {script}: {e}"));
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "{script} could not install {what} ({}):\n{text}", out.status);
    eprint!("{text}");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.split_once('='))
        .filter(|(k, _)| !k.is_empty() && k.chars().all(|c| c.is_ascii_uppercase() || c == '_'))
        .map(|(k, v)| {
            let p = PathBuf::from(v);
            assert!(p.is_file(), "{script}: {k}={} does not exist:\n{text}", p.display());
            (k.to_string(), p)
        })
        .collect()
}

/// sigstore-python's `sigstore` command, installed (when missing) by scripts/interop-tools.sh
/// once per test process, in a venv under this build's target dir.
pub fn sigstore_python() -> &'static Path {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| {
        let mut tools = install_tools("scripts/interop-tools.sh", "sigstore-python");
        tools.remove("SIGSTORE_PYTHON").expect("scripts/interop-tools.sh printed no SIGSTORE_PYTHON= line")
    })
}

/// `sigstore verify identity --offline` of sigstore-python.
pub fn python_verify(stack: &Stack, bundle: &Path, artifact: &Path, identity: &str) -> Output {
    let mut c = Command::new(sigstore_python());
    isolate(&mut c);
    c.env("COLUMNS", "200"); // rich wraps its messages at the terminal width, 80 without one
    c.arg("--trust-config").arg(stack.path("trust_config.json"));
    c.args(["verify", "identity", "--offline", "--bundle"]).arg(bundle);
    c.args(["--cert-identity", identity, "--cert-oidc-issuer", &stack.oidc]).arg(artifact);
    c.stdin(Stdio::null()).output().expect("run sigstore-python")
}

/// sigstore-js (@sigstore/verify) through tests/stack/verify-bundle.js.
pub fn js_verify(stack: &Stack, bundle: &Path, artifact: &Path, identity: &str) -> Output {
    let mut c = Command::new("node");
    c.arg(repo_root().join("tests/stack/verify-bundle.js"));
    c.arg("--trusted-root").arg(stack.trusted_root()).arg("--bundle").arg(bundle).arg("--artifact").arg(artifact);
    c.args(["--identity", identity, "--issuer", &stack.oidc]);
    c.stdin(Stdio::null()).output().expect("run node tests/stack/verify-bundle.js")
}

/// tests/stack/fault-proxy.js in front of a stack: forwards to it, or answers Fulcio, Rekor or
/// the TSA as a broken or malicious server would (see tests/stack/README.md). Stopped on drop.
pub struct FaultProxy {
    child: std::process::Child,
    _dir: tempfile::TempDir,
    /// The proxy's base URL (use it as the Fulcio, Rekor and TSA URL).
    pub url: String,
}

impl FaultProxy {
    /// Start a proxy in front of `stack`, every service passing through.
    pub fn start(stack: &Stack) -> FaultProxy {
        let dir = tempfile::tempdir().expect("temp dir");
        let out = dir.path().join("url");
        let child = Command::new("node")
            .arg(repo_root().join("tests/stack/fault-proxy.js"))
            .args(["--upstream", &stack.url, "--oidc-url", &stack.oidc, "--out"])
            .arg(&out)
            .env("STACK_WATCH_PID", std::process::id().to_string())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("run node tests/stack/fault-proxy.js");
        let mut proxy = FaultProxy { child, _dir: dir, url: String::new() };
        for _ in 0..200 {
            if let Ok(url) = std::fs::read_to_string(&out) {
                if url.ends_with('\n') {
                    proxy.url = url.trim().to_string();
                    return proxy;
                }
            }
            assert!(
                proxy.child.try_wait().expect("fault proxy status").is_none(),
                "the fault proxy exited during startup"
            );
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        panic!("the fault proxy did not start within 10 s");
    }

    /// Set the modes of some services, e.g. `[("fulcio", "echo")]`; the others pass through.
    pub fn set(&self, modes: &[(&str, &str)]) {
        http_post(&format!("{}/_fault/reset", self.url), "{}");
        let map: serde_json::Map<String, serde_json::Value> =
            modes.iter().map(|(k, v)| (k.to_string(), serde_json::Value::from(*v))).collect();
        http_post(&format!("{}/_fault", self.url), &serde_json::Value::Object(map).to_string());
    }

    /// How many replies each fault served (`{"fulcio:echo": N, ...}`).
    pub fn served(&self) -> serde_json::Value {
        serde_json::from_str(&http_get(&format!("{}/_fault/stats", self.url))).expect("fault stats JSON")
    }

    /// Environment pointing sigseal's Fulcio, Rekor and TSA at the proxy, with `token_file`.
    pub fn env(&self, stack: &Stack, token_file: &Path) -> Vec<(String, String)> {
        let mut env: Vec<(String, String)> = stack
            .env(token_file)
            .into_iter()
            .filter(|(k, _)| k != "SIGSEAL_FULCIO_URL" && k != "SIGSEAL_REKOR_URL")
            .collect();
        env.push(("SIGSEAL_FULCIO_URL".into(), self.url.clone()));
        env.push(("SIGSEAL_REKOR_URL".into(), self.url.clone()));
        env.push(("SIGSEAL_TIMESTAMP_URL".into(), format!("{}/api/v1/timestamp", self.url)));
        env
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Run `program args` in `dir` and measure the peak resident set size (KiB) of it and of
/// everything it waits for, as the kernel accounts finished children (through python3's
/// getrusage, which the test command already requires). Standard input is empty.
pub fn run_measured(program: &Path, args: &[&str], env: &[(String, String)], dir: &Path) -> (Output, u64) {
    run_measured_fed(program, args, env, dir, drop)
}

/// [`run_measured`], with `feed` writing the program's standard input on its own thread.
pub fn run_measured_fed(
    program: &Path,
    args: &[&str],
    env: &[(String, String)],
    dir: &Path,
    feed: impl FnOnce(std::process::ChildStdin) + Send + 'static,
) -> (Output, u64) {
    let script = "import resource, subprocess, sys\n\
                  r = subprocess.run(sys.argv[1:], capture_output=True)\n\
                  sys.stdout.buffer.write(r.stdout)\n\
                  sys.stderr.buffer.write(r.stderr)\n\
                  open(__import__('os').environ['MEASURE_OUT'], 'w').write('%d %d' % (r.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss))\n";
    let measure = tempfile::NamedTempFile::new().expect("temp file");
    let mut c = Command::new("python3");
    isolate(&mut c);
    c.arg("-c").arg(script).arg(program).args(args).current_dir(dir);
    c.env("GIT_CONFIG_NOSYSTEM", "1").env("GIT_CONFIG_GLOBAL", "/dev/null").env("HOME", dir);
    c.env("MEASURE_OUT", measure.path());
    for (k, v) in env {
        c.env(k, v);
    }
    c.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = c.spawn().expect("run python3");
    let stdin = child.stdin.take().expect("stdin");
    let feeder = std::thread::spawn(move || feed(stdin));
    let mut out = child.wait_with_output().expect("wait for python3");
    feeder.join().expect("stdin feeder");
    let text = std::fs::read_to_string(measure.path()).unwrap_or_default();
    let mut parts = text.split_whitespace();
    let code: i32 = parts.next().and_then(|s| s.parse().ok()).expect("exit code of the measured program");
    let kib: u64 = parts.next().and_then(|s| s.parse().ok()).expect("peak RSS of the measured program");
    // The measured program's status, not python's.
    if code != 0 {
        use std::os::unix::process::ExitStatusExt;
        // A negative code is a signal: report it as a failure too.
        let code = if code < 0 { 128 - code } else { code };
        out.status = std::process::ExitStatus::from_raw((code & 0xff).max(1) << 8);
    }
    (out, kib)
}

/// Exit status, stdout and stderr of a finished command, for assertion messages.
pub fn text(out: &Output) -> String {
    format!(
        "exit {}\nstdout: {}\nstderr: {}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// stdout followed by stderr, to search what a command said wherever it said it.
pub fn combined_output(out: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
}

/// The `sigseal: error[...]` line of an output.
pub fn error_line(out: &Output) -> String {
    let t = combined_output(out);
    t.lines()
        .find(|l| l.contains("sigseal: error["))
        .unwrap_or_else(|| panic!("no sigseal error line in:\n{t}"))
        .to_string()
}

/// A path as a command-line argument.
pub fn s(p: &Path) -> String {
    p.display().to_string()
}

/// The genTime values (the text of each DER `GeneralizedTime` of 14 digits, an optional fraction
/// and `Z`) found in `der`: in a `TSTInfo`, the only `GeneralizedTime` of a signature or a
/// timestamp reply (certificates and signingTime use `UTCTime` until 2050).
pub fn gen_times(der: &[u8]) -> Vec<String> {
    let mut found = Vec::new();
    for i in 0..der.len().saturating_sub(2) {
        let len = usize::from(der[i + 1]);
        if der[i] != 0x18 || !(15..=24).contains(&len) || i + 2 + len > der.len() {
            continue;
        }
        let value = &der[i + 2..i + 2 + len];
        let digits = value[..14].iter().all(u8::is_ascii_digit);
        if digits && value.ends_with(b"Z") && (len == 15 || value[14] == b'.') {
            found.push(String::from_utf8_lossy(value).into_owned());
        }
    }
    found
}

/// The decoded RFC 3161 replies of a bundle (JSON).
pub fn bundle_tokens(bundle: &std::path::Path) -> Vec<Vec<u8>> {
    use base64::Engine;
    let json: serde_json::Value = serde_json::from_slice(&std::fs::read(bundle).unwrap()).unwrap();
    json["verificationMaterial"]["timestampVerificationData"]["rfc3161Timestamps"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|t| {
                    base64::engine::general_purpose::STANDARD.decode(t["signedTimestamp"].as_str().unwrap()).unwrap()
                })
                .collect()
        })
        .unwrap_or_default()
}

/// `sigseal COMMAND ARTIFACT --bundle BUNDLE --offline --trusted-root ROOT... -o json` for a
/// blob, attestation or release-asset command, requiring `identity` as signer and the stack's
/// OIDC issuer: its exit code and the artifact's report.
pub fn verify_blob_json(
    stack: &Stack,
    command: &str,
    artifact: &Path,
    bundle: &Path,
    roots: &[&Path],
    identity: &str,
) -> (Option<i32>, serde_json::Value) {
    let mut args = vec![command.to_string(), s(artifact), "--bundle".into(), s(bundle), "--offline".into()];
    for r in roots {
        args.extend(["--trusted-root".into(), s(r)]);
    }
    args.extend([
        "--certificate-identity".into(),
        identity.into(),
        "--certificate-oidc-issuer".into(),
        stack.oidc.clone(),
    ]);
    args.extend(["-o".into(), "json".into()]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = sigseal(&args, &[], b"");
    let report: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{command} printed no JSON ({e}): {}", text(&out)));
    (out.status.code(), report["artifacts"][0].clone())
}

/// sigstore-python run with one of the stack's client trust configs (`trust_config.json`,
/// `trust_config_v2.json`, ...) and `args`.
pub fn python_with(stack: &Stack, trust_config: &str, args: &[&str]) -> Output {
    let mut c = Command::new(sigstore_python());
    isolate(&mut c);
    c.env("COLUMNS", "200").env("NO_PROXY", "127.0.0.1,localhost");
    c.arg("--trust-config").arg(stack.path(trust_config)).args(args);
    c.stdin(Stdio::null()).output().expect("run sigstore-python")
}

/// `sigseal attest-blob BLOB --type slsaprovenance1` with a small SLSA v1 provenance predicate
/// (written beside `bundle`), the bundle to `bundle`.
pub fn attest_blob_slsa(blob: &Path, bundle: &Path, env: &[(String, String)]) -> Output {
    let predicate = bundle.with_extension("predicate.json");
    std::fs::write(&predicate, br#"{"buildDefinition":{"buildType":"https://example.com/build/v1","externalParameters":{}},"runDetails":{"builder":{"id":"https://example.com/builder"}}}"#)
        .expect("write the predicate");
    sigseal(
        &["attest-blob", &s(blob), "--predicate", &s(&predicate), "--type", "slsaprovenance1", "--bundle", &s(bundle)],
        env,
        b"",
    )
}

/// Signing with `env`, whose timestamp authority fails: `git commit -S` is refused and git
/// records no commit; `sign-blob` is refused naming the timestamp authority and writes no bundle.
pub fn assert_nothing_signed_without_a_timestamp(env: &[(String, String)]) {
    let repo = Repo::new(&gits()[0], env.to_vec());
    repo.commit_file("README", "hello\n");
    let head = repo.ok(&["rev-parse", "HEAD"]);
    let out = repo.run(&["commit", "-q", "-S", "--allow-empty", "-m", "never signed"]);
    assert!(!out.status.success(), "git commit -S succeeded without its timestamp: {}", text(&out));
    assert_eq!(repo.ok(&["rev-parse", "HEAD"]), head, "git recorded a commit");

    let dir = tempfile::tempdir().expect("temp dir");
    let artifact = dir.path().join("a.txt");
    std::fs::write(&artifact, b"a\n").expect("write the artifact");
    let bundle = dir.path().join("a.txt.sigstore.json");
    let out = sigseal(&["sign-blob", &s(&artifact), "--bundle", &s(&bundle)], env, b"");
    assert!(!out.status.success(), "sign-blob succeeded without its timestamp: {}", text(&out));
    assert!(text(&out).contains("error[SS0205]: timestamp authority"), "the failure is named: {}", text(&out));
    assert!(!bundle.exists(), "a bundle was written");
}
