//! Bad and odd input, as a hostile but realistic user sends it (issue 10): nothing lost, nothing
//! injected into a terminal or a spreadsheet, clear refusals of odd flag values, and the quiet
//! stop on a closed pipe that shell scripts expect. Memory bounds are in tests/memory_bound.rs.

mod common;

use common::{json_lines, stance, text};
use serde_json::Value;

const GOOD: &str = r#"{"id":"a","text":"Russia agreed.","targets":[{"start":0,"end":6}]}"#;

fn analyze_json(args: &[&str], stdin: &[u8]) -> (i32, Value, String) {
    let mut all = vec!["analyze", "--format", "json", "--quiet"];
    all.extend_from_slice(args);
    let out = stance(&all, stdin);
    let j = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    (out.status.code().unwrap_or(-1), j, text(&out.stderr))
}

// 1. `score` keeps every good line when another line is not UTF-8.
#[test]
fn score_reports_a_line_of_bad_utf8_and_scores_the_rest() {
    let mut input = format!("{GOOD}\n").into_bytes();
    input.extend_from_slice(b"{\"id\":\"b\xff\"}\n");
    input.extend_from_slice(format!("{GOOD}\n").as_bytes());
    let out = stance(&["score", "-", "--quiet"], &input);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let lines = json_lines(&out.stdout);
    assert_eq!(lines.len(), 3, "one output line per input line");
    assert_eq!(lines[0]["targets"][0]["text"], "Russia");
    assert_eq!(lines[1]["line"], 2);
    assert!(lines[1]["error"].as_str().unwrap().contains("UTF-8"), "{}", lines[1]);
    assert_eq!(lines[2]["targets"][0]["text"], "Russia");
    assert!(text(&out.stderr).contains("<stdin>:2:"), "{}", text(&out.stderr));
}

// 3. Byte order marks.
#[test]
fn a_utf8_byte_order_mark_is_stripped_everywhere() {
    let dir = tempfile::tempdir().unwrap();
    let jsonl = "{\"id\":\"a\",\"text\":\"Iran denied it.\"}\n{\"id\":\"b\",\"text\":\"China agreed.\"}\n";
    let with_bom = format!("\u{feff}{jsonl}");
    let file = dir.path().join("bom.jsonl");
    std::fs::write(&file, &with_bom).unwrap();
    let (code, j, err) = analyze_json(&[file.to_str().unwrap()], b"");
    assert_eq!(code, 0, "{err}");
    assert_eq!(j["summary"]["documents"], 2, "{}", j["summary"]);
    // On stdin the BOM must not hide that the input is JSONL.
    let (code, j, err) = analyze_json(&["-"], with_bom.as_bytes());
    assert_eq!(code, 0, "{err}");
    assert_eq!(j["summary"]["documents"], 2, "{}", j["summary"]);
    assert_eq!(j["documents"][0]["id"], "a");
    // A plain text file: the BOM is not part of the first sentence.
    let txt = dir.path().join("bom.txt");
    std::fs::write(&txt, "\u{feff}Russia agreed. China too.").unwrap();
    let (_, j, _) = analyze_json(&["--evidence", "5", txt.to_str().unwrap()], b"");
    let russia = &j["documents"][0]["actors"]["russia"];
    let ev: Vec<&Value> = ["against", "favor"].iter().flat_map(|s| russia["evidence"][s].as_array().unwrap()).collect();
    for e in ev {
        assert!(!e["text"].as_str().unwrap().starts_with('\u{feff}'), "{e}");
    }
    // `score` too.
    let out = stance(&["score", "-", "--quiet"], format!("\u{feff}{GOOD}\n").as_bytes());
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
}

