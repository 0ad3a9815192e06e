//! `stance merge` and `--output` as a user runs them, with the shipped model on real data: three
//! shards of Reuters headlines, analysed apart into partials, merged in every order into the
//! bytes of one run over the three files (shards hold whole chunks, so every model batch is the
//! same); and an output file that appears only when its run completes.

mod common;

use std::path::{Path, PathBuf};

use common::{stance, text};

fn headlines(n: usize) -> Option<Vec<String>> {
    let path = common::data_dir()?.join("reuters-headlines/actor-headlines.jsonl.gz");
    let out = std::process::Command::new("gzip").arg("-dc").arg(&path).output().expect("gzip runs");
    Some(text(&out.stdout).lines().take(n).map(String::from).collect())
}

fn run_ok(args: &[&str]) -> Vec<u8> {
    let out = stance(args, b"");
    assert_eq!(out.status.code(), Some(0), "stance {args:?}: {}", text(&out.stderr));
    out.stdout
}

fn path(p: &Path) -> String {
    p.display().to_string()
}

#[test]
fn shards_of_real_headlines_merge_into_one_run() {
    let Some(lines) = headlines(96) else { return };
    let dir = tempfile::tempdir().unwrap();
    let files: Vec<PathBuf> = lines
        .chunks(32)
        .enumerate()
        .map(|(i, c)| {
            let p = dir.path().join(format!("s{i}.jsonl"));
            std::fs::write(&p, c.join("\n") + "\n").unwrap();
            p
        })
        .collect();
    let common = ["--chunk", "16", "--by", "date:month", "--quiet", "--precision", "fp32"];
    let mut single_args = vec!["analyze"];
    let names: Vec<String> = files.iter().map(|p| path(p)).collect();
    single_args.extend(names.iter().map(String::as_str));
    single_args.extend(common);
    single_args.extend(["--format", "json"]);
    let single = run_ok(&single_args);
    let partials: Vec<String> = files
        .iter()
        .enumerate()
        .map(|(i, _)| {
            let out = path(&dir.path().join(format!("p{i}.jsonl")));
            let shard = i.to_string();
            let mut args = vec!["analyze", names[i].as_str()];
            args.extend(common);
            args.extend(["--format", "partial", "--shard", &shard, "--output", &out]);
            run_ok(&args);
            assert!(Path::new(&out).exists(), "the partial {out} was written");
            out
        })
        .collect();
    for order in [[0, 1, 2], [0, 2, 1], [1, 0, 2], [1, 2, 0], [2, 0, 1], [2, 1, 0]] {
        let mut args = vec!["merge", "--format", "json"];
        args.extend(order.iter().map(|&i| partials[i].as_str()));
        let merged = run_ok(&args);
        assert!(merged == single, "merge in order {order:?} differs from one run over the three files");
    }
    // A partial of another precision is refused.
    let other = path(&dir.path().join("bf16.jsonl"));
    let mut args = vec!["analyze", names[0].as_str(), "--chunk", "16", "--by", "date:month", "--quiet"];
    args.extend(["--precision", "bf16", "--format", "partial", "--shard", "3", "--output", &other]);
    run_ok(&args);
    let refused = stance(&["merge", &partials[1], &other], b"");
    assert_eq!(refused.status.code(), Some(2));
    assert!(text(&refused.stderr).contains("differ in the model"), "{}", text(&refused.stderr));
}

#[test]
fn an_output_file_appears_only_when_the_run_completes() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.jsonl");
    std::fs::write(&input, "{\"id\": \"a\", \"text\": \"Russia spoke.\"}\nnot json\n").unwrap();
    let out = dir.path().join("out.json");
    // --strict stops at the bad line: no output file, and no temporary left behind.
    let failed = stance(&["analyze", &path(&input), "--strict", "--quiet", "--output", &path(&out)], b"");
    assert_eq!(failed.status.code(), Some(2));
    assert!(!out.exists(), "a failed run left {}", out.display());
    let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(left.len(), 1, "only the input is left: {left:?}");
    // Without --strict the run completes (exit 1: one record failed) and the file is whole JSON.
    let done = stance(&["analyze", &path(&input), "--quiet", "--output", &path(&out)], b"");
    assert_eq!(done.status.code(), Some(1));
    assert!(done.stdout.is_empty(), "nothing on stdout with --output");
    let j: serde_json::Value = serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap();
    assert_eq!(j["summary"]["failed"], 1);
}

