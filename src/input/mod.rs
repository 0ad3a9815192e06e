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
//! Invariant: every record the input holds comes out exactly once, either as a [`Document`] or as
//! an [`InputError`] naming the file, the line (where there is one) and the field; nothing is
//! dropped silently. Files in walked folders with other extensions, and special files there (FIFOs,
//! sockets, devices, which could block), are counted as skipped.

use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use serde_json::value::RawValue;
use serde_json::Value;

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

/// How to read the inputs.
#[derive(Debug, Clone, Default)]
pub struct CorpusOptions {
    /// Author for records that name none (plain files, records without `author`).
    pub author: Option<String>,
    pub csv: CsvColumns,
    /// Format of stdin; `None` sniffs (`{` first: JSONL, else one text document).
    pub stdin_format: Option<Format>,
}

/// What the walk found besides records.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WalkReport {
    /// Files inside walked folders skipped for their extension, or because they are special files
    /// (FIFOs, sockets, devices).
    pub skipped_files: usize,
}

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

/// All records of all inputs, lazily, in input order.
pub fn read_corpus(paths: &[String], opts: &CorpusOptions) -> (Box<dyn Iterator<Item = Record>>, WalkReport) {
    let mut report = WalkReport::default();
    let sources = expand(paths, &mut report);
    let opts = opts.clone();
    let iter = sources.into_iter().flat_map(move |s| read_source(s, &opts));
    (Box::new(iter), report)
}

