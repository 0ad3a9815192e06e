//! Sentence segmentation with byte offsets into the original text. Unicode sentence boundaries
//! (UAX #29, `unicode-segmentation`) do the heavy lifting: decimals (3.5), ellipses followed by
//! lower case, closing quotes and brackets, and line / paragraph breaks (so headlines and list items
//! without final punctuation stand alone). On top, boundaries after abbreviations that UAX #29
//! cannot know are undone: titles (Mr., Dr., Gen.), `No.` before a number, single initials
//! (J. Smith), and dotted initialisms (U.S., U.K.) when the next word is not a usual sentence opener.
//!
//! Hard-wrapped text (a paragraph broken into lines of about the same width, as e-mail, plain-text
//! archives and `fmt` write it) is read as its paragraphs: a single line break is a soft wrap when
//! the next line goes on in lower case, or when the block's lines are filled to its width (the next
//! line's first word would not have fitted) and some line ends in punctuation as prose does. A
//! blank line, a list or heading marker (`-`, `*`, `•`, `1.`, `#`, `>`), and a line before a
//! capitalised one in a block without punctuation (a headline, a list of headlines) stay
//! boundaries.
//!
//! Invariant: sentences are trimmed, non-empty, in order, non-overlapping, and `text[start..end]`
//! is always a valid slice of the original text.

use unicode_segmentation::UnicodeSegmentation;

use crate::text::span::ByteSpan;

/// Abbreviations after which a period does not end a sentence, whatever follows.
const TITLES: &[&str] = &[
    "Mr", "Mrs", "Ms", "Dr", "Prof", "Gen", "Lt", "Col", "Maj", "Capt", "Cmdr", "Adm", "Sgt", "Gov", "Sen", "Rep",
    "Rev", "Hon", "Pres", "Amb", "St", "Mt", "Jr", "Sr", "Fr", "vs", "etc", "approx", "Inc", "Corp", "Ltd", "Co",
    "Dept", "Univ", "Jan", "Feb", "Mar", "Apr", "Jun", "Jul", "Aug", "Sep", "Sept", "Oct", "Nov", "Dec", "cf", "al",
    "Ave", "Blvd", "Fig", "Vol", "Ch", "Art", "pp",
];

/// Words that usually open a sentence: after "U.S." they signal a real boundary.
const OPENERS: &[&str] = &[
    "The",
    "A",
    "An",
    "It",
    "Its",
    "He",
    "She",
    "We",
    "They",
    "I",
    "You",
    "This",
    "That",
    "These",
    "Those",
    "There",
    "But",
    "And",
    "Or",
    "So",
    "Yet",
    "In",
    "On",
    "At",
    "As",
    "If",
    "When",
    "While",
    "After",
    "Before",
    "Since",
    "Because",
    "However",
    "Meanwhile",
    "Still",
    "Now",
    "Then",
    "His",
    "Her",
    "Their",
    "Our",
    "My",
    "What",
    "Why",
    "How",
    "Who",
    "Where",
    "No",
    "Not",
    "Some",
    "Many",
    "Most",
    "All",
    "Both",
    "Each",
    "One",
    "Two",
    "Such",
    "Even",
    "Only",
    "Also",
    "Last",
    "Next",
];

/// Splits `text` into sentences.
pub fn split_sentences(text: &str) -> Vec<ByteSpan> {
    split_unwrapped(&unwrap_soft_breaks(text))
}

