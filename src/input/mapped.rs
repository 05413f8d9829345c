//! A regular file mapped into memory for `query` to scan where the page cache holds it,
//! guarded so that a file truncated under the mapping is the read error [`super::open`] gives,
//! never a SIGBUS.
//!
//! Why map: `read(2)` copies every byte out of the page cache first. Over the benchmark's
//! 3.09 GB the copy cost 0.5–1.2 s of CPU time, varying with the machine's memory state, on a
//! query of about 1.8 s of user time (`docs/performance.md`, "Twelfth session").
//!
//! The guard: a page of the mapping that the file no longer backs makes the kernel send SIGBUS
//! to the thread that reads it. A handler, installed once, looks the address up in the
//! registered mappings; for one of ours it maps zero pages over the rest of that mapping (the
//! faulting read then sees a zero byte, which no JSON document holds, so the scan falls back
//! and stops) and records the offset. [`Mapped::truncated`] turns that into the error. A
//! SIGBUS anywhere else restores the default action and returns, so the fault repeats and kills
//! the process as it would have without the handler. (It replaces the handler Rust's runtime
//! installs for guard pages, which on Linux fault with SIGSEGV, not SIGBUS; for any other
//! address that one does the same: default action, return.)
//!
//! What mapping does not guard against: bytes rewritten in place while they are read are read
//! as whatever they became (a reader gets a mix of old and new bytes too). Unlike a read copy,
//! they may change after the batch was checked as text, which breaks what Rust's `&str`
//! promises for the text the scanner slices; rewriting an input file in place while `query`
//! reads it is outside the contract, as it is for every program that maps files (memmap2
//! makes its callers accept it, `unsafe`). Truncation, what log rotation does, is guarded.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Seek, SeekFrom};
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::OnceLock;

use super::{is_stdin, Shrinking, GZIP_MAGIC};

/// A mapped file (see the module's description). Dropping it unmaps the file.
pub struct Mapped {
    file: File,
    start: *const u8,
    /// The file's length when it was mapped.
    len: usize,
    slot: &'static Region,
}

/// One registered mapping: the addresses the SIGBUS handler answers for.
struct Region {
    taken: AtomicBool,
    start: AtomicUsize,
    /// The end of the mapping's last page.
    end: AtomicUsize,
    /// The offset of the first page the file stopped backing (`usize::MAX`: none).
    lost: AtomicUsize,
}

/// Mappings open at once at most (`query` maps one input; more are read instead).
const SLOTS: usize = 4;

#[allow(clippy::declare_interior_mutable_const)]
const FREE: Region = Region {
    taken: AtomicBool::new(false),
    start: AtomicUsize::new(0),
    end: AtomicUsize::new(0),
    lost: AtomicUsize::new(usize::MAX),
};

static REGIONS: [Region; SLOTS] = [FREE; SLOTS];

/// Whether the handler is installed (if it could not be, nothing is mapped).
static GUARD: OnceLock<bool> = OnceLock::new();

impl Mapped {
    /// Maps `path` when it is a non-empty regular file that is not gzip; `None` when it is
    /// something to read instead (standard input, a pipe, a device, gzip, an empty file, or a
    /// mapping the system refuses).
    pub fn open(path: &Path) -> io::Result<Option<Mapped>> {
        if is_stdin(path) {
            return Ok(None);
        }
        let file = File::open(path)?;
        let metadata = file.metadata()?;
        let Ok(len) = usize::try_from(metadata.len()) else {
            return Ok(None);
        };
        if !metadata.is_file() || len == 0 {
            return Ok(None);
        }
        if !*GUARD.get_or_init(install_guard) {
            return Ok(None);
        }
        let page = PAGE.load(Ordering::SeqCst);
        let Some(slot) = REGIONS.iter().find(|r| {
            (r.taken)
                .compare_exchange(false, true, Ordering::SeqCst, Ordering::SeqCst)
                .is_ok()
        }) else {
            return Ok(None);
        };
        let Some(start) = map(&file, len) else {
            slot.taken.store(false, Ordering::SeqCst);
            return Ok(None);
        };
        slot.lost.store(usize::MAX, Ordering::SeqCst);
        let end = (start as usize).saturating_add(len.div_ceil(page) * page);
        slot.end.store(end, Ordering::SeqCst);
        slot.start.store(start as usize, Ordering::SeqCst);
        let mapped = Mapped {
            file,
            start,
            len,
            slot,
        };
        if mapped.bytes().starts_with(&GZIP_MAGIC) {
            return Ok(None);
        }
        Ok(Some(mapped))
    }

