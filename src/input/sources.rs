//! Where records come from: the paths named on the command line expanded into sources (folders
//! walked recursively in sorted order; `-` is stdin; a missing path is one error), each opened and
//! handed to [`super::readers::read_stream`].
//!
//! Invariant: sources come out in the order named, a folder's files in sorted order, and a file in
//! a walked folder that is not read (another extension, a FIFO, socket or device) is counted in
//! [`WalkReport::skipped_files`].

use std::fs::File;
use std::io::BufReader;
use std::path::{Path, PathBuf};

use super::readers::read_stream;
use super::{err, CorpusOptions, Format, Record, WalkReport};

/// An input named on the command line, expanded.
enum Source {
    /// A file and its format (`None`: sniff the content).
    File(PathBuf, Option<Format>),
    Stdin,
    Missing(String, String),
}

/// Expands paths into sources: folders are walked in sorted order.
fn expand(paths: &[String], report: &mut WalkReport) -> Vec<Source> {
    let mut out = Vec::new();
    for p in paths {
        if p == "-" {
            out.push(Source::Stdin);
            continue;
        }
        let path = Path::new(p);
        if path.is_dir() {
            let walker = walkdir::WalkDir::new(path).sort_by_file_name().follow_links(true);
            for entry in walker {
                match entry {
                    Ok(e) if e.file_type().is_file() => match Format::from_path(e.path()) {
                        Some(f) => out.push(Source::File(e.path().to_path_buf(), Some(f))),
                        None => report.skipped_files += 1,
                    },
                    Ok(e) if e.file_type().is_dir() => {}
                    // FIFOs, sockets, devices: opening one could block or never end.
                    Ok(_) => report.skipped_files += 1,
                    Err(err) => out.push(Source::Missing(
                        err.path().map_or(p.clone(), |x| x.display().to_string()),
                        format!("cannot walk: {err}"),
                    )),
                }
            }
        } else if path.exists() {
            // Named by the user: read it whatever kind of file it is (FIFO, /dev/stdin, <(cmd)).
            out.push(Source::File(path.to_path_buf(), Format::from_path(path)));
        } else {
            out.push(Source::Missing(p.clone(), "no such file or folder".into()));
        }
    }
    out
}

/// The files the inputs name, folders walked, in the order [`read_corpus`] reads them (stdin,
/// missing paths and skipped files left out): what a checkpoint identifies its inputs by.
pub fn input_files(paths: &[String]) -> Vec<PathBuf> {
    let mut report = WalkReport::default();
    expand(paths, &mut report)
        .into_iter()
        .filter_map(|s| match s {
            Source::File(p, _) => Some(p),
            _ => None,
        })
        .collect()
}

/// All records of all inputs, lazily, in input order.
pub fn read_corpus(paths: &[String], opts: &CorpusOptions) -> (Box<dyn Iterator<Item = Record>>, WalkReport) {
    let mut report = WalkReport::default();
    let sources = expand(paths, &mut report);
    let opts = opts.clone();
    let iter = sources.into_iter().flat_map(move |s| read_source(s, &opts));
    (Box::new(iter), report)
}

fn read_source(source: Source, opts: &CorpusOptions) -> Box<dyn Iterator<Item = Record>> {
    match source {
        Source::Missing(name, why) => Box::new(std::iter::once(Err(err(&name, None, why)))),
        Source::File(path, format) => {
            let name = path.display().to_string();
            match File::open(&path) {
                Err(e) => Box::new(std::iter::once(Err(err(&name, None, format!("cannot open: {e}"))))),
                Ok(f) => read_stream(Box::new(BufReader::new(f)), name, format, opts),
            }
        }
        Source::Stdin => {
            read_stream(Box::new(BufReader::new(std::io::stdin())), "<stdin>".into(), opts.stdin_format, opts)
        }
    }
}
