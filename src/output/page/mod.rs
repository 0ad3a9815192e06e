//! The dashboard page: one self-contained HTML file (`page.html`, inline CSS, JavaScript and SVG
//! charts, no network) that shows the output of `stance analyze` and, optionally, of
//! `stance compare`. [`render`] takes the analyze JSON and the compare JSON as values and returns
//! the page as a string, with the data embedded as `{"analysis", "compare", "generator"}` in a
//! `<script type="application/json">` element. The analysis goes in without its `documents` array,
//! so the page grows with the number of groups, not with the corpus.
//!
//! Where the groups are states (a grouping key whose values are mostly ISO 3166-1 alpha-3 codes,
//! [`state_key`]), the page also carries a world map: the vendored borders, the country table and
//! the TopoJSON decoder of `vendor/` (about 140 kB, `scripts/page/fetch-map.sh`), in a second JSON
//! element (`{"key", "countries", "world"}`, else `null`) and a script element. Other pages do not
//! carry them.
//!
//! [`HtmlSink`] is `stance analyze --format html`: it writes the page at the end of a run.
//!
//! Invariant: the page shows the JSON's numbers as given and never runs corpus text as HTML. The
//! embedded JSON cannot close its `<script>` element (`<`, `>`, `&`, U+2028 and U+2029 are written
//! as `\u` escapes), and the page's script inserts every text of the data with `textContent`.

use std::io::Write;

use anyhow::{bail, Context, Result};
use serde_json::{Map, Value};

use crate::aggregate::compare::{compare, CompareSettings, Gathered, DEFAULT_MAX_PAIRS};
use crate::aggregate::groups::Grouping;
use crate::aggregate::stats::CompareOptions;
use crate::input::InputError;
use crate::output::{ActorInfo, Closing, DocumentReport, JsonSink, Sink};

/// The page template; [`PLACEHOLDER`] marks where the data goes, [`MAP_PLACEHOLDER`] and
/// [`DECODER_PLACEHOLDER`] where the map goes.
const TEMPLATE: &str = include_str!("page.html");
/// Occurs exactly once in [`TEMPLATE`], inside `<script type="application/json" id="stance-data">`.
const PLACEHOLDER: &str = "__STANCE_DATA__";
/// Occurs exactly once in [`TEMPLATE`], inside `<script type="application/json" id="stance-map">`.
const MAP_PLACEHOLDER: &str = "__STANCE_MAP__";
/// Occurs exactly once in [`TEMPLATE`], as the whole of a `<script>` element (a comment, so that
/// the template runs as it is).
const DECODER_PLACEHOLDER: &str = "/*__STANCE_TOPOJSON__*/";
/// Natural Earth 1:110m borders as TopoJSON (world-atlas 2.0.2), ids ISO 3166-1 numeric.
const WORLD: &str = include_str!("vendor/countries-110m.json");
/// ISO alpha-3 -> numeric, name, region (world-countries 5.1.0, ODbL-1.0, and former codes).
const COUNTRIES: &str = include_str!("vendor/countries.json");
/// topojson-client 3.1.0, which turns [`WORLD`] into shapes in the page.
const DECODER: &str = include_str!("vendor/topojson-client.min.js");
/// Names the program that made a page.
pub const GENERATOR: &str = concat!("stance ", env!("CARGO_PKG_VERSION"));

/// The page for an analysis (`stance analyze --format json`) and, when given, a comparison
/// (`stance compare --format json`). Fails when the analysis lacks the `groups` or `actors` array,
/// or when the comparison lacks `comparisons`.
pub fn render(analysis: &Value, compare: Option<&Value>) -> Result<String> {
    let fields = analysis.as_object().context("the analysis is not a JSON object")?;
    for field in ["groups", "actors"] {
        if !fields.get(field).is_some_and(Value::is_array) {
            bail!("the analysis has no \"{field}\" array: make it with `stance analyze --format json`");
        }
    }
    if let Some(c) = compare {
        if !c.get("comparisons").is_some_and(Value::is_array) {
            bail!("the comparison has no \"comparisons\" array: make it with `stance compare --format json`");
        }
    }
    let trimmed: Map<String, Value> =
        fields.iter().filter(|(k, _)| k.as_str() != "documents").map(|(k, v)| (k.clone(), v.clone())).collect();
    let mut data = Map::new();
    data.insert("analysis".into(), Value::Object(trimmed));
    data.insert("compare".into(), compare.cloned().unwrap_or(Value::Null));
    data.insert("generator".into(), Value::String(GENERATOR.into()));
    let map = match state_key(&data["analysis"]) {
        Some(key) => format!(
            "{{\"key\":{},\"countries\":{},\"world\":{}}}",
            script_safe(&serde_json::to_string(&key)?),
            COUNTRIES.trim(),
            WORLD.trim()
        ),
        None => "null".to_string(),
    };
    let decoder = if map == "null" { "" } else { DECODER };
    let json = script_safe(&serde_json::to_string(&Value::Object(data))?);
    Ok(fill(&[(PLACEHOLDER, &json), (MAP_PLACEHOLDER, &map), (DECODER_PLACEHOLDER, decoder)]))
}

