//! Running a helper program (git, a configured signing program) and collecting what it printed:
//! stdin closed, stdout and stderr captured up to a cap, and, when a deadline is given, the
//! program killed once it runs over, so that a hung helper never hangs sigseal.

use std::ffi::OsStr;
use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::error::{Error, Result};

/// The most of each output stream that is kept.
const OUTPUT_CAP: u64 = 1 << 20;

/// What came of running a program.
#[derive(Clone, Debug)]
pub struct Ran {
    /// It exited with status 0.
    pub success: bool,
    /// Its exit code (`None` when a signal ended it).
    pub code: Option<i32>,
    /// What it wrote to stdout (at most 1 MiB).
    pub stdout: Vec<u8>,
    /// What it wrote to stderr (at most 1 MiB), as text.
    pub stderr: String,
}

impl Ran {
    /// Its stdout as text.
    pub fn stdout_text(&self) -> String {
        String::from_utf8_lossy(&self.stdout).into_owned()
    }
}

/// Run `program args` with stdin closed and the output captured. With a `deadline` the program
/// is killed when it runs longer, and the run fails with an I/O error of kind `TimedOut`.
pub fn run(program: &OsStr, args: &[&str], deadline: Option<Duration>) -> Result<Ran> {
    let name = Path::new(program).display().to_string();
    let mut child = Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| Error::io(format!("cannot run {name}"), e))?;
    // Readers on their own threads, so that a full pipe never blocks the child and a grandchild
    // keeping a pipe open never blocks the caller past the deadline.
    let reader = |pipe: Option<Box<dyn Read + Send>>| {
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            if let Some(mut p) = pipe {
                let _ = p.by_ref().take(OUTPUT_CAP).read_to_end(&mut buf);
            }
            let _ = tx.send(buf);
        });
        rx
    };
    let out = reader(child.stdout.take().map(|p| Box::new(p) as Box<dyn Read + Send>));
    let err = reader(child.stderr.take().map(|p| Box::new(p) as Box<dyn Read + Send>));
    let end = deadline.map(|d| Instant::now() + d);
    let status = match (end, deadline) {
        (Some(end), Some(limit)) => loop {
            match child.try_wait() {
                Ok(Some(status)) => break status,
                Ok(None) if Instant::now() < end => std::thread::sleep(Duration::from_millis(10)),
                Ok(None) => {
                    let _ = child.kill();
                    let _ = child.wait();
                    return Err(Error::io(
                        format!("{name} did not finish within {} s", limit.as_secs()),
                        std::io::ErrorKind::TimedOut.into(),
                    ));
                }
                Err(e) => return Err(Error::io(format!("waiting for {name}"), e)),
            }
        },
        _ => child.wait().map_err(|e| Error::io(format!("waiting for {name}"), e))?,
    };
    let collect = |rx: std::sync::mpsc::Receiver<Vec<u8>>| match end {
        Some(end) => rx
            .recv_timeout(end.saturating_duration_since(Instant::now()).max(Duration::from_millis(100)))
            .unwrap_or_default(),
        None => rx.recv().unwrap_or_default(),
    };
    let stdout = collect(out);
    let stderr = String::from_utf8_lossy(&collect(err)).into_owned();
    Ok(Ran { success: status.success(), code: status.code(), stdout, stderr })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_and_exit_code_are_collected() {
        let ran = run(OsStr::new("sh"), &["-c", "echo out; echo err >&2; exit 3"], None).unwrap();
        assert!(!ran.success);
        assert_eq!(ran.code, Some(3));
        assert_eq!(ran.stdout_text(), "out\n");
        assert_eq!(ran.stderr, "err\n");
    }

    #[test]
    fn a_program_past_its_deadline_is_killed() {
        let start = Instant::now();
        let err = run(OsStr::new("sh"), &["-c", "sleep 30"], Some(Duration::from_millis(200))).unwrap_err();
        assert!(start.elapsed() < Duration::from_secs(5), "{:?}", start.elapsed());
        assert!(err.to_string().contains("did not finish within"), "{err}");
    }

    #[test]
    fn a_missing_program_is_an_error_naming_it() {
        let err = run(OsStr::new("/nonexistent/program"), &[], None).unwrap_err();
        assert!(err.to_string().contains("cannot run /nonexistent/program"), "{err}");
    }
}
