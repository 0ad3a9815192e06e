//! `stance merge`'s reader on arbitrary partials: the bytes are written to a file and merged with
//! `Partials::open` + `merge` into the JSON output, as `stance merge p --format json` does. Before
//! that the target recomputes the totals line's checksum (when the last line is a totals line), so
//! that the fuzzer gets past the checksum to the checks behind it (records counted against the
//! totals, sums against their ranges). Checks: no panic or hang; a merge that succeeds gives JSON
//! whose every stance lies in [-1, 1] and whose every interval has its low end at most its high end.
#![no_main]

use libfuzzer_sys::fuzz_target;
#[path = "json_ranges.rs"]
mod json_ranges;
use json_ranges::check;
use serde::Deserialize;
use serde_json::value::RawValue;
use stance::output::format::{OutputFormat, SinkContext};
use stance::output::partial::LineHash;
use stance::run::partial::Partials;

#[derive(Deserialize)]
struct Totals<'a> {
    #[serde(rename = "type")]
    kind: &'a str,
    #[serde(borrow)]
    data: &'a RawValue,
}

/// The bytes with the checksum of their last line, if it is a totals line, made to match.
fn with_checksum(bytes: &[u8]) -> Vec<u8> {
    let body = bytes.strip_suffix(b"\n").unwrap_or(bytes);
    let (before, last) = match body.iter().rposition(|&b| b == b'\n') {
        Some(i) => (&body[..=i], &body[i + 1..]),
        None => (&body[..0], body),
    };
    let Ok(t) = serde_json::from_slice::<Totals>(last) else { return bytes.to_vec() };
    if t.kind != "totals" {
        return bytes.to_vec();
    }
    let mut hash = LineHash::default();
    hash.update(before);
    hash.update(t.data.get().as_bytes());
    let mut out = before.to_vec();
    out.extend_from_slice(
        format!("{{\"type\":\"totals\",\"data\":{},\"checksum\":\"{}\"}}\n", t.data.get(), hash.hex()).as_bytes(),
    );
    out
}

fuzz_target!(|data: &[u8]| {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let path = dir.path().join("p.jsonl");
    std::fs::write(&path, with_checksum(data)).expect("written");
    let paths = [path];
    let Ok(partials) = Partials::open(&paths) else { return };
    let grouping = partials.grouping().clone();
    let header = partials.header().clone();
    let mut out = Vec::new();
    let merged = {
        let cx = SinkContext { to_stdout: false, grouping: &grouping };
        let Ok(mut sink) = OutputFormat::Json.build(&mut out, &cx, || Ok(header)) else { return };
        partials.merge(sink.as_mut())
    };
    if merged.is_ok() {
        let v: serde_json::Value = serde_json::from_slice(&out).expect("a merge that succeeds writes JSON");
        check(&v);
    }
});
