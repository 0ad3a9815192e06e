//! Readers for the labelled data sets the model is trained and evaluated on (see
//! `../shared/data/README.md`): NewsMTSC JSONL (target-dependent sentiment in political news, used
//! as stance toward the target), SST-2 TSV (binary sentence sentiment) and TweetEval
//! (three-way sentence sentiment). Every reader names the file and line of a bad record.
//!
//! Invariant: NewsMTSC offsets `from`/`to` are Unicode character offsets, end exclusive, the same
//! convention as `stance score`.

pub mod actor_corpus;
pub mod behaviour;
pub mod directed;

use std::path::Path;

use anyhow::{anyhow, bail, Context, Result};
use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::Deserialize;

use crate::labels::{Sentiment, Stance};
use crate::text::span::CharSpan;

/// A sentence with targets and a gold stance for each.
#[derive(Debug, Clone)]
pub struct StanceExample {
    pub text: String,
    pub spans: Vec<CharSpan>,
    pub labels: Vec<Stance>,
}

/// A sentence with a gold sentiment.
#[derive(Debug, Clone)]
pub struct SentimentExample {
    pub text: String,
    pub label: Sentiment,
}

#[derive(Deserialize)]
struct MtscLine {
    sentence_normalized: String,
    targets: Vec<MtscTarget>,
}

#[derive(Deserialize)]
struct MtscTarget {
    from: usize,
    to: usize,
    polarity: f64,
}

/// Reads NewsMTSC JSONL: polarity 2.0 / 4.0 / 6.0 become against / neutral / favor.
pub fn read_newsmtsc(path: &Path) -> Result<Vec<StanceExample>> {
    let text = std::fs::read_to_string(path).with_context(|| format!("{}: cannot read", path.display()))?;
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let where_ = || format!("{}:{}", path.display(), i + 1);
        let rec: MtscLine = serde_json::from_str(line).with_context(|| format!("{}: bad NewsMTSC record", where_()))?;
        let mut spans = Vec::new();
        let mut labels = Vec::new();
        for t in &rec.targets {
            let label = match t.polarity {
                p if (p - 2.0).abs() < 0.01 => Stance::Against,
                p if (p - 4.0).abs() < 0.01 => Stance::Neutral,
                p if (p - 6.0).abs() < 0.01 => Stance::Favor,
                p => bail!("{}: field \"polarity\": expected 2.0, 4.0 or 6.0, got {p}", where_()),
            };
            spans.push(CharSpan { start: t.from, end: t.to });
            labels.push(label);
        }
        out.push(StanceExample { text: rec.sentence_normalized, spans, labels });
    }
    Ok(out)
}

/// Reads an SST-2 TSV (`sentence<TAB>label` with a header; 0 negative, 1 positive).
pub fn read_sst2(path: &Path) -> Result<Vec<SentimentExample>> {
    let text = std::fs::read_to_string(path).with_context(|| format!("{}: cannot read", path.display()))?;
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate().skip(1) {
        if line.trim().is_empty() {
            continue;
        }
        let (sentence, label) = line
            .rsplit_once('\t')
            .ok_or_else(|| anyhow!("{}:{}: expected 'sentence<TAB>label'", path.display(), i + 1))?;
        let label = match label.trim() {
            "0" => Sentiment::Negative,
            "1" => Sentiment::Positive,
            other => bail!("{}:{}: field \"label\": expected 0 or 1, got '{other}'", path.display(), i + 1),
        };
        out.push(SentimentExample { text: sentence.trim().to_string(), label });
    }
    Ok(out)
}

/// Reads TweetEval sentiment: `<prefix>_text.txt` and `<prefix>_labels.txt` (0/1/2), line by line.
pub fn read_tweeteval(dir: &Path, prefix: &str) -> Result<Vec<SentimentExample>> {
    let tp = dir.join(format!("{prefix}_text.txt"));
    let lp = dir.join(format!("{prefix}_labels.txt"));
    let texts = std::fs::read_to_string(&tp).with_context(|| format!("{}: cannot read", tp.display()))?;
    let labels = std::fs::read_to_string(&lp).with_context(|| format!("{}: cannot read", lp.display()))?;
    let texts: Vec<&str> = texts.lines().collect();
    let labels: Vec<&str> = labels.lines().collect();
    if texts.len() != labels.len() {
        bail!("{}: {} texts but {} labels in {}", tp.display(), texts.len(), labels.len(), lp.display());
    }
    texts
        .iter()
        .zip(&labels)
        .enumerate()
        .map(|(i, (t, l))| {
            let label = match l.trim() {
                "0" => Sentiment::Negative,
                "1" => Sentiment::Neutral,
                "2" => Sentiment::Positive,
                other => bail!("{}:{}: expected 0, 1 or 2, got '{other}'", lp.display(), i + 1),
            };
            Ok(SentimentExample { text: t.trim().to_string(), label })
        })
        .collect()
}

/// Splits `items` into (train, validation) with a seeded shuffle; `val_fraction` of them validate.
pub fn split<T: Clone>(items: &[T], val_fraction: f64, seed: u64) -> (Vec<T>, Vec<T>) {
    let mut idx: Vec<usize> = (0..items.len()).collect();
    idx.shuffle(&mut ChaCha8Rng::seed_from_u64(seed));
    let n_val = ((items.len() as f64) * val_fraction).round() as usize;
    let mut val: Vec<usize> = idx[..n_val].to_vec();
    let mut train: Vec<usize> = idx[n_val..].to_vec();
    val.sort_unstable();
    train.sort_unstable();
    (train.into_iter().map(|i| items[i].clone()).collect(), val.into_iter().map(|i| items[i].clone()).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_is_deterministic_and_disjoint() {
        let items: Vec<u32> = (0..100).collect();
        let (a1, b1) = split(&items, 0.1, 7);
        let (a2, b2) = split(&items, 0.1, 7);
        assert_eq!((a1.clone(), b1.clone()), (a2, b2));
        assert_eq!(b1.len(), 10);
        assert!(b1.iter().all(|v| !a1.contains(v)));
        let (_, b3) = split(&items, 0.1, 8);
        assert_ne!(b1, b3, "another seed gives another split");
    }

    #[test]
    fn newsmtsc_bad_polarity_names_file_and_line() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("m.jsonl");
        std::fs::write(
            &p,
            "{\"sentence_normalized\":\"A b\",\"targets\":[{\"from\":0,\"to\":1,\"polarity\":4.0}]}\n\
             {\"sentence_normalized\":\"A b\",\"targets\":[{\"from\":0,\"to\":1,\"polarity\":5.0}]}\n",
        )
        .unwrap();
        let err = format!("{:#}", read_newsmtsc(&p).unwrap_err());
        assert!(err.contains("m.jsonl:2") && err.contains("polarity"), "{err}");
    }
}
