//! The stance model on disk and in memory. A model folder holds `config.json` (this crate's
//! [`ModelConfig`]: encoder shape, window size, label order, calibration temperatures, provenance),
//! `model.safetensors` and `tokenizer.json`. The shipped default lives in `models/stance-minilm`.
//!
//! Invariant: a loaded model's label order is checked against [`crate::labels`], so a model trained
//! with another order is refused rather than silently mislabelled.

pub mod encode;
pub mod inference_encoder;
pub mod mpnet;
pub mod network;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use rust_bert::bert::BertConfig;
use serde::{Deserialize, Serialize};
use tch::{nn, Device, Kind, Tensor};

use crate::labels::{LabelSet, Sentiment, Stance};
pub use encode::{CharSpan, EncodedSentence, SentenceEncoder, SpanError};
use inference_encoder::{InferenceEncoder, LinearKind};
pub use mpnet::MpnetShape;
pub use network::{calibrated_probs, Batch, Logits, StanceNetwork};

/// Identifies the layout of `config.json`; bumped when the network or the file changes shape.
pub const MODEL_FORMAT: &str = "stance-target-pool/1";

/// The folder of the embedded default model, relative to the crate root.
pub const DEFAULT_MODEL_DIR: &str = "models/stance-minilm";

/// `config.json` of a model folder.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelConfig {
    pub format: String,
    /// Shape of the encoder (the Hugging Face `config.json` fields of BERT; an MPNet encoder keeps
    /// its shape here too, with `type_vocab_size` 1 and unused, and the rest in `mpnet`).
    pub encoder: BertConfig,
    /// Set when the encoder is MPNet rather than BERT (absent in older model folders: BERT).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mpnet: Option<MpnetShape>,
    /// Longest encoder row in tokens, `[CLS]` and `[SEP]` included.
    pub max_tokens: usize,
    pub stance_labels: Vec<String>,
    pub sentiment_labels: Vec<String>,
    /// Temperatures fitted on the validation split (1.0 = uncalibrated).
    pub stance_temperature: f64,
    pub sentiment_temperature: f64,
    /// Whether the stance head also reads a target-conditioned attention summary of the sentence
    /// (absent in older model folders: mean pooling only).
    #[serde(default)]
    pub target_attention: bool,
    /// Whether each target is marked in the encoder's input (`[unused0]` target `[unused1]`, one
    /// row per target; see [`encode`]). Absent in older model folders: unmarked, one row a sentence.
    #[serde(default)]
    pub target_markers: bool,
    /// Whether the stance head weighs each token by its closeness to the target (two learnt rates;
    /// see [`network`]). Absent in older model folders: every token of the sentence counts alike.
    #[serde(default)]
    pub target_locality: bool,
    /// Where the weights came from (base model, data, command); free-form, for the model card.
    #[serde(default)]
    pub provenance: serde_json::Value,
}

impl ModelConfig {
    pub fn new(encoder: BertConfig, max_tokens: usize, target_attention: bool) -> Self {
        ModelConfig {
            format: MODEL_FORMAT.to_string(),
            encoder,
            mpnet: None,
            max_tokens,
            stance_labels: Stance::ALL.iter().map(|l| l.name().to_string()).collect(),
            sentiment_labels: Sentiment::ALL.iter().map(|l| l.name().to_string()).collect(),
            stance_temperature: 1.0,
            sentiment_temperature: 1.0,
            target_attention,
            target_markers: false,
            target_locality: false,
            provenance: serde_json::Value::Null,
        }
    }

