//! The shipped model, loaded as users get it: clear cases must come out right, probabilities must
//! be distributions, and a sentence's scores must not depend on its batch-mates.

mod common;

use stance::labels::{Sentiment, Stance};
use stance::model::{CharSpan, EncodedSentence, StanceModel};
use stance::score::{score_encoded, BatchPolicy, SentenceScores};
use tch::Device;

fn load() -> StanceModel {
    StanceModel::load(&common::shipped_model(), Device::Cpu).expect("shipped model loads")
}

/// Scores `text` with a target at each listed substring (first occurrence).
fn score(model: &StanceModel, text: &str, targets: &[&str]) -> SentenceScores {
    let spans: Vec<CharSpan> = targets.iter().map(|t| CharSpan::find(text, t).expect("target in text")).collect();
    let enc = model.encoder.encode(text, &spans).unwrap();
    score_encoded(model, &[&enc], BatchPolicy::default(), |_| {}).unwrap().remove(0)
}

/// Scores each (sentence, target) and checks its stance label.
fn assert_labels(m: &StanceModel, cases: &[(&str, &str, Stance)]) {
    for &(text, target, want) in cases {
        let s = score(m, text, &[target]);
        assert_eq!(s.stance_label(0), want, "{text} -> {target}: {:?}", s.targets[0]);
    }
}

#[test]
fn clear_stances_come_out_right() {
    let m = load();
    let cases: [(&str, &str, Stance); 4] = [
        ("Russia's brutal invasion has murdered thousands of innocent civilians.", "Russia", Stance::Against),
        ("The corrupt regime in Tehran keeps lying, torturing and jailing its own people.", "Tehran", Stance::Against),
        ("The minister praised China for its generous, life-saving help to the flood victims.", "China", Stance::Favor),
        ("The Iranian delegation arrived in Geneva on Tuesday for the talks.", "Iranian delegation", Stance::Neutral),
    ];
    assert_labels(&m, &cases);
}

/// The judgements of political text the actor-stance corpus was made for: a demand on a state is
/// against it, a plain report is neutral, praise of a partnership or an agreement is favor, and a
/// protest or a sanction is against its target. (Two sentences from the issue that still fail are
/// named in the README under "What it cannot do".)
#[test]
fn actor_stance_cases_come_out_right() {
    let m = load();
    let cases: [(&str, &str, Stance); 11] = [
        ("Iran must stop enriching uranium and end its support for terrorism.", "Iran", Stance::Against),
        ("China must stop its intimidation of Taiwan and respect international law.", "China", Stance::Against),
        ("Iran aggressively pursues these weapons and exports terror, while an unelected few repress the Iranian people's hope for freedom.", "Iran", Stance::Against),
        ("Tokyo lodged a protest with Beijing over the incursion.", "Beijing", Stance::Against),
        ("EU imposes new sanctions on Russia over its annexation of Crimea.", "Russia", Stance::Against),
        ("Putin to visit Beijing next month for talks on energy.", "Putin", Stance::Neutral),
        ("The Chinese delegation arrived in Geneva on Tuesday for the talks.", "Chinese", Stance::Neutral),
        ("Iran will hold a presidential election in June.", "Iran", Stance::Neutral),
        ("The president praised the strong and growing partnership with India, a trusted friend.", "India", Stance::Favor),
        ("We welcome our close partnership with Japan, a steadfast ally.", "Japan", Stance::Favor),
        ("China and Russia sign landmark deal to deepen cooperation.", "China", Stance::Favor),
    ];
    assert_labels(&m, &cases);
}

#[test]
fn one_pass_tells_two_targets_apart() {
    let m = load();
    let s = score(
        &m,
        "Putin is a ruthless war criminal, while Zelensky is a brave and admired hero.",
        &["Putin", "Zelensky"],
    );
    assert_eq!(s.targets.len(), 2);
    // Target-aware: the same pass leans each target its own way. The model before the UN and
    // two-actor data (issue 16) called Putin neutral here (against 0.35 / neutral 0.48); the shipped
    // one calls him against (0.45 / 0.41 / 0.15 in fp32) and Zelensky favor (0.35 / 0.15 / 0.51):
    // the labels part, though Putin's margin is thin and Zelensky keeps much of the sentence's
    // hostility (MODEL_CARD.md, "still weak").
    let (putin, zelensky) = (s.targets[0], s.targets[1]);
    assert!(zelensky[2] > putin[2] + 0.2, "{:?}", s.targets);
    assert_eq!(s.stance_label(0), Stance::Against, "{:?}", s.targets);
    assert_eq!(s.stance_label(1), Stance::Favor, "{:?}", s.targets);
    let alone = score(&m, "Putin is a ruthless war criminal.", &["Putin"]);
    assert_eq!(alone.stance_label(0), Stance::Against, "{:?}", alone.targets);
}

