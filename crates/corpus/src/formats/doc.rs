//! Word 97–2003 documents (`.doc`: older transcripts, archives' deposits;
//! NVivo and ATLAS.ti import them): the main document's text through the
//! piece table ([MS-DOC] §2.4.1), then the same speaker rules as plain text,
//! as a DOCX is read ([`super::docx`]: a table row becomes one
//! `[time] Speaker: text` line).
//!
//! Written here, not taken from a crate: no maintained crate reads a
//! `.doc`'s text; the compound-file container is the `cfb` crate's. What is
//! read: the characters of the main document (CP 0 to `ccpText`), each
//! piece 8-bit (Windows-1252) or UTF-16 as the piece table says. Footnotes,
//! headers, comments and text boxes follow the main document in the
//! character stream and are not read; a field's instruction (`PAGE`,
//! `HYPERLINK "…"`) is dropped and its result kept. An encrypted or
//! obfuscated document, and Word 6/95's older format, are refused by name.

use std::io::{Cursor, Read};

use super::docx::row_line;
use super::text::extracted_text_document;
use super::{RawDocument, Reader, SourceFile};
use crate::error::{IngestError, Result};
use crate::SourceFormat;

pub struct DocReader;

impl Reader for DocReader {
    fn format(&self) -> SourceFormat {
        SourceFormat::Doc
    }

    fn read(&self, file: SourceFile<'_>) -> Result<Vec<RawDocument>> {
        let text = document_text(file.bytes).map_err(|message| IngestError::BadDoc {
            file: file.path.into(),
            message,
        })?;
        extracted_text_document(file, text)
    }
}

/// `FibBase.wIdent` of a Word binary document.
const WORD_IDENT: u16 = 0xA5EC;
/// The first `nFib` of Word 97's format; Word 6 and 95 wrote less.
const WORD_97_NFIB: u16 = 0x00C1;
/// Index of `fcClx` among `FibRgFcLcb97`'s (fc, lcb) pairs.
const CLX_PAIR: usize = 33;

fn u16_at(b: &[u8], at: usize) -> std::result::Result<u16, String> {
    b.get(at..at + 2)
        .map(|s| u16::from_le_bytes([s[0], s[1]]))
        .ok_or_else(|| format!("truncated at byte {at}"))
}

fn u32_at(b: &[u8], at: usize) -> std::result::Result<u32, String> {
    b.get(at..at + 4)
        .map(|s| u32::from_le_bytes([s[0], s[1], s[2], s[3]]))
        .ok_or_else(|| format!("truncated at byte {at}"))
}

fn stream(
    cfb: &mut cfb::CompoundFile<Cursor<&[u8]>>,
    name: &str,
) -> std::result::Result<Vec<u8>, String> {
    let mut out = Vec::new();
    cfb.open_stream(name)
        .and_then(|mut s| s.read_to_end(&mut out))
        .map_err(|e| format!("no {name} stream ({e}): not a Word 97-2003 document"))?;
    Ok(out)
}

/// The main document's text, paragraphs and table rows as lines.
pub fn document_text(bytes: &[u8]) -> std::result::Result<String, String> {
    let mut cfb = cfb::CompoundFile::open(Cursor::new(bytes))
        .map_err(|e| format!("not a Word 97-2003 document (not a compound file: {e})"))?;
    let word = stream(&mut cfb, "WordDocument")?;
    if u16_at(&word, 0)? != WORD_IDENT {
        return Err("not a Word 97-2003 document (WordDocument has no Word header)".into());
    }
    if u16_at(&word, 2)? < WORD_97_NFIB {
        return Err("a Word 6 or Word 95 document, which is not read; save it as DOCX".into());
    }
    let flags = u16_at(&word, 0x0A)?;
    if flags & 0x0100 != 0 || flags & 0x8000 != 0 {
        return Err("the document is encrypted or obfuscated; save it unprotected".into());
    }
    let table_name = if flags & 0x0200 != 0 {
        "1Table"
    } else {
        "0Table"
    };
    // FibBase (32 bytes), then csw and FibRgW, cslw and FibRgLw, cbRgFcLcb
    // and FibRgFcLcb.
    let csw = u16_at(&word, 32)? as usize;
    let at_cslw = 34 + csw * 2;
    let cslw = u16_at(&word, at_cslw)? as usize;
    let rg_lw = at_cslw + 2;
    let ccp_text = u32_at(&word, rg_lw + 3 * 4)? as usize;
    let at_cb = rg_lw + cslw * 4;
    let cb_fc_lcb = u16_at(&word, at_cb)? as usize;
    if cb_fc_lcb <= CLX_PAIR {
        return Err(format!(
            "a file information block of {cb_fc_lcb} entries has no piece table"
        ));
    }
    let fc_clx = u32_at(&word, at_cb + 2 + CLX_PAIR * 8)? as usize;
    let lcb_clx = u32_at(&word, at_cb + 2 + CLX_PAIR * 8 + 4)? as usize;
    let table = stream(&mut cfb, table_name)?;
    let clx = table
        .get(fc_clx..fc_clx.saturating_add(lcb_clx))
        .ok_or("the piece table lies outside its stream")?;
    let chars = main_text(&word, piece_table(clx)?, ccp_text)?;
    Ok(lines(&chars))
}

/// One piece: characters [cp_start, cp_end) at `fc` in WordDocument, 8-bit
/// (Windows-1252) when `compressed`, else UTF-16LE.
struct Piece {
    cp_start: usize,
    cp_end: usize,
    fc: usize,
    compressed: bool,
}

