//! Scores encoded sentences with the model: sorts them by length so a batch carries little padding,
//! runs one encoder pass per batch, and returns calibrated probabilities in the caller's order. A
//! sentence too big for one call under the [`BatchPolicy`] (many windows, or many targets) is cut
//! into pieces, each some of its rows and the targets in them, so memory is bounded by the policy
//! whatever the input.
//!
//! Invariant: results come back in input order, one per sentence with one distribution per target,
//! and in fp32 and bf16 a sentence's scores do not depend on which other sentences shared its batch
//! (padding is masked; rows are encoded independently), so output is deterministic. Under int8 the
//! activations of a batch share one quantization range, so a sentence's scores move a little with
//! its batch-mates; batches are planned from the input alone, so output is still deterministic.

pub mod lines;
pub mod pool;

use std::borrow::Cow;
use std::sync::Mutex;

use anyhow::{ensure, Context, Result};

use crate::datasets::StanceExample;
use crate::labels::{argmax, LabelSet, Sentiment, Stance};
use crate::model::encode::TargetTokens;
use crate::model::{calibrated_probs, Batch, CharSpan, EncodedSentence, Precision, StanceModel};
use rayon::prelude::*;

/// Probabilities for one sentence: its sentiment, and the stance toward each target in input order.
#[derive(Debug, Clone, PartialEq)]
pub struct SentenceScores {
    pub sentiment: [f32; 3],
    pub targets: Vec<[f32; 3]>,
}

impl SentenceScores {
    pub fn sentiment_label(&self) -> Sentiment {
        Sentiment::from_index(argmax(&self.sentiment)).unwrap_or(Sentiment::Neutral)
    }
    pub fn stance_label(&self, target: usize) -> Stance {
        Stance::from_index(argmax(&self.targets[target])).unwrap_or(Stance::Neutral)
    }
}

/// How batches are cut.
#[derive(Debug, Clone, Copy)]
pub struct BatchPolicy {
    /// At most this many sentences per encoder call.
    pub max_sentences: usize,
    /// At most this many padded tokens per encoder call (bounds memory on long sentences); one
    /// row always fits, whatever this says.
    pub max_tokens: usize,
    /// At most this many targets per encoder call: each costs a `[tokens, hidden]` slice of the
    /// encoder output in the stance head, so thousands of targets in one sentence go in groups.
    pub max_targets: usize,
}

/// 16 sentences per call was the fastest on a 2-core CPU: larger batches fall out of cache and get
/// slower per sentence (`cargo bench --bench score_throughput`, figures in BENCHMARKS.md). 256
/// targets of 128 tokens keep the stance head under about 50 MiB.
impl Default for BatchPolicy {
    fn default() -> Self {
        BatchPolicy { max_sentences: 16, max_tokens: 16 * 128, max_targets: 256 }
    }
}

/// Where a unit of work came from: its sentence, which of the sentence's targets it holds (in the
/// unit's order), and whether its first row is the sentence's first row (so its sentiment counts).
struct Origin {
    sentence: usize,
    targets: Option<Vec<usize>>,
    sentiment: bool,
}

/// The units of work for a set of sentences (whole sentences, or pieces of oversized ones) and
/// the batches they go in.
pub struct Plan<'a> {
    units: Vec<Cow<'a, EncodedSentence>>,
    origins: Vec<Origin>,
    target_counts: Vec<usize>,
    /// Unit indices per encoder call.
    pub batches: Vec<Vec<usize>>,
}