#[test]
fn clear_sentiment_comes_out_right() {
    let m = load();
    let pos = score(&m, "A wonderful, moving and beautifully made film.", &[]);
    let neg = score(&m, "A dull, tedious and painfully awful mess.", &[]);
    assert_eq!(pos.sentiment_label(), Sentiment::Positive, "{:?}", pos.sentiment);
    assert_eq!(neg.sentiment_label(), Sentiment::Negative, "{:?}", neg.sentiment);
}

#[test]
fn probabilities_are_distributions_and_batch_independent() {
    let m = load();
    let texts = [
        ("Iran", "Iran rejected the offer."),
        ("NATO", "NATO leaders met in Brussels to discuss a long list of items, including budgets, exercises and the expansion of membership to new countries."),
        ("China", "China grew."),
    ];
    let encoded: Vec<EncodedSentence> =
        texts.iter().map(|(t, s)| m.encoder.encode(s, &[CharSpan::find(s, t).unwrap()]).unwrap()).collect();
    let refs: Vec<&EncodedSentence> = encoded.iter().collect();
    let together = score_encoded(&m, &refs, BatchPolicy::default(), |_| {}).unwrap();
    for (i, e) in encoded.iter().enumerate() {
        let alone = score_encoded(&m, &[e], BatchPolicy::default(), |_| {}).unwrap().remove(0);
        for (a, b) in alone.targets[0].iter().zip(&together[i].targets[0]) {
            assert!(
                (a - b).abs() < 1e-4,
                "sentence {i}: alone {:?} vs batched {:?}",
                alone.targets,
                together[i].targets
            );
        }
        let sum: f32 = together[i].targets[0].iter().sum();
        assert!((sum - 1.0).abs() < 1e-4);
        let sum: f32 = together[i].sentiment.iter().sum();
        assert!((sum - 1.0).abs() < 1e-4);
    }
}

#[test]
fn long_sentence_keeps_targets_at_both_ends() {
    // Far more than one 128-token window: each target must be judged from its own window.
    let m = load();
    let filler = "and then the committee discussed the budget at great length ".repeat(30);
    let text = format!(
        "Russia brutally invaded its neighbour and massacred civilians {filler} while China generously sent aid and was widely praised for it."
    );
    let s = score(&m, &text, &["Russia", "China"]);
    assert_eq!(s.targets.len(), 2);
    assert_eq!(s.stance_label(0), Stance::Against, "Russia: {:?}", s.targets[0]);
    assert_eq!(s.stance_label(1), Stance::Favor, "China: {:?}", s.targets[1]);
}

/// Inference runs a hand-written encoder (src/model/inference_encoder.rs); in fp32 it must give
/// what rust-bert's encoder, which training uses, gives. bf16 and int8 round, so they are held to
/// the labels of clear cases and to distributions near fp32's.
#[test]
fn the_inference_encoder_computes_what_training_computes() {
    use stance::model::Precision;
    let reference = load();
    let dir = common::shipped_model();
    let texts = [
        ("Russia", "Russia's brutal invasion has murdered thousands of innocent civilians."),
        ("China", "The minister praised China for its generous, life-saving help to the flood victims."),
        ("Iran", "Iran will hold a presidential election in June."),
        ("NATO", "NATO leaders met in Brussels to discuss a long list of items, including budgets, exercises and the expansion of membership to new countries."),
    ];
    let encoded: Vec<EncodedSentence> =
        texts.iter().map(|(t, s)| reference.encoder.encode(s, &[CharSpan::find(s, t).unwrap()]).unwrap()).collect();
    let refs: Vec<&EncodedSentence> = encoded.iter().collect();
    let want = score_encoded(&reference, &refs, BatchPolicy::default(), |_| {}).unwrap();
    for (precision, tolerance) in [(Precision::Fp32, 1e-4), (Precision::Bf16, 0.05), (Precision::Int8, 0.15)] {
        let m = StanceModel::load_for_inference(&dir, Device::Cpu, precision).unwrap();
        let got = score_encoded(&m, &refs, BatchPolicy::default(), |_| {}).unwrap();
        for (i, (g, w)) in got.iter().zip(&want).enumerate() {
            let pairs = g.targets[0].iter().zip(&w.targets[0]).chain(g.sentiment.iter().zip(&w.sentiment));
            for (a, b) in pairs {
                assert!((a - b).abs() < tolerance, "{precision:?} sentence {i}: {g:?} vs rust-bert fp32 {w:?}");
            }
            assert_eq!(g.stance_label(0), w.stance_label(0), "{precision:?} sentence {i}");
        }
    }
}
