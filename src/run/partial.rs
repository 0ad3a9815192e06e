//! The merge of partial results (`stance merge`; the partial format and its sink are in
//! [`crate::output::partial`]), and the fingerprints that tell partials of different runs apart.
//!
//! `merge` reads any number of partials, refuses ones made with another model, lexicon, grouping,
//! evidence count or format version, orders them by `shard` (the shard's place in the whole input),
//! renumbers records past the shards before, replays documents and errors into a sink and adds up
//! the sums: the output is the one a single run over the shards' inputs in shard order gives, byte
//! for byte (with the same chunk boundaries: libtorch's numbers move in the 7th digit with the
//! batch, so each shard should hold whole chunks).
//!
//! Invariant: a merge never holds more than one shard's sums and one line at a time besides the
//! running totals and 8 bytes per document id.

use std::collections::HashMap;
use std::io::BufRead;
use std::path::{Path, PathBuf};

use anyhow::{bail, ensure, Context, Result};

use crate::aggregate::groups::Grouping;
use crate::aggregate::totals::{Totals, TotalsSnapshot};
use crate::input::InputError;
use crate::output::line::{Line, LineKind};
use crate::output::partial::{LineHash, PartialHeader, PARTIAL_VERSION};
use crate::output::{close, DocumentReport, ErrorReport, Sink, SCHEMA_VERSION};
use crate::text::actors::Lexicon;

/// A 64-bit FNV-1a hash as 16 hex digits: stable across builds and platforms (std's hasher is not).
pub fn fingerprint(parts: &[&[u8]]) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for &b in part.iter().chain(&[0xff]) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    format!("{h:016x}")
}

/// The lexicon's fingerprint: ids, names and aliases in order.
pub fn lexicon_fingerprint(lexicon: &Lexicon) -> String {
    let text = serde_json::to_string(&lexicon.actors).unwrap_or_default();
    fingerprint(&[text.as_bytes()])
}

/// The model's fingerprint: its config, tokenizer, calibration and weights' size and ends, and the
/// precision it runs in (bf16 and fp32 numbers differ).
pub fn model_fingerprint(dir: &Path, precision: &str) -> Result<String> {
    let mut parts: Vec<Vec<u8>> = vec![precision.as_bytes().to_vec()];
    for name in ["config.json", "tokenizer.json", "calibration.json"] {
        parts.push(std::fs::read(dir.join(name)).unwrap_or_default());
    }
    let weights = dir.join("model.safetensors");
    let bytes = std::fs::read(&weights).with_context(|| format!("{}: cannot read", weights.display()))?;
    parts.push(bytes.len().to_le_bytes().to_vec());
    let edge = bytes.len().min(1 << 20);
    parts.push(bytes[..edge].to_vec());
    parts.push(bytes[bytes.len() - edge..].to_vec());
    let refs: Vec<&[u8]> = parts.iter().map(Vec::as_slice).collect();
    Ok(fingerprint(&refs))
}

/// A partial's line as read: its data is decoded once its kind says into what, and hashed as
/// written.
type RawLine = Line<Box<serde_json::value::RawValue>>;

fn open(path: &Path) -> Result<Box<dyn BufRead>> {
    let f = std::fs::File::open(path).with_context(|| format!("{}: cannot open", path.display()))?;
    Ok(Box::new(std::io::BufReader::new(f)))
}

/// The first line of a partial, checked for its version.
pub fn read_header(path: &Path) -> Result<PartialHeader> {
    let mut first = String::new();
    open(path)?.read_line(&mut first).with_context(|| format!("{}: cannot read", path.display()))?;
    let line: RawLine = serde_json::from_str(&first)
        .with_context(|| format!("{}:1: not a partial (`stance analyze --format partial`)", path.display()))?;
    ensure!(line.kind == LineKind::Partial, "{}:1: not a partial: the first line is of type '{}'", path.display(), line.kind);
    let h: PartialHeader = serde_json::from_str(line.data.get())
        .with_context(|| format!("{}:1: a partial header of another version", path.display()))?;
    ensure!(
        h.partial_version == PARTIAL_VERSION && h.schema_version == SCHEMA_VERSION,
        "{}: partial version {} / schema {}; this stance merges {PARTIAL_VERSION} / {SCHEMA_VERSION}",
        path.display(),
        h.partial_version,
        h.schema_version
    );
    Ok(h)
}

