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

use super::docx::TableRows;
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
/// Index of `fcPlcfBtePapx` (where the paragraphs' properties are).
const BTE_PAPX_PAIR: usize = 13;
/// `sprmPFTtp` and `sprmPFInnerTtp`: the paragraph is a table row's end
/// mark (of an outer or a nested table).
const SPRM_ROW_END: [u16; 2] = [0x2417, 0x244C];
/// A formatted disk page of paragraph properties is 512 bytes.
const FKP_SIZE: usize = 512;

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
    let pair = |i: usize| -> Option<(usize, usize)> {
        (cb_fc_lcb > i).then_some(())?;
        let at = at_cb + 2 + i * 8;
        Some((
            u32_at(&word, at).ok()? as usize,
            u32_at(&word, at + 4).ok()? as usize,
        ))
    };
    let row_ends = pair(BTE_PAPX_PAIR)
        .and_then(|(fc, lcb)| row_end_paragraphs(&word, table.get(fc..fc.checked_add(lcb)?)?))
        .unwrap_or_default();
    Ok(lines(&chars, &row_ends))
}

/// The byte ranges (in WordDocument) of the paragraphs whose properties
/// mark a table row's end ([MS-DOC] §2.4.3: a table row ends with a
/// paragraph holding only a 0x07 and `sprmPFTtp`), from the PlcBtePapx and
/// its formatted disk pages; `None` where they cannot be read, and the
/// reader then tells a row's end by its second 0x07 in a row.
fn row_end_paragraphs(word: &[u8], plc: &[u8]) -> Option<Vec<(usize, usize)>> {
    if plc.len() < 4 || !(plc.len() - 4).is_multiple_of(8) {
        return None;
    }
    let pages = (plc.len() - 4) / 8;
    let mut ends = Vec::new();
    for i in 0..pages {
        let pn = (u32_at(plc, 4 * (pages + 1) + 4 * i).ok()? & 0x003F_FFFF) as usize;
        let fkp = word.get(pn.checked_mul(FKP_SIZE)?..(pn + 1).checked_mul(FKP_SIZE)?)?;
        let runs = fkp[FKP_SIZE - 1] as usize;
        for r in 0..runs {
            let start = u32_at(fkp, 4 * r).ok()? as usize;
            let end = u32_at(fkp, 4 * (r + 1)).ok()? as usize;
            // BxPap: 13 bytes each after the rgfc; its first byte is the
            // PapxInFkp's offset in words (0: default properties).
            let offset = *fkp.get(4 * (runs + 1) + 13 * r)? as usize * 2;
            if offset != 0 && marks_row_end(fkp, offset)? {
                ends.push((start, end));
            }
        }
    }
    ends.sort_unstable();
    Some(ends)
}

/// Whether the PapxInFkp at `at` carries `sprmPFTtp` (or its nested
/// table's) with operand 1.
fn marks_row_end(fkp: &[u8], at: usize) -> Option<bool> {
    let cb = *fkp.get(at)? as usize;
    let (body, len) = if cb == 0 {
        (at + 2, *fkp.get(at + 1)? as usize * 2)
    } else {
        (at + 1, cb * 2 - 1)
    };
    let grp = fkp.get(body..body + len)?;
    // The style index (istd) first, then the property modifiers.
    let mut i = 2;
    while i + 2 <= grp.len() {
        let sprm = u16::from_le_bytes([grp[i], grp[i + 1]]);
        i += 2;
        let operand = match sprm >> 13 {
            0 | 1 => 1,
            2 | 4 | 5 => 2,
            3 => 4,
            7 => 3,
            // Variable: a size byte first (sprmPChgTabs' special form
            // aside, which a row end mark does not carry).
            _ => 1 + *grp.get(i)? as usize,
        };
        if SPRM_ROW_END.contains(&sprm) {
            return Some(grp.get(i) == Some(&1));
        }
        i += operand;
    }
    Some(false)
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

/// Characters 0 to `ccp_text` of the document, piece by piece, each with
/// its byte offset in WordDocument (where paragraph properties point).
fn main_text(
    word: &[u8],
    pieces: Vec<Piece>,
    ccp_text: usize,
) -> std::result::Result<Vec<(char, usize)>, String> {
    let mut out: Vec<(char, usize)> = Vec::new();
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
            // Windows-1252 (as WHATWG defines it) maps every byte to one
            // character.
            let (text, _, _) = encoding_rs::WINDOWS_1252.decode(bytes);
            out.extend(text.chars().enumerate().map(|(k, c)| (c, p.fc + k)));
        } else {
            let units: Vec<u16> = bytes
                .chunks_exact(2)
                .map(|c| u16::from_le_bytes([c[0], c[1]]))
                .collect();
            let mut k = 0;
            for c in char::decode_utf16(units.iter().copied()) {
                let (c, width) = match c {
                    Ok(c) => (c, c.len_utf16()),
                    Err(_) => ('\u{FFFD}', 1),
                };
                out.push((c, p.fc + 2 * k));
                k += width;
            }
        }
    }
    Ok(out)
}

