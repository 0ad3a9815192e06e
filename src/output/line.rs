//! The one line format of stance's JSON Lines: every line of `analyze --format jsonl` and of a
//! partial (`--format partial`, a checkpoint's `partial.jsonl`) is an object
//!
//! ```text
//! {"type": kind, "data": ...}                      keys in this order
//! {"type": "totals", "data": ..., "checksum": hex}  a partial's last line only
//! ```
//!
//! as ripgrep's JSON Lines messages are. [`Line`] is the envelope every writer writes and every
//! reader (`stance merge`, a checkpoint resumed, `stance compare --analysis`) decodes, and
//! [`LineKind`] names the kinds, so readers match on variants, not on strings. A kind that no
//! format has is kept as written ([`LineKind::Other`]), for the error that names it.
//!
//! Invariant: a line is written as `type`, `data`, then `checksum` when there is one, so the bytes
//! do not depend on who writes them, and a partial's checksum, computed over those bytes, holds.

use std::io::Write;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// One line: its kind, its data and, on a partial's totals line only, the checksum of the lines
/// before it.
#[derive(Debug, Serialize, Deserialize)]
pub struct Line<D> {
    #[serde(rename = "type")]
    pub kind: LineKind,
    pub data: D,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checksum: Option<String>,
}

impl<D> Line<D> {
    /// A line without a checksum.
    pub fn new(kind: LineKind, data: D) -> Self {
        Line { kind, data, checksum: None }
    }
}

impl<D: Serialize> Line<D> {
    /// Writes the line and its newline.
    pub fn write(&self, mut out: impl Write) -> anyhow::Result<()> {
        serde_json::to_writer(&mut out, self)?;
        out.write_all(b"\n")?;
        Ok(())
    }
}

/// The kinds of line: those of `--format jsonl` (`header`, `document`, `error`, `author`,
/// `grouping`, `group`, `corpus`, `summary`) and of a partial (`partial`, `document`, `error`,
/// `totals`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LineKind {
    /// A partial's first line: its [`crate::output::partial::PartialHeader`].
    Partial,
    /// `--format jsonl`'s first line: the schema version and the actors.
    Header,
    Document,
    Error,
    Author,
    Grouping,
    Group,
    Corpus,
    Summary,
    /// A partial's last line: its sums, and the checksum.
    Totals,
    /// A kind no format has, as it was written.
    Other(String),
}

impl LineKind {
    const NAMED: [LineKind; 10] = [
        LineKind::Partial,
        LineKind::Header,
        LineKind::Document,
        LineKind::Error,
        LineKind::Author,
        LineKind::Grouping,
        LineKind::Group,
        LineKind::Corpus,
        LineKind::Summary,
        LineKind::Totals,
    ];

    /// The kind as written in `type`.
    pub fn name(&self) -> &str {
        match self {
            LineKind::Partial => "partial",
            LineKind::Header => "header",
            LineKind::Document => "document",
            LineKind::Error => "error",
            LineKind::Author => "author",
            LineKind::Grouping => "grouping",
            LineKind::Group => "group",
            LineKind::Corpus => "corpus",
            LineKind::Summary => "summary",
            LineKind::Totals => "totals",
            LineKind::Other(name) => name,
        }
    }

    /// The kind written as `name`.
    pub fn from_name(name: String) -> Self {
        Self::NAMED.into_iter().find(|k| k.name() == name).unwrap_or(LineKind::Other(name))
    }
}

impl std::fmt::Display for LineKind {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl Serialize for LineKind {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

/// Any string is a kind (an unknown one is [`LineKind::Other`]), so a reader decides what a kind
/// it does not take means; a `type` that is not a string is an error, as for a `String`.
impl<'de> Deserialize<'de> for LineKind {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d).map(LineKind::from_name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::value::RawValue;

    #[test]
    fn every_kind_reads_back_as_itself_and_others_keep_their_name() {
        for kind in LineKind::NAMED.into_iter().chain([LineKind::Other("note".into())]) {
            let text = serde_json::to_string(&kind).unwrap();
            assert_eq!(text, format!("\"{}\"", kind.name()));
            assert_eq!(serde_json::from_str::<LineKind>(&text).unwrap(), kind);
        }
        let err = serde_json::from_str::<Line<Box<RawValue>>>(r#"{"type": 5, "data": 1}"#).unwrap_err();
        assert_eq!(err.to_string(), "invalid type: integer `5`, expected a string at line 1 column 10");
    }

    #[test]
    fn keys_are_written_type_data_checksum() {
        let mut out = Vec::new();
        Line::new(LineKind::Document, serde_json::json!({"id": "a"})).write(&mut out).unwrap();
        let totals = Line { kind: LineKind::Totals, data: 1, checksum: Some("00ff".into()) };
        totals.write(&mut out).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "{\"type\":\"document\",\"data\":{\"id\":\"a\"}}\n{\"type\":\"totals\",\"data\":1,\"checksum\":\"00ff\"}\n"
        );
    }
}
