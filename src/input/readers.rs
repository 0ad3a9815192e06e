//! The readers: one stream (a file or stdin) in, records out, lazily. A gzip stream is
//! decompressed whatever its name, a UTF-8 byte order mark is dropped and UTF-16 is refused as a
//! whole; the format is the one named, or sniffed (`{` first: JSONL, else one text document).
//! `.txt` / `.md` are one document, JSONL one record per line (`JsonlRecords`), CSV one per row
//! after the header (`CsvRecords`); [`read_stream`] opens the stream, then hands it to the reader.
//!
//! Invariant: every line (or row, or text) of a stream becomes one record, a document or an error
//! naming the stream and the line.

use std::io::{BufRead, BufReader, Read};

use serde_json::Value;

use super::{check_date, err, CorpusOptions, Document, Format, InputError, Meta, RawJson, Record};

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
    r: Box<dyn BufRead>,
    name: String,
    format: Option<Format>,
    opts: &CorpusOptions,
) -> Box<dyn Iterator<Item = Record>> {
    let opts = opts.clone();
    let (mut r, format) = match open_stream(r, &name, format) {
        Ok(opened) => opened,
        Err(e) => return Box::new(std::iter::once(Err(e))),
    };
    match format {
        Format::Text => Box::new(std::iter::once(read_text(r.as_mut(), &name, &opts))),
        Format::Jsonl => Box::new(JsonlRecords::new(r, name, opts)),
        Format::Csv => match CsvRecords::new(r, name, opts) {
            Ok(records) => Box::new(records),
            Err(e) => Box::new(std::iter::once(Err(e))),
        },
    }
}