#[test]
fn output_to_a_fifo_is_written_not_replaced() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("pipe");
    assert!(std::process::Command::new("mkfifo").arg(&fifo).status().unwrap().success());
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::read(&fifo).unwrap())
    };
    let out = stance(&["analyze", "--quiet", "--format", "json", "--output", &path(&fifo)], b"");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let got = reader.join().unwrap();
    let j: serde_json::Value = serde_json::from_slice(&got).unwrap();
    assert_eq!(j["summary"]["documents"], 1);
    use std::os::unix::fs::FileTypeExt;
    assert!(std::fs::metadata(&fifo).unwrap().file_type().is_fifo(), "the FIFO is still a FIFO");
}

/// A partial of two small documents as shard `shard`, in `dir`.
fn small_partial(dir: &Path, shard: u64) -> PathBuf {
    small_partial_of(dir, shard, None)
}

/// As [`small_partial`], with `--shards T` where `shards` is given.
fn small_partial_of(dir: &Path, shard: u64, shards: Option<u64>) -> PathBuf {
    let input = dir.join(format!("in{shard}.jsonl"));
    let docs = format!(
        "{{\"id\": \"s{shard}a\", \"text\": \"Russia spoke.\"}}\n{{\"id\": \"s{shard}b\", \"text\": \"China praised Iran.\"}}\n"
    );
    std::fs::write(&input, docs).unwrap();
    let out = dir.join(format!("p{shard}{}.jsonl", shards.map(|t| format!("of{t}")).unwrap_or_default()));
    let (s, i) = (shard.to_string(), path(&input));
    let mut args = vec!["analyze", i.as_str(), "--quiet", "--format", "partial", "--shard", &s];
    let t = shards.map(|t| t.to_string());
    if let Some(t) = &t {
        args.extend(["--shards", t.as_str()]);
    }
    let o = path(&out);
    args.extend(["--output", o.as_str()]);
    run_ok(&args);
    out
}

/// Issue 18, item 8: partials that carry their number of shards (`analyze --shards T`) are refused
/// when the last shard is missing, which gaps alone cannot show; a shard number out of range and
/// partials that disagree on T are refused too; without T merge says that it cannot tell.
#[test]
fn a_missing_last_shard_is_refused_when_the_partials_carry_their_number() {
    let dir = tempfile::tempdir().unwrap();
    let (p0, p1, p2) = (
        small_partial_of(dir.path(), 0, Some(3)),
        small_partial_of(dir.path(), 1, Some(3)),
        small_partial_of(dir.path(), 2, Some(3)),
    );
    assert!(std::fs::read_to_string(&p0).unwrap().lines().next().unwrap().contains("\"shards\":3"));
    let short = stance(&["merge", &path(&p0), &path(&p1), "--format", "json"], b"");
    assert_eq!(short.status.code(), Some(2), "{}", text(&short.stderr));
    let msg = text(&short.stderr);
    assert!(msg.contains(&path(&p1)) && msg.contains("shard 2 is missing"), "{msg}");
    assert!(short.stdout.is_empty());
    let part: serde_json::Value =
        serde_json::from_slice(&run_ok(&["merge", &path(&p0), &path(&p1), "--format", "json", "--allow-gaps"]))
            .unwrap();
    assert_eq!(part["summary"]["documents"], 4);
    let whole = stance(&["merge", &path(&p2), &path(&p0), &path(&p1), "--format", "json"], b"");
    assert!(whole.status.success(), "{}", text(&whole.stderr));
    assert!(!text(&whole.stderr).contains("cannot be noticed"), "{}", text(&whole.stderr));
    // The same documents without --shards merge to the same figures, with a note.
    let (q0, q1, q2) = (small_partial(dir.path(), 0), small_partial(dir.path(), 1), small_partial(dir.path(), 2));
    let plain = stance(&["merge", &path(&q0), &path(&q1), &path(&q2), "--format", "json"], b"");
    assert!(plain.status.success());
    assert!(text(&plain.stderr).contains("a missing last shard cannot be noticed"), "{}", text(&plain.stderr));
    assert_eq!(plain.stdout, whole.stdout, "--shards changes no figure");
    // Partials of runs that disagree on the number of shards do not merge.
    let mixed = stance(&["merge", &path(&p0), &path(&q1), "--format", "json", "--allow-gaps"], b"");
    assert_eq!(mixed.status.code(), Some(2));
    assert!(text(&mixed.stderr).contains("the number of shards"), "{}", text(&mixed.stderr));
    // A shard outside 0..T-1 is refused before anything runs.
    let input = dir.path().join("in0.jsonl");
    let bad = stance(&["analyze", &path(&input), "--format", "partial", "--shard", "3", "--shards", "3"], b"");
    assert_eq!(bad.status.code(), Some(2));
    assert!(text(&bad.stderr).contains("shards run 0 to 2"), "{}", text(&bad.stderr));
}

