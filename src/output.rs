//! Output files written atomically: into a temporary file in the same directory, renamed over
//! the target only on success, so a failed or interrupted command leaves nothing (and no partial
//! file) behind.
//!
//! A target that exists and is not a regular file (`/dev/null`, a FIFO, a terminal, a socket)
//! is written straight through, as a shell's `>` would: renaming over it would replace the device
//! or pipe with a regular file (as root, `-o /dev/null` would break every later program reading
//! `/dev/null`). A symbolic link is followed: its final target is replaced, the link is kept.
//!
//! Bytes reach the file through a thread of its own once they pass a buffer ([`behind`]), so
//! that writing runs beside the work that makes them.
//!
//! Every live temporary file is listed in one registry, so that SIGINT and SIGTERM (see
//! [`remove_temporaries_on_signals`]) can remove them before the process ends: destructors do
//! not run when a signal kills a process.

use std::fs::File;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use crate::diagnostic::Diagnostic;

#[path = "output_behind.rs"]
pub mod behind;
use behind::WriteBehind;

/// The temporary files of every [`AtomicFile`] not yet committed or dropped.
static LIVE: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

fn live() -> std::sync::MutexGuard<'static, Vec<PathBuf>> {
    // A panic while the list was held leaves it as it was: still the right list.
    LIVE.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn forget(temporary: &Path) {
    live().retain(|path| path != temporary);
}

/// A file being written; [`AtomicFile::commit`] publishes it, dropping it without commit (or a
/// failed commit) removes the temporary file.
pub struct AtomicFile {
    target: PathBuf,
    /// The file being written; the target itself when it is written straight through.
    temporary: PathBuf,
    /// The target is not a regular file: written in place, never renamed nor removed.
    straight_through: bool,
    /// `None` once [`AtomicFile::close`]d or committed.
    writer: Option<WriteBehind>,
    /// The temporary file exists and is neither renamed nor removed.
    pending: bool,
}

impl AtomicFile {
    /// Starts writing `target`. Its directory must exist (it is not created here); an existing
    /// target keeps its permission bits once replaced.
    pub fn create(target: &Path) -> io::Result<AtomicFile> {
        if let Some(file) = AtomicFile::straight_through(target)? {
            return Ok(file);
        }
        let resolved = resolve_link(target)?;
        let target = resolved.as_path();
        let directory = match target.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
            _ => PathBuf::from("."),
        };
        if !directory.is_dir() {
            let why = if directory.exists() {
                "is not a directory"
            } else {
                "does not exist"
            };
            return Err(io::Error::new(
                io::ErrorKind::NotFound,
                format!("directory `{}` {why}", directory.display()),
            ));
        }
        if target.is_dir() {
            return Err(io::Error::new(
                io::ErrorKind::IsADirectory,
                "is a directory, not a file",
            ));
        }
        let file_name = target
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "out".into());
        let temporary = directory.join(format!(".{file_name}.{}.tmp", std::process::id()));
        // Listed before it exists: a signal between creation and listing would leave it behind.
        live().push(temporary.clone());
        let created = File::create(&temporary).and_then(|file| {
            if let Ok(existing) = std::fs::metadata(target) {
                file.set_permissions(existing.permissions())?;
            }
            Ok(file)
        });
        let file = match created {
            Ok(file) => file,
            Err(error) => {
                let _ = std::fs::remove_file(&temporary);
                forget(&temporary);
                return Err(error);
            }
        };
        Ok(AtomicFile {
            target: target.to_path_buf(),
            temporary,
            straight_through: false,
            writer: Some(WriteBehind::new(file)),
            pending: true,
        })
    }

    /// An existing target that is neither a regular file nor a directory (after following
    /// links), opened for writing in place without truncation: a device or a pipe has no
    /// content to replace, and nothing of it may be removed.
    fn straight_through(target: &Path) -> io::Result<Option<AtomicFile>> {
        match std::fs::metadata(target) {
            Ok(meta) if !meta.is_file() && !meta.is_dir() => {}
            _ => return Ok(None),
        }
        let file = std::fs::OpenOptions::new().write(true).open(target)?;
        Ok(Some(AtomicFile {
            target: target.to_path_buf(),
            temporary: target.to_path_buf(),
            straight_through: true,
            writer: Some(WriteBehind::new(file)),
            pending: false,
        }))
    }

    /// Finishes writing and closes the temporary file, which stays (listed, so a signal still
    /// removes it) until [`AtomicFile::commit`] renames it or a drop removes it: a command that
    /// stages many files holds no descriptor per file. Writing after this is an error.
    pub fn close(&mut self) -> io::Result<()> {
        match self.writer.take() {
            Some(writer) => writer.finish().map(drop),
            None => Ok(()),
        }
    }

    /// Flushes and renames over the target; on any failure the temporary file is removed.
    pub fn commit(mut self) -> io::Result<()> {
        if self.straight_through {
            return self.close();
        }
        let result = self
            .close()
            .and_then(|_| std::fs::rename(&self.temporary, &self.target));
        if result.is_err() {
            let _ = std::fs::remove_file(&self.temporary);
        }
        forget(&self.temporary);
        self.pending = false;
        result
    }

    fn writer(&mut self) -> io::Result<&mut WriteBehind> {
        self.writer
            .as_mut()
            .ok_or_else(|| io::Error::other("the file was closed for writing"))
    }
}