/// The characters as lines: a paragraph mark, line break or page break ends
/// a line; cells (each ended by 0x07) gather into a row, written as
/// [`TableRows`] writes a DOCX's. The row ends at a 0x07 inside one of
/// `row_ends` (byte ranges of row-end paragraphs); without them, at the
/// second 0x07 in a row, which an empty cell's mark would also be. A
/// field's instruction (0x13 … 0x14) is dropped, its result (… 0x15) kept;
/// anchors of pictures, footnotes and comments are dropped.
fn lines(chars: &[(char, usize)], row_ends: &[(usize, usize)]) -> String {
    let is_row_end = |fc: usize| {
        let i = row_ends.partition_point(|&(start, _)| start <= fc);
        i > 0 && fc < row_ends[i - 1].1
    };
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    let mut cells: Vec<String> = Vec::new();
    let mut rows = TableRows::default();
    // Field nesting: for each open field, whether its result has begun.
    let mut fields: Vec<bool> = Vec::new();
    let mut last_was_cell_end = false;
    for &(c, fc) in chars {
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
                    // A paragraph outside a table: a table after it has a
                    // heading row of its own.
                    rows.start_table(&lines);
                    lines.push(std::mem::take(&mut line));
                } else {
                    // A paragraph inside a cell: the cell's text goes on.
                    line.push(' ');
                }
            }
            '\u{7}' => {
                let row_end = if row_ends.is_empty() {
                    last_was_cell_end
                } else {
                    is_row_end(fc)
                };
                if row_end {
                    // The row's end mark after its last cell.
                    lines.push(rows.line(&std::mem::take(&mut cells)));
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
        lines.push(rows.line(&cells));
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

    /// Characters at consecutive byte offsets, as one 8-bit piece.
    fn chars(s: &str) -> Vec<(char, usize)> {
        s.chars().enumerate().map(|(i, c)| (c, i)).collect()
    }

    #[test]
    fn paragraphs_rows_and_fields_become_lines() {
        let text = "Interview 4\r\rInterviewer: How safe?\u{b}Really?\rPage \u{13} PAGE \u{14}3\u{15} of it.\r\
                    00:12:30\u{7}Jonas\u{7}I disagree.\u{7}\u{7}Anna: Yes\u{2}.\r";
        assert_eq!(
            lines(&chars(text), &[]),
            "Interview 4\n\nInterviewer: How safe?\nReally?\nPage 3 of it.\n[00:12:30] Jonas: I disagree.\nAnna: Yes.\n"
        );
    }

    #[test]
    fn a_row_ends_where_the_paragraph_properties_say_not_at_an_empty_cell() {
        // Row 1: an empty time cell; row 2: an empty last cell. Row ends
        // at bytes 14 and 27 (the paragraphs [14, 15) and [27, 28)).
        let text = "\u{7}Mara\u{7}Slowly.\u{7}\u{7}00:01\u{7}Mara\u{7}\u{7}\u{7}Done.\r";
        assert_eq!(text.chars().nth(14), Some('\u{7}'));
        assert_eq!(text.chars().nth(27), Some('\u{7}'));
        assert_eq!(
            lines(&chars(text), &[(14, 15), (27, 28)]),
            "Mara: Slowly.\n[00:01] Mara: \nDone.\n"
        );
        // Without them, the second mark in a row ends it: row 2 ends at
        // its empty cell, and its end mark starts a row of its own.
        assert_eq!(
            lines(&chars(text), &[]),
            "Mara: Slowly.\n00:01\tMara\n\nDone. \n"
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