/// Checks a partial's checksum against its lines (a pass over the file before anything of it is
/// merged, so an edited partial is refused before a byte of output is written).
pub fn verify_checksum(path: &Path) -> Result<()> {
    let name = path.display();
    let mut hash = LineHash::default();
    let mut reader = open(path)?;
    let mut line = Vec::new();
    let mut line_no = 0usize;
    loop {
        line.clear();
        if reader.read_until(b'\n', &mut line).with_context(|| format!("{name}: cannot read"))? == 0 {
            bail!("{name}: no totals line: the run that wrote this partial did not finish");
        }
        line_no += 1;
        let raw: RawLine =
            serde_json::from_slice(&line).with_context(|| format!("{name}:{line_no}: not a partial line"))?;
        if raw.kind == LineKind::Totals {
            hash.update(raw.data.get().as_bytes());
            ensure!(
                raw.checksum.as_deref() == Some(hash.hex().as_str()),
                "{name}:{line_no}: the checksum does not match the lines before it: the partial was edited, cut or \
                 spliced after it was written"
            );
            return Ok(());
        }
        hash.update(&line);
    }
}

/// Partials to merge, their headers read and checked against each other, in shard order.
pub struct Partials<'a> {
    shards: Vec<(PartialHeader, &'a PathBuf)>,
    grouping: Grouping,
}

impl<'a> Partials<'a> {
    /// Reads the headers of the partials at `paths` and refuses partials of different runs or of
    /// the same shard.
    pub fn open(paths: &'a [PathBuf]) -> Result<Self> {
        ensure!(!paths.is_empty(), "no partials to merge");
        let mut shards: Vec<(PartialHeader, &PathBuf)> =
            paths.iter().map(|p| Ok((read_header(p)?, p))).collect::<Result<_>>()?;
        for p in paths {
            verify_checksum(p)?;
        }
        let (first, first_path) = shards[0].clone();
        for (h, p) in &shards[1..] {
            let differs = |what: &str, a: &dyn std::fmt::Debug, b: &dyn std::fmt::Debug| {
                anyhow::anyhow!(
                    "{} and {} differ in {what} ({a:?} against {b:?}): they come from different runs and do not merge",
                    first_path.display(),
                    p.display()
                )
            };
            if h.model != first.model {
                return Err(differs("the model (or its precision)", &first.model, &h.model));
            }
            if h.lexicon != first.lexicon || h.actors != first.actors {
                return Err(differs("the actors file", &first.lexicon, &h.lexicon));
            }
            if h.by != first.by {
                return Err(differs("--by", &first.by, &h.by));
            }
            if h.evidence != first.evidence {
                return Err(differs("--evidence", &first.evidence, &h.evidence));
            }
        }
        shards.sort_by_key(|(h, _)| h.shard);
        for w in shards.windows(2) {
            if w[0].0.shard == w[1].0.shard {
                bail!(
                    "{} and {} are both shard {}: give each shard its place in the input with --shard N",
                    w[0].1.display(),
                    w[1].1.display(),
                    w[0].0.shard
                );
            }
        }
        let grouping = Grouping::from_names(&first.by)?;
        Ok(Partials { shards, grouping })
    }

    /// Refuses shards that do not run 0, 1, ..., N-1: a missing shard would merge into an output
    /// that looks whole without its records. Names the first gap and the partial after it.
    pub fn ensure_no_gap(&self) -> Result<()> {
        for (expected, (h, p)) in (0u64..).zip(&self.shards) {
            ensure!(
                h.shard == expected,
                "{}: shard {} where shard {expected} was expected: shard{} missing \
                 (shards run 0 to N-1; --allow-gaps merges a part of them anyway)",
                p.display(),
                h.shard,
                if h.shard - expected == 1 {
                    format!(" {expected} is")
                } else {
                    format!("s {expected} to {} are", h.shard - 1)
                }
            );
        }
        Ok(())
    }

    /// The header the partials share (that of the first shard).
    pub fn header(&self) -> &PartialHeader {
        &self.shards[0].0
    }

