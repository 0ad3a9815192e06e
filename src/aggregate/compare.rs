//! `stance compare`: do groups of documents differ in their stance toward each actor? It takes
//! per-document profiles (from a run of the pipeline, or from the JSON or JSONL that `stance
//! analyze` wrote), groups the documents by `--by`, and compares every pair of groups on every
//! actor with [`crate::aggregate::stats`]: a cluster bootstrap interval and a permutation test over
//! documents, an effect size, and a correction for the number of comparisons.
//!
//! A document enters as its per-actor `sentences`, `stance` (the mean) and `sd`, from which the
//! sums the statistics need are rebuilt; so comparing a saved analysis and comparing the documents
//! directly give the same figures.
//!
//! Invariant: output depends only on the documents, the options and the seed: not on thread
//! counts, input order within a group, or whether the profiles came from a file or a run.

use std::collections::BTreeMap;
use std::io::{BufRead, Write};

use anyhow::{bail, ensure, Context, Result};
use ndarray::Array2;
use serde::de::{DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Serialize};

use crate::aggregate::groups::{GroupKey, Grouping, GroupingReport};
use crate::aggregate::round4;
use crate::aggregate::stats::{self, CompareOptions, Correction, DocumentTable, Outcome, Request};
use crate::input::Meta;
use crate::output::line::{Line, LineKind};
use crate::output::{clip, escape_controls, neutralise_formula, ActorInfo, DocumentReport, Sink};

pub const COMPARE_SCHEMA_VERSION: u32 = 1;
/// Pairs of groups compared at most in one run, unless `--max-pairs` says otherwise.
pub const DEFAULT_MAX_PAIRS: usize = 500;

/// One actor's numbers in one document, as a report gives them.
#[derive(Debug, Clone, Deserialize)]
struct ProfileNumbers {
    sentences: u64,
    stance: f64,
    #[serde(default)]
    sd: f64,
}

/// The fields of a document report that a comparison reads.
#[derive(Debug, Clone, Deserialize)]
struct DocumentNumbers {
    #[serde(default)]
    author: Option<String>,
    #[serde(default)]
    date: Option<String>,
    #[serde(default)]
    meta: Meta,
    actors: BTreeMap<String, ProfileNumbers>,
}

/// The most sentences one document's profile of an actor may claim in an `--analysis` file: no
/// document read within `--max-record-bytes` comes near it, and sums of it stay exact in f64.
const MAX_DOCUMENT_SENTENCES: u64 = 1 << 32;

/// Documents gathered for a comparison: one row of sums per grouped document that mentions an
/// actor, and the counts of the others.
pub struct Gathered {
    grouping: Grouping,
    actors: Vec<ActorInfo>,
    keys: Vec<GroupKey>,
    /// Per row, per actor: (sum of stances, sum of squared stances, sentences).
    rows: Vec<Vec<(f64, f64, u64)>>,
    /// Documents per group, mentioning an actor or not.
    group_documents: BTreeMap<GroupKey, usize>,
    documents: usize,
    missing: Vec<usize>,
}

impl Gathered {
    pub fn new(grouping: Grouping) -> Self {
        Gathered {
            missing: vec![0; grouping.by.len()],
            grouping,
            actors: Vec::new(),
            keys: Vec::new(),
            rows: Vec::new(),
            group_documents: BTreeMap::new(),
            documents: 0,
        }
    }

    fn set_actors(&mut self, actors: Vec<ActorInfo>) {
        self.actors = actors;
    }

