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

/// A partial to merge: the file its bytes are read from and the name errors give it. A partial
/// named `-` (stdin) or one that is not a regular file (a pipe, `<(...)`) is copied once to a
/// temporary file, since a merge reads each partial more than once (header, checksum, replay); the
/// copy streams, so memory stays bounded, and errors still name `<stdin>` or the path given.
pub struct PartialFile {
    path: PathBuf,
    name: String,
    _spool: Option<tempfile::TempPath>,
}

impl PartialFile {
    /// The partial named `arg` on the command line (`-` for stdin).
    pub fn open(arg: &Path) -> Result<Self> {
        let name = if arg.as_os_str() == "-" { "<stdin>".to_string() } else { arg.display().to_string() };
        let regular = arg.as_os_str() != "-" && std::fs::metadata(arg).is_ok_and(|m| m.is_file());
        if regular {
            return Ok(PartialFile { path: arg.to_path_buf(), name, _spool: None });
        }
        let mut spool =
            tempfile::NamedTempFile::new().context("cannot create a temporary file to hold a piped partial")?;
        let copied = if arg.as_os_str() == "-" {
            std::io::copy(&mut std::io::stdin().lock(), spool.as_file_mut())
        } else {
            let mut f = std::fs::File::open(arg).with_context(|| format!("{name}: cannot open"))?;
            std::io::copy(&mut f, spool.as_file_mut())
        };
        copied.with_context(|| format!("{name}: cannot read (copying it to a temporary file)"))?;
        let spool = spool.into_temp_path();
        Ok(PartialFile { path: spool.to_path_buf(), name, _spool: Some(spool) })
    }

    /// The name errors give this partial: the path given, or `<stdin>`.
    pub fn name(&self) -> &str {
        &self.name
    }

    fn reader(&self) -> Result<Box<dyn BufRead>> {
        let f = std::fs::File::open(&self.path).with_context(|| format!("{}: cannot open", self.name))?;
        Ok(Box::new(std::io::BufReader::new(f)))
    }
}

/// The first line of a partial, checked for its version.
pub fn read_header(file: &PartialFile) -> Result<PartialHeader> {
    let path = file.name();
    let mut first = String::new();
    file.reader()?.read_line(&mut first).with_context(|| format!("{path}: cannot read"))?;
    let line: RawLine = serde_json::from_str(&first)
        .with_context(|| format!("{path}:1: not a partial (`stance analyze --format partial`)"))?;
    ensure!(line.kind == LineKind::Partial, "{path}:1: not a partial: the first line is of type '{}'", line.kind);
    let h: PartialHeader = serde_json::from_str(line.data.get())
        .with_context(|| format!("{path}:1: a partial header of another version"))?;
    ensure!(
        h.partial_version == PARTIAL_VERSION && h.schema_version == SCHEMA_VERSION,
        "{path}: partial version {} / schema {}; this stance merges {PARTIAL_VERSION} / {SCHEMA_VERSION}",
        h.partial_version,
        h.schema_version
    );
    if let Some(n) = h.shards {
        ensure!(h.shard < n, "{path}:1: shard {} of {n} shards (shards run 0 to {})", h.shard, n.saturating_sub(1));
    }
    Ok(h)
}

/// Checks a partial's checksum against its lines (a pass over the file before anything of it is
/// merged, so an edited partial is refused before a byte of output is written).
pub fn verify_checksum(file: &PartialFile) -> Result<()> {
    let name = file.name();
    let mut hash = LineHash::default();
    let mut reader = file.reader()?;
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
            check_checksum(&raw, hash, || format!("{name}:{line_no}"))?;
            // The sums' ranges too, before a byte of output: a checksum can be recomputed.
            let snapshot: TotalsSnapshot = serde_json::from_str(raw.data.get())
                .with_context(|| format!("{name}:{line_no}: not the totals of a partial"))?;
            return snapshot.check().with_context(|| format!("{name}:{line_no}"));
        }
        hash.update(&line);
    }
}

/// Checks the totals line `raw` against `hash`, the hash of the lines before it; `at` names the
/// line in the error.
fn check_checksum(raw: &RawLine, mut hash: LineHash, at: impl Fn() -> String) -> Result<()> {
    hash.update(raw.data.get().as_bytes());
    ensure!(
        raw.checksum.as_deref() == Some(hash.hex().as_str()),
        "{}: the checksum does not match the lines before it: the partial was edited, cut or spliced after it \
         was written",
        at()
    );
    Ok(())
}