fn err(source: &str, line: Option<usize>, message: impl Into<String>) -> InputError {
    InputError { source: source.to_string(), line, message: message.into() }
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

/// What the first bytes of a stream say about its encoding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// UTF-8 (a byte order mark, if any, has been consumed).
    Utf8,
    /// UTF-16 (little or big endian): refused, with this name in the message.
    Utf16(&'static str),
}

/// Consumes a UTF-8 byte order mark at the start of `r`, and recognises UTF-16 by its mark.
pub fn take_byte_order_mark(r: &mut dyn BufRead) -> std::io::Result<Encoding> {
    let buf = r.fill_buf()?;
    if buf.starts_with(&[0xEF, 0xBB, 0xBF]) {
        r.consume(3);
        return Ok(Encoding::Utf8);
    }
    Ok(match buf {
        [0xFF, 0xFE, ..] => Encoding::Utf16("UTF-16LE"),
        [0xFE, 0xFF, ..] => Encoding::Utf16("UTF-16BE"),
        _ => Encoding::Utf8,
    })
}

/// The message for UTF-16 input.
pub fn utf16_message(which: &str) -> String {
    format!("the input is {which} text; stance reads UTF-8 (convert it first, e.g. iconv -f UTF-16 -t UTF-8)")
}

/// Reads one stream in `format` (`None`: JSONL if the first non-blank byte is `{`, else one text
/// document); `name` is used in ids and errors. A gzip stream (its magic bytes first, whatever
/// the name) is decompressed on the fly, concatenated members included.
pub fn read_stream(
    mut r: Box<dyn BufRead>,
    name: String,
    format: Option<Format>,
    opts: &CorpusOptions,
) -> Box<dyn Iterator<Item = Record>> {
    let opts = opts.clone();
    if r.fill_buf().is_ok_and(|b| b.starts_with(&[0x1f, 0x8b])) {
        r = Box::new(BufReader::new(flate2::bufread::MultiGzDecoder::new(r)));
    }
    match take_byte_order_mark(r.as_mut()) {
        Err(e) => return Box::new(std::iter::once(Err(err(&name, None, format!("cannot read: {e}"))))),
        Ok(Encoding::Utf16(which)) => return Box::new(std::iter::once(Err(err(&name, None, utf16_message(which))))),
        Ok(Encoding::Utf8) => {}
    }
    let format = format.unwrap_or_else(|| match r.fill_buf() {
        Ok(buf) if buf.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{') => Format::Jsonl,
        _ => Format::Text,
    });
    match format {
        Format::Text => {
            let mut bytes = Vec::new();
            let rec = match r.read_to_end(&mut bytes) {
                Err(e) => Err(err(&name, None, format!("cannot read: {e}"))),
                Ok(_) => text_document(&name, bytes, &opts),
            };
            Box::new(std::iter::once(rec))
        }
        Format::Jsonl => {
            let mut line_no = 0usize;
            let mut any = false;
            let mut done = false;
            Box::new(std::iter::from_fn(move || loop {
                if done {
                    return None;
                }
                let mut buf = Vec::new();
                line_no += 1;
                match r.read_until(b'\n', &mut buf) {
                    Err(e) => {
                        done = true;
                        return Some(Err(err(&name, Some(line_no), format!("cannot read: {e}"))));
                    }
                    Ok(0) => {
                        done = true;
                        if !any {
                            return Some(Err(err(&name, None, "empty file: no records")));
                        }
                        return None;
                    }
                    Ok(_) => {}
                }
                if buf.iter().all(u8::is_ascii_whitespace) {
                    continue;
                }
                while buf.last().is_some_and(|b| *b == b'\n' || *b == b'\r') {
                    buf.pop();
                }
                any = true;
                return Some(jsonl_record(&name, line_no, &buf, &opts));
            }))
        }
        Format::Csv => {
            let mut reader = csv::ReaderBuilder::new().flexible(false).from_reader(r);
            let headers = match reader.byte_headers() {
                Ok(h) => h.clone(),
                Err(e) => return Box::new(std::iter::once(Err(err(&name, Some(1), format!("bad CSV header: {e}"))))),
            };
            let headers: Vec<String> = headers.iter().map(|h| String::from_utf8_lossy(h).trim().to_string()).collect();
            let Some(text_col) = headers.iter().position(|h| *h == opts.csv.text) else {
                let msg = format!(
                    "CSV header has no text column '{}' (columns: {}); see --csv-text",
                    opts.csv.text,
                    headers.join(", ")
                );
                return Box::new(std::iter::once(Err(err(&name, Some(1), msg))));
            };
            let mut any = false;
            let mut finished = false;
            let mut records = reader.into_byte_records();
            Box::new(std::iter::from_fn(move || {
                if finished {
                    return None;
                }
                match records.next() {
                    None => {
                        finished = true;
                        (!any).then(|| Err(err(&name, None, "empty file: no CSV rows")))
                    }
                    Some(Err(e)) => {
                        any = true;
                        let line = e.position().map(|p| p.line() as usize);
                        Some(Err(err(&name, line, format!("bad CSV row: {e}"))))
                    }
                    Some(Ok(row)) => {
                        any = true;
                        let line = row.position().map_or(0, |p| p.line() as usize);
                        Some(csv_record(&name, line, &headers, text_col, &row, &opts))
                    }
                }
            }))
        }
    }
}

fn text_document(name: &str, bytes: Vec<u8>, opts: &CorpusOptions) -> Record {
    if bytes.iter().take(8192).any(|&b| b == 0) {
        return Err(err(name, None, "binary file (NUL bytes), not text"));
    }
    let text = match String::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            let at = e.utf8_error().valid_up_to();
            let line = e.as_bytes()[..at].iter().filter(|&&b| b == b'\n').count() + 1;
            return Err(err(name, Some(line), format!("invalid UTF-8 at byte {at}")));
        }
    };
    if text.trim().is_empty() {
        return Err(err(name, None, "empty file"));
    }
    Ok(Document { id: name.to_string(), author: opts.author.clone(), date: None, title: None, text, meta: Meta::new() })
}

/// A serde_json error's message without its "at line L column C" position.
pub fn json_message(e: &serde_json::Error) -> String {
    let full = e.to_string();
    match full.rfind(" at line ") {
        Some(i) => full[..i].to_string(),
        None => full,
    }
}

/// A serde_json error on a whole input line, without its "at line L column C" (the caller names
/// the file line), with the column kept.
pub fn json_error(e: &serde_json::Error) -> String {
    let message = json_message(e);
    if e.column() > 0 {
        format!("{message} (column {})", e.column())
    } else {
        message.to_string()
    }
}

