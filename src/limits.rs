//! Caps on the work a number taken from input can ask for, where Elasticsearch has no limit of
//! its own to copy; each is named in its error with the command-line flag that raises it.
//!
//! | cap | default | flag | what it bounds |
//! |---|---|---|---|
//! | requests | 10,000,000 | `--max-requests` | requests one scenario generates (steps' `requests`/`for`×`repeat`, `[[noise]]`) |
//! | executions | 1,000,000 | `--max-executions` | rule executions one replay plans (counted before any runs) |
//! | document reads | 100,000,000 | `--max-reads` | documents all of one replay's executions read together |
//! | expanded rows | 1,000,000 | `--max-rows` | rows `MV_EXPAND` makes from one row (held at once) |
//! | groups | 10,000,000 | `--max-groups` | groups one `STATS` holds (multivalued keys included) |
//! | lookup file | 256 MiB | — | bytes of one lookup index file (`--lookup`, `[lookups]`; `E313`) |
//! | lookup rows | 1,000,000 | — | documents of one lookup index, so rows one row joins into (`E313`) |
//! | lookup indices | 64 | — | lookup indices one command loads (`--lookup` and `[lookups]`; `E313`) |
//!
//! Limits Elasticsearch does define are kept where it keeps them: string results over 1 MB
//! (`eval::functions`), regular-expression automata over 10,000 states (`eval::pattern`), a
//! `CHANGE_POINT` series over 1,000 values (`eval::plan::change_point`).
//!
//! The caps are process-wide: the command line sets them once, before any work; the library reads
//! them where the work is counted. Diagnostics use codes `E010`–`E015`:
//!
//! | code | problem |
//! |---|---|
//! | `E010` | a scenario would generate more requests than `--max-requests` |
//! | `E011` | a replay would run more executions than `--max-executions` |
//! | `E012` | a replay's executions would read more documents than `--max-reads` |
//! | `E013` | `MV_EXPAND` would make more rows from one row than `--max-rows` |
//! | `E014` | a query fails while it runs: `CONCAT` over 1 MB (Elasticsearch's 400), a multivalue result over its cap |
//! | `E015` | a `STATS` would hold more groups than `--max-groups` |

use std::sync::atomic::{AtomicU64, Ordering};

pub const DEFAULT_MAX_REQUESTS: u64 = 10_000_000;
pub const DEFAULT_MAX_EXECUTIONS: u64 = 1_000_000;
pub const DEFAULT_MAX_READS: u64 = 100_000_000;
pub const DEFAULT_MAX_ROWS: u64 = 1_000_000;
pub const DEFAULT_MAX_GROUPS: u64 = 10_000_000;
/// Most categories one `CATEGORIZE` grouping makes, whatever `--max-groups` says: each string
/// is compared with every category (a weighted edit distance over up to 100 tokens each), so
/// the categories bound the work per row.
pub const MAX_CATEGORIES: u64 = 10_000;
/// Largest lookup index file `LOOKUP JOIN` reads (`--lookup`, `[lookups]`): 256 MiB. A lookup
/// index is held in memory whole, as Elasticsearch's lookup indices are one shard.
pub const MAX_LOOKUP_FILE_BYTES: u64 = 256 << 20;
/// Most documents one lookup index may hold; it bounds the rows one input row can become.
pub const MAX_LOOKUP_ROWS: usize = 1_000_000;
/// Most lookup indices one command loads (`--lookup` and `[lookups]` together): each is held in
/// memory whole, so their count bounds memory with the file cap.
pub const MAX_LOOKUP_INDICES: usize = 64;

static MAX_REQUESTS: AtomicU64 = AtomicU64::new(DEFAULT_MAX_REQUESTS);
static MAX_EXECUTIONS: AtomicU64 = AtomicU64::new(DEFAULT_MAX_EXECUTIONS);
static MAX_READS: AtomicU64 = AtomicU64::new(DEFAULT_MAX_READS);
static MAX_ROWS: AtomicU64 = AtomicU64::new(DEFAULT_MAX_ROWS);
static MAX_GROUPS: AtomicU64 = AtomicU64::new(DEFAULT_MAX_GROUPS);

/// The caps a command runs with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    pub max_requests: u64,
    pub max_executions: u64,
    pub max_reads: u64,
    pub max_rows: u64,
    pub max_groups: u64,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_requests: DEFAULT_MAX_REQUESTS,
            max_executions: DEFAULT_MAX_EXECUTIONS,
            max_reads: DEFAULT_MAX_READS,
            max_rows: DEFAULT_MAX_ROWS,
            max_groups: DEFAULT_MAX_GROUPS,
        }
    }
}

/// Sets the caps for the rest of the process (the command line does this once, first).
pub fn set(limits: Limits) {
    MAX_REQUESTS.store(limits.max_requests, Ordering::Relaxed);
    MAX_EXECUTIONS.store(limits.max_executions, Ordering::Relaxed);
    MAX_READS.store(limits.max_reads, Ordering::Relaxed);
    MAX_ROWS.store(limits.max_rows, Ordering::Relaxed);
    MAX_GROUPS.store(limits.max_groups, Ordering::Relaxed);
}

/// The caps in force.
pub fn get() -> Limits {
    Limits {
        max_requests: MAX_REQUESTS.load(Ordering::Relaxed),
        max_executions: MAX_EXECUTIONS.load(Ordering::Relaxed),
        max_reads: MAX_READS.load(Ordering::Relaxed),
        max_rows: MAX_ROWS.load(Ordering::Relaxed),
        max_groups: MAX_GROUPS.load(Ordering::Relaxed),
    }
}
