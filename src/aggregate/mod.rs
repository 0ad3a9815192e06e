//! The aggregate stage: scored mentions in, profiles out. [`sums`] holds the exact per-actor sums
//! of a document, group or corpus, [`groups`] the keys of `--by`, [`totals`] the run's mergeable
//! state (authors, groups, corpus, summary), and [`stats`] with [`compare`] the document-level
//! statistics that tell whether groups differ.
//!
//! Invariant: sums are integers and merges are associative and commutative, so one thread, many
//! workers or many shards merged later give the same profiles.

pub mod compare;
pub mod groups;
pub mod stats;
pub mod sums;
pub mod totals;

/// Four decimals: every stance, distribution, interval and p-value a profile or comparison writes
/// is rounded here, so the same number prints the same way everywhere.
pub(crate) fn round4(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}
