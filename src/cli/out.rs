//! Everything the command line writes: results to standard output or an `-o` file (through
//! [`Out`]), diagnostics and notes to standard error. The one module allowed `print!`-family
//! macros (clippy.toml disallows them elsewhere), because they panic on a write error.
//!
//! | code | meaning |
//! |---|---|
//! | `E004` | a result could not be written (full disk, I/O error, a rename that failed) |
//! | `E005` | standard output was closed by its reader (`| head`): the command ends quietly, status 0 |

#![allow(clippy::disallowed_macros)]

use std::io::{self, BufWriter, StdoutLock, Write};
use std::path::Path;

use rulegate::diagnostic::Diagnostic;
use rulegate::output::{AtomicFile, WriteVec};

/// The code of the one "error" that is not one: the reader of standard output went away.
pub const CLOSED_PIPE: &str = "E005";

/// Where a command's result goes: standard output, or a file written atomically.
pub struct Out {
    sink: Sink,
    /// The destination as the user named it, for messages.
    name: String,
}

enum Sink {
    Stdout(BufWriter<StdoutLock<'static>>),
    File(AtomicFile),
}

impl Out {
    pub fn stdout() -> Out {
        Out {
            sink: Sink::Stdout(BufWriter::with_capacity(64 * 1024, io::stdout().lock())),
            name: "standard output".into(),
        }
    }

    /// `-o PATH`: the file (written atomically), or standard output for `-` or no option.
    pub fn create(path: Option<&Path>) -> Result<Out, Vec<Diagnostic>> {
        match path {
            None => Ok(Out::stdout()),
            Some(path) if path.as_os_str() == "-" => Ok(Out::stdout()),
            Some(path) => {
                let file = AtomicFile::create(path).map_err(|error| {
                    vec![
                        Diagnostic::error("E004", format!("cannot write output: {error}"))
                            .at_path(path),
                    ]
                })?;
                Ok(Out {
                    sink: Sink::File(file),
                    name: path.display().to_string(),
                })
            }
        }
    }

    /// The diagnostic for a failed write to this destination.
    pub fn error(&self, error: io::Error) -> Diagnostic {
        match &self.sink {
            Sink::Stdout(_) if error.kind() == io::ErrorKind::BrokenPipe => {
                Diagnostic::error(CLOSED_PIPE, "standard output was closed")
            }
            Sink::Stdout(_) => {
                Diagnostic::error("E004", format!("cannot write to standard output: {error}"))
            }
            Sink::File(_) => Diagnostic::error("E004", format!("cannot write output: {error}"))
                .at_path(&self.name),
        }
    }

    pub fn text(&mut self, text: &str) -> Result<(), Vec<Diagnostic>> {
        self.write_all(text.as_bytes())
            .map_err(|error| vec![self.error(error)])
    }

    /// Flushes standard output, or publishes the file; the result is complete only after this.
    pub fn finish(self) -> Result<(), Vec<Diagnostic>> {
        let Out { sink, name } = self;
        match sink {
            Sink::Stdout(mut writer) => {
                let flushed = writer.flush();
                let probe = Out {
                    sink: Sink::Stdout(writer),
                    name,
                };
                flushed.map_err(|error| vec![probe.error(error)])
            }
            Sink::File(file) => file.commit().map_err(|error| {
                vec![
                    Diagnostic::error("E004", format!("cannot write output: {error}"))
                        .at_path(&name),
                ]
            }),
        }
    }
}

impl Write for Out {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match &mut self.sink {
            Sink::Stdout(writer) => writer.write(buf),
            Sink::File(file) => file.write(buf),
        }
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        match &mut self.sink {
            Sink::Stdout(writer) => writer.write_all(buf),
            Sink::File(file) => file.write_all(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match &mut self.sink {
            Sink::Stdout(writer) => writer.flush(),
            Sink::File(file) => file.flush(),
        }
    }
}

impl WriteVec for Out {
    /// A file takes the buffer whole; standard output copies it into its own.
    fn write_vec(&mut self, bytes: &mut Vec<u8>) -> io::Result<()> {
        match &mut self.sink {
            Sink::Stdout(writer) => {
                writer.write_all(bytes)?;
                bytes.clear();
                Ok(())
            }
            Sink::File(file) => file.write_vec(bytes),
        }
    }
}

/// Writes a command's whole result to standard output.
pub fn print(text: &str) -> Result<(), Vec<Diagnostic>> {
    let mut out = Out::stdout();
    out.text(text)?;
    out.finish()
}

/// Writes `text` to `path` atomically (its directory must exist).
pub fn write_file(path: &Path, text: &str) -> Result<(), Vec<Diagnostic>> {
    let mut out = Out::create(Some(path))?;
    out.text(text)?;
    out.finish()
}

/// Writes to standard error. Nothing is left to report a failure to, so none is reported (and
/// none panics, as `eprint!` would).
pub fn eprint(text: &str) {
    let mut stderr = io::stderr().lock();
    let _ = stderr.write_all(text.as_bytes());
    let _ = stderr.flush();
}
