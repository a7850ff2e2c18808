//! Standard output of the commands: one writer for every report, listing and JSON document.
//! A reader that stops early (`sigseal verify-blob ... | head -c1`) closed the pipe because it
//! wanted no more: the rest of the output is dropped quietly, and the command still ends with
//! its own exit code instead of an error or a panic.

use std::io::{self, Write};
use std::sync::atomic::{AtomicBool, Ordering};

static CLOSED: AtomicBool = AtomicBool::new(false);

/// Standard output, locked, with a closed pipe treated as the end of the output.
pub(crate) fn stdout() -> Stdout {
    Stdout(io::stdout().lock())
}

/// True once the reader of standard output has gone away.
pub(crate) fn closed() -> bool {
    CLOSED.load(Ordering::Relaxed)
}

/// See [`stdout`].
pub(crate) struct Stdout(io::StdoutLock<'static>);

fn quiet<T>(r: io::Result<T>, nothing: T) -> io::Result<T> {
    match r {
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => {
            CLOSED.store(true, Ordering::Relaxed);
            Ok(nothing)
        }
        other => other,
    }
}

impl Write for Stdout {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if closed() {
            return Ok(buf.len());
        }
        quiet(self.0.write(buf), buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        if closed() {
            return Ok(());
        }
        quiet(self.0.flush(), ())
    }
}

/// Write one line to standard output (a closed pipe ends the output quietly).
pub(crate) fn line(text: impl std::fmt::Display) -> crate::Result<()> {
    let mut out = stdout();
    writeln!(out, "{text}").and_then(|()| out.flush()).map_err(|e| crate::Error::io("writing to standard output", e))
}

/// Write one JSON document (pretty-printed) and a newline to standard output.
pub(crate) fn json(value: &impl serde::Serialize) -> crate::Result<()> {
    let text = serde_json::to_string_pretty(value)
        .map_err(|e| crate::Error::io("writing a JSON document", std::io::Error::other(e)))?;
    line(text)
}