    pub fn read(path: &Path) -> Result<Self> {
        let text =
            std::fs::read_to_string(path).with_context(|| format!("{}: cannot read model config", path.display()))?;
        let config: ModelConfig =
            serde_json::from_str(&text).with_context(|| format!("{}: not a stance model config", path.display()))?;
        if config.format != MODEL_FORMAT {
            bail!("{}: model format '{}', this build reads '{MODEL_FORMAT}'", path.display(), config.format);
        }
        let want_stance: Vec<&str> = Stance::ALL.iter().map(|l| l.name()).collect();
        let want_sent: Vec<&str> = Sentiment::ALL.iter().map(|l| l.name()).collect();
        if config.stance_labels != want_stance || config.sentiment_labels != want_sent {
            bail!(
                "{}: label order {:?} / {:?} differs from {:?} / {:?}",
                path.display(),
                config.stance_labels,
                config.sentiment_labels,
                want_stance,
                want_sent
            );
        }
        config.check_positions().with_context(|| format!("{}", path.display()))?;
        Ok(config)
    }

    /// The position of a row's first token: 0 in BERT, after the padding id in MPNet.
    pub fn first_position(&self) -> i64 {
        self.mpnet.map_or(0, |m| m.first_position())
    }

    /// Fails when a row of `max_tokens` would run past the encoder's position embeddings.
    pub fn check_positions(&self) -> Result<()> {
        let (need, have) = (self.max_tokens as i64 + self.first_position(), self.encoder.max_position_embeddings);
        if need > have {
            bail!(
                "max_tokens {} needs {need} positions, the encoder has {have} (at most {} tokens a row)",
                self.max_tokens,
                have - self.first_position()
            );
        }
        Ok(())
    }

    pub fn write(&self, path: &Path) -> Result<()> {
        let text = serde_json::to_string_pretty(self)?;
        std::fs::write(path, text + "\n").with_context(|| format!("{}: cannot write", path.display()))
    }
}

/// A new model's config from a Hugging Face `config.json` (its `model_type` says BERT or MPNet).
fn base_config(text: &str, max_tokens: usize, target_attention: bool) -> Result<ModelConfig> {
    let mut json: serde_json::Value = serde_json::from_str(text)?;
    let mpnet = if json.get("model_type").and_then(|t| t.as_str()) == Some("mpnet") {
        let field = |name: &str| json.get(name).with_context(|| format!("no field '{name}'"));
        // What the MPNet module computes: Hugging Face's MPNet, whose position buckets are fixed
        // at 32 and whose activation is GELU.
        let act = json.get("hidden_act").and_then(|a| a.as_str());
        anyhow::ensure!(act == Some("gelu"), "hidden_act {act:?}: this MPNet encoder computes \"gelu\" only");
        let shape = MpnetShape {
            relative_attention_num_buckets: field("relative_attention_num_buckets")?
                .as_i64()
                .context("relative_attention_num_buckets: not an integer")?,
            layer_norm_eps: field("layer_norm_eps")?.as_f64().context("layer_norm_eps: not a number")?,
            pad_token_id: field("pad_token_id")?.as_i64().context("pad_token_id: not an integer")?,
        };
        anyhow::ensure!(
            shape.relative_attention_num_buckets == 32,
            "relative_attention_num_buckets {}: MPNet uses 32",
            shape.relative_attention_num_buckets
        );
        // MPNet has no token types; BERT's config type asks for the field.
        json["type_vocab_size"] = 1.into();
        Some(shape)
    } else {
        None
    };
    let mut config = ModelConfig::new(serde_json::from_value(json)?, max_tokens, target_attention);
    config.mpnet = mpnet;
    config.check_positions()?;
    Ok(config)
}

/// Finds the model folder: an explicit path, else `$STANCE_MODEL`, else `models/stance-minilm`
/// beside the running binary (a copied or installed binary with its model next to it), else the
/// shipped default in the source tree the binary was built from.
pub fn resolve_model_dir(explicit: Option<&Path>) -> PathBuf {
    if let Some(p) = explicit {
        return p.to_path_buf();
    }
    if let Some(p) = std::env::var_os("STANCE_MODEL") {
        return PathBuf::from(p);
    }
    let beside_binary = std::env::current_exe().ok().and_then(|exe| exe.parent().map(|d| d.join(DEFAULT_MODEL_DIR)));
    if let Some(dir) = beside_binary.filter(|d| d.join("config.json").is_file()) {
        return dir;
    }
    Path::new(env!("CARGO_MANIFEST_DIR")).join(DEFAULT_MODEL_DIR)
}

