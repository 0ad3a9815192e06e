//! `stance analyze` as a user runs it, with the shipped model: the README's demo on the seed
//! essay, stdin, every output format, exit codes, a user's actors file, and byte-identical output
//! whatever the torch and rayon thread counts.

mod common;

use std::process::{Command, Output};

use common::text;

/// `stance analyze ARGS`, with `stdin` and extra environment variables.
fn stance(args: &[&str], stdin: Option<&str>, env: &[(&str, &str)]) -> Output {
    let mut all = vec!["analyze"];
    all.extend_from_slice(args);
    common::stance_env(&all, stdin.unwrap_or_default().as_bytes(), env)
}

#[test]
fn the_readme_demo_analyses_the_seed_essay() {
    let out = stance(&["--format", "table"], None, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let table = text(&out.stdout);
    for actor in ["Russia", "China", "Iran", "The West"] {
        assert!(table.contains(actor), "{actor} missing from:\n{table}");
    }
    assert!(table.contains("Strongest evidence"), "{table}");
    let json = stance(&["--format", "json", "--quiet"], None, &[]);
    let j: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(j["documents"][0]["id"], "seeds/000_204bb2dc5e8ef806.txt");
    let russia = &j["corpus"]["actors"]["russia"];
    assert!(russia["mentions"].as_u64().unwrap() >= 20, "{russia}");
    // The essay is hostile to Russia's war; its profile must lean against.
    assert!(russia["stance"].as_f64().unwrap() < 0.0, "{russia}");
}

#[test]
fn output_is_identical_whatever_the_thread_counts() {
    let corpus: String = (0..40)
        .map(|i| format!("{{\"id\": \"n{i}\", \"author\": \"a{}\", \"text\": \"Russia warned NATO on day {i}. China and Iran signed a deal, Beijing said. The U.S. disagreed.\"}}\n", i % 3))
        .collect();
    // One JSON run: (precision, torch threads per worker, chunk, workers, rayon threads).
    let run = |precision: &str, torch: &str, chunk: &str, workers: &str, rayon: &str| {
        let args = [
            "-",
            "--format",
            "json",
            "--quiet",
            "--precision",
            precision,
            "--threads",
            torch,
            "--chunk",
            chunk,
            "--workers",
            workers,
        ];
        let out = stance(&args, Some(&corpus), &[("RAYON_NUM_THREADS", rayon)]);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        assert!(out.stderr.is_empty(), "nothing on stderr under --quiet: {}", text(&out.stderr));
        out.stdout
    };
    // fp32: the same bytes on any torch thread count and any number of workers.
    let fp32: Vec<Vec<u8>> = [("1", "1", "1"), ("2", "2", "1"), ("2", "1", "1"), ("1", "2", "2")]
        .iter()
        .map(|(torch, rayon, workers)| run("fp32", torch, "16", workers, rayon))
        .collect();
    assert!(fp32.windows(2).all(|w| w[0] == w[1]), "output changed with the thread counts or model workers");
    // bf16 and int8: the same bytes on any rayon thread count and number of workers, for a given
    // torch thread count.
    for precision in ["bf16", "int8"] {
        let runs: Vec<Vec<u8>> = [("1", "1"), ("2", "2"), ("2", "1")]
            .iter()
            .map(|(rayon, workers)| run(precision, "1", "8", workers, rayon))
            .collect();
        assert!(runs.windows(2).all(|w| w[0] == w[1]), "{precision} output changed with rayon threads or workers");
    }
}

#[test]
fn formats_exit_codes_and_strict() {
    let input = "{\"id\": \"a\", \"text\": \"Tehran denied it.\"}\nnot json\n";
    let jl = stance(&["-", "--format", "jsonl", "--quiet"], Some(input), &[]);
    assert_eq!(jl.status.code(), Some(1), "a failed record makes the exit code 1");
    assert!(text(&jl.stderr).contains("<stdin>:2: not JSON"), "{}", text(&jl.stderr));
    let types: Vec<String> = text(&jl.stdout)
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()["type"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(types, ["header", "document", "error", "grouping", "corpus", "summary"]);

    let csv = stance(&["-", "--format", "csv", "--quiet", "--author", "Eve"], Some("Iran is here. So is Russia."), &[]);
    assert_eq!(csv.status.code(), Some(0));
    let rows: Vec<String> = text(&csv.stdout).lines().map(String::from).collect();
    assert!(rows[0].starts_with("document,author,date,actor,mentions,sentences,stance"));
    assert_eq!(rows.len(), 4, "{rows:?}");
    // On stdout, CSV ends with a line that says the run completed, so a cut stream shows.
    assert_eq!(rows[3], "# stance complete; records 1; documents 1; failed 0");
    let to_file = tempfile::tempdir().unwrap();
    let file = to_file.path().join("rows.csv");
    let out =
        stance(&["-", "--format", "csv", "--quiet", "--output", file.to_str().unwrap()], Some("So is Russia."), &[]);
    assert_eq!(out.status.code(), Some(0));
    assert!(!std::fs::read_to_string(&file).unwrap().contains("# stance"), "a file written whole needs no trailer");
    assert!(
        rows[1].starts_with("<stdin>,Eve,,russia,1,1,") || rows[1].starts_with("<stdin>,Eve,,iran,1,1,"),
        "{rows:?}"
    );

    let strict = stance(&["-", "--strict", "--quiet"], Some(input), &[]);
    assert_eq!(strict.status.code(), Some(2));
    assert!(text(&strict.stderr).contains("<stdin>:2") && text(&strict.stderr).contains("--strict"));
}

#[test]
fn a_users_actors_file_adds_an_actor() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("actors.toml");
    std::fs::write(
        &p,
        "[[actor]]\nid = \"turkey\"\nname = \"Turkey\"\naliases = [\"Turkey\", \"Ankara\", \"Erdogan\"]\n",
    )
    .unwrap();
    let out = stance(
        &["-", "--format", "json", "--quiet", "--actors", p.to_str().unwrap()],
        Some("Ankara rejected the plan. Erdogan and Putin met."),
        &[],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let j: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(j["actors"][4]["id"], "turkey");
    assert_eq!(j["corpus"]["actors"]["turkey"]["mentions"], 2);
    assert_eq!(j["corpus"]["actors"]["russia"]["mentions"], 1);
}

#[test]
fn help_explains_every_flag() {
    let out = common::stance(&["analyze", "--help"], b"");
    let help = text(&out.stdout);
    let flags = [
        "--format",
        "--actors",
        "--author",
        "--strict",
        "--evidence",
        "--chunk",
        "--stdin-format",
        "--csv-text",
        "--quiet",
        "--model",
        "--batch-size",
        "--threads",
        "--by",
        "--output",
        "--precision",
        "--workers",
        "--checkpoint",
        "--checkpoint-every",
        "--shard",
        "--shards",
        "--csv-id",
        "--csv-author",
        "--csv-date",
        "--csv-title",
        "--batch-tokens",
        "--max-record-bytes",
    ];
    for flag in flags {
        assert!(help.contains(flag), "{flag} missing from help");
    }
    // And the list is complete: a new flag must be added above (and so explained in the help).
    let mut listed: Vec<&str> = help
        .lines()
        .map(str::trim_start)
        // "-o, --output <FILE>": past the short form.
        .map(|l| if l.starts_with('-') && l.get(2..4) == Some(", ") { &l[4..] } else { l })
        .filter_map(|l| l.strip_prefix("--"))
        .map(|l| l.split(|c: char| !(c.is_ascii_alphanumeric() || c == '-')).next().unwrap())
        .filter(|f| *f != "help")
        .collect();
    listed.sort_unstable();
    let mut want: Vec<&str> = flags.iter().map(|f| &f[2..]).collect();
    want.sort_unstable();
    assert_eq!(listed, want, "the flags in `stance analyze --help`");
}

#[test]
fn a_copied_binary_finds_the_model_beside_it() {
    // A binary copied elsewhere with `models/stance-minilm` next to it uses that model (libtorch is
    // found through the build tree's rpath here; the next test puts a libtorch beside it).
    let dir = tempfile::tempdir().unwrap();
    let exe = dir.path().join("stance");
    std::fs::copy(env!("CARGO_BIN_EXE_stance"), &exe).unwrap();
    std::fs::create_dir_all(dir.path().join("models")).unwrap();
    std::os::unix::fs::symlink(common::shipped_model(), dir.path().join("models/stance-minilm")).unwrap();
    let tsv = dir.path().join("s.tsv");
    std::fs::write(&tsv, "sentence\tlabel\na wonderful film\t1\n").unwrap();
    let out = Command::new(&exe).arg("eval").arg(&tsv).env_remove("STANCE_MODEL").output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let j: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(j["model"], dir.path().join("models/stance-minilm").display().to_string());
}

#[test]
fn a_copied_binary_loads_the_libtorch_beside_it() {
    // The release layout: the binary with `libtorch/` (torch/lib and nvidia/, as scripts/setup.sh
    // installs them) beside it. The loader must take libtorch from there ($ORIGIN rpath), ahead of
    // the build tree's copy.
    let dir = tempfile::tempdir().unwrap();
    let exe = dir.path().join("stance");
    std::fs::copy(env!("CARGO_BIN_EXE_stance"), &exe).unwrap();
    std::os::unix::fs::symlink(common::root().join(".libtorch"), dir.path().join("libtorch")).unwrap();
    let out = Command::new(&exe).arg("--version").env("LD_DEBUG", "libs").output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let beside = dir.path().join("libtorch/torch/lib/libtorch_cpu.so");
    assert!(
        text(&out.stderr).contains(&format!("init: {}", beside.display())),
        "libtorch_cpu.so was not loaded from {}",
        beside.display()
    );
}

/// libtorch 2.4 crashes (SIGSEGV) on an empty or zero `LRU_CACHE_CAPACITY`; stance sets its own
/// bound unless the variable holds a positive number.
#[test]
fn a_bad_kernel_cache_setting_does_not_crash() {
    for value in ["", "0", "many", "8"] {
        let out = stance(
            &["-", "--format", "jsonl", "--quiet", "--precision", "bf16"],
            Some("{\"id\": \"a\", \"text\": \"Russia spoke.\"}"),
            &[("LRU_CACHE_CAPACITY", value)],
        );
        assert_eq!(out.status.code(), Some(0), "LRU_CACHE_CAPACITY={value:?}: {}", text(&out.stderr));
    }
}
