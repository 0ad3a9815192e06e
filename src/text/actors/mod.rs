//! Actors and their aliases: the lexicon (an embedded default for Russia, China, Iran and the West,
//! extended or replaced by a user's TOML file) and the matcher that finds every mention in a
//! sentence with the alias that matched.
//!
//! Invariant: actor ids are unique, and [`Lexicon::actors`] keeps a stable order (defaults first, in
//! file order, then the user's new actors), which is the order of every output.

pub mod matcher;

use std::path::Path;

use anyhow::{bail, Context, Result};
use serde::{Deserialize, Serialize};

pub use matcher::{ActorMatcher, Mention};

/// The embedded default lexicon.
pub const DEFAULT_LEXICON: &str = include_str!("default.toml");

/// One actor as written in a lexicon file.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ActorConfig {
    /// Stable id used as the key in JSON output (lowercase letters, digits, `_`, `-`).
    pub id: String,
    /// Display name.
    pub name: String,
    /// Case-sensitive aliases.
    #[serde(default)]
    pub aliases: Vec<String>,
    /// Aliases matched in any ASCII case.
    #[serde(default)]
    pub nocase: Vec<String>,
}

/// A lexicon file: `mode = "extend"` (default: add actors, replacing defaults with the same id) or
/// `mode = "replace"` (use only this file's actors), then `[[actor]]` tables.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LexiconFile {
    #[serde(default)]
    pub mode: Mode,
    #[serde(default, rename = "actor")]
    pub actors: Vec<ActorConfig>,
}

#[derive(Debug, Clone, Copy, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    #[default]
    Extend,
    Replace,
}

/// The actors of a run.
#[derive(Debug, Clone, PartialEq)]
pub struct Lexicon {
    pub actors: Vec<ActorConfig>,
}

/// An actor as every later stage names it: its id and display name (the `actors` list of the
/// output, a comparison and a partial's header).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActorInfo {
    pub id: String,
    pub name: String,
}

impl Lexicon {
    /// The actors' ids and names, in lexicon order.
    pub fn infos(&self) -> Vec<ActorInfo> {
        self.actors.iter().map(|a| ActorInfo { id: a.id.clone(), name: a.name.clone() }).collect()
    }

    /// The embedded defaults.
    pub fn default_actors() -> Self {
        let file: LexiconFile = toml::from_str(DEFAULT_LEXICON).expect("embedded lexicon parses");
        Lexicon { actors: file.actors }
    }

    /// The defaults combined with the TOML file at `path` (see [`LexiconFile`]).
    pub fn with_file(path: &Path) -> Result<Self> {
        let text =
            std::fs::read_to_string(path).with_context(|| format!("{}: cannot read actors file", path.display()))?;
        let file: LexiconFile =
            toml::from_str(&text).with_context(|| format!("{}: bad actors file", path.display()))?;
        // The user's entries are checked and named by their place in the user's file.
        for (i, a) in file.actors.iter().enumerate() {
            let entry = || format!("{}: [[actor]] entry {} (id '{}')", path.display(), i + 1, a.id);
            check_actor(a).with_context(entry)?;
            if let Some(j) = file.actors[..i].iter().position(|b| b.id == a.id) {
                bail!(
                    "{}: field \"id\": '{}' is already the id of entry {}; each actor needs its own id",
                    entry(),
                    a.id,
                    j + 1
                );
            }
        }
        let mut lex = if file.mode == Mode::Replace { Lexicon { actors: vec![] } } else { Self::default_actors() };
        for a in file.actors {
            match lex.actors.iter_mut().find(|x| x.id == a.id) {
                Some(existing) => *existing = a,
                None => lex.actors.push(a),
            }
        }
        lex.validate().with_context(|| format!("{}: bad actors file", path.display()))?;
        Ok(lex)
    }

    fn validate(&self) -> Result<()> {
        if self.actors.is_empty() {
            bail!("no actors defined");
        }
        for (i, a) in self.actors.iter().enumerate() {
            check_actor(a).with_context(|| format!("actor {} (id '{}')", i + 1, a.id))?;
            if self.actors[..i].iter().any(|b| b.id == a.id) {
                bail!("actor {}: field \"id\": '{}' is defined twice", i + 1, a.id);
            }
        }
        Ok(())
    }

