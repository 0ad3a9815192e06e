//! Two-group comparisons of stance toward one actor, with documents as the unit of evidence.
//!
//! [`compare`] takes a documents-by-actors [`DocumentTable`] of per-document sums (sentence stances,
//! their squares, and sentence counts) and a list of [`Request`]s, each naming two disjoint groups of
//! rows and one actor column. It returns one [`Outcome`] per request, in request order: each group's
//! sentence-weighted mean stance and, when both groups carry enough evidence, a [`Test`] with the
//! difference A - B, a 95% percentile interval from a stratified cluster bootstrap (documents
//! resampled with replacement within each group), a two-sided permutation p-value (documents' group
//! labels shuffled), Cohen's d, the p-value adjusted for multiple comparisons over the call's tested
//! requests, and a rank by |difference|. Documents, not sentences, are resampled because sentences of
//! one document share its author, topic and moment; treating them as independent would overstate
//! the evidence. Documents with no sentence on the request's actor take no part in that request.
//!
//! Invariant: the output depends only on the inputs and the seed, never on the number of threads or
//! the order in which requests run. Request `i` draws from its own ChaCha8 streams (`2i` for the
//! bootstrap, `2i + 1` for the permutation test) and sums in a fixed order; the steps that span
//! requests (adjustment, ranking) run after all requests are collected.

use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;

use anyhow::{bail, ensure, Result};
use ndarray::Array2;
use rand::{RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

#[cfg(test)]
mod tests;

/// A permuted difference counts as at least as extreme as the observed one when
/// `|D*| >= |D| - TIE_TOLERANCE`, so that rounding does not split exact ties.
pub const TIE_TOLERANCE: f64 = 1e-12;

/// A pooled variance at or below this is treated as zero (all sentences alike up to rounding), and
/// Cohen's d is then undefined. Sentence stances lie in [-1, 1], so the scale is absolute.
pub const VARIANCE_FLOOR: f64 = 1e-12;

/// `Outcome::status` for a comparison that was tested.
pub const STATUS_OK: &str = "ok";
/// `Outcome::status` for a comparison below `min_sentences` or `min_documents` in some group.
pub const STATUS_NOT_ENOUGH_EVIDENCE: &str = "not enough evidence";

/// Per-document, per-actor sums: rows are documents, columns are actors. All three arrays have the
/// same shape.
#[derive(Debug, Clone, PartialEq)]
pub struct DocumentTable {
    /// Sum of the sentence stances (each in [-1, 1]) over the document's sentences that mention the actor.
    pub stance_sum: Array2<f64>,
    /// Sum of the squares of those sentence stances.
    pub square_sum: Array2<f64>,
    /// Number of those sentences; 0 when the document does not mention the actor.
    pub sentences: Array2<u64>,
}

impl DocumentTable {
    /// An all-zero table of `documents` rows and `actors` columns, to be filled in.
    pub fn zeros(documents: usize, actors: usize) -> Self {
        DocumentTable {
            stance_sum: Array2::zeros((documents, actors)),
            square_sum: Array2::zeros((documents, actors)),
            sentences: Array2::zeros((documents, actors)),
        }
    }

    /// Number of documents (rows).
    pub fn documents(&self) -> usize {
        self.sentences.nrows()
    }

    /// Number of actors (columns).
    pub fn actors(&self) -> usize {
        self.sentences.ncols()
    }
}

/// One comparison: group A's rows against group B's rows, on one actor column.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Request {
    pub a: Vec<usize>,
    pub b: Vec<usize>,
    pub actor: usize,
}

/// How p-values are adjusted over the tested comparisons of one call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Correction {
    /// Holm's step-down procedure; controls the family-wise error rate.
    Holm,
    /// Benjamini-Hochberg's step-up procedure; controls the false discovery rate.
    BenjaminiHochberg,
    /// No adjustment.
    None,
}

impl Correction {
    /// The name used on the command line and in reports.
    pub fn name(&self) -> &'static str {
        match self {
            Correction::Holm => "holm",
            Correction::BenjaminiHochberg => "benjamini-hochberg",
            Correction::None => "none",
        }
    }
}

impl fmt::Display for Correction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Correction {
    type Err = anyhow::Error;

    fn from_str(text: &str) -> Result<Self> {
        match text.trim().to_ascii_lowercase().as_str() {
            "holm" => Ok(Correction::Holm),
            "benjamini-hochberg" | "bh" | "fdr" => Ok(Correction::BenjaminiHochberg),
            "none" => Ok(Correction::None),
            other => bail!("unknown correction {other:?}: expected holm, benjamini-hochberg (bh) or none"),
        }
    }
}

