//! Bytes to text: UTF-8 (BOM stripped), UTF-16 with a BOM, or Windows-1252
//! when a file is not UTF-8 but plainly is text. Anything else is an error
//! that names the byte where decoding failed.

use std::path::Path;

use crate::error::{IngestError, Result};

/// Longest line accepted, in bytes of UTF-8. Transcripts have short lines; a
/// longer one almost always means a wrong file (a minified export, a dump).
pub const MAX_LINE_BYTES: usize = 1 << 20;

/// The text of a file and the encoding it was read as.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decoded {
    pub text: String,
    pub encoding: &'static str,
}

/// Decodes a text file, then rejects empty files and over-long lines.
pub fn decode_text(file: &Path, bytes: &[u8]) -> Result<Decoded> {
    let mut decoded = decode(file, bytes)?;
    decoded.text = lone_carriage_returns_as_line_feeds(decoded.text);
    decoded.text = without_invisible_marks(decoded.text);
    if decoded.text.trim().is_empty() {
        return Err(IngestError::Empty { file: file.into() });
    }
    check_line_lengths(file, &decoded.text)?;
    Ok(decoded)
}

/// Decodes a structured file (a codebook in JSON, YAML or REFI-QDA XML)
/// as [`decode_text`] does, without its line limit: a minified JSON or an
/// unindented `.qdc` is one long line and a valid file, where in a
/// transcript such a line means a wrong file.
pub fn decode_structured_text(file: &Path, bytes: &[u8]) -> Result<Decoded> {
    let mut decoded = decode(file, bytes)?;
    decoded.text = lone_carriage_returns_as_line_feeds(decoded.text);
    if decoded.text.trim().is_empty() {
        return Err(IngestError::Empty { file: file.into() });
    }
    Ok(decoded)
}

/// A carriage return not followed by a line feed ends a line, as classic
/// Mac OS and some transcription tools write them (WebVTT allows them too):
/// read as text, such a file was one line, so a focus group of 58 turns
/// became one moderator turn and nothing was coded. Each lone `\r` becomes
/// `\n`, one byte for one, so every offset into the text stays where it
/// was; `\r\n` is left as it is.
fn lone_carriage_returns_as_line_feeds(text: String) -> String {
    if !text.contains('\r') {
        return text;
    }
    let mut bytes = text.into_bytes();
    for i in 0..bytes.len() {
        if bytes[i] == b'\r' && bytes.get(i + 1) != Some(&b'\n') {
            bytes[i] = b'\n';
        }
    }
    String::from_utf8(bytes).expect("an ASCII byte for an ASCII byte keeps UTF-8 valid")
}

/// Whether `c` is an invisible formatting mark a transcript's text does
/// not need: a byte-order mark inside the file (files joined with `cat`
/// or `copy /b`), zero-width spaces and word joiners pasted from the web,
/// and the direction marks and embeddings that right-to-left keyboards
/// write after an Arabic or Hebrew name. Beside a speaker label each hid
/// the label: "Interviewer:" after a joined file's mark was a
/// participant's sentence, and an Arabic speaker's answers the
/// interviewer's turn (hm/01). The zero-width joiner, which binds emoji
/// and Indic letters, stays.
///
/// Public because a text stored without these marks must still be
/// recognised in another tool's copy that has them: the `.qdpx` import
/// compares texts, and maps positions, by this same rule.
pub fn is_invisible_mark(c: char) -> bool {
    matches!(
        c,
        '\u{feff}' | '\u{200b}' | '\u{2060}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}'
            | '\u{2066}'..='\u{2069}'
    )
}

/// `text` without [`is_invisible_mark`]s.
fn without_invisible_marks(text: String) -> String {
    if !text.contains(is_invisible_mark) {
        return text;
    }
    text.chars().filter(|&c| !is_invisible_mark(c)).collect()
}

/// Rejects any line longer than [`MAX_LINE_BYTES`].
pub fn check_line_lengths(file: &Path, text: &str) -> Result<()> {
    for (i, line) in text.split('\n').enumerate() {
        if line.len() > MAX_LINE_BYTES {
            return Err(IngestError::LineTooLong {
                file: file.into(),
                line: i + 1,
                bytes: line.len(),
            });
        }
    }
    Ok(())
}

