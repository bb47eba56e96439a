//! Sentence splitting: Unicode sentence boundaries (UAX #29, from
//! `unicode-segmentation`) plus a merge step for abbreviations that UAX #29
//! ends a sentence at when a capital follows ("Dr. Jones", "e.g. Amsterdam").
//! UAX #29 already keeps numbers ("3.5") and abbreviations followed by a
//! lower-case word ("etc. and") together.

use unicode_segmentation::UnicodeSegmentation;

/// Abbreviations after which a capitalised word does not start a sentence.
/// "etc." is not among them: it ends sentences as often as not, so it only
/// stays inside one when a lower-case word follows (UAX #29 does that).
const ABBREVIATIONS: &[&str] = &[
    "mr.", "mrs.", "ms.", "dr.", "prof.", "st.", "vs.", "approx.", "e.g.", "i.e.", "cf.", "jr.",
    "sr.", "nr.", "ca.", "z.b.", "d.h.",
];

/// Splits `text` into sentences: byte ranges into `text`, trimmed of
/// surrounding whitespace, never empty, in order.
///
/// A single line break inside a paragraph is read as a space, since
/// transcripts are often hard-wrapped; a blank line always ends a sentence.
pub fn split_sentences(text: &str) -> Vec<(usize, usize)> {
    let normalised = join_wrapped_lines(text);
    let mut merged: Vec<(usize, usize)> = Vec::new();
    let mut glue_next = false;
    for (start, piece) in normalised.split_sentence_bound_indices() {
        let end = start + piece.len();
        let trimmed = piece.trim();
        let attach = match merged.last() {
            Some(_) if glue_next => true,
            // Stray punctuation ("…", "—") belongs to the sentence before it.
            Some(_) => !trimmed.is_empty() && !trimmed.chars().any(char::is_alphanumeric),
            None => false,
        };
        if attach {
            merged.last_mut().expect("checked").1 = end;
        } else {
            merged.push((start, end));
        }
        if !trimmed.is_empty() {
            glue_next = ends_with_abbreviation(trimmed)
                && !piece.contains("\n\n")
                && !piece.ends_with('\n');
        }
    }
    merged
        .into_iter()
        .filter_map(|(s, e)| {
            let slice = &text[s..e];
            let lead = slice.len() - slice.trim_start().len();
            let trail = slice.len() - slice.trim_end().len();
            (s + lead < e - trail).then_some((s + lead, e - trail))
        })
        .collect()
}

fn ends_with_abbreviation(sentence: &str) -> bool {
    let last = sentence
        .rsplit(|c: char| c.is_whitespace() || c == '(')
        .next()
        .unwrap_or("");
    let lower = last.to_lowercase();
    if ABBREVIATIONS.contains(&lower.as_str()) {
        return true;
    }
    // An initial: "J. K. Rowling".
    let mut chars = last.chars();
    matches!(
        (chars.next(), chars.next(), chars.next()),
        (Some(c), Some('.'), None) if c.is_uppercase()
    )
}

/// Replaces line breaks inside a paragraph by spaces (and `\r` always), so
/// that UAX #29, which ends a sentence at every line break, sees wrapped
/// lines as one. Every replaced byte is one ASCII byte, so offsets hold.
fn join_wrapped_lines(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = bytes.to_vec();
    let line_blank = |from: usize, to: usize| bytes[from..to].iter().all(u8::is_ascii_whitespace);
    let breaks: Vec<usize> = bytes
        .iter()
        .enumerate()
        .filter(|(_, &b)| b == b'\n')
        .map(|(i, _)| i)
        .collect();
    for (k, &i) in breaks.iter().enumerate() {
        let prev_start = if k == 0 { 0 } else { breaks[k - 1] + 1 };
        let next_end = breaks.get(k + 1).copied().unwrap_or(bytes.len());
        if !line_blank(prev_start, i) && !line_blank(i + 1, next_end) {
            out[i] = b' ';
        }
    }
    for b in out.iter_mut() {
        if *b == b'\r' {
            *b = b' ';
        }
    }
    String::from_utf8(out).expect("only ASCII bytes were replaced by ASCII")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(text: &str) -> Vec<&str> {
        split_sentences(text)
            .into_iter()
            .map(|(s, e)| &text[s..e])
            .collect()
    }

    #[test]
    fn plain_sentences() {
        assert_eq!(
            split("Yes, exactly. I think so! Do you? "),
            ["Yes, exactly.", "I think so!", "Do you?"]
        );
        assert_eq!(split("   "), Vec::<&str>::new());
        assert_eq!(split("no punctuation at all"), ["no punctuation at all"]);
    }

    #[test]
    fn abbreviations_and_numbers() {
        assert_eq!(
            split("Mr. Smith and Mrs. Jones met Dr. Who. Then Prof. Xavier left."),
            [
                "Mr. Smith and Mrs. Jones met Dr. Who.",
                "Then Prof. Xavier left."
            ]
        );
        assert_eq!(
            split("Cities, e.g. Amsterdam, i.e. The Hague too. Costs rose 3.5 percent. Fine."),
            [
                "Cities, e.g. Amsterdam, i.e. The Hague too.",
                "Costs rose 3.5 percent.",
                "Fine."
            ]
        );
        assert_eq!(
            split("Cameras vs. Sensors, approx. 30 units, St. Louis etc. and more. Next."),
            [
                "Cameras vs. Sensors, approx. 30 units, St. Louis etc. and more.",
                "Next."
            ]
        );
        assert_eq!(
            split("We need cameras, sensors etc. The rest can wait."),
            ["We need cameras, sensors etc.", "The rest can wait."]
        );
        assert_eq!(
            split("J. K. Rowling wrote it."),
            ["J. K. Rowling wrote it."]
        );
    }

    #[test]
    fn non_ascii_and_emoji() {
        assert_eq!(
            split("Das ist schön 😀. Naïve Überwachung? 監視カメラは多い。でも安全です。"),
            [
                "Das ist schön 😀.",
                "Naïve Überwachung?",
                "監視カメラは多い。",
                "でも安全です。"
            ]
        );
    }

    #[test]
    fn line_breaks() {
        assert_eq!(
            split("This line is\r\nwrapped here. And this\nis not split.\n\nNew paragraph"),
            [
                "This line is\r\nwrapped here.",
                "And this\nis not split.",
                "New paragraph"
            ]
        );
    }

    #[test]
    fn stray_punctuation_attaches() {
        assert_eq!(split("Okay!! !! Fine."), ["Okay!! !!", "Fine."]);
        assert_eq!(split("Hm. ... \"Right.\""), ["Hm. ...", "\"Right.\""]);
    }
}
