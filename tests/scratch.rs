//! Scratch directories and files for tests, removed when dropped (kept when a test panics).
//! One implementation for the integration tests (`support`) and the library's unit tests
//! (`src/lib.rs` includes this file as `test_scratch`).

#![allow(dead_code)]

use std::path::{Path, PathBuf};

/// A directory of a test's own under the system's temporary directory, removed when the test
/// ends. A failing test keeps it (a panic is unwinding), so its files can be looked at.
pub struct Scratch(PathBuf);

/// A fresh, empty `Scratch` named `rulegate-<name>-<process>-<n>`: `n` counts the directories this
/// process made, so two tests (or two calls of one test) never share one.
pub fn scratch(name: &str) -> Scratch {
    static MADE: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = MADE.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("rulegate-{name}-{}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    Scratch(dir)
}

impl std::ops::Deref for Scratch {
    type Target = Path;
    fn deref(&self) -> &Path {
        &self.0
    }
}

impl AsRef<Path> for Scratch {
    fn as_ref(&self) -> &Path {
        &self.0
    }
}

impl AsRef<std::ffi::OsStr> for Scratch {
    fn as_ref(&self) -> &std::ffi::OsStr {
        self.0.as_os_str()
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

/// A file written into a `Scratch` of its own; the directory goes when the file is dropped.
pub struct ScratchFile {
    path: PathBuf,
    _dir: Scratch,
}

/// Writes `bytes` to `name` in a fresh scratch directory named after `area`.
pub fn scratch_file(area: &str, name: &str, bytes: &[u8]) -> ScratchFile {
    let dir = scratch(area);
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    ScratchFile { path, _dir: dir }
}

impl std::ops::Deref for ScratchFile {
    type Target = Path;
    fn deref(&self) -> &Path {
        &self.path
    }
}

impl AsRef<Path> for ScratchFile {
    fn as_ref(&self) -> &Path {
        &self.path
    }
}

impl AsRef<std::ffi::OsStr> for ScratchFile {
    fn as_ref(&self) -> &std::ffi::OsStr {
        self.path.as_os_str()
    }
}

/// A FIFO made at `path` and a thread reading it to its end: call [`FifoReader::read`] once
/// the writer under test is done. The FIFO is held open both ways until then, so that no open
/// blocks and the reader sees the end once the writer closes, even if a regression replaced
/// the FIFO with a file (the reader then gets nothing, instead of waiting forever).
pub struct FifoReader {
    keeper: std::fs::File,
    reader: std::thread::JoinHandle<Vec<u8>>,
}

impl FifoReader {
    pub fn new(path: &Path) -> FifoReader {
        let made = std::process::Command::new("mkfifo")
            .arg(path)
            .status()
            .unwrap();
        assert!(made.success(), "mkfifo {}", path.display());
        let keeper = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open(path)
            .unwrap();
        // Opened here, not in the thread: opened after every writer closed, it would wait for
        // a writer forever.
        let mut read_end = std::fs::File::open(path).unwrap();
        let reader = std::thread::spawn(move || {
            let mut bytes = Vec::new();
            std::io::Read::read_to_end(&mut read_end, &mut bytes).unwrap();
            bytes
        });
        FifoReader { keeper, reader }
    }

    /// Everything written to the FIFO (after the writer closed it).
    pub fn read(self) -> Vec<u8> {
        drop(self.keeper);
        self.reader.join().unwrap()
    }
}
