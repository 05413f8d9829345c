//! Write-behind for output files: bytes are gathered in buffers of [`BUFFER`] bytes and each full
//! one is handed to a thread of its own that writes it, so that the `write` system calls (the
//! copy into the page cache, block allocation, reclaim when memory is short) run beside the
//! work that makes the bytes instead of after it. A file smaller than one buffer never starts
//! the thread: it is written on the caller's thread when it is finished.
//!
//! At most [`QUEUED`] full buffers wait for the thread (memory stays a few MB). A write error on
//! the thread stops it; the caller sees the error at its next hand-off, [`WriteBehind::flush`]
//! or [`WriteBehind::finish`], never later than `finish`.

use std::fs::File;
use std::io::{self, Write};
use std::sync::mpsc::{channel, sync_channel, Receiver, SyncSender};
use std::thread::JoinHandle;

/// Bytes gathered before a buffer is handed off.
pub const BUFFER: usize = 1 << 20;

/// Full buffers that may wait for the writing thread.
const QUEUED: usize = 2;

/// Room past [`BUFFER`] in every buffer this module allocates: a caller that fills a buffer
/// given back by [`WriteBehind::write_vec`] until it passes [`BUFFER`] ends within it, without
/// growing (and so copying) it, unless its last piece is larger than this.
pub const SLACK: usize = 64 * 1024;

/// The smallest buffer [`WriteBehind::write_vec`] takes whole; smaller ones are copied.
pub const TAKEN_WHOLE: usize = 128 * 1024;

fn fresh() -> Vec<u8> {
    Vec::with_capacity(BUFFER + SLACK)
}

/// A file written through a thread once more than one buffer of it is written.
pub struct WriteBehind {
    /// The file, until the thread takes it.
    file: Option<File>,
    buffer: Vec<u8>,
    worker: Option<Worker>,
}

struct Worker {
    full: SyncSender<Vec<u8>>,
    /// Buffers written, back for reuse.
    empty: Receiver<Vec<u8>>,
    /// Buffers sent and not yet back.
    outstanding: usize,
    thread: JoinHandle<io::Result<File>>,
}

impl WriteBehind {
    pub fn new(file: File) -> WriteBehind {
        WriteBehind {
            file: Some(file),
            buffer: fresh(),
            worker: None,
        }
    }

    /// Writes `bytes` and leaves it empty. A buffer of at least [`TAKEN_WHOLE`] bytes is taken
    /// whole, without a copy: it goes to the thread as it is and `bytes` becomes a written
    /// buffer back for reuse (at least [`BUFFER`] + [`SLACK`] bytes of capacity, or the
    /// capacity of one the caller handed over before). Bytes already written go first.
    pub fn write_vec(&mut self, bytes: &mut Vec<u8>) -> io::Result<()> {
        if bytes.len() < TAKEN_WHOLE {
            self.write_all(bytes)?;
            bytes.clear();
            return Ok(());
        }
        self.hand_off()?;
        std::mem::swap(&mut self.buffer, bytes);
        self.hand_off()
    }

    /// Hands the buffer to the thread (started on the first call).
    fn hand_off(&mut self) -> io::Result<()> {
        if self.buffer.is_empty() {
            return Ok(());
        }
        if self.worker.is_none() {
            self.start()?;
        }
        let Some(worker) = self.worker.as_mut() else {
            // No thread could be started: written here.
            return self.write_here();
        };
        let spare = match worker.empty.try_recv() {
            Ok(spare) => {
                worker.outstanding -= 1;
                spare
            }
            Err(_) => fresh(),
        };
        let full = std::mem::replace(&mut self.buffer, spare);
        if worker.full.send(full).is_err() {
            return Err(self.stop());
        }
        worker.outstanding += 1;
        Ok(())
    }

    /// Starts the writing thread; when none can be started the file stays here.
    fn start(&mut self) -> io::Result<()> {
        let Some(mut file) = self.file.take() else {
            return Err(closed());
        };
        let (full, queue) = sync_channel::<Vec<u8>>(QUEUED);
        let (back, empty) = channel::<Vec<u8>>();
        let shared = file.try_clone();
        let spawned = std::thread::Builder::new()
            .name("write-behind".into())
            .spawn(move || {
                for mut buffer in queue {
                    file.write_all(&buffer)?;
                    buffer.clear();
                    // The caller may have stopped taking buffers back: nothing to do then.
                    let _ = back.send(buffer);
                }
                Ok(file)
            });
        match spawned {
            Ok(thread) => {
                self.worker = Some(Worker {
                    full,
                    empty,
                    outstanding: 0,
                    thread,
                });
                Ok(())
            }
            // The closure (and the file in it) is gone: the clone stands in for it.
            Err(_) => {
                self.file = Some(shared?);
                Ok(())
            }
        }
    }

    fn write_here(&mut self) -> io::Result<()> {
        let file = self.file.as_mut().ok_or_else(closed)?;
        file.write_all(&self.buffer)?;
        self.buffer.clear();
        Ok(())
    }

    /// Ends the thread and says why it stopped early (its write error).
    fn stop(&mut self) -> io::Error {
        match self.worker.take().map(|worker| {
            drop(worker.full);
            worker.thread.join()
        }) {
            Some(Ok(Err(error))) => error,
            Some(Err(_)) => io::Error::other("the thread writing the output stopped"),
            _ => io::Error::other("the output stopped taking writes"),
        }
    }

