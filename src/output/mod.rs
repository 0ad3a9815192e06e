//! The output contract of `stance analyze` and the sinks that write it. The JSON document
//! (`--format json`) is, with `schema_version` 1:
//!
//! ```text
//! { "schema_version": 1,
//!   "actors":    [{"id": "russia", "name": "Russia"}, ...],            lexicon order
//!   "documents": [{"id", "record", "author"?, "date"?, "title"?, "meta": {...},
//!                  "sentences": n, "actor_sentences": n, "mentions": n,
//!                  "actors": {"russia": ActorProfile, ...}}, ...],     input order; mentioned actors only
//!   "authors":   [{"author", "documents": n, "actors": {...}}, ...],  sorted by author
//!   "grouping":  {"by": ["author" | "meta.FIELD" | "date:decade|year|quarter|month|week|day", ...],
//!                 "documents_without_group": n, "missing": {"meta.party": n, ...}},
//!   "groups":    [{"key": [part per --by], "label", "documents": n, "actors": {...}}, ...],
//!                sorted by key, time buckets in time order; with a date key, every bucket between
//!                the first and the last appears for every combination of the other keys, empty
//!                buckets with "documents": 0 and "actors": {} (no data, not zero stance)
//!   "corpus":    {"documents", "sentences", "actor_sentences", "mentions", "actors": {...}},
//!   "errors":    [{"source", "line"?, "message"}, ...],                 every failed record (first 1,000)
//!   "summary":   {"records", "documents", "failed", "skipped_files", "sentences",
//!                 "scored_sentences", "mentions", "documents_without_author", "duplicate_ids"} }
//! ActorProfile = {"mentions", "sentences", "documents", "stance" in [-1, 1], "sd", "ci95": [lo, hi],
//!                 "distribution": {"against", "neutral", "favor"}, "label",
//!                 "sentiment": {"negative", "neutral", "positive"},
//!                 "evidence": {"against": [Evidence], "favor": [Evidence]}}
//! Evidence     = {"document", "record", "start", "end" (Unicode characters in the document), "text",
//!                 "aliases": [...], "stance"}
//! ```
//!
//! `--format jsonl` streams the same objects as lines `{"type": T, "data": ...}` ([`line`]) with T one of
//! `header` (schema_version and actors), `document`, `error`, `author`, `grouping`, `group`,
//! `corpus`, `summary`. `--format csv` writes one row per document x mentioned actor.
//! `--format tidy-csv` and `tidy-jsonl` write one row per group x actor ([`tidy`]), for dashboards;
//! `--format parquet` and `tidy-parquet` the rows of `csv` and `tidy-csv` typed ([`parquet`]).
//! `--format table` prints the corpus and group profiles for a person. `--format html` writes the
//! dashboard page ([`page`]) and `--format partial` the mergeable state of the run ([`partial`]).
//! Fields are only ever added; a change that removes or renames one bumps `schema_version`.
//!
//! Every format builds its own [`Sink`] ([`format::OutputFormat::build`]); a run ends with
//! [`close`], which turns its totals into the profiles of [`Closing`] and hands them to the sink.
//!
//! Invariant: sinks write documents as they arrive and keep only bounded state (the first 1,000
//! errors), so output of any size streams.

use std::collections::BTreeMap;
use std::io::Write;

use anyhow::Result;
use serde::{Deserialize, Serialize};

use crate::aggregate::groups::{widest_gap, GroupKey, Grouping, GroupingReport, MAX_EMPTY_BUCKETS};
use crate::aggregate::sums::{ActorProfile, ActorSums};
use crate::aggregate::totals::{Totals, TotalsSnapshot};
use crate::input::{Document, InputError};
use line::{Line, LineKind};

pub mod compare;
pub mod format;
pub mod line;
pub mod page;
pub mod parquet;
pub mod partial;
pub mod tidy;

/// The counts of a run (kept with its sums in [`crate::aggregate::totals`]); written as
/// `summary`.
pub use crate::aggregate::totals::Summary;

