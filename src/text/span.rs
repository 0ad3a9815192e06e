//! Spans of text in the two units the pipeline uses: bytes (what Rust slices, what the segmenter and
//! the actor matcher return) and Unicode characters (what `stance score` takes, what the model's
//! target spans and the JSON output use). One converter turns the first into the second.
//!
//! Invariant: a [`ByteSpan`] of a text lies on character boundaries; [`CharOffsets`] converts
//! offsets given in ascending order in one forward walk, so converting every span of a text costs
//! one pass over it.

/// A range of a text in bytes, end exclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ByteSpan {
    pub start: usize,
    pub end: usize,
}

/// A range of a text in Unicode characters (scalar values), end exclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CharSpan {
    pub start: usize,
    pub end: usize,
}

impl ByteSpan {
    /// The spanned text.
    pub fn of<'t>(&self, text: &'t str) -> &'t str {
        &text[self.start..self.end]
    }
}

impl CharSpan {
    /// The character span of the first occurrence of `needle` in `text`.
    pub fn find(text: &str, needle: &str) -> Option<CharSpan> {
        let start = text.find(needle)?;
        Some(CharOffsets::new(text).span(ByteSpan { start, end: start + needle.len() }))
    }
}

/// Converts byte offsets of one text into character offsets, walking forward.
pub struct CharOffsets<'t> {
    text: &'t str,
    byte: usize,
    chars: usize,
}

impl<'t> CharOffsets<'t> {
    pub fn new(text: &'t str) -> Self {
        CharOffsets { text, byte: 0, chars: 0 }
    }

    /// The character offset of byte offset `byte`. Offsets must come in ascending order (an earlier
    /// one restarts the walk from the start of the text).
    pub fn at(&mut self, byte: usize) -> usize {
        if byte < self.byte {
            (self.byte, self.chars) = (0, 0);
        }
        self.chars += self.text[self.byte..byte].chars().count();
        self.byte = byte;
        self.chars
    }

    /// `span` in characters.
    pub fn span(&mut self, span: ByteSpan) -> CharSpan {
        let start = self.at(span.start);
        CharSpan { start, end: self.at(span.end) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn byte_spans_become_character_spans() {
        let text = "Пекин и Вашингтон, and Russia";
        let mut c = CharOffsets::new(text);
        let moscow = ByteSpan { start: text.find("Вашингтон").unwrap(), end: text.find(',').unwrap() };
        assert_eq!(c.span(moscow), CharSpan { start: 8, end: 17 });
        let russia = ByteSpan { start: text.find("Russia").unwrap(), end: text.len() };
        assert_eq!(c.span(russia), CharSpan { start: 23, end: 29 });
        // Going back restarts the walk rather than miscounting.
        assert_eq!(c.at(0), 0);
        assert_eq!(CharSpan::find(text, "Russia"), Some(CharSpan { start: 23, end: 29 }));
        assert_eq!(moscow.of(text), "Вашингтон");
    }
}
