//! Per-actor profiles built from sums and counts. Each (sentence, actor) pair contributes one
//! observation: its stance score `P(favor) - P(against)` and distribution (means over the actor's
//! mentions in that sentence) and the sentence's sentiment. Probabilities are stored as integer
//! millionths, so sums are exact and merging is associative and commutative: one thread, many
//! threads, or shards merged later give byte-identical profiles.
//!
//! The 95% interval of the mean stance is `mean ± 1.96 * sqrt(v / n)` where `v` is the sample
//! variance pooled with one pseudo-observation of variance 1 (the largest a score in [-1, 1] can
//! have), `v = ((n - 1) * s² + 1) / n`; it is wide for one sentence and narrows as evidence grows.

use std::cmp::Ordering;

use serde::{Deserialize, Serialize};

use crate::aggregate::round4;
use crate::labels::{argmax, LabelSet, Stance};

/// Probabilities are kept as integer millionths.
pub const SCALE: f64 = 1_000_000.0;

fn micro(p: f64) -> i64 {
    (p * SCALE).round() as i64
}

/// A sentence that drove a profile: where it is, what matched, and how it scored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Evidence {
    pub document: String,
    /// The document's position in the input (1-based, failed records counted), which tells apart
    /// documents that share an id.
    pub record: usize,
    /// Unicode character offsets of the sentence in the document, end exclusive.
    pub start: usize,
    pub end: usize,
    pub text: String,
    /// The aliases that matched this actor in the sentence, in order of appearance.
    pub aliases: Vec<String>,
    /// Stance score in millionths (serialized as a float by [`ActorProfile`]).
    #[serde(skip)]
    pub stance_micro: i64,
    /// `P(favor) - P(against)`, rounded to 4 decimals.
    pub stance: f64,
}

impl Evidence {
    fn key(&self) -> (i64, usize, usize) {
        (self.stance_micro, self.record, self.start)
    }
}

/// One (sentence, actor) observation.
#[derive(Debug, Clone)]
pub struct Observation {
    pub mentions: u64,
    /// Mean stance distribution over the actor's mentions in the sentence.
    pub distribution: [f64; 3],
    pub sentiment: [f32; 3],
    pub evidence: Evidence,
}

/// The mergeable sums of one actor over a set of sentences. Serialized exactly (integers, and the
/// evidence with its stance in millionths) for partial results that merge later.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActorSums {
    pub mentions: u64,
    pub sentences: u64,
    /// Documents with at least one of the sentences (set to 1 by [`ActorSums::close_document`]).
    pub documents: u64,
    pub stance_sum: i64,
    /// Written as a decimal string: JSON readers cannot all hold 128-bit integers.
    #[serde(with = "i128_text")]
    pub stance_sq_sum: i128,
    pub distribution_sum: [i64; 3],
    pub sentiment_sum: [i64; 3],
    /// Most negative stance first; at most `k` kept.
    #[serde(with = "exact_evidence")]
    pub against: Vec<Evidence>,
    /// Most positive stance first; at most `k` kept.
    #[serde(with = "exact_evidence")]
    pub favor: Vec<Evidence>,
}

mod i128_text {
    use serde::{Deserialize, Deserializer, Serializer};
    pub fn serialize<S: Serializer>(x: &i128, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&x.to_string())
    }
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<i128, D::Error> {
        String::deserialize(d)?.parse().map_err(serde::de::Error::custom)
    }
}

/// Evidence as `[stance in millionths, evidence]` pairs, so merged evidence orders exactly.
mod exact_evidence {
    use super::Evidence;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};
    pub fn serialize<S: Serializer>(list: &[Evidence], s: S) -> Result<S::Ok, S::Error> {
        let pairs: Vec<(i64, &Evidence)> = list.iter().map(|e| (e.stance_micro, e)).collect();
        pairs.serialize(s)
    }
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Evidence>, D::Error> {
        let pairs: Vec<(i64, Evidence)> = Vec::deserialize(d)?;
        Ok(pairs
            .into_iter()
            .map(|(micro, mut e)| {
                e.stance_micro = micro;
                e
            })
            .collect())
    }
}

