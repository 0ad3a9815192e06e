//! The dashboard page: `stance report ANALYSIS.json` and `stance analyze --format html` write one
//! self-contained HTML file (src/output/page/) from an analysis and, where there is one, a comparison.

use std::io::{BufReader, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use serde::de::IgnoredAny;
use serde::Deserialize;

use stance::aggregate::compare::{compare, CompareSettings, Gathered, DEFAULT_MAX_PAIRS};
use stance::aggregate::groups::Grouping;
use stance::aggregate::stats::CompareOptions;
use stance::input::InputError;
use stance::output::{ActorInfo, Closing, DocumentReport, JsonSink, Sink};

/// Groups that the page of `analyze --format html` compares (every pair), the largest by documents.
pub const PAGE_COMPARED_GROUPS: usize = 20;

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

pub fn run(a: ReportArgs) -> Result<ExitCode> {
    let analysis: WithoutDocuments = read_json(&a.analysis)?;
    let analysis = serde_json::Value::Object(analysis.rest);
    let compare: Option<serde_json::Value> = a.compare.as_ref().map(read_json).transpose()?;
    let page = stance::output::page::render(&analysis, compare.as_ref())
        .with_context(|| format!("{}: not the output of `stance analyze --format json`", a.analysis.display()))?;
    match &a.output {
        Some(p) => std::fs::write(p, page).with_context(|| format!("{}: cannot write", p.display()))?,
        None => {
            let mut out = std::io::stdout().lock();
            out.write_all(page.as_bytes())?;
            out.flush()?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `analyze --format html`: keeps the analysis (without its documents) and the per-document
/// numbers a comparison needs, and writes the page when the run ends.
pub struct HtmlSink<W: Write> {
    out: W,
    json: JsonSink<Vec<u8>>,
    gathered: Gathered,
}

impl<W: Write> HtmlSink<W> {
    pub fn new(out: W, grouping: Grouping) -> Self {
        HtmlSink { out, json: JsonSink::new(Vec::new()), gathered: Gathered::new(grouping) }
    }
}

impl<W: Write> Sink for HtmlSink<W> {
    fn begin(&mut self, actors: &[ActorInfo]) -> Result<()> {
        self.gathered.begin(actors)?;
        self.json.begin(actors)
    }
    fn document(&mut self, d: &DocumentReport) -> Result<()> {
        self.gathered.document(d)
    }
    fn error(&mut self, e: &InputError) -> Result<()> {
        self.json.error(e)
    }
    fn finish(&mut self, end: &Closing) -> Result<()> {
        self.json.finish(end)?;
        let json = std::mem::take(self.json.get_mut());
        let analysis: serde_json::Value = serde_json::from_slice(&json)?;
        let mut largest: Vec<_> = end.groups.iter().filter(|g| g.documents > 0).collect();
        largest.sort_by(|a, b| b.documents.cmp(&a.documents).then_with(|| a.key.cmp(&b.key)));
        let groups: Vec<String> = largest.iter().take(PAGE_COMPARED_GROUPS).map(|g| g.label.clone()).collect();
        let compared = if groups.len() >= 2 {
            let settings =
                CompareSettings { statistics: CompareOptions::default(), groups, max_pairs: DEFAULT_MAX_PAIRS };
            Some(serde_json::to_value(compare(&self.gathered, &settings)?)?)
        } else {
            None
        };
        self.out.write_all(stance::output::page::render(&analysis, compared.as_ref())?.as_bytes())?;
        self.out.flush()?;
        Ok(())
    }
}