    /// The whole file as mapped.
    pub fn bytes(&self) -> &[u8] {
        // SAFETY: `start` is a live read-only mapping of `len` bytes until `self` is dropped,
        // and the slice borrows `self`. A page the file stops backing is replaced by zeros
        // (the guard), so every read of the slice returns; bytes the file rewrites meanwhile
        // read as whatever they became (see the module's description).
        unsafe { std::slice::from_raw_parts(self.start, self.len) }
    }

    /// The file up to its last line end (all of it when it ends with one): what is scanned in
    /// place. The rest, an unfinished last line and whatever is appended meanwhile, is
    /// [`Mapped::rest`]'s.
    pub fn lines(&self) -> &[u8] {
        let bytes = self.bytes();
        let end = memchr::memrchr(b'\n', bytes).map_or(0, |i| i + 1);
        &bytes[..end]
    }

    /// The file after [`Mapped::lines`], read as [`super::open`] reads a file: to its end
    /// however far it has grown, and an error if it ends before the length it was mapped with.
    pub fn rest(&self) -> io::Result<Box<dyn BufRead>> {
        let mut file = self.file.try_clone()?;
        let from = self.lines().len() as u64;
        file.seek(SeekFrom::Start(from))?;
        Ok(Box::new(BufReader::with_capacity(
            1 << 16,
            Shrinking {
                file,
                read: from,
                expected: self.len as u64,
            },
        )))
    }

    /// Drops the pages before offset `end` from the process (not from the page cache): the
    /// memory of a scan stays flat over a file of any size. A page read again is faulted in
    /// again from the file, with the same bytes.
    pub fn release(&self, end: usize) {
        let page = PAGE.load(Ordering::SeqCst);
        let end = end.min(self.len) / page * page;
        if end > 0 {
            // SAFETY: `[start, start + end)` lies inside the mapping (page-aligned, at most
            // `len`); dropping pages of a read-only file mapping changes no byte it reads.
            unsafe {
                libc::madvise(self.start.cast_mut().cast(), end, libc::MADV_DONTNEED);
            }
        }
    }

    /// The read error when a page was read after the file stopped backing it; `None` when
    /// every byte read was the file's. A truncation after the last read (a `LIMIT` filled
    /// first, say) is no error, as it is none for a reader that stopped reading: the kernel
    /// takes a truncated page out of every mapping, so reading it again always faults.
    pub fn truncated(&self) -> Option<io::Error> {
        let lost = self.slot.lost.load(Ordering::SeqCst);
        (lost != usize::MAX).then(|| super::truncated_error(lost as u64, self.len as u64))
    }
}

impl Drop for Mapped {
    fn drop(&mut self) {
        self.slot.start.store(0, Ordering::SeqCst);
        self.slot.end.store(0, Ordering::SeqCst);
        // SAFETY: the mapping (zero pages the guard put over part of it included) spans
        // `len` bytes from `start`, and no slice of it outlives `self`.
        unsafe {
            libc::munmap(self.start.cast_mut().cast(), self.len);
        }
        self.slot.taken.store(false, Ordering::SeqCst);
    }
}

/// A shared read-only mapping of `len` bytes of `file`.
fn map(file: &File, len: usize) -> Option<*const u8> {
    use std::os::fd::AsRawFd;
    // SAFETY: a fresh mapping at an address the kernel picks; it aliases no Rust object.
    let start = unsafe {
        libc::mmap(
            std::ptr::null_mut(),
            len,
            libc::PROT_READ,
            libc::MAP_SHARED,
            file.as_raw_fd(),
            0,
        )
    };
    (start != libc::MAP_FAILED).then_some(start.cast::<u8>().cast_const())
}

/// Records the page size and installs the SIGBUS handler; whether both succeeded.
fn install_guard() -> bool {
    // SAFETY: `sysconf` reads a constant; `sigaction` installs a handler that only loads
    // atomics and calls `mmap` and `sigaction`, both async-signal-safe system calls.
    unsafe {
        let Ok(page) = usize::try_from(libc::sysconf(libc::_SC_PAGESIZE)) else {
            return false;
        };
        PAGE.store(page, Ordering::SeqCst);
        let mut action: libc::sigaction = std::mem::zeroed();
        action.sa_sigaction = on_sigbus as *const () as usize;
        action.sa_flags = libc::SA_SIGINFO;
        libc::sigemptyset(&mut action.sa_mask);
        libc::sigaction(libc::SIGBUS, &action, std::ptr::null_mut()) == 0
    }
}