/// Splits a text that [`unwrap_soft_breaks`] has already unwrapped (offsets are the same as the
/// original's).
pub fn split_unwrapped(text: &str) -> Vec<ByteSpan> {
    let mut raw: Vec<ByteSpan> = Vec::new();
    for (start, piece) in text.split_sentence_bound_indices() {
        let trimmed_start = piece.len() - piece.trim_start().len();
        let body = piece.trim();
        if body.is_empty() {
            continue;
        }
        raw.push(ByteSpan { start: start + trimmed_start, end: start + trimmed_start + body.len() });
    }
    let mut out: Vec<ByteSpan> = Vec::with_capacity(raw.len());
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

/// Blocks whose widest line is narrower than this are never treated as hard-wrapped by width.
const MIN_WRAP_WIDTH: usize = 40;

/// `text` with every soft line break (see the module comment) replaced by a space (`\r\n` by two),
/// so the result has the same length and the same character boundaries.
pub fn unwrap_soft_breaks(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.contains('\n') {
        return std::borrow::Cow::Borrowed(text);
    }
    // (start of the line, end of its content without `\r`, position of its `\n` if any)
    let mut lines: Vec<(usize, usize, Option<usize>)> = Vec::new();
    let mut start = 0;
    for (i, b) in text.bytes().enumerate() {
        if b == b'\n' {
            let end = if i > start && text.as_bytes()[i - 1] == b'\r' { i - 1 } else { i };
            lines.push((start, end, Some(i)));
            start = i + 1;
        }
    }
    lines.push((start, text.len(), None));
    let content = |l: &(usize, usize, Option<usize>)| text[l.0..l.1].trim_end();
    let mut soft: Vec<usize> = Vec::new();
    // Blocks of consecutive non-blank lines.
    let mut i = 0;
    while i < lines.len() {
        if content(&lines[i]).trim().is_empty() {
            i += 1;
            continue;
        }
        let mut j = i;
        while j + 1 < lines.len() && !content(&lines[j + 1]).trim().is_empty() {
            j += 1;
        }
        let block = &lines[i..=j];
        let width = block.iter().map(|l| content(l).chars().count()).max().unwrap_or(0);
        // Candidates: breaks not followed by a marker line.
        let pairs: Vec<(usize, bool, bool)> = block
            .windows(2)
            .filter(|w| !starts_with_marker(content(&w[1])) && !content(&w[0]).trim_start().starts_with('#'))
            .map(|w| {
                let (a, b) = (content(&w[0]), content(&w[1]).trim_start());
                let first_word = b.split_whitespace().next().unwrap_or("").chars().count();
                let filled = width >= MIN_WRAP_WIDTH && a.chars().count() + 1 + first_word > width;
                let lower = b.starts_with(|c: char| c.is_lowercase());
                (w[0].2.expect("a line followed by another ends in a newline"), filled, lower)
            })
            .collect();
        let filled_share = pairs.iter().filter(|p| p.1).count() as f64 / pairs.len().max(1) as f64;
        // Filled lines alone could be a list of headlines of about the same length; prose also ends
        // some line (at least its last) with punctuation, which headlines do not.
        let punctuated = block.iter().any(|l| {
            content(l).trim_end_matches(['"', '\'', '”', '’', ')', ']']).ends_with(['.', '?', '!', ',', ';', ':'])
        });
        let wrapped_block = pairs.iter().any(|p| p.2) || (block.len() >= 3 && filled_share >= 2.0 / 3.0 && punctuated);
        for (newline, filled, lower) in pairs {
            if lower || (wrapped_block && filled) {
                soft.push(newline);
            }
        }
        i = j + 1;
    }
    if soft.is_empty() {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut bytes = text.as_bytes().to_vec();
    for n in soft {
        bytes[n] = b' ';
        if n > 0 && bytes[n - 1] == b'\r' {
            bytes[n - 1] = b' ';
        }
    }
    std::borrow::Cow::Owned(String::from_utf8(bytes).expect("ASCII bytes replaced by ASCII bytes"))
}

/// A line that opens a list item, a heading or a quote: `-`, `*`, `•`, `–`, `1.`, `1)`, `a)`,
/// `#`, `>`, `|`.
fn starts_with_marker(line: &str) -> bool {
    let l = line.trim_start();
    if l.starts_with(['#', '>', '|']) {
        return true;
    }
    let mut chars = l.chars();
    match chars.next() {
        Some('-' | '*' | '•' | '–' | '—' | '+') => chars.next().is_some_and(char::is_whitespace),
        Some(c) if c.is_ascii_digit() => {
            let rest = l.trim_start_matches(|c: char| c.is_ascii_digit());
            rest.starts_with(". ") || rest.starts_with(") ")
        }
        Some(c) if c.is_alphabetic() => chars.next() == Some(')') && chars.next().is_some_and(char::is_whitespace),
        _ => false,
    }
}

/// Whether a boundary between `prev` and `next` is a false one after an abbreviation.
fn joins(prev: &str, next: &str) -> bool {
    let Some(stem) = prev.strip_suffix('.') else { return false };
    let last_word = stem.rsplit(|c: char| c.is_whitespace() || c == '(' || c == '"' || c == '“').next().unwrap_or("");
    let next_word: &str = next.split(|c: char| !c.is_alphanumeric()).next().unwrap_or("");
    if TITLES.contains(&last_word) {
        return true;
    }
    // A numbered list item: "1. Russia agreed".
    if stem == last_word && !stem.is_empty() && stem.len() <= 3 && stem.bytes().all(|b| b.is_ascii_digit()) {
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
    fn hard_wrapped_paragraphs_are_read_whole() {
        let text = "Russia Rejects Sanctions\n\nOfficials in Moscow said on Tuesday that Russia would not\r\naccept any new sanctions from the European Union, warning that\nthe measures would hurt people. The statement came after talks\nin Brussels ended.\n";
        assert_eq!(
            split(text),
            vec![
                "Russia Rejects Sanctions",
                "Officials in Moscow said on Tuesday that Russia would not\r\naccept any new sanctions from the European Union, warning that\nthe measures would hurt people.",
                "The statement came after talks\nin Brussels ended."
            ]
        );
        // Filled lines that go on in upper case are wrapped too, in a block of three or more.
        let text = "The ministers met again in Geneva on Monday to talk about the\nNuclear programme, which has divided the two sides for years and\nMoscow has said it will not accept new limits on enrichment.";
        assert_eq!(split(text).len(), 1, "{:?}", split(text));
    }

    #[test]
    fn lists_of_headlines_and_short_lines_stay_apart() {
        let text = "Russia Warns the West Over Missile Plans in Europe\nChina Says Trade Talks Will Resume Next Month\nIran Opens New Enrichment Site\n";
        assert_eq!(split(text).len(), 3);
        // Headlines of about the same length fill their block, but carry no punctuation.
        let text = "Russia Warns the West Over Missile Plans in Eastern Europe\nChina Says Trade Talks With the United States Resume Soon\nIran Opens a New Enrichment Site Near the City of Qom\nTurkey Hosts Talks Between Russia and Ukraine in Ankara\n";
        assert_eq!(split(text).len(), 4, "{:?}", split(text));
        assert_eq!(split("# Russia and the sanctions\nwhat the ministers said.").len(), 2);
        let text = "Key points:\n1. Russia agreed\n2. China refused\n* Iran abstained\n- the rest\n";
        assert_eq!(split(text).len(), 5, "{:?}", split(text));
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
