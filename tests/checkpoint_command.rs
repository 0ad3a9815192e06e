//! `--checkpoint`: a real run over Reuters headlines, killed (SIGKILL) several times at random
//! moments after a checkpoint, and started again each time with the same command, ends with the
//! bytes of an uninterrupted run: nothing lost, nothing counted twice. The output file does not
//! exist until the run completes.

mod common;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::text;

fn records_saved(cp: &Path) -> usize {
    std::fs::read_to_string(cp.join("state.json"))
        .ok()
        .and_then(|s| serde_json::from_str::<serde_json::Value>(&s).ok())
        .and_then(|v| v["records"].as_u64())
        .unwrap_or(0) as usize
}

#[test]
fn killed_runs_resume_into_the_uninterrupted_output() {
    let Some(data) = common::data_dir() else { return };
    let gz = data.join("reuters-headlines/actor-headlines.jsonl.gz");
    let all = Command::new("gzip").arg("-dc").arg(&gz).output().expect("gzip runs").stdout;
    let all = text(&all);
    let lines: Vec<&str> = all.lines().take(2400).collect();
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.jsonl");
    std::fs::write(&input, lines.join("\n") + "\n").unwrap();
    let (whole, out, cp) = (dir.path().join("whole.json"), dir.path().join("out.json"), dir.path().join("cp"));
    let base = |output: &Path| {
        let mut c = Command::new(env!("CARGO_BIN_EXE_stance"));
        c.args(["analyze", input.to_str().unwrap(), "--chunk", "32", "--by", "date:month", "--format", "json"]);
        c.args(["--threads", "1", "--quiet", "--output", output.to_str().unwrap()]);
        c.stdout(Stdio::null()).stderr(Stdio::piped());
        c
    };
    let status = base(&whole).status().unwrap();
    assert!(status.success());

    // Kill after the 1st, 2nd and 3rd quarter of the input is checkpointed, a little after (the
    // extra delay from a fixed seed, up to 150 ms: about 150 headlines at full speed), so kills land
    // between checkpoints and mid-chunk.
    let mut rng = 0x9e37_79b9_7f4a_7c15u64;
    let mut resumed_from = Vec::new();
    for target in [600, 1200, 1800] {
        let target = target.max(resumed_from.last().map_or(0, |r| r + 1));
        let mut child =
            base(&out).args(["--checkpoint", cp.to_str().unwrap(), "--checkpoint-every", "64"]).spawn().unwrap();
        let start = Instant::now();
        while records_saved(&cp) < target {
            assert!(start.elapsed() < Duration::from_secs(300), "no checkpoint past {target} records in 300 s");
            if let Some(status) = child.try_wait().unwrap() {
                panic!("the run ended ({status}) before it was killed");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        std::thread::sleep(Duration::from_millis(rng % 150));
        child.kill().unwrap();
        child.wait().unwrap();
        assert!(!out.exists(), "a killed run left {}", out.display());
        resumed_from.push(records_saved(&cp));
    }
    assert!(resumed_from.windows(2).all(|w| w[0] < w[1]), "each restart went on from further: {resumed_from:?}");
    let last = base(&out).args(["--checkpoint", cp.to_str().unwrap(), "--checkpoint-every", "64"]).output().unwrap();
    assert!(last.status.success(), "{}", text(&last.stderr));
    assert!(
        std::fs::read(&out).unwrap() == std::fs::read(&whole).unwrap(),
        "resumed output differs from the uninterrupted run"
    );

    // Started again after completion, the command writes the same output from the finished partial.
    std::fs::remove_file(&out).unwrap();
    let again = base(&out).args(["--checkpoint", cp.to_str().unwrap()]).output().unwrap();
    assert!(again.status.success(), "{}", text(&again.stderr));
    assert!(std::fs::read(&out).unwrap() == std::fs::read(&whole).unwrap());

    // Another command with the same checkpoint folder is refused.
    let other = base(&out).args(["--checkpoint", cp.to_str().unwrap(), "--evidence", "5"]).output().unwrap();
    assert_eq!(other.status.code(), Some(2));
    assert!(text(&other.stderr).contains("another command"), "{}", text(&other.stderr));
}

/// A folder of `n` small text documents that mention actors.
fn folder_of_texts(dir: &Path, n: usize) -> std::path::PathBuf {
    let d = dir.join("d");
    std::fs::create_dir_all(&d).unwrap();
    for i in 0..n {
        let body = format!("Document {i:03}. China praised the talks. The United States criticised Iran.\n");
        std::fs::write(d.join(format!("{i:03}.txt")), body).unwrap();
    }
    d
}

fn analyze_with_checkpoint(input: &Path, out: &Path, cp: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_stance"));
    c.args(["analyze", input.to_str().unwrap(), "--chunk", "2", "--format", "json", "--threads", "1"]);
    c.args(["--quiet", "--output", out.to_str().unwrap(), "--checkpoint", cp.to_str().unwrap()]);
    c.args(["--checkpoint-every", "2"]);
    c.stdout(Stdio::null()).stderr(Stdio::piped());
    c
}

/// Issue 18, item 1: a checkpoint of a folder resumed after a file inside it changed (even with
/// the same size and modification time, as `cp -p` leaves it) is refused, naming the file; the
/// folder's own size and time do not change when a file in it is rewritten.
#[test]
fn a_changed_file_inside_an_input_folder_is_refused_on_resume() {
    let dir = tempfile::tempdir().unwrap();
    let d = folder_of_texts(dir.path(), 6);
    let (out, cp) = (dir.path().join("a.json"), dir.path().join("cp"));
    let first = analyze_with_checkpoint(&d, &out, &cp).output().unwrap();
    assert!(first.status.success(), "{}", text(&first.stderr));
    let state: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(cp.join("state.json")).unwrap()).unwrap();
    assert_eq!(state["inputs"].as_array().map(Vec::len), Some(6), "{state}");

    // Unchanged: the same command goes on (here: writes the output again from the finished partial).
    let again = analyze_with_checkpoint(&d, &out, &cp).output().unwrap();
    assert!(again.status.success(), "{}", text(&again.stderr));

    // Same size and modification time, other bytes (as `cp -p` of another file leaves it).
    let victim = d.join("004.txt");
    let original = std::fs::read(&victim).unwrap();
    let stamp = dir.path().join("stamp");
    std::fs::copy(&victim, &stamp).unwrap();
    assert!(Command::new("touch").arg("-r").arg(&victim).arg(&stamp).status().unwrap().success());
    let mut other = original.clone();
    other[0] = b'X';
    std::fs::write(&victim, &other).unwrap();
    assert!(Command::new("touch").arg("-r").arg(&stamp).arg(&victim).status().unwrap().success());
    let refused = analyze_with_checkpoint(&d, &out, &cp).output().unwrap();
    assert_eq!(refused.status.code(), Some(2), "{}", text(&refused.stderr));
    let msg = text(&refused.stderr);
    assert!(msg.contains("004.txt") && msg.contains("changed"), "{msg}");

    // Another size: refused too.
    std::fs::write(&victim, "Russia invaded Ukraine. Russia lies. ".repeat(20)).unwrap();
    let refused = analyze_with_checkpoint(&d, &out, &cp).output().unwrap();
    assert_eq!(refused.status.code(), Some(2), "{}", text(&refused.stderr));
    assert!(text(&refused.stderr).contains("004.txt"), "{}", text(&refused.stderr));

    // Put back (bytes and time): accepted again.
    std::fs::write(&victim, &original).unwrap();
    assert!(Command::new("touch").arg("-r").arg(&stamp).arg(&victim).status().unwrap().success());
    let back = analyze_with_checkpoint(&d, &out, &cp).output().unwrap();
    assert!(back.status.success(), "{}", text(&back.stderr));
}

/// Issue 18, item 3: a second run on a checkpoint folder in use is refused (exit 2, "in use")
/// and leaves it alone; the first run finishes cleanly. The first run reads a FIFO, so it is
/// surely still running (holding the folder) when the second starts.
#[test]
fn a_second_run_on_a_checkpoint_folder_in_use_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("in.jsonl");
    assert!(Command::new("mkfifo").arg(&fifo).status().unwrap().success());
    let (out, cp) = (dir.path().join("a.json"), dir.path().join("cp"));
    let mut first = analyze_with_checkpoint(&fifo, &out, &cp).spawn().unwrap();
    let start = Instant::now();
    while !cp.join("partial.jsonl").exists() {
        assert!(start.elapsed() < Duration::from_secs(120), "the first run never opened its checkpoint");
        assert!(first.try_wait().unwrap().is_none(), "the first run ended before its input was written");
        std::thread::sleep(Duration::from_millis(20));
    }
    let mut second = analyze_with_checkpoint(&fifo, &dir.path().join("b.json"), &cp).spawn().unwrap();
    let start = Instant::now();
    let status = loop {
        if let Some(s) = second.try_wait().unwrap() {
            break s;
        }
        if start.elapsed() > Duration::from_secs(60) {
            second.kill().unwrap();
            first.kill().unwrap();
            panic!("the second run was not refused: it waited on the folder in use");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let mut err = String::new();
    std::io::Read::read_to_string(second.stderr.as_mut().unwrap(), &mut err).unwrap();
    assert_eq!(status.code(), Some(2), "{err}");
    assert!(err.contains("in use") && err.contains(cp.to_str().unwrap()), "{err}");

    let lines: String = (0..20)
        .map(|i| {
            format!("{{\"id\": \"d{i}\", \"text\": \"China praised the talks. Iran criticised the United States.\"}}\n")
        })
        .collect();
    std::fs::write(&fifo, lines).unwrap();
    let done = first.wait_with_output().unwrap();
    assert!(done.status.success(), "{}", text(&done.stderr));
    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap();
    assert_eq!(v["summary"]["documents"], 20, "{}", v["summary"]);
    let state: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(cp.join("state.json")).unwrap()).unwrap();
    assert_eq!(state["complete"], true);
}
