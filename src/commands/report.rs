//! `stance report`: the dashboard page (src/output/page/) from a saved analysis and, where there is
//! one, a comparison. (`stance analyze --format html` writes the same page through the page's sink.)

use std::io::BufReader;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use serde::de::IgnoredAny;
use serde::Deserialize;

#[derive(clap::Args)]
pub struct ReportArgs {
    /// The output of `stance analyze --format json` (`-` for stdin).
    pub analysis: PathBuf,
    /// The output of `stance compare --format json` over the same documents: the page shows its
    /// tests beside the two groups chosen.
    #[arg(long, value_name = "FILE")]
    pub compare: Option<PathBuf>,
    /// Write the page here instead of stdout.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// An analysis read without its documents (the page does not show them, and they are most of a
/// large file).
#[derive(Deserialize)]
struct WithoutDocuments {
    #[serde(default, rename = "documents")]
    _documents: Option<IgnoredAny>,
    #[serde(flatten)]
    rest: serde_json::Map<String, serde_json::Value>,
}

fn read_json<T: for<'de> Deserialize<'de>>(p: &PathBuf) -> Result<T> {
    let name = p.display();
    if p.as_os_str() == "-" {
        return serde_json::from_reader(BufReader::new(std::io::stdin().lock())).context("<stdin>: not JSON");
    }
    let f = std::fs::File::open(p).with_context(|| format!("{name}: cannot open"))?;
    serde_json::from_reader(BufReader::new(f)).with_context(|| format!("{name}: not the JSON expected"))
}

/// A comparison fits an analysis when it is `stance compare` JSON grouped by the analysis's keys or
/// by some of them (a comparison by party fits an analysis by party and decade, whose party groups
/// it tests; a comparison by party beside an analysis by decade alone would label the page's tests
/// wrongly).
fn check_compare(analysis: &serde_json::Value, compare: &serde_json::Value) -> Result<()> {
    anyhow::ensure!(
        compare.get("kind").and_then(|k| k.as_str()) == Some("stance-compare")
            && compare.get("comparisons").is_some_and(|c| c.is_array()),
        "no \"comparisons\" array of kind \"stance-compare\": make it with `stance compare --format json`"
    );
    let analysis_by = analysis.get("grouping").and_then(|g| g.get("by"));
    let compare_by = compare.get("by");
    let keys = |v: Option<&serde_json::Value>| -> Option<Vec<String>> {
        v?.as_array()?.iter().map(|k| k.as_str().map(str::to_string)).collect()
    };
    let fits = analysis_by.is_none()
        || matches!((keys(analysis_by), keys(compare_by)),
                    (Some(a), Some(c)) if !c.is_empty() && c.iter().all(|k| a.contains(k)));
    anyhow::ensure!(
        fits,
        "it compares groups by {} and the analysis groups by {}: run `stance compare` with the analysis's --by",
        compare_by.map_or("nothing".into(), |v| v.to_string()),
        analysis_by.map_or("nothing".into(), |v| v.to_string())
    );
    Ok(())
}

pub fn run(a: ReportArgs) -> Result<ExitCode> {
    let analysis: WithoutDocuments = read_json(&a.analysis)?;
    let analysis = serde_json::Value::Object(analysis.rest);
    let compare: Option<serde_json::Value> = a.compare.as_ref().map(read_json).transpose()?;
    if let (Some(c), Some(path)) = (&compare, &a.compare) {
        check_compare(&analysis, c)
            .with_context(|| format!("{}: not a comparison of this analysis", path.display()))?;
    }
    let page = stance::output::page::render(&analysis, compare.as_ref())
        .with_context(|| format!("{}: not the output of `stance analyze --format json`", a.analysis.display()))?;
    // As every other output: written beside the path and renamed into place only when complete
    // (a full disk or a kill never leaves a page that looks finished), never through a symlink.
    let inputs: Vec<&std::path::Path> = std::iter::once(a.analysis.as_path()).chain(a.compare.as_deref()).collect();
    super::with_output(a.output.as_ref(), &inputs, |out| {
        out.write_all(page.as_bytes()).context("cannot write the page")?;
        Ok(())
    })?;
    Ok(ExitCode::SUCCESS)
}
