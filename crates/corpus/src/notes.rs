//! Transcriber's notes: `[laughs]`, `[crosstalk]`, `[inaudible 00:12:01]`,
//! Markdown's escaped `\[unintelligible 01:09:28.11\]`. They say what
//! happened in the room, not what was said, so the model does not read them
//! (docs/corpus.md, "Transcriber's notes"). Stored text keeps them: a
//! sentence stays a slice of its document's text.

use std::borrow::Cow;

/// Roots of the words a transcriber's note starts with (after a qualifier
/// such as "long" or "both"). A bracketed span that starts with anything
/// else (`[the company]`, `[Sarah]`: an editor's insertion or an
/// anonymised name) is speech and is kept.
const NOTE_ROOTS: &[&str] = &[
    "laugh",
    "chuckl",
    "giggl",
    "crosstalk",
    "cross-talk",
    "cross talk",
    "overlap",
    "inaudib",
    "unintelligib",
    "indistinct",
    "incomprehensib",
    "unclear",
    "pause",
    "silen",
    "sigh",
    "cough",
    "clears throat",
    "applau",
    "music",
    "noise",
    "static",
    "interrupt",
    "audio",
    "background",
];

/// Words that may come before a note's root: `[long pause]`, `[both laugh]`.
const QUALIFIERS: &[&str] = &[
    "long", "short", "brief", "both", "all", "slight", "nervous", "soft", "loud", "some",
];

/// At most this many words in a note (its time stamp not counted).
const MAX_NOTE_WORDS: usize = 4;

/// Whether the text inside a pair of square brackets is a transcriber's
/// note: nothing but a time stamp, or at most four words starting (after a
/// qualifier) with one of [`NOTE_ROOTS`], a time stamp allowed after them.
pub fn is_transcriber_note(inner: &str) -> bool {
    let lower = inner.trim().to_lowercase();
    let words: Vec<&str> = lower
        .split_whitespace()
        .filter(|w| crate::speaker::parse_clock(w).is_none())
        .collect();
    if words.is_empty() {
        // "[00:12:31]" or "[]": a time stamp or nothing.
        return true;
    }
    if words.len() > MAX_NOTE_WORDS {
        return false;
    }
    let start = usize::from(words.len() > 1 && QUALIFIERS.contains(&words[0]));
    let rest = words[start..].join(" ");
    NOTE_ROOTS.iter().any(|r| rest.starts_with(r))
}

/// `text` as the model reads it: without its transcriber's notes
/// ([`is_transcriber_note`]), spaces around a removed note collapsed to one
/// and the ends trimmed where a note was removed. Text without a note is
/// returned as it is, borrowed.
pub fn without_transcriber_notes(text: &str) -> Cow<'_, str> {
    if !text.contains('[') {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut removed = false;
    // Text after a removed note starts without its spaces, and punctuation
    // right after it joins the word before it.
    let push = |out: &mut String, piece: &str, after_note: bool| {
        if !after_note {
            out.push_str(piece);
            return;
        }
        let piece = piece.trim_start();
        if piece.starts_with([',', '.', '?', '!', ';', ':']) && out.ends_with(' ') {
            out.pop();
        }
        out.push_str(piece);
    };
    let mut after_note = false;
    let mut pos = 0;
    while let Some(found) = text[pos..].find('[') {
        let open = pos + found;
        // Markdown escapes the brackets: `\[laughs\]`.
        let escaped = open > pos && text.as_bytes()[open - 1] == b'\\';
        let Some(len) = text[open + 1..].find(']') else {
            break;
        };
        let close = open + 1 + len;
        let inner = &text[open + 1..close];
        let inner = if escaped {
            inner.strip_suffix('\\').unwrap_or(inner)
        } else {
            inner
        };
        // `[text](url)` is a Markdown link: its text is speech.
        let link = text[close + 1..].starts_with('(');
        if link || !is_transcriber_note(inner) {
            push(&mut out, &text[pos..=close], after_note);
            after_note = false;
        } else {
            push(
                &mut out,
                text[pos..open - usize::from(escaped)].trim_end(),
                after_note,
            );
            if !out.is_empty() && !out.ends_with(' ') {
                out.push(' ');
            }
            removed = true;
            after_note = true;
        }
        pos = close + 1;
    }
    if !removed {
        return Cow::Borrowed(text);
    }
    push(&mut out, &text[pos..], after_note);
    Cow::Owned(out.trim().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notes_are_recognised_and_editorial_brackets_are_not() {
        for note in [
            "laughs",
            "Laughter",
            "both laugh",
            "long pause",
            "crosstalk",
            "cross-talk",
            "inaudible 00:12:01",
            "unintelligible 01:09:28.11",
            "00:12:31",
            "",
            "clears throat",
            "Audio cuts out",
        ] {
            assert!(is_transcriber_note(note), "{note:?} is a note");
        }
        for speech in [
            "the company",
            "Sarah",
            "sic",
            "my partner",
            "laughs at the idea of going back to the office every day",
        ] {
            assert!(!is_transcriber_note(speech), "{speech:?} is speech");
        }
    }

    #[test]
    fn the_model_reads_speech_without_notes() {
        for (text, read) in [
            ("Right. [laughs]", "Right."),
            (r"Sure. \[laughs\]", "Sure."),
            ("[crosstalk]", ""),
            (
                r"Yeah, \[unintelligible 01:12:05.13\] This guy sent me an email.",
                "Yeah, This guy sent me an email.",
            ),
            (
                "It's my [inaudible 00:17:21] secret sauce [laughs], honestly.",
                "It's my secret sauce, honestly.",
            ),
            (
                "I worked at [company] for years.",
                "I worked at [company] for years.",
            ),
            (
                "See my [blog post](https://example.org/post) about it.",
                "See my [blog post](https://example.org/post) about it.",
            ),
            ("No brackets here.", "No brackets here."),
            (
                r"Yeah. \[laughs\] \[unintelligible 00:45:36.26\] bugs.",
                "Yeah. bugs.",
            ),
            (r"[laughs\][x]", "[x]"),
            (
                "An open [bracket never closed",
                "An open [bracket never closed",
            ),
        ] {
            assert_eq!(without_transcriber_notes(text), read, "{text:?}");
        }
        assert!(matches!(
            without_transcriber_notes("I worked at [company]."),
            Cow::Borrowed(_)
        ));
    }
}