    fn add(&mut self, d: &DocumentNumbers) -> Result<()> {
        self.documents += 1;
        let key = match self.grouping.key_of(d.author.as_deref(), d.date.as_deref(), &d.meta) {
            Ok(k) => k,
            Err(lacking) => {
                self.missing[lacking] += 1;
                return Ok(());
            }
        };
        *self.group_documents.entry(key.clone()).or_default() += 1;
        if d.actors.is_empty() {
            return Ok(());
        }
        let mut row = vec![(0.0, 0.0, 0); self.actors.len()];
        for (id, p) in &d.actors {
            let Some(i) = self.actors.iter().position(|a| &a.id == id) else {
                bail!("a document profiles actor '{id}', which the header does not list");
            };
            // Values a run can write, checked where a file was edited or made elsewhere: a mean
            // stance outside [-1, 1] or a negative spread would pass into every test unnoticed.
            ensure!(
                (-1.0..=1.0).contains(&p.stance),
                "actor '{id}': field \"stance\" is {}, outside [-1, 1]",
                p.stance
            );
            ensure!(
                p.sd.is_finite() && p.sd >= 0.0 && p.sd <= 2.0,
                "actor '{id}': field \"sd\" is {}, outside [0, 2]",
                p.sd
            );
            ensure!(
                p.sentences >= 1 && p.sentences <= MAX_DOCUMENT_SENTENCES,
                "actor '{id}': field \"sentences\" is {}, outside [1, {MAX_DOCUMENT_SENTENCES}]",
                p.sentences
            );
            let n = p.sentences as f64;
            // The sums behind a mean and a sample standard deviation.
            let sum = p.stance * n;
            let squares = if p.sentences > 1 { p.sd * p.sd * (n - 1.0) + sum * sum / n } else { sum * sum };
            row[i] = (sum, squares, p.sentences);
        }
        self.keys.push(key);
        self.rows.push(row);
        Ok(())
    }

    /// The grouping counts, as analyze reports them.
    pub fn grouping_report(&self) -> GroupingReport {
        self.grouping.report(&self.missing)
    }
}

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

/// Which comparisons are made among the chosen groups.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum CompareMode {
    /// Every pair of chosen groups.
    #[default]
    Pairs,
    /// Each chosen group against every other document that has a group (all groups but it),
    /// labelled [`REST_LABEL`].
    VsRest,
    /// Each chosen group against the group of this label.
    Reference(String),
}

impl CompareMode {
    /// The correction used unless one is asked for: Holm (family-wise) for a few pairs;
    /// Benjamini-Hochberg (false discovery rate) for one test per group, where a user asks which
    /// of many groups stand out.
    pub fn default_correction(&self) -> Correction {
        match self {
            CompareMode::Pairs => Correction::Holm,
            CompareMode::VsRest | CompareMode::Reference(_) => Correction::BenjaminiHochberg,
        }
    }
    /// The name in the report's `mode` field.
    pub fn name(&self) -> &'static str {
        match self {
            CompareMode::Pairs => "pairs",
            CompareMode::VsRest => "vs-rest",
            CompareMode::Reference(_) => "reference",
        }
    }
}

/// The `b` of a comparison of a group against the rest.
pub const REST_LABEL: &str = "(rest)";

/// What to compare and how.
#[derive(Debug, Clone)]
pub struct CompareSettings {
    pub statistics: CompareOptions,
    /// Group labels to compare (every pair among them); empty: every group.
    pub groups: Vec<String>,
    pub max_pairs: usize,
    pub mode: CompareMode,
}

/// A group as the comparison lists it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GroupInfo {
    pub key: Vec<String>,
    pub label: String,
    /// Documents in the group, whether they mention an actor or not.
    pub documents: usize,
}

/// How the figures were made.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Method {
    pub estimate: String,
    pub interval: String,
    pub test: String,
    pub effect_size: String,
    pub resamples: usize,
    pub seed: u64,
    pub correction: String,
    pub alpha: f64,
    pub min_sentences: u64,
    pub min_documents: usize,
}

/// Whether a comparison was tested.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Status {
    #[serde(rename = "ok")]
    Ok,
    #[serde(rename = "not enough evidence")]
    NotEnoughEvidence,
}

/// Two groups compared on one actor. Test fields are `null` without enough evidence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Comparison {
    pub actor: String,
    pub a: String,
    pub b: String,
    pub status: Status,
    pub a_stance: Option<f64>,
    pub b_stance: Option<f64>,
    pub a_sentences: u64,
    pub b_sentences: u64,
    pub a_documents: usize,
    pub b_documents: usize,
    /// `a_stance - b_stance`.
    pub difference: Option<f64>,
    pub ci95: Option<[f64; 2]>,
    pub p_value: Option<f64>,
    pub p_adjusted: Option<f64>,
    pub significant: Option<bool>,
    pub effect_size: Option<f64>,
    /// 1 for the largest |difference| among the tested comparisons.
    pub rank: Option<usize>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CompareSummary {
    /// Documents read.
    pub documents: usize,
    pub comparisons: usize,
    pub tested: usize,
    pub significant: usize,
}

