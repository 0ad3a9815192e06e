//! `stance eval`: the model's figures on labelled files, as JSON on stdout.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;

use super::ModelArgs;
use stance::model::Precision;
use stance::run::ModelSetup;

/// A split of the actor-stance corpus, as a flag value.
#[derive(Clone, Copy, clap::ValueEnum)]
pub enum SplitArg {
    Train,
    Validation,
    Test,
}

impl From<SplitArg> for stance::datasets::actor_corpus::Split {
    fn from(s: SplitArg) -> Self {
        use stance::datasets::actor_corpus::Split;
        match s {
            SplitArg::Train => Split::Train,
            SplitArg::Validation => Split::Validation,
            SplitArg::Test => Split::Test,
        }
    }
}

pub fn run(files: Vec<PathBuf>, split: SplitArg, model: ModelArgs) -> Result<ExitCode> {
    // fp32 unless asked: the model card's figures. One model, so no worker layout to warn about.
    let setup = ModelSetup::resolve(&model.flags(None), Precision::Fp32, &mut Vec::new());
    let m = setup.load()?;
    let mut out = Vec::new();
    for f in &files {
        out.push(stance::eval::evaluate_file(&m, f, setup.policy, split.into())?);
    }
    let mut stdout = std::io::stdout().lock();
    let report = serde_json::json!({"model": setup.dir.display().to_string(), "results": out});
    writeln!(stdout, "{}", serde_json::to_string_pretty(&report)?)?;
    Ok(ExitCode::SUCCESS)
}