#[test]
fn utf16_input_gets_one_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let mut bytes = vec![0xFF, 0xFE];
    for u in "{\"text\":\"Russia agreed.\"}\n{\"text\":\"China agreed.\"}\n".encode_utf16() {
        bytes.extend_from_slice(&u.to_le_bytes());
    }
    let file = dir.path().join("utf16.jsonl");
    std::fs::write(&file, &bytes).unwrap();
    let (code, j, err) = analyze_json(&[file.to_str().unwrap()], b"");
    assert_eq!(code, 1, "{err}");
    assert_eq!(j["summary"]["failed"], 1, "one error for the file, not one per line: {}", j["summary"]);
    assert!(err.contains("UTF-16"), "{err}");
    let out = stance(&["score", "-", "--quiet"], &bytes);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("UTF-16"), "{}", text(&out.stderr));
}

// 4. Terminal and spreadsheet injection.
#[test]
fn control_characters_never_reach_the_terminal_raw() {
    // JSON escapes, so the records are valid and the decoded strings carry the raw controls.
    let evil = "\\u001b]0;pwned\\u0007\\u001b[2J";
    let input = format!(
        "{{\"id\":\"x{evil}\",\"date\":\"2020{evil}\",\"text\":\"Russia agreed.\"}}\n{{\"id\":\"y\",\"author\":\"Eve{evil}\",\"text\":\"Russia{evil} agreed.\"}}\n"
    );
    let out = stance(&["analyze", "-", "--format", "table"], input.as_bytes());
    assert_eq!(out.status.code(), Some(1));
    for (name, stream) in [("stderr", &out.stderr), ("table", &out.stdout)] {
        assert!(
            !stream.contains(&0x1b) && !stream.contains(&0x07),
            "{name} carries raw control characters: {:?}",
            text(stream)
        );
    }
    assert!(text(&out.stderr).contains("\\u{1b}"), "the escape is shown, not dropped: {}", text(&out.stderr));
}

#[test]
fn csv_cells_that_a_spreadsheet_would_run_are_neutralised() {
    let input = "{\"id\":\"=HYPERLINK(\\\"http://x\\\")\",\"author\":\"@SUM(A1)\",\"text\":\"Russia agreed.\"}\n";
    let out = stance(&["analyze", "-", "--format", "csv", "--quiet"], input.as_bytes());
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let mut rdr = csv::Reader::from_reader(out.stdout.as_slice());
    let row = rdr.records().next().unwrap().unwrap();
    assert_eq!(&row[0], "'=HYPERLINK(\"http://x\")");
    assert_eq!(&row[1], "'@SUM(A1)");
    // Numbers stay numbers, minus sign included.
    assert!(row[6].parse::<f64>().is_ok(), "{:?}", &row[6]);
}

// 5. Hard-wrapped plain text.
#[test]
fn hard_wrapped_text_is_not_split_at_every_line_end() {
    let para = "Officials in Moscow said on Tuesday that Russia would not accept any new \
                sanctions from the European Union, warning that the measures would hurt \
                ordinary people more than the government they were meant to punish. The \
                statement came after a week of talks in Brussels that ended without agreement.";
    let wrapped = wrap(para, 72);
    assert!(wrapped.lines().count() >= 4);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("wrapped.txt");
    std::fs::write(&file, format!("Russia Rejects Sanctions\n\n{wrapped}\n")).unwrap();
    let (code, j, err) = analyze_json(&[file.to_str().unwrap()], b"");
    assert_eq!(code, 0, "{err}");
    assert_eq!(j["documents"][0]["sentences"], 3, "a headline and two sentences: {}", j["documents"][0]);
    // The alias "European Union", wrapped across two lines, is found whole.
    let text = "Ministers in Brussels said that the sanctions imposed by the European\nUnion on Moscow would stay in place until the end of the year, officials\nsaid.";
    let (code, j, err) = analyze_json(&["-", "--stdin-format", "text"], text.as_bytes());
    assert_eq!(code, 0, "{err}");
    assert_eq!(j["documents"][0]["sentences"], 1);
    let west = &j["documents"][0]["actors"]["west"];
    let aliases: Vec<&Value> = ["against", "favor"]
        .iter()
        .flat_map(|s| west["evidence"][s].as_array().unwrap())
        .flat_map(|e| e["aliases"].as_array().unwrap())
        .collect();
    assert!(aliases.iter().any(|a| *a == "European Union"), "{west}");
}

