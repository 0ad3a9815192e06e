//! Tidy long-format output for dashboards (`--format tidy-csv` and `--format tidy-jsonl`): one
//! row per group x actor, every actor of the lexicon on every group, with the columns
//!
//! ```text
//! group, bucket, actor, actor_name, group_documents, documents, sentences, mentions,
//! stance, ci95_low, ci95_high, sd, p_against, p_neutral, p_favor
//! ```
//!
//! `group` is the label of the key without its time part and `bucket` the time bucket's label (empty
//! without a `date:` key), so a series is `group` and its x axis is `bucket`. Where a group has no
//! sentence about an actor (an empty bucket, or an actor not mentioned) the numbers after
//! `mentions` are empty (csv) or null (jsonl): no data, never a zero stance.
//!
//! Invariant: the rows are the JSON's numbers, in the JSON's group order and the lexicon's actor
//! order; documents stream past without being kept.

use std::io::Write;

use anyhow::Result;
use serde::Serialize;

use super::{neutralise_formula, ActorInfo, Closing, DocumentReport, GroupReport, Sink};
use crate::aggregate::groups::{Grouping, LABEL_SEPARATOR};

/// The columns, in order.
pub const TIDY_HEADER: [&str; 15] = [
    "group",
    "bucket",
    "actor",
    "actor_name",
    "group_documents",
    "documents",
    "sentences",
    "mentions",
    "stance",
    "ci95_low",
    "ci95_high",
    "sd",
    "p_against",
    "p_neutral",
    "p_favor",
];

/// One row; `None` is written as an empty cell or `null`.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TidyRow {
    pub group: String,
    pub bucket: String,
    pub actor: String,
    pub actor_name: String,
    pub group_documents: u64,
    pub documents: u64,
    pub sentences: u64,
    pub mentions: u64,
    pub stance: Option<f64>,
    pub ci95_low: Option<f64>,
    pub ci95_high: Option<f64>,
    pub sd: Option<f64>,
    pub p_against: Option<f64>,
    pub p_neutral: Option<f64>,
    pub p_favor: Option<f64>,
}

/// The rows of one group, one per actor in `actors` order. `date_position` is the index of the
/// `date:` key in the group key, if any.
pub fn rows(group: &GroupReport, date_position: Option<usize>, actors: &[ActorInfo]) -> Vec<TidyRow> {
    let (series, bucket) = match date_position {
        Some(t) if t < group.key.len() => {
            let rest: Vec<&str> =
                group.key.iter().enumerate().filter(|(i, _)| *i != t).map(|(_, p)| p.as_str()).collect();
            (rest.join(LABEL_SEPARATOR), group.key[t].clone())
        }
        _ => (group.label.clone(), String::new()),
    };
    actors
        .iter()
        .map(|a| {
            let p = group.actors.get(&a.id);
            TidyRow {
                group: series.clone(),
                bucket: bucket.clone(),
                actor: a.id.clone(),
                actor_name: a.name.clone(),
                group_documents: group.documents,
                documents: p.map_or(0, |p| p.documents),
                sentences: p.map_or(0, |p| p.sentences),
                mentions: p.map_or(0, |p| p.mentions),
                stance: p.map(|p| p.stance),
                ci95_low: p.map(|p| p.ci95[0]),
                ci95_high: p.map(|p| p.ci95[1]),
                sd: p.map(|p| p.sd),
                p_against: p.map(|p| p.distribution.against),
                p_neutral: p.map(|p| p.distribution.neutral),
                p_favor: p.map(|p| p.distribution.favor),
            }
        })
        .collect()
}

/// `--format tidy-csv`.
pub struct TidyCsvSink<W: Write> {
    out: csv::Writer<W>,
    actors: Vec<ActorInfo>,
    date_position: Option<usize>,
    trailer: bool,
}

impl<W: Write> TidyCsvSink<W> {
    /// Rows of the groups of `grouping` (its time key, if any, becomes the `bucket` column).
    pub fn new(out: W, grouping: &Grouping) -> Self {
        TidyCsvSink {
            out: csv::Writer::from_writer(out),
            actors: Vec::new(),
            date_position: grouping.date_position(),
            trailer: false,
        }
    }
    /// Ends the output with the completion line ([`super::csv_trailer`]).
    pub fn with_trailer(out: W, grouping: &Grouping) -> Self {
        TidyCsvSink {
            out: csv::WriterBuilder::new().flexible(true).from_writer(out),
            actors: Vec::new(),
            date_position: grouping.date_position(),
            trailer: true,
        }
    }
}

impl<W: Write> Sink for TidyCsvSink<W> {
    fn begin(&mut self, actors: &[ActorInfo]) -> Result<()> {
        self.actors = actors.to_vec();
        self.out.write_record(TIDY_HEADER)?;
        Ok(())
    }
    fn document(&mut self, _d: &DocumentReport) -> Result<()> {
        Ok(())
    }
    fn finish(&mut self, end: &Closing) -> Result<()> {
        let t = self.date_position;
        let cell = |x: Option<f64>| x.map(|x| x.to_string()).unwrap_or_default();
        for g in &end.groups {
            for r in rows(g, t, &self.actors) {
                self.out.write_record([
                    neutralise_formula(&r.group),
                    neutralise_formula(&r.bucket),
                    neutralise_formula(&r.actor),
                    neutralise_formula(&r.actor_name),
                    r.group_documents.to_string(),
                    r.documents.to_string(),
                    r.sentences.to_string(),
                    r.mentions.to_string(),
                    cell(r.stance),
                    cell(r.ci95_low),
                    cell(r.ci95_high),
                    cell(r.sd),
                    cell(r.p_against),
                    cell(r.p_neutral),
                    cell(r.p_favor),
                ])?;
            }
        }
        self.out.flush()?;
        if self.trailer {
            self.out.write_record([super::csv_trailer(&end.summary)])?;
            self.out.flush()?;
        }
        Ok(())
    }
}

/// `--format tidy-jsonl`: the same rows as JSON objects, one per line.
pub struct TidyJsonlSink<W: Write> {
    out: W,
    actors: Vec<ActorInfo>,
    date_position: Option<usize>,
}

impl<W: Write> TidyJsonlSink<W> {
    /// Rows of the groups of `grouping`, as [`TidyCsvSink::new`].
    pub fn new(out: W, grouping: &Grouping) -> Self {
        TidyJsonlSink { out, actors: Vec::new(), date_position: grouping.date_position() }
    }
}

impl<W: Write> Sink for TidyJsonlSink<W> {
    fn begin(&mut self, actors: &[ActorInfo]) -> Result<()> {
        self.actors = actors.to_vec();
        Ok(())
    }
    fn document(&mut self, _d: &DocumentReport) -> Result<()> {
        Ok(())
    }
    fn finish(&mut self, end: &Closing) -> Result<()> {
        let t = self.date_position;
        for g in &end.groups {
            for r in rows(g, t, &self.actors) {
                serde_json::to_writer(&mut self.out, &r)?;
                self.out.write_all(b"\n")?;
            }
        }
        self.out.flush()?;
        Ok(())
    }
}
