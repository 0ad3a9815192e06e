//! Finds actor mentions in a sentence: one Aho-Corasick automaton for case-sensitive aliases and
//! one for ASCII-case-insensitive ones; matches are kept only on word boundaries (the
//! characters on both sides are not letters or digits, so "Russia's" matches "Russia" but
//! "Irani" does not match "Iran").
//!
//! Invariant: mentions come back sorted by start and never overlap; where aliases overlap, the
//! longest wins ("European Union" over "Europe", "the Kremlin" over "Kremlin").

use aho_corasick::{AhoCorasick, MatchKind};
use anyhow::{Context, Result};

use super::Lexicon;
use crate::text::span::ByteSpan;

/// One mention: where it is in the searched text (bytes), the actor's index in the lexicon, and
/// the alias.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mention {
    pub span: ByteSpan,
    pub actor: usize,
    pub alias: String,
}

pub struct ActorMatcher {
    exact: AhoCorasick,
    exact_actor: Vec<usize>,
    exact_alias: Vec<String>,
    nocase: AhoCorasick,
    nocase_actor: Vec<usize>,
    nocase_alias: Vec<String>,
}

impl ActorMatcher {
    pub fn new(lex: &Lexicon) -> Result<Self> {
        let mut exact = (vec![], vec![]);
        let mut nocase = (vec![], vec![]);
        for (i, a) in lex.actors.iter().enumerate() {
            for s in a.aliases.iter().filter(|s| !s.trim().is_empty()) {
                exact.0.push(i);
                exact.1.push(s.trim().to_string());
            }
            for s in a.nocase.iter().filter(|s| !s.trim().is_empty()) {
                nocase.0.push(i);
                nocase.1.push(s.trim().to_string());
            }
        }
        let build = |pats: &[String], ci: bool| {
            AhoCorasick::builder()
                .match_kind(MatchKind::Standard)
                .ascii_case_insensitive(ci)
                .build(pats)
                .context("cannot build the alias matcher")
        };
        Ok(ActorMatcher {
            exact: build(&exact.1, false)?,
            exact_actor: exact.0,
            exact_alias: exact.1,
            nocase: build(&nocase.1, true)?,
            nocase_actor: nocase.0,
            nocase_alias: nocase.1,
        })
    }

    /// All mentions in `text`, sorted, non-overlapping.
    pub fn find(&self, text: &str) -> Vec<Mention> {
        let mut all: Vec<Mention> = Vec::new();
        for (ac, actors, aliases) in [
            (&self.exact, &self.exact_actor, &self.exact_alias),
            (&self.nocase, &self.nocase_actor, &self.nocase_alias),
        ] {
            // Every match, overlapping ones included, so that a match rejected for its boundary
            // ("USA" inside "USAID") does not hide a shorter valid one.
            for m in ac.find_overlapping_iter(text) {
                if on_boundary(text, m.start(), m.end()) {
                    let p = m.pattern().as_usize();
                    let span = ByteSpan { start: m.start(), end: m.end() };
                    all.push(Mention { span, actor: actors[p], alias: aliases[p].clone() });
                }
            }
        }
        // Leftmost first, longest first at each start, then greedily drop overlaps.
        all.sort_by_key(|m| (m.span.start, std::cmp::Reverse(m.span.end - m.span.start), m.actor));
        let mut out: Vec<Mention> = Vec::new();
        for m in all {
            if out.last().is_none_or(|prev| m.span.start >= prev.span.end) {
                out.push(m);
            }
        }
        out
    }
}

fn on_boundary(text: &str, start: usize, end: usize) -> bool {
    let word = |c: char| c.is_alphanumeric() || c == '_';
    let before = text[..start].chars().next_back();
    let after = text[end..].chars().next();
    // The alias itself must start and end on word characters for the boundary test to mean
    // anything ("U.S." ends on '.', so a following letter is fine only if it is not glued).
    let first_word = text[start..end].chars().next().is_some_and(word);
    let last_word = text[start..end].chars().next_back().is_some_and(word);
    !(first_word && before.is_some_and(word) || last_word && after.is_some_and(word))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(text: &str) -> Vec<(String, String)> {
        let lex = Lexicon::default_actors();
        let m = ActorMatcher::new(&lex).unwrap();
        m.find(text).into_iter().map(|x| (lex.actors[x.actor].id.clone(), x.span.of(text).to_string())).collect()
    }

    fn pairs(v: &[(&str, &str)]) -> Vec<(String, String)> {
        v.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect()
    }

    #[test]
    fn case_and_word_boundaries() {
        assert_eq!(found("Let us talk to the US about USB sticks."), pairs(&[("west", "US")]));
        assert_eq!(found("Irani and Iranians"), pairs(&[("iran", "Iranians")]));
        assert_eq!(found("russia is lower case"), pairs(&[]));
    }

    #[test]
    fn possessives_and_multi_word_aliases() {
        assert_eq!(
            found("Russia's army and the European Union's rules; Vladimir Putin's Kremlin."),
            pairs(&[
                ("russia", "Russia"),
                ("west", "European Union"),
                ("russia", "Vladimir Putin"),
                ("russia", "Kremlin")
            ])
        );
        assert_eq!(found("the U.S. and the West."), pairs(&[("west", "U.S."), ("west", "the West")]));
        assert_eq!(found("People's Republic of China"), pairs(&[("china", "People's Republic of China")]));
    }

    #[test]
    fn a_rejected_long_match_does_not_hide_a_short_one() {
        // "Europeans" is an alias; "Europeanness" is not a word boundary for it nor for "Europe".
        assert_eq!(found("Europeanness matters to Europeans."), pairs(&[("west", "Europeans")]));
        assert_eq!(found("USAID and the USA"), pairs(&[("west", "USA")]));
    }

    #[test]
    fn nocase_aliases_match_any_case() {
        let lex = Lexicon {
            actors: vec![super::super::ActorConfig {
                id: "t".into(),
                name: "T".into(),
                aliases: vec![],
                nocase: vec!["erdogan".into()],
            }],
        };
        let m = ActorMatcher::new(&lex).unwrap();
        assert_eq!(m.find("ERDOGAN and Erdogan, not Erdoganism").len(), 2);
    }
}
