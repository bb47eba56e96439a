//! Spreadsheet workbooks (.xlsx, .xlsm, .xls, .ods), as survey tools and
//! Microsoft Forms export them and as NVivo's and ATLAS.ti's survey imports
//! read them: the first worksheet with cells is read as a CSV table is
//! (docs/corpus.md, "CSV / JSONL"), its first row naming the columns. The
//! workbook is read with calamine; each cell becomes the text it shows (an
//! .xlsx number through its number format: `00000` keeps a ZIP code's
//! leading zero, `"EMP"0000` a staff number's prefix).

use std::io::Cursor;
use std::path::Path;

use calamine::{
    open_workbook_auto_from_rs, Cell, Data, DataRef, Range, Reader as _, Sheets, StyleRange,
};

use super::table::{group, table_rows};
use super::{CaseRow, RawDocument, Reader, SourceFile, TableColumns};
use crate::error::{IngestError, Result};
use crate::SourceFormat;

pub struct SheetReader {
    pub columns: TableColumns,
}

impl Reader for SheetReader {
    fn format(&self) -> SourceFormat {
        SourceFormat::Sheet
    }

    fn read(&self, file: SourceFile<'_>) -> Result<Vec<RawDocument>> {
        let (headers, rows) = workbook_table(file.path, file.bytes)?;
        let records = rows.into_iter().map(|r| Ok((r.record, r.location)));
        let rows = table_rows(file, headers, records, &self.columns)?;
        Ok(group(file.name, rows))
    }
}

/// The first worksheet with cells of the workbook in `bytes`: its first row
/// (trimmed) as column names, and every later row that has a value, with
/// where it is ("sheet Answers, row 4", the row number a spreadsheet
/// shows).
pub(crate) fn workbook_table(path: &Path, bytes: &[u8]) -> Result<(Vec<String>, Vec<CaseRow>)> {
    workbook_table_where(path, bytes, &|_, _| true)
}

/// The first worksheet with cells that `wanted` takes (its column names as
/// written, its rows), else the first with cells: a coding sheet or a
/// codebook behind a sheet of instructions ("README", "How to code") is
/// found, and a workbook with none keeps the first sheet's error.
pub(crate) fn workbook_table_where(
    path: &Path,
    bytes: &[u8],
    wanted: &dyn Fn(&[String], &[CaseRow]) -> bool,
) -> Result<(Vec<String>, Vec<CaseRow>)> {
    let bad = |message: String| IngestError::BadSheet {
        file: path.into(),
        message,
    };
    if SourceFormat::from_path(path) == Some(SourceFormat::Sheet)
        && path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("ods"))
    {
        ods_expansion_within_limits(bytes).map_err(bad)?;
    }
    let mut workbook = open_workbook_auto_from_rs(Cursor::new(bytes)).map_err(|e| {
        if is_password_protected(bytes) {
            return super::docx::password_protected(path);
        }
        bad(e.to_string())
    })?;
    let mut first = None;
    for name in workbook.sheet_names() {
        // Formula cells an .xlsx holds without a saved result (openpyxl
        // and pandas write formulas uncalculated): calamine reads them as
        // empty, so a respondent's answer vanished with no word.
        let mut uncached: Vec<(u32, u32)> = Vec::new();
        let range = match &mut workbook {
            Sheets::Xlsx(x) => {
                let used = match x.worksheet_cells_reader(&name) {
                    Ok(mut cells) => used_cells(|| {
                        cells.next_cell_with_formula_metadata().map(|c| {
                            c.map(|c| {
                                if c.formula.is_some() && c.value == DataRef::Empty {
                                    uncached.push(c.pos);
                                }
                                Cell::new(c.pos, c.value)
                            })
                        })
                    })
                    .map_err(|e| bad(format!("sheet {name}: {e}")))?,
                    // A chart sheet or a macro sheet: no cells to read.
                    Err(calamine::XlsxError::NotAWorksheet(_)) => Vec::new(),
                    Err(e) => return Err(bad(format!("sheet {name}: {e}"))),
                };
                // A number shows through its cell's number format (a ZIP
                // code's `00000`): read as the plain number, `02134` was
                // `2134` and `EMP0007` was `7` (h6/01). The styles are a
                // second pass over the sheet, made only for numbers; a
                // sheet whose styles cannot be read keeps plain numbers.
                let numbers = used
                    .iter()
                    .any(|c| matches!(c.get_value(), Data::Float(_) | Data::Int(_)));
                let used = if numbers {
                    let styles = x.worksheet_style(&name).unwrap_or_default();
                    shown_numbers(used, &styles).map_err(|e| bad(format!("sheet {name}: {e}")))?
                } else {
                    used
                };
                checked_range(&name, used).map_err(bad)?
            }
            Sheets::Xlsb(x) => {
                let mut cells = x
                    .worksheet_cells_reader(&name)
                    .map_err(|e| bad(format!("sheet {name}: {e}")))?;
                used_cells(|| cells.next_cell())
                    .map_err(|e| bad(format!("sheet {name}: {e}")))
                    .and_then(|used| checked_range(&name, used).map_err(bad))?
            }
            // .xls holds at most 65,536 × 256 cells; .ods is read by its rows.
            other => other
                .worksheet_range(&name)
                .map_err(|e| bad(format!("sheet {name}: {e}")))?,
        };
        if range.is_empty() {
            continue;
        }
        let (headers, rows) = sheet_rows(&name, &range);
        let is_wanted = wanted(&headers, &rows);
        let read = if uncached.is_empty() {
            Ok((headers, rows))
        } else {
            Err(IngestError::SheetCells {
                file: path.into(),
                sheet: name.clone(),
                message: format!(
                "{} cell(s) hold a formula with no saved value ({}{}), read as empty they would \
                 lose what they say: the file was written by a program that does not calculate \
                 formulas; open and save it in Excel or LibreOffice (or write values, not \
                 formulas) and ingest it again",
                uncached.len(),
                uncached
                    .iter()
                    .take(5)
                    .map(|&pos| cell_name(pos))
                    .collect::<Vec<_>>()
                    .join(", "),
                if uncached.len() > 5 { ", …" } else { "" }
            ),
            })
        };
        if is_wanted {
            return read;
        }
        first.get_or_insert(read);
    }
    first.unwrap_or_else(|| Err(IngestError::Empty { file: path.into() }))
}

