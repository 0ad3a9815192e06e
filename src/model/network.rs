//! The target-aware stance network: a BERT encoder (all-MiniLM-L6-v2 in the shipped model; or MPNet) read by
//! two heads. One encoder pass over a row gives token states; each target is the mean of its own
//! token states, and the stance head reads `[target, sentence, target * sentence]`, plus, when the
//! model has target attention, `context`: the row's token states weighted by their affinity to the
//! target (one learnt query per target, so it stays one encoder pass per sentence). A target-local
//! model (`target_locality`) reads, instead of the plain sentence mean, the row weighted by each
//! token's closeness to the target, and its attention pays for distance too: two learnt rates, so
//! what is said next to an actor weighs more than the tone of a clause about another. The sentiment
//! head reads the masked mean of the row (the sentence state).
//!
//! Invariant: training and inference run this same `forward_t` and heads; `train` switches dropout,
//! and a network built for inference encodes with [`InferenceEncoder`], which computes what
//! rust-bert's encoder computes (tested in fp32), in the inference precision.

use std::borrow::Borrow;

use anyhow::{Context, Result};
use rust_bert::bert::{BertEmbeddings, BertModel};
use tch::{nn, Device, Kind, Tensor};

use super::encode::EncodedSentence;
use super::inference_encoder::InferenceEncoder;
use super::mpnet::MpnetEncoder;
use super::ModelConfig;

/// A padded batch of sentences as tensors.
pub struct Batch {
    /// `[rows, len]` token ids, padded with 0.
    pub input_ids: Tensor,
    /// `[rows, len]` 1 for real tokens.
    pub mask: Tensor,
    /// `[targets]` the batch row of each target.
    pub target_rows: Tensor,
    /// `[targets, len]` 1/len over each target's tokens: a mean-pooling matrix.
    pub target_weights: Tensor,
    /// `[sentences]` the batch row whose state gives each sentence's sentiment (its first row).
    pub sentence_rows: Tensor,
    /// Number of targets in the batch (the stance logits' first dimension).
    pub n_targets: usize,
    /// Total tokens in the padded batch, for throughput reports.
    pub padded_tokens: usize,
}

impl Batch {
    /// Pads and collates sentences. Targets come out in sentence order, then input order.
    pub fn collate(sentences: &[&EncodedSentence], device: Device) -> Batch {
        let len = sentences.iter().map(|s| s.max_len()).max().unwrap_or(2).max(2);
        let n_rows: usize = sentences.iter().map(|s| s.rows.len()).sum();
        let n_targets: usize = sentences.iter().map(|s| s.targets.len()).sum();
        let mut ids = vec![0i64; n_rows * len];
        let mut mask = vec![0i64; n_rows * len];
        let mut target_rows = Vec::with_capacity(n_targets);
        let mut weights = vec![0f32; n_targets * len];
        let mut sentence_rows = Vec::with_capacity(sentences.len());
        let mut row0 = 0usize;
        let mut t_index = 0usize;
        for s in sentences {
            sentence_rows.push(row0 as i64);
            for (r, row) in s.rows.iter().enumerate() {
                let base = (row0 + r) * len;
                ids[base..base + row.ids.len()].copy_from_slice(&row.ids);
                mask[base..base + row.ids.len()].iter_mut().for_each(|m| *m = 1);
            }
            for t in &s.targets {
                target_rows.push((row0 + t.row) as i64);
                let w = 1.0 / (t.end - t.start) as f32;
                weights[t_index * len + t.start..t_index * len + t.end].iter_mut().for_each(|x| *x = w);
                t_index += 1;
            }
            row0 += s.rows.len();
        }
        let shape = [n_rows as i64, len as i64];
        Batch {
            input_ids: Tensor::from_slice(&ids).view(shape).to(device),
            mask: Tensor::from_slice(&mask).view(shape).to(device),
            target_rows: Tensor::from_slice(&target_rows).to(device),
            target_weights: Tensor::from_slice(&weights).view([n_targets as i64, len as i64]).to(device),
            sentence_rows: Tensor::from_slice(&sentence_rows).to(device),
            n_targets,
            padded_tokens: n_rows * len,
        }
    }
}

/// Raw (uncalibrated) logits for a batch.
pub struct Logits {
    /// `[targets, 3]` against / neutral / favor.
    pub stance: Tensor,
    /// `[sentences, 3]` negative / neutral / positive.
    pub sentiment: Tensor,
}

/// A two-layer classification head: dense, GELU, dropout, projection.
#[derive(Debug)]
struct Head {
    dense: nn::Linear,
    out: nn::Linear,
    dropout: f64,
}