fn decode(file: &Path, bytes: &[u8]) -> Result<Decoded> {
    if bytes.is_empty() {
        return Err(IngestError::Empty { file: file.into() });
    }
    if let Some(rest) = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]) {
        return utf8(file, without_end_of_file_marks(rest), 3);
    }
    if let Some(rest) = bytes.strip_prefix(&[0xFF, 0xFE]) {
        return utf16(file, rest, u16::from_le_bytes).map(|text| Decoded {
            text: text_without_end_of_file_marks(text),
            encoding: "UTF-16LE",
        });
    }
    if let Some(rest) = bytes.strip_prefix(&[0xFE, 0xFF]) {
        return utf16(file, rest, u16::from_be_bytes).map(|text| Decoded {
            text: text_without_end_of_file_marks(text),
            encoding: "UTF-16BE",
        });
    }
    if let Some(offset) = bytes.iter().position(|&b| b == 0) {
        let zeros = bytes.iter().filter(|&&b| b == 0).count();
        let hint = if zeros * 3 >= bytes.len() {
            " — UTF-16 without a byte-order mark? Save it as UTF-8"
        } else {
            ""
        };
        return Err(IngestError::Binary {
            file: file.into(),
            offset,
            hint,
        });
    }
    utf8(file, without_end_of_file_marks(bytes), 0)
}

/// The DOS end-of-file mark, Ctrl-Z, that `copy /a`, DOS-era editors and
/// some transcription and mainframe export tools append to a text file
/// (CP/M's pad the last 128-byte record with it).
const END_OF_FILE_MARK: u8 = 0x1A;

/// `bytes` without the end-of-file marks that end them: they are the
/// file's end, not its text. Kept, one was stored in the last sentence of
/// a UTF-8 file, and a Windows-1252 file was refused as "invalid UTF-8"
/// at its first accented letter, a control byte ruling Windows-1252 out
/// (h3/05). In UTF-8 and Windows-1252 the byte 0x1A is only ever the
/// character U+001A, so this cuts no character in two; a Ctrl-Z anywhere
/// else is left to the checks below.
fn without_end_of_file_marks(bytes: &[u8]) -> &[u8] {
    let end = bytes
        .iter()
        .rposition(|&b| b != END_OF_FILE_MARK)
        .map_or(0, |last| last + 1);
    &bytes[..end]
}

/// [`without_end_of_file_marks`] for a UTF-16 file, whose mark is the
/// code unit U+001A.
fn text_without_end_of_file_marks(mut text: String) -> String {
    let end = text.trim_end_matches(char::from(END_OF_FILE_MARK)).len();
    text.truncate(end);
    text
}

fn utf8(file: &Path, bytes: &[u8], base: usize) -> Result<Decoded> {
    match std::str::from_utf8(bytes) {
        Ok(text) => Ok(Decoded {
            text: text.to_owned(),
            encoding: "UTF-8",
        }),
        Err(e) if base == 0 && looks_like_windows_1252(bytes) => {
            let _ = e;
            let (text, _) = encoding_rs::WINDOWS_1252.decode_without_bom_handling(bytes);
            Ok(Decoded {
                text: text.into_owned(),
                encoding: "windows-1252",
            })
        }
        Err(e) => {
            let offset = e.valid_up_to();
            let line = bytes[..offset].iter().filter(|&&b| b == b'\n').count() + 1;
            Err(IngestError::InvalidUtf8 {
                file: file.into(),
                offset: offset + base,
                line,
            })
        }
    }
}

