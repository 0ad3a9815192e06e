//! `stance compare`: do groups of documents differ in their stance toward each actor? It takes
//! per-document profiles (from a run of the pipeline, or from the JSON or JSONL that `stance
//! analyze` wrote: [`crate::output::compare`] reads them into a [`Gathered`] and writes the
//! [`CompareReport`] as csv or a table), groups the documents by `--by`, and compares every pair
//! of groups on every actor with [`crate::aggregate::stats`]: a cluster bootstrap interval and a
//! permutation test over documents, an effect size, and a correction for the number of
//! comparisons.
//!
//! A document enters as its per-actor `sentences`, `stance` (the mean) and `sd`, from which the
//! sums the statistics need are rebuilt; so comparing a saved analysis and comparing the documents
//! directly give the same figures.
//!
//! Invariant: output depends only on the documents, the options and the seed: not on thread
//! counts, input order within a group, or whether the profiles came from a file or a run.

use std::collections::BTreeMap;

use anyhow::{bail, ensure, Result};
use ndarray::Array2;
use serde::{Deserialize, Serialize};

use crate::aggregate::groups::{GroupKey, Grouping, GroupingReport};
use crate::aggregate::round4;
use crate::aggregate::stats::{self, CompareOptions, Correction, DocumentTable, Outcome, Request};
use crate::input::Meta;
use crate::text::actors::ActorInfo;

pub const COMPARE_SCHEMA_VERSION: u32 = 1;
/// Pairs of groups compared at most in one run, unless `--max-pairs` says otherwise.
pub const DEFAULT_MAX_PAIRS: usize = 500;

/// One actor's numbers in one document, as a document report gives them.
#[derive(Debug, Clone, Deserialize)]
pub struct ProfileNumbers {
    pub sentences: u64,
    pub stance: f64,
    #[serde(default)]
    pub sd: f64,
}

/// The fields of a document report that a comparison reads (decoded from a saved analysis, or
/// taken from a running one).
#[derive(Debug, Clone, Deserialize)]
pub struct DocumentNumbers {
    #[serde(default)]
    pub author: Option<String>,
    #[serde(default)]
    pub date: Option<String>,
    #[serde(default)]
    pub meta: Meta,
    pub actors: BTreeMap<String, ProfileNumbers>,
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

    /// The actors the documents are profiled on, in output order (before any document).
    pub fn set_actors(&mut self, actors: Vec<ActorInfo>) {
        self.actors = actors;
    }

