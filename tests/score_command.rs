//! `stance score` as a user runs it: one output line per input line in order, bad lines reported
//! with their line number while the others are still scored, and exit code 1 when any failed.

mod common;

fn run_score(input: &str) -> (i32, Vec<serde_json::Value>, String) {
    let out = common::stance(&["score", "-"], input.as_bytes());
    (out.status.code().unwrap_or(-1), common::json_lines(&out.stdout), common::text(&out.stderr))
}

#[test]
fn good_lines_are_scored_in_order() {
    let input = concat!(
        r#"{"id": "a", "text": "Moscow condemned the sanctions.", "targets": [{"start": 0, "end": 6}]}"#,
        "\n",
        r#"{"text": "Nothing to see here."}"#,
        "\n",
        r#"{"id": 7, "text": "Пекин и Вашингтон", "targets": [{"start": 0, "end": 5}, {"start": 8, "end": 17}]}"#,
        "\n",
    );
    let (code, out, err) = run_score(input);
    assert_eq!(code, 0, "{err}");
    assert_eq!(out.len(), 3);
    assert_eq!(out[0]["id"], "a");
    assert_eq!(out[0]["targets"][0]["text"], "Moscow");
    let label = out[0]["targets"][0]["label"].as_str().unwrap();
    assert!(["against", "neutral", "favor"].contains(&label));
    let p = &out[0]["targets"][0]["stance"];
    let sum = p["against"].as_f64().unwrap() + p["neutral"].as_f64().unwrap() + p["favor"].as_f64().unwrap();
    assert!((sum - 1.0).abs() < 1e-4);
    assert!(out[1].get("id").is_none());
    assert_eq!(out[1]["targets"].as_array().unwrap().len(), 0);
    assert!(out[1]["sentiment"]["neutral"].is_number());
    assert_eq!(out[2]["id"], 7);
    assert_eq!(out[2]["targets"][0]["text"], "Пекин");
    assert_eq!(out[2]["targets"][1]["text"], "Вашингтон");
}

#[test]
fn bad_lines_are_named_and_the_rest_still_scored() {
    let input = concat!(
        "this is not json\n",
        r#"{"id": "no-text", "targets": []}"#,
        "\n",
        r#"{"id": "far", "text": "Iran", "targets": [{"start": 2, "end": 9}]}"#,
        "\n",
        r#"{"id": "empty", "text": "Iran", "targets": [{"start": 2, "end": 2}]}"#,
        "\n",
        r#"{"id": "ok", "text": "Iran voted no.", "targets": [{"start": 0, "end": 4}]}"#,
        "\n",
    );
    let (code, out, err) = run_score(input);
    assert_eq!(code, 1, "a failed line makes the exit code 1");
    assert_eq!(out.len(), 5, "one output line per input line");
    assert!(err.contains("<stdin>:1: not JSON"), "{err}");
    assert!(err.contains("<stdin>:2:") && err.contains("text"), "{err}");
    assert!(err.contains("<stdin>:3:") && err.contains("past the end"), "{err}");
    assert!(err.contains("<stdin>:4:") && err.contains("empty span"), "{err}");
    assert_eq!(out[1]["id"], "no-text");
    assert_eq!(out[2]["line"], 3);
    assert!(out[2]["error"].as_str().unwrap().contains("targets"));
    assert_eq!(out[4]["id"], "ok");
    assert_eq!(out[4]["targets"][0]["text"], "Iran");
    assert!(err.contains("5 lines, 1 scored (1 targets), 4 failed"), "{err}");
}

#[test]
fn missing_input_file_is_a_clear_error() {
    let out = common::stance(&["score", "/nonexistent/input.jsonl"], b"");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("/nonexistent/input.jsonl: cannot open"), "{err}");
}