fn wrap(text: &str, width: usize) -> String {
    let mut lines = vec![String::new()];
    for w in text.split_whitespace() {
        let last = lines.last_mut().unwrap();
        if !last.is_empty() && last.len() + 1 + w.len() > width {
            lines.push(w.to_string());
        } else {
            if !last.is_empty() {
                last.push(' ');
            }
            last.push_str(w);
        }
    }
    lines.join("\n")
}

// 6. Special files.
#[test]
fn special_files_are_read_or_counted() {
    let (code, j, err) = analyze_json(&["/dev/null"], b"");
    assert_eq!(code, 1, "{err}");
    assert!(!err.contains("no such file"), "{err}");
    assert!(err.contains("/dev/null") && err.contains("empty"), "{err}");
    assert_eq!(j["summary"]["failed"], 1);

    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("pipe");
    assert!(std::process::Command::new("mkfifo").arg(&fifo).status().unwrap().success());
    let writer = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::write(fifo, "{\"id\":\"p\",\"text\":\"Iran agreed.\"}\n").unwrap())
    };
    // A FIFO with no extension holding JSONL, as `<(cat x.jsonl)` gives.
    let (code, j, err) = analyze_json(&[fifo.to_str().unwrap()], b"");
    writer.join().unwrap();
    assert_eq!(code, 0, "{err}");
    assert_eq!(j["documents"][0]["id"], "p", "sniffed as JSONL");

    // In a walked folder a FIFO is not opened (it could block) but is counted.
    std::fs::write(dir.path().join("a.txt"), "China agreed.").unwrap();
    let (code, j, err) = analyze_json(&[dir.path().to_str().unwrap()], b"");
    assert_eq!(code, 0, "{err}");
    assert_eq!(j["summary"]["documents"], 1);
    assert_eq!(j["summary"]["skipped_files"], 1, "{}", j["summary"]);
}

// 7. Actors files.
#[test]
fn actors_files_refuse_duplicates_warn_on_shared_aliases_and_name_the_entry() {
    // A TOML error keeps its multi-line excerpt readable (only input-made controls are escaped).
    let dir0 = tempfile::tempdir().unwrap();
    let bad_toml = dir0.path().join("typo.toml");
    std::fs::write(&bad_toml, "[[actor]]\nid = \"x\"\nname = \"x\"\nalias = [\"x\"]\n").unwrap();
    let out = stance(&["analyze", "-", "--actors", bad_toml.to_str().unwrap()], b"x");
    let e = text(&out.stderr);
    assert!(e.contains("typo.toml") && e.contains('\n') && !e.contains("\\u{a}"), "{e}");
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("mine.toml");
    let p_arg = p.to_str().unwrap().to_string();
    let run = |toml: &str| {
        std::fs::write(&p, toml).unwrap();
        stance(&["analyze", "-", "--format", "json", "--actors", &p_arg], b"Ankara and Moscow met.")
    };
    let dup = run("[[actor]]\nid = \"turkey\"\nname = \"Turkey\"\naliases = [\"Turkey\"]\n[[actor]]\nid = \"turkey\"\nname = \"T2\"\naliases = [\"Ankara\"]\n");
    assert_eq!(dup.status.code(), Some(2));
    let e = text(&dup.stderr);
    assert!(e.contains("mine.toml") && e.contains("entry 2") && e.contains("turkey"), "{e}");

    let bad = run("[[actor]]\nid = \"Bad Id\"\nname = \"x\"\naliases = [\"x\"]\n");
    let e = text(&bad.stderr);
    assert!(e.contains("mine.toml") && e.contains("entry 1") && !e.contains("actor 5"), "{e}");

    let shared = run("[[actor]]\nid = \"kremlin\"\nname = \"Kremlin\"\naliases = [\"Moscow\", \"Kremlin\"]\n");
    assert_eq!(shared.status.code(), Some(0), "{}", text(&shared.stderr));
    let e = text(&shared.stderr);
    assert!(e.contains("warning") && e.contains("Moscow") && e.contains("russia") && e.contains("kremlin"), "{e}");
}