/// Settings of one [`compare`] call.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CompareOptions {
    /// Bootstrap resamples and permutations per comparison (each); at least 1.
    pub resamples: usize,
    pub seed: u64,
    pub correction: Correction,
    /// Significance level for `Test::significant`, in (0, 1].
    pub alpha: f64,
    /// Each group needs at least this many sentences (and at least 1) to be tested.
    pub min_sentences: u64,
    /// Each group needs at least this many documents with a sentence on the actor (and at least 1).
    /// The default is 5: with fewer documents a percentile bootstrap over documents is too narrow
    /// (on the State of the Union, groups of 4 speeches got intervals that excluded 0 where the
    /// permutation test gave p = 0.20).
    pub min_documents: usize,
}

impl Default for CompareOptions {
    fn default() -> Self {
        CompareOptions {
            resamples: 2000,
            seed: 1,
            correction: Correction::Holm,
            alpha: 0.05,
            min_sentences: 20,
            min_documents: 5,
        }
    }
}

/// One group's evidence on the request's actor.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct GroupStats {
    /// Sentence-weighted mean stance; `None` when the group has no sentence on the actor.
    pub stance: Option<f64>,
    pub sentences: u64,
    /// Documents with at least one sentence on the actor.
    pub documents: usize,
}

/// The test of one comparison that had enough evidence.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Test {
    /// Mean stance of A minus mean stance of B.
    pub difference: f64,
    /// 95% percentile cluster-bootstrap interval of the difference.
    pub ci95: [f64; 2],
    /// Two-sided permutation p-value, `(1 + extreme) / (resamples + 1)`.
    pub p_value: f64,
    /// `p_value` adjusted over the call's tested comparisons.
    pub p_adjusted: f64,
    /// `p_adjusted < alpha`.
    pub significant: bool,
    /// Cohen's d: difference over the pooled within-group SD of sentence stances; `None` when that
    /// SD is zero or undefined.
    pub effect_size: Option<f64>,
    /// 1-based rank by |difference| among the call's tested comparisons (ties by request order).
    pub rank: usize,
}

/// The result of one request.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Outcome {
    pub a: GroupStats,
    pub b: GroupStats,
    /// `None`: not enough evidence in some group, so nothing was tested.
    pub test: Option<Test>,
}

impl Outcome {
    /// [`STATUS_OK`] when tested, [`STATUS_NOT_ENOUGH_EVIDENCE`] otherwise.
    pub fn status(&self) -> &'static str {
        if self.test.is_some() {
            STATUS_OK
        } else {
            STATUS_NOT_ENOUGH_EVIDENCE
        }
    }
}

/// Compares group A with group B on one actor for every request; see the module docs.
///
/// Errors (before any work is done) when the table's arrays differ in shape, a row or actor index
/// is out of range, a row appears twice in a request (in one group or in both), a used sum is not
/// finite, `resamples` is 0, or `alpha` is outside (0, 1].
pub fn compare(table: &DocumentTable, requests: &[Request], options: &CompareOptions) -> Result<Vec<Outcome>> {
    validate(table, requests, options)?;
    compare_each(table, requests.len(), |i| Cow::Borrowed(&requests[i]), options)
}

/// Requests made at once by [`compare_each`].
const REQUESTS_AT_ONCE: usize = 256;

/// [`compare`] with request `i` made by `request(i)` only when it is needed, [`REQUESTS_AT_ONCE`]
/// at a time: many comparisons against large groups (each group against the rest of a corpus) stay
/// in bounded memory. Outcomes, corrections and ranks are those of [`compare`] on the same
/// requests (a request's resampling streams follow its index). Each batch of requests is checked
/// as `compare` checks them before any of it is worked on.
pub fn compare_each<'r>(
    table: &DocumentTable,
    count: usize,
    request: impl Fn(usize) -> Cow<'r, Request> + Sync,
    options: &CompareOptions,
) -> Result<Vec<Outcome>> {
    validate(table, &[], options)?;
    let mut outcomes: Vec<Outcome> = Vec::with_capacity(count);
    for start in (0..count).step_by(REQUESTS_AT_ONCE) {
        let batch: Vec<Cow<'r, Request>> = (start..count.min(start + REQUESTS_AT_ONCE)).map(&request).collect();
        let mut membership = vec![0_u8; table.sentences.dim().0];
        for (k, r) in batch.iter().enumerate() {
            check_request(table, r, start + k, &mut membership)?;
        }
        outcomes
            .par_extend(batch.par_iter().enumerate().map(|(k, r)| compare_one(table, r, (start + k) as u64, options)));
    }

    let tested: Vec<usize> = (0..outcomes.len()).filter(|&i| outcomes[i].test.is_some()).collect();
    let p_values: Vec<f64> = tested.iter().filter_map(|&i| outcomes[i].test.map(|test| test.p_value)).collect();
    let adjusted = adjust(&p_values, options.correction);
    let mut by_size = tested.clone();
    by_size.sort_by(|&i, &j| magnitude(&outcomes[j]).total_cmp(&magnitude(&outcomes[i])).then(i.cmp(&j)));
    for (&index, &p_adjusted) in tested.iter().zip(&adjusted) {
        if let Some(test) = outcomes[index].test.as_mut() {
            test.p_adjusted = p_adjusted;
            test.significant = p_adjusted < options.alpha;
        }
    }
    for (position, &index) in by_size.iter().enumerate() {
        if let Some(test) = outcomes[index].test.as_mut() {
            test.rank = position + 1;
        }
    }
    Ok(outcomes)
}