/// Issue 18, item 14: a partial read from stdin (`-`) or a pipe merges as from a file, errors name
/// `<stdin>`, and stdin cannot be named twice.
#[test]
fn a_partial_merges_from_stdin_and_from_a_pipe() {
    let dir = tempfile::tempdir().unwrap();
    let (p0, p1) = (small_partial(dir.path(), 0), small_partial(dir.path(), 1));
    let files = run_ok(&["merge", &path(&p0), &path(&p1), "--format", "json"]);
    let from_stdin = stance(&["merge", &path(&p0), "-", "--format", "json"], &std::fs::read(&p1).unwrap());
    assert!(from_stdin.status.success(), "{}", text(&from_stdin.stderr));
    assert_eq!(from_stdin.stdout, files);
    // A FIFO, as `<(zcat p1.jsonl.gz)` gives.
    let fifo = dir.path().join("fifo");
    let c = std::ffi::CString::new(path(&fifo)).unwrap();
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
    let (f, bytes) = (fifo.clone(), std::fs::read(&p1).unwrap());
    let writer = std::thread::spawn(move || std::fs::write(f, bytes).unwrap());
    let from_pipe = stance(&["merge", &path(&p0), &path(&fifo), "--format", "json"], b"");
    writer.join().unwrap();
    assert!(from_pipe.status.success(), "{}", text(&from_pipe.stderr));
    assert_eq!(from_pipe.stdout, files);
    // An edited partial on stdin is refused by name.
    let edited = std::fs::read_to_string(&p1).unwrap().replace("\"s1a\"", "\"s1x\"");
    let bad = stance(&["merge", &path(&p0), "-", "--format", "json"], edited.as_bytes());
    assert_eq!(bad.status.code(), Some(2));
    assert!(text(&bad.stderr).contains("<stdin>"), "{}", text(&bad.stderr));
    let twice = stance(&["merge", "-", "-", "--format", "json"], b"");
    assert_eq!(twice.status.code(), Some(2));
    assert!(text(&twice.stderr).contains("more than once"), "{}", text(&twice.stderr));
}

/// Issue 18, item 11: with stderr a closed pipe (`stance merge ... 2>&1 | true`), the summary
/// line that cannot be written is dropped and the run ends as it would have: no panic (101).
#[test]
fn a_closed_stderr_is_a_quiet_exit_not_a_panic() {
    use std::os::fd::{FromRawFd, OwnedFd};
    let dir = tempfile::tempdir().unwrap();
    let (p0, p1) = (small_partial(dir.path(), 0), small_partial(dir.path(), 1));
    let mut fds = [0i32; 2];
    assert_eq!(unsafe { libc::pipe(fds.as_mut_ptr()) }, 0);
    // SAFETY: both descriptors were just made by pipe(2) and are owned here alone.
    let (read_end, write_end) = unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) };
    drop(read_end);
    let out = dir.path().join("all.json");
    let status = std::process::Command::new(env!("CARGO_BIN_EXE_stance"))
        .args(["merge", &path(&p0), &path(&p1), "--format", "json", "--output", &path(&out)])
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::from(write_end))
        .status()
        .unwrap();
    assert_eq!(status.code(), Some(0), "merge with a closed stderr: {status}");
    let j: serde_json::Value = serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap();
    assert_eq!(j["summary"]["documents"], 4);
}

