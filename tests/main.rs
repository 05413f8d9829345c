//! The one integration-test binary. Each module tests one stage through the public API or the
//! built binary; snapshots live under `snapshots/<area>/`, named after their input files.
//!
//! | module | what it checks |
//! |---|---|
//! | `scenarios` | scenario library snapshots, determinism, fast writer = canonical mapping, quickcheck, bad input |
//! | `support` | shared helpers: the `snapshot!` macro, paths, running the binary |
//! | `check` | `rulegate check`: green on the tree, red naming changed scenarios, exit 2 on bad input |
//! | `edges` | `rulegate edges` on the seed rule: the derived model and the scenarios written |
//! | `replay` | `rulegate replay`: JSON shape, overlap duplicate with the engine, `--raw`, `--first-run`, bad input |
//! | `runs` | the snapshot suite: every scenario's run report under `snapshots/runs/`, its expectations, no orphans |
//! | `schedule` | the scheduler's edges with a fake engine: windows, `NOW()`, ids, duplicates, suppression |
//! | `audit` | ECS mapping vs Elastic's pipeline samples; `rulegate ingest` on every raw sample, .gz, EventList, AKS, bad lines |

mod audit;
mod check;
mod edges;
mod replay;
mod runs;
mod scenarios;
mod schedule;
mod support;
