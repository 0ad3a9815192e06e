//! A short training run from the base encoder on a few NewsMTSC sentences: the loss must fall,
//! which shows gradients flow through the same forward pass inference uses.

mod common;

use stance::datasets as data;
use stance::model::StanceModel;
use stance::score::{score_encoded, BatchPolicy};
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

/// The target-local design (`stance train --target-locality`): switched on over a trained model it
/// keeps every weight and adds the two rates, a short run lowers the loss and moves the rates, and
/// the result saves and loads for inference with the same predictions.
#[test]
fn a_target_local_model_trains_and_loads_for_inference() {
    let (Some(base), Some(dir)) = (common::base_model(), common::data_dir()) else { return };
    let (data, opts) = short_run(&dir);
    let plain = StanceModel::from_base(&base, opts.max_tokens, true, Device::Cpu).unwrap();
    let before = plain.vs.variables();
    let model = plain.enable_target_locality().unwrap();
    assert!(model.config.target_locality);
    let after = model.vs.variables();
    for (name, t) in &before {
        assert!(after[name].equal(t), "{name} changed when locality was switched on");
    }
    let names = [stance::model::network::LOCALITY_NEAR, stance::model::network::LOCALITY_FOCUS];
    let rates =
        names.map(|n| after.get(n).unwrap_or_else(|| panic!("no {n} in {:?}", after.keys())).double_value(&[0]));
    let (near, focus) = model.locality_rates().expect("a target-local model has rates");
    assert!((near - 0.01).abs() < 1e-6 && (focus - 0.1).abs() < 1e-6, "starting rates {near}, {focus}");
    let losses = short_run_losses(&model, &data, &opts, 24).unwrap();
    let (first, last) = first_and_last(&losses);
    assert!(last < 0.8 * first, "loss should fall: first {first:.3}, last {last:.3}, all {losses:?}");
    let trained = model.vs.variables();
    assert!(
        rates.iter().zip(names).any(|(r, n)| trained[n].double_value(&[0]) != *r),
        "training should move the locality rates"
    );
    let text = "China welcomed the deal, while Russia threatened to cut gas supplies to Ukraine.";
    let spans = [stance::model::CharSpan { start: 0, end: 5 }, stance::model::CharSpan { start: 31, end: 37 }];
    let stances = |m: &StanceModel| {
        let enc = m.encoder.encode(text, &spans).unwrap();
        let scores = score_encoded(m, &[&enc], BatchPolicy::default(), |_| {}).unwrap();
        scores[0].targets.iter().flatten().copied().collect::<Vec<f32>>()
    };
    // `stance train --locality-near/--locality-focus`: rates set by hand are the rates the model
    // uses, and they change what it says; a bad pair of rates changes nothing.
    let mut model = model;
    let learnt = stances(&model);
    model.set_locality_rates(0.2, 1.5).unwrap();
    let (near, focus) = model.locality_rates().unwrap();
    assert!((near - 0.2).abs() < 1e-6 && (focus - 1.5).abs() < 1e-6, "set rates read back as {near}, {focus}");
    assert!(model.set_locality_rates(0.5, 0.0).is_err(), "a zero rate is refused");
    assert_eq!(model.locality_rates().unwrap(), (near, focus), "a refused pair leaves both rates as they were");
    let local = stances(&model);
    assert!(learnt.iter().zip(&local).any(|(x, y)| (x - y).abs() > 1e-4), "new rates should move the scores");
    let out = tempfile::tempdir().unwrap();
    model.save(out.path(), &base.join("tokenizer.json"), false).unwrap();
    let loaded = StanceModel::load_for_inference(out.path(), Device::Cpu, stance::model::Precision::Fp32).unwrap();
    assert!(loaded.config.target_locality);
    let (a, b) = (local, stances(&loaded));
    assert_eq!(a.len(), 6);
    for (x, y) in a.iter().zip(&b) {
        assert!((x - y).abs() < 1e-4, "trained {a:?} and reloaded {b:?} differ");
    }
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