// 8. A closed pipe ends the run quietly, with the status a shell expects (128 + SIGPIPE).
#[test]
fn a_closed_pipe_stops_quietly() {
    use std::io::{Read, Write};
    use std::process::{Command, Stdio};
    let input: String = (0..4000).map(|i| format!("{{\"id\":\"d{i}\",\"text\":\"Nothing here {i}.\"}}\n")).collect();
    for args in [vec!["analyze", "-", "--format", "jsonl", "--quiet", "--chunk", "64"], vec!["score", "-", "--quiet"]] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_stance"))
            .args(&args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdin = child.stdin.take().unwrap();
        let data = input.clone();
        let feeder = std::thread::spawn(move || {
            let _ = stdin.write_all(data.as_bytes());
        });
        let mut stdout = child.stdout.take().unwrap();
        let mut first = [0u8; 64];
        stdout.read_exact(&mut first).unwrap();
        drop(stdout);
        let out = child.wait_with_output().unwrap();
        feeder.join().unwrap();
        assert_eq!(out.status.code(), Some(141), "{args:?}: {:?}", out.status);
        assert!(text(&out.stderr).trim().is_empty(), "{args:?}: {}", text(&out.stderr));
    }
}

// 9. Odd flag values.
#[test]
fn odd_flag_values_get_clear_messages() {
    for (flag, value) in [
        ("--threads", "0"),
        ("--chunk", "4000000000"),
        ("--batch-size", "0"),
        ("--batch-tokens", "0"),
        ("--workers", "0"),
    ] {
        let out = stance(&["analyze", "-", flag, value], b"Russia agreed.");
        assert_eq!(out.status.code(), Some(2), "{flag} {value}");
        let e = text(&out.stderr);
        assert!(e.contains(flag) && !e.contains("panicked"), "{flag} {value}: {e}");
    }
    let out = stance(&["score", "-", "--threads", "0"], GOOD.as_bytes());
    assert_eq!(out.status.code(), Some(2));
    assert!(!text(&out.stderr).contains("panicked"));
    // More workers than cores: one warning, and the run still works.
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let too_many = (cores + 1).to_string();
    let out = stance(&["analyze", "-", "--format", "json", "--workers", &too_many], b"Russia agreed.");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("--workers"), "{}", text(&out.stderr));
}

// 10. The smaller things.
#[test]
fn score_refuses_empty_text_and_passes_extra_fields_through() {
    let input = concat!(
        r#"{"id":"e","text":"","targets":[]}"#,
        "\n",
        r#"{"id":"x","text":"Russia agreed.","targets":[{"start":0,"end":6,"actor":"russia"}],"source":"wire","n":99999999999999999999}"#,
        "\n",
    );
    let out = stance(&["score", "-", "--quiet"], input.as_bytes());
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let lines = json_lines(&out.stdout);
    assert!(lines[0]["error"].as_str().unwrap().contains("text"), "{}", lines[0]);
    assert_eq!(lines[1]["source"], "wire");
    assert!(text(&out.stdout).contains("99999999999999999999"), "{}", text(&out.stdout));
    assert_eq!(lines[1]["targets"][0]["text"], "Russia");
}

