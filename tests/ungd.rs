//! `stance compare --vs-rest` on a slice of the UN General Debate corpus (issue 19), with the
//! shipped model: 180 speeches of 1991-2010 dealt at random (a fixed seed) into six pseudo-groups,
//! so no group differs from the rest but by chance, and then the same slice with one group's
//! speeches given a planted hostile sentence about Russia. The null must find nothing; the planted
//! group must come out first, against Russia, significant after Benjamini-Hochberg. The full
//! corpus run is `scripts/ungd/demo.sh`, outside CI.

mod common;

use std::io::BufRead;

use common::{stance, text};

/// 180 speeches of 1991-2010 as JSONL with a pseudo-group in meta `group`; the speeches of group
/// "P" get `plant` appended.
fn slice(plant: Option<&str>) -> Option<String> {
    let data = common::data_dir()?;
    let path = data.join("un-general-debates/ungdc.jsonl.gz");
    let reader = std::io::BufReader::new(flate2::read::GzDecoder::new(std::fs::File::open(&path).unwrap()));
    let mut out = String::new();
    let mut n = 0usize;
    for line in reader.lines() {
        let mut v: serde_json::Value = serde_json::from_str(&line.unwrap()).unwrap();
        let year: u32 = v["date"].as_str().unwrap().parse().unwrap();
        // Every 17th speech of the period: spread over states and years.
        if !(1991..=2010).contains(&year) {
            continue;
        }
        n += 1;
        if !n.is_multiple_of(17) {
            continue;
        }
        let k = out.lines().count();
        if k == 180 {
            break;
        }
        // A fixed shuffle of the six groups (k * 7 mod 6 would be a pattern; a hash is not).
        let group = ["P", "Q", "R", "S", "T", "U"][(k.wrapping_mul(2_654_435_761) >> 7) % 6];
        v["group"] = group.into();
        if let (Some(p), "P") = (plant, group) {
            let t = v["text"].as_str().unwrap().to_string();
            v["text"] = format!("{t}\n{p}").into();
        }
        out += &v.to_string();
        out.push('\n');
    }
    assert_eq!(out.lines().count(), 180);
    Some(out)
}

fn vs_rest(corpus: &str) -> serde_json::Value {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("slice.jsonl");
    std::fs::write(&input, corpus).unwrap();
    let analysis = dir.path().join("a.jsonl");
    let args = [
        "analyze",
        input.to_str().unwrap(),
        "--by",
        "meta.group",
        "--format",
        "jsonl",
        "--precision",
        "fp32",
        "--quiet",
        "-o",
        analysis.to_str().unwrap(),
    ];
    let out = stance(&args, b"");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let args = [
        "compare",
        "--analysis",
        analysis.to_str().unwrap(),
        "--by",
        "meta.group",
        "--vs-rest",
        "--min-sentences",
        "10",
        "--format",
        "json",
    ];
    let out = stance(&args, b"");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn vs_rest_on_un_speeches_finds_a_planted_group_and_nothing_in_a_null() {
    let Some(null) = slice(None) else { return };
    let report = vs_rest(&null);
    assert_eq!(report["mode"], "vs-rest");
    assert_eq!(report["method"]["correction"], "benjamini-hochberg");
    let comparisons = report["comparisons"].as_array().unwrap();
    let tested = comparisons.iter().filter(|c| c["status"] == "ok").count();
    let found: Vec<String> = comparisons
        .iter()
        .filter(|c| c["significant"] == true)
        .map(|c| format!("{} {} {}", c["a"], c["actor"], c["difference"]))
        .collect();
    eprintln!("null: {tested} of {} comparisons tested, significant: {found:?}", comparisons.len());
    assert!(tested >= 12, "enough evidence to test most groups: {tested}");
    assert!(found.is_empty(), "random groups differ from the rest: {found:?}");

    let planted = slice(Some("The aggression of Russia against its neighbours is a crime that we condemn.")).unwrap();
    let report = vs_rest(&planted);
    let top = &report["comparisons"][0];
    eprintln!("planted: top {top}");
    assert_eq!(
        (top["a"].as_str(), top["actor"].as_str(), top["b"].as_str()),
        (Some("P"), Some("russia"), Some("(rest)"))
    );
    assert_eq!(top["significant"], true, "{top}");
    assert!(top["ci95"][1].as_f64().unwrap() < 0.0, "{top}");
}
