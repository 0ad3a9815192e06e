//! `stance score`: sentences with given target spans in (JSONL), one scored line per input line
//! out, in order (src/score/lines.rs has the line formats).

use std::io::{BufReader, IsTerminal};
use std::process::ExitCode;

use anyhow::{Context, Result};
use indicatif::{ProgressBar, ProgressDrawTarget};

use super::{rate_style, ModelArgs, WorkerArgs};
use stance::model::Precision;
use stance::output::escape_controls;
use stance::run::ModelSetup;

pub fn run(input: String, model: ModelArgs, workers: WorkerArgs, quiet: bool) -> Result<ExitCode> {
    let mut warnings = Vec::new();
    let setup = ModelSetup::resolve(&model.flags(Some(&workers)), Precision::Auto, &mut warnings);
    for w in &warnings {
        say!("stance: warning: {w}");
    }
    let scorer = setup.scorer()?;
    let stdout = std::io::stdout().lock();
    let bar = if quiet || !std::io::stderr().is_terminal() {
        ProgressBar::hidden()
    } else {
        let b = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
        b.set_style(rate_style("{spinner} {pos} sentences scored ({rate})"));
        b
    };
    let mut errors = |msg: &str| bar.suspend(|| say!("stance: {}", escape_controls(msg)));
    let mut progress = |n: usize| bar.inc(n as u64);
    let summary = if input == "-" {
        let stdin = std::io::stdin().lock();
        stance::score::lines::score_stream(&scorer, stdin, stdout, "<stdin>", &mut errors, &mut progress)?
    } else {
        let f = std::fs::File::open(&input).with_context(|| format!("{input}: cannot open"))?;
        stance::score::lines::score_stream(&scorer, BufReader::new(f), stdout, &input, &mut errors, &mut progress)?
    };
    bar.finish_and_clear();
    if !quiet {
        say!(
            "stance: {} lines, {} scored ({} targets), {} failed ({})",
            summary.lines,
            summary.scored,
            summary.targets,
            summary.failed,
            scorer.precision().name()
        );
    }
    Ok(if summary.failed > 0 { ExitCode::from(1) } else { ExitCode::SUCCESS })
}