/// [`TEMPLATE`] with each placeholder (each occurs once) replaced by its text. Replaced at their
/// places in the template, so a placeholder's name inside the data is left alone.
fn fill(parts: &[(&str, &str)]) -> String {
    let mut at: Vec<(usize, &str, &str)> = parts
        .iter()
        .map(|(name, text)| (TEMPLATE.find(name).expect("the template holds each placeholder"), *name, *text))
        .collect();
    at.sort_by_key(|p| p.0);
    let mut out = String::with_capacity(TEMPLATE.len() + parts.iter().map(|p| p.1.len()).sum::<usize>());
    let mut pos = 0;
    for (start, name, text) in at {
        out.push_str(&TEMPLATE[pos..start]);
        out.push_str(text);
        pos = start + name.len();
    }
    out.push_str(&TEMPLATE[pos..]);
    out
}

/// The ISO 3166-1 alpha-3 codes (and former codes) of the vendored country table.
fn state_codes() -> &'static std::collections::HashSet<String> {
    static CODES: std::sync::OnceLock<std::collections::HashSet<String>> = std::sync::OnceLock::new();
    CODES.get_or_init(|| {
        let table: Value = serde_json::from_str(COUNTRIES).expect("the vendored country table is JSON");
        table["rows"]
            .as_array()
            .expect("the country table has rows")
            .iter()
            .filter_map(|r| r[0].as_str().map(String::from))
            .collect()
    })
}

/// The grouping key whose values are states: the first key, not a time bucket, of which at least
/// half the distinct values among the groups with documents are codes of the country table. `None`
/// where there is none (then the page has no map).
pub fn state_key(analysis: &Value) -> Option<String> {
    let by: Vec<&str> = analysis["grouping"]["by"].as_array()?.iter().filter_map(Value::as_str).collect();
    let groups = analysis["groups"].as_array()?;
    let codes = state_codes();
    by.iter().enumerate().filter(|(_, name)| !name.starts_with("date:")).find_map(|(k, name)| {
        let values: std::collections::BTreeSet<&str> = groups
            .iter()
            .filter(|g| g["documents"].as_u64().unwrap_or(0) > 0)
            .filter_map(|g| g["key"].get(k).and_then(Value::as_str))
            .collect();
        let known = values.iter().filter(|v| codes.contains(**v)).count();
        (known > 0 && 2 * known >= values.len()).then(|| name.to_string())
    })
}

/// JSON text that can sit inside a `<script>` element: the characters that could end the element
/// or start markup, and the two line separators older parsers reject, as `\u` escapes. They occur
/// only inside JSON strings, where the escapes mean the same characters.
fn script_safe(json: &str) -> String {
    let mut out = String::with_capacity(json.len() + json.len() / 16);
    for c in json.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c => out.push(c),
        }
    }
    out
}

