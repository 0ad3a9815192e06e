//! Memory stays bounded by the flags whatever the input (issue 10): a sentence with hundreds of
//! actor mentions, or `score` with thousands of targets in one sentence, must not grow the process
//! with the number of mentions; nor may one huge record (issue 18, item 4: a gzip bomb of a text file
//! or of one JSONL line) grow it with the record. Peak memory is the children's `ru_maxrss`, so this file holds one
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

    // Gzip bombs: 512 MiB of zeros as a text file (0.5 MB compressed), and a JSONL file whose first
    // line is a 512 MiB string, followed by a good record that must still be read.
    let dir = tempfile::tempdir().unwrap();
    let gzip = |name: &str, head: &[u8], fill: u8, tail: &[u8]| {
        use std::io::Write;
        let path = dir.path().join(name);
        let mut gz = flate2::write::GzEncoder::new(std::fs::File::create(&path).unwrap(), flate2::Compression::fast());
        gz.write_all(head).unwrap();
        let block = vec![fill; 1 << 20];
        for _ in 0..512 {
            gz.write_all(&block).unwrap();
        }
        gz.write_all(tail).unwrap();
        gz.finish().unwrap();
        path.to_str().unwrap().to_string()
    };
    let text_bomb = gzip("bomb.txt.gz", b"", 0, b"");
    let line_bomb =
        gzip("bomb.jsonl.gz", br#"{"id":"big","text":""#, b'a', b"\"}\n{\"id\":\"ok\",\"text\":\"Russia agreed.\"}\n");
    let out = stance(&["analyze", &text_bomb, &line_bomb, "--format", "json", "--quiet"], b"");
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "two records failed: {err}");
    assert!(err.contains("bomb.txt.gz: binary file"), "{err}");
    assert!(err.contains("bomb.jsonl.gz:1: line larger than 16777216 bytes (--max-record-bytes)"), "{err}");
    let j: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(j["corpus"]["documents"], 1, "the record after the huge line is read");
    assert_eq!(j["summary"]["failed"], 2);
    let bomb_peak = children_peak_mib();

    eprintln!("peak RSS: small input {base:.0} MiB, {mentions}-mention sentence {analyze_peak:.0} MiB, 4,000 targets {score_peak:.0} MiB, two 512 MiB gzip bombs {bomb_peak:.0} MiB");
    assert!(bomb_peak < base + 400.0, "the bombs peaked at {bomb_peak:.0} MiB (small input: {base:.0})");
    // The default batch bound (2,048 padded tokens) allows a few hundred MiB of activations.
    assert!(analyze_peak < base + 400.0, "analyze peaked at {analyze_peak:.0} MiB (small input: {base:.0})");
    assert!(score_peak < base + 400.0, "score peaked at {score_peak:.0} MiB (small input: {base:.0})");
}
