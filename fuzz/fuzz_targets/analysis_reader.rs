//! The readers of saved analyses on arbitrary bytes: `stance compare --analysis` (JSON or JSON
//! Lines, streamed into a `Gathered` and compared with few resamples, every group against the rest)
//! and `stance report` (the JSON rendered into the page). The first byte chooses the grouping.
//! Checks: no panic or hang; a comparison that succeeds has p-values in [0, 1] and intervals whose
//! low end is at most the high end; a page that renders is one HTML document.
#![no_main]

use libfuzzer_sys::fuzz_target;
#[path = "json_ranges.rs"]
mod json_ranges;
use json_ranges::check;
use stance::aggregate::compare::{compare, CompareMode, CompareSettings, Gathered};
use stance::aggregate::groups::Grouping;
use stance::aggregate::stats::CompareOptions;
use stance::output::compare::read_analysis;

fuzz_target!(|data: &[u8]| {
    let Some((&selector, bytes)) = data.split_first() else { return };
    let by: &[&str] = match selector % 3 {
        0 => &["author"],
        1 => &["date:year"],
        _ => &["author", "date:decade"],
    };
    let names: Vec<String> = by.iter().map(|s| s.to_string()).collect();
    let grouping = Grouping::from_names(&names).expect("a grouping");
    let mut gathered = Gathered::new(grouping);
    if read_analysis(std::io::Cursor::new(bytes), "fuzz", &mut gathered).is_ok() {
        let settings = CompareSettings {
            statistics: CompareOptions { resamples: 20, min_sentences: 1, min_documents: 1, ..Default::default() },
            groups: Vec::new(),
            max_pairs: 50,
            mode: CompareMode::VsRest,
        };
        if let Ok(report) = compare(&gathered, &settings) {
            check(&serde_json::to_value(&report).expect("a report serializes"));
        }
    }
    if let Ok(analysis) = serde_json::from_slice::<serde_json::Value>(bytes) {
        if let Ok(page) = stance::output::page::render(&analysis, None) {
            assert_eq!(page.matches("</html>").count(), 1, "one HTML document");
        }
    }
});