/// Groups that the page of `analyze --format html` compares (every pair), the largest by documents.
pub const PAGE_COMPARED_GROUPS: usize = 20;

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
            let settings = CompareSettings {
                statistics: CompareOptions::default(),
                groups,
                max_pairs: DEFAULT_MAX_PAIRS,
                mode: Default::default(),
            };
            Some(serde_json::to_value(compare(&self.gathered, &settings)?)?)
        } else {
            None
        };
        self.out.write_all(render(&analysis, compared.as_ref())?.as_bytes())?;
        self.out.flush()?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const OPEN: &str = "<script type=\"application/json\" id=\"stance-data\">";

    fn analysis(text: &str) -> Value {
        let evidence = json!({"document": "d1", "record": 1, "start": 0, "end": text.chars().count(), "text": text,
                              "aliases": ["Russia"], "stance": -0.8});
        let profile = json!({"mentions": 1, "sentences": 1, "documents": 1, "stance": -0.8, "sd": 0.0,
                             "ci95": [-1.0, 0.2], "distribution": {"against": 0.85, "neutral": 0.1, "favor": 0.05},
                             "label": "against", "sentiment": {"negative": 0.7, "neutral": 0.2, "positive": 0.1},
                             "evidence": {"against": [evidence], "favor": []}});
        json!({
            "schema_version": 1,
            "actors": [{"id": "russia", "name": "Russia"}],
            "documents": [{"id": "d1", "record": 1, "meta": {}, "sentences": 1, "actor_sentences": 1, "mentions": 1,
                           "actors": {"russia": profile}}],
            "corpus": {"documents": 1, "sentences": 1, "actor_sentences": 1, "mentions": 1, "actors": {"russia": profile}},
            "grouping": {"by": ["author"], "documents_without_group": 0, "missing": {"author": 0}},
            "groups": [{"key": ["A"], "label": "A", "documents": 1, "actors": {"russia": profile}}],
        })
    }

    /// The data embedded in a page, parsed back.
    fn embedded(page: &str) -> Value {
        let start = page.find(OPEN).expect("data element") + OPEN.len();
        let end = start + page[start..].find("</script>").expect("end of the data element");
        serde_json::from_str(&page[start..end]).expect("embedded JSON parses")
    }

    /// An analysis grouped by `by`, one group per key (one document each, `russia` at -0.5).
    fn grouped(by: &[&str], keys: &[&[&str]]) -> Value {
        let mut a = analysis("Russia said no.");
        let profile = a["groups"][0]["actors"]["russia"].clone();
        a["grouping"]["by"] = json!(by);
        a["groups"] = keys
            .iter()
            .map(|k| json!({"key": k, "label": k.join(" · "), "documents": 1, "actors": {"russia": profile}}))
            .collect();
        a
    }

    /// The map element of a page, parsed back.
    fn embedded_map(page: &str) -> Value {
        let open = "<script type=\"application/json\" id=\"stance-map\">";
        let start = page.find(open).expect("map element") + open.len();
        let end = start + page[start..].find("</script>").expect("end of the map element");
        serde_json::from_str(&page[start..end]).expect("the map element parses")
    }

    #[test]
    fn template_has_one_placeholder_and_loads_nothing() {
        assert_eq!(TEMPLATE.matches(PLACEHOLDER).count(), 1);
        assert!(TEMPLATE.contains(&format!("{OPEN}{PLACEHOLDER}</script>")));
        assert_eq!(TEMPLATE.matches(MAP_PLACEHOLDER).count(), 1);
        assert!(TEMPLATE
            .contains(&format!("<script type=\"application/json\" id=\"stance-map\">{MAP_PLACEHOLDER}</script>")));
        assert_eq!(TEMPLATE.matches(DECODER_PLACEHOLDER).count(), 1);
        assert!(TEMPLATE.contains(&format!("<script>{DECODER_PLACEHOLDER}</script>")));
        for external in ["src=\"http", "href=\"http", "url(http", "@import", "<link rel=\"stylesheet\"", "//cdn"] {
            assert!(!TEMPLATE.contains(external), "the template loads something: {external}");
        }
    }

    #[test]
    fn script_end_in_evidence_text_is_escaped() {
        let text = "Russia </script><script>alert(1)</script> & <!-- \u{2028}\u{2029} end";
        let page = render(&analysis(text), None).unwrap();
        assert_eq!(page.matches("</script>").count(), TEMPLATE.matches("</script>").count());
        assert!(!page.contains("<script>alert(1)"));
        assert!(page.contains("\\u003c/script\\u003e\\u003cscript\\u003ealert(1)"));
        assert!(page.contains("\\u0026 \\u003c!-- \\u2028\\u2029 end"));
        assert!(!page.contains('\u{2028}') && !page.contains('\u{2029}'));
        let data = embedded(&page);
        assert_eq!(data["analysis"]["groups"][0]["actors"]["russia"]["evidence"]["against"][0]["text"], text);
    }

    #[test]
    fn the_vendored_map_files_can_sit_in_a_script_element() {
        for (name, text) in [("countries-110m.json", WORLD), ("countries.json", COUNTRIES)] {
            assert_eq!(script_safe(text), text, "{name} holds a character the page must escape");
            serde_json::from_str::<Value>(text).unwrap_or_else(|e| panic!("{name}: {e}"));
        }
        for text in [WORLD, COUNTRIES, DECODER] {
            let lower = text.to_lowercase();
            for bad in ["</script", "<!--", "<script", "http:", "https:", "//cdn"] {
                assert!(!lower.contains(bad), "a vendored map file holds {bad}");
            }
        }
        let world: Value = serde_json::from_str(WORLD).unwrap();
        assert!(world["objects"]["countries"]["geometries"].as_array().unwrap().len() >= 170);
        let table: Value = serde_json::from_str(COUNTRIES).unwrap();
        let row = |code: &str| table["rows"].as_array().unwrap().iter().find(|r| r[0] == code).cloned();
        assert_eq!(row("RUS").unwrap()[1], "643");
        assert_eq!(row("RUS").unwrap()[2], "Russia");
        for former in ["CSK", "DDR", "YUG", "YMD", "SUN", "EU"] {
            let r = row(former).unwrap_or_else(|| panic!("{former} is not in the country table"));
            assert_eq!(r[1], "", "{former} has no border");
            assert!(!r[8].as_str().unwrap().is_empty(), "{former} has a note saying what it is");
        }
        assert!(DECODER.starts_with("/* topojson-client 3.1.0"));
    }

    #[test]
    fn a_page_of_states_carries_the_map_and_other_pages_do_not() {
        let states = grouped(&["author", "date:decade"], &[&["RUS", "1980s"], &["USA", "1980s"], &["EU", "2010s"]]);
        let page = render(&states, None).unwrap();
        let map = embedded_map(&page);
        assert_eq!(map["key"], "author");
        assert!(map["countries"]["rows"].as_array().unwrap().len() > 250);
        assert_eq!(map["world"]["type"], "Topology");
        assert!(page.contains(DECODER) && !page.contains(DECODER_PLACEHOLDER) && !page.contains(MAP_PLACEHOLDER));
        assert_eq!(page.matches("http").count(), TEMPLATE.matches("http").count(), "the map names no address");
        assert!(page.len() < TEMPLATE.len() + 150_000, "the map adds {} bytes", page.len() - TEMPLATE.len());
        assert_eq!(embedded(&page)["analysis"]["groups"], states["groups"]);

        // Not states: no map, no decoder.
        let page = render(&analysis("Russia said no."), None).unwrap();
        assert_eq!(embedded_map(&page), Value::Null);
        assert!(!page.contains(DECODER) && !page.contains(MAP_PLACEHOLDER));
        // The key of states is found where it is, never a time bucket; codes must be at least half.
        assert_eq!(
            state_key(&grouped(&["date:year", "meta.iso"], &[&["1990", "FRA"], &["1991", "DEU"]])),
            Some("meta.iso".into())
        );
        assert_eq!(
            state_key(&grouped(&["meta.party", "author"], &[&["Labour", "GBR"], &["Tory", "IRL"]])),
            Some("author".into())
        );
        assert_eq!(state_key(&grouped(&["author"], &[&["USA"], &["Jane Doe"], &["John Roe"]])), None);
        assert_eq!(state_key(&grouped(&["author"], &[&["USA"], &["RUS"], &["Jane Doe"]])), Some("author".into()));
        assert_eq!(state_key(&grouped(&["author"], &[&["usa"], &["rus"]])), None, "codes are upper case");
        let mut empty = grouped(&["author"], &[&["Jane Doe"], &["USA"], &["RUS"], &["CHN"]]);
        for g in empty["groups"].as_array_mut().unwrap().iter_mut().skip(1) {
            g["documents"] = json!(0);
        }
        assert_eq!(state_key(&empty), None, "groups without documents do not count");
    }

    #[test]
    fn placeholder_names_in_the_data_are_left_alone() {
        let text = "Russia: __STANCE_MAP__ /*__STANCE_TOPOJSON__*/ __STANCE_DATA__";
        let mut states = grouped(&["author"], &[&["RUS"], &["USA"]]);
        states["groups"][0]["actors"]["russia"]["evidence"]["against"][0]["text"] = json!(text);
        let page = render(&states, None).unwrap();
        assert_eq!(
            embedded(&page)["analysis"]["groups"][0]["actors"]["russia"]["evidence"]["against"][0]["text"],
            text
        );
        assert_eq!(embedded_map(&page)["key"], "author");
        assert_eq!(page.matches(DECODER).count(), 1);
    }

    #[test]
    fn documents_are_dropped_and_the_rest_kept() {
        let a = analysis("Russia said no.");
        let c = json!({"kind": "stance-compare", "by": ["author"], "comparisons": []});
        let data = embedded(&render(&a, Some(&c)).unwrap());
        assert!(data["analysis"].get("documents").is_none());
        let mut without = a.clone();
        without.as_object_mut().unwrap().remove("documents");
        assert_eq!(data["analysis"], without);
        assert_eq!(data["compare"], c);
        assert_eq!(data["generator"], GENERATOR);
        assert_eq!(embedded(&render(&a, None).unwrap())["compare"], Value::Null);
    }

    #[test]
    fn missing_groups_or_actors_is_an_error() {
        for field in ["groups", "actors"] {
            let mut a = analysis("Russia.");
            a.as_object_mut().unwrap().remove(field);
            let err = render(&a, None).unwrap_err().to_string();
            assert!(err.contains(field), "{err}");
        }
        assert!(render(&json!([1, 2]), None).is_err());
        assert!(render(&analysis("Russia."), Some(&json!({"groups": []}))).is_err());
    }
}
