//! Where people see prompts: the controlling terminal when sigseal runs under git (git owns
//! stdout for the signature and often stderr for status lines), else stderr. Also the output
//! handle given to child processes (browsers, CI helpers), so nothing they print reaches stdout.

use std::fs::OpenOptions;
use std::io::Write;
use std::process::Stdio;
use std::sync::atomic::{AtomicBool, Ordering};

static PREFER_TTY: AtomicBool = AtomicBool::new(false);

/// Send prompts to /dev/tty when there is one (set in git's signing mode).
pub fn prefer_tty(on: bool) {
    PREFER_TTY.store(on, Ordering::Relaxed);
}

fn tty() -> Option<std::fs::File> {
    if !PREFER_TTY.load(Ordering::Relaxed) {
        return None;
    }
    OpenOptions::new().write(true).open("/dev/tty").ok()
}

/// True when a prompt can reach a person: always outside git (stderr is theirs); under git only
/// through a terminal, as git keeps the signing program's stderr to itself.
pub fn person_can_see() -> bool {
    !PREFER_TTY.load(Ordering::Relaxed) || tty().is_some()
}

/// Print one message for the person at the keyboard.
pub fn note(msg: &str) {
    match tty() {
        Some(mut t) => {
            let _ = writeln!(t, "{msg}");
        }
        None => eprintln!("{msg}"),
    }
}

/// Read one line typed by the person: from /dev/tty, else from stdin when stdin is not the
/// signing payload (`stdin_free`). `None` when nobody can type.
pub fn read_line(prompt: &str, stdin_free: bool) -> Option<String> {
    use std::io::{BufRead, BufReader, IsTerminal};
    if let Ok(t) = OpenOptions::new().read(true).write(true).open("/dev/tty") {
        let mut w = t.try_clone().ok()?;
        let _ = write!(w, "{prompt}");
        let _ = w.flush();
        let mut line = String::new();
        BufReader::new(t).read_line(&mut line).ok()?;
        return Some(line.trim().to_string());
    }
    if stdin_free && std::io::stdin().is_terminal() {
        eprint!("{prompt}");
        let mut line = String::new();
        std::io::stdin().read_line(&mut line).ok()?;
        return Some(line.trim().to_string());
    }
    None
}

/// An output handle for a child process: the terminal or stderr, never stdout.
pub fn child_output() -> Stdio {
    use std::os::fd::AsFd;
    if let Some(t) = tty() {
        return Stdio::from(t);
    }
    match std::io::stderr().as_fd().try_clone_to_owned() {
        Ok(fd) => Stdio::from(fd),
        Err(_) => Stdio::null(),
    }
}