fn jsonl_record(name: &str, line: usize, buf: &[u8], opts: &CorpusOptions) -> Record {
    let e = |m: String| err(name, Some(line), m);
    let text =
        std::str::from_utf8(buf).map_err(|x| e(format!("invalid UTF-8 at byte {} of the line", x.valid_up_to())))?;
    let mut obj: Meta = match serde_json::from_str(text) {
        Ok(o) => o,
        Err(x) if x.is_data() => return Err(e("expected a JSON object".into())),
        Err(x) => return Err(e(format!("not JSON: {}", json_error(&x)))),
    };
    // Columns of errors inside a field would count from the field's value, not the line: left out.
    let mut field = |name: &str| -> Result<Option<(Value, RawJson)>, InputError> {
        match obj.remove(name) {
            None => Ok(None),
            Some(raw) => serde_json::from_str(raw.get())
                .map(|v| Some((v, raw)))
                .map_err(|x| e(format!("field \"{name}\": {}", json_message(&x)))),
        }
    };
    let body = field("text")?.map(|(v, _)| v);
    let id = field("id")?;
    let author = field("author")?.map(|(v, _)| v);
    let date = field("date")?.map(|(v, _)| v);
    let title = field("title")?.map(|(v, _)| v);
    let body = match body {
        Some(Value::String(s)) => s,
        Some(_) => return Err(e("field \"text\": expected a string".into())),
        None => return Err(e("field \"text\": missing".into())),
    };
    let id = match id {
        Some((Value::String(s), _)) => s,
        // The number exactly as written: 24-digit ids must not round into each other.
        Some((Value::Number(_), raw)) => raw.get().to_string(),
        None | Some((Value::Null, _)) => format!("{name}:{line}"),
        Some(_) => return Err(e("field \"id\": expected a string or a number".into())),
    };
    let opt_str = |field: &str, v: Option<Value>| -> Result<Option<String>, InputError> {
        match v {
            Some(Value::String(s)) => Ok(Some(s)),
            None | Some(Value::Null) => Ok(None),
            Some(_) => Err(e(format!("field \"{field}\": expected a string"))),
        }
    };
    let author = opt_str("author", author)?.or_else(|| opts.author.clone());
    let date = opt_str("date", date)?;
    let title = opt_str("title", title)?;
    if let Some(d) = &date {
        check_date(d).map_err(|m| e(format!("field \"date\": {m}")))?;
    }
    Ok(Document { id, author, date, title, text: body, meta: obj })
}

fn csv_record(
    name: &str,
    line: usize,
    headers: &[String],
    text_col: usize,
    row: &csv::ByteRecord,
    opts: &CorpusOptions,
) -> Record {
    let e = |m: String| err(name, Some(line), m);
    let mut fields = Vec::with_capacity(row.len());
    for (i, f) in row.iter().enumerate() {
        let s = std::str::from_utf8(f)
            .map_err(|_| e(format!("field \"{}\": invalid UTF-8", headers.get(i).map_or("?", String::as_str))))?;
        fields.push(s.to_string());
    }
    let col =
        |n: &str| headers.iter().position(|h| h == n).and_then(|i| fields.get(i)).filter(|v| !v.is_empty()).cloned();
    let date = col(&opts.csv.date);
    if let Some(d) = &date {
        check_date(d).map_err(|m| e(format!("field \"{}\": {m}", opts.csv.date)))?;
    }
    let known = [&opts.csv.id, &opts.csv.author, &opts.csv.date, &opts.csv.title, &opts.csv.text];
    let meta = headers
        .iter()
        .zip(&fields)
        .filter(|(h, _)| !known.contains(h))
        .map(|(h, v)| (h.clone(), RawJson::string(v)))
        .collect();
    Ok(Document {
        id: col(&opts.csv.id).unwrap_or_else(|| format!("{name}:{line}")),
        author: col(&opts.csv.author).or_else(|| opts.author.clone()),
        date,
        title: col(&opts.csv.title),
        text: fields[text_col].clone(),
        meta,
    })
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
        [y, m, day] => num(y, 4, 0, 9999) && num(m, 2, 1, 12) && num(day, 2, 1, 31),
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
            "2024-02-29T13:05",
            "2024-02-29T13:05:09Z",
            "2024-02-29T13:05:09.123+02:00",
            "2024-02-29 13:05",
        ] {
            assert!(check_date(ok).is_ok(), "{ok}");
        }
        for bad in ["24-02-29", "2024-13-01", "2024/02/01", "yesterday", "2024-02-29T25:00", "2024-02-29T10:00+2", ""] {
            assert!(check_date(bad).is_err(), "{bad}");
        }
    }
}
