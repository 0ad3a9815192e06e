//! What drives the stages: [`analyze`] runs input -> text -> score -> aggregate -> output over
//! chunks of records, on the ordered worker [`pool`]; [`partial`] writes the run's mergeable state
//! and merges the partials of shards; [`checkpoint`] saves it so a killed run resumes.
//!
//! Invariant: whatever the workers, shards or restarts, a run's output is the bytes of one
//! uninterrupted run over the same input with the same chunk boundaries.

pub mod analyze;
pub mod checkpoint;
pub mod partial;
pub mod pool;
