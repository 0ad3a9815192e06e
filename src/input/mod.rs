//! Reads a corpus lazily, one record at a time, from files, folders (walked recursively in sorted
//! order), and stdin: `.txt` / `.md` files are one document each (id = the path), `.jsonl` holds
//! one record per line (`id`, `author`, `date`, `title`, `text`; other fields pass through as
//! `meta`), `.csv` has a header row (column names configurable, other columns become `meta`).
//!
//! Gzip input (`.jsonl.gz`, `.csv.gz`, `.txt.gz`, or gzip on stdin) is read as its content. A UTF-8
//! byte order mark is dropped from the start of any stream; UTF-16 input is refused with one
//! error for the whole stream. Inputs named on the command line may be any readable file (`/dev/stdin`,
//! a FIFO, `<(cmd)`); without a known extension their format is sniffed as on stdin (`{` first:
//! JSONL, else one text document). Meta values keep the exact JSON text they were given.
//!
//! This file holds what a record is ([`Document`], [`InputError`]) and how to read ([`CorpusOptions`]);
//! [`sources`] expands the paths into files and stdin, and [`readers`] turns one stream into records
//! (gzip, byte order marks, sniffing, the JSONL, CSV and text readers).
//!
//! Invariant: every record the input holds comes out exactly once, either as a [`Document`] or as
//! an [`InputError`] naming the file, the line (where there is one) and the field; nothing is
//! dropped silently. Files in walked folders with other extensions, and special files there (FIFOs,
//! sockets, devices, which could block), are counted as skipped.
//!
//! Memory is bounded whatever a stream holds: a text document, a JSONL line or a CSV row larger
//! than [`CorpusOptions::max_record_bytes`] (after decompression) is reported as an error without
//! being held whole, and a text file is checked for NUL bytes before it is read further.

pub mod readers;
pub mod sources;

pub use readers::{json_error, json_message, read_stream, take_byte_order_mark, utf16_message, Encoding};
pub use sources::{input_files, read_corpus};

use std::path::Path;

use serde::{Deserialize, Serialize};

use serde_json::value::RawValue;

/// A meta value exactly as written in the input (`1e400` and 20-digit integers survive).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(transparent)]
pub struct RawJson(pub Box<RawValue>);

impl RawJson {
    /// A JSON string holding `s`.
    pub fn string(s: &str) -> Self {
        RawJson(serde_json::value::to_raw_value(s).expect("a string serializes"))
    }
    /// The JSON text.
    pub fn get(&self) -> &str {
        self.0.get()
    }
}

impl PartialEq for RawJson {
    fn eq(&self, other: &Self) -> bool {
        self.get() == other.get()
    }
}

/// Fields of a record that `stance` does not interpret, by name.
pub type Meta = std::collections::BTreeMap<String, RawJson>;

/// One document of the corpus.
#[derive(Debug, Clone, PartialEq)]
pub struct Document {
    pub id: String,
    pub author: Option<String>,
    pub date: Option<String>,
    pub title: Option<String>,
    pub text: String,
    /// Fields of the record that `stance` does not interpret, passed through.
    pub meta: Meta,
}

/// A record or file that could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputError {
    pub source: String,
    pub line: Option<usize>,
    pub message: String,
}

impl std::fmt::Display for InputError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.line {
            Some(l) => write!(f, "{}:{}: {}", self.source, l, self.message),
            None => write!(f, "{}: {}", self.source, self.message),
        }
    }
}

pub type Record = Result<Document, InputError>;

/// Formats of a source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Text,
    Jsonl,
    Csv,
}

impl Format {
    /// The format a file's extension names; `x.jsonl.gz` is JSONL (gzip is recognised by content).
    fn from_path(p: &Path) -> Option<Format> {
        let ext = |p: &Path| p.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase);
        let ext = match ext(p).as_deref() {
            Some("gz") => p.file_stem().map(Path::new).and_then(ext),
            _ => ext(p),
        };
        match ext.as_deref() {
            Some("txt" | "md" | "text" | "markdown") => Some(Format::Text),
            Some("jsonl" | "ndjson") => Some(Format::Jsonl),
            Some("csv") => Some(Format::Csv),
            _ => None,
        }
    }
}

/// CSV column names.
#[derive(Debug, Clone)]
pub struct CsvColumns {
    pub id: String,
    pub author: String,
    pub date: String,
    pub title: String,
    pub text: String,
}

impl Default for CsvColumns {
    fn default() -> Self {
        CsvColumns {
            id: "id".into(),
            author: "author".into(),
            date: "date".into(),
            title: "title".into(),
            text: "text".into(),
        }
    }
}

