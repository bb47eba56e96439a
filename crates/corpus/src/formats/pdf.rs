//! PDF transcripts (NVivo and ATLAS.ti import them): each page's text
//! layer, extracted by `pdf-extract` (the maintained pure-Rust extractor,
//! on `lopdf`), then read as plain text is ([`super::text`]) once the page
//! furniture is gone and the lines the page width wrapped are joined again.
//!
//! - **Page furniture**: a line that is only a page number ("12", "Page 3 of
//!   9", "- 4 -") is dropped, and so is a running header or footer: a line
//!   among the first or last two of at least half of the pages (three or
//!   more), its digits aside ("Transcript P07 – page 3").
//! - **Wrapped lines**: a PDF has no paragraphs, only lines. A line joins
//!   the one before it unless it starts a speaker turn, follows a blank line
//!   or a label alone on its line; a line ending in a hyphen joins the next
//!   without a space ("well-" + "known"). Without this every line end would
//!   end a sentence. A header block's lines (`Date: 16/04/2024`,
//!   `Interviewee ID: P12`) and a transcript's end lines and tools' notices
//!   (`[Recording ends]`, `END OF TRANSCRIPT`) are lines of their own, as
//!   they are in the text the plain-text reader reads (since 2026-12-07).
//! - **What it cannot read** gets a clear error naming the file: a damaged
//!   or encrypted PDF, and a scan (pages without text: run OCR first). The
//!   extractor can panic on a malformed file; it runs on its own thread,
//!   whose panic becomes that error (and prints nothing).

use std::sync::Once;

use super::text::extracted_text_document;
use super::{RawDocument, Reader, SourceFile};
use crate::error::{IngestError, Result};
use crate::speaker::DocumentLabels;
use crate::SourceFormat;

pub struct PdfReader;

impl Reader for PdfReader {
    fn format(&self) -> SourceFormat {
        SourceFormat::Pdf
    }

    fn read(&self, file: SourceFile<'_>) -> Result<Vec<RawDocument>> {
        let pages = page_texts(file)?;
        if pages.is_empty() {
            // No page could be read: the file's structure is broken (its
            // cross-reference table, say), not a scan.
            return Err(IngestError::BadPdf {
                file: file.path.into(),
                message: "damaged or unsupported: no page could be read".into(),
            });
        }
        let text = transcript_text(&pages);
        if text.trim().is_empty() {
            return Err(IngestError::PdfWithoutText {
                file: file.path.into(),
                pages: pages.len(),
            });
        }
        extracted_text_document(file, text)
    }
}

/// The name of the threads the extractor runs on; their panics are not
/// printed ([`quiet_extractor_panics`]).
const EXTRACTOR_THREAD: &str = "autocode-pdf";

/// Each page's text, in page order.
fn page_texts(file: SourceFile<'_>) -> Result<Vec<String>> {
    quiet_extractor_panics();
    let bytes = file.bytes.to_vec();
    let bad = |message: String| IngestError::BadPdf {
        file: file.path.into(),
        message,
    };
    let worker = std::thread::Builder::new()
        .name(EXTRACTOR_THREAD.into())
        // The extractor recurses through the page tree and nested forms.
        .stack_size(64 << 20)
        .spawn(move || pdf_extract::extract_text_from_mem_by_pages(&bytes))
        .map_err(|e| bad(format!("could not start the PDF reader: {e}")))?;
    match worker.join() {
        Ok(Ok(pages)) => Ok(pages),
        Ok(Err(e)) => Err(bad(e.to_string())),
        Err(panic) => {
            let why = panic
                .downcast_ref::<String>()
                .map(String::as_str)
                .or_else(|| panic.downcast_ref::<&str>().copied())
                .unwrap_or("unknown cause");
            let why: String = why.chars().take(160).collect();
            Err(bad(format!(
                "damaged or unsupported: the PDF library stopped inside the file ({why})"
            )))
        }
    }
}