impl ActorSums {
    /// Adds one observation, keeping at most `k` evidence sentences on each side.
    pub fn add(&mut self, o: Observation, k: usize) {
        let d: [i64; 3] = [micro(o.distribution[0]), micro(o.distribution[1]), micro(o.distribution[2])];
        let s = d[Stance::Favor.index()] - d[Stance::Against.index()];
        self.mentions += o.mentions;
        self.sentences += 1;
        self.stance_sum += s;
        self.stance_sq_sum += i128::from(s) * i128::from(s);
        for (sum, x) in self.distribution_sum.iter_mut().zip(d) {
            *sum += x;
        }
        for (sum, p) in self.sentiment_sum.iter_mut().zip(o.sentiment) {
            *sum += micro(f64::from(p));
        }
        let mut ev = o.evidence;
        ev.stance_micro = s;
        ev.stance = round4(s as f64 / SCALE);
        if s < 0 {
            push_top(&mut self.against, ev, k, Ordering::Less);
        } else if s > 0 {
            push_top(&mut self.favor, ev, k, Ordering::Greater);
        }
    }

    /// Checks sums read back from a partial against what any run can produce: stances and
    /// probabilities in their ranges (so a mean stance lies in [-1, 1] and a variance is not
    /// negative), no more documents than sentences, evidence scores in [-1, 1]. A partial that
    /// passes its checksum but fails this was forged with a recomputed checksum.
    pub fn check(&self) -> Result<(), String> {
        let n = i128::from(self.sentences);
        let one = SCALE as i128;
        let (sum, sq) = (i128::from(self.stance_sum), self.stance_sq_sum);
        if sum.abs() > n * one {
            return Err(format!("a stance sum of {} over {} sentences", self.stance_sum, self.sentences));
        }
        if sq < 0 || sq > n * one * one || sum * sum > n * sq {
            return Err(format!("a squared stance sum of {sq} that no {} sentences give", self.sentences));
        }
        for (what, sums) in [("distribution", &self.distribution_sum), ("sentiment", &self.sentiment_sum)] {
            if sums.iter().any(|&x| x < 0 || i128::from(x) > n * one) {
                return Err(format!("{what} sums {sums:?} outside 0..{} sentences", self.sentences));
            }
        }
        if self.documents > self.sentences {
            return Err(format!("{} documents but {} sentences", self.documents, self.sentences));
        }
        for e in self.against.iter().chain(&self.favor) {
            if e.stance_micro.abs() > SCALE as i64 {
                return Err(format!("an evidence stance of {}", e.stance_micro as f64 / SCALE));
            }
            if e.stance != round4(e.stance_micro as f64 / SCALE) {
                return Err(format!("an evidence stance of {} written beside {} millionths", e.stance, e.stance_micro));
            }
        }
        Ok(())
    }

    /// Marks sums gathered over one document's sentences as one document (when the actor was
    /// mentioned), so that merged sums count documents.
    pub fn close_document(&mut self) {
        self.documents = u64::from(self.sentences > 0);
    }

    /// Adds another set of sums. Associative and commutative.
    pub fn merge(&mut self, other: &ActorSums, k: usize) {
        self.mentions += other.mentions;
        self.sentences += other.sentences;
        self.documents += other.documents;
        self.stance_sum += other.stance_sum;
        self.stance_sq_sum += other.stance_sq_sum;
        for i in 0..3 {
            self.distribution_sum[i] += other.distribution_sum[i];
            self.sentiment_sum[i] += other.sentiment_sum[i];
        }
        for e in &other.against {
            push_top(&mut self.against, e.clone(), k, Ordering::Less);
        }
        for e in &other.favor {
            push_top(&mut self.favor, e.clone(), k, Ordering::Greater);
        }
    }

    /// Moves the input positions of the evidence by `offset` (a shard's records before it).
    pub fn shift_records(&mut self, offset: usize) {
        for e in self.against.iter_mut().chain(self.favor.iter_mut()) {
            e.record += offset;
        }
    }