/// The Clx's PlcPcd, past any Prc (property modifiers) before it.
fn piece_table(clx: &[u8]) -> std::result::Result<Vec<Piece>, String> {
    let mut at = 0;
    loop {
        match clx.get(at) {
            Some(1) => {
                let cb = u16_at(clx, at + 1)? as usize;
                at += 3 + cb;
            }
            Some(2) => break,
            _ => return Err("the piece table is damaged".into()),
        }
    }
    let lcb = u32_at(clx, at + 1)? as usize;
    let plc = clx
        .get(at + 5..(at + 5).saturating_add(lcb))
        .ok_or("the piece table is truncated")?;
    if plc.len() < 4 || (plc.len() - 4) % 12 != 0 {
        return Err("the piece table has a wrong length".into());
    }
    let n = (plc.len() - 4) / 12;
    (0..n)
        .map(|i| {
            let fc_raw = u32_at(plc, 4 * (n + 1) + 8 * i + 2)?;
            let compressed = fc_raw & 0x4000_0000 != 0;
            let fc = (fc_raw & 0x3FFF_FFFF) as usize;
            Ok(Piece {
                cp_start: u32_at(plc, 4 * i)? as usize,
                cp_end: u32_at(plc, 4 * (i + 1))? as usize,
                fc: if compressed { fc / 2 } else { fc },
                compressed,
            })
        })
        .collect()
}

/// Characters 0 to `ccp_text` of the document, piece by piece.
fn main_text(
    word: &[u8],
    pieces: Vec<Piece>,
    ccp_text: usize,
) -> std::result::Result<Vec<char>, String> {
    let mut out: Vec<char> = Vec::new();
    for p in pieces {
        if p.cp_start >= ccp_text {
            break;
        }
        let count = p.cp_end.min(ccp_text).saturating_sub(p.cp_start);
        let width = if p.compressed { 1 } else { 2 };
        let bytes = word
            .get(p.fc..p.fc.saturating_add(count * width))
            .ok_or("a piece of text lies outside the WordDocument stream")?;
        if p.compressed {
            let (text, _, _) = encoding_rs::WINDOWS_1252.decode(bytes);
            out.extend(text.chars());
        } else {
            let units: Vec<u16> = bytes
                .chunks_exact(2)
                .map(|c| u16::from_le_bytes([c[0], c[1]]))
                .collect();
            out.extend(char::decode_utf16(units).map(|c| c.unwrap_or('\u{FFFD}')));
        }
    }
    Ok(out)
}

/// The characters as lines: a paragraph mark, line break or page break ends
/// a line; cells (each ended by 0x07) gather into a row, which a second
/// 0x07 ends, written as [`row_line`] writes a DOCX's; a field's
/// instruction (0x13 … 0x14) is dropped, its result (… 0x15) kept; anchors
/// of pictures, footnotes and comments are dropped.
fn lines(chars: &[char]) -> String {
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    let mut cells: Vec<String> = Vec::new();
    // Field nesting: for each open field, whether its result has begun.
    let mut fields: Vec<bool> = Vec::new();
    let mut last_was_cell_end = false;
    for &c in chars {
        let cell_end = c == '\u{7}';
        match c {
            '\u{13}' => fields.push(false),
            '\u{14}' => {
                if let Some(f) = fields.last_mut() {
                    *f = true;
                }
            }
            '\u{15}' => {
                fields.pop();
            }
            _ if fields.last() == Some(&false) => {}
            '\r' | '\u{b}' | '\u{c}' => {
                if cells.is_empty() && !last_was_cell_end {
                    lines.push(std::mem::take(&mut line));
                } else {
                    // A paragraph inside a cell: the cell's text goes on.
                    line.push(' ');
                }
            }
            '\u{7}' => {
                if last_was_cell_end {
                    // The row's end mark after its last cell.
                    lines.push(row_line(&std::mem::take(&mut cells)));
                } else {
                    cells.push(std::mem::take(&mut line).trim().to_string());
                }
            }
            '\u{1}' | '\u{2}' | '\u{5}' | '\u{8}' | '\u{1f}' => {}
            '\u{1e}' => line.push('-'),
            '\u{a0}' => line.push(' '),
            '\t' => line.push('\t'),
            c if c.is_control() => {}
            c => line.push(c),
        }
        last_was_cell_end = cell_end && !last_was_cell_end;
    }
    if !cells.is_empty() {
        lines.push(row_line(&cells));
    }
    if !line.trim().is_empty() {
        lines.push(line);
    }
    let mut text = lines.join("\n");
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chars(s: &str) -> Vec<char> {
        s.chars().collect()
    }

    #[test]
    fn paragraphs_rows_and_fields_become_lines() {
        let text = "Interview 4\r\rInterviewer: How safe?\u{b}Really?\rPage \u{13} PAGE \u{14}3\u{15} of it.\r\
                    00:12:30\u{7}Jonas\u{7}I disagree.\u{7}\u{7}Anna: Yes\u{2}.\r";
        assert_eq!(
            lines(&chars(text)),
            "Interview 4\n\nInterviewer: How safe?\nReally?\nPage 3 of it.\n[00:12:30] Jonas: I disagree.\nAnna: Yes.\n"
        );
    }

    #[test]
    fn what_is_not_a_word_document_is_refused_with_a_reason() {
        assert!(document_text(b"plain text")
            .unwrap_err()
            .starts_with("not a Word 97-2003 document"));
        assert!(document_text(&[]).is_err());
    }
}
