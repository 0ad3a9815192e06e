//! The dashboard page: one self-contained HTML file (`page.html`, inline CSS, JavaScript and SVG
//! charts, no network) that shows the output of `stance analyze` and, optionally, of
//! `stance compare`. [`render`] takes the analyze JSON and the compare JSON as values and returns
//! the page as a string, with the data embedded as `{"analysis", "compare", "generator"}` in a
//! `<script type="application/json">` element. The analysis goes in without its `documents` array,
//! so the page grows with the number of groups, not with the corpus.
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

/// The page template; [`PLACEHOLDER`] marks where the data goes.
const TEMPLATE: &str = include_str!("page.html");
/// Occurs exactly once in [`TEMPLATE`], inside `<script type="application/json" id="stance-data">`.
const PLACEHOLDER: &str = "__STANCE_DATA__";
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
    let json = script_safe(&serde_json::to_string(&Value::Object(data))?);
    Ok(TEMPLATE.replacen(PLACEHOLDER, &json, 1))
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

    #[test]
    fn template_has_one_placeholder_and_loads_nothing() {
        assert_eq!(TEMPLATE.matches(PLACEHOLDER).count(), 1);
        assert!(TEMPLATE.contains(&format!("{OPEN}{PLACEHOLDER}</script>")));
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
