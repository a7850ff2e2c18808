//! Progress while hashing release assets: a bar on stderr when stderr is a terminal and the run
//! is large (big files or many of them); nothing otherwise, so CI logs and pipes stay quiet.

use std::io::IsTerminal;

/// Bytes from which hashing is worth a bar.
const LARGE_BYTES: u64 = 64 << 20;
/// Files from which a run is worth a bar.
const MANY_FILES: usize = 8;

/// A progress bar, or nothing.
pub struct Progress {
    bar: Option<indicatif::ProgressBar>,
}

impl Progress {
    /// A bar for hashing `files` files of `total` bytes, shown only on a terminal for a large run.
    pub fn hashing(files: usize, total: u64) -> Self {
        let wanted = std::io::stderr().is_terminal() && (total >= LARGE_BYTES || files >= MANY_FILES);
        let bar = wanted.then(|| {
            let bar = indicatif::ProgressBar::with_draw_target(Some(total), indicatif::ProgressDrawTarget::stderr());
            if let Ok(style) = indicatif::ProgressStyle::with_template(
                "{msg:30!} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} eta {eta}",
            ) {
                bar.set_style(style.progress_chars("=> "));
            }
            bar
        });
        Self { bar }
    }

    /// Name the file being hashed.
    pub fn file(&self, name: &str) {
        if let Some(b) = &self.bar {
            b.set_message(name.to_string());
        }
    }

    /// Count hashed bytes.
    pub fn advance(&self, bytes: u64) {
        if let Some(b) = &self.bar {
            b.inc(bytes);
        }
    }

    /// Remove the bar.
    pub fn finish(&self) {
        if let Some(b) = &self.bar {
            b.finish_and_clear();
        }
    }
}