    /// Adds a document: counted in its group, and a row of sums if it has a group and mentions an
    /// actor. Refuses numbers no run writes.
    pub fn add(&mut self, d: &DocumentNumbers) -> Result<()> {
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

    fn label(&self, key: &GroupKey) -> String {
        self.grouping.label(key)
    }

    /// The rows' sums as the statistics take them: documents x actors.
    fn document_table(&self) -> DocumentTable {
        let n_actors = self.actors.len();
        let mut table = DocumentTable {
            stance_sum: Array2::zeros((self.rows.len(), n_actors)),
            square_sum: Array2::zeros((self.rows.len(), n_actors)),
            sentences: Array2::zeros((self.rows.len(), n_actors)),
        };
        for (i, row) in self.rows.iter().enumerate() {
            for (a, &(s, q, n)) in row.iter().enumerate() {
                table.stance_sum[[i, a]] = s;
                table.square_sum[[i, a]] = q;
                table.sentences[[i, a]] = n;
            }
        }
        table
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

/// Compares the chosen groups on every actor: every pair of them, each against the rest, or each
/// against a reference group (`settings.mode`).
pub fn compare(g: &Gathered, settings: &CompareSettings) -> Result<CompareReport> {
    refuse_shared_labels(g)?;
    let chosen = choose_groups(g, settings)?;
    let contrasts = contrasts(&chosen, &settings.mode, settings.max_pairs)?;
    let outcomes = run_contrasts(g, &chosen, &contrasts, &settings.statistics)?;
    Ok(assemble(g, settings, &chosen, &contrasts, &outcomes))
}

/// Refuses groups whose labels read the same (a value holding the separator), which a
/// comparison could not tell apart.
fn refuse_shared_labels(g: &Gathered) -> Result<()> {
    if let Some((a, b)) = g.grouping.shared_label(g.group_documents.keys()) {
        bail!(
            "two groups share the label '{}' (keys {:?} and {:?}): a value holds the separator '{}', so the \
             comparison could not say which is which; group by fewer keys or clean the values",
            g.label(a),
            g.grouping.parts(a),
            g.grouping.parts(b),
            crate::aggregate::groups::LABEL_SEPARATOR.trim()
        );
    }
    Ok(())
}

/// The groups a comparison takes, in key order, and the reference group (`--reference`), which is
/// not among them.
struct Chosen<'g> {
    groups: Vec<&'g GroupKey>,
    reference: Option<&'g GroupKey>,
}

/// The groups `--groups` names (default: all) and the `--reference` group, found by label.
fn choose_groups<'g>(g: &'g Gathered, settings: &CompareSettings) -> Result<Chosen<'g>> {
    let all: Vec<&GroupKey> = g.group_documents.keys().collect();
    let find = |want: &str, flag: &str| -> Result<&GroupKey> {
        match all.iter().find(|k| g.label(k) == want) {
            Some(k) => Ok(*k),
            None => {
                let known: Vec<String> = all.iter().take(20).map(|k| format!("'{}'", g.label(k))).collect();
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
    let groups = if settings.groups.is_empty() {
        all.iter().copied().filter(|k| Some(*k) != reference).collect()
    } else {
        let mut chosen = settings.groups.iter().map(|w| find(w, "--groups")).collect::<Result<Vec<_>>>()?;
        chosen.sort();
        chosen.dedup();
        chosen.retain(|k| Some(*k) != reference);
        if settings.mode == CompareMode::Pairs && chosen.len() < 2 {
            bail!("--groups / --group: name at least two different groups to compare (got '{}')", g.label(chosen[0]));
        }
        chosen
    };
    Ok(Chosen { groups, reference })
}

/// What a chosen group is compared against.
enum Against {
    /// Another chosen group (its index).
    Group(usize),
    /// Every other document that has a group.
    Rest,
    /// The reference group.
    Reference,
}

/// The contrasts of `mode`, each a chosen group (its index) against what it is compared with;
/// refused when there are more than `max_pairs`.
fn contrasts(chosen: &Chosen, mode: &CompareMode, max_pairs: usize) -> Result<Vec<(usize, Against)>> {
    let n = chosen.groups.len();
    let contrasts: Vec<(usize, Against)> = match mode {
        CompareMode::Pairs => (0..n).flat_map(|i| (i + 1..n).map(move |j| (i, Against::Group(j)))).collect(),
        CompareMode::VsRest => (0..n).map(|i| (i, Against::Rest)).collect(),
        CompareMode::Reference(_) => (0..n).map(|i| (i, Against::Reference)).collect(),
    };
    if contrasts.len() > max_pairs {
        bail!(
            "{} groups make {} pairs, more than --max-pairs {}: name the groups to compare with --groups A,B,... \
             compare each with the rest (--vs-rest) or with one (--reference GROUP), or raise --max-pairs",
            n,
            contrasts.len(),
            max_pairs
        );
    }
    Ok(contrasts)
}

/// Runs the statistics on every contrast and actor: outcome `n` is contrast `n / actors` on actor
/// `n % actors`.
fn run_contrasts(
    g: &Gathered,
    chosen: &Chosen,
    contrasts: &[(usize, Against)],
    options: &CompareOptions,
) -> Result<Vec<Outcome>> {
    let n_actors = g.actors.len();
    let table = g.document_table();
    // The rows of each group, in one pass over the documents.
    let mut rows_of: BTreeMap<&GroupKey, Vec<usize>> = BTreeMap::new();
    for (i, k) in g.keys.iter().enumerate() {
        rows_of.entry(k).or_default().push(i);
    }
    let reference_rows = chosen.reference.map(|k| rows_of.get(k).cloned().unwrap_or_default()).unwrap_or_default();
    let members: Vec<Vec<usize>> = chosen.groups.iter().map(|k| rows_of.remove(*k).unwrap_or_default()).collect();
    // Requests are made as the statistics need them: "the rest" of each of 15,000 groups would
    // not fit in memory at once.
    let request = |n: usize| {
        let (i, against) = &contrasts[n / n_actors];
        let b = match against {
            Against::Group(j) => members[*j].clone(),
            Against::Reference => reference_rows.clone(),
            Against::Rest => (0..g.keys.len()).filter(|&r| &g.keys[r] != chosen.groups[*i]).collect(),
        };
        std::borrow::Cow::Owned(Request { a: members[*i].clone(), b, actor: n % n_actors })
    };
    stats::compare_each(&table, contrasts.len() * n_actors, request, options)
}

/// The report: the comparisons (tested ones by rank), the groups and how the figures were made.
fn assemble(
    g: &Gathered,
    settings: &CompareSettings,
    chosen: &Chosen,
    contrasts: &[(usize, Against)],
    outcomes: &[Outcome],
) -> CompareReport {
    let n_actors = g.actors.len();
    let reference_label = chosen.reference.map(|k| g.label(k));
    let mut comparisons: Vec<Comparison> = outcomes
        .iter()
        .enumerate()
        .map(|(n, o)| {
            let (i, against) = &contrasts[n / n_actors];
            let b = match against {
                Against::Group(j) => g.label(chosen.groups[*j]),
                Against::Rest => REST_LABEL.to_string(),
                Against::Reference => reference_label.clone().unwrap_or_default(),
            };
            comparison(o, &g.actors[n % n_actors].id, g.label(chosen.groups[*i]), b)
        })
        .collect();
    comparisons.sort_by_key(|c| c.rank.unwrap_or(usize::MAX));
    let tested = comparisons.iter().filter(|c| c.status == Status::Ok).count();
    let significant = comparisons.iter().filter(|c| c.significant == Some(true)).count();
    CompareReport {
        schema_version: COMPARE_SCHEMA_VERSION,
        kind: "stance-compare".into(),
        by: g.grouping.names(),
        actors: g.actors.clone(),
        grouping: g.grouping_report(),
        method: method(&settings.statistics),
        mode: settings.mode.name().into(),
        reference: reference_label,
        groups: chosen
            .groups
            .iter()
            .chain(chosen.reference.iter())
            .map(|k| GroupInfo { key: g.grouping.parts(k), label: g.label(k), documents: g.group_documents[*k] })
            .collect(),
        summary: CompareSummary { documents: g.documents, comparisons: comparisons.len(), tested, significant },
        comparisons,
    }
}

/// How the figures were made, in words and settings.
fn method(o: &CompareOptions) -> Method {
    Method {
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
    }
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
