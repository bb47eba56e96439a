//! Spreadsheet workbooks (.xlsx, .xlsm, .xls, .ods), as survey tools and
//! Microsoft Forms export them and as NVivo's and ATLAS.ti's survey imports
//! read them: the first worksheet with cells is read as a CSV table is
//! (docs/corpus.md, "CSV / JSONL"), its first row naming the columns. The
//! workbook is read with calamine; each cell becomes the text it shows.

use std::io::Cursor;
use std::path::Path;

use calamine::{open_workbook_auto_from_rs, Cell, Data, DataRef, Range, Reader as _, Sheets};

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
    let mut workbook =
        open_workbook_auto_from_rs(Cursor::new(bytes)).map_err(|e| bad(e.to_string()))?;
    let mut first = None;
    for name in workbook.sheet_names() {
        let range = match &mut workbook {
            Sheets::Xlsx(x) => match x.worksheet_cells_reader(&name) {
                Ok(mut cells) => used_cells(|| cells.next_cell())
                    .map_err(|e| bad(format!("sheet {name}: {e}")))
                    .and_then(|used| checked_range(&name, used).map_err(bad))?,
                // A chart sheet or a macro sheet: no cells to read.
                Err(calamine::XlsxError::NotAWorksheet(_)) => Range::default(),
                Err(e) => return Err(bad(format!("sheet {name}: {e}"))),
            },
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
        if wanted(&headers, &rows) {
            return Ok((headers, rows));
        }
        first.get_or_insert((headers, rows));
    }
    first.ok_or_else(|| IngestError::Empty { file: path.into() })
}

/// The most cells a sheet's table may span (the rows × columns between its
/// first and last used cells). calamine lays a sheet out densely, so one
/// stray value at XFD1048576 would ask for half a terabyte and abort the
/// process; a survey export of 100,000 answers × 200 columns is 20 million.
const MAX_SHEET_CELLS: u64 = 50_000_000;

/// A sheet's used cells with their values owned (empty ones left out),
/// from a cell reader's `next_cell` (.xlsx's and .xlsb's differ in type).
fn used_cells<'a, E>(
    mut next: impl FnMut() -> std::result::Result<Option<Cell<DataRef<'a>>>, E>,
) -> std::result::Result<Vec<Cell<Data>>, E> {
    let mut used = Vec::new();
    while let Some(c) = next()? {
        let pos = c.get_position();
        let value: Data = c.get_value().clone().into();
        if value != Data::Empty {
            used.push(Cell::new(pos, value));
        }
    }
    Ok(used)
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
        use std::io::Write;
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
        let mut buf = std::io::Cursor::new(Vec::new());
        let mut zip = zip::ZipWriter::new(&mut buf);
        for (name, body) in parts {
            zip.start_file(name, zip::write::SimpleFileOptions::default())
                .unwrap();
            zip.write_all(body.as_bytes()).unwrap();
        }
        zip.finish().unwrap();
        buf.into_inner()
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
