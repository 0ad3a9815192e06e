//! A short training run from the base encoder on a few NewsMTSC sentences: the loss must fall,
//! which shows gradients flow through the same forward pass inference uses.

mod common;

use stance::datasets as data;
use stance::model::StanceModel;
use stance::train::{short_run_losses, TrainData, TrainOptions};
use tch::Device;

/// The first 32 NewsMTSC training sentences and the options of a short run on them.
fn short_run(dir: &std::path::Path) -> (TrainData, TrainOptions) {
    let all = data::read_newsmtsc(&dir.join("newsmtsc/train.jsonl")).unwrap();
    let data = TrainData {
        stance_train: all.into_iter().take(32).collect(),
        stance_val: vec![],
        sst2_train: vec![],
        sst2_val: vec![],
        tweet_train: vec![],
        tweet_val: vec![],
        actor_train: vec![],
        actor_val: vec![],
        actor_corpus: None,
        directed_train: vec![],
        directed_val: vec![],
    };
    let opts =
        TrainOptions { batch_size: 8, lr: 1e-4, head_lr: 1e-3, max_tokens: 64, threads: 2, ..TrainOptions::default() };
    tch::set_num_threads(2);
    (data, opts)
}

/// Mean loss of the first and of the last four steps.
fn first_and_last(losses: &[f64]) -> (f64, f64) {
    (losses[..4].iter().sum::<f64>() / 4.0, losses[losses.len() - 4..].iter().sum::<f64>() / 4.0)
}

#[test]
fn loss_falls_on_a_short_run() {
    let (Some(base), Some(dir)) = (common::base_model(), common::data_dir()) else { return };
    let (data, opts) = short_run(&dir);
    let model = StanceModel::from_base(&base, opts.max_tokens, true, Device::Cpu).unwrap();
    let losses = short_run_losses(&model, &data, &opts, 32).unwrap();
    let (first, last) = first_and_last(&losses);
    assert!(last < 0.7 * first, "loss should fall: first {first:.3}, last {last:.3}, all {losses:?}");
}

/// The target-marker design (`stance train --target-markers`) trains through the same code: a short
/// run lowers the loss, and a sentence with two targets becomes two marked rows.
#[test]
fn a_marked_model_trains_and_gives_each_target_a_row() {
    let (Some(base), Some(dir)) = (common::base_model(), common::data_dir()) else { return };
    let (data, opts) = short_run(&dir);
    let mut model = StanceModel::from_base(&base, opts.max_tokens, true, Device::Cpu).unwrap();
    model.set_target_markers(true).unwrap();
    assert!(model.config.target_markers && model.encoder.target_markers());
    let text = "Russia threatened Ukraine.";
    let spans = [stance::model::CharSpan { start: 0, end: 6 }, stance::model::CharSpan { start: 18, end: 25 }];
    let enc = model.encoder.encode(text, &spans).unwrap();
    assert_eq!(enc.rows.len(), 2, "one row per target");
    let losses = short_run_losses(&model, &data, &opts, 24).unwrap();
    let (first, last) = first_and_last(&losses);
    assert!(last < 0.8 * first, "loss should fall: first {first:.3}, last {last:.3}, all {losses:?}");
}