/// The number format inference runs in. `Fp32` is what the model was trained in; `Bf16` keeps
/// fp32's range with 8 bits of mantissa and runs on the CPU's bf16 matrix units where it has them
/// (AVX-512 BF16, AMX); probabilities are computed in fp32 either way. `Int8` runs the encoder's
/// linear layers as int8 matrices on fbgemm ([`inference_encoder`]); the rest stays fp32. `Auto` is
/// bf16 where the CPU multiplies bf16 matrices faster than fp32 ones (AVX-512 BF16 on AMD, or
/// AMX-BF16; `cpu_multiplies_bf16_faster`) and fp32 elsewhere.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Precision {
    Auto,
    Fp32,
    Bf16,
    Int8,
}

impl Precision {
    /// `Auto` made concrete for this CPU.
    pub fn resolve(self) -> Precision {
        match self {
            Precision::Auto if cpu_multiplies_bf16_faster() => Precision::Bf16,
            Precision::Auto => Precision::Fp32,
            p => p,
        }
    }

    pub fn name(self) -> &'static str {
        match self.resolve() {
            Precision::Bf16 => "bf16",
            Precision::Int8 => "int8",
            _ => "fp32",
        }
    }

    /// How the inference encoder multiplies in this precision.
    fn linear_kind(self) -> LinearKind {
        match self.resolve() {
            Precision::Int8 => LinearKind::Int8,
            Precision::Bf16 => LinearKind::Bf16,
            _ => LinearKind::Fp32,
        }
    }

    /// The kind of the `VarStore` (the heads' weights): int8 keeps its heads in fp32.
    fn kind(self) -> Kind {
        match self.resolve() {
            Precision::Bf16 => Kind::BFloat16,
            _ => Kind::Float,
        }
    }
}

/// Entries in the cache of compiled matrix kernels that libtorch's oneDNN path (bf16 here) keeps,
/// one per input shape. libtorch's default, 1,024, let a long bf16 run grow from about 520 to 800
/// MiB over 76,000 AG News items as batch shapes accumulated; with 64 it levelled off near 670 MiB
/// at no loss of speed (BENCHMARKS.md, "Memory over a long run").
pub const KERNEL_CACHE_ENTRIES: usize = 64;

/// Sets libtorch's kernel cache size (the `LRU_CACHE_CAPACITY` variable its oneDNN layer reads on
/// first use) to [`KERNEL_CACHE_ENTRIES`], unless the user set it to a positive whole number (an
/// empty or zero value crashes libtorch 2.4, so it is replaced too). Call at the start of `main`,
/// before any thread starts.
pub fn bound_kernel_caches() {
    let valid =
        std::env::var("LRU_CACHE_CAPACITY").ok().and_then(|v| v.trim().parse::<u64>().ok()).is_some_and(|n| n > 0);
    if !valid {
        std::env::set_var("LRU_CACHE_CAPACITY", KERNEL_CACHE_ENTRIES.to_string());
    }
}

/// What `MKL_CBWR` is set to when the user has not set it: MKL's strict reproducibility mode on
/// the CPU's own code path.
pub const MKL_REPRODUCIBILITY: &str = "AUTO,STRICT";

/// Keeps fp32's promise that a run's numbers do not depend on the libtorch thread count. libtorch's
/// fp32 matrix products run on MKL, whose default kernels split a product's sums differently for
/// one thread and for two, so scores moved in the sixth decimal and, now and then, a rounded figure
/// in the fourth. MKL's strict mode ([`MKL_REPRODUCIBILITY`]) fixes the split for a given machine
/// (not across CPUs, whose code paths differ) at no measurable cost (BENCHMARKS.md, "fp32 and the
/// thread count"); a user's own `MKL_CBWR` is kept. MKL reads the variable when it starts: call at
/// the start of `main` (every command but `train`) or of the Python module, before any thread starts
/// and before any model loads. Code that loads a model without either (the tests that load the
/// shipped model directly) runs on MKL's default kernels, which differ in the sixth decimal.
pub fn pin_matrix_reproducibility() {
    if std::env::var_os("MKL_CBWR").is_none() {
        std::env::set_var("MKL_CBWR", MKL_REPRODUCIBILITY);
    }
}