impl<'a> Plan<'a> {
    pub fn new(encoded: &[&'a EncodedSentence], policy: BatchPolicy) -> Self {
        let mut units = Vec::with_capacity(encoded.len());
        let mut origins = Vec::with_capacity(encoded.len());
        for (i, s) in encoded.iter().enumerate() {
            let rows_per_call = (policy.max_tokens / s.max_len().max(1)).max(1);
            let max_targets = policy.max_targets.max(1);
            if s.rows.len() <= rows_per_call && s.targets.len() <= max_targets {
                units.push(Cow::Borrowed(*s));
                origins.push(Origin { sentence: i, targets: None, sentiment: true });
                continue;
            }
            for (piece, targets, sentiment) in split_sentence(s, rows_per_call, max_targets) {
                units.push(Cow::Owned(piece));
                origins.push(Origin { sentence: i, targets: Some(targets), sentiment });
            }
        }
        let refs: Vec<&EncodedSentence> = units.iter().map(|u| u.as_ref()).collect();
        let batches = plan_batches(&refs, policy);
        let target_counts = encoded.iter().map(|s| s.targets.len()).collect();
        Plan { units, origins, target_counts, batches }
    }

    /// The units, for [`score_batch`].
    pub fn units(&self) -> Vec<&EncodedSentence> {
        self.units.iter().map(|u| u.as_ref()).collect()
    }

    /// Sentences whose sentiment a batch completes (for progress counts).
    pub fn sentences_in(&self, batch: &[usize]) -> usize {
        batch.iter().filter(|&&u| self.origins[u].sentiment).count()
    }

    /// Puts scored units back together as one result per sentence; an error if any unit or target
    /// is missing (the scorer broke its contract).
    pub fn assemble(&self, scored: impl IntoIterator<Item = (usize, SentenceScores)>) -> Result<Vec<SentenceScores>> {
        let mut sentiment: Vec<Option<[f32; 3]>> = vec![None; self.target_counts.len()];
        let mut targets: Vec<Vec<Option<[f32; 3]>>> = self.target_counts.iter().map(|&n| vec![None; n]).collect();
        for (u, s) in scored {
            let o = self.origins.get(u).context("a scored unit that was never planned")?;
            if o.sentiment {
                sentiment[o.sentence] = Some(s.sentiment);
            }
            let n = o.targets.as_ref().map_or(self.target_counts[o.sentence], Vec::len);
            ensure!(
                s.targets.len() == n,
                "the model returned {} target scores for a unit with {n} targets",
                s.targets.len()
            );
            for (k, p) in s.targets.into_iter().enumerate() {
                let t = o.targets.as_ref().map_or(k, |ts| ts[k]);
                targets[o.sentence][t] = Some(p);
            }
        }
        sentiment
            .into_iter()
            .zip(targets)
            .enumerate()
            .map(|(i, (sent, ts))| {
                Ok(SentenceScores {
                    sentiment: sent.with_context(|| format!("sentence {i} was not scored"))?,
                    targets: ts
                        .into_iter()
                        .collect::<Option<Vec<_>>>()
                        .with_context(|| format!("a target of sentence {i} was not scored"))?,
                })
            })
            .collect()
    }
}

/// Cuts one sentence into pieces of at most `rows_per_call` rows and `max_targets` targets. The
/// first piece starts with the sentence's first row (its sentiment); every target is in one piece.
/// Returns `(piece, the piece's targets as indices into the sentence's, carries sentiment)`.
fn split_sentence(
    s: &EncodedSentence,
    rows_per_call: usize,
    max_targets: usize,
) -> Vec<(EncodedSentence, Vec<usize>, bool)> {
    let mut order: Vec<usize> = (0..s.targets.len()).collect();
    order.sort_by_key(|&t| (s.targets[t].row, t));
    let mut pieces = Vec::new();
    let mut rows: Vec<usize> = vec![0];
    let mut members: Vec<usize> = Vec::new();
    let flush =
        |rows: &mut Vec<usize>, members: &mut Vec<usize>, pieces: &mut Vec<(EncodedSentence, Vec<usize>, bool)>| {
            let sentiment = pieces.is_empty();
            let piece = EncodedSentence {
                rows: rows.iter().map(|&r| s.rows[r].clone()).collect(),
                targets: members
                    .iter()
                    .map(|&t| {
                        let tt = s.targets[t];
                        let row = rows.iter().position(|&r| r == tt.row).expect("a target's row is in its piece");
                        TargetTokens { row, ..tt }
                    })
                    .collect(),
            };
            pieces.push((piece, std::mem::take(members), sentiment));
            rows.clear();
        };
    for t in order {
        let row = s.targets[t].row;
        let new_row = rows.last() != Some(&row);
        if members.len() >= max_targets || (new_row && rows.len() >= rows_per_call) {
            flush(&mut rows, &mut members, &mut pieces);
        }
        if rows.last() != Some(&row) {
            rows.push(row);
        }
        members.push(t);
    }
    if !members.is_empty() || pieces.is_empty() {
        flush(&mut rows, &mut members, &mut pieces);
    }
    pieces
}

/// Cuts length-sorted sentence indices into batches under `policy`.
pub fn plan_batches(encoded: &[&EncodedSentence], policy: BatchPolicy) -> Vec<Vec<usize>> {
    let mut order: Vec<usize> = (0..encoded.len()).collect();
    order.sort_by_key(|&i| (encoded[i].max_len(), i));
    let mut batches = Vec::new();
    let mut current: Vec<usize> = Vec::new();
    let (mut rows, mut targets) = (0usize, 0usize);
    for i in order {
        let len = encoded[i].max_len();
        let r = encoded[i].rows.len();
        let t = encoded[i].targets.len();
        // Sorted ascending, so `len` is the padded width if `i` joins the batch.
        if !current.is_empty()
            && (current.len() >= policy.max_sentences.max(1)
                || (rows + r) * len > policy.max_tokens
                || targets + t > policy.max_targets.max(1))
        {
            batches.push(std::mem::take(&mut current));
            (rows, targets) = (0, 0);
        }
        current.push(i);
        rows += r;
        targets += t;
    }
    if !current.is_empty() {
        batches.push(current);
    }
    batches
}

/// Scores encoded sentences; `progress` is called with the number of sentences done after each batch.
pub fn score_encoded(
    model: &StanceModel,
    encoded: &[&EncodedSentence],
    policy: BatchPolicy,
    mut progress: impl FnMut(usize),
) -> Result<Vec<SentenceScores>> {
    let plan = Plan::new(encoded, policy);
    let units = plan.units();
    let mut scored = Vec::with_capacity(units.len());
    for batch in &plan.batches {
        scored.extend(score_batch(model, &units, batch)?);
        progress(plan.sentences_in(batch));
    }
    plan.assemble(scored)
}

/// Scores every target of `xs`: (probabilities, gold indices), in target order.
pub fn stance_predictions(model: &StanceModel, xs: &[StanceExample]) -> Result<(Vec<[f32; 3]>, Vec<usize>)> {
    let enc = encode_stance(model, xs)?;
    let refs: Vec<&EncodedSentence> = enc.iter().collect();
    let scores = score_encoded(model, &refs, BatchPolicy::default(), |_| {})?;
    let probs: Vec<[f32; 3]> = scores.iter().flat_map(|s| s.targets.iter().copied()).collect();
    let gold: Vec<usize> = xs.iter().flat_map(|x| x.labels.iter().map(|l| l.index())).collect();
    Ok((probs, gold))
}

/// Encodes labelled stance examples (their sentences and targets), in parallel.
pub fn encode_stance(model: &StanceModel, xs: &[StanceExample]) -> Result<Vec<EncodedSentence>> {
    let encoder = &model.encoder;
    xs.par_iter()
        .enumerate()
        .map(|(i, x)| encoder.encode(&x.text, &x.spans).with_context(|| format!("stance example {i}")))
        .collect()
}

/// Sentence sentiment of plain texts (no targets), in input order; tokenizes in parallel.
pub fn sentiment_probs(model: &StanceModel, texts: &[String], policy: BatchPolicy) -> Result<Vec<[f32; 3]>> {
    let encoder = &model.encoder;
    let encoded: Vec<EncodedSentence> = texts.par_iter().map(|t| encoder.encode(t, &[])).collect::<Result<_, _>>()?;
    let refs: Vec<&EncodedSentence> = encoded.iter().collect();
    Ok(score_encoded(model, &refs, policy, |_| {})?.into_iter().map(|s| s.sentiment).collect())
}

/// Scores one planned batch (indices into `encoded`) in one encoder call; returns `(index, scores)`.
pub fn score_batch(
    model: &StanceModel,
    encoded: &[&EncodedSentence],
    batch_idx: &[usize],
) -> Result<Vec<(usize, SentenceScores)>> {
    let members: Vec<&EncodedSentence> = batch_idx.iter().map(|&i| encoded[i]).collect();
    let batch = Batch::collate(&members, model.vs.device());
    let logits = tch::no_grad(|| model.network.forward_t(&batch, false))?;
    let stance = calibrated_probs(&logits.stance, model.config.stance_temperature)?;
    let sentiment = calibrated_probs(&logits.sentiment, model.config.sentiment_temperature)?;
    ensure!(
        stance.len() == batch.n_targets && sentiment.len() == members.len(),
        "the network returned {} stance and {} sentiment rows for {} targets in {} sentences",
        stance.len(),
        sentiment.len(),
        batch.n_targets,
        members.len()
    );
    let mut t = 0;
    let mut out = Vec::with_capacity(batch_idx.len());
    for (k, &i) in batch_idx.iter().enumerate() {
        let n = encoded[i].targets.len();
        out.push((i, SentenceScores { sentiment: sentiment[k], targets: stance[t..t + n].to_vec() }));
        t += n;
    }
    Ok(out)
}

/// Scores sentences with target spans (character offsets into each sentence). `analyze` calls
/// `score` from [`SentenceScorer::workers`] threads at once, one chunk each.
pub trait SentenceScorer: Sync {
    fn score(&self, items: &[(&str, Vec<CharSpan>)]) -> Result<Vec<SentenceScores>>;
    /// How many `score` calls run well side by side (the model copies held).
    fn workers(&self) -> usize {
        1
    }
    /// Runs once on each worker thread before its first `score` (libtorch's thread count is a
    /// per-thread setting).
    fn start_worker(&self) {}
}

/// The real scorer: tokenizes in parallel, then batches through a model. With several model
/// copies, calls running at once each take a free copy; each copy runs `torch_threads` libtorch
/// threads. A sentence's batch-mates depend only on the call's items, and every copy computes the
/// same numbers at the same thread count, so the output does not depend on which copy scored what.
pub struct ModelScorer {
    models: Vec<Mutex<StanceModel>>,
    policy: BatchPolicy,
    torch_threads: i32,
    precision: Precision,
}

impl ModelScorer {
    /// `models` must be copies of one model folder loaded in one precision (at least one); the
    /// scorer runs in the precision they record.
    pub fn new(models: Vec<StanceModel>, policy: BatchPolicy, torch_threads: i32) -> Result<Self> {
        ensure!(!models.is_empty(), "a scorer needs a model");
        let precision = models[0].precision;
        ensure!(models.iter().all(|m| m.precision == precision), "the scorer's model copies differ in precision");
        Ok(ModelScorer { models: models.into_iter().map(Mutex::new).collect(), policy, torch_threads, precision })
    }