/// Issue 18, item 8: `merge` refuses shards that do not run 0..N-1 (a missing shard would give an
/// output that looks whole), naming the partial after the gap; `--allow-gaps` merges them anyway.
#[test]
fn a_missing_shard_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let (p0, p1, p2) = (small_partial(dir.path(), 0), small_partial(dir.path(), 1), small_partial(dir.path(), 2));
    let gap = stance(&["merge", &path(&p0), &path(&p2), "--format", "json"], b"");
    assert_eq!(gap.status.code(), Some(2), "{}", text(&gap.stderr));
    let msg = text(&gap.stderr);
    assert!(msg.contains(&path(&p2)) && msg.contains("shard 1 is missing"), "{msg}");
    assert!(gap.stdout.is_empty());
    // No shard 0.
    let late = stance(&["merge", &path(&p2), &path(&p1), "--format", "json"], b"");
    assert_eq!(late.status.code(), Some(2), "{}", text(&late.stderr));
    assert!(text(&late.stderr).contains("shard 0 is missing"), "{}", text(&late.stderr));
    // Whole: merges; and a part of the shards merges with --allow-gaps.
    let whole: serde_json::Value =
        serde_json::from_slice(&run_ok(&["merge", &path(&p2), &path(&p0), &path(&p1), "--format", "json"])).unwrap();
    assert_eq!(whole["summary"]["documents"], 6);
    let part: serde_json::Value =
        serde_json::from_slice(&run_ok(&["merge", &path(&p0), &path(&p2), "--format", "json", "--allow-gaps"]))
            .unwrap();
    assert_eq!(part["summary"]["documents"], 4);
}

/// Issue 18, item 9: a partial edited after it was written (a sum in its totals, a document line)
/// is refused by its checksum, naming the file and line; the untouched partials still merge.
#[test]
fn an_edited_partial_is_refused_by_its_checksum() {
    let dir = tempfile::tempdir().unwrap();
    let (p0, p1) = (small_partial(dir.path(), 0), small_partial(dir.path(), 1));
    run_ok(&["merge", &path(&p0), &path(&p1), "--format", "json"]);
    let original = std::fs::read_to_string(&p1).unwrap();
    let last = original.lines().count();
    assert!(original.lines().last().unwrap().contains("\"checksum\":\""), "the totals line carries the checksum");
    // The first stance sum in the totals line set to 99999999999, the checksum kept.
    fn set_first(v: &mut serde_json::Value, key: &str, to: &serde_json::Value) -> bool {
        match v {
            serde_json::Value::Object(m) => {
                if let Some(x) = m.get_mut(key) {
                    *x = to.clone();
                    return true;
                }
                m.values_mut().any(|x| set_first(x, key, to))
            }
            serde_json::Value::Array(a) => a.iter_mut().any(|x| set_first(x, key, to)),
            _ => false,
        }
    }
    let mut totals: serde_json::Value = serde_json::from_str(original.lines().last().unwrap()).unwrap();
    assert!(set_first(&mut totals, "stance_sum", &serde_json::json!(99999999999i64)));
    let mut lines: Vec<String> = original.lines().map(String::from).collect();
    *lines.last_mut().unwrap() = totals.to_string();
    let edits = [
        lines.join("\n") + "\n",
        original.replacen("\"sentences\":1", "\"sentences\":18446744073709551615", 1),
        original.replacen("Russia", "Rossia", 1),
    ];
    for edited in edits {
        assert_ne!(edited, original);
        std::fs::write(&p1, &edited).unwrap();
        let out = stance(&["merge", &path(&p0), &path(&p1), "--format", "json"], b"");
        let msg = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{msg}");
        assert!(msg.contains(&format!("{}:{last}: the checksum does not match", path(&p1))), "{msg}");
        assert!(out.stdout.is_empty());
    }
    // A forger who also recomputes the checksum (as the partial_reader fuzz target does, which
    // found a stance of 1.49 this way) meets the range checks on the sums.
    let forged_line = |data: &serde_json::Value| {
        let body: String = lines[..lines.len() - 1].iter().map(|l| format!("{l}\n")).collect();
        let mut hash = stance::output::partial::LineHash::default();
        hash.update(body.as_bytes());
        let data = data.to_string();
        hash.update(data.as_bytes());
        format!("{body}{{\"type\":\"totals\",\"data\":{data},\"checksum\":\"{}\"}}\n", hash.hex())
    };
    std::fs::write(&p1, forged_line(&totals["data"])).unwrap();
    let out = stance(&["merge", &path(&p0), &path(&p1), "--format", "json"], b"");
    let msg = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{msg}");
    assert!(msg.contains("a stance sum of 99999999999"), "{msg}");
    assert!(out.stdout.is_empty());
    // The untouched totals, rewritten the same way, still merge: the check refuses only the forgery.
    let untouched: serde_json::Value = serde_json::from_str(original.lines().last().unwrap()).unwrap();
    std::fs::write(&p1, forged_line(&untouched["data"])).unwrap();
    run_ok(&["merge", &path(&p0), &path(&p1), "--format", "json"]);
}