/// A writer that can take a caller's buffer whole instead of copying it (see
/// [`WriteBehind::write_vec`]): a producer that builds its output in buffers of its own hands
/// each over and gets an empty one back.
pub trait WriteVec: Write {
    /// Writes `bytes` and leaves it empty (its allocation possibly exchanged for another).
    fn write_vec(&mut self, bytes: &mut Vec<u8>) -> io::Result<()>;
}

/// Any writer as a [`WriteVec`], by copying.
pub struct Copying<'w>(pub &'w mut dyn Write);

impl Write for Copying<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.write(buf)
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        self.0.write_all(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.0.flush()
    }
}

impl WriteVec for Copying<'_> {
    fn write_vec(&mut self, bytes: &mut Vec<u8>) -> io::Result<()> {
        self.0.write_all(bytes)?;
        bytes.clear();
        Ok(())
    }
}

impl WriteVec for AtomicFile {
    fn write_vec(&mut self, bytes: &mut Vec<u8>) -> io::Result<()> {
        self.writer()?.write_vec(bytes)
    }
}

impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.writer()?.write(buf)
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        self.writer()?.write_all(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.writer()?.flush()
    }
}

impl Drop for AtomicFile {
    fn drop(&mut self) {
        // Closed before it is removed: the descriptor goes first.
        drop(self.writer.take());
        if self.pending {
            let _ = std::fs::remove_file(&self.temporary);
            forget(&self.temporary);
        }
    }
}

/// The path a symbolic link finally names, so that the rename replaces that file and keeps the
/// link; any other path as given. A dangling link is replaced by the new file.
fn resolve_link(target: &Path) -> io::Result<PathBuf> {
    let is_link = std::fs::symlink_metadata(target).is_ok_and(|m| m.file_type().is_symlink());
    if !is_link || std::fs::metadata(target).is_err() {
        return Ok(target.to_path_buf());
    }
    std::fs::canonicalize(target)
}

/// Why [`write_set`] stopped: the file it could not write, and the files it had already
/// replaced (each whole) before that.
#[derive(Debug)]
pub struct SetError {
    pub path: PathBuf,
    pub error: io::Error,
    pub replaced: Vec<PathBuf>,
}

impl SetError {
    /// The failure as a diagnostic (`E004`) naming the file, with the ones already replaced.
    pub fn into_diagnostic(self, what: &str) -> Diagnostic {
        let diagnostic = Diagnostic::error("E004", format!("cannot write {what}: {}", self.error))
            .at_path(&self.path);
        if self.replaced.is_empty() {
            return diagnostic;
        }
        let names: Vec<String> = self
            .replaced
            .iter()
            .map(|p| p.display().to_string())
            .collect();
        diagnostic.with_note(format!(
            "{} {what}(s) were already replaced (each whole): {}; the others are unchanged",
            names.len(),
            names.join(", ")
        ))
    }
}

/// Writes a set of files in two phases: every one into its temporary file first (a failure
/// there leaves every target as it was), then each renamed over its target. A rename replaces
/// one file whole, so no file is ever partly written; only a rename failing after others
/// succeeded (an immutable target) leaves a mix of new and old files, listed in the error. The
/// temporary files are closed once written, so a large set holds no descriptor per file.
pub fn write_set(files: &[(PathBuf, String)]) -> Result<(), SetError> {
    let failed = |path: &Path, error, replaced| SetError {
        path: path.to_path_buf(),
        error,
        replaced,
    };
    let mut staged = Vec::with_capacity(files.len());
    for (path, text) in files {
        let mut file = AtomicFile::create(path).map_err(|e| failed(path, e, Vec::new()))?;
        file.write_all(text.as_bytes())
            .and_then(|_| file.close())
            .map_err(|e| failed(path, e, Vec::new()))?;
        staged.push((path, file));
    }
    let mut replaced = Vec::with_capacity(files.len());
    for (path, file) in staged {
        if let Err(error) = file.commit() {
            return Err(failed(path, error, replaced));
        }
        replaced.push(path.clone());
    }
    Ok(())
}

/// Removes every live temporary file (for a process about to end without running destructors).
pub fn remove_temporaries() {
    for path in live().drain(..) {
        let _ = std::fs::remove_file(path);
    }
}

