//! End to end on the real demo corpus, the State of the Union addresses (`scripts/sotu/fetch.sh`),
//! with the shipped model and the Cold War actors file: parties and decades as groups, `compare`
//! from a saved analysis (the same bytes on any thread count, and the same figures as comparing
//! the documents directly), the tidy rows, and the dashboard page checked in headless Chromium.
//! The speeches of 1945-1991 keep the model's part short.

mod common;

use std::path::{Path, PathBuf};

use common::{stance_env, text};

/// The Cold War speeches (1945-1991) as a JSONL file in `dir`.
fn cold_war(dir: &Path) -> Option<PathBuf> {
    let all = std::fs::read_to_string(common::sotu()?).unwrap();
    let lines: Vec<&str> = all
        .lines()
        .filter(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            let year: u32 = v["date"].as_str().unwrap().parse().unwrap();
            (1945..=1991).contains(&year)
        })
        .collect();
    assert!(lines.len() > 40, "{} Cold War speeches", lines.len());
    let p = dir.join("cold-war.jsonl");
    std::fs::write(&p, lines.join("\n") + "\n").unwrap();
    Some(p)
}

fn run(args: &[&str], env: &[(&str, &str)]) -> Vec<u8> {
    let out = stance_env(args, b"", env);
    assert_eq!(out.status.code(), Some(0), "stance {args:?}: {}", text(&out.stderr));
    out.stdout
}

fn actors_file() -> String {
    common::root().join("examples/sotu/actors.toml").display().to_string()
}

#[test]
fn parties_decades_compare_and_tidy_rows() {
    let dir = tempfile::tempdir().unwrap();
    let Some(corpus) = cold_war(dir.path()) else { return };
    let corpus = corpus.display().to_string();
    let actors = actors_file();
    let base = ["analyze", &corpus, "--actors", &actors, "--by", "meta.party", "--by", "date:decade", "--quiet"];
    let json = run(&[&base[..], &["--format", "json"]].concat(), &[]);
    let analysis = dir.path().join("analysis.json");
    std::fs::write(&analysis, &json).unwrap();
    let j: serde_json::Value = serde_json::from_slice(&json).unwrap();
    assert_eq!(j["grouping"]["by"], serde_json::json!(["meta.party", "date:decade"]));
    let groups = j["groups"].as_array().unwrap();
    let labels: Vec<&str> = groups.iter().map(|g| g["label"].as_str().unwrap()).collect();
    assert!(labels.contains(&"Democratic · 1940s") && labels.contains(&"Republican · 1980s"), "{labels:?}");
    // Every decade 1940s-1990s for both parties; Republicans gave no address in the 1940s.
    assert_eq!(labels.iter().filter(|l| l.starts_with("Republican")).count(), 6, "{labels:?}");
    let r40 = groups.iter().find(|g| g["label"] == "Republican · 1940s").unwrap();
    assert_eq!((r40["documents"].as_u64(), r40["actors"].as_object().unwrap().len()), (Some(0), 0));
    // The Soviet Union is Russia here; the addresses of the 1950s-1980s name it often.
    let russia = &j["corpus"]["actors"]["russia"];
    assert!(russia["sentences"].as_u64().unwrap() > 100, "{russia}");
    assert!(russia["evidence"]["against"][0]["aliases"].as_array().is_some());

    // compare from the saved analysis: byte-identical on 1 and 2 threads.
    let cmp = [
        "compare",
        "--analysis",
        analysis.to_str().unwrap(),
        "--by",
        "meta.party",
        "--groups",
        "Democratic,Republican",
        "--format",
        "json",
    ];
    let one = run(&cmp, &[("RAYON_NUM_THREADS", "1")]);
    let two = run(&cmp, &[("RAYON_NUM_THREADS", "2")]);
    assert_eq!(one, two, "compare changed with the thread count");
    let c: serde_json::Value = serde_json::from_slice(&one).unwrap();
    assert_eq!(c["comparisons"].as_array().unwrap().len(), 4);
    let r = c["comparisons"].as_array().unwrap().iter().find(|x| x["actor"] == "russia").unwrap();
    assert_eq!(r["status"], "ok", "{r}");
    let (a, b, d) =
        (r["a_stance"].as_f64().unwrap(), r["b_stance"].as_f64().unwrap(), r["difference"].as_f64().unwrap());
    assert!((a - b - d).abs() < 2e-4, "{r}");
    assert!(r["p_adjusted"].as_f64().unwrap() >= r["p_value"].as_f64().unwrap());
    let ci = &r["ci95"];
    assert!(ci[0].as_f64().unwrap() < ci[1].as_f64().unwrap());

    // Comparing the documents directly gives the same figures as the saved analysis.
    let direct = [
        "compare",
        &corpus,
        "--actors",
        &actors,
        "--by",
        "meta.party",
        "--groups",
        "Democratic,Republican",
        "--format",
        "json",
        "--quiet",
    ];
    assert_eq!(run(&direct, &[]), one, "compare over the documents differs from compare over the analysis");

    // Tidy rows: every group x actor, the JSON's numbers.
    let tidy = run(&[&base[..], &["--format", "tidy-csv"]].concat(), &[]);
    let tidy = text(&tidy);
    let (body, trailer) = tidy.trim_end().rsplit_once('\n').unwrap();
    assert!(trailer.starts_with("# stance complete; records "), "{trailer}");
    let mut rows = csv::Reader::from_reader(body.as_bytes());
    let header: Vec<String> = rows.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(header, stance::output::tidy::TIDY_HEADER);
    let rows: Vec<csv::StringRecord> = rows.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), groups.len() * 4);
    let d1950 = groups.iter().find(|g| g["label"] == "Democratic · 1950s").unwrap();
    let row = rows.iter().find(|r| &r[0] == "Democratic" && &r[1] == "1950s" && &r[2] == "russia").unwrap();
    assert_eq!(row[8].parse::<f64>().unwrap(), d1950["actors"]["russia"]["stance"].as_f64().unwrap());
}