/// Adjusts p-values for multiple comparisons; the result is in input order. Holm: the i-th smallest
/// of m becomes `(m - i + 1) p`, made non-decreasing in p order and capped at 1. Benjamini-Hochberg:
/// the i-th smallest becomes `m p / i`, made non-decreasing by taking the minimum over all larger
/// ones, capped at 1. Ties keep input order; with tied p-values both procedures give them equal
/// adjusted values.
pub fn adjust(p_values: &[f64], correction: Correction) -> Vec<f64> {
    let count = p_values.len();
    let mut order: Vec<usize> = (0..count).collect();
    order.sort_by(|&i, &j| p_values[i].total_cmp(&p_values[j]).then(i.cmp(&j)));
    let mut adjusted = p_values.to_vec();
    match correction {
        Correction::None => {}
        Correction::Holm => {
            let mut running_max = 0.0_f64;
            for (position, &index) in order.iter().enumerate() {
                let scaled = ((count - position) as f64 * p_values[index]).min(1.0);
                running_max = running_max.max(scaled);
                adjusted[index] = running_max;
            }
        }
        Correction::BenjaminiHochberg => {
            let mut running_min = 1.0_f64;
            for (position, &index) in order.iter().enumerate().rev() {
                let scaled = (count as f64 / (position + 1) as f64 * p_values[index]).min(1.0);
                running_min = running_min.min(scaled);
                adjusted[index] = running_min;
            }
        }
    }
    adjusted
}

fn magnitude(outcome: &Outcome) -> f64 {
    outcome.test.map_or(0.0, |test| test.difference.abs())
}

fn validate(table: &DocumentTable, requests: &[Request], options: &CompareOptions) -> Result<()> {
    ensure!(options.resamples > 0, "resamples must be at least 1");
    ensure!(options.alpha > 0.0 && options.alpha <= 1.0, "alpha must be in (0, 1], got {}", options.alpha);
    let shape = table.sentences.dim();
    ensure!(
        table.stance_sum.dim() == shape && table.square_sum.dim() == shape,
        "document table arrays differ in shape: stance_sum {:?}, square_sum {:?}, sentences {:?}",
        table.stance_sum.dim(),
        table.square_sum.dim(),
        shape
    );
    let documents = shape.0;
    // 0 = unseen, 1 = in group A, 2 = in group B; reset after each request.
    let mut membership = vec![0_u8; documents];
    for (index, request) in requests.iter().enumerate() {
        check_request(table, request, index, &mut membership)?;
    }
    Ok(())
}

/// Checks one request; `membership` (one byte per document, all 0) is left all 0.
fn check_request(table: &DocumentTable, request: &Request, index: usize, membership: &mut [u8]) -> Result<()> {
    let documents = membership.len();
    let checked = validate_request(table, request, index, membership);
    for &row in request.a.iter().chain(&request.b).filter(|&&row| row < documents) {
        membership[row] = 0;
    }
    checked?;
    ensure!(
        request.a.len() + request.b.len() <= u32::MAX as usize,
        "request {index}: more than {} documents",
        u32::MAX
    );
    Ok(())
}

