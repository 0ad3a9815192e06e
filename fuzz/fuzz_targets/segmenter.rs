//! The segmenter and the actor matcher on arbitrary text: sentences are trimmed, non-empty, in
//! order, non-overlapping and on character boundaries; mentions are sorted, non-overlapping, inside
//! their sentence and on character boundaries.
#![no_main]

use libfuzzer_sys::fuzz_target;
use stance::text::actors::{ActorMatcher, Lexicon};
use stance::text::segment::split_sentences;

fuzz_target!(|text: &str| {
    thread_local! {
        static MATCHER: ActorMatcher = ActorMatcher::new(&Lexicon::default_actors()).expect("default lexicon");
    }
    let spans = split_sentences(text);
    let mut last_end = 0;
    for s in &spans {
        assert!(s.start >= last_end && s.start < s.end && s.end <= text.len(), "{s:?} after {last_end}");
        assert!(text.is_char_boundary(s.start) && text.is_char_boundary(s.end));
        let sentence = &text[s.start..s.end];
        assert_eq!(sentence, sentence.trim(), "sentences are trimmed");
        last_end = s.end;
        MATCHER.with(|m| {
            let mut prev = 0;
            for mention in m.find(sentence) {
                let span = mention.span;
                assert!(span.start >= prev && span.start < span.end && span.end <= sentence.len());
                assert!(sentence.is_char_boundary(span.start) && sentence.is_char_boundary(span.end));
                prev = span.end;
            }
        });
    }
});