/// Whether bf16 matrix products run faster than fp32's on this CPU, which is what `auto` asks.
/// Having bf16 instructions is not enough. On AMD Zen 4 (AVX-512 BF16) `stance score` ran 1.8x
/// faster in bf16. On an Intel Xeon with AVX-512 BF16 but no AMX it ran at 0.6x: oneDNN's bf16
/// products reached about 75 GFLOP/s a core there, MKL's fp32 ones 120-140 (BENCHMARKS.md, "bf16 on
/// an Intel CPU without AMX"). So bf16 is chosen for AVX-512 BF16 on an AMD CPU, or for AMX-BF16
/// (Intel's bf16 matrix unit, which oneDNN uses where the OS enables it; not measured here. A
/// sandbox that refuses oneDNN the tile state would leave bf16 on the slower kernels.)
fn cpu_multiplies_bf16_faster() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        let amd = {
            // The vendor string of CPUID leaf 0, in EBX, EDX, ECX order.
            let leaf = std::arch::x86_64::__cpuid(0);
            let [b, d, c] = [leaf.ebx, leaf.edx, leaf.ecx].map(u32::to_le_bytes);
            [b, d, c].concat() == b"AuthenticAMD"
        };
        let avx512_bf16 = std::arch::is_x86_feature_detected!("avx512bf16");
        (amd && avx512_bf16) || amx_bf16_enabled()
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// Whether the CPU has AMX-BF16 (CPUID leaf 7, EDX bit 22) and the OS saves the tile state (XCR0
/// bits 17 and 18). Read by hand: the standard library's detection of AMX is not stable yet.
#[cfg(target_arch = "x86_64")]
fn amx_bf16_enabled() -> bool {
    use std::arch::x86_64::{__cpuid, __cpuid_count, _xgetbv};
    const TILE_STATE: u64 = 0b11 << 17;
    let amx_bf16 = __cpuid(0).eax >= 7 && __cpuid_count(7, 0).edx & (1 << 22) != 0;
    // SAFETY: XGETBV exists and may be executed wherever the OS has enabled XSAVE (OSXSAVE), which
    // "xsave" detection checks first.
    amx_bf16 && std::arch::is_x86_feature_detected!("xsave") && unsafe { _xgetbv(0) } & TILE_STATE == TILE_STATE
}

/// A model in memory: weights, network, tokenizer and config.
pub struct StanceModel {
    pub vs: nn::VarStore,
    pub network: StanceNetwork,
    pub encoder: SentenceEncoder,
    pub config: ModelConfig,
    /// The precision this copy runs in, concrete (never `Auto`): `Fp32` for a model loaded to
    /// train, the asked precision made concrete for one loaded for inference.
    pub precision: Precision,
}

impl StanceModel {
    /// Loads a model folder for inference or further training (weights become `f32` whatever their
    /// stored precision).
    pub fn load(dir: &Path, device: Device) -> Result<Self> {
        let (config, encoder) = Self::read_folder(dir)?;
        let mut vs = nn::VarStore::new(device);
        let network = StanceNetwork::new(&vs.root(), &config);
        let weights = dir.join("model.safetensors");
        vs.load(&weights).with_context(|| format!("{}: cannot load weights", weights.display()))?;
        vs.set_kind(Kind::Float);
        Ok(StanceModel { vs, network, encoder, config, precision: Precision::Fp32 })
    }