    /// The readable profile of these sums.
    pub fn profile(&self) -> ActorProfile {
        let n = self.sentences.max(1) as f64;
        let mean = self.stance_sum as f64 / SCALE / n;
        let sample_var = if self.sentences >= 2 {
            let ss = self.stance_sq_sum as f64 / (SCALE * SCALE);
            ((ss - n * mean * mean) / (n - 1.0)).max(0.0)
        } else {
            0.0
        };
        let pooled = ((n - 1.0) * sample_var + 1.0) / n;
        let half = 1.96 * (pooled / n).sqrt();
        let dist: Vec<f64> = self.distribution_sum.iter().map(|&x| x as f64 / SCALE / n).collect();
        let sent: Vec<f64> = self.sentiment_sum.iter().map(|&x| x as f64 / SCALE / n).collect();
        let dist_f32: [f32; 3] = [dist[0] as f32, dist[1] as f32, dist[2] as f32];
        ActorProfile {
            mentions: self.mentions,
            sentences: self.sentences,
            documents: self.documents,
            stance: round4(mean),
            sd: round4(sample_var.sqrt()),
            ci95: [round4((mean - half).max(-1.0)), round4((mean + half).min(1.0))],
            distribution: Distribution { against: round4(dist[0]), neutral: round4(dist[1]), favor: round4(dist[2]) },
            label: Stance::from_index(argmax(&dist_f32)).unwrap_or(Stance::Neutral),
            sentiment: SentimentMeans {
                negative: round4(sent[0]),
                neutral: round4(sent[1]),
                positive: round4(sent[2]),
            },
            evidence: EvidenceSides { against: self.against.clone(), favor: self.favor.clone() },
        }
    }
}