#[test]
fn meta_values_come_back_exactly_as_given() {
    // 99999999999999999999 is past u64, so only the exact text survives; so is a 24-digit id.
    let input = "{\"id\":123456789012345678901234,\"text\":\"Iran agreed.\",\"big\":99999999999999999999,\"huge\":1e400,\"f\":0.1}\n{\"id\":123456789012345678901235,\"text\":\"Iran agreed.\"}\n";
    let out = stance(&["analyze", "-", "--format", "jsonl", "--quiet"], input.as_bytes());
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let doc = text(&out.stdout).lines().find(|l| l.contains("\"document\"")).unwrap().to_string();
    for v in ["\"123456789012345678901234\"", "99999999999999999999", "1e400", "0.1"] {
        assert!(doc.contains(v), "{v} not kept in {doc}");
    }
    assert!(!text(&out.stderr).contains("duplicate"), "{}", text(&out.stderr));
}

#[test]
fn duplicate_document_ids_are_warned_about_and_evidence_stays_unambiguous() {
    let input = "{\"id\":\"same\",\"text\":\"Russia invaded and killed civilians.\"}\n{\"id\":\"same\",\"text\":\"Russia helped the flood victims generously.\"}\n";
    let out = stance(&["analyze", "-", "--format", "json"], input.as_bytes());
    let e = text(&out.stderr);
    assert!(e.contains("same") && e.contains("duplicate"), "{e}");
    let j: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(j["documents"][0]["record"], 1);
    assert_eq!(j["documents"][1]["record"], 2);
    let russia = &j["corpus"]["actors"]["russia"]["evidence"];
    let records: Vec<u64> = ["against", "favor"]
        .iter()
        .flat_map(|s| russia[s].as_array().unwrap())
        .map(|e| e["record"].as_u64().expect("evidence names its record"))
        .collect();
    assert!(records.contains(&1) && records.contains(&2), "{russia}");
    assert_eq!(j["summary"]["duplicate_ids"], 1);
}

#[test]
fn jsonl_errors_name_the_file_line_only() {
    let out = stance(&["analyze", "-", "--format", "json", "--quiet"], b"{\"text\":\"Iran.\"}\n\n{\"text\": \n");
    let e = text(&out.stderr);
    assert!(e.contains("<stdin>:3:") && !e.contains("line 2"), "{e}");
}

#[test]
fn the_readme_score_example_scores_the_names_it_means() {
    let readme = std::fs::read_to_string(common::root().join("README.md")).unwrap();
    let line = readme.lines().find(|l| l.starts_with("echo '{\"id\": \"s1\"")).expect("README has the score example");
    let json = line.trim_start_matches("echo '").split("' ").next().unwrap();
    let out = stance(&["score", "-", "--quiet"], format!("{json}\n").as_bytes());
    let lines = json_lines(&out.stdout);
    let names: Vec<&str> =
        lines[0]["targets"].as_array().unwrap().iter().map(|t| t["text"].as_str().unwrap()).collect();
    assert_eq!(names, ["Moscow", "Washington"]);
}

// Issue 8 expects gzip input: `.jsonl.gz`, `.csv.gz`, `.txt.gz` and gzip on stdin read as their content.
#[test]
fn gzip_input_is_read_as_its_content() {
    use std::io::Write;
    let gz = |text: &str| {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        e.write_all(text.as_bytes()).unwrap();
        e.finish().unwrap()
    };
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("a.jsonl.gz"),
        gz("{\"id\":\"j1\",\"text\":\"Iran agreed.\"}\n{\"id\":\"j2\",\"text\":\"China agreed.\"}\n"),
    )
    .unwrap();
    std::fs::write(dir.path().join("b.csv.gz"), gz("id,text\nc1,Russia agreed.\n")).unwrap();
    // Two gzip members one after the other (as `cat x.gz y.gz` makes) are one stream.
    let mut two = gz("Russia agreed. ");
    two.extend(gz("China too."));
    std::fs::write(dir.path().join("c.txt.gz"), two).unwrap();
    let (code, j, err) = analyze_json(&[dir.path().to_str().unwrap()], b"");
    assert_eq!(code, 0, "{err}");
    let ids: Vec<&str> = j["documents"].as_array().unwrap().iter().map(|d| d["id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), 4, "{ids:?}");
    assert!(ids.contains(&"j1") && ids.contains(&"j2") && ids.contains(&"c1"), "{ids:?}");
    let txt =
        j["documents"].as_array().unwrap().iter().find(|d| d["id"].as_str().unwrap().ends_with("c.txt.gz")).unwrap();
    assert_eq!(txt["mentions"], 2, "both members read: {txt}");
    // On stdin, gzip is recognised by its magic bytes.
    let (code, j, err) = analyze_json(&["-"], &gz("{\"id\":\"s1\",\"text\":\"Iran agreed.\"}\n"));
    assert_eq!(code, 0, "{err}");
    assert_eq!(j["documents"][0]["id"], "s1");
    // A truncated file fails by name, not silently.
    let mut cut = gz(&"{\"text\":\"Iran agreed.\"}\n".repeat(200));
    cut.truncate(cut.len() / 2);
    std::fs::write(dir.path().join("cut.jsonl.gz"), cut).unwrap();
    let (code, _, err) = analyze_json(&[dir.path().join("cut.jsonl.gz").to_str().unwrap()], b"");
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("cut.jsonl.gz"), "{err}");
}

