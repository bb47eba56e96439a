//! Spreadsheet workbooks (.xlsx, .xlsm, .xls, .ods), as survey tools and
//! Microsoft Forms export them and as NVivo's and ATLAS.ti's survey imports
//! read them: the first worksheet with cells is read as a CSV table is
//! (docs/corpus.md, "CSV / JSONL"), its first row naming the columns. The
//! workbook is read with calamine; each cell becomes the text it shows.

use std::io::Cursor;
use std::path::Path;

use calamine::{open_workbook_auto_from_rs, Data, Range, Reader as _};

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
    let bad = |message: String| IngestError::BadSheet {
        file: path.into(),
        message,
    };
    let mut workbook =
        open_workbook_auto_from_rs(Cursor::new(bytes)).map_err(|e| bad(e.to_string()))?;
    let mut sheet = None;
    for name in workbook.sheet_names() {
        let range = workbook
            .worksheet_range(&name)
            .map_err(|e| bad(format!("sheet {name}: {e}")))?;
        if !range.is_empty() {
            sheet = Some((name, range));
            break;
        }
    }
    let Some((name, range)) = sheet else {
        return Err(IngestError::Empty { file: path.into() });
    };
    Ok(sheet_rows(&name, &range))
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