    /// The config and the tokenizer of a model folder.
    fn read_folder(dir: &Path) -> Result<(ModelConfig, SentenceEncoder)> {
        if !dir.is_dir() {
            bail!("{}: no model folder there (pass --model DIR or set STANCE_MODEL)", dir.display());
        }
        let config = ModelConfig::read(&dir.join("config.json"))?;
        let mut encoder = SentenceEncoder::from_file(&dir.join("tokenizer.json"), config.max_tokens)?;
        encoder.set_target_markers(config.target_markers).with_context(|| format!("{}", dir.display()))?;
        Ok((config, encoder))
    }

    /// Loads a model folder for inference in `precision`: the encoder goes straight from the file
    /// into [`InferenceEncoder`] (converted once to the precision), and only the heads are built as
    /// `VarStore` variables. Such a model cannot train or be saved; use [`StanceModel::load`].
    pub fn load_for_inference(dir: &Path, device: Device, precision: Precision) -> Result<Self> {
        let (config, encoder) = Self::read_folder(dir)?;
        let path = dir.join("model.safetensors");
        let weights: HashMap<String, Tensor> = Tensor::read_safetensors(&path)
            .with_context(|| format!("{}: cannot load weights", path.display()))?
            .into_iter()
            .map(|(name, t)| (name, t.to_device(device)))
            .collect();
        let inference = InferenceEncoder::new(&weights, &config.encoder, config.mpnet, precision.linear_kind())
            .with_context(|| format!("{}: cannot build the encoder", path.display()))?;
        let mut vs = nn::VarStore::new(device);
        let network = StanceNetwork::for_inference(&vs.root(), &config, inference);
        for (name, mut var) in vs.variables() {
            let stored = weights.get(&name).with_context(|| format!("{}: no weight '{name}'", path.display()))?;
            tch::no_grad(|| var.f_copy_(stored)).with_context(|| format!("{}: weight '{name}'", path.display()))?;
        }
        vs.set_kind(precision.kind());
        Ok(StanceModel { vs, network, encoder, config, precision: precision.resolve() })
    }

    /// Turns target markers on or off (training a marked model from an unmarked one: the network is
    /// the same, only the input changes).
    pub fn set_target_markers(&mut self, on: bool) -> Result<()> {
        self.encoder.set_target_markers(on)?;
        self.config.target_markers = on;
        Ok(())
    }

    /// Turns on target locality (training a target-local model from one without it): the network is
    /// rebuilt with the locality rates at their starting values and every other weight copied over.
    pub fn enable_target_locality(self) -> Result<Self> {
        if self.config.target_locality {
            return Ok(self);
        }
        let mut config = self.config.clone();
        config.target_locality = true;
        let mut vs = nn::VarStore::new(self.vs.device());
        let network = StanceNetwork::new(&vs.root(), &config);
        let old = self.vs.variables();
        for (name, mut var) in vs.variables() {
            if let Some(stored) = old.get(&name) {
                tch::no_grad(|| var.f_copy_(stored)).with_context(|| format!("weight '{name}'"))?;
            }
        }
        vs.set_kind(Kind::Float);
        Ok(StanceModel { vs, network, encoder: self.encoder, config, precision: self.precision })
    }

    /// A target-local model's two rates per token of distance (sentence state, attention), as the
    /// softplus gives them; `None` for a model without locality.
    pub fn locality_rates(&self) -> Option<(f64, f64)> {
        let vars = self.vs.variables();
        let rate = |name: &str| vars.get(name).map(|v| v.to_kind(Kind::Double).softplus().double_value(&[0]));
        Some((rate(network::LOCALITY_NEAR)?, rate(network::LOCALITY_FOCUS)?))
    }

    /// Sets a target-local model's two rates (per token, after the softplus; each above 0).
    pub fn set_locality_rates(&mut self, near: f64, focus: f64) -> Result<()> {
        for rate in [near, focus] {
            anyhow::ensure!(rate > 0.0 && rate.is_finite(), "locality rate {rate} must be above 0");
        }
        let vars = self.vs.variables();
        for (name, rate) in [(network::LOCALITY_NEAR, near), (network::LOCALITY_FOCUS, focus)] {
            let mut var = vars
                .get(name)
                .with_context(|| format!("no weight '{name}': not a target-local model"))?
                .shallow_clone();
            let _ = tch::no_grad(|| var.fill_(network::raw_locality_rate(rate)));
        }
        Ok(())
    }

