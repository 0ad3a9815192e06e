//! Sentence segmentation with byte offsets into the original text. Unicode sentence boundaries
//! (UAX #29, `unicode-segmentation`) do the heavy lifting: decimals (3.5), ellipses followed by
//! lower case, closing quotes and brackets, and line / paragraph breaks (so headlines and list items
//! without final punctuation stand alone). On top, boundaries after abbreviations that UAX #29
//! cannot know are undone: titles (Mr., Dr., Gen.), `No.` before a number, single initials
//! (J. Smith), and dotted initialisms (U.S., U.K.) when the next word is not a usual sentence opener.
//!
//! Invariant: sentences are trimmed, non-empty, in order, non-overlapping, and `text[start..end]`
//! is always a valid slice of the original text.

use unicode_segmentation::UnicodeSegmentation;

/// A sentence as a byte range of the document text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SentenceSpan {
    pub start: usize,
    pub end: usize,
}

/// Abbreviations after which a period does not end a sentence, whatever follows.
const TITLES: &[&str] = &[
    "Mr", "Mrs", "Ms", "Dr", "Prof", "Gen", "Lt", "Col", "Maj", "Capt", "Cmdr", "Adm", "Sgt", "Gov",
    "Sen", "Rep", "Rev", "Hon", "Pres", "Amb", "St", "Mt", "Jr", "Sr", "Fr", "vs", "etc", "approx",
    "Inc", "Corp", "Ltd", "Co", "Dept", "Univ", "Jan", "Feb", "Mar", "Apr", "Jun", "Jul", "Aug",
    "Sep", "Sept", "Oct", "Nov", "Dec", "cf", "al", "Ave", "Blvd", "Fig", "Vol", "Ch", "Art", "pp",
];

/// Words that usually open a sentence: after "U.S." they signal a real boundary.
const OPENERS: &[&str] = &[
    "The", "A", "An", "It", "Its", "He", "She", "We", "They", "I", "You", "This", "That", "These",
    "Those", "There", "But", "And", "Or", "So", "Yet", "In", "On", "At", "As", "If", "When", "While",
    "After", "Before", "Since", "Because", "However", "Meanwhile", "Still", "Now", "Then", "His",
    "Her", "Their", "Our", "My", "What", "Why", "How", "Who", "Where", "No", "Not", "Some", "Many",
    "Most", "All", "Both", "Each", "One", "Two", "Such", "Even", "Only", "Also", "Last", "Next",
];

/// Splits `text` into sentences.
pub fn split_sentences(text: &str) -> Vec<SentenceSpan> {
    let mut raw: Vec<SentenceSpan> = Vec::new();
    for (start, piece) in text.split_sentence_bound_indices() {
        let trimmed_start = piece.len() - piece.trim_start().len();
        let body = piece.trim();
        if body.is_empty() {
            continue;
        }
        raw.push(SentenceSpan { start: start + trimmed_start, end: start + trimmed_start + body.len() });
    }
    let mut out: Vec<SentenceSpan> = Vec::with_capacity(raw.len());
    for s in raw {
        if let Some(prev) = out.last_mut() {
            let gap = &text[prev.end..s.start];
            if !gap.contains('\n') && joins(&text[prev.start..prev.end], &text[s.start..s.end]) {
                prev.end = s.end;
                continue;
            }
        }
        out.push(s);
    }
    out
}

/// Whether a boundary between `prev` and `next` is a false one after an abbreviation.
fn joins(prev: &str, next: &str) -> bool {
    let Some(stem) = prev.strip_suffix('.') else { return false };
    let last_word = stem.rsplit(|c: char| c.is_whitespace() || c == '(' || c == '"' || c == '“').next().unwrap_or("");
    let next_word: &str = next.split(|c: char| !c.is_alphanumeric()).next().unwrap_or("");
    if TITLES.contains(&last_word) {
        return true;
    }
    if last_word == "No" || last_word == "no" || last_word == "Nos" {
        return next.starts_with(|c: char| c.is_ascii_digit());
    }
    // A single initial: "J. Smith".
    let mut chars = last_word.chars();
    if let (Some(c), None) = (chars.next(), chars.next()) {
        if c.is_uppercase() {
            return true;
        }
    }
    // Dotted initialisms: "U.S", "U.K", "e.g", "i.e".
    let is_dotted = last_word.len() >= 3
        && last_word.split('.').all(|p| p.chars().count() == 1 && p.chars().all(char::is_alphabetic));
    if is_dotted {
        let lower = last_word.chars().all(|c| !c.is_uppercase());
        return lower || !OPENERS.contains(&next_word);
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(text: &str) -> Vec<&str> {
        split_sentences(text).iter().map(|s| &text[s.start..s.end]).collect()
    }

    #[test]
    fn abbreviations_do_not_end_sentences() {
        assert_eq!(
            split("Mr. Putin met Dr. Li in St. Petersburg. The talks failed."),
            vec!["Mr. Putin met Dr. Li in St. Petersburg.", "The talks failed."]
        );
        assert_eq!(
            split("The U.S. Army left. U.S. President Biden spoke. It rained in the U.S. The end."),
            vec!["The U.S. Army left.", "U.S. President Biden spoke.", "It rained in the U.S.", "The end."]
        );
        assert_eq!(
            split("Sanctions, e.g. on oil, failed. Resolution No. 5 passed."),
            vec!["Sanctions, e.g. on oil, failed.", "Resolution No. 5 passed."]
        );
        assert_eq!(split("J. R. Smith wrote it. Then he left."), vec!["J. R. Smith wrote it.", "Then he left."]);
    }

    #[test]
    fn decimals_ellipses_quotes_and_brackets() {
        assert_eq!(
            split("Growth was 3.5 percent. Prices rose... and then fell. Next."),
            vec!["Growth was 3.5 percent.", "Prices rose... and then fell.", "Next."]
        );
        assert_eq!(
            split("\"Russia will win.\" He said so. (China agreed.) Iran did not."),
            vec!["\"Russia will win.\"", "He said so.", "(China agreed.)", "Iran did not."]
        );
        assert_eq!(split("Is it over? No! It is not."), vec!["Is it over?", "No!", "It is not."]);
    }

    #[test]
    fn headlines_lists_and_paragraphs() {
        let text = "Russia Warns the West\n\nMoscow said on Monday it would respond.\n- sanctions on Iran\n- talks with China\nEnd";
        assert_eq!(
            split(text),
            vec![
                "Russia Warns the West",
                "Moscow said on Monday it would respond.",
                "- sanctions on Iran",
                "- talks with China",
                "End"
            ]
        );
    }

    #[test]
    fn offsets_point_into_the_original_text() {
        let text = "  Пекин ответил.  Tehran — silent.\r\n\r\nÉtat? Oui. ";
        let spans = split_sentences(text);
        for w in spans.windows(2) {
            assert!(w[0].end <= w[1].start);
        }
        let got: Vec<&str> = spans.iter().map(|s| &text[s.start..s.end]).collect();
        assert_eq!(got, vec!["Пекин ответил.", "Tehran — silent.", "État?", "Oui."]);
        assert!(split_sentences("   \n\n ").is_empty());
    }
}
