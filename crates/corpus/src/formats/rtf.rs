//! RTF, as Word, WordPad and TextEdit save it and as archives such as the UK
//! Data Service hold interview transcripts: the text of the document body,
//! paragraphs (`\par`) and line breaks (`\line`) as `\n`, a table row's
//! cells joined by tabs; then the same speaker rules as plain text.
//!
//! Written here rather than taken from a crate: `rtf-parser` 0.4 (the one
//! maintained RTF crate) ran Word's paragraphs together, kept the `\info`
//! block's and pictures' text, and dropped the characters after a `\u`
//! escape (measured on a Word-style file, 2026-12-04). Reading RTF for its
//! text needs only its lexical rules: control words, `\'hh` bytes in the
//! document's code page, `\uN` with its `\ucN` fallback characters, and
//! destinations that are not body text (font and colour tables, styles,
//! document info, pictures, field instructions, `\*` groups), which are
//! skipped.

use super::text::extracted_text_document;
use super::{RawDocument, Reader, SourceFile};
use crate::error::{IngestError, Result};
use crate::SourceFormat;

pub struct RtfReader;

impl Reader for RtfReader {
    fn format(&self) -> SourceFormat {
        SourceFormat::Rtf
    }

    fn read(&self, file: SourceFile<'_>) -> Result<Vec<RawDocument>> {
        let text = rtf_text(file.bytes).map_err(|message| IngestError::BadRtf {
            file: file.path.into(),
            message,
        })?;
        extracted_text_document(file, text)
    }
}

/// Destinations whose text is not the document's body. Footnotes and
/// endnotes (`\footnote`, Word writes it unstarred inside the `\chftn`
/// reference's group), their separators and continuation notices, and
/// comments with their author, initials and date (`\annotation`,
/// `\atnauthor`, …, which older writers leave unstarred) are no one's
/// speech: before, a transcriber's footnote was read into the middle of
/// the participant's sentence at its reference (h3/03), where the same
/// interview saved as DOCX, ODT or DOC leaves its notes out.
const SKIPPED_DESTINATIONS: &[&str] = &[
    "footnote",
    "ftnsep",
    "ftnsepc",
    "ftncn",
    "aftnsep",
    "aftnsepc",
    "aftncn",
    "annotation",
    "atnauthor",
    "atnid",
    "atndate",
    "atntime",
    "atnref",
    "atnicn",
    "atnparent",
    "fonttbl",
    "colortbl",
    "stylesheet",
    "info",
    "pict",
    "object",
    "fldinst",
    "header",
    "headerl",
    "headerr",
    "headerf",
    "footer",
    "footerl",
    "footerr",
    "footerf",
    "listtable",
    "listoverridetable",
    "revtbl",
    "rsidtbl",
    "generator",
    "themedata",
    "colorschememapping",
    "latentstyles",
    "datastore",
    "xmlnstbl",
    "filetbl",
    "pgdsctbl",
    "nonshppict",
    "shppict",
    "bkmkstart",
    "bkmkend",
];

/// Per-group state: whether its text is skipped, and how many fallback
/// characters follow a `\u` escape.
#[derive(Clone, Copy)]
struct Group {
    skip: bool,
    uc: usize,
}

