//! Memory stays bounded by the flags whatever the input (issue 10): a sentence with hundreds of
//! actor mentions, or `score` with thousands of targets in one sentence, must not grow the process
//! with the number of mentions. Peak memory is the children's `ru_maxrss`, so this file holds one
//! test and runs its children one after another.

mod common;

use common::{stance, text};

/// Peak resident memory (MiB) of all children waited for so far.
fn children_peak_mib() -> f64 {
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: getrusage writes into the struct we own.
    assert_eq!(unsafe { libc::getrusage(libc::RUSAGE_CHILDREN, &mut usage) }, 0);
    usage.ru_maxrss as f64 / 1024.0
}

#[test]
fn many_mentions_in_one_sentence_do_not_grow_memory() {
    // Baseline: the same run on a small input.
    let out = stance(&["analyze", "-", "--format", "json", "--quiet"], b"Russia agreed with Russia.");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let base = children_peak_mib();

    // One 200,000-character sentence with 2,151 mentions of Russia (no full stop inside).
    let unit = "and Russia said that the long report on trade and energy was not yet ready for the ministers ";
    let mut sentence = String::new();
    while sentence.len() < 200_000 {
        sentence.push_str(unit);
    }
    let mentions = sentence.matches("Russia").count();
    assert!(mentions > 2000, "{mentions}");
    let out = stance(&["analyze", "-", "--format", "json", "--quiet"], sentence.as_bytes());
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let j: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(j["corpus"]["actors"]["russia"]["mentions"], mentions, "every mention is scored");
    let analyze_peak = children_peak_mib();

    // `score` with 4,000 targets in one short sentence.
    let targets: Vec<String> = (0..4000).map(|_| r#"{"start":0,"end":6}"#.to_string()).collect();
    let line = format!("{{\"text\":\"Russia agreed to the plan.\",\"targets\":[{}]}}\n", targets.join(","));
    let out = stance(&["score", "-", "--quiet"], line.as_bytes());
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let scored: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(scored["targets"].as_array().unwrap().len(), 4000);
    let score_peak = children_peak_mib();

    eprintln!("peak RSS: small input {base:.0} MiB, {mentions}-mention sentence {analyze_peak:.0} MiB, 4,000 targets {score_peak:.0} MiB");
    // The default batch bound (2,048 padded tokens) allows a few hundred MiB of activations.
    assert!(analyze_peak < base + 400.0, "analyze peaked at {analyze_peak:.0} MiB (small input: {base:.0})");
    assert!(score_peak < base + 400.0, "score peaked at {score_peak:.0} MiB (small input: {base:.0})");
}