/// Partials to merge, their headers read and checked against each other, in shard order.
pub struct Partials {
    shards: Vec<(PartialHeader, PartialFile)>,
    grouping: Grouping,
}

impl Partials {
    /// Reads the headers of the partials at `paths` and refuses partials of different runs or of
    /// the same shard.
    pub fn open(paths: &[PathBuf]) -> Result<Self> {
        ensure!(!paths.is_empty(), "no partials to merge");
        ensure!(
            paths.iter().filter(|p| p.as_os_str() == "-").count() <= 1,
            "stdin (`-`) is named more than once: it holds one partial"
        );
        let mut shards: Vec<(PartialHeader, PartialFile)> = paths
            .iter()
            .map(|p| {
                let file = PartialFile::open(p)?;
                Ok((read_header(&file)?, file))
            })
            .collect::<Result<_>>()?;
        for (_, file) in &shards {
            verify_checksum(file)?;
        }
        let (first, first_path) = &shards[0];
        for (h, p) in &shards[1..] {
            same_run(first, first_path, h, p)?;
        }
        shards.sort_by_key(|(h, _)| h.shard);
        refuse_repeated_shards(&shards)?;
        let grouping = Grouping::from_names(&shards[0].0.by)?;
        Ok(Partials { shards, grouping })
    }

    /// Refuses shards that do not run 0, 1, ..., N-1: a missing shard would merge into an output
    /// that looks whole without its records. Names the first gap and the partial after it; where
    /// the partials carry their number of shards (`analyze --shards N`), a missing last shard too.
    pub fn ensure_no_gap(&self) -> Result<()> {
        for (expected, (h, p)) in (0u64..).zip(&self.shards) {
            ensure!(
                h.shard == expected,
                "{}: shard {} where shard {expected} was expected: shard{} missing \
                 (shards run 0 to N-1; --allow-gaps merges a part of them anyway)",
                p.name(),
                h.shard,
                if h.shard - expected == 1 {
                    format!(" {expected} is")
                } else {
                    format!("s {expected} to {} are", h.shard - 1)
                }
            );
        }
        let (last, p) = self.shards.last().expect("at least one partial");
        if let Some(n) = last.shards {
            let have = self.shards.len() as u64;
            ensure!(
                have == n,
                "{}: the last partial given is shard {} of {n}: shard{} missing \
                 (--allow-gaps merges a part of them anyway)",
                p.name(),
                last.shard,
                if n - have == 1 { format!(" {have} is") } else { format!("s {have} to {} are", n - 1) }
            );
        }
        Ok(())
    }

    /// Whether the partials say how many shards the whole input has (`analyze --shards N`); without
    /// it a missing last shard cannot be noticed.
    pub fn know_their_number(&self) -> bool {
        self.shards[0].0.shards.is_some()
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
        let first = &shards[0].0;
        let totals = Totals::new(first.actors.len(), 0, grouping, first.evidence);
        sink.begin(&first.actors)?;
        let mut merge = Merge { totals, first_shard: HashMap::new(), across: 0, sink };
        for (header, file) in &shards {
            merge.shard(header.shard, file)?;
        }
        let Merge { totals, across, sink, .. } = merge;
        let summary = close(totals, &first.actors, sink)?;
        Ok((summary, across))
    }
}