    /// The precision the models run in (concrete: never `auto`).
    pub fn precision(&self) -> Precision {
        self.precision
    }

    /// Runs `f` with a model copy no other call is using (or, if all are busy, waits for the first).
    pub fn with_model<T>(&self, f: impl FnOnce(&StanceModel) -> T) -> Result<T> {
        let free = self.models.iter().find_map(|m| m.try_lock().ok());
        let model = match free {
            Some(guard) => guard,
            None => self.models[0].lock().map_err(|_| anyhow::anyhow!("a scoring worker panicked"))?,
        };
        Ok(f(&model))
    }

    pub fn policy(&self) -> BatchPolicy {
        self.policy
    }
}

impl SentenceScorer for ModelScorer {
    fn score(&self, items: &[(&str, Vec<CharSpan>)]) -> Result<Vec<SentenceScores>> {
        self.with_model(|model| {
            let encoder = &model.encoder;
            let encoded: Vec<EncodedSentence> =
                items.par_iter().map(|(t, s)| encoder.encode(t, s)).collect::<Result<_, _>>()?;
            let refs: Vec<&EncodedSentence> = encoded.iter().collect();
            score_encoded(model, &refs, self.policy, |_| {})
        })?
    }

    fn workers(&self) -> usize {
        self.models.len()
    }