/// The system's page size (set with the handler, which reads it from here).
static PAGE: AtomicUsize = AtomicUsize::new(4096);

/// The SIGBUS handler (see the module's description).
extern "C" fn on_sigbus(_: libc::c_int, info: *mut libc::siginfo_t, _: *mut libc::c_void) {
    // SAFETY: the kernel passes a valid `siginfo_t` to an `SA_SIGINFO` handler.
    let address = unsafe { (*info).si_addr() } as usize;
    let page = PAGE.load(Ordering::SeqCst);
    for region in &REGIONS {
        let start = region.start.load(Ordering::SeqCst);
        let end = region.end.load(Ordering::SeqCst);
        if start == 0 || address < start || address >= end {
            continue;
        }
        let from = address / page * page;
        // SAFETY: `[from, end)` is the registered mapping's tail, page-aligned; replacing it
        // with anonymous zero pages changes what it reads, never what it may be used for.
        let zeros = unsafe {
            libc::mmap(
                from as *mut libc::c_void,
                end - from,
                libc::PROT_READ,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_FIXED,
                -1,
                0,
            )
        };
        if zeros != libc::MAP_FAILED {
            region.lost.fetch_min(from - start, Ordering::SeqCst);
            return;
        }
    }
    // Not a page of ours: the default action, taken when the faulting read repeats.
    // SAFETY: resetting a disposition is async-signal-safe.
    unsafe {
        let mut action: libc::sigaction = std::mem::zeroed();
        action.sa_sigaction = libc::SIG_DFL;
        libc::sigemptyset(&mut action.sa_mask);
        libc::sigaction(libc::SIGBUS, &action, std::ptr::null_mut());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Read, Write};

    fn scratch(name: &str) -> crate::test_scratch::Scratch {
        crate::test_scratch::scratch(&format!("mapped-{name}"))
    }

    #[test]
    fn a_file_truncated_under_the_mapping_reads_zeros_and_is_reported() {
        let dir = scratch("truncated");
        let path = dir.join("log");
        // SAFETY: `sysconf` reads a constant.
        let page = usize::try_from(unsafe { libc::sysconf(libc::_SC_PAGESIZE) }).unwrap();
        let len = 5 * page + 10;
        std::fs::write(&path, vec![b'x'; len]).unwrap();
        let mapped = Mapped::open(&path).unwrap().expect("mapped");
        assert_eq!(mapped.bytes()[0], b'x');
        assert!(mapped.truncated().is_none());
        let file = File::options().write(true).open(&path).unwrap();
        file.set_len(page as u64).unwrap();
        let bytes = mapped.bytes();
        // The first page is still the file's; the lost ones read as zeros, not a signal.
        assert_eq!((bytes[page - 1], bytes[page], bytes[len - 1]), (b'x', 0, 0));
        let error = mapped.truncated().expect("an error").to_string();
        let said = format!("truncated while it was read ({page} of its {len} bytes read");
        assert!(error.contains(&said), "{error}");
    }

    #[test]
    fn lines_stop_at_the_last_line_end_and_the_rest_reads_on_as_the_file_grows() {
        let dir = scratch("rest");
        let path = dir.join("log");
        std::fs::write(&path, "a\nb\nunfinish").unwrap();
        let mapped = Mapped::open(&path).unwrap().expect("mapped");
        assert_eq!(mapped.lines(), b"a\nb\n");
        std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap()
            .write_all(b"ed\nc\n")
            .unwrap();
        let mut rest = String::new();
        mapped.rest().unwrap().read_to_string(&mut rest).unwrap();
        assert_eq!(rest, "unfinished\nc\n");
        assert!(mapped.truncated().is_none());
    }

    #[test]
    fn what_is_not_a_plain_non_empty_file_is_read_instead() {
        let dir = scratch("kinds");
        let empty = dir.join("empty");
        std::fs::write(&empty, "").unwrap();
        let gzip = dir.join("gzip");
        std::fs::write(&gzip, [0x1f, 0x8b, 8, 0]).unwrap();
        for path in [empty.as_path(), gzip.as_path(), Path::new("-")] {
            assert!(Mapped::open(path).unwrap().is_none(), "{path:?}");
        }
        assert!(Mapped::open(&dir.join("missing")).is_err());
    }
}