    /// The `--by` keys the partials were made with.
    pub fn grouping(&self) -> &Grouping {
        &self.grouping
    }

    /// Merges the partials into `sink`; returns the merged summary and the number of documents
    /// whose id an earlier shard had (the first 10 are named in warnings).
    pub fn merge(self, sink: &mut dyn Sink) -> Result<(crate::output::Summary, usize)> {
        let Partials { shards, grouping } = self;
        let first = shards[0].0.clone();
        let mut totals = Totals::new(first.actors.len(), 0, grouping, first.evidence);
        sink.begin(&first.actors)?;
        let mut first_shard: HashMap<u64, u64> = HashMap::new();
        let mut across = 0usize;
        for (header, path) in &shards {
            let offset = totals.summary.records;
            let name = path.display();
            let mut records = 0usize;
            let mut snapshot = None;
            let mut hash = LineHash::default();
            for (i, line) in open(path)?.lines().enumerate() {
                let line = line.with_context(|| format!("{name}:{}: cannot read", i + 1))?;
                ensure!(snapshot.is_none(), "{name}:{}: a line after the totals", i + 1);
                let raw: RawLine =
                    serde_json::from_str(&line).with_context(|| format!("{name}:{}: not a partial line", i + 1))?;
                let at = || format!("{name}:{}", i + 1);
                if raw.kind != LineKind::Totals {
                    hash.update(line.as_bytes());
                    hash.update(b"\n");
                }
                if i == 0 {
                    continue; // the header, read by `open`
                }
                match raw.kind {
                    LineKind::Document => {
                        let mut d: DocumentReport = serde_json::from_str(raw.data.get()).with_context(at)?;
                        records += 1;
                        ensure!(d.record == records, "{}: record {} where {records} was expected", at(), d.record);
                        d.record += offset;
                        for p in d.actors.values_mut() {
                            for e in p.evidence.against.iter_mut().chain(p.evidence.favor.iter_mut()) {
                                e.record += offset;
                            }
                        }
                        let h = crate::aggregate::totals::id_hash(&d.id);
                        match first_shard.get(&h) {
                            Some(&s) if s != header.shard => {
                                across += 1;
                                if across <= 10 {
                                    sink.warning(&format!(
                                        "document id '{}' is in shard {s} and in shard {} ({name})",
                                        d.id, header.shard
                                    ))?;
                                }
                            }
                            Some(_) => {}
                            None => {
                                first_shard.insert(h, header.shard);
                            }
                        }
                        if let Some(w) = totals.check_id(&d.id, d.record) {
                            sink.warning(&w)?;
                        }
                        sink.document(&d)?;
                    }
                    LineKind::Error => {
                        let e: ErrorReport = serde_json::from_str(raw.data.get()).with_context(at)?;
                        records += 1;
                        sink.error(&InputError { source: e.source, line: e.line, message: e.message })?;
                    }
                    LineKind::Totals => {
                        hash.update(raw.data.get().as_bytes());
                        ensure!(
                            raw.checksum.as_deref() == Some(hash.hex().as_str()),
                            "{}: the checksum does not match the lines before it: the partial was edited, cut or \
                             spliced after it was written",
                            at()
                        );
                        let t: TotalsSnapshot = serde_json::from_str(raw.data.get()).with_context(at)?;
                        snapshot = Some(t);
                    }
                    other => bail!("{}: a line of type '{other}', which partials do not have", at()),
                }
            }
            let Some(snapshot) = snapshot else {
                bail!("{name}: no totals line: the run that wrote this partial did not finish");
            };
            ensure!(
                snapshot.summary.records == records,
                "{name}: the totals count {} records, the lines {records}",
                snapshot.summary.records
            );
            totals.absorb(snapshot, offset).with_context(|| name.to_string())?;
        }
        let summary = close(totals, &first.actors, sink)?;
        Ok((summary, across))
    }
}

/// Merges the partials at `paths` into `sink` ([`Partials::open`], then [`Partials::merge`]).
pub fn merge(paths: &[PathBuf], sink: &mut dyn Sink) -> Result<(crate::output::Summary, usize)> {
    Partials::open(paths)?.merge(sink)
}
