//! The one integration-test binary. Each module tests one stage through the public API or the
//! built binary; snapshots live under `snapshots/<area>/`, named after their input files.
//!
//! | module | what it checks |
//! |---|---|
//! | `scenarios` | scenario library snapshots, determinism, fast writer = canonical mapping, quickcheck, bad input |
//! | `support` | shared helpers: the `snapshot!` macro, paths, running the binary |
//! | `analysis` | exclusions, indicators, kinds, locations, group-by and output fields |
//! | `check` | `rulegate check`: green on the tree, red naming changed scenarios, exit 2 on bad input |
//! | `cli` | help texts, usage errors, exit codes |
//! | `corpus` | all 212 detection-rules ES\|QL rules load and parse (or are unsupported) |
//! | `doc` | `rulegate doc`: the committed false-positive page is current, its verdicts, `-o` errors |
//! | `edges` | `rulegate edges` on the seed rule: the derived model and the scenarios written |
//! | `explain` | `rulegate explain`: each document's fate (conjunct, false vs null, group) |
//! | `errors` | one caret diagnostic per error kind from `tests/data/invalid/`, exit code 2 |
//! | `inspect` | `inspect` of the seed rule in text, JSON and Markdown |
//! | `properties` | quickcheck: generated trees survive print → parse; printing is idempotent |
//! | `replay` | `rulegate replay`: JSON shape, overlap duplicate with the engine, `--raw`, `--first-run`, bad input |
//! | `rules` | rule loading: schedule defaults, validation, query spans in the TOML file |
//! | `runs` | the snapshot suite: every scenario's run report under `snapshots/runs/`, its expectations, no orphans |
//! | `schedule` | the scheduler's edges with a fake engine: windows, `NOW()`, ids, duplicates, suppression |
//! | `spans` | span invariants by slicing the source (used by `corpus` too) |
//! | `syntax` | parser snapshots of `tests/data/parse/`, precedence, spelling, limits, `5m` |
//! | `audit` | ECS mapping vs Elastic's pipeline samples; `rulegate ingest` on every raw sample, .gz, EventList, AKS, bad lines |

mod analysis;
mod audit;
mod check;
mod cli;
mod corpus;
mod doc;
mod edges;
mod errors;
mod explain;
mod inspect;
mod properties;
mod replay;
mod rules;
mod runs;
mod scenarios;
mod schedule;
mod spans;
mod support;
mod syntax;
