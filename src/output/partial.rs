//! The partial format (`stance analyze --format partial`, and a checkpoint's `partial.jsonl`):
//! the mergeable state of a run, which `stance merge` ([`crate::run::partial`]) combines across
//! shards. A partial is JSON Lines ([`super::line`]):
//!
//! ```text
//! {"type": "partial",  "data": {"partial_version": 2, "schema_version": 1, "shard": N, "shards": T,
//!                               "model": fingerprint, "lexicon": fingerprint, "by": [...],
//!                               "evidence": k, "actors": [...]}}
//! {"type": "document", "data": DocumentReport}        every document and error, in input order,
//! {"type": "error",    "data": ErrorReport}           with records counted within the shard
//! {"type": "totals",   "data": TotalsSnapshot,        exact integer sums; last line: its absence
//!  "checksum": hex}                                   means the run did not finish
//! ```
//!
//! `checksum` is a 64-bit FNV-1a hash ([`LineHash`]) over the bytes of every line before it (with
//! their newlines) and then the totals' `data` as written: `merge` recomputes it, so an edited,
//! cut or spliced partial is refused instead of merged into figures no run produced.
//!
//! Invariant: a line is written as its document or error arrives, so a partial of any size
//! streams, and only [`Sink::finish`] writes the totals line.

use std::io::Write;

use anyhow::Result;
use serde::{Deserialize, Serialize};

use super::line::{Line, LineKind};
use super::{ActorInfo, Closing, DocumentReport, ErrorReport, Sink};
use crate::input::InputError;

/// Version 2 added the checksum.
pub const PARTIAL_VERSION: u32 = 2;

/// The running hash behind a partial's checksum: FNV-1a over bytes, 64 bits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LineHash(u64);

impl Default for LineHash {
    fn default() -> Self {
        LineHash(0xcbf2_9ce4_8422_2325)
    }
}

impl LineHash {
    pub fn update(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 ^= u64::from(b);
            self.0 = self.0.wrapping_mul(0x0100_0000_01b3);
        }
    }
    /// The hash as 16 hex digits.
    pub fn hex(&self) -> String {
        format!("{:016x}", self.0)
    }
    /// The hash of the first `bytes` bytes of the file at `path` (a checkpoint's partial, before
    /// the run goes on appending to it).
    pub fn of_file_prefix(path: &std::path::Path, bytes: u64) -> std::io::Result<LineHash> {
        use std::io::Read;
        let mut h = LineHash::default();
        let mut f = std::fs::File::open(path)?.take(bytes);
        let mut buf = vec![0u8; 1 << 16];
        loop {
            let n = f.read(&mut buf)?;
            if n == 0 {
                return Ok(h);
            }
            h.update(&buf[..n]);
        }
    }
}

/// What a partial was made with; partials merge only when all of it but `shard` agrees.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PartialHeader {
    pub partial_version: u32,
    pub schema_version: u32,
    /// The shard's place in the whole input (0, 1, 2, ...).
    pub shard: u64,
    /// How many shards the whole input is cut into (`analyze --shards N`), so that `merge` notices
    /// a missing last shard. Absent where the run did not say (and then not written at all, so
    /// partials of runs without it keep their bytes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shards: Option<u64>,
    /// Fingerprint of the model's files and the precision.
    pub model: String,
    /// Fingerprint of the actors and their aliases.
    pub lexicon: String,
    pub by: Vec<String>,
    pub evidence: usize,
    pub actors: Vec<ActorInfo>,
}

/// Writes a partial (`--format partial`).
pub struct PartialSink<W: Write> {
    out: W,
    header: PartialHeader,
    hash: LineHash,
    buf: Vec<u8>,
}

impl<W: Write> PartialSink<W> {
    /// `header.actors` is filled in by `begin`.
    pub fn new(out: W, header: PartialHeader) -> Self {
        Self::continuing(out, header, LineHash::default())
    }
    /// A sink appending to a partial whose lines so far hash to `hash` (a resumed checkpoint).
    pub fn continuing(out: W, header: PartialHeader, hash: LineHash) -> Self {
        PartialSink { out, header, hash, buf: Vec::new() }
    }
    fn line(&mut self, kind: LineKind, data: impl Serialize) -> Result<()> {
        self.buf.clear();
        Line::new(kind, data).write(&mut self.buf)?;
        self.hash.update(&self.buf);
        self.out.write_all(&self.buf)?;
        Ok(())
    }
}

impl<W: Write> Sink for PartialSink<W> {
    fn begin(&mut self, actors: &[ActorInfo]) -> Result<()> {
        self.header.actors = actors.to_vec();
        let header = self.header.clone();
        self.line(LineKind::Partial, header)
    }
    fn document(&mut self, d: &DocumentReport) -> Result<()> {
        self.line(LineKind::Document, d)
    }
    fn error(&mut self, e: &InputError) -> Result<()> {
        self.line(LineKind::Error, ErrorReport::from(e))
    }
    fn flush(&mut self) -> Result<()> {
        self.out.flush()?;
        Ok(())
    }
    /// The run's sums are the partial's last line: its absence means the run did not finish.
    fn finish(&mut self, end: &Closing) -> Result<()> {
        let data = serde_json::value::to_raw_value(&end.totals)?;
        let mut hash = self.hash;
        hash.update(data.get().as_bytes());
        Line { kind: LineKind::Totals, data: &data, checksum: Some(hash.hex()) }.write(&mut self.out)?;
        self.out.flush()?;
        Ok(())
    }
}
