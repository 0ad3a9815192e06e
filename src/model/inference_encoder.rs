//! A hand-written BERT encoder forward for inference, built from a loaded model's weights, so that
//! its linear layers can run as int8 matrices on fbgemm (the CPU's VNNI dot-product units), which
//! rust-bert's layers cannot be swapped for. It computes what rust-bert's `BertModel` computes
//! (embeddings, then per layer: self-attention, residual and layer norm, GELU feed-forward,
//! residual and layer norm), with the query, key and value projections fused into one matrix.
//!
//! Int8 here: each weight row (output channel) is scaled to [-127, 127] and rounded once at load,
//! and fbgemm quantizes each activation matrix to uint8 by its min and max on every call. So the
//! result of one row depends slightly on the other rows of its batch (they share the activation
//! range); it stays deterministic for a given input, batch plan and thread count. Layer norm,
//! softmax, GELU, embeddings and the heads stay in fp32.
//!
//! It is also faster than rust-bert's forward in fp32 and bf16 (fused projections, libtorch's
//! fused attention kernel, no per-layer mask rebuilding), so every precision infers through it;
//! training keeps rust-bert's modules, whose weights and names this reads.
//!
//! An MPNet encoder ([`super::mpnet`]) runs through the same layers with its own weight names, its
//! layer norm epsilon, positions after the padding id and its relative-position bias added to the
//! attention mask.
//!
//! Invariant: with [`LinearKind::Fp32`] the output equals rust-bert's to float rounding (tested),
//! so any difference under bf16 or int8 is their rounding, not a second reading of BERT; for MPNet
//! it equals [`super::mpnet::MpnetEncoder`]'s (tested).

use std::collections::HashMap;

use anyhow::{bail, ensure, Context, Result};
use rust_bert::bert::BertConfig;
use tch::{Kind, Tensor};

use super::mpnet::{relative_position_buckets, MpnetShape};

/// How the encoder's linear layers multiply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinearKind {
    /// fp32 weights and activations.
    Fp32,
    /// bf16 weights and activations (layer norm and softmax accumulate in fp32 inside libtorch).
    Bf16,
    /// Per-output-channel symmetric int8 weights, dynamic uint8 activations, on fbgemm.
    Int8,
}

/// Layer norm epsilon of BERT (and of rust-bert's implementation).
const LAYER_NORM_EPS: f64 = 1e-12;

/// Whether this CPU runs fbgemm's int8 kernels (they need AVX2; VNNI makes them fast).
fn cpu_runs_int8() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// libtorch prints a one-time deprecation notice on the first fbgemm pack and the first fbgemm
/// int8 product (the functions work in libtorch 2.4, which this crate pins). A 1 x 1 matrix packed
/// and multiplied here, with stderr silenced, spends both notices before any output of ours.
fn spend_fbgemm_notices() -> Result<()> {
    silence_stderr(|| {
        let one = Tensor::ones([1, 1], (Kind::Float, tch::Device::Cpu));
        let layer = QuantizedLinear::new(&one, &Tensor::zeros([1], (Kind::Float, tch::Device::Cpu)))?;
        let _product = layer.forward(&one);
        Ok(())
    })
}

/// `y = x W^T + b`, dense or int8.
enum Linear {
    Dense { weight: Tensor, bias: Tensor },
    Int8(QuantizedLinear),
}

impl Linear {
    /// `weight` and `bias` come already in the working kind (fp32 or bf16); int8 quantizes them.
    fn new(weight: &Tensor, bias: &Tensor, kind: LinearKind) -> Result<Self> {
        Ok(match kind {
            LinearKind::Fp32 | LinearKind::Bf16 => {
                Linear::Dense { weight: weight.shallow_clone(), bias: bias.shallow_clone() }
            }
            LinearKind::Int8 => Linear::Int8(QuantizedLinear::new(weight, bias)?),
        })
    }

    fn forward(&self, x: &Tensor) -> Tensor {
        match self {
            Linear::Dense { weight, bias } => x.linear(weight, Some(bias)),
            Linear::Int8(q) => q.forward(x),
        }
    }
}

/// A linear layer as fbgemm's packed int8 matrix. fbgemm takes one weight scale per matrix, so
/// the per-row scales are applied outside: fbgemm computes `x Q^T + b / s` with scale 1, and the
/// result is multiplied by `s` (one scale per output channel), which gives `x (s Q)^T + b`.
struct QuantizedLinear {
    /// `[out, in]` int8 weights; fbgemm reads only their shape, the packed copy is what it uses.
    weight: Tensor,
    packed: Tensor,
    /// `[out]` int32 sums of each quantized row (fbgemm's correction for the activations' zero point).
    col_offsets: Tensor,
    /// `[out]` fp32 scale of each row.
    row_scale: Tensor,
    /// `[out]` the bias divided by `row_scale`.
    scaled_bias: Tensor,
}