    fn start_worker(&self) {
        tch::set_num_threads(self.torch_threads);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::encode::{Row, TargetTokens};

    fn sentence(len: usize, rows: usize) -> EncodedSentence {
        EncodedSentence {
            rows: (0..rows).map(|_| Row { ids: vec![1; len] }).collect(),
            targets: vec![TargetTokens { row: 0, start: 1, end: 2 }],
        }
    }

    #[test]
    fn batches_cover_every_sentence_once_and_respect_limits() {
        let s: Vec<EncodedSentence> = [5, 40, 7, 7, 90, 3, 12].iter().map(|&l| sentence(l, 1)).collect();
        let refs: Vec<&EncodedSentence> = s.iter().collect();
        let policy = BatchPolicy { max_sentences: 3, max_tokens: 100, max_targets: 256 };
        let batches = plan_batches(&refs, policy);
        let mut seen: Vec<usize> = batches.iter().flatten().copied().collect();
        seen.sort();
        assert_eq!(seen, (0..7).collect::<Vec<_>>());
        for b in &batches {
            assert!(b.len() <= 3);
            let width = b.iter().map(|&i| s[i].max_len()).max().unwrap();
            assert!(b.len() == 1 || b.len() * width <= 100, "batch {b:?} too big");
        }
        // Length-sorted: the first batch holds the shortest sentences.
        assert_eq!(batches[0], vec![5, 0, 2]);
    }

    fn many_targets(rows: usize, targets: usize) -> EncodedSentence {
        EncodedSentence {
            rows: (0..rows).map(|r| Row { ids: vec![r as i64; 128] }).collect(),
            targets: (0..targets)
                .map(|t| TargetTokens { row: (t * 7) % rows, start: 1 + t % 100, end: 2 + t % 100 })
                .collect(),
        }
    }

    #[test]
    fn oversized_sentences_are_cut_into_pieces_under_the_policy() {
        let policy = BatchPolicy { max_sentences: 16, max_tokens: 4 * 128, max_targets: 10 };
        let big = many_targets(30, 95);
        let small = sentence(9, 1);
        let plan = Plan::new(&[&small, &big], policy);
        let units = plan.units();
        for b in &plan.batches {
            let rows: usize = b.iter().map(|&u| units[u].rows.len()).sum();
            let width = b.iter().map(|&u| units[u].max_len()).max().unwrap();
            let targets: usize = b.iter().map(|&u| units[u].targets.len()).sum();
            assert!(rows * width <= 4 * 128 && targets <= 10, "batch over the policy: {rows} rows, {targets} targets");
        }
        // Pretend scores: each target's distribution encodes its own token start, so reassembly
        // can be checked target by target.
        let scored = plan.batches.iter().flatten().map(|&u| {
            let targets =
                units[u].targets.iter().map(|t| [t.start as f32, units[u].rows[t.row].ids[0] as f32, 0.0]).collect();
            (u, SentenceScores { sentiment: [units[u].rows[0].ids[0] as f32, 0.0, 0.0], targets })
        });
        let out = plan.assemble(scored.collect::<Vec<_>>()).unwrap();
        assert_eq!(out.len(), 2);
        assert_eq!(out[1].sentiment[0], 0.0, "sentiment comes from the sentence's first row");
        for (t, got) in big.targets.iter().zip(&out[1].targets) {
            assert_eq!(*got, [t.start as f32, t.row as f32, 0.0]);
        }
        assert_eq!(plan.batches.iter().map(|b| plan.sentences_in(b)).sum::<usize>(), 2);
    }

    #[test]
    fn a_missing_score_is_an_error_not_a_panic() {
        let s = sentence(5, 1);
        let plan = Plan::new(&[&s], BatchPolicy::default());
        assert!(plan.assemble(Vec::new()).is_err());
        let wrong = SentenceScores { sentiment: [0.0; 3], targets: vec![] };
        assert!(plan.assemble(vec![(0, wrong)]).is_err());
    }
}