/// Refuses `h` (from `p`) unless it was made with what `first` (from `first_path`) was: the model
/// and its precision, the actors, `--by` and `--evidence`.
fn same_run(first: &PartialHeader, first_path: &PartialFile, h: &PartialHeader, p: &PartialFile) -> Result<()> {
    let differs = |what: &str, a: &dyn std::fmt::Debug, b: &dyn std::fmt::Debug| {
        anyhow::anyhow!(
            "{} and {} differ in {what} ({a:?} against {b:?}): they come from different runs and do not merge",
            first_path.name(),
            p.name()
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
    if h.shards != first.shards {
        return Err(differs("the number of shards (--shards)", &first.shards, &h.shards));
    }
    Ok(())
}

/// Refuses two partials of one shard (`shards` in shard order).
fn refuse_repeated_shards(shards: &[(PartialHeader, PartialFile)]) -> Result<()> {
    for w in shards.windows(2) {
        if w[0].0.shard == w[1].0.shard {
            bail!(
                "{} and {} are both shard {}: give each shard its place in the input with --shard N",
                w[0].1.name(),
                w[1].1.name(),
                w[0].0.shard
            );
        }
    }
    Ok(())
}

/// A merge under way: the totals of the shards replayed so far, the shard each document id was
/// first seen in (by hash), how many documents repeat an id of an earlier shard, and the sink.
struct Merge<'s> {
    totals: Totals,
    first_shard: HashMap<u64, u64>,
    across: usize,
    sink: &'s mut dyn Sink,
}

impl Merge<'_> {
    /// Replays the partial at `path` (shard `shard`) after the records merged so far, checks its
    /// totals against its lines and adds them up.
    fn shard(&mut self, shard: u64, file: &PartialFile) -> Result<()> {
        let name = file.name();
        let offset = self.totals.summary.records;
        let (records, snapshot) = self.replay(shard, file, offset)?;
        let Some(snapshot) = snapshot else {
            bail!("{name}: no totals line: the run that wrote this partial did not finish");
        };
        ensure!(
            snapshot.summary.records == records,
            "{name}: the totals count {} records, the lines {records}",
            snapshot.summary.records
        );
        self.totals.absorb(snapshot, offset).with_context(|| name.to_string())
    }

    /// Hands the documents and errors of a partial to the sink, records renumbered past `offset`;
    /// returns the records read and the totals line (checked against the checksum), if any.
    fn replay(&mut self, shard: u64, file: &PartialFile, offset: usize) -> Result<(usize, Option<TotalsSnapshot>)> {
        let name = file.name();
        let mut records = 0usize;
        let mut snapshot = None;
        let mut hash = LineHash::default();
        for (i, line) in file.reader()?.lines().enumerate() {
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
                continue; // the header, read by `Partials::open`
            }
            match raw.kind {
                LineKind::Document => {
                    let d: DocumentReport = serde_json::from_str(raw.data.get()).with_context(at)?;
                    records += 1;
                    ensure!(d.record == records, "{}: record {} where {records} was expected", at(), d.record);
                    for (actor, p) in &d.actors {
                        p.check().map_err(|e| anyhow::anyhow!("{}: actor '{actor}': {e}", at()))?;
                    }
                    self.document(renumbered(d, offset), shard, name)?;
                }
                LineKind::Error => {
                    let e: ErrorReport = serde_json::from_str(raw.data.get()).with_context(at)?;
                    records += 1;
                    self.sink.error(&InputError { source: e.source, line: e.line, message: e.message })?;
                }
                LineKind::Totals => {
                    check_checksum(&raw, hash, at)?;
                    snapshot = Some(serde_json::from_str(raw.data.get()).with_context(at)?);
                }
                other => bail!("{}: a line of type '{other}', which partials do not have", at()),
            }
        }
        Ok((records, snapshot))
    }

    /// Hands a document of shard `shard` (read from `name`) to the sink, with a warning where an
    /// earlier shard or record had its id.
    fn document(&mut self, d: DocumentReport, shard: u64, name: &str) -> Result<()> {
        let h = crate::aggregate::totals::id_hash(&d.id);
        match self.first_shard.get(&h) {
            Some(&s) if s != shard => {
                self.across += 1;
                if self.across <= 10 {
                    self.sink
                        .warning(&format!("document id '{}' is in shard {s} and in shard {shard} ({name})", d.id))?;
                }
            }
            Some(_) => {}
            None => {
                self.first_shard.insert(h, shard);
            }
        }
        if let Some(w) = self.totals.check_id(&d.id, d.record) {
            self.sink.warning(&w)?;
        }
        self.sink.document(&d)
    }
}

/// A shard's document with its record, and its evidence's, counted past the `offset` records of
/// the shards before.
fn renumbered(mut d: DocumentReport, offset: usize) -> DocumentReport {
    d.record += offset;
    for p in d.actors.values_mut() {
        for e in p.evidence.against.iter_mut().chain(p.evidence.favor.iter_mut()) {
            e.record += offset;
        }
    }
    d
}

/// Merges the partials at `paths` into `sink` ([`Partials::open`], then [`Partials::merge`]).
pub fn merge(paths: &[PathBuf], sink: &mut dyn Sink) -> Result<(crate::output::Summary, usize)> {
    Partials::open(paths)?.merge(sink)
}