/// Inserts `e` into a list kept sorted by stance (`Less`: most negative first), then input position
/// and offset, truncated to `k`. A total order on keys makes the kept set independent of arrival order.
fn push_top(list: &mut Vec<Evidence>, e: Evidence, k: usize, dir: Ordering) {
    if list.iter().any(|x| x.key() == e.key()) {
        return;
    }
    let cmp = |a: &Evidence, b: &Evidence| {
        let by_stance = a.stance_micro.cmp(&b.stance_micro);
        let by_stance = if dir == Ordering::Greater { by_stance.reverse() } else { by_stance };
        by_stance.then(a.record.cmp(&b.record)).then(a.start.cmp(&b.start))
    };
    let pos = list.partition_point(|x| cmp(x, &e) == Ordering::Less);
    list.insert(pos, e);
    list.truncate(k);
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Distribution {
    pub against: f64,
    pub neutral: f64,
    pub favor: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SentimentMeans {
    pub negative: f64,
    pub neutral: f64,
    pub positive: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EvidenceSides {
    pub against: Vec<Evidence>,
    pub favor: Vec<Evidence>,
}

/// What the JSON output shows for one actor in one document, author or corpus.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActorProfile {
    /// Alias matches.
    pub mentions: u64,
    /// Sentences with at least one mention (the observations).
    pub sentences: u64,
    /// Documents with at least one such sentence.
    #[serde(default)]
    pub documents: u64,
    /// Mean of `P(favor) - P(against)` over the sentences, in [-1, 1].
    pub stance: f64,
    /// Sample standard deviation of the sentences' stance (0 for one sentence).
    #[serde(default)]
    pub sd: f64,
    /// 95% interval of `stance` (see the module docs).
    pub ci95: [f64; 2],
    /// Mean against / neutral / favor distribution.
    pub distribution: Distribution,
    /// The largest class of `distribution`.
    pub label: Stance,
    /// Mean sentiment of the sentences that mention the actor.
    pub sentiment: SentimentMeans,
    /// Strongest sentences on each side (at most `--evidence` each).
    pub evidence: EvidenceSides,
}

impl ActorProfile {
    /// Checks a profile read back from a file (a partial's document line) against what a run
    /// writes: stance in [-1, 1], spread in [0, 2], an interval inside [-1, 1] with low <= high,
    /// probabilities in [0, 1], evidence scores in [-1, 1], no more documents than sentences.
    pub fn check(&self) -> Result<(), String> {
        let unit = |x: f64| (0.0..=1.0).contains(&x);
        let signed = |x: f64| (-1.0..=1.0).contains(&x);
        if !signed(self.stance) {
            return Err(format!("field \"stance\" is {}, outside [-1, 1]", self.stance));
        }
        if !(0.0..=2.0).contains(&self.sd) {
            return Err(format!("field \"sd\" is {}, outside [0, 2]", self.sd));
        }
        let [lo, hi] = self.ci95;
        if !(signed(lo) && signed(hi) && lo <= hi) {
            return Err(format!("field \"ci95\" is [{lo}, {hi}], not an interval inside [-1, 1]"));
        }
        let (d, m) = (&self.distribution, &self.sentiment);
        if ![d.against, d.neutral, d.favor, m.negative, m.neutral, m.positive].into_iter().all(unit) {
            return Err("a probability outside [0, 1] in \"distribution\" or \"sentiment\"".into());
        }
        if self.documents > self.sentences {
            return Err(format!("{} documents but {} sentences", self.documents, self.sentences));
        }
        if let Some(e) = self.evidence.against.iter().chain(&self.evidence.favor).find(|e| !signed(e.stance)) {
            return Err(format!("an evidence stance of {}", e.stance));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn obs(doc: &str, start: usize, dist: [f64; 3]) -> Observation {
        Observation {
            mentions: 2,
            distribution: dist,
            sentiment: [0.5, 0.25, 0.25],
            evidence: Evidence {
                document: doc.into(),
                record: doc.bytes().map(usize::from).sum(),
                start,
                end: start + 5,
                text: "x".into(),
                aliases: vec!["Iran".into()],
                stance_micro: 0,
                stance: 0.0,
            },
        }
    }

    #[test]
    fn arithmetic_is_exact() {
        let mut s = ActorSums::default();
        s.add(obs("a", 0, [0.7, 0.2, 0.1]), 3);
        s.add(obs("a", 10, [0.1, 0.3, 0.6]), 3);
        let p = s.profile();
        assert_eq!(p.mentions, 4);
        assert_eq!(p.sentences, 2);
        // Scores -0.6 and +0.5: mean -0.05, sample variance 0.605, pooled (0.605 + 1) / 2.
        assert_eq!(p.stance, -0.05);
        let half = 1.96 * (((0.605f64 + 1.0) / 2.0) / 2.0).sqrt();
        assert_eq!(p.ci95, [round4(-0.05 - half).max(-1.0), round4(-0.05 + half).min(1.0)]);
        assert_eq!(p.distribution, Distribution { against: 0.4, neutral: 0.25, favor: 0.35 });
        assert_eq!(p.label, Stance::Against);
        assert_eq!(p.sentiment.negative, 0.5);
        assert_eq!(p.evidence.against.len(), 1);
        assert_eq!(p.evidence.against[0].stance, -0.6);
        assert_eq!(p.evidence.favor[0].stance, 0.5);
    }

    #[test]
    fn interval_narrows_with_evidence() {
        let mut small = ActorSums::default();
        let mut large = ActorSums::default();
        for i in 0..2 {
            small.add(obs("d", i, [0.6, 0.3, 0.1]), 3);
        }
        for i in 0..50 {
            large.add(obs("d", i, [0.6, 0.3, 0.1]), 3);
        }
        let w = |p: &ActorProfile| p.ci95[1] - p.ci95[0];
        assert!(w(&large.profile()) < w(&small.profile()) / 3.0);
        assert_eq!(large.profile().stance, -0.5);
    }

    #[test]
    fn merge_is_exact_in_any_order_and_grouping() {
        let items: Vec<Observation> = (0..40)
            .map(|i| {
                let a = (i * 37 % 100) as f64 / 100.0 * 0.9;
                let f = (i * 53 % 100) as f64 / 100.0 * (1.0 - a);
                obs(&format!("doc{}", i % 7), i, [a, 1.0 - a - f, f])
            })
            .collect();
        let mut whole = ActorSums::default();
        for o in items.iter().cloned() {
            whole.add(o, 3);
        }
        // Shards of uneven size, merged in reverse order.
        let mut shards: Vec<ActorSums> = Vec::new();
        for chunk in items.chunks(7) {
            let mut s = ActorSums::default();
            for o in chunk.iter().rev().cloned() {
                s.add(o, 3);
            }
            shards.push(s);
        }
        let mut merged = ActorSums::default();
        for s in shards.iter().rev() {
            merged.merge(s, 3);
        }
        assert_eq!(merged, whole);
        assert_eq!(serde_json::to_string(&merged.profile()).unwrap(), serde_json::to_string(&whole.profile()).unwrap());
    }
}