/// The output of `stance compare` (`--format json`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CompareReport {
    pub schema_version: u32,
    pub kind: String,
    pub by: Vec<String>,
    pub actors: Vec<ActorInfo>,
    pub grouping: GroupingReport,
    pub method: Method,
    /// `pairs` (every pair of groups), `vs-rest` (each group against all other documents, `b`
    /// being "(rest)") or `reference` (each group against `reference`).
    pub mode: String,
    pub reference: Option<String>,
    pub groups: Vec<GroupInfo>,
    /// Tested comparisons by rank, then the others in group and actor order.
    pub comparisons: Vec<Comparison>,
    pub summary: CompareSummary,
}

/// Compares every pair of the chosen groups on every actor.
pub fn compare(g: &Gathered, settings: &CompareSettings) -> Result<CompareReport> {
    let all: Vec<&GroupKey> = g.group_documents.keys().collect();
    let label = |k: &GroupKey| g.grouping.label(k);
    if let Some((a, b)) = g.grouping.shared_label(all.iter().copied()) {
        bail!(
            "two groups share the label '{}' (keys {:?} and {:?}): a value holds the separator '{}', so the \
             comparison could not say which is which; group by fewer keys or clean the values",
            label(a),
            g.grouping.parts(a),
            g.grouping.parts(b),
            crate::aggregate::groups::LABEL_SEPARATOR.trim()
        );
    }
    let find = |want: &str, flag: &str| -> Result<&GroupKey> {
        match all.iter().find(|k| label(k) == want) {
            Some(k) => Ok(*k),
            None => {
                let known: Vec<String> = all.iter().take(20).map(|k| format!("'{}'", label(k))).collect();
                bail!(
                    "{flag}: no group '{want}' (by {}); groups are {}{}",
                    g.grouping.names().join(", "),
                    known.join(", "),
                    if all.len() > 20 { ", ..." } else { "" }
                )
            }
        }
    };
    let reference = match &settings.mode {
        CompareMode::Reference(r) => Some(find(r, "--reference")?),
        _ => None,
    };
    let chosen: Vec<&GroupKey> = if settings.groups.is_empty() {
        all.iter().copied().filter(|k| Some(*k) != reference).collect()
    } else if settings.mode != CompareMode::Pairs {
        let mut chosen = settings.groups.iter().map(|w| find(w, "--groups")).collect::<Result<Vec<_>>>()?;
        chosen.sort();
        chosen.dedup();
        chosen.retain(|k| Some(*k) != reference);
        chosen
    } else {
        let mut chosen = Vec::new();
        for want in &settings.groups {
            match all.iter().find(|k| &label(k) == want) {
                Some(k) => chosen.push(*k),
                None => {
                    let known: Vec<String> = all.iter().take(20).map(|k| format!("'{}'", label(k))).collect();
                    bail!(
                        "--groups: no group '{want}' (by {}); groups are {}{}",
                        g.grouping.names().join(", "),
                        known.join(", "),
                        if all.len() > 20 { ", ..." } else { "" }
                    );
                }
            }
        }
        chosen.sort();
        chosen.dedup();
        if chosen.len() < 2 {
            bail!("--groups / --group: name at least two different groups to compare (got '{}')", label(chosen[0]));
        }
        chosen
    };
    // Each contrast: group `chosen[i]` against `Against`.
    enum Against {
        Group(usize),
        Rest,
        Reference,
    }
    let contrasts: Vec<(usize, Against)> = match settings.mode {
        CompareMode::Pairs => {
            (0..chosen.len()).flat_map(|i| (i + 1..chosen.len()).map(move |j| (i, Against::Group(j)))).collect()
        }
        CompareMode::VsRest => (0..chosen.len()).map(|i| (i, Against::Rest)).collect(),
        CompareMode::Reference(_) => (0..chosen.len()).map(|i| (i, Against::Reference)).collect(),
    };
    if contrasts.len() > settings.max_pairs {
        bail!(
            "{} groups make {} pairs, more than --max-pairs {}: name the groups to compare with --groups A,B,... \
             compare each with the rest (--vs-rest) or with one (--reference GROUP), or raise --max-pairs",
            chosen.len(),
            contrasts.len(),
            settings.max_pairs
        );
    }
    let n_actors = g.actors.len();
    let mut table = DocumentTable {
        stance_sum: Array2::zeros((g.rows.len(), n_actors)),
        square_sum: Array2::zeros((g.rows.len(), n_actors)),
        sentences: Array2::zeros((g.rows.len(), n_actors)),
    };
    for (i, row) in g.rows.iter().enumerate() {
        for (a, &(s, q, n)) in row.iter().enumerate() {
            table.stance_sum[[i, a]] = s;
            table.square_sum[[i, a]] = q;
            table.sentences[[i, a]] = n;
        }
    }
    // The rows of each group, in one pass over the documents.
    let mut rows_of: BTreeMap<&GroupKey, Vec<usize>> = BTreeMap::new();
    for (i, k) in g.keys.iter().enumerate() {
        rows_of.entry(k).or_default().push(i);
    }
    let reference_rows = reference.map(|k| rows_of.get(k).cloned().unwrap_or_default()).unwrap_or_default();
    let members: Vec<Vec<usize>> = chosen.iter().map(|k| rows_of.remove(*k).unwrap_or_default()).collect();
    // Requests are made as the statistics need them: "the rest" of each of 15,000 groups would
    // not fit in memory at once.
    let request = |n: usize| {
        let (i, against) = &contrasts[n / n_actors];
        let b = match against {
            Against::Group(j) => members[*j].clone(),
            Against::Reference => reference_rows.clone(),
            Against::Rest => (0..g.keys.len()).filter(|&r| &g.keys[r] != chosen[*i]).collect(),
        };
        std::borrow::Cow::Owned(Request { a: members[*i].clone(), b, actor: n % n_actors })
    };
    let outcomes = stats::compare_each(&table, contrasts.len() * n_actors, request, &settings.statistics)?;
    let reference_label = reference.map(label);
    let mut comparisons: Vec<Comparison> = outcomes
        .iter()
        .enumerate()
        .map(|(n, o)| {
            let (i, against) = &contrasts[n / n_actors];
            let b = match against {
                Against::Group(j) => label(chosen[*j]),
                Against::Rest => REST_LABEL.to_string(),
                Against::Reference => reference_label.clone().unwrap_or_default(),
            };
            comparison(o, &g.actors[n % n_actors].id, label(chosen[*i]), b)
        })
        .collect();
    comparisons.sort_by_key(|c| c.rank.unwrap_or(usize::MAX));
    let o = &settings.statistics;
    let tested = comparisons.iter().filter(|c| c.status == Status::Ok).count();
    let significant = comparisons.iter().filter(|c| c.significant == Some(true)).count();
    Ok(CompareReport {
        schema_version: COMPARE_SCHEMA_VERSION,
        kind: "stance-compare".into(),
        by: g.grouping.names(),
        actors: g.actors.clone(),
        grouping: g.grouping_report(),
        method: Method {
            estimate: "sentence-weighted mean stance per group (sum of sentence stances / sentences)".into(),
            interval: "95% percentile cluster bootstrap: documents resampled with replacement within each group".into(),
            test: "two-sided permutation test: documents' group labels shuffled".into(),
            effect_size: "Cohen's d: difference / pooled within-group SD of sentence stances".into(),
            resamples: o.resamples,
            seed: o.seed,
            correction: o.correction.name().into(),
            alpha: o.alpha,
            min_sentences: o.min_sentences,
            min_documents: o.min_documents,
        },
        mode: settings.mode.name().into(),
        reference: reference_label.clone(),
        groups: chosen
            .iter()
            .chain(reference.iter())
            .map(|k| GroupInfo { key: g.grouping.parts(k), label: label(k), documents: g.group_documents[*k] })
            .collect(),
        summary: CompareSummary { documents: g.documents, comparisons: comparisons.len(), tested, significant },
        comparisons,
    })
}

fn comparison(o: &Outcome, actor: &str, a: String, b: String) -> Comparison {
    let t = o.test.as_ref();
    Comparison {
        actor: actor.to_string(),
        a,
        b,
        status: if t.is_some() { Status::Ok } else { Status::NotEnoughEvidence },
        a_stance: o.a.stance.map(round4),
        b_stance: o.b.stance.map(round4),
        a_sentences: o.a.sentences,
        b_sentences: o.b.sentences,
        a_documents: o.a.documents,
        b_documents: o.b.documents,
        difference: t.map(|t| round4(t.difference)),
        ci95: t.map(|t| [round4(t.ci95[0]), round4(t.ci95[1])]),
        p_value: t.map(|t| round4(t.p_value)),
        p_adjusted: t.map(|t| round4(t.p_adjusted)),
        significant: t.map(|t| t.significant),
        effect_size: t.and_then(|t| t.effect_size.map(round4)),
        rank: t.map(|t| t.rank),
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