    /// Writes everything and gives the file back (closed by dropping it).
    pub fn finish(mut self) -> io::Result<File> {
        let Some(worker) = self.worker.take() else {
            self.write_here()?;
            return self.file.take().ok_or_else(closed);
        };
        let rest = std::mem::take(&mut self.buffer);
        let sent = rest.is_empty() || worker.full.send(rest).is_ok();
        drop(worker.full);
        match worker.thread.join() {
            Ok(Ok(file)) if sent => Ok(file),
            Ok(Ok(_)) => Err(io::Error::other("the output stopped taking writes")),
            Ok(Err(error)) => Err(error),
            Err(_) => Err(io::Error::other("the thread writing the output stopped")),
        }
    }
}

fn closed() -> io::Error {
    io::Error::other("the file was closed for writing")
}

impl Write for WriteBehind {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.write_all(buf)?;
        Ok(buf.len())
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        self.buffer.extend_from_slice(buf);
        if self.buffer.len() >= BUFFER {
            self.hand_off()?;
        }
        Ok(())
    }

    /// Waits until every byte written so far is in the file.
    fn flush(&mut self) -> io::Result<()> {
        if self.worker.is_none() {
            self.write_here()?;
            return self.file.as_mut().ok_or_else(closed)?.flush();
        }
        self.hand_off()?;
        while let Some(worker) = self.worker.as_mut() {
            if worker.outstanding == 0 {
                break;
            }
            match worker.empty.recv() {
                Ok(spare) => {
                    worker.outstanding -= 1;
                    drop(spare);
                }
                Err(_) => return Err(self.stop()),
            }
        }
        Ok(())
    }
}

impl Drop for WriteBehind {
    /// Without [`WriteBehind::finish`] (a run that failed): the thread writes what it has and
    /// ends before the file is removed.
    fn drop(&mut self) {
        if let Some(worker) = self.worker.take() {
            drop(worker.full);
            let _ = worker.thread.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_arrive_whole_and_in_order_across_many_buffers() {
        let dir = crate::test_scratch::scratch("write-behind");
        let path = dir.join("out");
        let mut writer = WriteBehind::new(File::create(&path).unwrap());
        let mut expected = Vec::new();
        for i in 0..40_000u32 {
            // Pieces of varied size, some larger than a buffer.
            let piece = match i % 1000 {
                999 => vec![b'x'; BUFFER + 17],
                _ => format!("{i}:{}\n", "y".repeat((i % 97) as usize)).into_bytes(),
            };
            writer.write_all(&piece).unwrap();
            expected.extend_from_slice(&piece);
            if i == 20_000 {
                writer.flush().unwrap();
                let written = std::fs::read(&path).unwrap();
                assert_eq!(written, expected, "flush waits for every byte");
            }
        }
        assert!(writer.worker.is_some(), "the thread took the buffers");
        drop(writer.finish().unwrap());
        assert!(std::fs::read(&path).unwrap() == expected);
    }

    #[test]
    fn buffers_handed_over_whole_arrive_in_order_between_copied_writes() {
        let dir = crate::test_scratch::scratch("write-behind-vec");
        let path = dir.join("out");
        let mut writer = WriteBehind::new(File::create(&path).unwrap());
        let mut expected = Vec::new();
        let mut mine = Vec::new();
        for i in 0..60u32 {
            // Copied pieces, buffers under the size taken whole, and buffers taken whole.
            let len = match i % 3 {
                0 => 100 + i as usize,
                1 => TAKEN_WHOLE - 1,
                _ => TAKEN_WHOLE + 1000 * i as usize,
            };
            let byte = b'a' + (i % 26) as u8;
            if i % 5 == 0 {
                let piece = vec![byte; len];
                writer.write_all(&piece).unwrap();
                expected.extend_from_slice(&piece);
                continue;
            }
            mine.resize(len, byte);
            expected.extend_from_slice(&mine);
            writer.write_vec(&mut mine).unwrap();
            assert!(mine.is_empty(), "the buffer comes back empty");
        }
        drop(writer.finish().unwrap());
        assert!(std::fs::read(&path).unwrap() == expected);
    }

    #[test]
    fn a_small_file_is_written_without_a_thread() {
        let dir = crate::test_scratch::scratch("write-behind-small");
        let path = dir.join("out");
        let mut writer = WriteBehind::new(File::create(&path).unwrap());
        writer.write_all(b"small").unwrap();
        assert!(writer.worker.is_none());
        drop(writer.finish().unwrap());
        assert_eq!(std::fs::read(&path).unwrap(), b"small");
    }

    #[test]
    fn a_write_error_on_the_thread_reaches_the_caller() {
        // /dev/full refuses every write (ENOSPC), as a full disk does.
        let full = std::fs::OpenOptions::new()
            .write(true)
            .open("/dev/full")
            .unwrap();
        let mut writer = WriteBehind::new(full);
        let chunk = vec![b'z'; BUFFER / 3];
        let mut failed = None;
        for _ in 0..30 {
            if let Err(error) = writer.write_all(&chunk) {
                failed = Some(error);
                break;
            }
        }
        let error = match failed {
            Some(error) => error,
            None => writer.finish().unwrap_err(),
        };
        assert_eq!(error.raw_os_error(), Some(28), "{error}"); // ENOSPC
    }
}
