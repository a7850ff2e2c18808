//! The one place sigseal talks with the person at the keyboard: notes and prompts go to the
//! controlling terminal when sigseal runs under git (git owns stdout for the signature and often
//! stderr for status lines), else stderr; typed lines (a login code) and secrets (a key
//! password, read with echo off) come from the terminal. Also the output handle given to child
//! processes (browsers, CI helpers), so nothing they print reaches stdout.

use std::fs::{File, OpenOptions};
use std::io::{Read, Write};
use std::process::Stdio;
use std::sync::atomic::{AtomicBool, Ordering};

use zeroize::Zeroizing;

use crate::error::{Error, Result};

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

/// Say `line` on the controlling terminal too, when there is one (for a message that the
/// program running sigseal may swallow from stderr).
pub fn echo_to_tty(line: &str) {
    if let Ok(mut tty) = OpenOptions::new().write(true).open("/dev/tty") {
        let _ = writeln!(tty, "{line}");
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

/// The controlling terminal, opened to ask for passwords (typed without echo).
#[derive(Debug)]
pub struct PasswordTerminal {
    tty: File,
}

impl PasswordTerminal {
    /// The controlling terminal; `None` when there is none (no one can type a password).
    pub fn open() -> Option<Self> {
        OpenOptions::new().read(true).write(true).open("/dev/tty").ok().map(|tty| Self { tty })
    }

    /// Print `prompt` and read one line with echo off, at most `max_len` bytes. `what` names the
    /// password in messages; `instead` says what else the person can do when nothing is typed
    /// (e.g. "set `SIGSEAL_PASSWORD`").
    pub fn ask(&self, prompt: &str, what: &str, max_len: usize, instead: &str) -> Result<Zeroizing<Vec<u8>>> {
        let mut out = &self.tty;
        out.write_all(prompt.as_bytes())
            .and_then(|()| out.flush())
            .map_err(|e| Error::io("writing the password prompt to the terminal", e))?;
        let line = {
            let _quiet = EchoOff::new(&self.tty)?;
            read_secret_line(&self.tty, what, max_len, instead)
        };
        // The typed newline was not echoed either.
        let _ = out.write_all(b"\n");
        line
    }
}

/// Terminal echo switched off until dropped, then the saved settings restored.
struct EchoOff<'a> {
    tty: &'a File,
    saved: rustix::termios::Termios,
}

impl<'a> EchoOff<'a> {
    fn new(tty: &'a File) -> Result<Self> {
        use rustix::termios::{tcgetattr, tcsetattr, InputModes, LocalModes, OptionalActions};
        let saved = tcgetattr(tty).map_err(|e| Error::io("reading the terminal settings", e.into()))?;
        let mut quiet = saved.clone();
        quiet.local_modes.remove(LocalModes::ECHO);
        quiet.local_modes.insert(LocalModes::ICANON | LocalModes::ISIG);
        quiet.input_modes.insert(InputModes::ICRNL);
        tcsetattr(tty, OptionalActions::Now, &quiet)
            .map_err(|e| Error::io("turning off terminal echo for the password", e.into()))?;
        Ok(EchoOff { tty, saved })
    }
}

impl Drop for EchoOff<'_> {
    fn drop(&mut self) {
        let _ = rustix::termios::tcsetattr(self.tty, rustix::termios::OptionalActions::Now, &self.saved);
    }
}

/// One line from the terminal, without its line ending, read a byte at a time into a buffer
/// that never reallocates (so no stray copies of the password are left behind).
fn read_secret_line(mut tty: &File, what: &str, max_len: usize, instead: &str) -> Result<Zeroizing<Vec<u8>>> {
    let mut line = Zeroizing::new(Vec::with_capacity(max_len + 1));
    let mut byte = Zeroizing::new([0u8; 1]);
    let mut ended = false;
    loop {
        match tty.read(byte.as_mut()) {
            Ok(0) => break,
            Ok(_) if byte[0] == b'\n' => {
                ended = true;
                break;
            }
            Ok(_) if line.len() >= max_len => {
                return Err(Error::Usage(format!("the text typed for {what} is longer than {max_len} bytes")))
            }
            Ok(_) => line.push(byte[0]),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(Error::io("reading the password from the terminal", e)),
        }
    }
    if !ended && line.is_empty() {
        return Err(Error::Usage(format!(
            "nothing was typed for {what} (the terminal input ended); type it, or {instead}"
        )));
    }
    if line.last() == Some(&b'\r') {
        line.pop();
    }
    Ok(line)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file_with(text: &[u8]) -> File {
        let mut f = tempfile::tempfile().unwrap();
        f.write_all(text).unwrap();
        std::io::Seek::rewind(&mut f).unwrap();
        f
    }

    #[test]
    fn a_secret_line_ends_at_the_newline_without_its_carriage_return() {
        let f = file_with(b"hunter2\r\nrest");
        assert_eq!(read_secret_line(&f, "the password", 64, "set X").unwrap().as_slice(), b"hunter2");
        let f = file_with(b"\n");
        assert_eq!(read_secret_line(&f, "the password", 64, "set X").unwrap().as_slice(), b"", "an empty password");
    }

    #[test]
    fn ended_input_and_overlong_secrets_are_refused() {
        let err = read_secret_line(&file_with(b""), "the password", 64, "set X").unwrap_err();
        assert!(err.to_string().contains("nothing was typed for the password") && err.to_string().contains("set X"));
        let err = read_secret_line(&file_with(b"12345\n"), "the password", 4, "set X").unwrap_err();
        assert!(err.to_string().contains("longer than 4 bytes"), "{err}");
    }
}