    /// Builds a fresh model on a Hugging Face BERT or MPNet folder (`config.json`,
    /// `model.safetensors`, `tokenizer.json`): encoder weights from the checkpoint, heads newly
    /// initialised.
    pub fn from_base(base: &Path, max_tokens: usize, target_attention: bool, device: Device) -> Result<Self> {
        let cfg_path = base.join("config.json");
        let text = std::fs::read_to_string(&cfg_path)
            .with_context(|| format!("{}: cannot read base config", cfg_path.display()))?;
        let config = base_config(&text, max_tokens, target_attention)
            .with_context(|| format!("{}: not a BERT or MPNet config", cfg_path.display()))?;
        let encoder = SentenceEncoder::from_file(&base.join("tokenizer.json"), max_tokens)?;
        let mut vs = nn::VarStore::new(device);
        let network = StanceNetwork::new(&vs.root(), &config);
        let weights = base.join("model.safetensors");
        let missing =
            vs.load_partial(&weights).with_context(|| format!("{}: cannot load base weights", weights.display()))?;
        // Only the encoder comes from the checkpoint; the heads start fresh.
        if let Some(m) = missing.iter().find(|n| n.starts_with("embeddings.") || n.starts_with("encoder.")) {
            bail!("{}: base checkpoint lacks encoder weight '{m}'", weights.display());
        }
        vs.set_kind(Kind::Float);
        Ok(StanceModel { vs, network, encoder, config, precision: Precision::Fp32 })
    }

    /// Writes a model folder; `half` stores the weights as fp16 (half the size, same predictions
    /// to within rounding since inference converts back to f32).
    pub fn save(&self, dir: &Path, tokenizer_src: &Path, half: bool) -> Result<()> {
        std::fs::create_dir_all(dir).with_context(|| format!("{}: cannot create", dir.display()))?;
        let weights = dir.join("model.safetensors");
        if half {
            let mut named: Vec<(String, tch::Tensor)> =
                self.vs.variables().into_iter().map(|(k, v)| (k, v.to_kind(Kind::Half))).collect();
            named.sort_by(|a, b| a.0.cmp(&b.0));
            tch::Tensor::write_safetensors(&named, &weights)?;
        } else {
            self.vs.save(&weights)?;
        }
        self.config.write(&dir.join("config.json"))?;
        let tok = dir.join("tokenizer.json");
        if tokenizer_src != tok {
            std::fs::copy(tokenizer_src, &tok)
                .with_context(|| format!("{}: cannot copy tokenizer", tokenizer_src.display()))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_round_trips_and_older_configs_mean_mean_pooling() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("config.json");
        let c = ModelConfig::new(BertConfig::default(), 128, true);
        c.write(&p).unwrap();
        assert!(ModelConfig::read(&p).unwrap().target_attention);
        // A config written before target attention existed has no such field.
        let mut v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&p).unwrap()).unwrap();
        v.as_object_mut().unwrap().remove("target_attention");
        std::fs::write(&p, v.to_string()).unwrap();
        assert!(!ModelConfig::read(&p).unwrap().target_attention);
        // Nor, before target locality existed, a target_locality field: every token alike.
        assert!(!ModelConfig::read(&p).unwrap().target_locality);
    }

    #[test]
    fn a_config_with_another_label_order_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("config.json");
        let mut c = ModelConfig::new(BertConfig::default(), 128, false);
        c.stance_labels.swap(0, 2);
        c.write(&p).unwrap();
        let e = format!("{:#}", ModelConfig::read(&p).unwrap_err());
        assert!(e.contains("label order"), "{e}");
    }
}