fn validate_request(table: &DocumentTable, request: &Request, index: usize, membership: &mut [u8]) -> Result<()> {
    let documents = membership.len();
    ensure!(
        request.actor < table.actors(),
        "request {index}: actor {} is out of range (table has {} actors)",
        request.actor,
        table.actors()
    );
    for (group, rows, mark) in [("A", &request.a, 1_u8), ("B", &request.b, 2_u8)] {
        for &row in rows {
            ensure!(
                row < documents,
                "request {index}: group {group} row {row} is out of range (table has {documents} documents)"
            );
            match membership[row] {
                0 => membership[row] = mark,
                seen if seen == mark => bail!("request {index}: row {row} appears twice in group {group}"),
                _ => bail!("request {index}: row {row} is in both group A and group B"),
            }
            let cell = [row, request.actor];
            if table.sentences[cell] > 0 {
                ensure!(
                    table.stance_sum[cell].is_finite() && table.square_sum[cell].is_finite(),
                    "request {index}: row {row}, actor {}: stance sums are not finite",
                    request.actor
                );
            }
        }
    }
    Ok(())
}

/// Totals of one group over its documents that mention the actor.
#[derive(Debug, Clone, Copy, Default)]
struct GroupSums {
    stance: f64,
    squares: f64,
    sentences: u64,
    documents: usize,
}

impl GroupSums {
    fn stats(&self) -> GroupStats {
        GroupStats {
            stance: (self.sentences > 0).then(|| self.stance / self.sentences as f64),
            sentences: self.sentences,
            documents: self.documents,
        }
    }

    fn is_enough(&self, options: &CompareOptions) -> bool {
        self.sentences >= options.min_sentences.max(1) && self.documents >= options.min_documents.max(1)
    }
}

/// Gathers the group's documents that mention the actor as contiguous `[stance sum, sentences]`
/// pairs appended to `documents`, and returns the group's totals.
fn gather(table: &DocumentTable, rows: &[usize], actor: usize, documents: &mut Vec<[f64; 2]>) -> GroupSums {
    let mut sums = GroupSums::default();
    for &row in rows {
        let sentences = table.sentences[[row, actor]];
        if sentences == 0 {
            continue;
        }
        let stance = table.stance_sum[[row, actor]];
        sums.stance += stance;
        sums.squares += table.square_sum[[row, actor]];
        sums.sentences += sentences;
        sums.documents += 1;
        documents.push([stance, sentences as f64]);
    }
    sums
}

fn compare_one(table: &DocumentTable, request: &Request, index: u64, options: &CompareOptions) -> Outcome {
    let mut documents = Vec::with_capacity(request.a.len() + request.b.len());
    let a = gather(table, &request.a, request.actor, &mut documents);
    let b = gather(table, &request.b, request.actor, &mut documents);
    let outcome = Outcome { a: a.stats(), b: b.stats(), test: None };
    if !(a.is_enough(options) && b.is_enough(options)) {
        return outcome;
    }
    let difference = a.stance / a.sentences as f64 - b.stance / b.sentences as f64;
    let (group_a, group_b) = documents.split_at(a.documents);

    let mut bootstrap_rng = ChaCha8Rng::seed_from_u64(options.seed);
    bootstrap_rng.set_stream(2 * index);
    let mut differences = bootstrap_differences(group_a, group_b, options.resamples, &mut bootstrap_rng);
    differences.sort_unstable_by(f64::total_cmp);
    let ci95 = [quantile_of_sorted(&differences, 0.025), quantile_of_sorted(&differences, 0.975)];

    let mut permutation_rng = ChaCha8Rng::seed_from_u64(options.seed);
    permutation_rng.set_stream(2 * index + 1);
    let extreme =
        count_extreme_permutations(&documents, a.documents, difference, options.resamples, &mut permutation_rng);
    let p_value = (1 + extreme) as f64 / (options.resamples + 1) as f64;

    let test = Test {
        difference,
        ci95,
        p_value,
        p_adjusted: p_value,
        significant: false,
        effect_size: cohens_d(&a, &b, difference),
        rank: 0,
    };
    Outcome { test: Some(test), ..outcome }
}

/// Cohen's d with the pooled within-group variance of sentence stances,
/// `((Qa - Sa²/Na) + (Qb - Sb²/Nb)) / (Na + Nb - 2)`, which equals
/// `((Na - 1) va + (Nb - 1) vb) / (Na + Nb - 2)` and stays defined when a group has one sentence.
fn cohens_d(a: &GroupSums, b: &GroupSums, difference: f64) -> Option<f64> {
    let within = |group: &GroupSums| group.squares - group.stance * group.stance / group.sentences as f64;
    let degrees_of_freedom = (a.sentences + b.sentences) as f64 - 2.0;
    if degrees_of_freedom <= 0.0 {
        return None;
    }
    let pooled_variance = (within(a) + within(b)) / degrees_of_freedom;
    (pooled_variance > VARIANCE_FLOOR).then(|| difference / pooled_variance.sqrt())
}

