//! Classification figures for three-way labels: accuracy, macro F1, per-class precision / recall /
//! F1, expected calibration error, and the temperature that calibrates a set of probabilities.
//!
//! Invariant: everything here is plain arithmetic over `(gold index, probabilities)` pairs, so it is
//! tested exactly without a model.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::datasets::SentimentExample;
use crate::labels::{argmax, LabelSet, Sentiment};

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ClassFigures {
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
    pub support: usize,
}

/// The figures of a three-way classifier on one labelled set: counts, accuracy, macro F1,
/// calibration, per-class figures and the confusion matrix (what `stance eval` writes as
/// `"report"`, and what `stance train` validates with).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ClassReport {
    pub n: usize,
    pub accuracy: f64,
    pub macro_f1: f64,
    /// Expected calibration error over 15 equal-width confidence bins.
    pub ece: f64,
    pub per_class: BTreeMap<String, ClassFigures>,
    /// `confusion[gold][predicted]`, in label order.
    pub confusion: Vec<Vec<usize>>,
}

/// The figures of gold indices against predicted probability rows; `names` gives label order.
pub fn class_report(names: &[&str], gold: &[usize], probs: &[[f32; 3]]) -> ClassReport {
    let k = names.len();
    let mut confusion = vec![vec![0usize; k]; k];
    for (&g, p) in gold.iter().zip(probs) {
        confusion[g][argmax(p)] += 1;
    }
    let n = gold.len();
    let correct: usize = (0..k).map(|i| confusion[i][i]).sum();
    let mut per_class = BTreeMap::new();
    let mut f1_sum = 0.0;
    for (c, name) in names.iter().enumerate() {
        let tp = confusion[c][c] as f64;
        let predicted: usize = (0..k).map(|g| confusion[g][c]).sum();
        let support: usize = confusion[c].iter().sum();
        let precision = if predicted > 0 { tp / predicted as f64 } else { 0.0 };
        let recall = if support > 0 { tp / support as f64 } else { 0.0 };
        let f1 = if precision + recall > 0.0 { 2.0 * precision * recall / (precision + recall) } else { 0.0 };
        f1_sum += f1;
        per_class.insert(name.to_string(), ClassFigures { precision, recall, f1, support });
    }
    ClassReport {
        n,
        accuracy: if n > 0 { correct as f64 / n as f64 } else { 0.0 },
        macro_f1: if k > 0 { f1_sum / k as f64 } else { 0.0 },
        ece: ece(gold, probs, 15),
        per_class,
        confusion,
    }
}

/// Expected calibration error: the support-weighted gap between confidence and accuracy per bin.
pub fn ece(gold: &[usize], probs: &[[f32; 3]], bins: usize) -> f64 {
    let mut count = vec![0usize; bins];
    let mut conf = vec![0f64; bins];
    let mut hit = vec![0f64; bins];
    for (&g, p) in gold.iter().zip(probs) {
        let pred = argmax(p);
        let c = f64::from(p[pred]);
        let b = ((c * bins as f64) as usize).min(bins - 1);
        count[b] += 1;
        conf[b] += c;
        hit[b] += f64::from(u8::from(pred == g));
    }
    let n = gold.len().max(1) as f64;
    (0..bins).filter(|&b| count[b] > 0).map(|b| (conf[b] - hit[b]).abs() / n).sum()
}

/// Rescales probabilities by a temperature: `softmax(log p / t)`.
pub fn apply_temperature(p: &[f32; 3], t: f64) -> [f32; 3] {
    let l: Vec<f64> = p.iter().map(|&x| f64::from(x.max(1e-12)).ln() / t).collect();
    let m = l.iter().cloned().fold(f64::MIN, f64::max);
    let e: Vec<f64> = l.iter().map(|x| (x - m).exp()).collect();
    let s: f64 = e.iter().sum();
    [(e[0] / s) as f32, (e[1] / s) as f32, (e[2] / s) as f32]
}

/// Mean negative log-likelihood of the gold labels.
pub fn nll(gold: &[usize], probs: &[[f32; 3]]) -> f64 {
    let n = gold.len().max(1) as f64;
    gold.iter().zip(probs).map(|(&g, p)| -f64::from(p[g].max(1e-12)).ln()).sum::<f64>() / n
}

/// The temperature in [0.25, 5] (steps of 0.01) that minimises validation NLL of `probs`
/// (probabilities at temperature 1).
pub fn fit_temperature(gold: &[usize], probs: &[[f32; 3]]) -> f64 {
    let mut best = (f64::MAX, 1.0);
    for step in 25..=500 {
        let t = f64::from(step) / 100.0;
        let scaled: Vec<[f32; 3]> = probs.iter().map(|p| apply_temperature(p, t)).collect();
        let loss = nll(gold, &scaled);
        if loss < best.0 {
            best = (loss, t);
        }
    }
    best.1
}

/// Accuracy on binary (negative / positive) gold labels: the prediction is whichever of
/// P(negative) and P(positive) is larger, as SST-2 has no neutral class.
pub fn binary_sentiment_accuracy(gold: &[SentimentExample], probs: impl Iterator<Item = [f32; 3]>) -> f64 {
    let mut hit = 0usize;
    for (x, p) in gold.iter().zip(probs) {
        let pred = if p[Sentiment::Positive.index()] > p[Sentiment::Negative.index()] {
            Sentiment::Positive
        } else {
            Sentiment::Negative
        };
        hit += usize::from(pred == x.label);
    }
    hit as f64 / gold.len().max(1) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    const NAMES: [&str; 3] = ["a", "b", "c"];

    #[test]
    fn report_matches_hand_computation() {
        let gold = [0, 0, 1, 2, 2, 2];
        let p = |i: usize| {
            let mut r = [0.1f32; 3];
            r[i] = 0.8;
            r
        };
        let probs = [p(0), p(1), p(1), p(2), p(2), p(0)];
        let r = class_report(&NAMES, &gold, &probs);
        assert!((r.accuracy - 4.0 / 6.0).abs() < 1e-12);
        // a: P 1/2 R 1/2; b: P 1/2 R 1; c: P 1 R 2/3.
        let f = |p: f64, r: f64| 2.0 * p * r / (p + r);
        let want = (f(0.5, 0.5) + f(0.5, 1.0) + f(1.0, 2.0 / 3.0)) / 3.0;
        assert!((r.macro_f1 - want).abs() < 1e-12);
        assert_eq!(r.confusion, vec![vec![1, 1, 0], vec![0, 1, 0], vec![1, 0, 2]]);
        // All confidences are 0.8 in one bin; accuracy 2/3: ECE = |0.8 - 0.6667|.
        assert!((r.ece - (0.8 - 4.0 / 6.0)).abs() < 1e-6);
    }

    #[test]
    fn overconfident_predictions_get_a_temperature_above_one() {
        // Right 60% of the time at confidence 0.98: calibration should soften.
        let gold: Vec<usize> = (0..100).map(|i| if i % 5 < 3 { 0 } else { 1 }).collect();
        let probs = vec![[0.98f32, 0.01, 0.01]; 100];
        let t = fit_temperature(&gold, &probs);
        assert!(t > 1.5, "t = {t}");
        let scaled: Vec<[f32; 3]> = probs.iter().map(|p| apply_temperature(p, t)).collect();
        assert!(ece(&gold, &scaled, 15) < ece(&gold, &probs, 15));
    }
}
