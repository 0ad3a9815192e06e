//! The text stage: a document's text in, sentences and actor mentions out, every one of them an
//! offset into the original text rather than a copy. [`segment`] splits sentences (byte spans),
//! [`actors`] holds the lexicon and finds mentions in a sentence, and [`span`] holds the two kinds
//! of offset (bytes, Unicode characters) and the one conversion between them.
//!
//! Invariant: every span this stage hands on is a valid slice of the text it came from.

pub mod actors;
pub mod segment;
pub mod span;
