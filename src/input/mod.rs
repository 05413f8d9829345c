//! Opening inputs, the one way every command does it: `-` is standard input, gzip is recognised
//! by its magic bytes (whatever the file is called), and a file that shrinks while it is read
//! (log rotation by `copytruncate`) is a read error rather than a silently shorter input.
//!
//! Inputs are read through `read(2)`; `query` maps a plain file instead ([`Mapped`], on Linux),
//! with a guard that turns a truncation under the mapping into the same error, not a SIGBUS.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::Path;

/// A plain file mapped into memory, guarded against truncation.
#[cfg(target_os = "linux")]
mod mapped;
#[cfg(target_os = "linux")]
pub use mapped::Mapped;

/// Where files are not mapped: every input is read.
#[cfg(not(target_os = "linux"))]
pub enum Mapped {}

#[cfg(not(target_os = "linux"))]
impl Mapped {
    pub fn open(_: &Path) -> io::Result<Option<Mapped>> {
        Ok(None)
    }
    pub fn bytes(&self) -> &[u8] {
        match *self {}
    }
    pub fn lines(&self) -> &[u8] {
        match *self {}
    }
    pub fn rest(&self) -> io::Result<Box<dyn BufRead>> {
        match *self {}
    }
    pub fn release(&self, _: usize) {
        match *self {}
    }
    pub fn truncated(&self) -> Option<io::Error> {
        match *self {}
    }
}

/// Gzip's magic bytes (RFC 1952, section 2.3.1).
const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];

/// Whether `path` names standard input.
pub fn is_stdin(path: &Path) -> bool {
    path.as_os_str() == "-"
}

/// Opens `path` (`-`: standard input) for reading, decompressing gzip (all members).
pub fn open(path: &Path) -> io::Result<Box<dyn BufRead>> {
    let raw: Box<dyn Read> = if is_stdin(path) {
        Box::new(io::stdin().lock())
    } else {
        let file = File::open(path)?;
        let metadata = file.metadata()?;
        if metadata.is_dir() {
            return Err(io::Error::new(
                io::ErrorKind::IsADirectory,
                "is a directory, not a file",
            ));
        }
        Box::new(Shrinking {
            file,
            read: 0,
            expected: if metadata.is_file() {
                metadata.len()
            } else {
                0
            },
        })
    };
    let mut buffered = BufReader::with_capacity(1 << 16, raw);
    let is_gzip = buffered.fill_buf()?.starts_with(&GZIP_MAGIC);
    Ok(if is_gzip {
        Box::new(BufReader::with_capacity(
            1 << 16,
            flate2::read::MultiGzDecoder::new(buffered),
        ))
    } else {
        Box::new(buffered)
    })
}

/// Reads all of `path` (`-`: standard input, gzip decompressed) as UTF-8 text.
pub fn read_to_string(path: &Path) -> io::Result<String> {
    let mut text = String::new();
    open(path)?.read_to_string(&mut text)?;
    Ok(text)
}

/// A regular file whose end must not come before the length it had when opened.
struct Shrinking {
    file: File,
    read: u64,
    expected: u64,
}

impl Read for Shrinking {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.file.read(buf)?;
        self.read += n as u64;
        if n == 0 && !buf.is_empty() && self.read < self.expected {
            return Err(truncated_error(self.read, self.expected));
        }
        Ok(n)
    }
}

/// The error of a file that ended after `read` of the `expected` bytes it had when opened.
fn truncated_error(read: u64, expected: u64) -> io::Error {
    io::Error::new(
        io::ErrorKind::UnexpectedEof,
        format!(
            "the file was truncated while it was read ({read} of its {expected} bytes read; \
             rotated with copytruncate?)"
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn scratch(name: &str) -> crate::test_scratch::Scratch {
        crate::test_scratch::scratch(&format!("input-{name}"))
    }

    #[test]
    fn gzip_is_recognised_by_content_not_name() {
        let dir = scratch("gzip");
        let path = dir.join("plain-name.ndjson");
        let mut encoder =
            flate2::write::GzEncoder::new(File::create(&path).unwrap(), Default::default());
        encoder.write_all(b"{\"a\":1}\n").unwrap();
        encoder.finish().unwrap();
        assert_eq!(read_to_string(&path).unwrap(), "{\"a\":1}\n");
        let named = dir.join("not-gzip.gz");
        std::fs::write(&named, "plain\n").unwrap();
        assert_eq!(read_to_string(&named).unwrap(), "plain\n");
    }

    #[test]
    fn a_file_that_shrinks_while_read_is_an_error() {
        let dir = scratch("shrink");
        let path = dir.join("log");
        std::fs::write(&path, vec![b'x'; 200_000]).unwrap();
        let mut reader = open(&path).unwrap();
        let mut first = vec![0; 1000];
        reader.read_exact(&mut first).unwrap();
        File::options()
            .write(true)
            .open(&path)
            .unwrap()
            .set_len(0)
            .unwrap();
        let mut rest = Vec::new();
        let error = reader.read_to_end(&mut rest).unwrap_err();
        assert!(
            error.to_string().contains("truncated while it was read"),
            "{error}"
        );
    }

    #[test]
    fn a_file_that_grows_while_read_is_read_to_its_end() {
        let dir = scratch("grow");
        let path = dir.join("log");
        std::fs::write(&path, "a\n").unwrap();
        let mut reader = open(&path).unwrap();
        let mut line = String::new();
        reader.read_line(&mut line).unwrap();
        std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap()
            .write_all(b"b\n")
            .unwrap();
        let mut rest = String::new();
        reader.read_to_string(&mut rest).unwrap();
        assert_eq!((line.as_str(), rest.as_str()), ("a\n", "b\n"));
    }
}