pub const SCHEMA_VERSION: u32 = 1;
/// Errors listed in JSON output; the count in `summary.failed` is always complete.
pub const MAX_LISTED_ERRORS: usize = 1000;

/// An actor as the output lists it (`actors`: id and name, in lexicon order).
pub use crate::text::actors::ActorInfo;

type Profiles = BTreeMap<String, ActorProfile>;

fn profiles(sums: &[ActorSums], actors: &[ActorInfo]) -> Profiles {
    sums.iter().zip(actors).filter(|(s, _)| s.sentences > 0).map(|(s, a)| (a.id.clone(), s.profile())).collect()
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DocumentReport {
    pub id: String,
    /// Position in the input, 1-based, failed records counted: unique even where ids repeat.
    pub record: usize,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub author: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub date: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub title: Option<String>,
    pub meta: crate::input::Meta,
    pub sentences: usize,
    pub actor_sentences: usize,
    pub mentions: usize,
    pub actors: Profiles,
}

impl DocumentReport {
    pub fn new(
        doc: &Document,
        record: usize,
        sentences: usize,
        actor_sentences: usize,
        mentions: usize,
        sums: &[ActorSums],
        actors: &[ActorInfo],
    ) -> Self {
        DocumentReport {
            id: doc.id.clone(),
            record,
            author: doc.author.clone(),
            date: doc.date.clone(),
            title: doc.title.clone(),
            meta: doc.meta.clone(),
            sentences,
            actor_sentences,
            mentions,
            actors: profiles(sums, actors),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuthorReport {
    pub author: String,
    pub documents: u64,
    pub actors: Profiles,
}

impl AuthorReport {
    pub fn new(author: &str, documents: u64, sums: &[ActorSums], actors: &[ActorInfo]) -> Self {
        AuthorReport { author: author.to_string(), documents, actors: profiles(sums, actors) }
    }
}

/// One group of `--by`: its key (one part per key, time buckets by label), the parts joined into a
/// label, and its profiles.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GroupReport {
    pub key: Vec<String>,
    pub label: String,
    pub documents: u64,
    pub actors: Profiles,
}

impl GroupReport {
    pub fn new(key: Vec<String>, label: String, documents: u64, sums: &[ActorSums], actors: &[ActorInfo]) -> Self {
        GroupReport { key, label, documents, actors: profiles(sums, actors) }
    }
}

/// What a run ends with: the merged profiles and the counts, and the mergeable sums they came
/// from (which only a partial writes: [`partial::PartialSink`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Closing {
    pub authors: Vec<AuthorReport>,
    pub grouping: GroupingReport,
    pub groups: Vec<GroupReport>,
    pub corpus: CorpusReport,
    pub summary: Summary,
    pub totals: TotalsSnapshot,
}

/// Ends a run: turns its totals into the author, group and corpus profiles and the summary, and
/// hands them to the sink ([`Sink::finish`]); returns the summary.
pub fn close(totals: Totals, actors: &[ActorInfo], sink: &mut dyn Sink) -> Result<Summary> {
    let grouping = totals.grouping();
    let authors: Vec<AuthorReport> =
        totals.authors().iter().map(|(name, (n, sums))| AuthorReport::new(name, *n, sums, actors)).collect();
    let seen: Vec<GroupKey> = totals.groups().keys().cloned().collect();
    let (keys, filled) = grouping.with_empty_buckets(&seen, MAX_EMPTY_BUCKETS);
    if !filled {
        let gap = widest_gap(grouping, totals.groups().iter().map(|(k, (n, _))| (k, *n)))
            .map(|((a, na), (b, nb))| {
                let docs = |n: u64| if n == 1 { "1 document".to_string() } else { format!("{n} documents") };
                format!("; the widest gap is between {a} ({}) and {b} ({}): check those dates", docs(na), docs(nb))
            })
            .unwrap_or_default();
        sink.warning(&format!(
            "empty time buckets are not listed: they would add more than {MAX_EMPTY_BUCKETS} empty groups{gap} \
             (or use a coarser date: bucket)"
        ))?;
    }
    // (Not for the default grouping: plain files without an author are common, and counted.)
    if seen.is_empty() && totals.summary.documents > 0 && *grouping != Grouping::default() {
        let lacking: Vec<String> = grouping
            .names()
            .iter()
            .zip(totals.missing())
            .filter(|(_, n)| **n > 0)
            .map(|(name, n)| format!("{n} lack {name}"))
            .collect();
        sink.warning(&format!(
            "no group: none of the {} documents has every --by key ({}); check the key's spelling",
            totals.summary.documents,
            lacking.join(", ")
        ))?;
    }
    let empty = vec![ActorSums::default(); totals.corpus().len()];
    let groups: Vec<GroupReport> = keys
        .iter()
        .map(|key| {
            let (n, sums) = totals.groups().get(key).map_or((0, &empty), |(n, s)| (*n, s));
            GroupReport::new(grouping.parts(key), grouping.label(key), n, sums, actors)
        })
        .collect();
    let end = Closing {
        authors,
        grouping: grouping.report(totals.missing()),
        groups,
        corpus: CorpusReport::new(&totals.summary, totals.corpus(), actors),
        summary: totals.summary.clone(),
        totals: totals.snapshot(),
    };
    sink.finish(&end)?;
    Ok(end.summary)
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CorpusReport {
    pub documents: usize,
    pub sentences: usize,
    pub actor_sentences: usize,
    pub mentions: usize,
    pub actors: Profiles,
}

impl CorpusReport {
    pub fn new(s: &Summary, sums: &[ActorSums], actors: &[ActorInfo]) -> Self {
        CorpusReport {
            documents: s.documents,
            sentences: s.sentences,
            actor_sentences: s.scored_sentences,
            mentions: s.mentions,
            actors: profiles(sums, actors),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ErrorReport {
    pub source: String,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub line: Option<usize>,
    pub message: String,
}

impl From<&InputError> for ErrorReport {
    fn from(e: &InputError) -> Self {
        ErrorReport { source: e.source.clone(), line: e.line, message: e.message.clone() }
    }
}

/// Where results go (as ripgrep's `grep_searcher::Sink`: one required method, and defaults that do
/// nothing for the rest, so a sink says only what it does). Called in order: `begin`, then
/// `document` / `error` / `warning` interleaved (with `flush` where a checkpoint is saved), then
/// `finish`. A sink is built by its format ([`format::OutputFormat::build`]).
pub trait Sink {
    /// Each document, in input order.
    fn document(&mut self, d: &DocumentReport) -> Result<()>;
    /// Before any document: the actors, in lexicon order.
    fn begin(&mut self, _actors: &[ActorInfo]) -> Result<()> {
        Ok(())
    }
    /// A record that failed, in input order. Output formats carry the count in the summary.
    fn error(&mut self, _e: &InputError) -> Result<()> {
        Ok(())
    }
    /// Something a person should know that is not a failed record (a duplicate id). Output
    /// formats carry the counts in the summary; by default a warning is not written.
    fn warning(&mut self, _message: &str) -> Result<()> {
        Ok(())
    }
    /// Writes out what is buffered (a checkpoint needs the output so far on disk).
    fn flush(&mut self) -> Result<()> {
        Ok(())
    }
    /// After the last document: the profiles, the counts and the run's sums ([`close`]).
    fn finish(&mut self, _end: &Closing) -> Result<()> {
        Ok(())
    }
}

/// One JSON document, written incrementally.
pub struct JsonSink<W: Write> {
    out: W,
    first_doc: bool,
    errors: Vec<ErrorReport>,
}

impl<W: Write> JsonSink<W> {
    pub fn new(out: W) -> Self {
        JsonSink { out, first_doc: true, errors: Vec::new() }
    }
    /// The writer (for a sink that keeps the JSON in memory).
    pub fn get_mut(&mut self) -> &mut W {
        &mut self.out
    }
}

impl<W: Write> Sink for JsonSink<W> {
    fn begin(&mut self, actors: &[ActorInfo]) -> Result<()> {
        write!(
            self.out,
            "{{\"schema_version\":{SCHEMA_VERSION},\"actors\":{},\"documents\":[",
            serde_json::to_string(actors)?
        )?;
        Ok(())
    }
    fn document(&mut self, d: &DocumentReport) -> Result<()> {
        if !self.first_doc {
            self.out.write_all(b",")?;
        }
        self.first_doc = false;
        self.out.write_all(b"\n")?;
        serde_json::to_writer(&mut self.out, d)?;
        Ok(())
    }
    fn error(&mut self, e: &InputError) -> Result<()> {
        if self.errors.len() < MAX_LISTED_ERRORS {
            self.errors.push(e.into());
        }
        Ok(())
    }
    fn finish(&mut self, end: &Closing) -> Result<()> {
        write!(
            self.out,
            "\n],\n\"authors\":{},\n\"grouping\":{},\n\"groups\":[",
            serde_json::to_string(&end.authors)?,
            serde_json::to_string(&end.grouping)?,
        )?;
        for (i, g) in end.groups.iter().enumerate() {
            self.out.write_all(if i == 0 { b"\n" } else { b",\n" })?;
            serde_json::to_writer(&mut self.out, g)?;
        }
        write!(
            self.out,
            "\n],\n\"corpus\":{},\n\"errors\":{},\n\"summary\":{}}}\n",
            serde_json::to_string(&end.corpus)?,
            serde_json::to_string(&self.errors)?,
            serde_json::to_string(&end.summary)?
        )?;
        self.out.flush()?;
        Ok(())
    }
}

/// JSON Lines: `{"type": ..., "data": ...}` per line, streamed.
pub struct JsonlSink<W: Write> {
    out: W,
}

impl<W: Write> JsonlSink<W> {
    pub fn new(out: W) -> Self {
        JsonlSink { out }
    }
    fn line(&mut self, kind: LineKind, data: impl Serialize) -> Result<()> {
        Line::new(kind, data).write(&mut self.out)
    }
}

impl<W: Write> Sink for JsonlSink<W> {
    fn begin(&mut self, actors: &[ActorInfo]) -> Result<()> {
        self.line(LineKind::Header, serde_json::json!({"schema_version": SCHEMA_VERSION, "actors": actors}))
    }
    fn document(&mut self, d: &DocumentReport) -> Result<()> {
        self.line(LineKind::Document, d)
    }
    fn error(&mut self, e: &InputError) -> Result<()> {
        self.line(LineKind::Error, ErrorReport::from(e))
    }
    fn finish(&mut self, end: &Closing) -> Result<()> {
        for a in &end.authors {
            self.line(LineKind::Author, a)?;
        }
        self.line(LineKind::Grouping, &end.grouping)?;
        for g in &end.groups {
            self.line(LineKind::Group, g)?;
        }
        self.line(LineKind::Corpus, &end.corpus)?;
        self.line(LineKind::Summary, &end.summary)?;
        self.out.flush()?;
        Ok(())
    }
}

/// CSV: one row per document x mentioned actor. Text cells that a spreadsheet would run as a
/// formula are prefixed with `'` ([`neutralise_formula`]).
pub struct CsvSink<W: Write> {
    out: csv::Writer<W>,
    trailer: bool,
}

/// The last line of CSV written to a stream (`--format csv` or `tidy-csv` on stdout), so that a
/// truncated stream can be told from a complete one: `# stance complete; records R; documents D;
/// failed F` (one cell, no comma). Read it as a comment (`pandas.read_csv(..., comment="#")`).
/// Output written with `--output FILE` has no trailer: the file appears only when complete.
pub fn csv_trailer(summary: &Summary) -> String {
    format!(
        "# stance complete; records {}; documents {}; failed {}",
        summary.records, summary.documents, summary.failed
    )
}

pub const CSV_HEADER: [&str; 16] = [
    "document",
    "author",
    "date",
    "actor",
    "mentions",
    "sentences",
    "stance",
    "ci95_low",
    "ci95_high",
    "p_against",
    "p_neutral",
    "p_favor",
    "label",
    "sentiment_negative",
    "sentiment_neutral",
    "sentiment_positive",
];

impl<W: Write> CsvSink<W> {
    pub fn new(out: W) -> Self {
        CsvSink { out: csv::Writer::from_writer(out), trailer: false }
    }
    /// Ends the output with the completion line ([`csv_trailer`]).
    pub fn with_trailer(out: W) -> Self {
        CsvSink { out: csv::WriterBuilder::new().flexible(true).from_writer(out), trailer: true }
    }
}

impl<W: Write> Sink for CsvSink<W> {
    fn begin(&mut self, _actors: &[ActorInfo]) -> Result<()> {
        self.out.write_record(CSV_HEADER)?;
        Ok(())
    }
    fn document(&mut self, d: &DocumentReport) -> Result<()> {
        for (actor, p) in &d.actors {
            let f = |x: f64| x.to_string();
            self.out.write_record([
                neutralise_formula(&d.id),
                neutralise_formula(d.author.as_deref().unwrap_or_default()),
                neutralise_formula(d.date.as_deref().unwrap_or_default()),
                neutralise_formula(actor),
                p.mentions.to_string(),
                p.sentences.to_string(),
                f(p.stance),
                f(p.ci95[0]),
                f(p.ci95[1]),
                f(p.distribution.against),
                f(p.distribution.neutral),
                f(p.distribution.favor),
                crate::labels::LabelSet::name(p.label).to_string(),
                f(p.sentiment.negative),
                f(p.sentiment.neutral),
                f(p.sentiment.positive),
            ])?;
        }
        Ok(())
    }
    fn finish(&mut self, end: &Closing) -> Result<()> {
        self.out.flush()?;
        if self.trailer {
            self.out.write_record([csv_trailer(&end.summary)])?;
            self.out.flush()?;
        }
        Ok(())
    }
}

/// A readable table for a terminal: corpus profiles, author profiles, strongest evidence.
pub struct TableSink<W: Write> {
    out: W,
    actors: Vec<ActorInfo>,
}

impl<W: Write> TableSink<W> {
    pub fn new(out: W) -> Self {
        TableSink { out, actors: Vec::new() }
    }

    fn name(&self, id: &str) -> String {
        escape_controls(self.actors.iter().find(|a| a.id == id).map_or(id, |a| a.name.as_str())).into_owned()
    }

    fn table(&mut self, profiles: &Profiles) -> Result<()> {
        writeln!(
            self.out,
            "  {:<14} {:>8} {:>9} {:>7}  {:<16} {:>7} {:>7} {:>7}  {:<8}",
            "actor", "mentions", "sentences", "stance", "95% interval", "against", "neutral", "favor", "label"
        )?;
        let order: Vec<String> = self.actors.iter().map(|a| a.id.clone()).collect();
        for id in order {
            let Some(p) = profiles.get(&id) else { continue };
            let name = self.name(&id);
            writeln!(
                self.out,
                "  {:<14} {:>8} {:>9} {:>+7.2}  [{:>+5.2}, {:>+5.2}]  {:>7.2} {:>7.2} {:>7.2}  {:<8}",
                name,
                p.mentions,
                p.sentences,
                p.stance,
                p.ci95[0],
                p.ci95[1],
                p.distribution.against,
                p.distribution.neutral,
                p.distribution.favor,
                crate::labels::LabelSet::name(p.label)
            )?;
        }
        Ok(())
    }
}

/// Whether an evidence sentence's stance shows as a lean in the table's two decimals. A side whose
/// strongest sentence leans by less (the favour side of a corpus hostile to an actor, say, at
/// +0.004) is left off the table's "Strongest evidence": printed as "favor +0.00" it would read as
/// evidence of a side it barely touches. The JSON keeps every evidence sentence.
fn leans_visibly(stance: f64) -> bool {
    stance.abs() >= 0.005
}

/// `s` with every control character (and every bidirectional-override character) written as a
/// visible `\u{..}` escape, so that input text shown on a terminal cannot move the cursor, clear
/// the screen, set the title or reorder what the reader sees.
pub fn escape_controls(s: &str) -> std::borrow::Cow<'_, str> {
    let risky = |c: char| c.is_control() || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}');
    if !s.chars().any(risky) {
        return std::borrow::Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if risky(c) {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

/// A CSV cell that a spreadsheet would run as a formula (`=`, `+`, `-`, `@`, tab or carriage
/// return first) gets a leading `'`, which spreadsheets show as text; numbers are written by us
/// and never pass through here.
pub fn neutralise_formula(s: &str) -> String {
    if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}")
    } else {
        s.to_string()
    }
}

/// "1 document", "2 documents".
fn count(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

/// `s` cut to at most `n` characters, the last one an ellipsis where it was cut: how the text tables
/// (`--format table`, `stance compare`) fit a cell.
pub(crate) fn clip(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        format!("{}…", s.chars().take(n - 1).collect::<String>())
    }
}

impl<W: Write> Sink for TableSink<W> {
    fn begin(&mut self, actors: &[ActorInfo]) -> Result<()> {
        self.actors = actors.to_vec();
        Ok(())
    }
    fn document(&mut self, _d: &DocumentReport) -> Result<()> {
        Ok(())
    }
    fn finish(&mut self, end: &Closing) -> Result<()> {
        let (corpus, summary) = (&end.corpus, &end.summary);
        writeln!(
            self.out,
            "Corpus: {}, {}, {} mention an actor ({}); {} failed",
            count(corpus.documents, "document"),
            count(corpus.sentences, "sentence"),
            corpus.actor_sentences,
            count(corpus.mentions, "mention"),
            count(summary.failed, "record")
        )?;
        writeln!(self.out, "Stance = P(favor) - P(against), averaged over the sentences that mention the actor.\n")?;
        self.table(&corpus.actors)?;
        let by = end.grouping.by.join(", ");
        let heading =
            if by == crate::aggregate::groups::DEFAULT_BY { "Author".to_string() } else { format!("Group ({by})") };
        for g in end.groups.iter().filter(|g| g.documents > 0) {
            writeln!(
                self.out,
                "\n{heading}: {} ({})",
                escape_controls(&g.label),
                count(g.documents as usize, "document")
            )?;
            self.table(&g.actors)?;
        }
        if end.grouping.documents_without_group > 0 {
            writeln!(
                self.out,
                "\n{} in no group (lacking {by})",
                count(end.grouping.documents_without_group, "document")
            )?;
        }
        writeln!(self.out, "\nStrongest evidence:")?;
        let order: Vec<String> = self.actors.iter().map(|a| a.id.clone()).collect();
        for id in order {
            let Some(p) = corpus.actors.get(&id) else { continue };
            let name = self.name(&id);
            for (side, list) in [("against", &p.evidence.against), ("favor", &p.evidence.favor)] {
                if let Some(e) = list.first().filter(|e| leans_visibly(e.stance)) {
                    writeln!(
                        self.out,
                        "  {:<14} {:<7} {:>+5.2}  \"{}\"",
                        name,
                        side,
                        e.stance,
                        escape_controls(&clip(&e.text.split_whitespace().collect::<Vec<_>>().join(" "), 110))
                    )?;
                }
            }
        }
        self.out.flush()?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn evidence_is_shown_exactly_when_its_two_decimals_show_a_lean() {
        for micro in -20_000..=20_000 {
            let stance = f64::from(micro) / 1e6;
            let printed = format!("{:+.2}", stance);
            assert_eq!(leans_visibly(stance), printed != "+0.00" && printed != "-0.00", "{stance} prints as {printed}");
        }
    }
}
