//! The page made for many groups, in headless Chromium (tests/browser/page-map-test.mjs): the world
//! map where the groups are states, the overview's sorting and filters, the series picker's search,
//! and how long a page of 200 states x 78 years takes to draw. Three pages: a synthetic analysis the
//! size of the UN General Debate corpus by state and year (tests/browser/build-states-fixture.mjs)
//! made into a page by `stance report`; the State of the Union fixture, whose groups are not states
//! (no map, and no error); and, where the corpus is present, a slice of the UN General Debates run
//! through the shipped model (`analyze --format html`), checked by page-test.mjs as well. Needs
//! Debian's chromium and `npm ci` in tests/browser, as tests/sotu.rs does (CI has both; with
//! STANCE_REQUIRE_DATA set their absence is a failure, not a skip).

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{stance, text};

/// tests/browser, or `None` (a skip, or a failure under STANCE_REQUIRE_DATA) without a browser.
fn browser() -> Option<PathBuf> {
    let browser = common::root().join("tests/browser");
    let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    if browser.join("node_modules/playwright-core").exists() && Path::new(&chromium).exists() {
        return Some(browser);
    }
    let what = "chromium or tests/browser/node_modules is absent (apt-get install chromium; npm ci in tests/browser)";
    assert!(std::env::var_os("STANCE_REQUIRE_DATA").is_none(), "{what}");
    eprintln!("SKIP: {what}");
    None
}

/// Runs a browser test script on a page; returns its output, failing the test if it failed.
fn node(browser: &Path, script: &str, page: &Path, shot: &Path, extra: &[&str]) -> String {
    let out =
        Command::new("node").arg(browser.join(script)).arg(page).arg(shot).args(extra).output().expect("node runs");
    let stdout = text(&out.stdout);
    assert!(
        out.status.success() && stdout.contains("PASS"),
        "{script} failed on {}:\n{stdout}\n{}",
        page.display(),
        text(&out.stderr)
    );
    stdout
}

/// Issue 19, parts 3 and 4: 200 states x 78 years (15,600 groups, 11,403 with a speech) make a page
/// of about 24 MB that draws in a few seconds, with the map, the sorts, the filters and the search.
#[test]
fn a_page_of_200_states_over_78_years() {
    let Some(browser) = browser() else { return };
    let dir = tempfile::tempdir().unwrap();
    let analysis = dir.path().join("states.json");
    let out =
        Command::new("node").arg(browser.join("build-states-fixture.mjs")).arg(&analysis).output().expect("node runs");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let page = dir.path().join("states.html");
    let out = stance(&["report", analysis.to_str().unwrap(), "-o", page.to_str().unwrap()], b"");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let bytes = std::fs::metadata(&page).unwrap().len();
    eprintln!("a page of 200 states x 78 years: {:.1} MB", bytes as f64 / 1e6);
    assert!(bytes < 30_000_000, "the page of 200 states x 78 years is {bytes} bytes");
    let html = std::fs::read_to_string(&page).unwrap();
    assert!(!html.contains("https://") && !html.contains("<script src"), "the page loads nothing from elsewhere");
    let shot = common::root().join("target/states-page.png");
    let stdout = node(&browser, "page-map-test.mjs", &page, &shot, &["--map", "--max-ms", "5000"]);
    for line in stdout.lines().filter(|l| l.starts_with("render:") || l.starts_with("PASS")) {
        eprintln!("{line}");
    }
    assert!(std::fs::metadata(&shot).unwrap().len() > 10_000, "a screenshot was saved");
}

/// Groups that are not states: no map, nothing fails, and the sorts and filters work as well.
#[test]
fn a_page_whose_groups_are_not_states_has_no_map() {
    let Some(browser) = browser() else { return };
    let dir = tempfile::tempdir().unwrap();
    let fixtures = common::root().join("tests/fixtures");
    let page = dir.path().join("sotu.html");
    // (Without the fixture's comparison: it groups by party alone, which `report` on main refuses
    // beside an analysis by party and decade.)
    let analysis = fixtures.join("page-analysis.json");
    let out = stance(&["report", analysis.to_str().unwrap(), "-o", page.to_str().unwrap()], b"");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let html = std::fs::read_to_string(&page).unwrap();
    assert!(
        html.contains("id=\"stance-map\">null</script>") && !html.contains("topojson-client 3.1.0"),
        "a page of parties has a map"
    );
    node(&browser, "page-map-test.mjs", &page, &dir.path().join("sotu-map.png"), &["--no-map"]);
    node(&browser, "page-test.mjs", &page, &dir.path().join("sotu.png"), &[]);
}

/// The UN General Debate corpus, or `None` (a skip, or a failure under STANCE_REQUIRE_DATA).
fn un_corpus() -> Option<PathBuf> {
    let p = common::root().join("../shared/data/un-general-debates/ungdc.jsonl.gz");
    if p.exists() {
        return Some(p);
    }
    let what = "../shared/data/un-general-debates/ungdc.jsonl.gz is absent";
    assert!(std::env::var_os("STANCE_REQUIRE_DATA").is_none(), "{what}");
    eprintln!("SKIP: {what}");
    None
}

/// A real run: the speeches of 1985 and 2015 by every second state of the corpus (163, kept
/// small for the model), by state and decade, with the Cold War actors (the USSR counts as Russia).
/// Both browser tests pass on the page, the map among them.
#[test]
fn a_page_of_un_speeches_by_state_and_decade() {
    use std::io::BufRead;
    let Some(corpus) = un_corpus() else { return };
    let Some(browser) = browser() else { return };
    let dir = tempfile::tempdir().unwrap();
    let reader = std::io::BufReader::new(flate2::read::GzDecoder::new(std::fs::File::open(&corpus).unwrap()));
    let mut codes = std::collections::BTreeSet::new();
    let mut lines = Vec::new();
    for line in reader.lines() {
        let line = line.unwrap();
        let v: serde_json::Value = serde_json::from_str(&line).unwrap();
        codes.insert(v["author"].as_str().unwrap().to_string());
        if v["date"] == "1985" || v["date"] == "2015" {
            lines.push((v["author"].as_str().unwrap().to_string(), line));
        }
    }
    let every_second: std::collections::BTreeSet<&String> = codes.iter().step_by(2).collect();
    let slice: Vec<&str> = lines.iter().filter(|(a, _)| every_second.contains(a)).map(|(_, l)| l.as_str()).collect();
    assert!((100..=250).contains(&slice.len()), "{} speeches", slice.len());
    let input = dir.path().join("un.jsonl");
    std::fs::write(&input, slice.join("\n") + "\n").unwrap();
    let actors = common::root().join("examples/sotu/actors.toml");
    let page = dir.path().join("un.html");
    let out = stance(
        &[
            "analyze",
            input.to_str().unwrap(),
            "--actors",
            actors.to_str().unwrap(),
            "--by",
            "author",
            "--by",
            "date:decade",
            "--format",
            "html",
            "--quiet",
            "-o",
            page.to_str().unwrap(),
        ],
        b"",
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let shot = common::root().join("target/un-page.png");
    let stdout = node(&browser, "page-map-test.mjs", &page, &shot, &["--map"]);
    for line in stdout.lines().filter(|l| l.starts_with("render:") || l.starts_with("ok   map")) {
        eprintln!("{line}");
    }
    node(&browser, "page-test.mjs", &page, &dir.path().join("un-all.png"), &[]);
}
