//! Scores encoded sentences with the model: sorts them by length so
//! a batch carries little padding, runs one encoder pass per batch, and returns calibrated
//! probabilities in the caller's order.
//!
//! Invariant: results come back in input order, and a sentence's scores do not depend on which
//! other sentences shared its batch (padding is masked), so output is deterministic.

use anyhow::Result;

use crate::labels::{argmax, LabelSet, Sentiment, Stance};
use crate::model::{calibrated_probs, Batch, EncodedSentence, StanceModel};

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
    /// At most this many padded tokens per encoder call (bounds memory on long sentences).
    pub max_tokens: usize,
}

/// 16 sentences per call was the fastest on a 2-core CPU: larger batches fall out of cache and get
/// slower per sentence (`cargo bench --bench score_throughput`, figures in BENCHMARKS.md).
impl Default for BatchPolicy {
    fn default() -> Self {
        BatchPolicy { max_sentences: 16, max_tokens: 16 * 128 }
    }
}

/// Cuts length-sorted sentence indices into batches under `policy`.
pub fn plan_batches(encoded: &[&EncodedSentence], policy: BatchPolicy) -> Vec<Vec<usize>> {
    let mut order: Vec<usize> = (0..encoded.len()).collect();
    order.sort_by_key(|&i| (encoded[i].max_len(), i));
    let mut batches = Vec::new();
    let mut current: Vec<usize> = Vec::new();
    let mut rows = 0usize;
    for i in order {
        let len = encoded[i].max_len();
        let r = encoded[i].rows.len();
        // Sorted ascending, so `len` is the padded width if `i` joins the batch.
        if !current.is_empty()
            && (current.len() >= policy.max_sentences.max(1) || (rows + r) * len > policy.max_tokens)
        {
            batches.push(std::mem::take(&mut current));
            rows = 0;
        }
        current.push(i);
        rows += r;
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
    let mut out: Vec<Option<SentenceScores>> = vec![None; encoded.len()];
    for batch_idx in plan_batches(encoded, policy) {
        for (i, s) in score_batch(model, encoded, &batch_idx)? {
            out[i] = Some(s);
        }
        progress(batch_idx.len());
    }
    Ok(out.into_iter().map(|s| s.expect("every sentence is in one batch")).collect())
}

/// Sentence sentiment of plain texts (no targets), in input order; tokenizes in parallel.
pub fn sentiment_probs(model: &StanceModel, texts: &[String], policy: BatchPolicy) -> Result<Vec<[f32; 3]>> {
    use rayon::prelude::*;
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
    let stance = calibrated_probs(&logits.stance, model.config.stance_temperature);
    let sentiment = calibrated_probs(&logits.sentiment, model.config.sentiment_temperature);
    let mut t = 0;
    let mut out = Vec::with_capacity(batch_idx.len());
    for (k, &i) in batch_idx.iter().enumerate() {
        let n = encoded[i].targets.len();
        out.push((i, SentenceScores { sentiment: sentiment[k], targets: stance[t..t + n].to_vec() }));
        t += n;
    }
    Ok(out)
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
        let s: Vec<EncodedSentence> =
            [5, 40, 7, 7, 90, 3, 12].iter().map(|&l| sentence(l, 1)).collect();
        let refs: Vec<&EncodedSentence> = s.iter().collect();
        let policy = BatchPolicy { max_sentences: 3, max_tokens: 100 };
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
}