/// Leaves the process's panic hook as it was for every thread but the
/// extractor's, whose panics [`page_texts`] reports as an ingest error.
fn quiet_extractor_panics() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if std::thread::current().name() != Some(EXTRACTOR_THREAD) {
                previous(info);
            }
        }));
    });
}

/// The pages as one transcript text: furniture dropped, wrapped lines joined.
pub fn transcript_text(pages: &[String]) -> String {
    let pages: Vec<Vec<&str>> = pages
        .iter()
        .map(|p| {
            p.split(['\n', '\x0c'])
                .map(|l| l.strip_suffix('\r').unwrap_or(l))
                .collect()
        })
        .collect();
    let furniture = running_lines(&pages);
    // A line-numbered printout numbers its blank lines too: inside a page,
    // a line holding only its number is a blank line (a paragraph break),
    // not a page number to drop. Dropped, it joined an `END OF TRANSCRIPT`
    // below it to the last speaker's turn.
    let numbered = super::text::without_line_numbers(
        &pages
            .iter()
            .flatten()
            .copied()
            .collect::<Vec<_>>()
            .join("\n"),
    )
    .is_some();
    let mut lines: Vec<&str> = Vec::new();
    for page in &pages {
        let edge = edge_lines(page);
        let kept: Vec<&str> = page
            .iter()
            .enumerate()
            .filter(|&(i, l)| {
                let t = l.trim();
                // At a page's edge, a bare number is that line's number
                // where it follows the line before or leads into the next.
                let leading = |j: usize| {
                    page.get(j).and_then(|l| {
                        let d: String = l
                            .trim_start()
                            .chars()
                            .take_while(char::is_ascii_digit)
                            .collect();
                        d.parse::<u64>().ok()
                    })
                };
                let in_sequence = t.parse::<u64>().is_ok_and(|n| {
                    let before = i.checked_sub(1).and_then(leading);
                    (before.is_some() && before == n.checked_sub(1))
                        || leading(i + 1) == Some(n + 1)
                });
                let numbered_blank = numbered && (!edge.contains(&i) || in_sequence);
                !(is_page_number(t) && !numbered_blank
                    || edge.contains(&i) && furniture.contains(&shape(t)))
            })
            .map(|(_, &l)| l)
            .collect();
        // A page break is no paragraph break: the blank lines the extractor
        // puts around a page's text go, so a sentence the page cut joins up.
        let first = kept.iter().position(|l| !l.trim().is_empty());
        let last = kept.iter().rposition(|l| !l.trim().is_empty());
        if let (Some(a), Some(b)) = (first, last) {
            lines.extend(&kept[a..=b]);
        }
    }
    // Line numbers first: left in, no line would start with its label.
    let joined = lines.join("\n");
    match super::text::without_line_numbers(&joined) {
        Some(clean) => unwrap_lines(&clean.lines().collect::<Vec<_>>()),
        None => unwrap_lines(&lines),
    }
}

