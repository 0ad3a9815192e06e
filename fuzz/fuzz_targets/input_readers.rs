//! The corpus readers on arbitrary bytes: JSONL, CSV, plain text and sniffed streams must never
//! panic or hang, must end, and must keep their contract: every record is a document with text or
//! an error that names the stream, and no stream gives more records than it has lines.
#![no_main]

use libfuzzer_sys::fuzz_target;
use stance::input::{read_stream, CorpusOptions, Format};

fuzz_target!(|data: &[u8]| {
    let Some((&selector, bytes)) = data.split_first() else { return };
    let format = match selector % 4 {
        0 => Some(Format::Jsonl),
        1 => Some(Format::Csv),
        2 => Some(Format::Text),
        _ => None,
    };
    let reader = Box::new(std::io::Cursor::new(bytes.to_vec()));
    let opts = CorpusOptions::default();
    // CSV also ends records at a bare carriage return (old Mac files), so count both terminators.
    let lines = bytes.iter().filter(|&&b| b == b'\n' || b == b'\r').count() + 1;
    let mut records = 0usize;
    for record in read_stream(reader, "fuzz".into(), format, &opts) {
        records += 1;
        match record {
            Ok(doc) => {
                assert!(!doc.id.is_empty());
                if let Some(d) = &doc.date {
                    assert!(stance::input::check_date(d).is_ok(), "a document came out with a bad date {d:?}");
                }
            }
            Err(e) => assert_eq!(e.source, "fuzz"),
        }
        assert!(records <= lines + 1, "more records than lines");
    }
    assert!(records >= 1, "every stream gives a document or an error");
});