/// The largest document, JSONL line or CSV row read by default, in bytes (16 MiB: the longest UN
/// speech is about 100 KB, a whole novel a few MB). What bounds memory whatever the input, a
/// compressed bomb included.
pub const DEFAULT_MAX_RECORD_BYTES: usize = 16 << 20;

/// How to read the inputs.
#[derive(Debug, Clone)]
pub struct CorpusOptions {
    /// Author for records that name none (plain files, records without `author`).
    pub author: Option<String>,
    pub csv: CsvColumns,
    /// Format of stdin; `None` sniffs (`{` first: JSONL, else one text document).
    pub stdin_format: Option<Format>,
    /// The largest text document, JSONL line or CSV row, in bytes (after decompression): a bigger
    /// one is an [`InputError`] and is never held in memory whole.
    pub max_record_bytes: usize,
}

impl Default for CorpusOptions {
    fn default() -> Self {
        CorpusOptions {
            author: None,
            csv: CsvColumns::default(),
            stdin_format: None,
            max_record_bytes: DEFAULT_MAX_RECORD_BYTES,
        }
    }
}

/// What the walk found besides records.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WalkReport {
    /// Files inside walked folders skipped for their extension, or because they are special files
    /// (FIFOs, sockets, devices).
    pub skipped_files: usize,
}

fn err(source: &str, line: Option<usize>, message: impl Into<String>) -> InputError {
    InputError { source: source.to_string(), line, message: message.into() }
}

/// Days in `month` (1-12) of `year` in the proleptic Gregorian calendar.
fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        2 if year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400)) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Accepts ISO 8601 calendar dates and date-times: `YYYY`, `YYYY-MM`, `YYYY-MM-DD`, optionally
/// followed by `THH:MM[:SS[.fff]]` and `Z` or `±HH:MM`.
pub fn check_date(d: &str) -> Result<(), String> {
    let bad = || Err(format!("'{d}' is not an ISO 8601 date (YYYY-MM-DD[THH:MM[:SS]][Z|±HH:MM])"));
    let (date, time) = match d.split_once(['T', ' ']) {
        Some((a, b)) => (a, Some(b)),
        None => (d, None),
    };
    let parts: Vec<&str> = date.split('-').collect();
    let num = |s: &str, len: usize, lo: u32, hi: u32| {
        s.len() == len
            && s.bytes().all(|b| b.is_ascii_digit())
            && s.parse::<u32>().is_ok_and(|v| (lo..=hi).contains(&v))
    };
    let ok_date = match parts.as_slice() {
        [y] => num(y, 4, 0, 9999) && time.is_none(),
        [y, m] => num(y, 4, 0, 9999) && num(m, 2, 1, 12) && time.is_none(),
        [y, m, day] => {
            num(y, 4, 0, 9999)
                && num(m, 2, 1, 12)
                && num(day, 2, 1, days_in_month(y.parse().unwrap_or(0), m.parse().unwrap_or(1)))
        }
        _ => false,
    };
    if !ok_date {
        return bad();
    }
    if let Some(t) = time {
        let (clock, zone) = match t.find(['Z', '+', '-']) {
            Some(i) => t.split_at(i),
            None => (t, ""),
        };
        let c: Vec<&str> = clock.split(':').collect();
        let secs_ok = |s: &str| {
            let (whole, frac) = s.split_once('.').unwrap_or((s, "0"));
            num(whole, 2, 0, 60) && !frac.is_empty() && frac.bytes().all(|b| b.is_ascii_digit())
        };
        let ok_clock = match c.as_slice() {
            [h, m] => num(h, 2, 0, 23) && num(m, 2, 0, 59),
            [h, m, s] => num(h, 2, 0, 23) && num(m, 2, 0, 59) && secs_ok(s),
            _ => false,
        };
        let ok_zone = zone.is_empty()
            || zone == "Z"
            || (zone.len() == 6 && {
                let (h, m) = zone[1..].split_once(':').unwrap_or(("x", "x"));
                num(h, 2, 0, 23) && num(m, 2, 0, 59)
            });
        if !ok_clock || !ok_zone {
            return bad();
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_dates() {
        for ok in [
            "2024",
            "2024-02",
            "2024-02-29",
            "2000-02-29",
            "2024-01-31",
            "2024-02-29T13:05",
            "2024-02-29T13:05:09Z",
            "2024-02-29T13:05:09.123+02:00",
            "2024-02-29 13:05",
        ] {
            assert!(check_date(ok).is_ok(), "{ok}");
        }
        for bad in [
            "2020-02-30",
            "2023-02-29",
            "1900-02-29",
            "2024-04-31",
            "24-02-29",
            "2024-13-01",
            "2024/02/01",
            "yesterday",
            "2024-02-29T25:00",
            "2024-02-29T10:00+2",
            "",
        ] {
            assert!(check_date(bad).is_err(), "{bad}");
        }
    }
}