    /// One message per alias that two actors claim: the matcher gives its mentions to the actor
    /// that comes first, so the second never sees them.
    pub fn shared_aliases(&self) -> Vec<String> {
        let mut out = Vec::new();
        // (alias, matched in any ASCII case)
        let forms = |a: &ActorConfig| -> Vec<(String, bool)> {
            let exact = a.aliases.iter().map(|s| (s.trim().to_string(), false));
            let nocase = a.nocase.iter().map(|s| (s.trim().to_string(), true));
            exact.chain(nocase).filter(|(s, _)| !s.is_empty()).collect()
        };
        let clash = |(x, x_any): &(String, bool), (y, y_any): &(String, bool)| {
            if *x_any || *y_any {
                x.eq_ignore_ascii_case(y)
            } else {
                x == y
            }
        };
        for (i, a) in self.actors.iter().enumerate() {
            let mine = forms(a);
            for b in &self.actors[i + 1..] {
                for theirs in forms(b) {
                    if mine.iter().any(|m| clash(m, &theirs)) {
                        out.push(format!(
                            "alias '{}' is claimed by both '{}' and '{}'; a mention that matches both goes to '{}'",
                            theirs.0, a.id, b.id, a.id
                        ));
                    }
                }
            }
        }
        out
    }
}

/// Checks one actor entry on its own: its id's form and that it has an alias.
fn check_actor(a: &ActorConfig) -> Result<()> {
    if a.id.is_empty() || !a.id.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-') {
        bail!("field \"id\": '{}' must be lowercase letters, digits, '_' or '-'", a.id);
    }
    if a.aliases.iter().chain(&a.nocase).all(|s| s.trim().is_empty()) {
        bail!("field \"aliases\": needs at least one non-empty alias");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shared_aliases_are_found_in_any_case_where_one_side_ignores_case() {
        let mut lex = Lexicon::default_actors();
        assert!(lex.shared_aliases().is_empty(), "{:?}", lex.shared_aliases());
        lex.actors.push(ActorConfig {
            id: "k".into(),
            name: "K".into(),
            aliases: vec!["Moscow".into()],
            nocase: vec!["TEHRAN".into()],
        });
        let w = lex.shared_aliases();
        assert!(w.iter().any(|m| m.contains("'Moscow'") && m.contains("'russia' and 'k'")), "{w:?}");
        assert!(w.iter().any(|m| m.contains("'TEHRAN'") && m.contains("'iran'")), "{w:?}");
    }

    #[test]
    fn defaults_have_the_four_actors() {
        let ids: Vec<String> = Lexicon::default_actors().actors.into_iter().map(|a| a.id).collect();
        assert_eq!(ids, vec!["russia", "china", "iran", "west"]);
        Lexicon::default_actors().validate().unwrap();
    }

    #[test]
    fn user_file_extends_or_replaces() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.toml");
        std::fs::write(&p, "[[actor]]\nid = \"china\"\nname = \"PRC\"\naliases = [\"PRC\"]\n[[actor]]\nid = \"turkey\"\nname = \"Turkey\"\naliases = [\"Turkey\", \"Ankara\"]\nnocase = [\"erdogan\"]\n").unwrap();
        let lex = Lexicon::with_file(&p).unwrap();
        let ids: Vec<&str> = lex.actors.iter().map(|a| a.id.as_str()).collect();
        assert_eq!(ids, vec!["russia", "china", "iran", "west", "turkey"]);
        assert_eq!(lex.actors[1].aliases, vec!["PRC"]);
        std::fs::write(
            &p,
            "mode = \"replace\"\n[[actor]]\nid = \"turkey\"\nname = \"Turkey\"\naliases = [\"Turkey\"]\n",
        )
        .unwrap();
        assert_eq!(Lexicon::with_file(&p).unwrap().actors.len(), 1);
    }

    #[test]
    fn bad_files_name_the_problem() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("bad.toml");
        std::fs::write(&p, "[[actor]]\nid = \"Bad Id\"\nname = \"x\"\naliases = [\"x\"]\n").unwrap();
        let e = format!("{:#}", Lexicon::with_file(&p).unwrap_err());
        assert!(e.contains("bad.toml") && e.contains("\"id\""), "{e}");
        std::fs::write(&p, "[[actor]]\nid = \"x\"\nname = \"x\"\nalias = [\"x\"]\n").unwrap();
        let e = format!("{:#}", Lexicon::with_file(&p).unwrap_err());
        assert!(e.contains("bad.toml") && e.contains("alias"), "{e}");
    }
}