impl QuantizedLinear {
    fn new(weight: &Tensor, bias: &Tensor) -> Result<Self> {
        ensure!(weight.dim() == 2, "int8 linear: weight must be a matrix, got {:?}", weight.size());
        let weight = weight.to_kind(Kind::Float);
        let row_scale = (weight.abs().amax([1].as_slice(), true) / 127.0).clamp_min(1e-12); // [out, 1]
        let quantized = (&weight / &row_scale).round().clamp(-127.0, 127.0).to_kind(Kind::Int8).contiguous();
        let col_offsets = quantized.sum_dim_intlist([1].as_slice(), false, Kind::Int).contiguous();
        let packed = quantized.f_fbgemm_pack_quantized_matrix().context("fbgemm cannot pack an int8 matrix")?;
        let row_scale = row_scale.squeeze_dim(1).contiguous();
        let scaled_bias = (bias.to_kind(Kind::Float) / &row_scale).contiguous();
        Ok(QuantizedLinear { weight: quantized, packed, col_offsets, row_scale, scaled_bias })
    }

    fn forward(&self, x: &Tensor) -> Tensor {
        let y = x.fbgemm_linear_int8_weight_fp32_activation(
            &self.weight,
            &self.packed,
            &self.col_offsets,
            tch::Scalar::float(1.0),
            tch::Scalar::int(0),
            &self.scaled_bias,
        );
        y * &self.row_scale
    }
}

struct LayerNorm {
    weight: Tensor,
    bias: Tensor,
    eps: f64,
}

impl LayerNorm {
    fn forward(&self, x: &Tensor) -> Tensor {
        let h = *x.size().last().unwrap_or(&0);
        x.layer_norm([h].as_slice(), Some(&self.weight), Some(&self.bias), self.eps, false)
    }
}

struct Layer {
    qkv: Linear,
    attention_out: Linear,
    attention_norm: LayerNorm,
    intermediate: Linear,
    output: Linear,
    output_norm: LayerNorm,
}

/// The encoder: embeddings and layers, read from a model's named weights.
pub struct InferenceEncoder {
    word: Tensor,
    position: Tensor,
    /// BERT's token-type embedding (type 0 for every token); MPNet has none.
    token_type: Option<Tensor>,
    /// The position id of a row's first token: 0 in BERT, after the padding id in MPNet.
    first_position: i64,
    /// MPNet's `[buckets, heads]` relative-position bias and its bucket count.
    relative_bias: Option<(Tensor, i64)>,
    embedding_norm: LayerNorm,
    layers: Vec<Layer>,
    heads: i64,
}

impl InferenceEncoder {
    /// Builds the encoder from `embeddings.*` and `encoder.layer.N.*` weights (the Hugging Face
    /// names that the model's `VarStore` uses; MPNet's when `mpnet` is set); the tensors are
    /// shared, not copied, for dense layers.
    pub fn new(
        weights: &HashMap<String, Tensor>,
        config: &BertConfig,
        mpnet: Option<MpnetShape>,
        kind: LinearKind,
    ) -> Result<Self> {
        if kind == LinearKind::Int8 {
            if !cpu_runs_int8() {
                bail!("int8 inference needs a CPU with AVX2 (fbgemm's kernels); use --precision fp32");
            }
            spend_fbgemm_notices()?;
        }
        let work = if kind == LinearKind::Bf16 { Kind::BFloat16 } else { Kind::Float };
        let get = |name: &str| -> Result<Tensor> {
            weights.get(name).map(|t| t.to_kind(work)).with_context(|| format!("the model has no weight '{name}'"))
        };
        let eps = mpnet.map_or(LAYER_NORM_EPS, |m| m.layer_norm_eps);
        let norm = |prefix: &str| -> Result<LayerNorm> {
            Ok(LayerNorm { weight: get(&format!("{prefix}.weight"))?, bias: get(&format!("{prefix}.bias"))?, eps })
        };
        ensure!(
            config.hidden_size % config.num_attention_heads == 0,
            "hidden size {} is not a multiple of {} heads",
            config.hidden_size,
            config.num_attention_heads
        );
        let mut layers = Vec::with_capacity(config.num_hidden_layers as usize);
        for i in 0..config.num_hidden_layers {
            let p = format!("encoder.layer.{i}");
            let linear = |name: &str| -> Result<Linear> {
                Linear::new(&get(&format!("{p}.{name}.weight"))?, &get(&format!("{p}.{name}.bias"))?, kind)
            };
            // (query, key, value, attention output, attention norm) under BERT's or MPNet's names.
            let names = match mpnet {
                None => ["self.query", "self.key", "self.value", "output.dense", "output.LayerNorm"],
                Some(_) => ["attn.q", "attn.k", "attn.v", "attn.o", "LayerNorm"],
            };
            let part = |name: &str, what: &str| get(&format!("{p}.attention.{name}.{what}"));
            let qkv_weight =
                Tensor::cat(&[part(names[0], "weight")?, part(names[1], "weight")?, part(names[2], "weight")?], 0);
            let qkv_bias = Tensor::cat(&[part(names[0], "bias")?, part(names[1], "bias")?, part(names[2], "bias")?], 0);
            layers.push(Layer {
                qkv: Linear::new(&qkv_weight, &qkv_bias, kind)?,
                attention_out: linear(&format!("attention.{}", names[3]))?,
                attention_norm: norm(&format!("{p}.attention.{}", names[4]))?,
                intermediate: linear("intermediate.dense")?,
                output: linear("output.dense")?,
                output_norm: norm(&format!("{p}.output.LayerNorm"))?,
            });
        }
        Ok(InferenceEncoder {
            word: get("embeddings.word_embeddings.weight")?,
            position: get("embeddings.position_embeddings.weight")?,
            token_type: match mpnet {
                None => Some(get("embeddings.token_type_embeddings.weight")?.get(0)),
                Some(_) => None,
            },
            first_position: mpnet.map_or(0, |m| m.first_position()),
            relative_bias: match mpnet {
                None => None,
                Some(m) => Some((get("encoder.relative_attention_bias.weight")?, m.relative_attention_num_buckets)),
            },
            embedding_norm: norm("embeddings.LayerNorm")?,
            layers,
            heads: config.num_attention_heads,
        })
    }