/// Whether a workbook calamine could not open was saved with a password:
/// an encrypted .xlsx (an OLE compound file holding the encrypted package),
/// an encrypted .ods (its manifest's encryption data), or an .xls whose
/// `FilePass` record says it is encrypted. calamine's own "Workbook is
/// password protected" is lost when it tries every format in turn ("Cannot
/// detect file format"), so the file is asked again here, on the error's
/// path only.
fn is_password_protected(bytes: &[u8]) -> bool {
    super::docx::is_encrypted_office_file(bytes)
        || zip::ZipArchive::new(Cursor::new(bytes))
            .is_ok_and(|mut zip| super::docx::is_encrypted_open_document(&mut zip))
        || matches!(
            calamine::open_workbook_from_rs::<calamine::Xls<_>, _>(Cursor::new(bytes)),
            Err(calamine::XlsError::Password)
        )
}

/// The most text a workbook's cells may expand to (the limit of a DOCX's
/// inflated XML, [`super::docx::MAX_XML_BYTES`]).
const MAX_SHEET_TEXT_BYTES: u64 = super::docx::MAX_XML_BYTES;

/// Checks an OpenDocument spreadsheet's repeated rows and columns before
/// calamine expands them: `table:number-rows-repeated="200000"` on a row
/// with text makes 200,000 copies of it, so an 845-byte file asked for
/// 4.8 GB and aborted the process. Rows and cells without content
/// (LibreOffice repeats its empty trailing rows a million times) count for
/// nothing. The content is streamed once, its inflated size capped as a
/// DOCX's is.
fn ods_expansion_within_limits(bytes: &[u8]) -> std::result::Result<(), String> {
    use quick_xml::events::Event;
    let Ok(mut zip) = zip::ZipArchive::new(Cursor::new(bytes)) else {
        // Not a zip: calamine says why.
        return Ok(());
    };
    let Ok(entry) = zip.by_name("content.xml") else {
        return Ok(());
    };
    let declared = entry.size();
    let xml = crate::archive::read_entry_capped(entry, declared, super::docx::MAX_XML_BYTES)
        .map_err(|e| format!("content.xml: {e}; refused"))?;
    let Ok(xml) = std::str::from_utf8(&xml) else {
        return Ok(());
    };
    let repeat = |e: &quick_xml::events::BytesStart<'_>, name: &str| -> u64 {
        e.attributes()
            .flatten()
            .find(|a| a.key.as_ref() == name)
            .and_then(|a| a.value.trim().parse().ok())
            .unwrap_or(1u64)
            .max(1)
    };
    let mut reader = quick_xml::Reader::from_str(xml);
    let (mut cells, mut text) = (0u64, 0u64);
    // The row being read: its repeat, and its cells' count and text (each
    // cell's times its own column repeat).
    let mut row: Option<(u64, u64, u64)> = None;
    let mut cell: Option<(u64, u64)> = None;
    loop {
        let event = match reader.read_event() {
            Ok(e) => e,
            // Malformed XML: calamine reports it.
            Err(_) => return Ok(()),
        };
        match event {
            Event::Eof => break,
            Event::Start(ref e) | Event::Empty(ref e) => {
                let closed = matches!(event, Event::Empty(_));
                match e.name().as_ref() {
                    "table:table-row" if !closed => {
                        row = Some((repeat(e, "table:number-rows-repeated"), 0, 0));
                    }
                    "table:table-cell" | "table:covered-table-cell" => {
                        let columns = repeat(e, "table:number-columns-repeated");
                        let value: u64 = e
                            .attributes()
                            .flatten()
                            .filter(|a| {
                                a.key.as_ref().starts_with("office:")
                                    && a.key.as_ref().ends_with("value")
                            })
                            .map(|a| a.value.len() as u64)
                            .sum();
                        if let Some(r) = row.as_mut() {
                            if value > 0 {
                                r.1 = r.1.saturating_add(columns);
                                r.2 = r.2.saturating_add(columns.saturating_mul(value));
                            }
                        }
                        cell = (!closed).then_some((columns, value));
                    }
                    _ => {}
                }
            }
            Event::Text(ref t) => {
                if let (Some(r), Some((columns, value))) = (row.as_mut(), cell.as_mut()) {
                    let n = t.trim_ascii().len() as u64;
                    if n > 0 {
                        if *value == 0 {
                            r.1 = r.1.saturating_add(*columns);
                        }
                        *value = value.saturating_add(n);
                        r.2 = r.2.saturating_add(columns.saturating_mul(n));
                    }
                }
            }
            Event::End(e) => match e.name().as_ref() {
                "table:table-row" => {
                    if let Some((repeated, row_cells, row_text)) = row.take() {
                        cells = cells.saturating_add(repeated.saturating_mul(row_cells));
                        text = text.saturating_add(repeated.saturating_mul(row_text));
                    }
                }
                "table:table-cell" | "table:covered-table-cell" => cell = None,
                _ => {}
            },
            _ => {}
        }
        if cells > MAX_SHEET_CELLS || text > MAX_SHEET_TEXT_BYTES {
            return Err(format!(
                "its repeated rows and columns expand to more than {MAX_SHEET_CELLS} cells or {} MiB of text; \
                 refused (a table that large, or a file made to exhaust memory)",
                MAX_SHEET_TEXT_BYTES >> 20
            ));
        }
    }
    Ok(())
}

/// The most cells a sheet's table may span (the rows × columns between its
/// first and last used cells). calamine lays a sheet out densely, so one
/// stray value at XFD1048576 would ask for half a terabyte and abort the
/// process; a survey export of 100,000 answers × 200 columns is 20 million.
const MAX_SHEET_CELLS: u64 = 50_000_000;

/// A sheet's used cells with their values owned (empty ones left out),
/// from a cell reader's `next_cell` (.xlsx's and .xlsb's differ in type).
/// Their text is capped as an `.ods`'s is: an .xlsx cell may name a shared
/// string by its number, so many cells naming one long string copied it
/// each time (a 1.6 MB file became 560 MB); the copies stop at the limit.
fn used_cells<'a, E: std::fmt::Display>(
    mut next: impl FnMut() -> std::result::Result<Option<Cell<DataRef<'a>>>, E>,
) -> std::result::Result<Vec<Cell<Data>>, String> {
    let mut used = Vec::new();
    let mut text = 0u64;
    while let Some(c) = next().map_err(|e| e.to_string())? {
        let pos = c.get_position();
        let len = match c.get_value() {
            DataRef::SharedString(s) => s.len(),
            DataRef::String(s) | DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => s.len(),
            _ => 0,
        };
        text = text.saturating_add(len as u64);
        if text > MAX_SHEET_TEXT_BYTES {
            return Err(format!(
                "its cells hold more than {} MiB of text (a cell's shared string counts each \
                 time a cell shows it); refused (a table that large, or a file made to exhaust memory)",
                MAX_SHEET_TEXT_BYTES >> 20
            ));
        }
        let value: Data = c.get_value().clone().into();
        if value != Data::Empty {
            used.push(Cell::new(pos, value));
        }
    }
    Ok(used)
}

