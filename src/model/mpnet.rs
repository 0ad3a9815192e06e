//! The MPNet encoder (all-mpnet-base-v2's architecture, Song et al. 2020) as a trainable module:
//! BERT's layer with two differences, a learnt relative-position bias added to every layer's
//! attention scores (one bias per head and bucket of token distance, shared by the layers) and no
//! token-type embedding. rust-bert has no MPNet, so training builds this from `tch::nn` parts under
//! the Hugging Face weight names (`embeddings.*`, `encoder.layer.N.attention.attn.{q,k,v,o}`,
//! `encoder.relative_attention_bias`), and inference reads the same weights into
//! [`super::inference_encoder::InferenceEncoder`].
//!
//! Invariant: this computes what Hugging Face's `MPNetModel` computes (checked against it on the
//! real weights by `scripts/check-mpnet-reference.sh`), and in fp32 the inference encoder computes
//! what this computes (tested in `tests/mpnet_encoder.rs`).

use std::borrow::Borrow;

use rust_bert::bert::BertConfig;
use serde::{Deserialize, Serialize};
use tch::{nn, Kind, Tensor};

/// What an MPNet encoder has beyond the BERT shape fields of [`super::ModelConfig::encoder`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MpnetShape {
    /// Buckets of relative token distance (32 in MPNet): half for each direction.
    pub relative_attention_num_buckets: i64,
    /// Layer norm epsilon (1e-5 in MPNet; BERT's is 1e-12).
    pub layer_norm_eps: f64,
    /// The padding token id; positions start after it (RoBERTa's convention).
    pub pad_token_id: i64,
}

impl MpnetShape {
    /// The position id of a row's first token: right after the padding id (RoBERTa's convention).
    pub fn first_position(&self) -> i64 {
        self.pad_token_id + 1
    }
}

/// Distances of at least this many tokens share the last bucket (Hugging Face's constant).
const MAX_DISTANCE: f64 = 128.0;

/// `[len, len]` bucket of each (query, key) pair's relative position, as Hugging Face's
/// `MPNetEncoder.relative_position_bucket` computes it: the first half of the buckets for keys
/// before the query, the second half for keys at or after it; within a half, exact buckets for
/// distances under a quarter of the buckets, then logarithmically wider ones up to [`MAX_DISTANCE`].
pub fn relative_position_buckets(len: i64, num_buckets: i64, device: tch::Device) -> Tensor {
    let pos = Tensor::arange(len, (Kind::Int64, device));
    // n = query - key (Hugging Face's `-relative_position` with relative_position = key - query).
    let n = pos.unsqueeze(1) - pos.unsqueeze(0);
    let half = num_buckets / 2;
    let direction = n.lt(0).to_kind(Kind::Int64) * half;
    let n = n.abs();
    let max_exact = half / 2;
    let large = (n.to_kind(Kind::Float) / max_exact as f64).log() / (MAX_DISTANCE / max_exact as f64).ln()
        * (half - max_exact) as f64;
    let large = (large.to_kind(Kind::Int64) + max_exact).clamp_max(half - 1);
    direction + n.where_self(&n.lt(max_exact), &large)
}

/// One layer: self-attention (with the shared position bias), residual and layer norm, GELU
/// feed-forward, residual and layer norm.
#[derive(Debug)]
struct MpnetLayer {
    q: nn::Linear,
    k: nn::Linear,
    v: nn::Linear,
    o: nn::Linear,
    attention_norm: nn::LayerNorm,
    intermediate: nn::Linear,
    output: nn::Linear,
    output_norm: nn::LayerNorm,
}

/// The trainable MPNet encoder.
#[derive(Debug)]
pub struct MpnetEncoder {
    word: nn::Embedding,
    position: nn::Embedding,
    embedding_norm: nn::LayerNorm,
    relative_bias: nn::Embedding,
    layers: Vec<MpnetLayer>,
    heads: i64,
    shape: MpnetShape,
    hidden_dropout: f64,
    attention_dropout: f64,
}