impl Head {
    fn new<'p>(p: impl Borrow<nn::Path<'p>>, input: i64, hidden: i64, classes: i64) -> Self {
        let p = p.borrow();
        Head {
            dense: nn::linear(p / "dense", input, hidden, Default::default()),
            out: nn::linear(p / "out", hidden, classes, Default::default()),
            dropout: 0.1,
        }
    }

    fn forward_t(&self, x: &Tensor, train: bool) -> Tensor {
        let h = x.dropout(self.dropout, train).apply(&self.dense).gelu("none");
        h.dropout(self.dropout, train).apply(&self.out)
    }
}

/// The encoder that training runs: rust-bert's BERT, or this crate's MPNet.
enum TrainEncoder {
    Bert(Box<BertModel<BertEmbeddings>>),
    Mpnet(Box<MpnetEncoder>),
}

/// Encoder plus heads, built under a `VarStore` root so that the encoder's variable names match
/// the Hugging Face checkpoint (`embeddings.*`, `encoder.*`).
pub struct StanceNetwork {
    /// The encoder for training; `None` in a network built for inference only.
    bert: Option<TrainEncoder>,
    stance: Head,
    sentiment: Head,
    /// Projects a target state to an attention query over its row; `None` in mean-pool-only models.
    target_query: Option<nn::Linear>,
    /// Distance rates of a target-local model; `None` where every token counts alike.
    locality: Option<Locality>,
    /// Set in a network loaded for inference: it runs this encoder (in any precision) instead of
    /// rust-bert's; training never does.
    inference_encoder: Option<InferenceEncoder>,
}

impl StanceNetwork {
    pub fn new(root: &nn::Path, config: &ModelConfig) -> Self {
        let h = config.encoder.hidden_size;
        // Heads are optimiser group 1 so training can give them their own learning rate.
        let heads = root.set_group(1);
        StanceNetwork {
            bert: Some(match config.mpnet {
                None => TrainEncoder::Bert(Box::new(BertModel::new_with_optional_pooler(root, &config.encoder, false))),
                Some(shape) => TrainEncoder::Mpnet(Box::new(MpnetEncoder::new(root, &config.encoder, shape))),
            }),
            stance: Head::new(&heads / "stance_head", stance_input(config), h, 3),
            sentiment: Head::new(&heads / "sentiment_head", h, h, 3),
            target_query: config
                .target_attention
                .then(|| nn::linear(&heads / "target_query", h, h, Default::default())),
            locality: config.target_locality.then(|| Locality::new(&heads / "target_locality")),
            inference_encoder: None,
        }
    }

    /// The heads on `root` and `encoder` for the encoder, without rust-bert's encoder (whose
    /// random initialisation and second copy of the weights inference does not need).
    pub fn for_inference(root: &nn::Path, config: &ModelConfig, encoder: InferenceEncoder) -> Self {
        let h = config.encoder.hidden_size;
        StanceNetwork {
            bert: None,
            stance: Head::new(root / "stance_head", stance_input(config), h, 3),
            sentiment: Head::new(root / "sentiment_head", h, h, 3),
            target_query: config.target_attention.then(|| nn::linear(root / "target_query", h, h, Default::default())),
            locality: config.target_locality.then(|| Locality::new(root / "target_locality")),
            inference_encoder: Some(encoder),
        }
    }

    /// Token states `[rows, len, hidden]` of the batch's rows.
    pub fn encode_t(&self, batch: &Batch, train: bool) -> Result<Tensor> {
        match (&self.inference_encoder, &self.bert) {
            (Some(encoder), _) if !train => encoder.forward(&batch.input_ids, &batch.mask),
            (_, Some(TrainEncoder::Bert(bert))) => Ok(bert
                .forward_t(Some(&batch.input_ids), Some(&batch.mask), None, None, None, None, None, train)
                .context("encoder forward pass failed")?
                .hidden_state),
            (_, Some(TrainEncoder::Mpnet(mpnet))) => Ok(mpnet.forward_t(&batch.input_ids, &batch.mask, train)),
            _ => anyhow::bail!("this model was loaded for inference only; load it with StanceModel::load to train"),
        }
    }