/// `cells` with each number (an .xlsx's) as the text its number format in
/// `styles` shows ([`shown_number`]); a number under `General` or a format
/// not laid out here stays a number. The text is capped as shared strings'
/// is ([`used_cells`]): a format's literal text repeats in every cell.
fn shown_numbers(
    cells: Vec<Cell<Data>>,
    styles: &StyleRange,
) -> std::result::Result<Vec<Cell<Data>>, String> {
    let mut text = 0u64;
    cells
        .into_iter()
        .map(|c| {
            let pos = c.get_position();
            let number = match c.get_value() {
                Data::Float(f) => *f,
                Data::Int(i) => *i as f64,
                _ => return Ok(c),
            };
            let shown = styles
                .get(pos)
                .and_then(|style| style.number_format.as_ref())
                .and_then(|format| shown_number(number, &format.format_code));
            let Some(shown) = shown else {
                return Ok(c);
            };
            text = text.saturating_add(shown.len() as u64);
            if text > MAX_SHEET_TEXT_BYTES {
                return Err(format!(
                    "its numbers shown through their number formats hold more than {} MiB of \
                     text; refused (a table that large, or a file made to exhaust memory)",
                    MAX_SHEET_TEXT_BYTES >> 20
                ));
            }
            Ok(Cell::new(pos, Data::String(shown)))
        })
        .collect()
}

/// The longest number format code Excel accepts.
const MAX_NUMBER_FORMAT_CHARS: usize = 255;

/// A piece of a number format's section ([`shown_number`]).
#[derive(Debug, Clone, PartialEq)]
enum FormatPart {
    /// Text shown as it is: `"EMP"`, `\-`, `$`, a currency's `[$€-407]`.
    Literal(String),
    /// `%`: shown, and the number shown a hundred times larger.
    Percent,
    /// A digit's place: `0` shows a digit always (a leading zero), `#`
    /// only a significant one.
    Digit { zero: bool },
    /// The decimal point.
    Point,
    /// A thousands separator between digits (left out), or after them a
    /// scaling by a thousand (not laid out).
    Comma,
}

/// The text Excel shows for `value` under the number format `code`, for
/// the formats researchers' sheets use: digits padded with zeros
/// (`00000`, Format Cells › Special › Zip Code; `000-00-0000`), literal
/// text (`"EMP"0000`, `0" yrs"`), fixed decimals (`0.00`, `0.0#`),
/// percentages (`0.0%`), currency symbols (`[$€-407]#,##0.00`), and a
/// section for negatives and for zero (`#,##0;(#,##0)`). Thousands
/// separators are left out: `1234.50` for `#,##0.00` still reads as a
/// number (a time in seconds, a count), where `1,234.50` did not. `None`
/// (read as the plain number) for `General`, text (`@`), and what is not
/// laid out here: fractions (`# ?/?`), scientific notation, scaling by a
/// thousand (`#,##0,`), conditions (`[<=9999999]`) and dates (calamine
/// reads a date format's cells as dates).
fn shown_number(value: f64, code: &str) -> Option<String> {
    if !value.is_finite() || code.chars().count() > MAX_NUMBER_FORMAT_CHARS {
        return None;
    }
    let sections = format_sections(code);
    let (section, magnitude, negative) = match sections.as_slice() {
        [_, negatives, ..] if value < 0.0 => (*negatives, -value, false),
        [_, _, zero, ..] if value == 0.0 => (*zero, 0.0, false),
        [first, ..] => (*first, value.abs(), value < 0.0),
        [] => return None,
    };
    let parts = format_parts(section)?;
    let digit_places = parts
        .iter()
        .filter(|p| matches!(p, FormatPart::Digit { .. }))
        .count();
    if digit_places == 0 {
        return None;
    }
    let point = parts.iter().position(|p| *p == FormatPart::Point);
    let (integer, fraction) = parts.split_at(point.unwrap_or(parts.len()));
    let fraction = fraction.get(1..).unwrap_or_default();
    // The fraction's digit places, then its text (`0.0%`, `0.00" kg"`):
    // text between fraction digits, or a comma there, is not laid out.
    let fraction_places = fraction
        .iter()
        .take_while(|p| matches!(p, FormatPart::Digit { .. }))
        .count();
    if fraction[fraction_places..]
        .iter()
        .any(|p| !matches!(p, FormatPart::Literal(_) | FormatPart::Percent))
    {
        return None;
    }
    let fraction_zeros = fraction[..fraction_places]
        .iter()
        .rposition(|p| *p == FormatPart::Digit { zero: true })
        .map_or(0, |i| i + 1);
    // The integer's digit places; its commas between them are thousands
    // separators (left out), after them a scaling (`#,##0,`, not laid
    // out).
    let places: Vec<usize> = integer
        .iter()
        .enumerate()
        .filter(|(_, p)| matches!(p, FormatPart::Digit { .. }))
        .map(|(i, _)| i)
        .collect();
    let (first_place, last_place) = (places.first().copied(), places.last().copied());
    for (i, part) in integer.iter().enumerate() {
        match (part, first_place, last_place) {
            (FormatPart::Comma, Some(first), Some(last)) if i > first && i < last => {}
            (FormatPart::Comma, ..) => return None,
            _ => {}
        }
    }
    let interleaved = match (first_place, last_place) {
        (Some(first), Some(last)) => integer[first..last]
            .iter()
            .any(|p| matches!(p, FormatPart::Literal(_) | FormatPart::Percent)),
        _ => false,
    };
    let percents = parts.iter().filter(|p| **p == FormatPart::Percent).count() as i32;
    let (whole, mut decimals) = decimal_digits(magnitude, percents * 2, fraction_places)?;
    while decimals.len() > fraction_zeros && decimals.ends_with('0') {
        decimals.pop();
    }
    let integer_zeros = places
        .iter()
        .position(|&i| integer[i] == FormatPart::Digit { zero: true })
        .map_or(0, |k| places.len() - k);
    let mut digits = whole;
    while digits.len() < integer_zeros {
        digits.insert(0, '0');
    }
    let mut out = String::new();
    if negative && (digits.chars().chain(decimals.chars()).any(|c| c != '0')) {
        out.push('-');
    }
    // Each digit place takes one digit from the right; the first takes
    // what is left (`000-00-0000`). Without text among the places, the
    // first takes them all.
    let mut place_digits: Vec<String> = vec![String::new(); places.len()];
    if interleaved {
        let mut rest: Vec<char> = digits.chars().collect();
        for slot in place_digits.iter_mut().skip(1).rev() {
            if let Some(d) = rest.pop() {
                slot.push(d);
            }
        }
        if let Some(first) = place_digits.first_mut() {
            *first = rest.into_iter().collect();
        }
    } else if let Some(first) = place_digits.first_mut() {
        first.clone_from(&digits);
    }
    let mut place = 0;
    for part in integer {
        match part {
            FormatPart::Literal(text) => out.push_str(text),
            FormatPart::Percent => out.push('%'),
            FormatPart::Digit { .. } => {
                out.push_str(&place_digits[place]);
                place += 1;
            }
            FormatPart::Point | FormatPart::Comma => {}
        }
    }
    if point.is_some() {
        // A format with no digit place before the point (`.00`) still
        // shows the whole number's digits there.
        if places.is_empty() {
            out.push_str(&digits);
        }
        out.push('.');
        out.push_str(&decimals);
        for part in &fraction[fraction_places..] {
            match part {
                FormatPart::Literal(text) => out.push_str(text),
                FormatPart::Percent => out.push('%'),
                _ => {}
            }
        }
    }
    // A zero under `#` shows nothing: kept as the number, not read as an
    // empty cell.
    (!out.is_empty()).then_some(out)
}