/// Found by the partial_reader fuzz target: a forged document line or evidence score, with the
/// checksum recomputed, is refused by the range checks (a document stance of 7.5; an evidence
/// score written as -5.48 beside its exact millionths).
#[test]
fn forged_values_behind_a_recomputed_checksum_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let (p0, p1) = (small_partial(dir.path(), 0), small_partial(dir.path(), 1));
    let original = std::fs::read_to_string(&p1).unwrap();
    let rehash = |text: &str| {
        let lines: Vec<&str> = text.lines().collect();
        let body: String = lines[..lines.len() - 1].iter().map(|l| format!("{l}\n")).collect();
        let totals: serde_json::Value = serde_json::from_str(lines[lines.len() - 1]).unwrap();
        let data = totals["data"].to_string();
        let mut hash = stance::output::partial::LineHash::default();
        hash.update(body.as_bytes());
        hash.update(data.as_bytes());
        format!("{body}{{\"type\":\"totals\",\"data\":{data},\"checksum\":\"{}\"}}\n", hash.hex())
    };
    let doc_line = original.lines().nth(1).unwrap();
    let stance_at = doc_line.find("\"stance\":").unwrap() + "\"stance\":".len();
    let end = stance_at + doc_line[stance_at..].find(',').unwrap();
    let forged_doc = original.replacen(doc_line, &format!("{}7.5{}", &doc_line[..stance_at], &doc_line[end..]), 1);
    let last = original.lines().last().unwrap();
    // In the totals only evidence has a "stance" (profiles have sums).
    let ev_at = last.find("\"stance\":").expect("an evidence score in the totals") + "\"stance\":".len();
    let ev_end = ev_at + last[ev_at..].find('}').unwrap();
    let forged_ev = original.replacen(last, &format!("{}-5.4823{}", &last[..ev_at], &last[ev_end..]), 1);
    for (forged, says) in [(forged_doc, "outside [-1, 1]"), (forged_ev, "an evidence stance of -5.4823")] {
        std::fs::write(&p1, rehash(&forged)).unwrap();
        let out = stance(
            &["merge", &path(&p0), &path(&p1), "--format", "json", "-o", &path(&dir.path().join("m.json"))],
            b"",
        );
        let msg = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{msg}");
        assert!(msg.contains(says) && msg.contains(&path(&p1)), "{msg}");
        assert!(!dir.path().join("m.json").exists(), "no output file");
    }
    std::fs::write(&p1, rehash(&original)).unwrap();
    run_ok(&["merge", &path(&p0), &path(&p1), "--format", "json"]);
}

/// Issue 18, item 12: `--output` naming an input is refused before anything is written (it would
/// replace the input with its own analysis), by any name of the file; an existing output keeps
/// its permissions.
#[test]
fn output_onto_an_input_is_refused_and_a_file_keeps_its_mode() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.jsonl");
    let docs = "{\"id\": \"a\", \"text\": \"Russia spoke.\"}\n";
    std::fs::write(&input, docs).unwrap();
    let link = dir.path().join("link.jsonl");
    std::os::unix::fs::symlink(&input, &link).unwrap();
    for output in [&input, &link] {
        let out = stance(&["analyze", &path(&input), "--quiet", "--format", "jsonl", "-o", &path(output)], b"");
        let msg = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{msg}");
        assert!(msg.contains("--output names the input"), "{msg}");
        assert_eq!(std::fs::read_to_string(&input).unwrap(), docs, "the input is untouched");
    }
    let p0 = small_partial(dir.path(), 0);
    let out = stance(&["merge", &path(&p0), "--format", "json", "-o", &path(&p0)], b"");
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));

    let private = dir.path().join("private.json");
    std::fs::write(&private, "old").unwrap();
    std::fs::set_permissions(&private, std::fs::Permissions::from_mode(0o600)).unwrap();
    run_ok(&["analyze", &path(&input), "--quiet", "--format", "json", "-o", &path(&private)]);
    let mode = std::fs::metadata(&private).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "the output keeps the old file's mode");
    assert!(std::fs::read_to_string(&private).unwrap().starts_with('{'));
}
