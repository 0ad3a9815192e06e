//! The partial format (`stance analyze --format partial`, and a checkpoint's `partial.jsonl`):
//! the mergeable state of a run, which `stance merge` ([`crate::run::partial`]) combines across
//! shards. A partial is JSON Lines:
//!
//! ```text
//! {"type": "partial",  "data": {"partial_version": 1, "schema_version": 1, "shard": N,
//!                               "model": fingerprint, "lexicon": fingerprint, "by": [...],
//!                               "evidence": k, "actors": [...]}}
//! {"type": "document", "data": DocumentReport}        every document and error, in input order,
//! {"type": "error",    "data": ErrorReport}           with records counted within the shard
//! {"type": "totals",   "data": TotalsSnapshot}        exact integer sums; last line: its absence
//!                                                     means the run did not finish
//! ```
//!
//! Invariant: a line is written as its document or error arrives, so a partial of any size
//! streams, and only [`Sink::finish`] writes the totals line.

use std::io::Write;

use anyhow::Result;
use serde::{Deserialize, Serialize};

use super::{ActorInfo, Closing, DocumentReport, ErrorReport, Sink};
use crate::input::InputError;

pub const PARTIAL_VERSION: u32 = 1;

/// What a partial was made with; partials merge only when all of it but `shard` agrees.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PartialHeader {
    pub partial_version: u32,
    pub schema_version: u32,
    /// The shard's place in the whole input (0, 1, 2, ...).
    pub shard: u64,
    /// Fingerprint of the model's files and the precision.
    pub model: String,
    /// Fingerprint of the actors and their aliases.
    pub lexicon: String,
    pub by: Vec<String>,
    pub evidence: usize,
    pub actors: Vec<ActorInfo>,
}

#[derive(Serialize)]
struct Line<'a, T> {
    #[serde(rename = "type")]
    kind: &'a str,
    data: T,
}

/// Writes a partial (`--format partial`).
pub struct PartialSink<W: Write> {
    out: W,
    header: PartialHeader,
}

impl<W: Write> PartialSink<W> {
    /// `header.actors` is filled in by `begin`.
    pub fn new(out: W, header: PartialHeader) -> Self {
        PartialSink { out, header }
    }
    fn line(&mut self, kind: &str, data: impl Serialize) -> Result<()> {
        serde_json::to_writer(&mut self.out, &Line { kind, data })?;
        self.out.write_all(b"\n")?;
        Ok(())
    }
}

impl<W: Write> Sink for PartialSink<W> {
    fn begin(&mut self, actors: &[ActorInfo]) -> Result<()> {
        self.header.actors = actors.to_vec();
        let header = self.header.clone();
        self.line("partial", header)
    }
    fn document(&mut self, d: &DocumentReport) -> Result<()> {
        self.line("document", d)
    }
    fn error(&mut self, e: &InputError) -> Result<()> {
        self.line("error", ErrorReport::from(e))
    }
    fn flush(&mut self) -> Result<()> {
        self.out.flush()?;
        Ok(())
    }
    /// The run's sums are the partial's last line: its absence means the run did not finish.
    fn finish(&mut self, end: &Closing) -> Result<()> {
        self.line("totals", &end.totals)?;
        self.out.flush()?;
        Ok(())
    }
}
