//! Spans of text in the two units the pipeline uses: bytes (what Rust slices, what the segmenter and
//! the actor matcher return) and Unicode characters (what `stance score` takes, what the model's
//! target spans and the JSON output use). Code that crosses from one unit to the other does it here,
//! never by hand with `Vec<char>` or `chars().skip().take()`.
//!
//! Invariant: a [`ByteSpan`] of a text lies on character boundaries; [`CharOffsets`] converts
//! offsets given in ascending order in one forward walk, so converting every span of a text costs
//! one pass over it. [`CharSpan::bytes`] goes the other way, for one span, and says `None` for a
//! span that is not inside the text.

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
    /// The span in bytes of `text`, or `None` when it ends past the text or starts after it ends.
    pub fn bytes(&self, text: &str) -> Option<ByteSpan> {
        if self.start > self.end {
            return None;
        }
        // The byte offset of every character boundary, the end of the text included.
        let mut bounds = text.char_indices().map(|(b, _)| b).chain(std::iter::once(text.len()));
        let start = bounds.nth(self.start)?;
        let end = if self.end == self.start { start } else { bounds.nth(self.end - self.start - 1)? };
        Some(ByteSpan { start, end })
    }

    /// The spanned text, or `None` when the span is not inside it (see [`CharSpan::bytes`]).
    pub fn of<'t>(&self, text: &'t str) -> Option<&'t str> {
        self.bytes(text).map(|b| b.of(text))
    }

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

    #[test]
    fn character_spans_become_byte_spans() {
        let text = "Пекин и Вашингтон, and Russia";
        let moscow = CharSpan { start: 8, end: 17 };
        assert_eq!(moscow.bytes(text), Some(ByteSpan { start: 14, end: 32 }));
        assert_eq!(moscow.of(text), Some("Вашингтон"));
        assert_eq!(CharSpan { start: 23, end: 29 }.of(text), Some("Russia"), "a span to the very end");
        assert_eq!(CharSpan { start: 29, end: 29 }.of(text), Some(""));
        assert_eq!(CharSpan { start: 0, end: 0 }.bytes(""), Some(ByteSpan { start: 0, end: 0 }));
        assert_eq!(CharSpan { start: 23, end: 30 }.bytes(text), None, "past the end");
        assert_eq!(CharSpan { start: 30, end: 30 }.bytes(text), None);
        assert_eq!(CharSpan { start: 5, end: 4 }.bytes(text), None, "reversed");
        // The round trip, on every span of a text with characters of 1 to 4 bytes.
        let text = "aé€😀b";
        let n = text.chars().count();
        for start in 0..=n {
            for end in start..=n {
                let b = CharSpan { start, end }.bytes(text).unwrap();
                assert_eq!(CharOffsets::new(text).span(b), CharSpan { start, end });
                assert_eq!(b.of(text), text.chars().skip(start).take(end - start).collect::<String>());
            }
        }
    }
}
