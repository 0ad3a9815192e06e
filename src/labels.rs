//! The two label sets the model predicts, with their fixed class order. The order here is the order
//! of the logits in the network and of the probabilities in every output; nothing else in the crate
//! hard-codes a class index.

use serde::{Deserialize, Serialize};

/// Stance toward one target span: what the author's sentence says about that actor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Stance {
    Against,
    Neutral,
    Favor,
}

/// Sentiment of the whole sentence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Sentiment {
    Negative,
    Neutral,
    Positive,
}

/// A three-way label set whose variants map one-to-one onto logit indices.
pub trait LabelSet: Copy + Sized + 'static {
    /// All labels, in logit order.
    const ALL: [Self; 3];
    /// The lowercase name used in JSON and in the model config.
    fn name(self) -> &'static str;
    /// The logit index of this label.
    fn index(self) -> usize {
        Self::ALL.iter().position(|l| l.name() == self.name()).unwrap_or(0)
    }
    /// The label at a logit index, if the index is in range.
    fn from_index(i: usize) -> Option<Self> {
        Self::ALL.get(i).copied()
    }
}

impl LabelSet for Stance {
    const ALL: [Self; 3] = [Stance::Against, Stance::Neutral, Stance::Favor];
    fn name(self) -> &'static str {
        match self {
            Stance::Against => "against",
            Stance::Neutral => "neutral",
            Stance::Favor => "favor",
        }
    }
}

impl LabelSet for Sentiment {
    const ALL: [Self; 3] = [Sentiment::Negative, Sentiment::Neutral, Sentiment::Positive];
    fn name(self) -> &'static str {
        match self {
            Sentiment::Negative => "negative",
            Sentiment::Neutral => "neutral",
            Sentiment::Positive => "positive",
        }
    }
}

/// Index of the largest probability (first one on ties, so the choice is deterministic).
pub fn argmax(p: &[f32]) -> usize {
    let mut best = 0;
    for (i, &v) in p.iter().enumerate() {
        if v > p[best] {
            best = i;
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indices_round_trip() {
        for (i, l) in Stance::ALL.iter().enumerate() {
            assert_eq!(l.index(), i);
            assert_eq!(Stance::from_index(i), Some(*l));
        }
        assert_eq!(Sentiment::Positive.index(), 2);
        assert_eq!(Sentiment::from_index(3), None);
    }

    #[test]
    fn argmax_prefers_first_on_ties() {
        assert_eq!(argmax(&[0.2, 0.4, 0.4]), 1);
        assert_eq!(argmax(&[0.1, 0.1, 0.8]), 2);
    }
}