/// The page of `analyze --format html` in headless Chromium: every chart drew, no console error,
/// no network, a click shows the evidence with the mention marked; a screenshot is saved to
/// target/sotu-page.png. Needs Debian's chromium and `npm ci` in tests/browser (CI does both).
#[test]
fn the_page_works_in_a_real_browser() {
    let dir = tempfile::tempdir().unwrap();
    let Some(corpus) = cold_war(dir.path()) else { return };
    let browser = common::root().join("tests/browser");
    let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    if !browser.join("node_modules/playwright-core").exists() || !Path::new(&chromium).exists() {
        let what =
            "chromium or tests/browser/node_modules is absent (apt-get install chromium; npm ci in tests/browser)";
        if std::env::var_os("STANCE_REQUIRE_DATA").is_some() {
            panic!("{what}");
        }
        eprintln!("SKIP: {what}");
        return;
    }
    let corpus = corpus.display().to_string();
    let actors = actors_file();
    let args = [
        "analyze",
        &corpus,
        "--actors",
        &actors,
        "--by",
        "meta.party",
        "--by",
        "date:decade",
        "--format",
        "html",
        "--quiet",
    ];
    let page = run(&args, &[]);
    let html = String::from_utf8(page).unwrap();
    assert!(
        html.starts_with("<!DOCTYPE html>") || html.starts_with("<!doctype html>"),
        "{}",
        &html[..100.min(html.len())]
    );
    assert!(!html.contains("<script src") && !html.contains("https://"), "the page loads nothing from elsewhere");
    let page_path = dir.path().join("sotu.html");
    std::fs::write(&page_path, &html).unwrap();
    let shot = common::root().join("target/sotu-page.png");
    let out = std::process::Command::new("node")
        .arg(browser.join("page-test.mjs"))
        .arg(&page_path)
        .arg(&shot)
        .output()
        .expect("node runs");
    assert!(out.status.success(), "browser test failed:\n{}\n{}", text(&out.stdout), text(&out.stderr));
    assert!(text(&out.stdout).contains("PASS"), "{}", text(&out.stdout));
    assert!(std::fs::metadata(&shot).unwrap().len() > 10_000, "a screenshot was saved");
}