/// The body text of an RTF file; an error says why it is not RTF.
pub fn rtf_text(bytes: &[u8]) -> std::result::Result<String, String> {
    let start = bytes
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(bytes.len());
    if !bytes[start..].starts_with(b"{\\rtf") {
        return Err("not an RTF file: it does not start with `{\\rtf`".into());
    }
    let mut encoding = encoding_rs::WINDOWS_1252;
    let mut out = String::new();
    // Bytes of `\'hh` escapes not yet decoded (a multi-byte character in an
    // East Asian code page spans several escapes).
    let mut pending: Vec<u8> = Vec::new();
    let mut stack: Vec<Group> = Vec::new();
    let mut group = Group { skip: false, uc: 1 };
    // Fallback characters still to drop after a `\u` escape.
    let mut to_drop = 0usize;
    // Whether the last group opened with `\*` (an ignorable destination).
    let mut starred = false;
    let mut at_group_start = false;
    let flush = |pending: &mut Vec<u8>, out: &mut String, enc: &'static encoding_rs::Encoding| {
        if !pending.is_empty() {
            out.push_str(&enc.decode_without_bom_handling(pending).0);
            pending.clear();
        }
    };
    let mut i = start;
    while i < bytes.len() {
        let b = bytes[i];
        match b {
            b'{' => {
                flush(&mut pending, &mut out, encoding);
                stack.push(group);
                at_group_start = true;
                starred = false;
                i += 1;
                continue;
            }
            b'}' => {
                flush(&mut pending, &mut out, encoding);
                group = stack.pop().ok_or("a `}` closes a group never opened")?;
                at_group_start = false;
                i += 1;
                if stack.is_empty() {
                    // The document's group is closed: what follows (a NUL,
                    // a stray brace) is not part of it.
                    break;
                }
                continue;
            }
            b'\\' => {
                let Some(&next) = bytes.get(i + 1) else {
                    break;
                };
                if next.is_ascii_alphabetic() {
                    let word_start = i + 1;
                    let mut j = word_start;
                    while j < bytes.len() && bytes[j].is_ascii_alphabetic() {
                        j += 1;
                    }
                    let word = std::str::from_utf8(&bytes[word_start..j]).unwrap_or("");
                    let num_start = j;
                    if j < bytes.len() && bytes[j] == b'-' {
                        j += 1;
                    }
                    while j < bytes.len() && bytes[j].is_ascii_digit() {
                        j += 1;
                    }
                    let param: Option<i64> = std::str::from_utf8(&bytes[num_start..j])
                        .ok()
                        .and_then(|n| n.parse().ok());
                    // One space after a control word belongs to it.
                    if j < bytes.len() && bytes[j] == b' ' {
                        j += 1;
                    }
                    i = j;
                    let first_in_group = at_group_start;
                    at_group_start = false;
                    if first_in_group && (starred || SKIPPED_DESTINATIONS.contains(&word)) {
                        group.skip = true;
                        continue;
                    }
                    if word == "ansicpg" {
                        if let Some(enc) = param.and_then(code_page) {
                            encoding = enc;
                        }
                        continue;
                    }
                    if word == "bin" {
                        // N bytes of binary data (a picture's), braces included.
                        let n = usize::try_from(param.unwrap_or(0)).unwrap_or(0);
                        i = i.saturating_add(n).min(bytes.len());
                        continue;
                    }
                    if word == "uc" {
                        group.uc = param.unwrap_or(1).clamp(0, 8) as usize;
                        continue;
                    }
                    if group.skip {
                        continue;
                    }
                    let text = match word {
                        "u" => {
                            flush(&mut pending, &mut out, encoding);
                            let n = param.unwrap_or(0);
                            let code = if n < 0 { n + 65_536 } else { n };
                            if let Some(c) = u32::try_from(code).ok().and_then(char::from_u32) {
                                out.push(c);
                            }
                            to_drop = group.uc;
                            continue;
                        }
                        "par" | "line" | "sect" | "page" | "row" => "\n",
                        "tab" | "cell" => "\t",
                        "emdash" => "—",
                        "endash" => "–",
                        "lquote" => "‘",
                        "rquote" => "’",
                        "ldblquote" => "“",
                        "rdblquote" => "”",
                        "bullet" => "•",
                        _ => continue,
                    };
                    flush(&mut pending, &mut out, encoding);
                    out.push_str(text);
                    to_drop = 0;
                    continue;
                }
                // `{\*\dest …}`: the destination's word still opens the group.
                at_group_start = at_group_start && next == b'*';
                i += 2;
                match next {
                    b'*' => starred = true,
                    b'\'' => {
                        let hex = bytes
                            .get(i..i + 2)
                            .and_then(|h| std::str::from_utf8(h).ok());
                        i += 2;
                        let Some(byte) = hex.and_then(|h| u8::from_str_radix(h, 16).ok()) else {
                            continue;
                        };
                        if group.skip {
                            continue;
                        }
                        if to_drop > 0 {
                            to_drop -= 1;
                            continue;
                        }
                        pending.push(byte);
                    }
                    b'\\' | b'{' | b'}' if !group.skip => {
                        if to_drop > 0 {
                            to_drop -= 1;
                            continue;
                        }
                        flush(&mut pending, &mut out, encoding);
                        out.push(next as char);
                    }
                    b'~' if !group.skip => out.push('\u{a0}'),
                    b'_' if !group.skip => out.push('‑'),
                    b'\n' | b'\r' if !group.skip => {
                        flush(&mut pending, &mut out, encoding);
                        out.push('\n');
                    }
                    _ => {}
                }
                continue;
            }
            b'\r' | b'\n' => {
                i += 1;
                continue;
            }
            _ => {}
        }
        at_group_start = false;
        i += 1;
        if group.skip {
            continue;
        }
        if to_drop > 0 {
            to_drop -= 1;
            continue;
        }
        if b.is_ascii() {
            flush(&mut pending, &mut out, encoding);
            out.push(b as char);
        } else {
            // Raw 8-bit text (some writers do not escape it): the code page.
            pending.push(b);
        }
    }
    flush(&mut pending, &mut out, encoding);
    Ok(out)
}