/// Issue 18, item 6: one far-off date does not fill a million empty days; the warning names the
/// widest gap between dates, where the wrong date is. Empty buckets up to the bound are listed.
#[test]
fn a_far_off_date_does_not_fill_a_million_empty_buckets() {
    let input = b"{\"id\":\"a\",\"date\":\"2000-01-01\",\"text\":\"Russia agreed.\"}\n{\"id\":\"b\",\"date\":\"2000-01-05\",\"text\":\"Russia agreed.\"}\n{\"id\":\"c\",\"date\":\"4730-01-01\",\"text\":\"Russia agreed.\"}\n";
    let (code, j, err) = analyze_json(&["-", "--by", "date:day"], input);
    assert_eq!(code, 0, "{err}");
    assert_eq!(j["groups"].as_array().unwrap().len(), 3, "only the days seen");
    assert!(
        err.contains("empty time buckets are not listed")
            && err.contains("between 2000-01-05 (1 document) and 4730-01-01 (1 document)"),
        "{err}"
    );
    let near = b"{\"id\":\"a\",\"date\":\"2000-01-01\",\"text\":\"Russia agreed.\"}\n{\"id\":\"b\",\"date\":\"2000-01-05\",\"text\":\"Russia agreed.\"}\n";
    let (_, j, err) = analyze_json(&["-", "--by", "date:day"], near);
    assert_eq!(j["groups"].as_array().unwrap().len(), 5, "{err}");
}

/// Issue 18, item 14: a year given as a JSON number is the date; an impossible calendar date is
/// refused as the record's error (not counted later as a missing date); a --by key that no
/// document has is warned about.
#[test]
fn numeric_years_impossible_days_and_keys_nobody_has() {
    let input = b"{\"id\":\"a\",\"date\":1947,\"text\":\"Russia agreed.\"}\n{\"id\":\"b\",\"date\":\"2020-02-30\",\"text\":\"Russia agreed.\"}\n";
    let (code, j, err) = analyze_json(&["-", "--by", "date:year"], input);
    assert_eq!(code, 1, "one record failed: {err}");
    assert_eq!(j["groups"][0]["label"], "1947", "{j}");
    assert!(err.contains("<stdin>:2: field \"date\": '2020-02-30' is not an ISO 8601 date"), "{err}");
    let (code, j, err) =
        analyze_json(&["-", "--by", "meta.partty"], b"{\"id\":\"a\",\"party\":\"x\",\"text\":\"Russia agreed.\"}\n");
    assert_eq!(code, 0, "{err}");
    assert_eq!(j["groups"].as_array().unwrap().len(), 0);
    assert!(err.contains("no group: none of the 1 documents has every --by key (1 lack meta.partty)"), "{err}");
}