/// Readies a stream to be read: decompresses gzip, drops a UTF-8 byte order mark, refuses UTF-16,
/// and settles the format (`None`: sniffed from the first non-blank byte).
fn open_stream(
    mut r: Box<dyn BufRead>,
    name: &str,
    format: Option<Format>,
) -> Result<(Box<dyn BufRead>, Format), InputError> {
    if r.fill_buf().is_ok_and(|b| b.starts_with(&[0x1f, 0x8b])) {
        r = Box::new(BufReader::new(flate2::bufread::MultiGzDecoder::new(r)));
    }
    match take_byte_order_mark(r.as_mut()) {
        Err(e) => return Err(err(name, None, format!("cannot read: {e}"))),
        Ok(Encoding::Utf16(which)) => return Err(err(name, None, utf16_message(which))),
        Ok(Encoding::Utf8) => {}
    }
    let format = format.unwrap_or_else(|| match r.fill_buf() {
        Ok(buf) if buf.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{') => Format::Jsonl,
        _ => Format::Text,
    });
    Ok((r, format))
}

/// The records of a JSONL stream, one per non-blank line; a line over `--max-record-bytes` is an
/// error and the next line is read; a stream without a record is one error.
struct JsonlRecords {
    r: Box<dyn BufRead>,
    name: String,
    opts: CorpusOptions,
    line_no: usize,
    /// Whether a line has been read (a record or an error).
    any: bool,
    done: bool,
}

impl JsonlRecords {
    fn new(r: Box<dyn BufRead>, name: String, opts: CorpusOptions) -> Self {
        JsonlRecords { r, name, opts, line_no: 0, any: false, done: false }
    }
}

impl Iterator for JsonlRecords {
    type Item = Record;

    fn next(&mut self) -> Option<Record> {
        let limit = self.opts.max_record_bytes;
        loop {
            if self.done {
                return None;
            }
            let mut buf = Vec::new();
            self.line_no += 1;
            match read_line_bounded(self.r.as_mut(), &mut buf, limit) {
                Err(e) => {
                    self.done = true;
                    return Some(Err(err(&self.name, Some(self.line_no), format!("cannot read: {e}"))));
                }
                Ok(Line::End) => {
                    self.done = true;
                    if !self.any {
                        return Some(Err(err(&self.name, None, "empty file: no records")));
                    }
                    return None;
                }
                Ok(Line::TooLong) => {
                    self.any = true;
                    return Some(Err(err(&self.name, Some(self.line_no), too_large("line", limit))));
                }
                Ok(Line::Read) => {}
            }
            if buf.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            while buf.last().is_some_and(|b| *b == b'\n' || *b == b'\r') {
                buf.pop();
            }
            self.any = true;
            return Some(jsonl_record(&self.name, self.line_no, &buf, &self.opts));
        }
    }
}

/// The records of a CSV stream, one per row after the header. The CSV reader holds a row whole
/// while it parses it, so the bytes it may take are metered: each row may read `limit` bytes past
/// the end of what the previous one read, and a row over it ends the file with an error.
struct CsvRecords {
    records: csv::ByteRecordsIntoIter<MeteredRead<Box<dyn BufRead>>>,
    meter: std::rc::Rc<Metered>,
    headers: Vec<String>,
    text_col: usize,
    name: String,
    opts: CorpusOptions,
    /// Whether a row has been read (a record or an error).
    any: bool,
    finished: bool,
    /// The last line of the last row read (rows may hold newlines in quoted fields).
    last_line: usize,
}

impl CsvRecords {
    /// Reads the header; an error names line 1 when it cannot be read or has no text column.
    fn new(r: Box<dyn BufRead>, name: String, opts: CorpusOptions) -> Result<Self, InputError> {
        let limit = opts.max_record_bytes;
        let meter = std::rc::Rc::new(Metered::default());
        meter.allow(limit);
        let metered = MeteredRead { inner: r, meter: meter.clone() };
        let mut reader = csv::ReaderBuilder::new().flexible(false).from_reader(metered);
        let headers = match reader.byte_headers() {
            Ok(h) => h.clone(),
            Err(e) => return Err(err(&name, Some(1), format!("bad CSV header: {e}"))),
        };
        let headers: Vec<String> = headers.iter().map(|h| String::from_utf8_lossy(h).trim().to_string()).collect();
        let Some(text_col) = headers.iter().position(|h| *h == opts.csv.text) else {
            let msg = format!(
                "CSV header has no text column '{}' (columns: {}); see --csv-text",
                opts.csv.text,
                headers.join(", ")
            );
            return Err(err(&name, Some(1), msg));
        };
        meter.allow(limit);
        let records = reader.into_byte_records();
        Ok(CsvRecords { records, meter, headers, text_col, name, opts, any: false, finished: false, last_line: 1 })
    }
}

impl Iterator for CsvRecords {
    type Item = Record;

    fn next(&mut self) -> Option<Record> {
        if self.finished {
            return None;
        }
        let limit = self.opts.max_record_bytes;
        let next = self.records.next();
        self.meter.allow(limit);
        match next {
            None => {
                self.finished = true;
                (!self.any).then(|| Err(err(&self.name, None, "empty file: no CSV rows")))
            }
            Some(Err(_)) if self.meter.exceeded.get() => {
                // The row cannot be skipped safely (a quoted field may hold newlines), so the file
                // ends here, and says so.
                self.finished = true;
                let message = format!("{}; the rest of this file is not read", too_large("CSV row", limit));
                Some(Err(err(&self.name, Some(self.last_line + 1), message)))
            }
            Some(Err(e)) => {
                self.any = true;
                let line = e.position().map(|p| p.line() as usize);
                Some(Err(err(&self.name, line, format!("bad CSV row: {e}"))))
            }
            Some(Ok(row)) => {
                self.any = true;
                let line = row.position().map_or(0, |p| p.line() as usize);
                self.last_line = line + row.iter().map(|f| f.iter().filter(|&&b| b == b'\n').count()).sum::<usize>();
                Some(csv_record(&self.name, line, &self.headers, self.text_col, &row, &self.opts))
            }
        }
    }
}

/// The message for a record over the size limit.
fn too_large(what: &str, limit: usize) -> String {
    format!("{what} larger than {limit} bytes (--max-record-bytes), not read")
}

/// Reads one text document: NUL bytes in its first buffer refuse it before anything else is read
/// (a compressed bomb of zeros stops here), and more than `max_record_bytes` refuses it without
/// holding more than that.
fn read_text(r: &mut dyn BufRead, name: &str, opts: &CorpusOptions) -> Record {
    match r.fill_buf() {
        Err(e) => return Err(err(name, None, format!("cannot read: {e}"))),
        Ok(head) if head.contains(&0) => return Err(err(name, None, "binary file (NUL bytes), not text")),
        Ok(_) => {}
    }
    let limit = opts.max_record_bytes;
    let mut bytes = Vec::new();
    if let Err(e) = r.take(limit as u64 + 1).read_to_end(&mut bytes) {
        return Err(err(name, None, format!("cannot read: {e}")));
    }
    if bytes.len() > limit {
        return Err(err(name, None, too_large("document", limit)));
    }
    text_document(name, bytes, opts)
}

/// What [`read_line_bounded`] found.
enum Line {
    /// A line (with its line ending) is in the buffer.
    Read,
    /// The line was longer than the limit: it was read to its end and dropped.
    TooLong,
    /// The stream has ended.
    End,
}

/// `read_until(b'\n')` that never holds more than `limit` bytes of a line (plus its `\r\n`): a
/// longer line is consumed to its end and reported as [`Line::TooLong`].
fn read_line_bounded(r: &mut dyn BufRead, buf: &mut Vec<u8>, limit: usize) -> std::io::Result<Line> {
    let (mut read, mut over) = (0usize, false);
    loop {
        let avail = match r.fill_buf() {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if avail.is_empty() {
            break;
        }
        let (used, done) = match avail.iter().position(|&b| b == b'\n') {
            Some(i) => (i + 1, true),
            None => (avail.len(), false),
        };
        if !over {
            if buf.len() + used > limit.saturating_add(2) {
                over = true;
                *buf = Vec::new();
            } else {
                buf.extend_from_slice(&avail[..used]);
            }
        }
        r.consume(used);
        read += used;
        if done {
            break;
        }
    }
    Ok(if read == 0 {
        Line::End
    } else if over {
        Line::TooLong
    } else {
        Line::Read
    })
}

/// How many bytes a [`MeteredRead`] may still hand out, and whether it refused.
#[derive(Default)]
struct Metered {
    given: std::cell::Cell<u64>,
    allowed: std::cell::Cell<u64>,
    exceeded: std::cell::Cell<bool>,
}

impl Metered {
    /// Allows `more` bytes past what has been handed out so far.
    fn allow(&self, more: usize) {
        self.allowed.set(self.given.get().saturating_add(more as u64));
    }
}

/// A reader that fails once it has handed out more than its [`Metered`] allows.
struct MeteredRead<R> {
    inner: R,
    meter: std::rc::Rc<Metered>,
}

impl<R: Read> Read for MeteredRead<R> {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        let m = &self.meter;
        let room = m.allowed.get().saturating_sub(m.given.get());
        if room == 0 {
            m.exceeded.set(true);
            return Err(std::io::Error::other("record over the size limit"));
        }
        let n = out.len().min(usize::try_from(room).unwrap_or(usize::MAX));
        let got = self.inner.read(&mut out[..n])?;
        m.given.set(m.given.get() + got as u64);
        Ok(got)
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
    // A year given as a JSON number (`"date": 1947`) is the year; any other number is refused.
    let date = match date {
        Some(Value::Number(n)) if n.as_u64().is_some_and(|y| (1000..=9999).contains(&y)) => Some(n.to_string()),
        Some(Value::Number(_)) => {
            return Err(e("field \"date\": a number is taken only as a year (1000-9999); \
             give other dates as ISO 8601 strings"
                .into()))
        }
        other => opt_str("date", other)?,
    };
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

#[cfg(test)]
mod tests {
    use super::*;

    fn read(bytes: &'static [u8], format: Format, limit: usize) -> Vec<Record> {
        let opts = CorpusOptions { max_record_bytes: limit, ..CorpusOptions::default() };
        read_stream(Box::new(BufReader::with_capacity(16, bytes)), "in".into(), Some(format), &opts).collect()
    }

    fn message(r: &Record) -> String {
        r.as_ref().map(|d| format!("document {}", d.id)).unwrap_or_else(|e| e.to_string())
    }

    #[test]
    fn a_text_over_the_limit_is_refused_and_one_at_it_is_read() {
        let at = read(b"Russia agreed.", Format::Text, 14);
        assert_eq!(at[0].as_ref().unwrap().text, "Russia agreed.");
        let over = read(b"Russia agreed.", Format::Text, 13);
        assert_eq!(message(&over[0]), "in: document larger than 13 bytes (--max-record-bytes), not read");
    }

    #[test]
    fn nul_bytes_refuse_a_text_before_it_is_read() {
        let got = read(b"\0\0\0\0", Format::Text, 2);
        assert_eq!(message(&got[0]), "in: binary file (NUL bytes), not text");
    }

    #[test]
    fn a_jsonl_line_over_the_limit_is_one_error_and_the_next_lines_are_read() {
        let input = b"{\"id\":\"a\",\"text\":\"x\"}\r\n{\"id\":\"b\",\"text\":\"a long line, longer than the limit\"}\n{\"id\":\"c\",\"text\":\"y\"}";
        let got: Vec<String> = read(input, Format::Jsonl, 24).iter().map(message).collect();
        assert_eq!(got, ["document a", "in:2: line larger than 24 bytes (--max-record-bytes), not read", "document c"]);
    }

    #[test]
    fn a_csv_row_over_the_limit_ends_the_file_with_an_error_that_says_so() {
        let input = b"id,text\na,short\nb,\"a quoted field\nwith a newline, longer than the limit of the test\"\nc,never read\n";
        let got: Vec<String> = read(input, Format::Csv, 40).iter().map(message).collect();
        assert_eq!(
            got,
            [
                "document a",
                "in:3: CSV row larger than 40 bytes (--max-record-bytes), not read; the rest of this file is not read"
            ]
        );
        let all: Vec<String> = read(input, Format::Csv, 4096).iter().map(message).collect();
        assert_eq!(all, ["document a", "document b", "document c"]);
    }

    #[test]
    fn a_year_given_as_a_number_is_the_date() {
        let got = read(b"{\"text\":\"x\",\"date\":1947}\n{\"text\":\"x\",\"date\":19.5}\n", Format::Jsonl, 1000);
        assert_eq!(got[0].as_ref().unwrap().date.as_deref(), Some("1947"));
        assert!(message(&got[1]).contains("field \"date\": a number is taken only as a year"), "{}", message(&got[1]));
    }
}