/// The encoding of a Windows code page (`\ansicpgN`), where encoding_rs has it.
fn code_page(n: i64) -> Option<&'static encoding_rs::Encoding> {
    let label = match n {
        65001 => "utf-8",
        932 => "shift_jis",
        936 => "gbk",
        949 => "euc-kr",
        950 => "big5",
        874 => "windows-874",
        1250..=1258 => return encoding_rs::Encoding::for_label(format!("windows-{n}").as_bytes()),
        _ => return None,
    };
    encoding_rs::Encoding::for_label(label.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A file as Word and WordPad write one: tables of fonts, colours and
    /// styles, document info, a picture, `\'hh` bytes, `\u` escapes with
    /// their fallback, quotes and dashes as control words.
    const WORD_LIKE: &str = r#"{\rtf1\ansi\ansicpg1252\deff0\nouicompat\deflang2057{\fonttbl{\f0\fnil\fcharset0 Calibri;}}
{\colortbl ;\red0\green0\blue255;}
{\*\generator Riched20 10.0.19041}{\info{\author Jane}{\title Interview 3}}\viewkind4\uc1
\pard\sa200\sl276\slmult1\b\f0\fs22\lang9 Interviewer:\b0  How was the caf\'e9 at night?\par
\b Participant:\b0  It\rquote s fine \endash  we\u8217?re used to it.\line Mostly.\par
{\pict\wmetafile8\picw100 0a0b0c0d}\par
{\field{\*\fldinst HYPERLINK "https://example.org"}{\fldrslt our site}}\par
}"#;

    #[test]
    fn the_body_text_is_read_and_the_rest_skipped() {
        assert_eq!(
            rtf_text(WORD_LIKE.as_bytes()).unwrap(),
            "Interviewer: How was the café at night?\nParticipant: It’s fine – we’re used to it.\nMostly.\n\nour site\n"
        );
    }

    /// A footnote (Word writes `{\footnote …}` unstarred, inside the
    /// group of its `\chftn` reference) and a comment written unstarred are
    /// not the speaker's words, nor are the footnote separators: the
    /// sentence around the reference reads as it does without them
    /// (h3/03: `…since the Trussell Transcriber: the Trussell Trust runs
    /// most UK food banks.` and `one opened.` apart).
    #[test]
    fn footnotes_and_comments_are_not_the_body() {
        let word_footnote = concat!(
            r"{\rtf1\ansi\ansicpg1252\uc1\deff0{\fonttbl{\f0 Calibri;}}",
            r"{\*\ftnsep \pard\plain {\chftnsep \par }}{\*\ftnsepc \pard\plain {\chftnsepc \par }}",
            r"{\ftnsep \pard\plain {\chftnsep separator\par }}{\ftncn \pard\plain {continued\par }}",
            r"{\aftnsep \pard\plain {\chftnsep \par }}{\aftnsepc \pard\plain {\chftnsepc \par }}",
            "\n",
            r"\pard\plain {\insrsid100 Ren\'e9e: She\rquote d been going since the Trussell",
            r"{\cs15\super\insrsid100 \chftn {\footnote \ltrpar \pard\plain \s16 {\cs15\super \chftn }",
            r"{\insrsid100  Transcriber: the Trussell Trust runs most UK food banks.}}}",
            r" one opened.\par }",
            r"{\insrsid100 Interviewer: Why?{\chatn {\annotation {\atnauthor Helen}{\atnid HW}{\atndate 1}",
            r"\pard\plain {\chatn }check this}} And then?\par }}",
        );
        assert_eq!(
            rtf_text(word_footnote.as_bytes()).unwrap(),
            "Renée: She’d been going since the Trussell one opened.\nInterviewer: Why? And then?\n"
        );
    }

    #[test]
    fn escapes_braces_and_code_pages() {
        assert_eq!(
            rtf_text(br"{\rtf1\ansi A \{brace\} and a back\\slash\par}").unwrap(),
            "A {brace} and a back\\slash\n"
        );
        // Two fallback characters after each \u with \uc2.
        assert_eq!(
            rtf_text(br"{\rtf1\uc2 Z\u252\'fc\'fcrich}").unwrap(),
            "Zürich"
        );
        // A Central European code page.
        assert_eq!(
            rtf_text(br"{\rtf1\ansi\ansicpg1250 \'9arot}").unwrap(),
            "šrot"
        );
        assert!(rtf_text(b"plain text").is_err());
        assert!(rtf_text(br"{\rtf1 a}b}").is_ok_and(|t| t == "a"));
        assert!(rtf_text(br"{\rtf1 {\b a}}}").is_ok_and(|t| t == "a"));
        // Binary data is skipped by its length, braces and all.
        assert_eq!(
            rtf_text(b"{\\rtf1 {\\pict\\bin3 }{x} after}").unwrap(),
            " after"
        );
    }

    #[test]
    fn no_input_makes_it_panic() {
        // A fixed pseudo-random stream of RTF's special bytes and others.
        let alphabet = b"{}\\'*u-0123456789abcdefparlinebin \n\xe9\xff";
        let mut x: u64 = 42;
        for _ in 0..2_000 {
            let mut doc = b"{\\rtf1 ".to_vec();
            for _ in 0..64 {
                x = x
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                doc.push(alphabet[(x >> 33) as usize % alphabet.len()]);
            }
            let _ = rtf_text(&doc);
        }
    }

    /// The hunt h22/03: a transcript table's heading row (`Speaker |
    /// Utterance`) is no turn, as in the same table saved as `.docx`.
    #[test]
    fn a_tables_heading_row_is_no_turn() {
        let table = concat!(
            r"{\rtf1\ansi\deff0{\fonttbl{\f0 Calibri;}}",
            "\n\\pard Interview 9\\par\n",
            r"\trowd\cellx2500\cellx9000 \pard\intbl Speaker\cell \pard\intbl Utterance\cell \row",
            "\n",
            r"\trowd\cellx2500\cellx9000 \pard\intbl Interviewer\cell \pard\intbl Your first job?\cell \row",
            "\n",
            r"\trowd\cellx2500\cellx9000 \pard\intbl Dorothy\cell \pard\intbl In service.\cell \row",
            "\n",
            r"\trowd\cellx2500\cellx9000 \pard\intbl \cell \pard\intbl I was fourteen.\cell \row",
            "\n",
            r"\trowd\cellx2500\cellx9000 \pard\intbl Interviewer\cell \pard\intbl Paid much?\cell \row",
            "\n",
            r"\trowd\cellx2500\cellx9000 \pard\intbl Dorothy\cell \pard\intbl Five shillings.\cell \row",
            "\n}"
        );
        let docs = RtfReader
            .read(SourceFile {
                path: std::path::Path::new("interview09.rtf"),
                name: "interview09.rtf",
                bytes: table.as_bytes(),
            })
            .unwrap();
        let doc = &docs[0];
        let turns: Vec<(Option<&str>, &str)> = doc
            .turns
            .iter()
            .map(|t| (t.speaker.as_deref(), doc.text[t.start..t.end].trim()))
            .collect();
        assert_eq!(
            turns,
            [
                (Some("Interviewer"), "Your first job?"),
                (Some("Dorothy"), "In service.\t\n\tI was fourteen."),
                (Some("Interviewer"), "Paid much?"),
                (Some("Dorothy"), "Five shillings."),
            ]
        );
    }

    #[test]
    fn speaker_turns_come_from_the_text() {
        let reader = RtfReader;
        let docs = reader
            .read(SourceFile {
                path: std::path::Path::new("interview.rtf"),
                name: "interview.rtf",
                bytes: WORD_LIKE.as_bytes(),
            })
            .unwrap();
        let speakers: Vec<Option<&str>> =
            docs[0].turns.iter().map(|t| t.speaker.as_deref()).collect();
        assert_eq!(speakers, [Some("Interviewer"), Some("Participant")]);
    }
}
