//! `stance compare`'s input and output: a saved analysis (`stance analyze --format json` or
//! `--format jsonl`) read back into a [`Gathered`] ([`read_analysis`]), a running analysis fed
//! into one (it is a [`Sink`]), and the [`CompareReport`] written as csv ([`write_csv`]) or as a
//! table for a person ([`write_table`]); the JSON is the report serialized. The comparison itself
//! is [`crate::aggregate::compare`].
//!
//! Invariant: an analysis is read streaming (its documents are never all in memory), and one read
//! from JSON, from JSONL or taken from a run gives the same [`Gathered`].

use std::io::{BufRead, Write};

use anyhow::{ensure, Context, Result};
use serde::de::{DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};

use crate::aggregate::compare::{CompareReport, DocumentNumbers, Gathered, ProfileNumbers, Status};
use crate::output::line::{Line, LineKind};
use crate::output::{clip, escape_controls, neutralise_formula, ActorInfo, DocumentReport, Sink};

/// Feeds a running analysis into a [`Gathered`].
impl Sink for Gathered {
    fn begin(&mut self, actors: &[ActorInfo]) -> Result<()> {
        self.set_actors(actors.to_vec());
        Ok(())
    }
    fn document(&mut self, d: &DocumentReport) -> Result<()> {
        let numbers = DocumentNumbers {
            author: d.author.clone(),
            date: d.date.clone(),
            meta: d.meta.clone(),
            actors: d
                .actors
                .iter()
                .map(|(id, p)| (id.clone(), ProfileNumbers { sentences: p.sentences, stance: p.stance, sd: p.sd }))
                .collect(),
        };
        self.add(&numbers)
    }
}

/// Reads the output of `stance analyze --format json` or `--format jsonl` into `into`, streaming
/// (the documents are never all in memory). `name` is used in errors.
pub fn read_analysis(mut r: impl BufRead, name: &str, into: &mut Gathered) -> Result<()> {
    let mut first = String::new();
    r.read_line(&mut first).with_context(|| format!("{name}: cannot read"))?;
    let is_jsonl = serde_json::from_str::<serde_json::Value>(&first).is_ok_and(|v| v.get("type").is_some());
    if is_jsonl {
        let mut line_no = 0;
        let mut header = false;
        let mut summary = false;
        for line in std::iter::once(Ok(first)).chain(r.lines()) {
            line_no += 1;
            let line = line.with_context(|| format!("{name}:{line_no}: cannot read"))?;
            if line.trim().is_empty() {
                continue;
            }
            ensure!(!summary, "{name}:{line_no}: a line after the summary line");
            let l: Line<serde_json::Value> = serde_json::from_str(&line)
                .with_context(|| format!("{name}:{line_no}: not a line of `stance analyze --format jsonl`"))?;
            match l.kind {
                LineKind::Header => {
                    let v = l.data.get("schema_version").and_then(serde_json::Value::as_u64);
                    ensure!(
                        v == Some(u64::from(crate::output::SCHEMA_VERSION)),
                        "{name}:{line_no}: field \"schema_version\" is {}; this stance reads {}",
                        v.map_or_else(|| "missing".to_string(), |v| v.to_string()),
                        crate::output::SCHEMA_VERSION
                    );
                    let actors = l.data.get("actors").cloned().context("no actors")?;
                    into.set_actors(serde_json::from_value(actors).with_context(|| format!("{name}:{line_no}"))?);
                    header = true;
                }
                LineKind::Document => {
                    ensure!(header, "{name}:{line_no}: a document before the header line");
                    let d: DocumentNumbers = serde_json::from_value(l.data)
                        .with_context(|| format!("{name}:{line_no}: field \"data\" is not a document report"))?;
                    into.add(&d).with_context(|| format!("{name}:{line_no}"))?;
                }
                LineKind::Summary => summary = true,
                _ => {}
            }
        }
        ensure!(header, "{name}: no header line: is this the output of `stance analyze --format jsonl`?");
        // The summary is the last line a finished run writes: without it the analysis was cut
        // short (a killed run streaming to stdout, a truncated copy), as `merge` refuses a partial
        // without its totals.
        ensure!(
            summary,
            "{name}: no summary line after line {line_no}: the analysis is incomplete (the run that wrote it did not finish, or the file was cut)"
        );
        return Ok(());
    }
    let chained = std::io::Read::chain(std::io::Cursor::new(first.into_bytes()), r);
    let mut de = serde_json::Deserializer::from_reader(chained);
    AnalysisSeed { into }
        .deserialize(&mut de)
        .with_context(|| format!("{name}: not the output of `stance analyze --format json`"))?;
    de.end().with_context(|| format!("{name}: text after the JSON document"))?;
    Ok(())
}

/// Visits the analysis object, handing each element of `documents` to the gatherer as it is read.
struct AnalysisSeed<'a> {
    into: &'a mut Gathered,
}

impl<'de> DeserializeSeed<'de> for AnalysisSeed<'_> {
    type Value = ();
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for AnalysisSeed<'_> {
    type Value = ();
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("the JSON object that `stance analyze` writes")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        use serde::de::Error;
        let mut seen_actors = false;
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "schema_version" => {
                    let v: u32 = map.next_value()?;
                    if v != crate::output::SCHEMA_VERSION {
                        return Err(A::Error::custom(format!("schema_version {v}; this stance reads 1")));
                    }
                }
                "actors" => {
                    self.into.set_actors(map.next_value()?);
                    seen_actors = true;
                }
                "documents" => {
                    if !seen_actors {
                        return Err(A::Error::custom("\"documents\" comes before \"actors\""));
                    }
                    map.next_value_seed(DocumentsSeed { into: self.into })?;
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        if !seen_actors {
            return Err(A::Error::custom("no \"actors\" field"));
        }
        Ok(())
    }
}