impl MpnetEncoder {
    /// The encoder's variables under `root` with the Hugging Face names.
    pub fn new<'p>(root: impl Borrow<nn::Path<'p>>, config: &BertConfig, shape: MpnetShape) -> Self {
        let root = root.borrow();
        let h = config.hidden_size;
        let norm_config = nn::LayerNormConfig { eps: shape.layer_norm_eps, ..Default::default() };
        let emb = root / "embeddings";
        let enc = root / "encoder";
        let layers = (0..config.num_hidden_layers)
            .map(|i| {
                let p = &enc / "layer" / i;
                let attn = &p / "attention" / "attn";
                MpnetLayer {
                    q: nn::linear(&attn / "q", h, h, Default::default()),
                    k: nn::linear(&attn / "k", h, h, Default::default()),
                    v: nn::linear(&attn / "v", h, h, Default::default()),
                    o: nn::linear(&attn / "o", h, h, Default::default()),
                    attention_norm: nn::layer_norm(&p / "attention" / "LayerNorm", vec![h], norm_config),
                    intermediate: nn::linear(
                        &p / "intermediate" / "dense",
                        h,
                        config.intermediate_size,
                        Default::default(),
                    ),
                    output: nn::linear(&p / "output" / "dense", config.intermediate_size, h, Default::default()),
                    output_norm: nn::layer_norm(&p / "output" / "LayerNorm", vec![h], norm_config),
                }
            })
            .collect();
        MpnetEncoder {
            word: nn::embedding(&emb / "word_embeddings", config.vocab_size, h, Default::default()),
            position: nn::embedding(
                &emb / "position_embeddings",
                config.max_position_embeddings,
                h,
                Default::default(),
            ),
            embedding_norm: nn::layer_norm(&emb / "LayerNorm", vec![h], norm_config),
            relative_bias: nn::embedding(
                &enc / "relative_attention_bias",
                shape.relative_attention_num_buckets,
                config.num_attention_heads,
                Default::default(),
            ),
            layers,
            heads: config.num_attention_heads,
            shape,
            hidden_dropout: config.hidden_dropout_prob,
            attention_dropout: config.attention_probs_dropout_prob,
        }
    }

    /// Token states `[rows, len, hidden]` for `[rows, len]` token ids and mask (1 = token). Rows are
    /// right-padded, so a real token's position is its index (after the padding id), whatever id
    /// the padding carries.
    pub fn forward_t(&self, input_ids: &Tensor, mask: &Tensor, train: bool) -> Tensor {
        use tch::nn::Module;
        let (rows, len) = input_ids.size2().expect("token ids must be [rows, len]");
        let device = input_ids.device();
        let positions = Tensor::arange(len, (Kind::Int64, device)) + self.shape.first_position();
        let x = input_ids.apply(&self.word) + positions.apply(&self.position).unsqueeze(0);
        let mut x = x.apply(&self.embedding_norm).dropout(self.hidden_dropout, train);
        // [1, heads, len, len] position bias plus [rows, 1, 1, len] padding mask.
        let bias = relative_position_buckets(len, self.shape.relative_attention_num_buckets, device)
            .apply(&self.relative_bias)
            .permute([2, 0, 1])
            .unsqueeze(0);
        let additive = ((mask.to_kind(x.kind()) - 1.0) * 10000.0).view([rows, 1, 1, len]);
        let scores_bias = bias + additive;
        let hidden = *x.size().last().unwrap_or(&0);
        let head_dim = hidden / self.heads;
        let split = |t: Tensor| t.view([rows, len, self.heads, head_dim]).transpose(1, 2);
        for layer in &self.layers {
            let (q, k, v) = (split(layer.q.forward(&x)), split(layer.k.forward(&x)), split(layer.v.forward(&x)));
            let scores = q.matmul(&k.transpose(-1, -2)) / (head_dim as f64).sqrt() + &scores_bias;
            let probs = scores.softmax(-1, scores.kind()).dropout(self.attention_dropout, train);
            let context = probs.matmul(&v).transpose(1, 2).reshape([rows, len, hidden]);
            let attended = layer.o.forward(&context).dropout(self.hidden_dropout, train);
            x = (attended + &x).apply(&layer.attention_norm);
            let inner = layer.intermediate.forward(&x).gelu("none");
            let out = layer.output.forward(&inner).dropout(self.hidden_dropout, train);
            x = (out + &x).apply(&layer.output_norm);
        }
        x
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Buckets as Hugging Face's formula gives them for 32 buckets (values worked out from
    /// `relative_position_bucket` in transformers' modeling_mpnet.py): query - key = n.
    #[test]
    fn buckets_follow_the_hugging_face_formula() {
        let b = relative_position_buckets(200, 32, tch::Device::Cpu);
        let at = |q: i64, k: i64| b.int64_value(&[q, k]);
        // Same token and keys just before the query: exact buckets 0..7.
        assert_eq!(at(0, 0), 0);
        assert_eq!(at(5, 0), 5);
        assert_eq!(at(7, 0), 7);
        // Keys after the query take the upper half: 16 + distance.
        assert_eq!(at(0, 1), 17);
        assert_eq!(at(0, 7), 23);
        // Log buckets: 8 + floor(ln(n/8) / ln(16) * 8); n = 8 -> 8, 16 -> 10, 64 -> 14, >=128 -> 15.
        assert_eq!(at(8, 0), 8);
        assert_eq!(at(16, 0), 10);
        assert_eq!(at(64, 0), 14);
        assert_eq!(at(199, 0), 15);
        assert_eq!(at(0, 199), 31);
    }
}