/// A line's shape for comparing running headers: trimmed, lower case,
/// each run of digits one `#`.
pub(super) fn shape(line: &str) -> String {
    let mut out = String::new();
    for c in line.trim().chars().flat_map(char::to_lowercase) {
        if c.is_ascii_digit() {
            if !out.ends_with('#') {
                out.push('#');
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Indices of a page's first two and last two non-blank lines.
fn edge_lines(page: &[&str]) -> Vec<usize> {
    let filled: Vec<usize> = (0..page.len())
        .filter(|&i| !page[i].trim().is_empty())
        .collect();
    let mut edge: Vec<usize> = filled.iter().take(2).copied().collect();
    edge.extend(filled.iter().rev().take(2));
    edge
}

/// Shapes of the lines that run along the top or bottom of at least half
/// of the pages (and of three or more).
fn running_lines(pages: &[Vec<&str>]) -> Vec<String> {
    let mut counts: std::collections::BTreeMap<String, usize> = Default::default();
    for page in pages {
        let mut seen: Vec<String> = edge_lines(page)
            .into_iter()
            .map(|i| shape(page[i]))
            .collect();
        seen.sort();
        seen.dedup();
        for s in seen {
            *counts.entry(s).or_default() += 1;
        }
    }
    let need = pages.len().div_ceil(2).max(3);
    counts
        .into_iter()
        .filter(|&(_, n)| n >= need)
        .map(|(s, _)| s)
        .collect()
}

/// "12", "Page 3", "page 3 of 9", "p. 4", "3/9", "- 4 -", "— 4 —".
fn is_page_number(line: &str) -> bool {
    let t = line
        .trim_matches(|c: char| c.is_whitespace() || matches!(c, '-' | '–' | '—'))
        .to_lowercase();
    let t = ["page ", "page", "p. ", "p.", "pg. ", "pg "]
        .iter()
        .find_map(|p| t.strip_prefix(p))
        .unwrap_or(&t)
        .trim();
    let number = |s: &str| !s.is_empty() && s.len() <= 4 && s.bytes().all(|b| b.is_ascii_digit());
    if number(t) {
        return true;
    }
    [" of ", "/"].iter().any(|sep| {
        t.split_once(sep)
            .is_some_and(|(a, b)| number(a.trim()) && number(b.trim()))
    })
}

/// Lines joined into the paragraphs they were wrapped from: a line starts
/// a new one after a blank line, at a speaker label (as the plain-text
/// reader will read it) and after a label alone on its line. A line of the
/// header block ([`crate::speaker::header_block_end`]) and a transcript's
/// own marker line ([`super::text::is_transcript_marker`]) are no wrapped
/// text: each stays a line of its own, as the plain-text reader needs it.
/// Before 2026-12-07 they were joined: `Interviewer: SK Interviewee ID: P12
/// Duration: 33:10` ended the header, its interviewee was lost and its
/// words were the interviewer's sentence (hu/01), and `[Recording ends] END
/// OF TRANSCRIPT` was the last answer's sentence (hu/02).
fn unwrap_lines(lines: &[&str]) -> String {
    let labels = DocumentLabels::of(lines.iter().copied());
    let label = |l: &str| labels.label(l);
    let header_end = crate::speaker::header_block_end(&lines.join("\n"), &|l| label(l).is_some());
    let mut out: Vec<String> = Vec::new();
    // The paragraph being joined, and its last line as extracted.
    let mut open = String::new();
    let mut last = "";
    let flush = |open: &mut String, out: &mut Vec<String>| {
        if !open.is_empty() {
            out.push(std::mem::take(open));
        }
    };
    // The byte offset of `line` in the lines joined by newlines.
    let mut at = 0usize;
    for &line in lines {
        let in_header = at < header_end;
        at += line.len() + 1;
        let t = line.trim();
        if t.is_empty() {
            flush(&mut open, &mut out);
            if out.last().is_some_and(|l| !l.is_empty()) {
                out.push(String::new());
            }
            continue;
        }
        if let Some(l) = label(line) {
            flush(&mut open, &mut out);
            let body = line.get(l.text_start..).unwrap_or("").trim();
            if body.is_empty() {
                out.push(t.to_string());
            } else {
                open = line.trim_end().to_string();
                last = line;
            }
            continue;
        }
        if in_header || stands_alone_as_marker(t) {
            flush(&mut open, &mut out);
            out.push(t.to_string());
            continue;
        }
        if !open.is_empty() && !broke_inside_word(last) {
            open.push(' ');
        }
        open.push_str(t);
        last = line;
    }
    flush(&mut open, &mut out);
    while out.last().is_some_and(|l| l.is_empty()) {
        out.pop();
    }
    let mut text = out.join("\n");
    text.push('\n');
    text
}

/// Whether a line (trimmed) is a transcript's end line or a tool's notice
/// (`END OF TRANSCRIPT`, `[Recording ends]`, `Transcribed by
/// https://otter.ai`) that the plain-text reader drops as no one's speech,
/// written as such a line is: not starting in lower case, which a wrapped
/// sentence's end would ("… and that was the" + "end of the interview.").
fn stands_alone_as_marker(line: &str) -> bool {
    !line.starts_with(char::is_lowercase) && super::text::is_transcript_marker(line)
}

/// Whether the line break after `line` (as extracted) fell inside a word:
/// the line ends in a hyphen or dash right after a letter or digit
/// ("pre-" + "Kickstarter", "times--" + "what"; "material --" + "for" is a
/// dash between words), or in a backslash (a Markdown escape, "\\" +
/// "[laughs\\]"), with no space kept after it. The extractor keeps the
/// space a line ended on where the page had one, but not always after a
/// dash; a line ending in a letter is joined with a space whatever it kept,
/// since some producers (LaTeX) put no space at line ends at all.
fn broke_inside_word(line: &str) -> bool {
    let t = line.trim_end();
    if t.len() != line.len() {
        return false;
    }
    if t.ends_with('\\') {
        return true;
    }
    let word = t.trim_end_matches(['-', '\u{2010}', '\u{2013}', '\u{2014}']);
    word.len() < t.len() && word.chars().next_back().is_some_and(char::is_alphanumeric)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A one-page PDF whose cross-reference offsets all point wrong: the
    /// library reads no page, which is damage, not a scan (it was reported
    /// as "0 page(s) but no text", with the library's own error lines).
    #[test]
    fn a_pdf_of_which_no_page_can_be_read_is_damaged_not_scanned() {
        let bytes = "%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n2 0 obj\n<< /Type /Pages /Kids [3 0 R] /Count 1 >>\nendobj\n3 0 obj\n<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>\nendobj\n4 0 obj\n<< /Length 130 >>\nstream\nBT /F1 12 Tf 72 720 Td (Anna: Hello there, the park is nice.) Tj 0 -20 Td (Bram: Yes indeed.) Tj 0 -20 Td (Anna: Okay then.) Tj ET\nendstream\nendobj\n5 0 obj\n<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>\nendobj\nxref\n0 6\n0000000000 65535 f \n0000000016 00000 n \n0000000065 00000 n \n0000000122 00000 n \n0000000248 00000 n \n0000000429 00000 n \ntrailer\n<< /Size 6 /Root 1 0 R >>\nstartxref\n492\n%%EOF\n";
        let path = std::path::Path::new("broken.pdf");
        let file = SourceFile {
            path,
            name: "broken.pdf",
            bytes: bytes.as_bytes(),
        };
        let err = PdfReader.read(file).unwrap_err().to_string();
        assert_eq!(
            err,
            "broken.pdf: cannot read this PDF (damaged or unsupported: no page could be read); \
             export the transcript as DOCX, ODT or text instead"
        );
    }

    #[test]
    fn page_numbers_are_dropped_and_other_short_lines_kept() {
        for t in [
            "12",
            "Page 3",
            "page 3 of 9",
            "p. 4",
            "3/9",
            "- 4 -",
            "— 4 —",
            " Page 10 ",
        ] {
            assert!(is_page_number(t), "{t}");
        }
        for t in ["Yes.", "2019 was hard.", "12 people", "Q3", "Page", "12345"] {
            assert!(!is_page_number(t), "{t}");
        }
    }

    /// A line-numbered printout numbers its blank lines: such a line is a
    /// paragraph break, also at the page's end, while the page's own
    /// number still goes. Dropped, the blank joined `END OF TRANSCRIPT` to
    /// the last speaker's turn.
    #[test]
    fn a_numbered_printouts_numbered_blank_line_is_a_blank_line() {
        let mut page = String::from("1  Interview 5\n2\n");
        for n in 3..20 {
            let who = if n % 2 == 1 { "Interviewer" } else { "Zoe" };
            page.push_str(&format!("{n}  {who}: Line {n} of the talk.\n"));
        }
        page.push_str(
            "20  Zoe: She cried. Then she organised\n21  everything.\n22\n\
                       23  END OF TRANSCRIPT\n3",
        );
        let text = transcript_text(&[page]);
        assert!(
            text.contains("everything.\n\nEND OF TRANSCRIPT"),
            "{text:?}"
        );
        assert!(
            !text.trim_end().ends_with('3'),
            "the page number goes: {text:?}"
        );
    }

    #[test]
    fn wrapped_lines_join_and_turns_stay_apart() {
        let lines = [
            "Interviewer: How safe does the harbour",
            "feel at night?",
            "Ilse: Safer than before. The well-",
            "known problem is staff on the",
            "street.",
            "",
            "A new paragraph of ",
            "hers, pre-",
            "Kickstarter, as a dash -",
            "says, and times--",
            "what, and a dash --",
            "there.",
            "Jonas:",
            "I disagree.",
        ];
        assert_eq!(
            unwrap_lines(&lines),
            "Interviewer: How safe does the harbour feel at night?\n\
             Ilse: Safer than before. The well-known problem is staff on the street.\n\
             \n\
             A new paragraph of hers, pre-Kickstarter, as a dash - says, and times--what, and a dash -- there.\n\
             Jonas:\n\
             I disagree.\n"
        );
    }

    /// A header block's lines, one a line as Word's PDF export draws them,
    /// are not joined as wrapped (hu/01): the plain-text reader finds the
    /// block and its interviewee. Nor are the transcript's end lines below
    /// the last answer (hu/02), which that reader drops; a wrapped
    /// sentence that happens to end in such words stays joined.
    #[test]
    fn header_lines_and_end_lines_are_not_wrapped_text() {
        let lines = [
            "Project: NQN Transition Study",
            "Date: 16/04/2024",
            "Interviewer: SK",
            "Interviewee ID: P12",
            "Duration: 33:10",
            "",
            "I: Thanks for taking part. Can you tell me",
            "about your ward?",
            "R: No, I think that's everything.",
            "[Recording ends]",
            "END OF TRANSCRIPT",
        ];
        let text = unwrap_lines(&lines);
        assert_eq!(
            text,
            "Project: NQN Transition Study\n\
             Date: 16/04/2024\n\
             Interviewer: SK\n\
             Interviewee ID: P12\n\
             Duration: 33:10\n\
             \n\
             I: Thanks for taking part. Can you tell me about your ward?\n\
             R: No, I think that's everything.\n\
             [Recording ends]\n\
             END OF TRANSCRIPT\n"
        );
        let turns: Vec<(Option<String>, &str)> = super::super::text::turns_from_text(&text, false)
            .into_iter()
            .map(|t| (t.speaker, &text[t.start..t.end]))
            .collect();
        assert_eq!(
            turns,
            [
                (
                    Some("I".to_string()),
                    "Thanks for taking part. Can you tell me about your ward?"
                ),
                (Some("R".to_string()), "No, I think that's everything."),
            ]
        );
        assert_eq!(
            crate::speaker::header_people(&text).interviewee.as_deref(),
            Some("P12")
        );
        // The words of a sentence the page wrapped are no end line.
        assert_eq!(
            unwrap_lines(&["Ann: And so that was the", "end of the interview."]),
            "Ann: And so that was the end of the interview.\n"
        );
    }

    #[test]
    fn running_headers_and_footers_go_and_the_same_words_in_the_text_stay() {
        let page = |n: usize, body: &str| {
            format!("Harbour study – transcript P07\n\n{body}\n\nConfidential – page {n} of 3\n")
        };
        let pages = vec![
            page(1, "Interviewer: Is it\nsafe?"),
            page(
                2,
                "Ilse: Mostly. Harbour study – transcript P07 is\nthis one.",
            ),
            page(3, "Interviewer: Thanks."),
        ];
        assert_eq!(
            transcript_text(&pages),
            "Interviewer: Is it safe?\n\
             Ilse: Mostly. Harbour study – transcript P07 is this one.\n\
             Interviewer: Thanks.\n"
        );
        // The extractor's blank lines around a page are no paragraph break.
        let cut = [
            "\n\nAnna: It was hard to\n\n".to_string(),
            "\n\nsay.\n".to_string(),
        ];
        assert_eq!(transcript_text(&cut), "Anna: It was hard to say.\n");
        // Two pages are too few to tell a running header from a line.
        let two = transcript_text(&pages[..2]);
        assert!(two.starts_with("Harbour study – transcript P07\n"), "{two}");
    }
}