    /// Token states `[rows, len, hidden]` (fp32, or bf16 under [`LinearKind::Bf16`]) for `[rows, len]` token ids and mask (1 = token).
    pub fn forward(&self, input_ids: &Tensor, mask: &Tensor) -> Result<Tensor> {
        let (rows, len) = input_ids.size2().context("token ids must be [rows, len]")?;
        let positions = Tensor::arange(len, (Kind::Int64, input_ids.device())) + self.first_position;
        let mut x = self.word.index_select(0, &input_ids.flatten(0, -1)).view([rows, len, -1])
            + self.position.index_select(0, &positions).unsqueeze(0);
        if let Some(token_type) = &self.token_type {
            x += token_type;
        }
        x = self.embedding_norm.forward(&x.contiguous());
        // rust-bert's additive mask: 0 on tokens, -10000 on padding, broadcast over heads and queries;
        // MPNet adds its `[1, heads, len, len]` position bias.
        let padding = ((mask.to_kind(self.word.kind()) - 1.0) * 10000.0).view([rows, 1, 1, len]);
        let additive = match &self.relative_bias {
            None => padding,
            Some((bias, buckets)) => {
                let b = relative_position_buckets(len, *buckets, input_ids.device());
                padding + bias.index_select(0, &b.flatten(0, -1)).view([len, len, -1]).permute([2, 0, 1]).unsqueeze(0)
            }
        };
        let hidden = *x.size().last().unwrap_or(&0);
        let head_dim = hidden / self.heads;
        for layer in &self.layers {
            let qkv = layer.qkv.forward(&x).view([rows, len, 3, self.heads, head_dim]).permute([2, 0, 3, 1, 4]);
            let (q, k, v) = (qkv.get(0), qkv.get(1), qkv.get(2));
            let context = Tensor::scaled_dot_product_attention(&q, &k, &v, Some(&additive), 0.0, false, None)
                .transpose(1, 2)
                .reshape([rows, len, hidden]);
            x = layer.attention_norm.forward(&(layer.attention_out.forward(&context) + &x));
            let inner = layer.intermediate.forward(&x).gelu("none");
            x = layer.output_norm.forward(&(layer.output.forward(&inner) + &x));
        }
        Ok(x)
    }
}

/// Runs `f` with file descriptor 2 pointed at /dev/null, then restores it. Used only by
/// [`spend_fbgemm_notices`] (the notice would only confuse a reader of stance's own messages).
fn silence_stderr<T>(f: impl FnOnce() -> T) -> T {
    // SAFETY: plain descriptor calls; every descriptor opened here is closed here, and fd 2 is
    // restored before returning (if any call fails, stderr is simply left as it was).
    unsafe {
        let saved = libc::dup(2);
        let null = libc::open(c"/dev/null".as_ptr(), libc::O_WRONLY);
        let redirected = saved >= 0 && null >= 0 && libc::dup2(null, 2) >= 0;
        let out = f();
        if redirected {
            libc::dup2(saved, 2);
        }
        for fd in [saved, null] {
            if fd >= 0 {
                libc::close(fd);
            }
        }
        out
    }
}