/// Windows-1252 is only guessed for files that hold no well-formed UTF-8
/// multi-byte sequence (a UTF-8 file with one corrupt byte must be an error,
/// not mojibake), no control bytes other than whitespace, none of the five
/// bytes Windows-1252 leaves undefined, and mostly ASCII.
fn looks_like_windows_1252(bytes: &[u8]) -> bool {
    let mut high = 0usize;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        match b {
            b'\t' | b'\n' | b'\r' | 0x0C => {}
            0x00..=0x1F | 0x7F => return false,
            0x81 | 0x8D | 0x8F | 0x90 | 0x9D => return false,
            0x80..=0xFF => {
                let continuation = match b {
                    0xC2..=0xDF => 1,
                    0xE0..=0xEF => 2,
                    0xF0..=0xF4 => 3,
                    _ => 0,
                };
                if continuation > 0
                    && i + continuation < bytes.len()
                    && bytes[i + 1..=i + continuation]
                        .iter()
                        .all(|c| (0x80..=0xBF).contains(c))
                {
                    return false;
                }
                high += 1;
            }
            _ => {}
        }
        i += 1;
    }
    high * 5 <= bytes.len()
}

fn utf16(file: &Path, bytes: &[u8], unit: fn([u8; 2]) -> u16) -> Result<String> {
    let units = bytes.chunks(2).map(|c| {
        if c.len() == 2 {
            Ok(unit([c[0], c[1]]))
        } else {
            Err(())
        }
    });
    let mut out = String::with_capacity(bytes.len() / 2);
    let mut units_ok = Vec::with_capacity(bytes.len() / 2);
    for (i, u) in units.enumerate() {
        match u {
            Ok(u) => units_ok.push(u),
            Err(()) => {
                return Err(IngestError::InvalidUtf16 {
                    file: file.into(),
                    offset: 2 + i * 2,
                })
            }
        }
    }
    let mut index = 0usize;
    for r in char::decode_utf16(units_ok.iter().copied()) {
        match r {
            Ok(c) => {
                out.push(c);
                index += c.len_utf16();
            }
            Err(_) => {
                return Err(IngestError::InvalidUtf16 {
                    file: file.into(),
                    offset: 2 + index * 2,
                })
            }
        }
    }
    if out.is_empty() {
        return Err(IngestError::Empty { file: file.into() });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p() -> &'static Path {
        Path::new("talk.txt")
    }

    #[test]
    fn invisible_marks_go_emoji_joiners_stay() {
        let text = "Sam: Fine.\n\u{feff}Interviewer: Anything else?\nسارة\u{200f}: نعم.\n\u{200b}Anna\u{200b} Smith: 👩\u{200d}⚕️ yes.\n";
        let d = decode_text(p(), text.as_bytes()).unwrap();
        assert_eq!(
            d.text,
            "Sam: Fine.\nInterviewer: Anything else?\nسارة: نعم.\nAnna Smith: 👩\u{200d}⚕️ yes.\n"
        );
    }

    #[test]
    fn utf8_with_and_without_bom() {
        let d = decode_text(p(), "Anna: Grüße".as_bytes()).unwrap();
        assert_eq!(d.text, "Anna: Grüße");
        let mut b = vec![0xEF, 0xBB, 0xBF];
        b.extend_from_slice("Anna: hi".as_bytes());
        let d = decode_text(p(), &b).unwrap();
        assert_eq!(d.text, "Anna: hi");
        assert_eq!(d.encoding, "UTF-8");
    }

    #[test]
    fn utf16_both_byte_orders() {
        let s = "Anna: Grüße 😀\r\nBo: ok";
        let mut le = vec![0xFF, 0xFE];
        let mut be = vec![0xFE, 0xFF];
        for u in s.encode_utf16() {
            le.extend_from_slice(&u.to_le_bytes());
            be.extend_from_slice(&u.to_be_bytes());
        }
        assert_eq!(decode_text(p(), &le).unwrap().text, s);
        assert_eq!(decode_text(p(), &be).unwrap().text, s);
        // An unpaired high surrogate after "A".
        let bad = [0xFF, 0xFE, b'A', 0, 0x00, 0xD8, b'B', 0];
        let e = decode_text(p(), &bad).unwrap_err().to_string();
        assert_eq!(e, "talk.txt: invalid UTF-16 at byte 4 (unpaired surrogate)");
    }

    #[test]
    fn windows_1252_is_transcoded() {
        // "Café – naïve" in Windows-1252.
        let b = b"Anna: Caf\xe9 \x96 na\xefve, sch\xf6n.\r\n";
        let d = decode_text(p(), b).unwrap();
        assert_eq!(d.text, "Anna: Café – naïve, schön.\r\n");
        assert_eq!(d.encoding, "windows-1252");
    }

    #[test]
    fn a_trailing_end_of_file_mark_is_no_text() {
        // Windows-1252 with CRLF and the Ctrl-Z `copy /a` appends: read as
        // Windows-1252, not refused as invalid UTF-8 at the "é".
        let b = b"Interviewer: How long?\r\nZo\xe9: Ten years \x96 I\x92ve stayed.\r\n\x1a";
        let d = decode_text(p(), b).unwrap();
        assert_eq!(
            d.text,
            "Interviewer: How long?\r\nZoé: Ten years – I’ve stayed.\r\n"
        );
        assert_eq!(d.encoding, "windows-1252");
        // UTF-8, with and without a BOM; CP/M pads with several.
        let s = "Zoé: I’ve complained twice.\r\n";
        let mut b = s.as_bytes().to_vec();
        b.push(0x1A);
        assert_eq!(decode_text(p(), &b).unwrap().text, s);
        let mut bom = vec![0xEF, 0xBB, 0xBF];
        bom.extend_from_slice(s.as_bytes());
        bom.extend_from_slice(&[0x1A, 0x1A, 0x1A]);
        assert_eq!(decode_text(p(), &bom).unwrap().text, s);
        // UTF-16 LE and BE: the mark is a code unit.
        let mut le = vec![0xFF, 0xFE];
        let mut be = vec![0xFE, 0xFF];
        for u in s.encode_utf16().chain([0x1A]) {
            le.extend_from_slice(&u.to_le_bytes());
            be.extend_from_slice(&u.to_be_bytes());
        }
        assert_eq!(decode_text(p(), &le).unwrap().text, s);
        assert_eq!(decode_text(p(), &be).unwrap().text, s);
        // A file of nothing but the mark is empty; one inside the text
        // still rules Windows-1252 out.
        assert_eq!(
            decode_text(p(), b"\x1a").unwrap_err().to_string(),
            "talk.txt: file is empty"
        );
        let e = decode_text(p(), b"Zo\xe9: \x1a fine.\n")
            .unwrap_err()
            .to_string();
        assert_eq!(
            e,
            "talk.txt: invalid UTF-8 at byte 2 (line 1); save the file as UTF-8"
        );
    }

    #[test]
    fn corrupt_utf8_is_an_error_with_offset() {
        // Valid UTF-8 "é" earlier means this is broken UTF-8, not Windows-1252.
        let b = b"Anna: caf\xc3\xa9\nBo: bad \xff byte";
        let e = decode_text(p(), b).unwrap_err().to_string();
        assert_eq!(
            e,
            "talk.txt: invalid UTF-8 at byte 20 (line 2); save the file as UTF-8"
        );
        // Control bytes: not text in any encoding.
        let e = decode_text(p(), b"abc \x01\x02 \xff")
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("talk.txt: invalid UTF-8 at byte 7"), "{e}");
    }

    #[test]
    fn empty_binary_and_long_lines() {
        assert_eq!(
            decode_text(p(), b"").unwrap_err().to_string(),
            "talk.txt: file is empty"
        );
        assert_eq!(
            decode_text(p(), b" \n\r\n ").unwrap_err().to_string(),
            "talk.txt: file is empty"
        );
        let e = decode_text(p(), b"PK\x03\x04\x00\x00abc")
            .unwrap_err()
            .to_string();
        assert_eq!(e, "talk.txt: binary file (NUL byte at byte 4)");
        let e = decode_text(p(), b"A\x00n\x00n\x00a\x00")
            .unwrap_err()
            .to_string();
        assert!(e.contains("UTF-16 without a byte-order mark"), "{e}");
        let mut long = b"Anna: ok\nBo: ".to_vec();
        long.extend(vec![b'x'; MAX_LINE_BYTES + 1]);
        let e = decode_text(p(), &long).unwrap_err().to_string();
        assert!(e.starts_with("talk.txt: line 2 is longer than 1 MB"), "{e}");
    }
}