    /// One encoder pass over every row of the batch, then both heads.
    pub fn forward_t(&self, batch: &Batch, train: bool) -> Result<Logits> {
        let states = self.encode_t(batch, train)?; // [rows, len, hidden]
        let kind = states.kind();
        let mask = batch.mask.to_kind(kind).unsqueeze(-1);
        let sentence =
            (&states * &mask).sum_dim_intlist(1, false, kind) / mask.sum_dim_intlist(1, false, kind).clamp_min(1.0);
        let rows = states.index_select(0, &batch.target_rows); // [targets, len, hidden]
        let row_mask = batch.mask.index_select(0, &batch.target_rows); // [targets, len]
        let target = (&rows * batch.target_weights.to_kind(kind).unsqueeze(-1)).sum_dim_intlist(1, false, kind);
        // A target-local model's rates, with each token's distance from its target.
        let local = self.locality.as_ref().map(|l| (l, target_distances(&batch.target_weights).to_kind(kind)));
        let sentence_for_targets = match &local {
            // The row's states weighted by exp(-near * distance): the sentence as seen from the target.
            Some((locality, d)) => {
                let scores =
                    (d * locality.near.softplus().to_kind(kind).neg()).masked_fill(&row_mask.eq(0), f64::NEG_INFINITY);
                scores.softmax(-1, kind).unsqueeze(1).bmm(&rows).squeeze_dim(1)
            }
            None => sentence.index_select(0, &batch.target_rows),
        };
        let mut parts =
            vec![target.shallow_clone(), sentence_for_targets.shallow_clone(), &target * &sentence_for_targets];
        if let Some(query) = &self.target_query {
            // Each target's row scored against the target's query, less a distance penalty if any.
            let q = target.apply(query).unsqueeze(-1); // [targets, hidden, 1]
            let scale = (states.size()[2] as f64).sqrt();
            let affinity = rows.bmm(&q).squeeze_dim(-1) / scale; // [targets, len]
            let scores = match &local {
                Some((locality, d)) => affinity - d * locality.focus.softplus().to_kind(kind),
                None => affinity,
            };
            let scores = scores.masked_fill(&row_mask.eq(0), f64::NEG_INFINITY);
            let weights = scores.softmax(-1, kind).unsqueeze(1); // [targets, 1, len]
            parts.push(weights.bmm(&rows).squeeze_dim(1));
        }
        let features = Tensor::cat(&parts, 1);
        let stance = self.stance.forward_t(&features, train);
        let sentiment = self.sentiment.forward_t(&sentence.index_select(0, &batch.sentence_rows), train);
        Ok(Logits { stance, sentiment })
    }
}

/// The stance head's input width: target, sentence and their product, plus the attention summary.
fn stance_input(config: &ModelConfig) -> i64 {
    config.encoder.hidden_size * if config.target_attention { 4 } else { 3 }
}

/// The two learnt rates (per token of distance, through softplus so they stay positive) at which a
/// target-local model forgets the tokens far from its target: `near` for the sentence state the
/// stance head reads, `focus` for the target attention.
#[derive(Debug)]
struct Locality {
    near: Tensor,
    focus: Tensor,
}

impl Locality {
    /// Starting rates a token: 0.01 for the sentence state (close to the plain mean, where a model
    /// trained without locality starts) and 0.1 for the attention.
    const NEAR_START: f64 = 0.01;
    const FOCUS_START: f64 = 0.1;

    fn new<'p>(p: impl Borrow<nn::Path<'p>>) -> Self {
        let p = p.borrow();
        Locality {
            near: p.var("near", &[1], nn::Init::Const(raw_locality_rate(Self::NEAR_START))),
            focus: p.var("focus", &[1], nn::Init::Const(raw_locality_rate(Self::FOCUS_START))),
        }
    }
}

/// The raw weight whose softplus is `rate` (a rate above 0): what a locality weight stores.
pub fn raw_locality_rate(rate: f64) -> f64 {
    rate.exp_m1().ln()
}

/// The weight names of a target-local model's two rates (raw values; the rates are their softplus).
pub const LOCALITY_NEAR: &str = "target_locality.near";
pub const LOCALITY_FOCUS: &str = "target_locality.focus";

/// `[targets, len]`: each token's distance in tokens from its target's span (0 inside it), from the
/// batch's `target_weights` (non-zero exactly over each target's contiguous tokens).
pub fn target_distances(target_weights: &Tensor) -> Tensor {
    let len = target_weights.size()[1];
    let inside = target_weights.gt(0.0).to_kind(Kind::Int64); // [targets, len]
    let first = inside.argmax(-1, true); // [targets, 1]
    let last = (len - 1) - inside.flip([-1]).argmax(-1, true);
    let pos = Tensor::arange(len, (Kind::Int64, target_weights.device())).unsqueeze(0);
    let before = (&first - &pos).clamp_min(0);
    let after = (&pos - &last).clamp_min(0);
    (before + after).to_kind(Kind::Float)
}

/// Softmax of `logits / temperature`, as rows of `f32`.
pub fn calibrated_probs(logits: &Tensor, temperature: f64) -> Result<Vec<[f32; 3]>> {
    let p = (logits.to_kind(Kind::Float) / temperature).softmax(-1, Kind::Float);
    let flat: Vec<f32> = Vec::<f32>::try_from(p.flatten(0, -1)).context("cannot read the model's probabilities")?;
    Ok(flat.chunks_exact(3).map(|c| [c[0], c[1], c[2]]).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distances_count_tokens_to_the_nearest_end_of_the_target_span() {
        let weights = Tensor::from_slice(&[0.0f32, 0.5, 0.5, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0]).view([2, 5]);
        let d = Vec::<f32>::try_from(target_distances(&weights).flatten(0, -1)).unwrap();
        assert_eq!(d, vec![1.0, 0.0, 0.0, 1.0, 2.0, 4.0, 3.0, 2.0, 1.0, 0.0]);
    }
}