/// On SIGINT or SIGTERM, removes the live temporary files, then ends the process by the same
/// signal with its default action (a shell sees status 130 or 143). The signal is taken on a
/// thread of its own, where removing files and taking the registry's lock are safe (they are not
/// in a signal handler).
pub fn remove_temporaries_on_signals() -> io::Result<()> {
    use signal_hook::consts::{SIGINT, SIGTERM};
    let mut signals = signal_hook::iterator::Signals::new([SIGINT, SIGTERM])?;
    std::thread::Builder::new()
        .name("signals".into())
        .spawn(move || {
            if let Some(signal) = signals.forever().next() {
                remove_temporaries();
                // Restores the default action and raises the signal again; exits if that fails.
                let _ = signal_hook::low_level::emulate_default_handler(signal);
                std::process::exit(128 + signal);
            }
        })?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> crate::test_scratch::Scratch {
        crate::test_scratch::scratch(&format!("output-{name}"))
    }

    fn entries(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn a_failed_rename_leaves_no_temporary() {
        let dir = scratch("rename");
        let target = dir.join("out");
        let mut file = AtomicFile::create(&target).unwrap();
        file.write_all(b"x").unwrap();
        // The target becomes a directory after the file was started: the rename fails.
        std::fs::create_dir(&target).unwrap();
        assert!(file.commit().is_err());
        assert_eq!(entries(&dir), vec!["out".to_string()]);
        assert!(!live().iter().any(|p| p.starts_with(&dir)));
    }

    #[test]
    fn a_closed_file_stays_listed_until_committed_or_dropped() {
        let dir = scratch("closed");
        let mut kept = AtomicFile::create(&dir.join("kept")).unwrap();
        let mut dropped = AtomicFile::create(&dir.join("dropped")).unwrap();
        kept.write_all(b"kept").unwrap();
        dropped.write_all(b"dropped").unwrap();
        kept.close().unwrap();
        dropped.close().unwrap();
        assert!(
            kept.write_all(b"more").is_err(),
            "a closed file takes no writes"
        );
        assert_eq!(live().iter().filter(|p| p.starts_with(&dir)).count(), 2);
        drop(dropped);
        kept.commit().unwrap();
        assert_eq!(entries(&dir), vec!["kept".to_string()]);
        assert_eq!(std::fs::read(dir.join("kept")).unwrap(), b"kept");
        assert!(!live().iter().any(|p| p.starts_with(&dir)));
    }

    #[test]
    fn the_registry_lists_live_files_only() {
        let dir = scratch("registry");
        let file = AtomicFile::create(&dir.join("a")).unwrap();
        assert!(live().iter().any(|p| p.starts_with(&dir)));
        file.commit().unwrap();
        assert!(!live().iter().any(|p| p.starts_with(&dir)));
        assert_eq!(entries(&dir), vec!["a".to_string()]);
    }

    #[test]
    fn a_fifo_is_written_through_and_stays_a_fifo() {
        use std::os::unix::fs::FileTypeExt;
        let dir = scratch("fifo");
        let fifo = dir.join("pipe");
        let reader = crate::test_scratch::FifoReader::new(&fifo);
        let mut file = AtomicFile::create(&fifo).unwrap();
        file.write_all(b"through the pipe\n").unwrap();
        file.commit().unwrap();
        assert_eq!(reader.read(), b"through the pipe\n");
        let kind = std::fs::symlink_metadata(&fifo).unwrap().file_type();
        assert!(kind.is_fifo(), "the FIFO was replaced: {kind:?}");
        assert_eq!(entries(&dir), vec!["pipe".to_string()]);
        assert!(!live().iter().any(|p| p.starts_with(&dir)));
    }

    #[test]
    fn dev_null_is_written_through_never_replaced() {
        use std::os::unix::fs::FileTypeExt;
        let null = Path::new("/dev/null");
        // Only the straight-through path is taken here, so a regression cannot replace the
        // machine's /dev/null: it fails this assertion before anything is written.
        let mut file = AtomicFile::straight_through(null)
            .unwrap()
            .expect("/dev/null is written in place");
        file.write_all(b"discarded").unwrap();
        file.commit().unwrap();
        let kind = std::fs::symlink_metadata(null).unwrap().file_type();
        assert!(kind.is_char_device());
        assert!(!live().iter().any(|p| p.starts_with("/dev")));
    }

    #[test]
    fn a_symbolic_link_is_followed_and_kept() {
        let dir = scratch("link");
        let real = dir.join("real.ndjson");
        std::fs::write(&real, "old").unwrap();
        let link = dir.join("link.ndjson");
        std::os::unix::fs::symlink("real.ndjson", &link).unwrap();
        let mut file = AtomicFile::create(&link).unwrap();
        file.write_all(b"new").unwrap();
        file.commit().unwrap();
        assert!(std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink());
        assert_eq!(std::fs::read(&real).unwrap(), b"new");
        assert_eq!(
            entries(&dir),
            vec!["link.ndjson".to_string(), "real.ndjson".to_string()]
        );
    }

    #[test]
    fn a_dangling_link_is_replaced_by_the_file() {
        let dir = scratch("dangling");
        let link = dir.join("out");
        std::os::unix::fs::symlink("missing/nowhere", &link).unwrap();
        let mut file = AtomicFile::create(&link).unwrap();
        file.write_all(b"x").unwrap();
        file.commit().unwrap();
        assert!(std::fs::symlink_metadata(&link).unwrap().is_file());
        assert_eq!(std::fs::read(&link).unwrap(), b"x");
    }
}