/// A number format's sections, split at the `;`s outside quotes, escapes
/// and brackets: positive numbers; negative ones; zero; text.
fn format_sections(code: &str) -> Vec<&str> {
    let mut sections = Vec::new();
    let (mut start, mut quoted, mut bracketed, mut escaped) = (0, false, false, false);
    for (i, c) in code.char_indices() {
        if escaped {
            escaped = false;
            continue;
        }
        match c {
            '"' => quoted = !quoted,
            '\\' | '_' | '*' if !quoted => escaped = true,
            '[' if !quoted => bracketed = true,
            ']' if !quoted => bracketed = false,
            ';' if !quoted && !bracketed => {
                sections.push(&code[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    sections.push(&code[start..]);
    sections
}

/// A number format's section as [`FormatPart`]s, or `None` for one not
/// laid out here ([`shown_number`]).
fn format_parts(section: &str) -> Option<Vec<FormatPart>> {
    if section.trim().is_empty() || section.trim().eq_ignore_ascii_case("general") {
        return None;
    }
    let mut parts = Vec::new();
    let mut chars = section.chars();
    let mut points = 0;
    while let Some(c) = chars.next() {
        let part = match c {
            '"' => FormatPart::Literal(chars.by_ref().take_while(|&c| c != '"').collect()),
            '\\' => FormatPart::Literal(chars.next()?.to_string()),
            // `_)`: a space as wide as `)`; `*-`: `-` repeated to fill
            // the cell. Neither is text a reader would compare.
            '_' | '*' => {
                chars.next()?;
                continue;
            }
            '[' => {
                let inner: String = chars.by_ref().take_while(|&c| c != ']').collect();
                if let Some(currency) = inner.strip_prefix('$') {
                    // `[$€-407]`: the symbol, then its locale.
                    let symbol = currency.split('-').next().unwrap_or_default();
                    FormatPart::Literal(symbol.to_string())
                } else if is_format_colour(&inner) {
                    continue;
                } else {
                    // A condition (`[<=9999999]`) or an elapsed time.
                    return None;
                }
            }
            '0' => FormatPart::Digit { zero: true },
            '#' => FormatPart::Digit { zero: false },
            '.' => {
                points += 1;
                if points > 1 {
                    return None;
                }
                FormatPart::Point
            }
            ',' => FormatPart::Comma,
            '%' => FormatPart::Percent,
            '$' | '-' | '+' | '(' | ')' | ':' | '!' | '^' | '&' | '\'' | '~' | '{' | '}' | '<'
            | '>' | '=' | ' ' => FormatPart::Literal(c.to_string()),
            // A currency symbol typed as it is (`€`, `£`).
            c if !c.is_ascii() && !c.is_alphanumeric() => FormatPart::Literal(c.to_string()),
            // `?`, `/`, `E+`, `@`, date and time letters: not laid out.
            _ => return None,
        };
        parts.push(part);
    }
    Some(parts)
}

/// Whether `[name]` in a number format is a colour (`[Red]`, `[Color10]`).
fn is_format_colour(name: &str) -> bool {
    let name = name.to_lowercase();
    [
        "black", "blue", "cyan", "green", "magenta", "red", "white", "yellow",
    ]
    .contains(&name.as_str())
        || name
            .strip_prefix("color")
            .is_some_and(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()))
}

/// `magnitude` (not negative) × 10^`shift`, rounded half away from zero to
/// `decimals` places as Excel shows it (from its 15 significant digits, so
/// 2.345 is 2.35, not the 2.34 its binary value rounds to): the digits
/// before the point (none for 0) and the `decimals` digits after. `None`
/// for a number too long to show.
fn decimal_digits(magnitude: f64, shift: i32, decimals: usize) -> Option<(String, String)> {
    // `d.dddddddddddddde±x`: 15 significant digits.
    let scientific = format!("{magnitude:.14e}");
    let (mantissa, exponent) = scientific.split_once('e')?;
    let significant: Vec<u8> = mantissa
        .bytes()
        .filter(u8::is_ascii_digit)
        .map(|b| b - b'0')
        .collect();
    let exponent: i64 = exponent.parse().ok()?;
    // How many of the significant digits come before the point of the
    // rounded number × 10^decimals.
    let kept = exponent + 1 + i64::from(shift) + decimals as i64;
    if kept > 400 {
        return None;
    }
    let mut digits: Vec<u8> = if magnitude == 0.0 || kept < 0 {
        Vec::new()
    } else {
        let kept = kept as usize;
        let mut digits: Vec<u8> = significant.iter().copied().take(kept).collect();
        digits.resize(kept, 0);
        if significant.get(kept).is_some_and(|&d| d >= 5) {
            // Round up, carrying.
            let mut i = digits.len();
            loop {
                if i == 0 {
                    digits.insert(0, 1);
                    break;
                }
                i -= 1;
                if digits[i] == 9 {
                    digits[i] = 0;
                } else {
                    digits[i] += 1;
                    break;
                }
            }
        }
        digits
    };
    while digits.len() < decimals {
        digits.insert(0, 0);
    }
    let split = digits.len() - decimals;
    let text = |d: &[u8]| d.iter().map(|d| char::from(b'0' + d)).collect::<String>();
    let whole = text(&digits[..split]);
    Some((
        whole.trim_start_matches('0').to_string(),
        text(&digits[split..]),
    ))
}

/// The sheet's used cells as a range, or why not: their span names the
/// farthest cell, which is usually a stray value far from the table.
fn checked_range(name: &str, cells: Vec<Cell<Data>>) -> std::result::Result<Range<Data>, String> {
    let Some(first) = cells.first() else {
        return Ok(Range::default());
    };
    let (mut top, mut left) = first.get_position();
    let (mut bottom, mut right) = (top, left);
    let mut far = first.get_position();
    for c in &cells {
        let (r, col) = c.get_position();
        top = top.min(r);
        left = left.min(col);
        bottom = bottom.max(r);
        right = right.max(col);
        if (u64::from(r) + 1) * (u64::from(col) + 1)
            > (u64::from(far.0) + 1) * (u64::from(far.1) + 1)
        {
            far = (r, col);
        }
    }
    let rows = u64::from(bottom - top) + 1;
    let columns = u64::from(right - left) + 1;
    if rows * columns > MAX_SHEET_CELLS {
        return Err(format!(
            "sheet {name}: its cells span {rows} rows × {columns} columns, more than the \
             {MAX_SHEET_CELLS} cells a table is read with; is the value at {} a stray one? \
             Delete it, or copy the table to a sheet of its own",
            cell_name(far)
        ));
    }
    Ok(Range::from_sparse(cells))
}

/// A cell's name as a spreadsheet shows it: (0, 0) is A1.
fn cell_name((row, col): (u32, u32)) -> String {
    let mut letters = Vec::new();
    let mut n = col + 1;
    while n > 0 {
        letters.push(b'A' + ((n - 1) % 26) as u8);
        n = (n - 1) / 26;
    }
    letters.reverse();
    format!(
        "{}{}",
        String::from_utf8_lossy(&letters),
        u64::from(row) + 1
    )
}

fn sheet_rows(name: &str, range: &Range<Data>) -> (Vec<String>, Vec<CaseRow>) {
    let first_row = range.start().map_or(0, |(r, _)| u64::from(r));
    let mut rows = range.rows().zip(1..);
    let headers = rows
        .next()
        .map(|(r, _)| r.iter().map(|c| cell_text(c).trim().to_string()).collect())
        .unwrap_or_default();
    let records = rows
        .filter(|(r, _)| r.iter().any(|c| !cell_text(c).trim().is_empty()))
        .map(|(r, i)| {
            let number = first_row + i;
            CaseRow {
                record: r.iter().map(cell_text).collect(),
                location: format!("sheet {name}, row {number}"),
                number,
            }
        })
        .collect();
    (headers, records)
}

/// The text a cell shows: a whole number without ".0", a date as
/// `YYYY-MM-DD` (with `HH:MM:SS` when it has a time), a time of day or a
/// duration as a clock `H:MM:SS` (which the time columns read), TRUE or
/// FALSE, and nothing for an empty cell or an error such as `#N/A`.
fn cell_text(cell: &Data) -> String {
    match cell {
        Data::Empty | Data::Error(_) => String::new(),
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        Data::Float(f) => f.to_string(),
        Data::Bool(b) => if *b { "TRUE" } else { "FALSE" }.to_string(),
        Data::DateTime(d) => {
            let days = d.as_f64();
            if d.is_duration() || (0.0..1.0).contains(&days) {
                clock(days * 86_400.0)
            } else {
                let (y, mo, da, h, mi, s, ms) = d.to_ymd_hms_milli();
                if (h, mi, s, ms) == (0, 0, 0, 0) {
                    format!("{y:04}-{mo:02}-{da:02}")
                } else {
                    format!("{y:04}-{mo:02}-{da:02} {h:02}:{mi:02}:{s:02}")
                }
            }
        }
    }
}

/// `seconds` as `H:MM:SS`, with `.mmm` when not whole.
fn clock(seconds: f64) -> String {
    let ms = (seconds * 1000.0).round().max(0.0) as u64;
    let (h, m, s, frac) = (ms / 3_600_000, ms / 60_000 % 60, ms / 1000 % 60, ms % 1000);
    if frac == 0 {
        format!("{h}:{m:02}:{s:02}")
    } else {
        format!("{h}:{m:02}:{s:02}.{frac:03}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A minimal .xlsx: one sheet of inline-string cells at the given names.
    fn xlsx(cells: &[(&str, &str)]) -> Vec<u8> {
        let mut rows: std::collections::BTreeMap<u32, String> = Default::default();
        for (at, text) in cells {
            let row: u32 = at.trim_start_matches(char::is_alphabetic).parse().unwrap();
            rows.entry(row).or_default().push_str(&format!(
                r#"<c r="{at}" t="inlineStr"><is><t>{text}</t></is></c>"#
            ));
        }
        let data: String = rows
            .iter()
            .map(|(r, c)| format!(r#"<row r="{r}">{c}</row>"#))
            .collect();
        xlsx_of(&data, None)
    }

    /// A minimal .xlsx of one sheet whose `<sheetData>` holds `data`, with
    /// a shared-strings part of `shared` (each an `<si>`) if given.
    fn xlsx_of(data: &str, shared: Option<&[&str]>) -> Vec<u8> {
        xlsx_styled(data, shared, None)
    }

    /// [`xlsx_of`] with a styles part `styles.xml` (a `<styleSheet>`'s
    /// content) if given.
    fn xlsx_styled(data: &str, shared: Option<&[&str]>, styles: Option<&str>) -> Vec<u8> {
        use std::io::Write;
        let main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main";
        let rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";
        let parts = [
            (
                "[Content_Types].xml",
                r#"<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>"#.to_string(),
            ),
            (
                "_rels/.rels",
                format!(r#"<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="{rel}/officeDocument" Target="xl/workbook.xml"/></Relationships>"#),
            ),
            (
                "xl/workbook.xml",
                format!(r#"<workbook xmlns="{main}" xmlns:r="{rel}"><sheets><sheet name="Codes" sheetId="1" r:id="rId1"/></sheets></workbook>"#),
            ),
            (
                "xl/_rels/workbook.xml.rels",
                format!(r#"<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="{rel}/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#),
            ),
            (
                "xl/worksheets/sheet1.xml",
                format!(r#"<worksheet xmlns="{main}"><sheetData>{data}</sheetData></worksheet>"#),
            ),
        ];
        let strings = shared.map(|items| {
            let si: String = items
                .iter()
                .map(|t| format!("<si><t>{t}</t></si>"))
                .collect();
            (
                "xl/sharedStrings.xml",
                format!(
                    r#"<sst xmlns="{main}" count="{n}" uniqueCount="{n}">{si}</sst>"#,
                    n = items.len()
                ),
            )
        });
        let styles = styles.map(|content| {
            (
                "xl/styles.xml",
                format!(r#"<styleSheet xmlns="{main}">{content}</styleSheet>"#),
            )
        });
        let mut buf = std::io::Cursor::new(Vec::new());
        let mut zip = zip::ZipWriter::new(&mut buf);
        for (name, body) in parts.into_iter().chain(strings).chain(styles) {
            zip.start_file(name, zip::write::SimpleFileOptions::default())
                .unwrap();
            zip.write_all(body.as_bytes()).unwrap();
        }
        zip.finish().unwrap();
        buf.into_inner()
    }

    /// An OpenDocument spreadsheet of one sheet whose rows are `rows`
    /// (each `<table:table-row …>…</table:table-row>`).
    fn ods(rows: &str) -> Vec<u8> {
        use std::io::Write;
        let ns = r#"xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2""#;
        let content = format!(
            r#"<?xml version="1.0" encoding="UTF-8"?><office:document-content {ns}><office:body><office:spreadsheet><table:table table:name="Answers">{rows}</table:table></office:spreadsheet></office:body></office:document-content>"#
        );
        let manifest = r#"<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2"><manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/><manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>"#;
        let mut buf = std::io::Cursor::new(Vec::new());
        let mut zip = zip::ZipWriter::new(&mut buf);
        for (name, body) in [
            ("mimetype", "application/vnd.oasis.opendocument.spreadsheet"),
            ("META-INF/manifest.xml", manifest),
            ("content.xml", content.as_str()),
        ] {
            zip.start_file(name, zip::write::SimpleFileOptions::default())
                .unwrap();
            zip.write_all(body.as_bytes()).unwrap();
        }
        zip.finish().unwrap();
        buf.into_inner()
    }

    fn ods_cell(text: &str) -> String {
        format!(
            r#"<table:table-cell office:value-type="string"><text:p>{text}</text:p></table:table-cell>"#
        )
    }

    /// LibreOffice repeats its empty trailing rows and columns a million
    /// times: read. A row of text repeated 200,000 times (an 845-byte file
    /// that asked for 4.8 GB and aborted the process): refused, by name.
    /// Excel's "Encrypt with Password" saves a compound file holding the
    /// encrypted workbook, and LibreOffice's "Save with password" an .ods
    /// whose manifest names its encryption: both read as "Cannot detect
    /// file format" (participants files and codebook tables alike).
    #[test]
    fn a_password_protected_workbook_is_named_so() {
        let protected = |name: &str| {
            format!(
                "{name}: cannot read: the file is encrypted (password-protected); open it with \
                 its password and save an unprotected copy"
            )
        };
        let office = super::super::docx::compound_file(&["EncryptionInfo", "EncryptedPackage"]);
        let path = Path::new("participants.xlsx");
        let Err(err) = workbook_table(path, &office) else {
            panic!("an encrypted workbook was read")
        };
        assert_eq!(err.to_string(), protected("participants.xlsx"));

        let manifest = r#"<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2"><manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/><manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"><manifest:encryption-data manifest:checksum-type="SHA1/1K" manifest:checksum="AAAA"><manifest:algorithm manifest:algorithm-name="Blowfish CFB" manifest:initialisation-vector="AAAA"/></manifest:encryption-data></manifest:file-entry></manifest:manifest>"#;
        let mut buf = Cursor::new(Vec::new());
        {
            use std::io::Write;
            let mut zip = zip::ZipWriter::new(&mut buf);
            let opts = zip::write::SimpleFileOptions::default();
            zip.start_file("mimetype", opts).unwrap();
            zip.write_all(b"application/vnd.oasis.opendocument.spreadsheet")
                .unwrap();
            zip.start_file("META-INF/manifest.xml", opts).unwrap();
            zip.write_all(manifest.as_bytes()).unwrap();
            // Ciphertext, as LibreOffice stores it.
            zip.start_file("content.xml", opts).unwrap();
            zip.write_all(&[0x9c, 0xff, 0x13, 0x80, 0x42]).unwrap();
            zip.finish().unwrap();
        }
        let path = Path::new("codes.ods");
        let Err(err) = workbook_table(path, &buf.into_inner()) else {
            panic!("an encrypted workbook was read")
        };
        assert_eq!(err.to_string(), protected("codes.ods"));

        // An .xls encrypted with a password: its Workbook stream's
        // `FilePass` record (MS-XLS 2.4.117) after the BOF.
        let mut compound = cfb::CompoundFile::create(Cursor::new(Vec::new())).unwrap();
        {
            use std::io::Write;
            let mut workbook = compound.create_stream("/Workbook").unwrap();
            let bof = [0x00, 0x06, 0x05, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
            workbook.write_all(&[0x09, 0x08, 16, 0]).unwrap();
            workbook.write_all(&bof).unwrap();
            workbook
                .write_all(&[0x2F, 0x00, 6, 0, 1, 0, 1, 0, 1, 0])
                .unwrap();
        }
        compound.flush().unwrap();
        let xls = compound.into_inner().into_inner();
        let Err(err) = workbook_table(Path::new("survey.xls"), &xls) else {
            panic!("an encrypted workbook was read")
        };
        assert_eq!(err.to_string(), protected("survey.xls"));

        // Another compound file that is no workbook keeps calamine's word.
        let other = super::super::docx::compound_file(&["WordDocument"]);
        let Err(err) = workbook_table(Path::new("x.xlsx"), &other) else {
            panic!("a Word file was read as a workbook")
        };
        assert_eq!(
            err.to_string(),
            "x.xlsx: not a spreadsheet autocode can read (Cannot detect file format)"
        );
    }

    #[test]
    fn an_ods_is_read_and_its_repeated_rows_are_bounded() {
        let path = Path::new("answers.ods");
        let header = format!(
            "<table:table-row>{}{}</table:table-row>",
            ods_cell("speaker"),
            ods_cell("text")
        );
        let row = format!(
            "<table:table-row>{}{}<table:table-cell table:number-columns-repeated=\"1022\"/></table:table-row>",
            ods_cell("Anna"),
            ods_cell("Cameras help.")
        );
        let trailing = r#"<table:table-row table:number-rows-repeated="1048573"><table:table-cell table:number-columns-repeated="1024"/></table:table-row>"#;
        let (headers, rows) =
            workbook_table(path, &ods(&format!("{header}{row}{trailing}"))).unwrap();
        assert_eq!(headers, ["speaker", "text"]);
        assert_eq!(rows.len(), 1);
        assert_eq!(
            rows[0].record.iter().take(2).collect::<Vec<_>>(),
            ["Anna", "Cameras help."]
        );
        let bomb = format!(
            "{header}<table:table-row table:number-rows-repeated=\"200000\">{}{}</table:table-row>",
            ods_cell("Anna"),
            ods_cell(&"Cameras help. ".repeat(200))
        );
        let Err(err) = workbook_table(path, &ods(&bomb)) else {
            panic!("200,000 copies of a 2.8 kB row were read");
        };
        let err = err.to_string();
        assert!(
            err.starts_with("answers.ods: ")
                && err.contains("repeated rows and columns expand to more than"),
            "{err}"
        );
    }

    /// Cells naming a shared string by number are read; a hundred and
    /// thirty cells showing one 2 MiB shared string (260 MiB of text from
    /// a file of a few kB) are refused, by name, before they are copied.
    #[test]
    fn shared_strings_are_read_and_their_copies_are_bounded() {
        let path = Path::new("answers.xlsx");
        let cell = |at: &str, n: usize| format!(r#"<c r="{at}" t="s"><v>{n}</v></c>"#);
        let data = format!(
            r#"<row r="1">{}{}</row><row r="2">{}{}</row><row r="3">{}{}</row>"#,
            cell("A1", 0),
            cell("B1", 1),
            cell("A2", 2),
            cell("B2", 3),
            cell("A3", 2),
            cell("B3", 3),
        );
        let (headers, rows) = workbook_table(
            path,
            &xlsx_of(&data, Some(&["speaker", "text", "Anna", "Cameras help."])),
        )
        .unwrap();
        assert_eq!(headers, ["speaker", "text"]);
        assert_eq!(rows.len(), 2);
        assert_eq!(
            rows[1].record.iter().collect::<Vec<_>>(),
            ["Anna", "Cameras help."]
        );
        let long = "Cameras help. ".repeat((2 << 20) / 14 + 1);
        let mut data = format!(r#"<row r="1">{}{}</row>"#, cell("A1", 0), cell("B1", 1));
        for r in 2..132 {
            data.push_str(&format!(
                r#"<row r="{r}">{}{}</row>"#,
                cell(&format!("A{r}"), 2),
                cell(&format!("B{r}"), 3)
            ));
        }
        let bytes = xlsx_of(&data, Some(&["speaker", "text", "Anna", &long]));
        let Err(err) = workbook_table(path, &bytes) else {
            panic!("130 copies of a 2 MiB shared string were read");
        };
        let err = err.to_string();
        assert!(
            err.starts_with("answers.xlsx: ")
                && err.contains("sheet Codes: its cells hold more than 256 MiB of text"),
            "{err}"
        );
    }

    #[test]
    fn a_formula_without_a_saved_value_is_named_not_read_as_empty() {
        let path = Path::new("survey.xlsx");
        let inline =
            |at: &str, t: &str| format!(r#"<c r="{at}" t="inlineStr"><is><t>{t}</t></is></c>"#);
        let row = |r: u32, cells: String| format!(r#"<row r="{r}">{cells}</row>"#);
        // openpyxl's formula: no <v>, so no value to show.
        let uncached = r#"<c r="B3" t="str"><f>"Privacy "&amp;"matters."</f></c>"#;
        // Excel's: the formula with its saved result.
        let cached = r#"<c r="B2" t="str"><f>"Fine "&amp;"thanks."</f><v>Fine thanks.</v></c>"#;
        let data = [
            row(1, inline("A1", "id") + &inline("B1", "answer")),
            row(2, inline("A2", "P1") + cached),
            row(3, inline("A3", "P2") + uncached),
        ]
        .concat();
        let Err(err) = workbook_table(path, &xlsx_of(&data, None)) else {
            panic!("a formula without a value was read as empty");
        };
        let err = err.to_string();
        assert!(
            err.starts_with(
                "survey.xlsx: sheet Codes: 1 cell(s) hold a formula with no saved value (B3)"
            ),
            "{err}"
        );
        let data = [
            row(1, inline("A1", "id") + &inline("B1", "answer")),
            row(2, inline("A2", "P1") + cached),
        ]
        .concat();
        let (_, rows) = workbook_table(path, &xlsx_of(&data, None)).unwrap();
        assert_eq!(
            rows[0].record.iter().collect::<Vec<_>>(),
            ["P1", "Fine thanks."]
        );
    }

    #[test]
    fn a_stray_cell_far_from_the_table_is_named_not_laid_out() {
        let path = Path::new("codes.xlsx");
        let table = [
            ("A1", "name"),
            ("B1", "definition"),
            ("A2", "Trust"),
            ("B2", "d"),
        ];
        let (headers, rows) = workbook_table(path, &xlsx(&table)).unwrap();
        assert_eq!(headers, ["name", "definition"]);
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].record.iter().collect::<Vec<_>>(), ["Trust", "d"]);
        assert_eq!(rows[0].location, "sheet Codes, row 2");
        // One value at the sheet's last cell: 2^34 cells laid out densely
        // aborted the process (a 512 GiB allocation).
        let far = [&table[..], &[("XFD1048576", "z")]].concat();
        let Err(err) = workbook_table(path, &xlsx(&far)) else {
            panic!("a table 2^34 cells wide was read");
        };
        let err = err.to_string();
        assert!(err.contains("codes.xlsx"), "{err}");
        assert!(err.contains("sheet Codes"), "{err}");
        assert!(err.contains("1048576 rows × 16384 columns"), "{err}");
        assert!(err.contains("the value at XFD1048576"), "{err}");
        // Far, but within the bound: read, with the stray column.
        let near = [&table[..], &[("C300", "z")]].concat();
        let (headers, rows) = workbook_table(path, &xlsx(&near)).unwrap();
        assert_eq!(headers, ["name", "definition", ""]);
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[1].location, "sheet Codes, row 300");
    }

    #[test]
    fn cell_names_are_a_spreadsheets() {
        assert_eq!(cell_name((0, 0)), "A1");
        assert_eq!(cell_name((9, 25)), "Z10");
        assert_eq!(cell_name((0, 26)), "AA1");
        assert_eq!(cell_name((1_048_575, 16_383)), "XFD1048576");
    }

    /// A number shows through its number format, as Excel shows it: a ZIP
    /// code's `00000` and a staff number's `"EMP"0000` were read as `2134`
    /// and `7` (h6/01).
    #[test]
    fn numbers_read_as_their_format_shows_them() {
        for (code, value, shown) in [
            ("00000", 2134.0, "02134"),
            ("00000", 501.0, "00501"),
            ("00000", 10001.0, "10001"),
            ("\"EMP\"0000", 7.0, "EMP0007"),
            ("\"EMP\"0000", 12345.0, "EMP12345"),
            ("\"EMP\"0000", -7.0, "-EMP0007"),
            ("0\" yrs\"", 34.0, "34 yrs"),
            ("000-00-0000", 123456789.0, "123-45-6789"),
            ("000-00-0000", 5.0, "000-00-0005"),
            ("\\P00", 3.0, "P03"),
            ("0", 2.5, "3"),
            ("0", -3.0, "-3"),
            ("0.00", 3.0, "3.00"),
            ("0.00", 2.345, "2.35"),
            ("0.00", 0.005, "0.01"),
            ("0.00", 9.999, "10.00"),
            ("0.0#", 1.5, "1.5"),
            ("0.0#", 1.256, "1.26"),
            ("0.0#", 2.0, "2.0"),
            ("#.00", 0.5, ".50"),
            (".00", 3.5, "3.50"),
            // Thousands separators left out: still a number.
            ("#,##0", 1234567.0, "1234567"),
            ("#,##0", 999.0, "999"),
            ("#,##0.00", 1234.5, "1234.50"),
            ("0%", 0.25, "25%"),
            ("0.0%", 0.1234, "12.3%"),
            ("#,##0_);(#,##0)", 1234.0, "1234"),
            ("#,##0_);[Red](#,##0)", -1234.0, "(1234)"),
            ("[$€-407] #,##0.00", 1234.5, "€ 1234.50"),
            ("£#,##0", 12.0, "£12"),
            ("0.00;(0.00);0", 0.0, "0"),
        ] {
            assert_eq!(
                shown_number(value, code).as_deref(),
                Some(shown),
                "{code} {value}"
            );
        }
        // Formats not laid out here: the plain number, as before.
        for code in [
            "General",
            "@",
            "0.00E+00",
            "# ?/?",
            "[<=9999999]###-####;(###) ###-####",
            "mm/dd/yyyy",
            "#",
            "#,##0,",
            // A zero section of text alone.
            "0;-0;\"none\"",
            "",
        ] {
            assert_eq!(shown_number(0.0, code), None, "{code}");
        }
        assert_eq!(shown_number(12.0, &"0".repeat(300)), None);
    }

    /// An .xlsx's number cells read through their styles: the text Excel
    /// shows, `General` and dates as before.
    #[test]
    fn an_xlsx_number_reads_as_its_cell_shows_it() {
        let inline =
            |at: &str, t: &str| format!(r#"<c r="{at}" t="inlineStr"><is><t>{t}</t></is></c>"#);
        let number =
            |at: &str, style: u32, v: f64| format!(r#"<c r="{at}" s="{style}"><v>{v}</v></c>"#);
        let data = [
            format!(
                r#"<row r="1">{}{}{}{}</row>"#,
                inline("A1", "id"),
                inline("B1", "zip code"),
                inline("C1", "staff number"),
                inline("D1", "age")
            ),
            format!(
                r#"<row r="2">{}{}{}{}</row>"#,
                inline("A2", "P01"),
                number("B2", 1, 2134.0),
                number("C2", 2, 7.0),
                number("D2", 0, 34.0)
            ),
            format!(
                r#"<row r="3">{}{}{}{}</row>"#,
                inline("A3", "P02"),
                number("B3", 1, 10001.0),
                number("C3", 2, 12.0),
                number("D3", 3, 45658.0)
            ),
        ]
        .concat();
        let styles = r#"<numFmts count="2"><numFmt numFmtId="164" formatCode="00000"/><numFmt numFmtId="165" formatCode="&quot;EMP&quot;0000"/></numFmts><cellXfs count="4"><xf numFmtId="0"/><xf numFmtId="164" applyNumberFormat="1"/><xf numFmtId="165" applyNumberFormat="1"/><xf numFmtId="14" applyNumberFormat="1"/></cellXfs>"#;
        let bytes = xlsx_styled(&data, None, Some(styles));
        let (headers, rows) = workbook_table(Path::new("participants.xlsx"), &bytes).unwrap();
        assert_eq!(headers, ["id", "zip code", "staff number", "age"]);
        let records: Vec<Vec<&str>> = rows.iter().map(|r| r.record.iter().collect()).collect();
        assert_eq!(
            records,
            [
                ["P01", "02134", "EMP0007", "34"],
                ["P02", "10001", "EMP0012", "2025-01-01"]
            ]
        );
    }

    #[test]
    fn cells_read_as_they_show() {
        use calamine::{ExcelDateTime, ExcelDateTimeType};
        assert_eq!(cell_text(&Data::Float(3.0)), "3");
        assert_eq!(cell_text(&Data::Float(2.5)), "2.5");
        assert_eq!(cell_text(&Data::Int(-4)), "-4");
        assert_eq!(cell_text(&Data::Bool(true)), "TRUE");
        assert_eq!(cell_text(&Data::Empty), "");
        let date =
            |v: f64| Data::DateTime(ExcelDateTime::new(v, ExcelDateTimeType::DateTime, false));
        // Serial 45995 is 2025-12-04 in the 1900 date system (45658 is 2025-01-01).
        assert_eq!(cell_text(&date(45995.0)), "2025-12-04");
        assert_eq!(cell_text(&date(45995.5)), "2025-12-04 12:00:00");
        assert_eq!(cell_text(&date(0.5 + 7.25 / 86_400.0)), "12:00:07.250");
        let duration = Data::DateTime(ExcelDateTime::new(1.5, ExcelDateTimeType::TimeDelta, false));
        assert_eq!(cell_text(&duration), "36:00:00");
    }
}
