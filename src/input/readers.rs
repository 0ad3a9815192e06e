//! The readers: one stream (a file or stdin) in, records out, lazily. A gzip stream is
//! decompressed whatever its name, a UTF-8 byte order mark is dropped and UTF-16 is refused as a
//! whole; the format is the one named, or sniffed (`{` first: JSONL, else one text document).
//! `.txt` / `.md` are one document, JSONL one record per line, CSV one per row after the header.
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