/// Random draws are made in batches of this many, apart from the sums that use them, so that the
/// summing loop keeps its accumulators in registers.
const DRAW_BATCH: usize = 64;

/// `resamples` bootstrap differences: each draws `|A|` documents from A and `|B|` from B with
/// replacement. Both groups must be non-empty.
fn bootstrap_differences(
    group_a: &[[f64; 2]],
    group_b: &[[f64; 2]],
    resamples: usize,
    rng: &mut ChaCha8Rng,
) -> Vec<f64> {
    (0..resamples).map(|_| resampled_mean(group_a, rng) - resampled_mean(group_b, rng)).collect()
}

fn resampled_mean(group: &[[f64; 2]], rng: &mut ChaCha8Rng) -> f64 {
    let bound = group.len() as u32;
    let mut draws = [0_u32; DRAW_BATCH];
    let (mut stance, mut sentences) = (0.0, 0.0);
    let mut remaining = group.len();
    while remaining > 0 {
        let batch = &mut draws[..remaining.min(DRAW_BATCH)];
        for draw in batch.iter_mut() {
            *draw = uniform_below(rng, bound);
        }
        for &draw in batch.iter() {
            let [document_stance, document_sentences] = group[draw as usize];
            stance += document_stance;
            sentences += document_sentences;
        }
        remaining -= batch.len();
    }
    stance / sentences
}

/// How many of `resamples` random relabellings give `|D*| >= |D| - TIE_TOLERANCE`. `documents`
/// holds A's `a_count` documents then B's; both groups must be non-empty. Each relabelling is a
/// partial Fisher-Yates shuffle that picks the smaller group; the other group's sums are the totals
/// minus the picked ones (sentence counts are integers, so those stay exact).
fn count_extreme_permutations(
    documents: &[[f64; 2]],
    a_count: usize,
    observed: f64,
    resamples: usize,
    rng: &mut ChaCha8Rng,
) -> usize {
    let mut pool = documents.to_vec();
    let total = pool.len();
    let picked_is_a = a_count <= total - a_count;
    let picked_count = a_count.min(total - a_count);
    let (total_stance, total_sentences) =
        pool.iter().fold((0.0, 0.0), |(stance, sentences), &[s, n]| (stance + s, sentences + n));
    let threshold = observed.abs() - TIE_TOLERANCE;
    let mut draws = [0_u32; DRAW_BATCH];
    let mut extreme = 0;
    for _ in 0..resamples {
        let (mut stance, mut sentences) = (0.0, 0.0);
        let mut start = 0;
        while start < picked_count {
            let batch = &mut draws[..(picked_count - start).min(DRAW_BATCH)];
            for (position, draw) in (start..).zip(batch.iter_mut()) {
                *draw = position as u32 + uniform_below(rng, (total - position) as u32);
            }
            for (position, &draw) in (start..).zip(batch.iter()) {
                pool.swap(position, draw as usize);
                let [document_stance, document_sentences] = pool[position];
                stance += document_stance;
                sentences += document_sentences;
            }
            start += batch.len();
        }
        let picked_mean = stance / sentences;
        let other_mean = (total_stance - stance) / (total_sentences - sentences);
        let difference = if picked_is_a { picked_mean - other_mean } else { other_mean - picked_mean };
        if difference.abs() >= threshold {
            extreme += 1;
        }
    }
    extreme
}

/// A uniform draw from `0..bound` (`bound >= 1`) by Lemire's multiply-and-reject method: exact, and
/// one 32-bit word per draw except with probability below `bound / 2^32`.
fn uniform_below(rng: &mut ChaCha8Rng, bound: u32) -> u32 {
    let mut product = u64::from(rng.next_u32()) * u64::from(bound);
    if (product as u32) < bound {
        let threshold = bound.wrapping_neg() % bound;
        while (product as u32) < threshold {
            product = u64::from(rng.next_u32()) * u64::from(bound);
        }
    }
    (product >> 32) as u32
}

/// Quantile `p` of ascending `sorted` values by linear interpolation between order statistics
/// (Hyndman-Fan type 7, R's default). `sorted` must be non-empty.
fn quantile_of_sorted(sorted: &[f64], p: f64) -> f64 {
    let last = sorted.len().saturating_sub(1);
    let position = last as f64 * p.clamp(0.0, 1.0);
    let below = (position.floor() as usize).min(last);
    let above = (below + 1).min(last);
    sorted[below] + (position - below as f64) * (sorted[above] - sorted[below])
}