struct DocumentsSeed<'a> {
    into: &'a mut Gathered,
}

impl<'de> DeserializeSeed<'de> for DocumentsSeed<'_> {
    type Value = ();
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for DocumentsSeed<'_> {
    type Value = ();
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("an array of document reports")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        use serde::de::Error;
        let mut i = 0usize;
        while let Some(d) = seq.next_element::<DocumentNumbers>()? {
            i += 1;
            self.into.add(&d).map_err(|e| A::Error::custom(format!("documents[{}]: {e:#}", i - 1)))?;
        }
        Ok(())
    }
}

/// The columns of `stance compare --format csv`, one row per comparison.
pub const COMPARE_CSV_HEADER: [&str; 17] = [
    "rank",
    "actor",
    "a",
    "b",
    "status",
    "a_stance",
    "b_stance",
    "a_sentences",
    "b_sentences",
    "a_documents",
    "b_documents",
    "difference",
    "ci95_low",
    "ci95_high",
    "p_value",
    "p_adjusted",
    "effect_size",
];

pub fn write_csv(report: &CompareReport, out: impl Write) -> Result<()> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record(COMPARE_CSV_HEADER)?;
    let f = |x: Option<f64>| x.map(|x| x.to_string()).unwrap_or_default();
    for c in &report.comparisons {
        w.write_record([
            c.rank.map(|r| r.to_string()).unwrap_or_default(),
            neutralise_formula(&c.actor),
            neutralise_formula(&c.a),
            neutralise_formula(&c.b),
            match c.status {
                Status::Ok => "ok".into(),
                Status::NotEnoughEvidence => "not enough evidence".into(),
            },
            f(c.a_stance),
            f(c.b_stance),
            c.a_sentences.to_string(),
            c.b_sentences.to_string(),
            c.a_documents.to_string(),
            c.b_documents.to_string(),
            f(c.difference),
            f(c.ci95.map(|c| c[0])),
            f(c.ci95.map(|c| c[1])),
            f(c.p_value),
            f(c.p_adjusted),
            f(c.effect_size),
        ])?;
    }
    w.flush()?;
    Ok(())
}

/// A table for a person: tested comparisons by rank, then those without enough evidence.
pub fn write_table(report: &CompareReport, mut out: impl Write) -> Result<()> {
    let m = &report.method;
    let name = |id: &str| report.actors.iter().find(|a| a.id == id).map_or(id.to_string(), |a| a.name.clone());
    let what = match (report.mode.as_str(), &report.reference) {
        ("vs-rest", _) => ", each against the rest".to_string(),
        ("reference", Some(r)) => format!(", each against '{}'", escape_controls(r)),
        _ => String::new(),
    };
    writeln!(
        out,
        "Compare by {}{what}: {} groups, {} comparisons ({} tested, {} significant at {} after {} correction)",
        report.by.join(", "),
        report.groups.len(),
        report.summary.comparisons,
        report.summary.tested,
        report.summary.significant,
        m.alpha,
        m.correction
    )?;
    writeln!(
        out,
        "Difference = stance of A - stance of B (stance = P(favor) - P(against)); interval and p from {} resamples of \
         documents (seed {}).\n",
        m.resamples, m.seed
    )?;
    let cell = |s: &str, n: usize| clip(&escape_controls(s), n);
    writeln!(
        out,
        "{:>4}  {:<14} {:<18} {:<18} {:>7} {:>7} {:>7}  {:<16} {:>7} {:>7} {:>6}",
        "rank", "actor", "A", "B", "A", "B", "diff", "95% interval", "p", "p adj", "d"
    )?;
    for c in &report.comparisons {
        let head = format!(
            "{:>4}  {:<14} {:<18} {:<18}",
            c.rank.map(|r| r.to_string()).unwrap_or_default(),
            cell(&name(&c.actor), 14),
            cell(&c.a, 18),
            cell(&c.b, 18)
        );
        match (c.status, c.difference, c.ci95, c.p_value, c.p_adjusted) {
            (Status::Ok, Some(d), Some(ci), Some(p), Some(padj)) => writeln!(
                out,
                "{head} {:>+7.2} {:>+7.2} {:>+7.2}  [{:>+5.2}, {:>+5.2}] {:>7.4} {:>7.4} {:>6}{}",
                c.a_stance.unwrap_or(0.0),
                c.b_stance.unwrap_or(0.0),
                d,
                ci[0],
                ci[1],
                p,
                padj,
                c.effect_size.map_or("-".to_string(), |e| format!("{e:+.2}")),
                if c.significant == Some(true) { "  *" } else { "" }
            )?,
            _ => writeln!(
                out,
                "{head} not enough evidence ({} / {} sentences, {} / {} documents)",
                c.a_sentences, c.b_sentences, c.a_documents, c.b_documents
            )?,
        }
    }
    if report.summary.significant > 0 {
        writeln!(out, "\n* significant at {} after {} correction", m.alpha, m.correction)?;
    }
    Ok(())
}
